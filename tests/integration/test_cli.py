"""The command line: settings, version, help, migrate, demo, serve's start-up line."""
import os
import re
import socket
import subprocess
import time

import pytest
import requests

from motcua_server import DEMO_PORTAL_NAME, READY_RE, MotcuaServer, binary, clean_env, run_cli


def one_line(text):
    lines = [l for l in text.splitlines() if l.strip()]
    assert len(lines) == 1, "expected one line on stderr, got %r" % text
    return lines[0]


def test_version():
    r = run_cli(["version"])
    assert r.returncode == 0
    assert re.fullmatch(r"motcua \d+\.\d+\.\d+\n", r.stdout), r.stdout


@pytest.mark.parametrize("args", [["--help"], ["help"], ["-h"], ["--help", "serve"]])
def test_help(args):
    r = run_cli(args)
    assert r.returncode == 0, r.stderr
    assert "Usage" in r.stdout or "usage" in r.stdout
    for word in ("serve", "migrate", "demo", "version", "--listen", "--data", "--database",
                 "--base-url", "--threads", "MOTCUA_LISTEN", "MOTCUA_THREADS"):
        assert word in r.stdout, word


def test_no_command_is_an_error():
    r = run_cli([])
    assert r.returncode != 0


def test_unknown_command():
    r = run_cli(["serv"])
    assert r.returncode == 2
    assert "serv" in one_line(r.stderr)


BAD_FLAGS = [
    (["--threads", "0"], "--threads"),
    (["--threads", "abc"], "--threads"),
    (["--threads", "-3"], "--threads"),
    (["--threads", "99999999999999999999"], "--threads"),
    (["--threads", "2x"], "--threads"),
    (["--threads=0"], "--threads"),
    (["--threads"], "--threads"),
    (["--listen", "nonsense"], "--listen"),
    (["--listen", "127.0.0.1:99999"], "--listen"),
    (["--listen", "127.0.0.1:0"], "--listen"),
    (["--listen", "127.0.0.1:"], "--listen"),
    (["--listen", ":8080"], "--listen"),
    (["--listen", "::1:8080"], "--listen"),
    (["--listen", "127.0.0.1:80 80"], "--listen"),
    (["--database", "postgres://x"], "--database"),
    (["--database", "sqlite:"], "--database"),
    (["--database", "mysql:x"], "--database"),
    (["--base-url", "ftp://x"], "--base-url"),
    (["--base-url", "http://"], "--base-url"),
    (["--base-url", "http://a b"], "--base-url"),
    (["--base-url", "example.org"], "--base-url"),
    (["--data", ""], "--data"),
    (["--data", "a\nb"], "--data"),
    (["--bogus", "1"], "--bogus"),
    (["--thread", "2"], "--thread"),
    (["-x"], "-x"),
]


