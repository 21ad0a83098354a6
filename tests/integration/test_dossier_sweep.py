"""The background sweeps of dossiers (issue 5) against the real binary on demo data: the draft
reminder and deletion run by `motcua sweep` beside a running server (same SQLite database, WAL),
and the same work done by the server's own timer (--sweep-interval).

Time is moved with --clock-offset, never slept away.  The outbox holds a queued mail until the
clock of the server's mail sender reaches the time it was queued at, so a reminder queued by a
`motcua sweep --clock-offset 27 days` is delivered by a server restarted with that offset: the
way an operator rehearses it.
"""
import datetime
import re
import time

import pytest

from accounts_helpers import Servers, html_text, plain_text, text_of
from admin_helpers import DEMO_CITIZEN, DEMO_PASSWORD, AdminSite, soup_of

DAY = 86400
HOUR = 3600
BIRTH = "1.001193"  # Đăng ký khai sinh: citizens only, online at the commune desks
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))


# ---- helpers ----

@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


def demo_site(servers, args=()):
    srv = servers.start(args=args, demo_password=DEMO_PASSWORD)
    return AdminSite(srv, [])


def restart(servers, site, offset, interval=None):
    """The same data folder and port, served with clock offset 'offset' seconds."""
    args = ["--clock-offset", str(offset)]
    if interval is not None:
        args += ["--sweep-interval", str(interval)]
    return AdminSite(servers.restart(site.srv, args=args), [])


def start_draft(site, session):
    """A draft of Đăng ký khai sinh started through the pages; returns its id."""
    offering = site.one("SELECT o.id FROM offerings o JOIN procedures p ON p.id = o.procedure_id"
                        " WHERE p.code = ? AND o.online = 1 AND o.active = 1 ORDER BY o.id"
                        " LIMIT 1", (BIRTH,))
    assert offering, "the demo data has no online offering of %s" % BIRTH
    r = site.get(session, "/dossiers")
    assert r.status_code == 200, r.status_code
    token = soup_of(r).find("input", attrs={"name": "csrf_token"})["value"]
    r = session.post(site.url + "/dossiers/new", data={"offering": str(offering),
                                                       "csrf_token": token},
                     timeout=15, allow_redirects=False)
    assert r.status_code == 303, "start refused: %d %s" % (r.status_code, text_of(r)[:300])
    m = re.search(r"/dossiers/(\d+)/form$", r.headers["Location"])
    assert m, r.headers["Location"]
    return int(m.group(1))


def sweep(site, offset):
    """Run `motcua sweep` at clock offset 'offset' on the site's data folder, while its server
    runs; returns its counts by label ("draft reminders queued" ...)."""
    # The server's settings, as an operator's cron job has them: links in mail need the URL.
    r = site.srv.cli("--base-url", site.url, "--clock-offset", str(offset), "sweep", timeout=60)
    assert r.returncode == 0, "motcua sweep failed (%d): %s" % (r.returncode, r.stderr)
    counts = {}
    for line in r.stdout.splitlines():
        label, _, value = line.rpartition(": ")
        counts[label] = int(value)
    for label in ("unconfirmed dossiers expired", "draft reminders queued",
                  "draft reminders refused (bad address)", "drafts deleted",
                  "unused stored files deleted"):
        assert label in counts, "no '%s' in %r" % (label, r.stdout)
    return counts


def local_date(offset):
    """The portal's local date (dd/mm/yyyy) 'offset' seconds from now."""
    when = datetime.datetime.now(VIETNAM) + datetime.timedelta(seconds=offset)
    return when.strftime("%d/%m/%Y")


def procedure_name(site):
    return site.one("SELECT name FROM procedures WHERE code = ?", (BIRTH,))


def assert_reminder(site, did, delete_dates):
    """The reminder mail to the demo citizen: link to the draft's form, procedure, date."""
    _, msg, link = site.wait_mail(DEMO_CITIZEN, "/dossiers/%d/form" % did)
    assert link == site.url + "/dossiers/%d/form" % did
    subject = str(msg["Subject"])
    assert procedure_name(site) in subject, subject
    assert any(d in subject for d in delete_dates), (subject, delete_dates)
    text = plain_text(msg)
    assert "Lưu nháp" in text and "sẽ bị xóa vào ngày" in text, text
    assert any(d in text for d in delete_dates), text
    assert ("/dossiers/%d/form" % did) in html_text(msg)
    return msg


def draft_listed(site, session, did):
    r = site.get(session, "/dossiers")
    assert r.status_code == 200, r.status_code
    return any(a["href"].rstrip("/").endswith("/dossiers/%d" % did) or
               a["href"].startswith("/dossiers/%d/" % did)
               for a in soup_of(r).find_all("a", href=True))


