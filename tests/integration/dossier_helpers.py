"""Shared helpers for the dossier tests (test_dossier_pages.py, test_dossier_submit.py): starting
a dossier, filling each step of a procedure's form with valid answers derived from its schema in
the database, uploading files (real minimal PDF, PNG and ZIP files made here), submitting,
confirming from the captured mail, and asking for a supplement from the back office.

They work on an admin_helpers.AdminSite (a server on demo data) and plain requests sessions;
nothing here follows a redirect unless it says so.

    did = start(site, s, offering_of(site, DEATH))
    answers = fill_all(site, s, did, files={doc_id: [("a.pdf", make_pdf("a"))]})
    submit_ok(site, s, did)
    link = confirm_link(site, DEMO_CITIZEN, did)
"""
import datetime
import glob
import io
import itertools
import json
import os
import re
import struct
import time
import zipfile
import zlib
from urllib.parse import urlsplit

from admin_helpers import DEMO_CITIZEN, TIMEOUT, location, page_text, soup_of
from accounts_helpers import (citizen_id, maildir_files, new_session, parse_mail,
                              plain_text, recipients, tax_code)
from staff_helpers import act_ok, staff_session

# Demo procedures (data/demo-catalog.json) the tests rely on.
DEATH = "1.000656"      # Đăng ký khai tử: 3 sections; document 2 mandatory, pdf/jpg/png, 10 MB
MARRIAGE = "2.000806"   # Kết hôn có yếu tố nước ngoài: 4 sections; mandatory documents
BUILDING = "1.013225"   # Giấy phép xây dựng: a mandatory multiple document pdf/zip of 50 MB
BIRTH = "1.001193"      # Đăng ký khai sinh: 5 sections; every document conditional
BIRTH_AGAIN = "1.004884"  # Đăng ký lại khai sinh: offered, not online
HOUSEHOLD_CHANGE = "2.000720"  # businesses only; a checkbox group "changes"

BUSINESS = "doanhnghiep@example.vn"
DESK_INTAKE = "tiepnhan.hacthanh@example.vn"  # intake officer of the Hạc Thành desk (agency 7)
OTHER_INTAKE = "tiepnhan.hoanghoa@example.vn"  # intake officer of another desk

MIB = 1024 * 1024
LIMIT_DOSSIER_FILES_BYTES = 50 * MIB  # src/limit.h

STATUS_LABELS = {
    "draft": "Nháp",
    "unconfirmed": "Chờ xác thực",
    "pending": "Chờ tiếp nhận",
    "supplement": "Yêu cầu bổ sung",
    "withdrawn": "Đã rút",
    "expired": "Hết hạn xác thực",
}

# The subject of each dossier mail (templates/mail/<name>_subject.mustache): how a test tells
# one kind of mail from another for the same dossier.
MAIL_SUBJECTS = {
    "dossier_confirm": re.compile(r"^Xác thực hồ sơ "),
    "dossier_received": re.compile(r" đã được gửi đến "),
    "dossier_supplement": re.compile(r" cần bổ sung$"),
    "dossier_updated": re.compile(r"^Đã cập nhật hồ sơ "),
    "dossier_withdrawn": re.compile(r"^Đã rút hồ sơ "),
    "dossier_expired": re.compile(r" đã hết hạn xác thực$"),
}

_unique = itertools.count(1)


# ---- the catalogue and accounts ----

def offering_of(site, code, online=1, desk_agency_id=None):
    """The first active offering of procedure 'code' (open online or not; at that desk)."""
    sql = ("SELECT o.id FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
           "WHERE p.code = ? AND o.online = ? AND o.active = 1")
    args = [code, online]
    if desk_agency_id is not None:
        sql += " AND o.desk_agency_id = ?"
        args.append(desk_agency_id)
    oid = site.one(sql + " ORDER BY o.id LIMIT 1", args)
    assert oid, "the demo data has no %s offering of %s" % ("online" if online else "offline",
                                                             code)
    return oid


