"""Demonstration dossiers withdrawn the way a citizen withdraws one: online dossiers only (a
walk-in one has nobody to withdraw it), each with its reason and its timeline entry."""
import os

from test_demo import DEMO_TIMEOUT, PASSWORD, query, run_cli


def test_demo_withdraws_online_dossiers_with_a_timeline_entry(tmp_path):
    data = str(tmp_path / "data")
    r = run_cli(["--data", data, "--password", PASSWORD, "demo", "--dossiers", "300"],
                timeout=DEMO_TIMEOUT)
    assert r.returncode == 0, r.stderr
    rows = query(os.path.join(data, "motcua.db"),
                 "SELECT d.channel, d.withdrawn_at IS NOT NULL, d.withdraw_reason, "
                 "(SELECT count(*) FROM dossier_events e WHERE e.dossier_id = d.id AND "
                 "e.from_status = 'pending' AND e.to_status = 'withdrawn' AND "
                 "e.account_id = d.owner_account_id) FROM dossiers d WHERE d.status = 'withdrawn'")
    assert rows, "no demonstration dossier was withdrawn"
    for channel, stamped, reason, events in rows:
        assert (channel, stamped, events) == ("online", 1, 1), rows
        assert reason, rows