# ---- tests ----

def test_cli_reminds_then_deletes_a_draft_beside_the_server(servers):
    site = demo_site(servers)
    citizen = site.citizen_session()
    did = start_draft(site, citizen)
    assert draft_listed(site, citizen, did)

    # 26 days on: nothing is due.  The server runs all along on the same database.
    assert sweep(site, 26 * DAY)["draft reminders queued"] == 0
    assert site.one("SELECT draft_reminded_at FROM dossiers WHERE id = ?", (did,)) is None

    # 27 days (and an hour) on: the reminder is queued, once.
    offset = 27 * DAY + HOUR
    dates = {local_date(offset + 3 * DAY)}
    counts = sweep(site, offset)
    dates.add(local_date(offset + 3 * DAY))
    assert counts["draft reminders queued"] == 1, counts
    assert counts["drafts deleted"] == 0
    assert site.one("SELECT draft_reminded_at FROM dossiers WHERE id = ?", (did,)) is not None
    rows = site.rows("SELECT recipient, subject, status FROM mail_outbox WHERE subject LIKE ?",
                     ("Bản nháp hồ sơ%",))
    assert len(rows) == 1 and rows[0][0] == DEMO_CITIZEN, rows
    assert sweep(site, offset + 60)["draft reminders queued"] == 0

    # 30 days after the last save but only 3 days minus an hour after the reminder: kept.
    assert sweep(site, 30 * DAY)["drafts deleted"] == 0

    # The mail goes out once the server's clock reaches the time it was queued at.
    site = restart(servers, site, offset + 60)
    assert_reminder(site, did, dates)

    # Past the notice: the draft is deleted, with the server still running.
    counts = sweep(site, 30 * DAY + 2 * HOUR)
    assert counts["drafts deleted"] == 1, counts
    assert site.one("SELECT COUNT(*) FROM dossiers WHERE id = ?", (did,)) == 0
    assert site.one("SELECT COUNT(*) FROM dossier_events WHERE dossier_id = ?", (did,)) == 0
    citizen = site.citizen_session()
    assert not draft_listed(site, citizen, did)
    assert site.get(citizen, "/dossiers/%d" % did).status_code == 404
    assert sweep(site, 31 * DAY)["drafts deleted"] == 0
    assert site.one("SELECT COUNT(*) FROM sweep_leases WHERE name = 'sweeps'") == 0, "the lease was not given back"


def test_the_servers_timer_does_the_same(servers):
    site = demo_site(servers)
    citizen = site.citizen_session()
    did = start_draft(site, citizen)
    kept = start_draft(site, citizen)

    # No timer (--sweep-interval 0): the server says so at start-up, and 40 days on nothing
    # has happened by itself.
    site = restart(servers, site, 40 * DAY, interval=0)
    assert "no background sweeps (--sweep-interval 0)" in site.srv.stderr()
    assert site.one("SELECT COUNT(*) FROM dossiers WHERE draft_reminded_at IS NOT NULL") == 0
    assert "sweep:" not in site.srv.stderr()

    # With a timer the reminder goes at start-up, mailed by the same server.
    offset = 27 * DAY + HOUR
    dates = {local_date(offset + 3 * DAY)}
    site = restart(servers, site, offset, interval=1)
    dates.add(local_date(offset + 3 * DAY))
    assert_reminder(site, did, dates)
    assert "sweep: expired=0 reminded=2 " in site.srv.stderr(), site.srv.stderr()

    # A save after the reminder keeps that draft; the other goes once the notice is over.
    citizen = site.citizen_session()
    r = site.get(citizen, "/dossiers/%d/form" % kept)
    assert r.status_code == 200
    token = soup_of(r).find("input", attrs={"name": "csrf_token"})["value"]
    r = citizen.post(site.url + "/dossiers/%d/form" % kept,
                     data={"csrf_token": token, "action": "save"}, timeout=15,
                     allow_redirects=False)
    assert r.status_code in (200, 303, 422), r.status_code
    assert site.one("SELECT updated_at > draft_reminded_at FROM dossiers WHERE id = ?",
                    (kept,)) == 1
    site = restart(servers, site, 30 * DAY + 2 * HOUR, interval=1)
    deadline = time.monotonic() + 15
    while site.one("SELECT COUNT(*) FROM dossiers WHERE id = ?", (did,)) != 0:
        assert time.monotonic() < deadline, "the timer did not delete the draft; stderr:\n" \
            + site.srv.stderr()
        time.sleep(0.1)
    assert site.one("SELECT COUNT(*) FROM dossiers WHERE id = ?", (kept,)) == 1
    assert "drafts_deleted=1" in site.srv.stderr(), site.srv.stderr()
