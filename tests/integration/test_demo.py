"""The demonstration data, black box: `motcua demo` on a fresh data folder prints an account line
for every role, runs again without creating anything, and leaves agencies, departments, staff,
the catalogue, its offerings and the holidays in the database (read here with sqlite3,
read-only); the catalogue file itself follows docs/catalog-format.md and docs/form-schema.md;
a staff account logs in.
"""
import base64
import datetime
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile

import pytest

from accounts_helpers import Servers, login, text_of
from motcua_server import REPO_ROOT, run_cli

PASSWORD = "Demo-Mat-Khau-2026"
CATALOG = os.path.join(REPO_ROOT, "data", "demo-catalog.json")
TEMPLATE_SCRIPT = os.path.join(REPO_ROOT, "scripts", "make_demo_templates.py")
DEMO_TIMEOUT = 180  # seconds: ~30 argon2id hashes, slower under sanitizers
ROLES = ("citizen", "business", "intake", "specialist", "leader", "agency_admin", "system_admin")
STAFF_ROLES = ROLES[2:]
LINE_RE = re.compile(r"^(\w+), ([\w.+-]+@[\w-]+(?:\.[\w-]+)+), (\S+)$")
EID_RE = re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H56$")
REQUIRED_CODES = ("1.001193", "1.000894", "2.000815", "1.001612", "1.013225")


def parse_lines(out):
    """The 'role, email, password' lines of a demo run, as tuples."""
    found = []
    for line in out.splitlines():
        m = LINE_RE.match(line.strip())
        if m:
            found.append(m.groups())
    return found