def schema_of(site, code):
    """The form schema of procedure 'code', parsed."""
    text = site.one("SELECT form_schema FROM procedures WHERE code = ?", (code,))
    assert text, "no procedure %s" % code
    return json.loads(text)


def dossier_schema(site, did):
    return json.loads(site.one("SELECT p.form_schema FROM dossiers d JOIN procedures p "
                               "ON p.id = d.procedure_id WHERE d.id = ?", (did,)))


def documents_of(site, code):
    """The documents of procedure 'code' as dicts, in the catalogue's order."""
    keys = ("id", "position", "name", "requirement", "file_types", "max_size", "multiple")
    rows = site.rows("SELECT d.id, d.position, d.name, d.requirement, d.file_types, d.max_size, "
                     "d.multiple FROM procedure_documents d JOIN procedures p "
                     "ON p.id = d.procedure_id WHERE p.code = ? ORDER BY d.position", (code,))
    return [dict(zip(keys, r)) for r in rows]


def document(site, code, mandatory=None, multiple=None, kinds=None, position=None):
    """The first document of 'code' matching every condition given."""
    for d in documents_of(site, code):
        if mandatory is not None and (d["requirement"] == "mandatory") != mandatory:
            continue
        if multiple is not None and bool(d["multiple"]) != multiple:
            continue
        if kinds is not None and d["file_types"] != kinds:
            continue
        if position is not None and d["position"] != position:
            continue
        return d
    raise AssertionError("procedure %s has no document with mandatory=%r multiple=%r kinds=%r"
                         % (code, mandatory, multiple, kinds))


def new_citizen(site, full_name="Lê Thị Cúc"):
    """A new active citizen account written into the database (its password is DEMO_PASSWORD:
    the demo citizen's hash is copied).  Returns (logged-in session, account id, e-mail)."""
    email = "congdan.thu.%d.%d@example.vn" % (os.getpid(), next(_unique))
    pw_hash = site.one("SELECT password_hash FROM accounts WHERE email_key = ?", (DEMO_CITIZEN,))
    assert pw_hash, "no demo citizen to copy a password hash from"
    now = "2026-01-01T00:00:00.000Z"
    account_id = site.execute(
        "INSERT INTO accounts (account_type, full_name, email, email_key, phone, citizen_id,"
        " birth_date, address, password_hash, status, created_at, activated_at, updated_at)"
        " VALUES ('citizen', ?, ?, lower(?), '0912345678', ?, '1991-02-03',"
        " 'Số 5 đường Lê Lợi, phường Hạc Thành', ?, 'active', ?, ?, ?)",
        (full_name, email, email, citizen_id(1991), pw_hash, now, now, now))
    return site.login(email), account_id, email


def citizen_account_id(site, email=DEMO_CITIZEN):
    return site.one("SELECT id FROM accounts WHERE email_key = lower(?)", (email,))


# ---- requests ----

def token(site, s):
    """The session's CSRF token, from a page every citizen may open."""
    r = site.get(s, "/dossiers")
    assert r.status_code == 200, r.status_code
    el = soup_of(r).find("input", attrs={"name": "csrf_token"})
    assert el is not None and el.get("value")
    return el["value"]


def post(site, s, path, data, files=None, csrf=True):
    """POST 'data' (a dict; list values repeat the field) to 'path' with the session's CSRF
    token, as multipart/form-data when 'files' ([(field, (filename, bytes, type))]) is given,
    else urlencoded.  Never follows a redirect."""
    data = dict(data)
    if csrf:
        data["csrf_token"] = token(site, s)
    return s.post(site.url + path, data=data, files=files or None, timeout=TIMEOUT,
                  allow_redirects=False)


def get(site, s, path):
    return s.get(site.url + path, timeout=TIMEOUT, allow_redirects=False)


def start(site, s, offering):
    """Start a dossier the way the confirmation page does; returns its id."""
    r = post(site, s, "/dossiers/new", {"offering": str(offering)})
    assert r.status_code == 303, "start refused: %d %s" % (r.status_code, page_text(r)[:400])
    m = re.fullmatch(r"/dossiers/(\d+)/form", location(r))
    assert m, location(r)
    return int(m.group(1))


