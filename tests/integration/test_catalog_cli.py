"""`motcua catalog export` and `motcua catalog import [--dry-run] FILE` on the real binary:
byte-exact round trips, dry runs, refused files (all or nothing) and stdin.

The fixture tests/integration/fixtures/catalog_small.json is a canonical export (three
procedures with templates, fees and conditional documents); other tests may import it."""
import json
import os
import subprocess

import pytest

from motcua_server import binary, clean_env, run_cli

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                       "catalog_small.json")
CODES = ["1.000894", "1.001193", "2.000815"]
EMPTY = b'{\n  "format": "motcua-catalog",\n  "version": 1,\n  "procedures": []\n}\n'


def run(data, *args, stdin=None, timeout=30):
    """motcua --data DATA ARGS with bytes in and out."""
    return subprocess.run([binary(), "--data", str(data)] + list(args), env=clean_env(),
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)


def export(data):
    r = run(data, "catalog", "export")
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def import_ok(data, path, *flags):
    r = run(data, "catalog", "import", *flags, str(path))
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode("utf-8")


def report_lines(text):
    """[(outcome, code)] of a report, and its summary line."""
    lines = text.splitlines()
    rows = [tuple(l.split("\t")[:2]) for l in lines[:-1]]
    return rows, lines[-1]


def one_line(stderr):
    lines = [l for l in stderr.decode("utf-8").splitlines() if l.strip()
             and not l.startswith("motcua: applied ")]
    assert len(lines) == 1, "expected one line on stderr, got %r" % stderr
    return lines[0]


def fixture():
    with open(FIXTURE, encoding="utf-8") as f:
        return json.load(f)