def query(db_path, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def scalar(db_path, sql, args=()):
    return query(db_path, sql, args)[0][0]


COUNTS = {
    "accounts": "SELECT COUNT(*) FROM accounts",
    "agencies": "SELECT COUNT(*) FROM agencies",
    "departments": "SELECT COUNT(*) FROM departments",
    "staff": "SELECT COUNT(*) FROM staff",
    "procedures": "SELECT COUNT(*) FROM procedures",
    "documents": "SELECT COUNT(*) FROM procedure_documents",
    "offerings": "SELECT COUNT(*) FROM offerings",
    "holidays": "SELECT COUNT(*) FROM holidays",
}


def counts(db_path):
    return {k: scalar(db_path, sql) for k, sql in COUNTS.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A data folder filled by `motcua demo --password`, run twice (the second time without a
    password, so a re-created account would show a random one)."""
    root = tmp_path_factory.mktemp("demo")
    data = str(root / "data")
    first = run_cli(["--data", data, "--password", PASSWORD, "demo"], timeout=DEMO_TIMEOUT)
    assert first.returncode == 0, "motcua demo failed (%d): %s" % (first.returncode,
                                                                    first.stderr)
    db_path = os.path.join(data, "motcua.db")
    before = counts(db_path)
    second = run_cli(["--data", data, "demo"], timeout=DEMO_TIMEOUT)
    return {"root": root, "data": data, "db": db_path, "first": first, "second": second,
            "counts_after_first": before}


# ---- the command's output and idempotence ----

def test_first_run_prints_a_line_for_every_role(demo):
    lines = parse_lines(demo["first"].stdout)
    roles = {role for role, _, _ in lines}
    assert roles >= set(ROLES), "roles printed: %r\n%s" % (roles, demo["first"].stdout)
    assert all(pw == PASSWORD for _, _, pw in lines), lines
    emails = [e for _, e, _ in lines]
    assert len(emails) == len(set(emails)), "an account printed twice: %r" % emails
    # every printed account exists, active, with an argon2id hash
    for role, email, _ in lines:
        rows = query(demo["db"], "SELECT status, password_hash, account_type FROM accounts "
                                 "WHERE email_key = lower(?)", (email,))
        assert rows, "%s printed but not stored" % email
        status, pw_hash, account_type = rows[0]
        assert status == "active" and pw_hash.startswith("$argon2id$"), (email, status)
        if role in STAFF_ROLES:
            assert account_type == "staff", (email, account_type)
            got = scalar(demo["db"], "SELECT s.role FROM staff s JOIN accounts a "
                                     "ON a.id = s.account_id WHERE a.email_key = lower(?)",
                         (email,))
            assert got == role, (email, got, role)


def test_first_run_prints_the_documented_addresses(demo):
    emails = {e for _, e, _ in parse_lines(demo["first"].stdout)}
    for e in ("tiepnhan.hacthanh@example.vn", "chuyenvien.vhxh.hacthanh@example.vn",
              "quantri@example.vn", "congdan@example.vn", "doanhnghiep@example.vn"):
        assert e in emails, "%s not created: %r" % (e, sorted(emails))


def test_second_run_succeeds_and_creates_nothing(demo):
    second = demo["second"]
    assert second.returncode == 0, "second motcua demo failed (%d): %s" % (second.returncode,
                                                                            second.stderr)
    assert parse_lines(second.stdout) == [], "accounts created again: %r" % second.stdout
    assert counts(demo["db"]) == demo["counts_after_first"]


def test_random_passwords_without_password(tmp_path):
    r = run_cli(["--data", str(tmp_path / "d"), "demo"], timeout=DEMO_TIMEOUT)
    assert r.returncode == 0, r.stderr
    lines = parse_lines(r.stdout)
    assert {role for role, _, _ in lines} >= set(ROLES)
    passwords = [pw for _, _, pw in lines]
    assert all(len(pw) >= 16 for pw in passwords), passwords
    assert len(set(passwords)) == len(passwords), "random passwords repeat"


# ---- agencies and departments ----

def agencies(demo):
    rows = query(demo["db"], "SELECT id, code, name, level, parent_id, office_hours, is_desk, "
                             "is_competent, active FROM agencies")
    keys = ("id", "code", "name", "level", "parent_id", "hours", "is_desk", "is_competent",
            "active")
    return [dict(zip(keys, r)) for r in rows]


def test_agencies(demo):
    ags = agencies(demo)
    assert len(ags) == 9, [a["name"] for a in ags]
    by_id = {a["id"]: a for a in ags}
    by_name = {a["name"]: a for a in ags}
    for a in ags:
        assert EID_RE.match(a["code"]), a["code"]
        assert a["active"] == 1
        assert a["level"] in ("province", "commune")
        hours = json.loads(a["hours"])
        assert isinstance(hours, list) and len(hours) == 7, a["hours"]
        for day in hours:
            assert day == "" or re.match(r"^\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*$", day), day
        assert hours[0] != "" and hours[6] == "", a["hours"]  # open Monday, closed Sunday
    root = by_name["Ủy ban nhân dân tỉnh Thanh Hóa"]
    assert root["parent_id"] is None and root["code"] == "000.00.00.H56"
    assert root["is_competent"] == 1 and root["is_desk"] == 0
    centre = by_name["Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"]
    assert centre["parent_id"] == root["id"] and centre["is_desk"] == 1
    assert json.loads(centre["hours"])[5] != "", "the province centre opens Saturday morning"
    for name in ("Sở Xây dựng tỉnh Thanh Hóa", "Sở Tư pháp tỉnh Thanh Hóa",
                 "Công an tỉnh Thanh Hóa"):
        a = by_name[name]
        assert a["parent_id"] == root["id"] and a["is_competent"] == 1 and a["level"] == "province"
    communes = [a for a in ags if a["name"].startswith("Ủy ban nhân dân") and a["level"] ==
                "commune"]
    assert len(communes) == 2, [a["name"] for a in communes]
    assert any("phường Hạc Thành" in a["name"] for a in communes)
    for c in communes:
        assert c["is_competent"] == 1 and c["parent_id"] == root["id"]
        desks = [a for a in ags if a["parent_id"] == c["id"] and a["is_desk"] == 1]
        assert len(desks) == 1 and desks[0]["name"].startswith(
            "Trung tâm Phục vụ hành chính công"), desks
        assert desks[0]["level"] == "commune"
    # the tree has no loops: every agency reaches the root
    for a in ags:
        seen, cur = set(), a
        while cur["parent_id"] is not None:
            assert cur["id"] not in seen
            seen.add(cur["id"])
            cur = by_id[cur["parent_id"]]
        assert cur["id"] == root["id"]


def test_departments(demo):
    rows = query(demo["db"], "SELECT g.name, d.name, d.active FROM departments d "
                             "JOIN agencies g ON g.id = d.agency_id")
    by_agency = {}
    for agency, dept, active in rows:
        assert active == 1
        by_agency.setdefault(agency, set()).add(dept)
    assert by_agency["Sở Xây dựng tỉnh Thanh Hóa"] == {"Phòng Quản lý xây dựng"}
    assert by_agency["Sở Tư pháp tỉnh Thanh Hóa"] == {"Phòng Hành chính tư pháp"}
    assert by_agency["Công an tỉnh Thanh Hóa"] == {"Phòng Hồ sơ nghiệp vụ"}
    assert by_agency["Ủy ban nhân dân phường Hạc Thành"] == {
        "Phòng Văn hóa – Xã hội", "Phòng Kinh tế, Hạ tầng và Đô thị", "Văn phòng HĐND và UBND"}
    rural = [a for a in by_agency if a.startswith("Ủy ban nhân dân xã")]
    assert len(rural) == 1
    assert by_agency[rural[0]] == {"Phòng Văn hóa – Xã hội", "Phòng Kinh tế",
                                   "Văn phòng HĐND và UBND"}


# ---- staff ----

def staff(demo):
    rows = query(demo["db"], "SELECT a.email, a.account_type, a.status, a.citizen_id, "
                             "a.birth_date, s.role, s.agency_id, s.department_id, s.title, "
                             "d.agency_id FROM staff s JOIN accounts a ON a.id = s.account_id "
                             "LEFT JOIN departments d ON d.id = s.department_id")
    keys = ("email", "type", "status", "citizen_id", "birth_date", "role", "agency_id",
            "department_id", "title", "department_agency")
    return [dict(zip(keys, r)) for r in rows]


def test_staff_per_role(demo):
    people = staff(demo)
    ags = agencies(demo)
    n_departments = scalar(demo["db"], "SELECT COUNT(*) FROM departments")
    by_role = {}
    for p in people:
        assert p["type"] == "staff" and p["status"] == "active", p
        assert p["citizen_id"] is None and p["birth_date"] is None, p
        assert p["title"], p
        if p["department_id"] is not None:
            assert p["department_agency"] == p["agency_id"], "department of another agency: %r" % p
        by_role.setdefault(p["role"], []).append(p)
    desks = [a["id"] for a in ags if a["is_desk"]]
    assert sorted(p["agency_id"] for p in by_role["intake"]) == sorted(desks)
    specialists = by_role["specialist"]
    assert len(specialists) == n_departments
    assert len({p["department_id"] for p in specialists}) == n_departments, "a department " \
        "without its specialist"
    leaders = by_role["leader"]
    assert {p["agency_id"] for p in leaders if p["department_id"] is None} == \
        {a["id"] for a in ags}, "an agency without a leader"
    assert any(p["department_id"] is not None for p in leaders), "no department leader"
    admins = by_role["agency_admin"]
    names = {a["id"]: a["name"] for a in ags}
    admin_agencies = sorted(names[p["agency_id"]] for p in admins)
    assert len(admins) == 3, admin_agencies
    assert "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa" in admin_agencies
    assert sum(1 for n in admin_agencies if n.startswith("Ủy ban nhân dân")) == 2
    assert len(by_role["system_admin"]) == 1
    assert by_role["system_admin"][0]["email"] == "quantri@example.vn"


# ---- catalogue and offerings ----

def test_catalogue_imported(demo):
    codes = {r[0] for r in query(demo["db"], "SELECT code FROM procedures WHERE active = 1")}
    assert len(codes) >= 14, "the demo imported %d procedures from %s: %r" % (
        len(codes), CATALOG, sorted(codes))
    assert set(REQUIRED_CODES) <= codes
    with open(CATALOG, encoding="utf-8") as fh:
        file_codes = {p["code"] for p in json.load(fh)["procedures"]}
    assert codes == file_codes
    # templates are stored once by content (two procedures share the marriage form)
    assert scalar(demo["db"], "SELECT COUNT(*) FROM blobs") < scalar(
        demo["db"], "SELECT COUNT(*) FROM procedure_documents WHERE template_sha256 IS NOT NULL")


def test_export_gives_back_the_file(demo):
    """What the demo imported is exactly the file: an export gives the same bytes."""
    r = run_cli(["--data", demo["data"], "catalog", "export"], timeout=60)
    assert r.returncode == 0, r.stderr
    with open(CATALOG, encoding="utf-8") as fh:
        assert r.stdout == fh.read()


def test_offerings(demo):
    db = demo["db"]
    ags = {a["id"]: a for a in agencies(demo)}
    rows = query(db, "SELECT p.code, p.level, p.service_mode, o.desk_agency_id, "
                     "o.competent_agency_id, o.department_id, d.agency_id, o.online, o.workflow, "
                     "o.active FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
                     "LEFT JOIN departments d ON d.id = o.department_id")
    by_code = {}
    for code, level, mode, desk, competent, dept, dept_agency, online, workflow, active in rows:
        assert active == 1
        assert ags[desk]["is_desk"] == 1, (code, ags[desk]["name"])
        assert ags[competent]["is_competent"] == 1, (code, ags[competent]["name"])
        assert ags[desk]["parent_id"] == competent or level == "province", (code, desk)
        assert online == (1 if mode in ("partial", "full") else 0), (code, mode, online)
        if workflow == "no_department":
            assert dept is None, code
        else:
            assert dept is not None and dept_agency == competent, (code, workflow)
        assert ags[competent]["level"] == level, (code, level)
        by_code.setdefault(code, []).append((ags[desk]["name"], ags[competent]["name"],
                                             workflow))
    procedures = [r[0] for r in query(db, "SELECT code FROM procedures")]
    assert procedures, "no procedure at all: the demo did not import %s" % CATALOG
    for code in procedures:
        assert code in by_code, "%s is offered nowhere" % code
    commune_codes = [r[0] for r in query(db, "SELECT code FROM procedures "
                                             "WHERE level = 'commune'")]
    for code in commune_codes:
        assert len(by_code[code]) == 2, (code, by_code[code])
    assert by_code["3.000333"] == [("Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa",
                                    "Công an tỉnh Thanh Hóa", "standard")]
    for code in ("2.000815", "2.000884"):
        assert {w for _, _, w in by_code[code]} == {"no_department"}, code
    assert any(w == "no_leader" for offers in by_code.values() for _, _, w in offers)


# ---- holidays ----

def test_holidays(demo):
    rows = query(demo["db"], "SELECT day, kind, name FROM holidays ORDER BY day")
    days = {d: (k, n) for d, k, n in rows}
    for d, (kind, name) in days.items():
        assert kind in ("day_off", "working_day")
        assert name and unicodedata.normalize("NFC", name) == name
        assert not name.isascii(), "not Vietnamese: %r" % name
    for year in (2026, 2027):
        assert days.get("%d-01-01" % year, ("",))[0] == "day_off", year
        for md in ("04-30", "05-01", "09-02", "11-24"):
            assert days.get("%d-%s" % (year, md), ("",))[0] == "day_off", (year, md)
        # Quốc khánh is two days: 2/9 and the day before or after
        assert ("%d-09-01" % year in days) != ("%d-09-03" % year in days), year
    # Tết 2026 as announced: 16–20/02 plus the weekends, 14–22/02; mùng 1 on 17/02
    for day in range(14, 23):
        assert days["2026-02-%02d" % day][0] == "day_off"
    assert "Tết" in days["2026-02-17"][1]
    assert "Tết" in days["2027-02-06"][1]  # mùng 1 Tết Đinh Mùi
    tet_2027 = [d for d in days if d.startswith("2027-02") and "Tết" in days[d][1]]
    weekdays_off = [d for d in tet_2027 if datetime.date.fromisoformat(d).weekday() < 5]
    assert len(weekdays_off) == 5, tet_2027
    # Giỗ Tổ (10/3 âm lịch): Sunday 26/4/2026 with Monday 27/4 off; Friday 16/4/2027
    assert "Giỗ Tổ" in days["2026-04-26"][1] and days["2026-04-27"][0] == "day_off"
    assert "Giỗ Tổ" in days["2027-04-16"][1]
    # 1/5/2027 is a Saturday: a compensatory day off on Monday 3/5
    assert datetime.date(2027, 5, 1).weekday() == 5 and days["2027-05-03"][0] == "day_off"
    # a compensatory day is a working day of the week
    for d, (_, name) in days.items():
        if name.startswith("Nghỉ bù"):
            assert datetime.date.fromisoformat(d).weekday() < 5, d


# ---- the catalogue file (docs/catalog-format.md, docs/form-schema.md) ----

PROC_KEYS = ["code", "name", "field", "level", "applicant_type", "description", "steps",
             "submission", "conditions", "time", "fees", "legal_basis", "result",
             "service_mode", "active", "documents", "form"]
DOC_KEYS = ["name", "originals", "copies", "requirement", "condition", "file_types", "max_size",
            "multiple"]
FILE_TYPES = {"pdf", "jpg", "png", "docx", "doc", "xlsx", "xls", "odt", "zip", "xml"}
TEXT_TYPES = {"text", "textarea", "email", "phone", "citizen_id", "tax_code", "address"}
FIELD_TYPES = TEXT_TYPES | {"number", "date", "select", "radio", "checkbox"}
PREFILL_TYPES = {"full_name": {"text"}, "organization_name": {"text"}, "email": {"email"},
                 "phone": {"phone"}, "citizen_id": {"citizen_id"}, "tax_code": {"tax_code"},
                 "address": {"address", "textarea"}, "birth_date": {"date"}}
COMMON_MEMBERS = {"name", "label", "type", "required", "help"}
MEMBERS_BY_TYPE = {t: COMMON_MEMBERS | {"min_length", "max_length"} for t in TEXT_TYPES}
MEMBERS_BY_TYPE["text"] |= {"pattern", "prefill"}
MEMBERS_BY_TYPE["textarea"] |= {"pattern", "prefill"}
for _t in ("email", "phone", "citizen_id", "tax_code", "address"):
    MEMBERS_BY_TYPE[_t] |= {"prefill"}
MEMBERS_BY_TYPE["number"] = COMMON_MEMBERS | {"min", "max", "integer"}
MEMBERS_BY_TYPE["date"] = COMMON_MEMBERS | {"min", "max", "prefill"}
for _t in ("select", "radio", "checkbox"):
    MEMBERS_BY_TYPE[_t] = COMMON_MEMBERS | {"options"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
VALUE_RE = re.compile(r"^[a-z0-9_-]{1,40}$")


def chars(s):
    return len(unicodedata.normalize("NFC", s))


def is_date_bound(v):
    if v == "today":
        return True
    try:
        datetime.date.fromisoformat(v)
        return re.match(r"^\d{4}-\d{2}-\d{2}$", v) is not None
    except (TypeError, ValueError):
        return False


def check_form(form, where):
    """Every rule of docs/form-schema.md that can be checked without the C code."""
    assert isinstance(form, dict) and set(form) == {"sections"}, where
    sections = form["sections"]
    assert isinstance(sections, list) and 1 <= len(sections) <= 20, where
    names, total = set(), 0
    for i, s in enumerate(sections):
        w = "%s.sections[%d]" % (where, i)
        assert set(s) <= {"title", "description", "fields"} and "title" in s and "fields" in s, w
        assert isinstance(s["title"], str) and 1 <= chars(s["title"].strip()) <= 200, w
        assert chars(s.get("description", "")) <= 1000, w
        assert isinstance(s["fields"], list) and 1 <= len(s["fields"]) <= 100, w
        total += len(s["fields"])
        for j, f in enumerate(s["fields"]):
            fw = "%s.fields[%d]" % (w, j)
            t = f.get("type")
            assert t in FIELD_TYPES, (fw, t)
            assert set(f) <= MEMBERS_BY_TYPE[t], (fw, set(f) - MEMBERS_BY_TYPE[t])
            assert NAME_RE.match(f["name"]) and f["name"] not in names, (fw, f["name"])
            names.add(f["name"])
            assert isinstance(f["label"], str) and 1 <= chars(f["label"]) <= 200, fw
            assert isinstance(f.get("required", False), bool), fw
            assert chars(f.get("help", "")) <= 500, fw
            if "min_length" in f or "max_length" in f:
                lo, hi = f.get("min_length", 0), f.get("max_length", 10000)
                assert all(isinstance(x, int) and not isinstance(x, bool) for x in (lo, hi))
                assert 0 <= lo <= hi <= 10000, fw
            if "pattern" in f:
                assert chars(f["pattern"]) <= 200 and f["pattern"].isascii(), fw
                re.compile(f["pattern"])
                assert "\\d" not in f["pattern"], "not POSIX ERE: %s" % fw
            if t == "number":
                for k in ("min", "max"):
                    if k in f:
                        assert isinstance(f[k], (int, float)) and not isinstance(f[k], bool), fw
                if "min" in f and "max" in f:
                    assert f["min"] <= f["max"], fw
                assert isinstance(f.get("integer", False), bool), fw
            if t == "date":
                for k in ("min", "max"):
                    if k in f:
                        assert is_date_bound(f[k]), (fw, f[k])
                if f.get("min", "today") != "today" and f.get("max", "today") != "today":
                    assert f["min"] <= f["max"], fw
            if t in ("select", "radio"):
                assert "options" in f, fw
            if "options" in f:
                opts = f["options"]
                assert isinstance(opts, list) and 1 <= len(opts) <= 100, fw
                values = [o["value"] for o in opts]
                assert len(set(values)) == len(values), fw
                for o in opts:
                    assert set(o) == {"value", "label"} and VALUE_RE.match(o["value"]), (fw, o)
                    assert 1 <= chars(o["label"]) <= 200, (fw, o)
            if "prefill" in f:
                assert t in PREFILL_TYPES.get(f["prefill"], set()), (fw, f["prefill"], t)
    assert total <= 200, where
    return names


def check_template(tpl, where):
    assert list(tpl) == ["name", "media_type", "sha256", "content_base64"], where
    assert re.match(r"^[^/\\\x00-\x1f\x7f]{1,200}$", tpl["name"]), where
    assert tpl["name"].endswith(".docx")
    assert tpl["media_type"] == ("application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document"), where
    data = base64.b64decode(tpl["content_base64"], validate=True)
    assert 0 < len(data) <= 10 * 1024 * 1024, where
    assert hashlib.sha256(data).hexdigest() == tpl["sha256"], "%s: sha256 differs" % where
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None, where
        assert {"[Content_Types].xml", "_rels/.rels", "word/document.xml"} <= set(z.namelist())
        document = z.read("word/document.xml").decode("utf-8")
        assert "officeDocument" in z.read("_rels/.rels").decode("utf-8")
    texts = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", document)
    assert texts, where
    return document, texts


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG, encoding="utf-8") as fh:
        raw = fh.read()
    assert unicodedata.normalize("NFC", raw) == raw, "the catalogue is not NFC"
    return json.loads(raw)


def test_catalog_file_follows_the_format(catalog):
    assert list(catalog) == ["format", "version", "procedures"]
    assert catalog["format"] == "motcua-catalog" and catalog["version"] == 1
    procs = catalog["procedures"]
    codes = [p["code"] for p in procs]
    assert codes == sorted(codes) and len(set(codes)) == len(codes), codes
    assert len(procs) >= 14
    for i, p in enumerate(procs):
        w = "procedures[%d] (%s)" % (i, p.get("code"))
        assert list(p) == PROC_KEYS, (w, list(p))
        assert re.match(r"^[0-9]\.[0-9]{6}$", p["code"]), w
        assert 1 <= chars(p["name"]) <= 500 and 1 <= chars(p["field"]) <= 200, w
        assert p["level"] in ("central", "province", "commune"), w
        assert p["applicant_type"] in ("citizen", "business", "both"), w
        for k in ("description", "steps", "submission", "conditions", "legal_basis"):
            assert isinstance(p[k], str) and chars(p[k]) <= 20000, (w, k)
        assert p["steps"].strip(), w
        for n, line in enumerate(p["steps"].split("\n")):
            assert line.startswith("%d. " % (n + 1)), "%s.steps: numbered lines: %r" % (w, line)
        t = p["time"]
        assert list(t) == ["kind", "value", "note"], w
        if t["kind"] == "days":
            assert 1 <= t["value"] <= 365, w
        elif t["kind"] == "hours":
            assert 1 <= t["value"] <= 2000, w
        else:
            assert t["kind"] == "same_day" and t["value"] == 0, w
            assert "15 giờ" in t["note"], "%s: a same-day procedure states the 15:00 rule" % w
        assert chars(t["note"]) <= 500, w
        assert len(p["fees"]) <= 20, w
        for fee in p["fees"]:
            assert list(fee) == ["amount", "description"], w
            assert isinstance(fee["amount"], int) and 0 <= fee["amount"] <= 10 ** 9, w
            assert chars(fee["description"]) <= 500, w
            if "HĐND" in fee["description"]:
                assert "theo Nghị quyết của HĐND tỉnh" in fee["description"], (w, fee)
                assert fee["amount"] > 0, "%s: a typical amount is given" % w
        assert 1 <= chars(p["result"]) <= 500, w
        assert p["service_mode"] in ("info", "forms", "partial", "full"), w
        assert p["active"] is True, w
        assert 1 <= len(p["documents"]) <= 50, w
        for j, d in enumerate(p["documents"]):
            dw = "%s.documents[%d]" % (w, j)
            keys = list(d)
            assert keys in (DOC_KEYS, DOC_KEYS + ["template"]), (dw, keys)
            assert 1 <= chars(d["name"]) <= 500, dw
            assert all(isinstance(d[k], int) and 0 <= d[k] <= 100 for k in ("originals",
                                                                             "copies")), dw
            assert d["originals"] + d["copies"] >= 1, dw
            assert d["requirement"] in ("mandatory", "conditional"), dw
            if d["requirement"] == "conditional":
                assert 1 <= chars(d["condition"]) <= 1000, dw
            assert 1 <= len(d["file_types"]) <= 10 and set(d["file_types"]) <= FILE_TYPES, dw
            assert 1 <= d["max_size"] <= 52428800, dw
            assert isinstance(d["multiple"], bool), dw
            if "template" in d:
                check_template(d["template"], dw + ".template")
        check_form(p["form"], w + ".form")


def test_catalog_content(catalog):
    procs = {p["code"]: p for p in catalog["procedures"]}
    assert set(REQUIRED_CODES) <= set(procs)
    modes = {c: p["service_mode"] for c, p in procs.items()}
    assert modes["1.001193"] == "full" and modes["1.000894"] == "partial"
    assert modes["2.000815"] == "partial" and modes["1.013225"] == "partial"
    assert modes["3.000333"] == "full"
    assert list(modes.values()).count("info") == 1
    assert list(modes.values()).count("forms") >= 2
    assert procs["1.001612"]["applicant_type"] in ("both", "business")
    assert procs["1.001193"]["time"]["kind"] == "same_day"
    assert procs["1.000894"]["time"]["kind"] == "same_day"
    assert "05 ngày" in procs["1.000894"]["time"]["note"]  # verification extension
    # every field type and every prefill detail appears somewhere in the catalogue
    types, prefills, single_box, multi_box = set(), set(), False, False
    for p in procs.values():
        for s in p["form"]["sections"]:
            for f in s["fields"]:
                types.add(f["type"])
                if "prefill" in f:
                    prefills.add(f["prefill"])
                if f["type"] == "checkbox":
                    single_box |= "options" not in f
                    multi_box |= "options" in f
    assert types == FIELD_TYPES, FIELD_TYPES - types
    assert prefills == set(PREFILL_TYPES), set(PREFILL_TYPES) - prefills
    assert single_box and multi_box
    # an online or downloadable procedure has a required declaration box
    for code, p in procs.items():
        if p["service_mode"] in ("partial", "full", "forms"):
            boxes = [f for s in p["form"]["sections"] for f in s["fields"]
                     if f["name"] == "declaration"]
            assert boxes and boxes[0]["type"] == "checkbox" and boxes[0].get("required"), code
    # birth registration: the fields the brief lists
    birth = {f["name"]: f for s in procs["1.001193"]["form"]["sections"] for f in s["fields"]}
    assert birth["requester_name"]["prefill"] == "full_name"
    assert birth["child_birth_date"]["type"] == "date" and birth["child_birth_date"]["max"] == \
        "today"
    assert birth["child_gender"]["type"] == "radio"
    assert birth["child_ethnicity"]["type"] == "select"
    assert len(birth["child_ethnicity"]["options"]) == 54  # the 54 ethnic groups
    assert birth["mother_citizen_id"]["type"] == "citizen_id"
    assert birth["father_citizen_id"]["type"] == "citizen_id"
    assert "relationship" in birth


def test_declaration_forms_are_embedded(catalog):
    """Each procedure taking dossiers online or offering forms has its declaration form as a
    .docx whose text carries the form's title in Vietnamese."""
    no_official_form = {"2.000815"}  # certified copies: the law sets no declaration form
    for p in catalog["procedures"]:
        templates = [d["template"] for d in p["documents"] if "template" in d]
        if p["service_mode"] == "info" or p["code"] in no_official_form:
            continue
        assert templates, "%s has no template" % p["code"]
        for tpl in templates:
            document, texts = check_template(tpl, p["code"])
            titles = [t for t in texts if t.isupper() and len(t) > 10 and t.startswith(
                ("TỜ KHAI", "GIẤY ĐỀ NGHỊ", "ĐƠN ĐỀ NGHỊ", "THÔNG BÁO", "PHIẾU YÊU CẦU"))]
            assert titles, "%s: no title in %s" % (p["code"], tpl["name"])
            assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
            assert 'w:leader="dot"' in document, "no blank lines to fill in"


def test_template_script_is_up_to_date():
    """The embedded files are exactly what scripts/make_demo_templates.py builds."""
    r = subprocess.run(["/usr/bin/python3", TEMPLATE_SCRIPT, "--check", CATALOG],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_dry_run_import_accepts_the_file(tmp_path):
    r = run_cli(["--data", str(tmp_path / "d"), "catalog", "import", "--dry-run", CATALOG],
                timeout=60)
    assert r.returncode == 0, r.stderr
    with open(CATALOG, encoding="utf-8") as fh:
        n = len(json.load(fh)["procedures"])
    assert sum(1 for line in r.stdout.splitlines() if line.startswith("new\t")) == n, r.stdout


# ---- logging in ----

@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


def test_staff_account_logs_in(demo, servers):
    srv = servers.start(data=demo["data"])
    session, r = login(srv, "tiepnhan.hacthanh@example.vn", PASSWORD)
    assert r.status_code == 303, "staff login refused: %d %s" % (r.status_code, text_of(r)[:300])
    # the session is a staff one
    rows = query(os.path.join(demo["data"], "motcua.db"),
                 "SELECT COUNT(*) FROM sessions s JOIN accounts a ON a.id = s.account_id "
                 "WHERE a.email_key = 'tiepnhan.hacthanh@example.vn'")
    assert rows[0][0] >= 1
    session2, r2 = login(srv, "tiepnhan.hacthanh@example.vn", PASSWORD + "-sai")
    assert r2.status_code != 303, "a wrong password logged in"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


# ---- demonstration dossiers ----

def test_demo_dossiers_go_through_the_workflow(tmp_path):
    data = str(tmp_path / "data")
    r = run_cli(["--data", data, "--password", PASSWORD, "demo", "--dossiers", "120"],
                timeout=DEMO_TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert "120 demonstration dossiers created" in r.stderr
    db = os.path.join(data, "motcua.db")
    statuses = dict(query(db, "SELECT status, count(*) FROM dossiers GROUP BY status"))
    assert sum(statuses.values()) == 120
    # spread over the workflow, both channels, many procedures and both desks
    for status in ("pending", "processing", "returned"):
        assert statuses.get(status, 0) > 0, statuses
    assert len(statuses) >= 6, statuses
    assert {c for (c,) in query(db, "SELECT DISTINCT channel FROM dossiers")} == \
        {"online", "walk_in"}
    assert scalar(db, "SELECT count(DISTINCT procedure_id) FROM dossiers") >= 5
    assert scalar(db, "SELECT count(DISTINCT desk_agency_id) FROM dossiers") >= 2
    # what the workflow would have made: numbers, due dates, timelines, a sealed audit log
    assert scalar(db, "SELECT count(*) FROM dossiers WHERE status NOT IN ('pending', "
                      "'withdrawn', 'refused') AND (receipt_no IS NULL OR due_at IS NULL)") == 0
    assert scalar(db, "SELECT count(*) FROM (SELECT receipt_no FROM dossiers WHERE receipt_no "
                      "IS NOT NULL GROUP BY receipt_no HAVING count(*) > 1)") == 0
    assert scalar(db, "SELECT min(c) FROM (SELECT count(*) AS c FROM dossier_events "
                      "GROUP BY dossier_id)") >= 1
    assert scalar(db, "SELECT count(*) FROM dossiers WHERE submitted_at < "
                      "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 days')") > 0
    assert scalar(db, "SELECT count(*) FROM mail_outbox") == 0, "the demo mailed somebody"
    v = run_cli(["--data", data, "audit", "verify"])
    assert v.returncode == 0, v.stdout
    # run again: nothing is added
    again = run_cli(["--data", data, "demo", "--dossiers", "120"], timeout=DEMO_TIMEOUT)
    assert again.returncode == 0
    assert scalar(db, "SELECT count(*) FROM dossiers") == 120


@pytest.mark.parametrize("value", ["-1", "abc", "100001", ""])
def test_demo_dossiers_refuses_a_bad_count(tmp_path, value):
    r = run_cli(["--data", str(tmp_path / "d"), "demo", "--dossiers", value])
    assert r.returncode == 2
    assert "--dossiers" in r.stderr