def start_from_catalogue(site, s, code, desk_agency_id=None):
    """Start a dossier as a citizen does: the catalogue page's "Nộp hồ sơ trực tuyến" button,
    the confirmation page, its "Bắt đầu" button.  Returns the dossier id."""
    offering = offering_of(site, code, desk_agency_id=desk_agency_id)
    r = get(site, s, "/services/" + code)
    assert r.status_code == 200, r.status_code
    href = "/dossiers/new?offering=%d" % offering
    assert soup_of(r).find("a", href=href) is not None, "no button to %s on /services/%s" % (
        href, code)
    r = get(site, s, href)
    assert r.status_code == 200, page_text(r)[:300]
    form = soup_of(r).find("form", attrs={"action": "/dossiers/new"})
    assert form is not None
    data = {el["name"]: el.get("value", "") for el in form.find_all("input", attrs={"name": True})}
    r = s.post(site.url + "/dossiers/new", data=data, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 303, "start refused: %d %s" % (r.status_code, page_text(r)[:400])
    m = re.fullmatch(r"/dossiers/(\d+)/form", location(r))
    assert m, location(r)
    return int(m.group(1))


def status_of(site, did):
    return site.one("SELECT status FROM dossiers WHERE id = ?", (did,))


def form_data(site, did):
    return json.loads(site.one("SELECT form_data FROM dossiers WHERE id = ?", (did,)))


def detail_status(r):
    """The status label the detail page shows."""
    el = soup_of(r).select_one(".dossier-status")
    assert el is not None, "no .dossier-status on the page: %s" % page_text(r)[:300]
    return " ".join(el.get_text(" ").split())


def summary_links(r):
    """The hrefs of the page's .error-summary, or None without one."""
    summary = soup_of(r).select_one(".error-summary")
    if summary is None:
        return None
    return [a["href"] for a in summary.find_all("a", href=True)]


# ---- valid answers from the schema ----

def local_today():
    """The portal's date (Vietnam, UTC+7), as the server's 'today'."""
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=7)).date()


def _bound_date(v, today):
    if v is None:
        return None
    return today if v == "today" else datetime.date.fromisoformat(v)


TEXT_CANDIDATES = ("Nguyễn Văn Bình", "Việt Nam", "Con", "123", "08:30", "A1")


def valid_answer(field, today=None):
    """A valid answer to 'field' (a schema field) that a browser would post: a string, or a
    list for a checkbox group."""
    today = today or local_today()
    t = field["type"]
    if t in ("select", "radio"):
        return field["options"][0]["value"]
    if t == "checkbox":
        return [field["options"][0]["value"]] if "options" in field else "1"
    if t == "date":
        lo = _bound_date(field.get("min"), today) or datetime.date(1900, 1, 1)
        hi = _bound_date(field.get("max"), today) or datetime.date(2100, 12, 31)
        d = datetime.date(2000, 1, 15)
        if d < lo:
            d = min(lo + datetime.timedelta(days=30), hi)
        if d > hi:
            d = hi
        return d.isoformat()
    if t == "number":
        lo, hi = field.get("min", 0), field.get("max", 1000000)
        v = max(lo, 1)
        assert v <= hi, field
        return str(int(v)) if float(v).is_integer() else str(v)
    if t == "email":
        return "nguoi.khai@example.vn"
    if t == "phone":
        return "0912345678"
    if t == "citizen_id":
        return citizen_id(1960)
    if t == "tax_code":
        return tax_code()
    if t == "address":
        return "Số 12 đường Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa"
    assert t in ("text", "textarea"), "unknown field type %s" % t
    lo, hi = field.get("min_length", 0), field.get("max_length", 500)
    for c in TEXT_CANDIDATES:
        if lo <= len(c) <= hi and (not field.get("pattern")
                                   or re.fullmatch(field["pattern"], c)):
            return c
    raise AssertionError("no candidate answer fits %r" % field)