@pytest.mark.parametrize("args,name", BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
@pytest.mark.parametrize("command", ["serve", "version"])
def test_bad_flag_exits_2_naming_it(tmp_path, args, name, command):
    r = run_cli(["--data", str(tmp_path / "d")] + args + [command], timeout=10)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert name in one_line(r.stderr)
    assert "motcua: serving" not in r.stdout
    assert not (tmp_path / "d").exists(), "a refused start must not create the data folder"


BAD_ENV = [
    ({"MOTCUA_THREADS": "0"}, "THREADS"),
    ({"MOTCUA_THREADS": "many"}, "THREADS"),
    ({"MOTCUA_LISTEN": "localhost"}, "LISTEN"),
    ({"MOTCUA_LISTEN": "127.0.0.1:70000"}, "LISTEN"),
    ({"MOTCUA_DATABASE": "postgresql://db/motcua"}, "DATABASE"),
    ({"MOTCUA_BASE_URL": "gopher://x"}, "BASE"),
    ({"MOTCUA_DATA": ""}, "DATA"),
    ({"MOTCUA_BOGUS": "1"}, "MOTCUA_BOGUS"),
    ({"MOTCUA_LISTN": "127.0.0.1:8080"}, "MOTCUA_LISTN"),
]


@pytest.mark.parametrize("env,name", BAD_ENV, ids=[list(e)[0] + "=" + list(e.values())[0]
                                                  for e, _ in BAD_ENV])
def test_bad_environment_exits_2_naming_it(tmp_path, env, name):
    env = dict(env)
    env.setdefault("MOTCUA_DATA", str(tmp_path / "d"))
    r = run_cli(["serve"], env=env, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    line = one_line(r.stderr)
    assert name in line.upper().replace("-", "_"), line


def test_flag_wins_over_environment(tmp_path):
    r = run_cli(["--data", str(tmp_path / "d"), "migrate"],
                env={"MOTCUA_DATA": str(tmp_path / "other")})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "d").is_dir() and not (tmp_path / "other").exists()


def test_migrate_prints_schema_version_and_is_idempotent(tmp_path):
    data = tmp_path / "d"
    r1 = run_cli(["--data", str(data), "migrate"])
    assert r1.returncode == 0, r1.stderr
    m = re.search(r"schema version (\d+)", r1.stdout)
    assert m and int(m.group(1)) >= 1, r1.stdout
    assert (data / "motcua.db").is_file()
    r2 = run_cli(["--data", str(data), "migrate"])
    assert r2.returncode == 0, r2.stderr
    assert re.search(r"schema version (\d+)", r2.stdout).group(1) == m.group(1)


def test_migrate_with_database_url(tmp_path):
    db = tmp_path / "elsewhere" / "x.db"
    db.parent.mkdir()
    r = run_cli(["--data", str(tmp_path / "d"), "--database", "sqlite:%s" % db, "migrate"])
    assert r.returncode == 0, r.stderr
    assert db.is_file()
    assert not (tmp_path / "d" / "motcua.db").exists()


def test_migrate_reports_unusable_data_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run_cli(["--data", str(blocker / "d"), "migrate"])
    assert r.returncode not in (0, 2), r.returncode  # 2 is for bad settings only
    assert r.stderr.strip(), "no reason given"


def test_demo_loads_and_can_run_twice(tmp_path):
    data = str(tmp_path / "d")
    r1 = run_cli(["--data", data, "demo"])
    assert r1.returncode == 0, r1.stderr
    r2 = run_cli(["--data", data, "demo"])
    assert r2.returncode == 0, r2.stderr


def test_serve_prints_ready_line_and_demo_name(tmp_path):
    srv = MotcuaServer(str(tmp_path), threads=3)
    assert srv.cli("demo").returncode == 0
    srv.start()
    try:
        first = srv.stdout().splitlines()[0]
        m = READY_RE.match(first)
        assert m, first
        assert m.group(1) == "127.0.0.1:%d" % srv.port
        assert m.group(2) == "3"
        r = requests.get(srv.url + "/", timeout=5)
        assert DEMO_PORTAL_NAME in r.content.decode("utf-8")
    finally:
        assert srv.stop() == 0


def test_serve_from_environment(tmp_path):
    srv = MotcuaServer(str(tmp_path), use_env=True).start()
    try:
        assert requests.get(srv.url + "/healthz", timeout=5).json()["status"] == "ok"
    finally:
        assert srv.stop() == 0


def test_serve_on_busy_port_fails_cleanly(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        started = time.monotonic()
        r = subprocess.run([binary(), "--data", str(tmp_path / "d"), "--listen",
                            "127.0.0.1:%d" % port, "serve"], env=clean_env(),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)
        assert r.returncode not in (0, 2) and r.returncode > 0, (r.returncode, r.stderr)
        assert str(port) in r.stderr or "listen" in r.stderr
        assert time.monotonic() - started < 10
        assert "motcua: serving" not in r.stdout


def test_workflow_show_prints_every_variant():
    r = run_cli(["workflow", "show"])
    assert r.returncode == 0, r.stderr
    for word in ("workflow standard:", "workflow no_department:", "workflow no_leader:",
                 "Chờ tiếp nhận", "Đã trả kết quả", "dossier_accepted", "clock pause"):
        assert word in r.stdout, word
    # each transition names who may take it and the portal code its status maps to
    receive = [l for l in r.stdout.splitlines() if l.strip().startswith("receive ")]
    assert len(receive) == 3 and all("by intake" in l and "portal 2" in l for l in receive)


def test_workflow_show_dot_for_one_variant():
    r = run_cli(["workflow", "show", "--dot", "no_leader"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph no_leader {")
    assert r.stdout.rstrip().endswith("}")
    assert "digraph standard" not in r.stdout
    assert "processing -> done" in r.stdout


@pytest.mark.parametrize("args,word", [
    (["workflow"], "workflow show"),
    (["workflow", "list"], "workflow show"),
    (["workflow", "show", "express"], "express"),
    (["version", "--dot"], "--dot"),
])
def test_workflow_show_refuses_what_it_does_not_know(args, word):
    r = run_cli(args)
    assert r.returncode == 2
    assert word in one_line(r.stderr)


def audit_chain(tmp_path):
    """A data folder on demo data whose audit log holds a few chained rows; returns (data
    folder, open sqlite3 connection, the rows' ids in order)."""
    import sqlite3
    data = str(tmp_path / "d")
    assert run_cli(["--data", data, "demo"]).returncode == 0
    export = run_cli(["--data", data, "catalog", "export"])
    assert export.returncode == 0
    catalog = tmp_path / "catalog.json"
    catalog.write_text(export.stdout)
    # each import writes one audit record, chained to the one before
    for _ in range(3):
        assert run_cli(["--data", data, "catalog", "import", str(catalog)]).returncode == 0
    r = run_cli(["--data", data, "audit", "verify"])
    assert r.returncode == 0, r.stdout + r.stderr
    n = int(re.match(r"audit: (\d+) rows, the chain is intact$", r.stdout.strip()).group(1))
    con = sqlite3.connect(str(tmp_path / "d" / "motcua.db"))
    ids = [i for (i,) in con.execute("SELECT id FROM audit_log ORDER BY id")]
    assert len(ids) == n >= 4
    assert con.execute("SELECT count(*) FROM audit_log WHERE hash IS NULL").fetchone()[0] == 0
    return data, con, ids


def test_audit_verify_names_the_row_changed_or_after_the_one_removed(tmp_path):
    data, con, ids = audit_chain(tmp_path)
    # one edited row
    con.execute("UPDATE audit_log SET summary = summary || '.' WHERE id = ?", (ids[2],))
    con.commit()
    r = run_cli(["--data", data, "audit", "verify"])
    assert r.returncode == 1
    assert r.stdout.strip() == "audit: row %d is broken: its content does not match its hash " \
                               "(it was changed)" % ids[2]
    con.execute("UPDATE audit_log SET summary = substr(summary, 1, length(summary) - 1) "
                "WHERE id = ?", (ids[2],))
    con.commit()
    assert run_cli(["--data", data, "audit", "verify"]).returncode == 0
    # one removed row: the next one no longer follows
    con.execute("DELETE FROM audit_log WHERE id = ?", (ids[1],))
    con.commit()
    con.close()
    r = run_cli(["--data", data, "audit", "verify"])
    assert r.returncode == 1
    assert r.stdout.startswith("audit: row %d is broken: does not follow" % ids[2])
    # a start-up never re-seals a row in the middle of the chain
    assert run_cli(["--data", data, "migrate"]).returncode == 0
    assert run_cli(["--data", data, "audit", "verify"]).returncode == 1


@pytest.mark.parametrize("where", ["middle", "last"])
def test_a_row_unsealed_once_the_chain_exists_stays_unsealed(tmp_path, where):
    """Start-up seals audit rows only when none is sealed yet (the first migration); a row
    whose seal was taken off later, in the middle of the chain or at its end, is left as it is
    and verify names it."""
    data, con, ids = audit_chain(tmp_path)
    row = ids[len(ids) // 2] if where == "middle" else ids[-1]
    con.execute("UPDATE audit_log SET hash = NULL, prev_hash = NULL WHERE id = ?", (row,))
    con.commit()
    assert run_cli(["--data", data, "migrate"]).returncode == 0
    assert con.execute("SELECT hash, prev_hash FROM audit_log WHERE id = ?",
                       (row,)).fetchone() == (None, None)
    con.close()
    r = run_cli(["--data", data, "audit", "verify"])
    assert (r.returncode, r.stdout.strip()) == (1, "audit: row %d is broken: not sealed" % row)


def test_the_migration_that_adds_the_chain_seals_the_rows_before_it(tmp_path):
    import sqlite3
    from motcua_server import REPO_ROOT
    # A database at the schema of a release before the chain (migrations up to 0006, applied
    # as that release did), with audit rows.
    data = tmp_path / "d"
    data.mkdir()
    con = sqlite3.connect(str(data / "motcua.db"))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
                "NULL, applied_at TEXT NOT NULL)")
    folder = os.path.join(REPO_ROOT, "migrations")
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".sql") and n < "0007"):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            con.executescript(f.read())
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, '2026-11-01T00:00:00Z')",
                    (int(name[:4]), name[5:-4]))
    data = str(data)
    for i in range(3):
        con.execute("INSERT INTO audit_log (at, actor_name, action, entity, summary) VALUES "
                    "(?, 'Dòng lệnh motcua', 'import', 'catalog', ?)",
                    ("2026-11-0%dT01:00:00.000Z" % (i + 1), "Nhập danh mục lần %d" % (i + 1)))
    con.commit()
    # The start-up that applies the chain's migration seals them, in order.
    r = run_cli(["--data", data, "migrate"])
    assert r.returncode == 0, r.stderr
    assert con.execute("SELECT count(*) FROM audit_log WHERE hash IS NULL").fetchone()[0] == 0
    r = run_cli(["--data", data, "audit", "verify"])
    assert (r.returncode, r.stdout.strip()) == (0, "audit: 3 rows, the chain is intact"), \
        r.stdout + r.stderr
    # Once the chain exists, taking every seal off is no way to rewrite it: nothing seals again.
    con.execute("UPDATE audit_log SET summary = 'đã sửa', hash = NULL, prev_hash = NULL")
    con.commit()
    con.close()
    assert run_cli(["--data", data, "migrate"]).returncode == 0
    r = run_cli(["--data", data, "audit", "verify"])
    assert r.returncode == 1
    assert "not sealed" in r.stdout, r.stdout


def test_audit_needs_verify():
    r = run_cli(["audit"])
    assert r.returncode == 2
    assert "audit verify" in one_line(r.stderr)