def write(path, catalog):
    path.write_text(json.dumps(catalog, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_fixture_is_canonical_and_round_trips(tmp_path):
    with open(FIXTURE, "rb") as f:
        original = f.read()
    out = import_ok(tmp_path / "a", FIXTURE)
    rows, summary = report_lines(out)
    assert rows == [("new", c) for c in CODES]
    assert summary == "Nhập danh mục: 3 thủ tục mới, 0 thủ tục cập nhật, 0 thủ tục không đổi."
    first = export(tmp_path / "a")
    assert first == original, "the fixture must be exactly what motcua exports"
    # export -> import into another data folder -> export: the same bytes
    (tmp_path / "first.json").write_bytes(first)
    import_ok(tmp_path / "b", tmp_path / "first.json")
    assert export(tmp_path / "b") == first
    # importing the same file again changes nothing
    rows, summary = report_lines(import_ok(tmp_path / "a", FIXTURE))
    assert rows == [("unchanged", c) for c in CODES]
    assert export(tmp_path / "a") == first


def test_export_of_empty_database(tmp_path):
    assert export(tmp_path / "d") == EMPTY


def test_non_canonical_file_exports_canonically(tmp_path):
    cat = fixture()
    cat["procedures"].reverse()
    src = tmp_path / "reversed.json"
    src.write_text(json.dumps(cat, ensure_ascii=True, separators=(",", ":")), encoding="ascii")
    rows, _ = report_lines(import_ok(tmp_path / "d", src))
    assert [c for _, c in rows] == list(reversed(CODES))
    with open(FIXTURE, "rb") as f:
        assert export(tmp_path / "d") == f.read()


def test_dry_run_changes_nothing(tmp_path):
    data = tmp_path / "d"
    out = import_ok(data, FIXTURE, "--dry-run")
    rows, summary = report_lines(out)
    assert rows == [("new", c) for c in CODES]
    assert summary.startswith("Chạy thử"), summary
    assert "3 thủ tục mới" in summary
    assert export(data) == EMPTY

    import_ok(data, FIXTURE)
    before = export(data)
    cat = fixture()
    cat["procedures"][0]["fees"][0]["amount"] = 10000
    cat["procedures"][2]["code"] = "2.000816"
    src = write(tmp_path / "changed.json", cat)
    # --dry-run may come before the subcommand too
    r = run(data, "--dry-run", "catalog", "import", str(src))
    assert r.returncode == 0, r.stderr
    rows, summary = report_lines(r.stdout.decode())
    assert rows == [("changed", "1.000894"), ("unchanged", "1.001193"), ("new", "2.000816")]
    assert "1 thủ tục mới, 1 thủ tục cập nhật, 1 thủ tục không đổi" in summary
    assert export(data) == before

    rows, summary = report_lines(import_ok(data, src))
    assert rows == [("changed", "1.000894"), ("unchanged", "1.001193"), ("new", "2.000816")]
    assert not summary.startswith("Chạy thử")
    after = json.loads(export(data))
    assert [p["code"] for p in after["procedures"]] == CODES + ["2.000816"]
    assert after["procedures"][0]["fees"][0]["amount"] == 10000


BROKEN = [
    ("procedures.1.documents.0.max_size", 0,
     "procedures[1] (1.001193).documents[0].max_size: phải từ 1 đến 52.428.800 byte"),
    ("procedures.2.code", "1.000894", "procedures[2] (1.000894).code: trùng mã với procedures[0]"),
    ("procedures.2.code", "2-000815", "procedures[2].code: "),
    ("version", 2, "version: phiên bản 2 không được hỗ trợ"),
    ("format", "other", "format: "),
    ("procedures.0.time.kind", "weeks", "procedures[0] (1.000894).time.kind: "),
    ("procedures.0.documents.0.template.sha256", "0" * 64,
     "procedures[0] (1.000894).documents[0].template.sha256: không khớp"),
    ("procedures.0.documents.0.template.content_base64", "không phải base64",
     "procedures[0] (1.000894).documents[0].template.content_base64: không phải base64"),
    ("procedures.1.form.sections.0.fields.0.type", "colour",
     "procedures[1] (1.001193).form.sections[0].fields[0]"),
]


def set_path(obj, path, value):
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for k in keys[:-1]:
        obj = obj[k]
    obj[keys[-1]] = value


@pytest.mark.parametrize("path,value,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_changes_nothing(tmp_path, path, value, message):
    data = tmp_path / "d"
    cat = fixture()
    cat["procedures"][0]["name"] = "Tên cũ"
    import_ok(data, write(tmp_path / "old.json", cat))
    before = export(data)

    cat = fixture()
    set_path(cat, path, value)
    src = write(tmp_path / "broken.json", cat)
    for flags in ([], ["--dry-run"]):
        r = run(data, "catalog", "import", *flags, str(src))
        assert r.returncode == 1, (r.returncode, r.stderr)
        line = one_line(r.stderr)
        assert message in line, line
        assert r.stdout == b""
    assert export(data) == before


@pytest.mark.parametrize("content,message", [
    (b"{", "Tệp không phải JSON hợp lệ"),
    (b"", "Tệp không phải JSON hợp lệ"),
    (b"[1, 2]", "Tệp danh mục phải là một đối tượng JSON"),
    (b'{"format": "motcua-catalog", "version": 1, "procedures": [], "x": 1}', "x: "),
    (b'{"format": "motcua-catalog", "version": 1, "procedures": [], "procedures": []}',
     "trùng tên"),
    (b"\xff\xfe{}", "UTF-8"),
])
def test_not_a_catalogue(tmp_path, content, message):
    src = tmp_path / "f.json"
    src.write_bytes(content)
    r = run(tmp_path / "d", "catalog", "import", str(src))
    assert r.returncode == 1
    assert message in one_line(r.stderr)
    assert export(tmp_path / "d") == EMPTY


def test_import_from_stdin(tmp_path):
    with open(FIXTURE, "rb") as f:
        original = f.read()
    r = run(tmp_path / "d", "catalog", "import", "--dry-run", "-", stdin=original)
    assert r.returncode == 0, r.stderr
    assert report_lines(r.stdout.decode())[0] == [("new", c) for c in CODES]
    assert export(tmp_path / "d") == EMPTY
    r = run(tmp_path / "d", "catalog", "import", "-", stdin=original)
    assert r.returncode == 0, r.stderr
    assert export(tmp_path / "d") == original
    r = run(tmp_path / "d", "catalog", "import", "-", stdin=b"{")
    assert r.returncode == 1
    assert "JSON" in one_line(r.stderr)
    assert export(tmp_path / "d") == original


def test_unreadable_and_oversized_files(tmp_path):
    r = run(tmp_path / "d", "catalog", "import", str(tmp_path / "missing.json"))
    assert r.returncode == 1
    assert "missing.json" in one_line(r.stderr)
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)
    r = run(tmp_path / "d", "catalog", "import", str(big))
    assert r.returncode == 1
    assert "64 MiB" in one_line(r.stderr)
    r = run(tmp_path / "d", "catalog", "import", str(tmp_path))
    assert r.returncode == 1
    one_line(r.stderr)


@pytest.mark.parametrize("args", [
    ["catalog"],
    ["catalog", "frob"],
    ["catalog", "import"],
    ["catalog", "import", "a.json", "b.json"],
    ["catalog", "export", "x"],
    ["catalog", "export", "--dry-run"],
    ["--dry-run", "migrate"],
])
def test_usage_errors_exit_2(tmp_path, args):
    r = run(tmp_path / "d", *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    one_line(r.stderr)


def test_help_names_the_catalog_commands():
    r = run_cli(["help"])
    assert r.returncode == 0
    assert "catalog export" in r.stdout and "catalog import" in r.stdout
    assert "--dry-run" in r.stdout


def test_import_while_the_server_runs(start_server):
    srv = start_server()
    r = srv.cli("catalog", "import", FIXTURE)
    assert r.returncode == 0, r.stderr
    r = srv.cli("catalog", "export")
    assert r.returncode == 0, r.stderr
    assert [p["code"] for p in json.loads(r.stdout)["procedures"]] == CODES