def valid_answers(schema, **over):
    """A valid answer to every field of 'schema' (optional ones too); 'over' replaces some."""
    today = local_today()
    out = {f["name"]: valid_answer(f, today) for sec in schema["sections"] for f in sec["fields"]}
    out.update(over)
    return out


def section_fields(schema, step):
    """The field names of section 'step' (1-based)."""
    return [f["name"] for f in schema["sections"][step - 1]["fields"]]


def section_post(schema, step, answers):
    """What the page of section 'step' posts for 'answers': every control of the section (an
    unticked box posts nothing)."""
    data = {}
    for name in section_fields(schema, step):
        v = answers.get(name, "")
        if v in ("", []) and _is_checkbox(schema, name):
            continue
        data["f_" + name] = v
    return data


def all_sections_post(schema, answers):
    """What the edit page (every section at once) posts for 'answers'."""
    data = {}
    for step in range(1, len(schema["sections"]) + 1):
        data.update(section_post(schema, step, answers))
    return data


def doc_error(r, doc_id):
    """The message beside document 'doc_id' on a form page, or None."""
    el = soup_of(r).find(id="doc_%d-error" % doc_id)
    return " ".join(el.get_text(" ").split()) if el is not None else None


def page_files(r, doc_id):
    """The files a form page lists under document 'doc_id': [(name, href, remove value)]."""
    card = soup_of(r).find(id="doc_%d-card" % doc_id)
    assert card is not None, "no card of document %d" % doc_id
    out = []
    for li in card.select(".dossier-files li"):
        a = li.find("a", href=True)
        b = li.find("button", attrs={"name": "remove"})
        out.append((a.get_text(strip=True), a["href"], b["value"] if b is not None else None))
    return out


def _is_checkbox(schema, name):
    return any(f["name"] == name and f["type"] == "checkbox"
               for sec in schema["sections"] for f in sec["fields"])


def step_count(site, did):
    """The steps of dossier 'did''s form: its sections, plus one for the documents."""
    schema = dossier_schema(site, did)
    ndocs = site.one("SELECT count(*) FROM procedure_documents pd JOIN dossiers d "
                     "ON d.procedure_id = pd.procedure_id WHERE d.id = ?", (did,))
    return len(schema["sections"]) + (1 if ndocs else 0)


def post_step(site, s, did, step, data=None, action="save", files=None):
    """POST step 'step' of dossier 'did''s form with 'data' and the button 'action'."""
    body = dict(data or {})
    body["step"] = str(step)
    body["action"] = action
    return post(site, s, "/dossiers/%d/form" % did, body, files=upload_parts(files))


def upload_parts(files):
    """{document id: [(filename, bytes)]} or [(document id, filename, bytes)] as requests
    'files' parts named doc_<id>."""
    if not files:
        return None
    items = files.items() if isinstance(files, dict) else None
    parts = []
    if items is not None:
        for doc_id, lst in items:
            for name, content in lst:
                parts.append(("doc_%d" % doc_id, (name, content, "application/octet-stream")))
    else:
        for doc_id, name, content in files:
            parts.append(("doc_%d" % doc_id, (name, content, "application/octet-stream")))
    return parts


def mandatory_without_file(site, did):
    """The ids of the mandatory documents of 'did' that have no current file."""
    return [r[0] for r in site.rows(
        "SELECT pd.id FROM procedure_documents pd JOIN dossiers d ON d.procedure_id = "
        "pd.procedure_id WHERE d.id = ? AND pd.requirement = 'mandatory' AND NOT EXISTS ("
        "SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.document_id = pd.id "
        "AND f.removed_in IS NULL) ORDER BY pd.position", (did,))]


def fill_all(site, s, did, answers=None, files=None, **over):
    """Go through every step of draft 'did' in order, pressing "Tiếp tục": each section with its
    valid answers ('answers', else derived from the schema; 'over' replaces some), then the
    documents step with 'files' ({document id: [(filename, bytes)]}; default: a PDF for each
    mandatory document without a file), whose button leads to /check.  Asserts each step moves
    on; returns the answers posted."""
    schema = dossier_schema(site, did)
    answers = dict(answers or valid_answers(schema))
    answers.update(over)
    nsections = len(schema["sections"])
    count = step_count(site, did)
    if files is None:
        files = {doc: [("giay-to-%d.pdf" % doc, make_pdf("tai lieu %d %d" % (did, doc)))]
                 for doc in mandatory_without_file(site, did)}
    for step in range(1, nsections + 1):
        r = post_step(site, s, did, step, section_post(schema, step, answers), action="next")
        want = "/dossiers/%d/form?step=%d" % (did, step + 1) if step < count else \
            "/dossiers/%d/check" % did
        assert r.status_code == 303, "step %d refused: %d %s (summary %r)" % (
            step, r.status_code, page_text(r)[:300], summary_links(r))
        assert location(r) == want, (location(r), want)
    if count > nsections:
        r = post_step(site, s, did, count, action="next", files=files)
        assert r.status_code == 303, "documents refused: %d %s" % (r.status_code,
                                                                   page_text(r)[:400])
        assert location(r) == "/dossiers/%d/check" % did, location(r)
    return answers


# ---- files a content check recognises ----

def make_pdf(text="motcua", pad=0):
    """A valid one-page PDF showing 'text' (ASCII), with a correct cross-reference table;
    'pad' bytes of a comment make it bigger.  Different texts give different files."""
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = ("BT /F1 12 Tf 10 50 Td (%s) Tj ET" % text).encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    if pad > 0:
        # A comment line: readers skip it.
        out += b"%" + b"0" * max(pad - 2, 0) + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_pdf_of_size(size, text="motcua"):
    """A valid PDF of exactly 'size' bytes."""
    base = len(make_pdf(text, pad=2))
    assert size >= base, "a PDF needs at least %d bytes" % base
    pad = 2 + size - base
    for _ in range(4):
        # The padding moves the cross-reference table, whose offset may take more digits.
        pdf = make_pdf(text, pad=pad)
        if len(pdf) == size:
            return pdf
        pad -= len(pdf) - size
    raise AssertionError("cannot make a PDF of %d bytes" % size)


def make_png(width=4, height=3, rgb=(163, 21, 15)):
    """A valid RGB PNG of one colour."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def make_zip(names=("ban-ve.txt",), text="Bản vẽ"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.writestr(n, text)
    return buf.getvalue()


def stored_files(site):
    """Every file of the store (<data>/files/ab/cd/<sha256>), temporary ones left out."""
    root = os.path.join(site.data, "files")
    return sorted(p for p in glob.glob(os.path.join(root, "??", "??", "*"))
                  if os.path.isfile(p) and re.fullmatch(r"[0-9a-f]{64}", os.path.basename(p)))


def stored_path(site, sha):
    return os.path.join(site.data, "files", sha[:2], sha[2:4], sha)


def dossier_files(site, did, current=None):
    """dossier_files rows of 'did' as dicts (current=True: not removed; False: removed)."""
    keys = ("id", "document_id", "sha256", "name", "kind", "size", "added_in", "removed_in")
    sql = ("SELECT id, document_id, sha256, name, kind, size, added_in, removed_in "
           "FROM dossier_files WHERE dossier_id = ?")
    if current is True:
        sql += " AND removed_in IS NULL"
    elif current is False:
        sql += " AND removed_in IS NOT NULL"
    return [dict(zip(keys, r)) for r in site.rows(sql + " ORDER BY id", (did,))]


# ---- submitting and confirming ----

def submit(site, s, did):
    return post(site, s, "/dossiers/%d/submit" % did, {})


def submit_ok(site, s, did):
    r = submit(site, s, did)
    assert r.status_code == 303, "submit refused: %d %s (summary %r)" % (
        r.status_code, page_text(r)[:400], summary_links(r))
    assert location(r) == "/dossiers/%d?submitted=1" % did, location(r)
    assert status_of(site, did) == "unconfirmed"
    return r


def dossier_mails(site, to, did, kind):
    """[(file, message)] of the Maildir: mail 'kind' (MAIL_SUBJECTS) to 'to' about dossier
    'did' (its text links to /dossiers/<did>...), oldest first."""
    out = []
    for f in maildir_files(site.srv):
        try:
            with open(f, "rb") as fh:
                raw = fh.read()
        except OSError:  # gone since the listing (the sender writes tmp/, then renames)
            continue
        msg = parse_mail(raw)
        if to.lower() not in recipients(msg):
            continue
        if not MAIL_SUBJECTS[kind].search(str(msg["Subject"])):
            continue
        paths = [urlsplit(u).path for u in mail_links(msg)]
        if any(re.fullmatch(r"/dossiers/%d(/edit)?" % did, p) for p in paths):
            out.append((f, msg))
    return sorted(out, key=lambda fm: os.stat(fm[0]).st_mtime_ns)


def mail_links(msg):
    return re.findall(r"https?://[^\s<>\"')\]]+", plain_text(msg))


def wait_dossier_mail(site, to, did, kind, skip=(), timeout=20.0):
    """The first mail 'kind' to 'to' about dossier 'did' not in 'skip' (file names), waiting
    for the mail sender.  Returns (file, message)."""
    deadline = time.monotonic() + timeout
    while True:
        for f, msg in dossier_mails(site, to, did, kind):
            if f not in skip:
                return f, msg
        if time.monotonic() > deadline:
            raise AssertionError("no %s mail to %s about dossier %d in %s/mail/new within %.0f s"
                                 % (kind, to, did, site.data, timeout))
        time.sleep(0.1)


def link_to(msg, path):
    """The first link of the mail's text whose path is 'path'."""
    for u in mail_links(msg):
        if urlsplit(u).path == path:
            return u
    raise AssertionError("no link to %s in %r" % (path, plain_text(msg)[:800]))


def confirm_link(site, to, did, skip=()):
    """The confirmation link of the newest "dossier_confirm" mail about 'did' not in 'skip';
    returns (file, link)."""
    f, msg = wait_dossier_mail(site, to, did, "dossier_confirm", skip=skip)
    return f, link_to(msg, "/dossiers/confirm")


def follow_link(url, session=None):
    """GET a mail's link (absolute URL) in 'session' (default: a fresh, anonymous one)."""
    s = session or new_session()
    return s.get(url, timeout=TIMEOUT, allow_redirects=False)


def submitted_dossier(site, s, code=DEATH, files=None, **over):
    """A dossier of 'code' filled with valid answers and submitted (status unconfirmed);
    returns (id, answers)."""
    did = start(site, s, offering_of(site, code))
    answers = fill_all(site, s, did, files=files, **over)
    submit_ok(site, s, did)
    return did, answers


def confirmed_dossier(site, s, email=DEMO_CITIZEN, code=DEATH, files=None, **over):
    """A dossier submitted and confirmed from its mail (status pending); returns (id,
    answers)."""
    did, answers = submitted_dossier(site, s, code, files=files, **over)
    _, link = confirm_link(site, email, did)
    r = follow_link(link)
    assert r.status_code == 200, (r.status_code, page_text(r)[:300])
    assert status_of(site, did) == "pending"
    return did, answers


# ---- the staff side, through the back office's pages ----

def request_supplement(site, did, email, note, version=None):
    """POST 'request_supplement' for dossier 'did' as account 'email' straight to
    /staff/dossiers/{id}/act, whether or not the dossier page offers its form: the session's
    CSRF token and the dossier's current version (or 'version').  The response, not followed."""
    s = staff_session(site, email)
    if version is None:
        version = site.one("SELECT version FROM dossiers WHERE id = ?", (did,))
    data = {"csrf_token": site.csrf(s, "/"), "action": "request_supplement",
            "version": str(version), "note": note}
    return s.post(site.url + "/staff/dossiers/%s/act" % did, data=data, timeout=TIMEOUT,
                  allow_redirects=False)


def request_supplement_ok(site, did, note, email=DESK_INTAKE):
    """The desk asks for a supplement with the dossier page's own form; the response (303)."""
    r = act_ok(site, staff_session(site, email), did, "request_supplement", note=note)
    assert status_of(site, did) == "supplement"
    return r
