"""Citizen and business accounts, black box: registration with its rules, activation by mail,
login with rate limiting, sessions, logout, profile, password reset, storage, and the event
loops staying free while argon2 hashes.

Mail goes to <data>/mail/new/ (no --smtp); time moves with --clock-offset restarts.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
import requests

from accounts_helpers import (new_session, ACTIVATED_RE, EXPIRED_RE, INVALID_RE, NOT_ACTIVE_RE,
                              REDIRECTS, TIMEOUT, TOKEN_RE, USED_RE, Servers, account_row,
                              account_status, activate, active_account, assert_anonymous,
                              assert_field_error, assert_login_ok, assert_registered,
                              assert_vietnamese_page, business, citizen,
                              copy_session, csrf_in, csrf_of, db_rows, follow, form_errors, input_value,
                              live_cookies, logged_in, login, mails_to, maildir_files, nfc,
                              post_form, profile_status, register, register_ok, set_cookies,
                              soup_of, text_of, token_of, unique_email, wait_mail)
from motcua_server import MARKER, MARKER_WORD, http_get, run_cli


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


@pytest.fixture
def srv(servers):
    return servers.start()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A module-wide server for read-only checks."""
    s = Servers(tmp_path_factory.mktemp("accounts"))
    yield s.start()
    s.close()


def visible_text_without(r, *words):
    t = text_of(r)
    for w in words:
        t = t.replace(w, "")
    return t


def has_link(r, path):
    return any(path in a["href"] for a in soup_of(r).find_all("a", href=True))


def assert_not_5xx(r):
    assert r.status_code < 500, "%d %r" % (r.status_code, r.text[:300])


# ---- settings and the demo command ----

def test_help_lists_the_new_settings():
    r = run_cli(["--help"])
    assert r.returncode == 0, r.stderr
    for word in ("--smtp", "MOTCUA_SMTP_URL", "--mail-from", "MOTCUA_MAIL_FROM", "--base-url",
                 "--clock-offset", "MOTCUA_CLOCK_OFFSET"):
        assert word in r.stdout, "%s missing from --help" % word


@pytest.mark.parametrize("args,env,name", [
    (["--smtp", "http://127.0.0.1:25"], {}, "smtp"),
    (["--smtp", "smtp://"], {}, "smtp"),
    (["--smtp", "smtp://127.0.0.1:99999"], {}, "smtp"),
    (["--clock-offset", "abc"], {}, "clock-offset"),
    (["--clock-offset", "1h"], {}, "clock-offset"),
    ([], {"MOTCUA_SMTP_URL": "ftp://x:25"}, "SMTP"),
    ([], {"MOTCUA_CLOCK_OFFSET": "soon"}, "CLOCK"),
], ids=["smtp-http", "smtp-empty-host", "smtp-port", "offset-abc", "offset-1h", "env-smtp",
        "env-offset"])
def test_bad_new_settings_exit_2_naming_them(tmp_path, args, env, name):
    r = run_cli(["--data", str(tmp_path / "d")] + args + ["serve"], env=env, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert name.upper().replace("-", "_") in r.stderr.upper().replace("-", "_"), r.stderr


def parse_demo_lines(out):
    accounts = []
    for line in out.splitlines():
        m = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", line)
        if m:
            parts = [p.strip() for p in line.split(",")]
            accounts.append((parts[0], m.group(0), parts[-1]))
    return accounts


def test_demo_accounts_with_password(servers):
    srv = servers.start(demo_password="Demo-Mat-Khau-2026")
    accounts = parse_demo_lines(srv.demo_output)
    assert len(accounts) >= 2, "no 'role, email, password' lines in %r" % srv.demo_output
    types = set()
    for role, addr, pw in accounts:
        assert pw == "Demo-Mat-Khau-2026", (role, addr, pw)
        row = account_row(srv, addr)
        assert row is not None, "demo account %s is not in the accounts table" % addr
        assert row["status"] == "active", row["status"]
        assert row["password_hash"].startswith("$argon2id$"), row["password_hash"][:20]
        types.add(row["account_type"])
        if row["account_type"] == "staff":
            # Staff land on the administration (administrators) or the home page.
            _, r = login(srv, addr, pw)
            assert r.status_code == 303, (addr, r.status_code)
            home = "/admin" if role in ("agency_admin", "system_admin") else "/"
            assert r.headers["location"].endswith(home), (role, r.headers["location"])
            continue
        assert_login_ok(srv, *reversed(login(srv, addr, pw)))
    assert types >= {"citizen", "business"}, types


def test_demo_accounts_with_random_password(servers):
    workdir = servers.root
    r = run_cli(["--data", os.path.join(workdir, "d"), "demo"])
    assert r.returncode == 0, r.stderr
    accounts = parse_demo_lines(r.stdout)
    assert len(accounts) >= 2, r.stdout
    assert all(len(pw) >= 10 for _, _, pw in accounts), accounts
    srv = servers.start(data=os.path.join(workdir, "d"))
    role, addr, pw = accounts[0]
    s, resp = login(srv, addr, pw)
    assert_login_ok(srv, resp, s)


# ---- the registration form ----

REGISTER_FIELDS = ("account_type", "full_name", "email", "phone", "citizen_id", "birth_date",
                   "address", "password", "password_confirm", "organization_name", "tax_code")


def test_register_form(shared):
    s = new_session()
    r = s.get(shared.url + "/register", timeout=TIMEOUT)
    assert r.status_code == 200
    assert_vietnamese_page(r)
    soup = soup_of(r)
    form = soup.find("form", attrs={"method": re.compile("post", re.I)})
    assert form is not None
    for name in REGISTER_FIELDS:
        assert form.find(attrs={"name": name}) is not None, "no field %s" % name
    for name in ("password", "password_confirm"):
        assert form.find(attrs={"name": name}).get("type") == "password"
    for name in REGISTER_FIELDS:
        if name != "account_type":
            assert soup.find(id=name) is not None, "no element with id=%s for #%s links" % (
                name, name)
    csrf_in(r)


# ---- registration succeeds ----

def test_register_citizen(srv):
    data = citizen()
    s = new_session()
    r = register(srv, data, s)
    assert_registered(srv, r, s)
    row = account_row(srv, data["email"])
    assert row is not None, "the account was not stored"
    assert row["status"] == "inactive"
    assert row["account_type"] == "citizen"
    assert row["password_hash"].startswith("$argon2id$"), row["password_hash"][:30]
    for path in (srv.db_path, srv.db_path + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                assert data["password"].encode() not in f.read(), "plain password in " + path
    _, msg, link = wait_mail(srv, data["email"], "/activate")
    assert link.startswith(srv.url + "/activate?token="), link
    assert TOKEN_RE.match(token_of(link)), link
    # inactive: login refused with a message and a link to /activate/resend
    s2, r2 = login(srv, data["email"], data["password"])
    assert r2.status_code != 303 and r2.status_code < 500, r2.status_code
    assert NOT_ACTIVE_RE.search(text_of(r2)), text_of(r2)[:500]
    assert has_link(r2, "/activate/resend"), "no link to /activate/resend"
    assert_anonymous(srv, s2)


@pytest.mark.parametrize("tax", ["0100109106", "0300588569", "0100109106-001"])
def test_register_business(srv, tax):
    data = business(tax_code=tax)
    register_ok(srv, data)
    row = account_row(srv, data["email"])
    assert row["account_type"] == "business" and row["status"] == "inactive"
    assert row["tax_code"] == tax and row["organization_name"] == data["organization_name"]


@pytest.mark.parametrize("over,stored", [
    ({"phone": "+84912345678"}, {"phone": "0912345678"}),
    ({"phone": "0987654321"}, {"phone": "0987654321"}),
    ({"phone": "0321234567"}, {"phone": "0321234567"}),
    ({"phone": " 0912345670 "}, {"phone": "0912345670"}),
    ({"birth_date": "2001-03-04", "citizen_id": "038301000123"}, {"citizen_id": "038301000123"}),
    ({"birth_date": "2001-03-04", "citizen_id": "038201000124"}, {"citizen_id": "038201000124"}),
    ({"birth_date": "1990-01-01", "citizen_id": "001190000125"}, {"citizen_id": "001190000125"}),
    ({"birth_date": "1900-01-01", "citizen_id": "038000000126"}, {"citizen_id": "038000000126"}),
    ({"full_name": "  Nguye\u0302\u0303n Thi\u0323 Ho\u0300a  "}, {"full_name": "Nguyễn Thị Hòa"}),
    ({"address": "\tThôn 3, xã Quảng Hùng  "}, {"address": "Thôn 3, xã Quảng Hùng"}),
], ids=["phone+84", "phone098", "phone032", "phone-spaces", "born2001f", "born2001m",
        "province001", "born1900", "name-nfd-trim", "address-trim"])
def test_register_valid_variants_are_normalised(srv, over, stored):
    data = register_ok(srv, citizen(**over))
    row = account_row(srv, data["email"])
    for k, v in stored.items():
        assert row[k] == v, (k, row[k], v)


def test_register_email_is_trimmed(srv):
    addr = unique_email()
    register_ok(srv, citizen(email="  %s  " % addr))
    row = account_row(srv, addr)
    assert row is not None and row["email"] == addr, row


# ---- registration refused ----

TOMORROW = datetime.date.today() + datetime.timedelta(days=2)

INVALID = [
    ("email", {"email": "khong-phai-email"}),
    ("email", {"email": "an@"}),
    ("email", {"email": "@example.vn"}),
    ("email", {"email": "an nguyen@example.vn"}),
    ("email", {"email": ""}),
    ("phone", {"phone": "0112345678"}),
    ("phone", {"phone": "0201234567"}),
    ("phone", {"phone": "+84112345678"}),
    ("phone", {"phone": "091234567"}),
    ("phone", {"phone": "09123456789"}),
    ("phone", {"phone": "091234567a"}),
    ("phone", {"phone": ""}),
    ("citizen_id", {"citizen_id": "003090123456"}),
    ("citizen_id", {"citizen_id": "03809012345"}),
    ("citizen_id", {"citizen_id": "0380901234567"}),
    ("citizen_id", {"citizen_id": "03809012345a"}),
    ("citizen_id", {"citizen_id": "038290123456"}),  # 2 = born 2000s, but born 1990
    ("citizen_id", {"citizen_id": "038091123456"}),  # year 91, but born 1990
    ("citizen_id", {"citizen_id": "038001123456", "birth_date": "2001-03-04"}),  # 0 = 1900s
    ("citizen_id", {"citizen_id": ""}),
    ("birth_date", {"birth_date": "1990-02-30"}),
    ("birth_date", {"birth_date": "1899-12-31", "citizen_id": "038099123456"}),
    ("birth_date", {"birth_date": TOMORROW.isoformat(),
                    "citizen_id": "0382%02d123456" % (TOMORROW.year % 100)}),
    ("birth_date", {"birth_date": "17/05/1990"}),
    ("birth_date", {"birth_date": ""}),
    ("full_name", {"full_name": ""}),
    ("full_name", {"full_name": "    "}),
    ("address", {"address": ""}),
    ("password", {"password": "Ngan9chu!"}),
    ("password", {"password": "1234567890"}),
    ("password", {"password": "matkhau123"}),
    ("password", {"email": "thanh.hoa.lan@example.vn", "password": "Xy-thanh.hoa.lan-9"}),
    ("password", {"phone": "0912345678", "password": "Mk-0912345678"}),
    ("password_confirm", {"password": "Suoi-Xanh-Ngan-Nam", "password_confirm":
                          "Suoi-Xanh-Ngan-Nam!"}),
]


@pytest.mark.parametrize("field,over", INVALID,
                         ids=["%s=%s" % (f, "|".join(o.values())) for f, o in INVALID])
def test_register_invalid_field(srv, field, over):
    data = citizen(**over)
    r = register(srv, data)
    assert_field_error(r, field)
    assert not db_rows(srv, "SELECT id FROM accounts"), "an account was stored"
    assert not maildir_files(srv), "mail was sent for a refused registration"
    # everything typed is kept, passwords are not
    for name in ("full_name", "email", "phone", "citizen_id", "birth_date", "address"):
        got = input_value(r, name)
        assert got is not None and got.strip() == nfc(data[name]).strip(), (name, got, data[name])
    assert input_value(r, "account_type") == "citizen"
    for name in ("password", "password_confirm"):
        assert not input_value(r, name), "%s is sent back in the page" % name


BUSINESS_INVALID = [
    ("tax_code", {"tax_code": "0100109107"}),
    ("tax_code", {"tax_code": "010010910"}),
    ("tax_code", {"tax_code": "0100109106-01"}),
    ("tax_code", {"tax_code": "01001091a6"}),
    ("tax_code", {"tax_code": ""}),
    ("organization_name", {"organization_name": ""}),
]


@pytest.mark.parametrize("field,over", BUSINESS_INVALID,
                         ids=["%s=%s" % (f, "|".join(o.values())) for f, o in BUSINESS_INVALID])
def test_register_business_invalid_field(srv, field, over):
    data = business(**over)
    r = register(srv, data)
    assert_field_error(r, field)
    assert not db_rows(srv, "SELECT id FROM accounts"), "an account was stored"
    assert input_value(r, "account_type") == "business"
    for name in ("organization_name", "tax_code", "full_name", "email"):
        assert (input_value(r, name) or "").strip() == data[name].strip(), name


def test_register_unknown_account_type_refused(srv):
    r = register(srv, citizen(account_type="admin"))
    assert r.status_code in (400, 422), r.status_code
    assert not db_rows(srv, "SELECT id FROM accounts")
    if r.status_code == 422:
        assert_field_error(r, "account_type")


def test_register_empty_form_lists_every_error(srv):
    r = register(srv, {"account_type": "citizen"})
    assert r.status_code == 422
    linked, beside = form_errors(r)
    for f in ("full_name", "email", "phone", "citizen_id", "birth_date", "address", "password"):
        assert f in linked and f in beside, (f, linked, beside)
    # the summary lists the fields in the order of the form
    order = [f for f in REGISTER_FIELDS if f in linked]
    assert [f for f in linked if f in REGISTER_FIELDS] == order, linked


def test_register_email_unique_case_insensitive(srv):
    first = register_ok(srv, citizen(email=unique_email().replace("cong.dan", "Cong.Dan")))
    r = register(srv, citizen(email=first["email"].upper()))
    assert_field_error(r, "email")
    r = register(srv, citizen(email=first["email"].lower()))
    assert_field_error(r, "email")
    assert len(db_rows(srv, "SELECT id FROM accounts")) == 1


def test_register_citizen_id_unique(srv):
    first = register_ok(srv)
    r = register(srv, citizen(citizen_id=first["citizen_id"]))
    assert_field_error(r, "citizen_id")
    assert len(db_rows(srv, "SELECT id FROM accounts")) == 1


def test_register_error_page_escapes_what_was_typed(srv):
    data = citizen(full_name='Trần "Bình" ' + MARKER, address="Số 1 <b>& ' \"",
                   email="sai-email" + MARKER_WORD)
    r = register(srv, data)
    assert r.status_code == 422
    assert MARKER not in r.text, "the page echoes raw markup"
    assert "<b>&" not in r.text
    assert input_value(r, "full_name").strip() == data["full_name"]
    assert input_value(r, "address").strip() == data["address"].strip()


def test_concurrent_duplicate_registrations(srv):
    """The same email (then the same citizen_id) sent by several clients at once: one account,
    the others get the form back with the error, never a 5xx (the uniqueness check runs before
    the argon2 hash, the insert after it)."""
    for field in ("email", "citizen_id"):
        base = citizen()
        forms = []
        for i in range(4):
            d = citizen(**{field: base[field]})
            s = new_session()
            d["csrf_token"] = csrf_of(s, srv.url + "/register")
            forms.append((s, d))
        barrier = threading.Barrier(len(forms))
        statuses = [None] * len(forms)
        bodies = [None] * len(forms)

        def one(i):
            s, d = forms[i]
            barrier.wait()
            r = s.post(srv.url + "/register", data=d, timeout=60, allow_redirects=False)
            statuses[i], bodies[i] = r.status_code, r

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(forms))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [i for i, st in enumerate(statuses) if st in (200, 303)]
        assert len(ok) == 1, "same %s at once: statuses %r" % (field, statuses)
        for i, st in enumerate(statuses):
            if i not in ok:
                assert_field_error(bodies[i], field)
        rows = db_rows(srv, "SELECT count(*) FROM accounts WHERE %s = ?" % (
            "email_key" if field == "email" else field), (base[field].lower(),))
        assert rows[0][0] == 1, rows


# ---- CSRF ----

ANON_FORMS = [("/register", None), ("/login", None), ("/activate/resend", None),
              ("/password/forgot", None)]


@pytest.mark.parametrize("path", [p for p, _ in ANON_FORMS])
@pytest.mark.parametrize("how", ["missing", "wrong", "other-visitor"])
def test_anonymous_forms_need_csrf(srv, path, how):
    s = new_session()
    tok = csrf_of(s, srv.url + path)
    data = citizen()
    if how == "wrong":
        data["csrf_token"] = tok[:-2] + ("AA" if not tok.endswith("AA") else "BB")
    elif how == "other-visitor":
        data["csrf_token"] = csrf_of(new_session(), srv.url + path)
    if how == "other-visitor" and not s.cookies:
        pytest.skip("no cookie before login: a token cannot be tied to a visitor")
    r = requests.post(srv.url + path, data=data, cookies=s.cookies, timeout=TIMEOUT,
                      allow_redirects=False)
    assert r.status_code == 403, "%s with %s CSRF token: %d" % (path, how, r.status_code)
    assert_vietnamese_page(r)
    assert not db_rows(srv, "SELECT id FROM accounts")


# ---- activation ----

def test_activation_then_reuse(srv):
    data = register_ok(srv)
    link = activate(srv, data)
    assert account_status(srv, data["email"]) == "active"
    logged_in(srv, data)
    r = requests.get(link, timeout=TIMEOUT)
    assert r.status_code in (200, 400, 404, 409, 410, 422), r.status_code
    assert_vietnamese_page(r)
    assert USED_RE.search(text_of(r)), "reused token: %r" % text_of(r)[:500]
    assert account_status(srv, data["email"]) == "active"
    logged_in(srv, data)


@pytest.mark.parametrize("alter", ["last-char", "first-char", "truncated", "extended", "junk",
                                   "empty", "missing"])
def test_activation_altered_token(srv, alter):
    data = register_ok(srv)
    _, _, link = wait_mail(srv, data["email"], "/activate")
    tok = token_of(link)
    flip = lambda c: "A" if c != "A" else "B"  # noqa: E731
    bad = {"last-char": tok[:-1] + flip(tok[-1]), "first-char": flip(tok[0]) + tok[1:],
           "truncated": tok[:-1], "extended": tok + "A", "junk": "%3Cscript%3E" + MARKER_WORD,
           "empty": "", "missing": None}[alter]
    url = srv.url + "/activate" + ("" if bad is None else "?token=" + bad)
    r = requests.get(url, timeout=TIMEOUT)
    assert r.status_code in (200, 400, 404, 410, 422), r.status_code
    assert_vietnamese_page(r)
    assert INVALID_RE.search(text_of(r)), "altered token: %r" % text_of(r)[:500]
    assert not ACTIVATED_RE.search(text_of(r)), text_of(r)[:500]
    assert MARKER_WORD not in r.text
    assert account_status(srv, data["email"]) == "inactive"
    # the real token still works afterwards
    r = requests.get(link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r)) and account_status(srv, data["email"]) == "active"


def test_activation_expires_after_24_hours(servers):
    srv = servers.start()
    early, late = register_ok(srv), register_ok(srv)
    _, _, early_link = wait_mail(srv, early["email"], "/activate")
    _, _, late_link = wait_mail(srv, late["email"], "/activate")
    srv = servers.restart(srv, args=["--clock-offset", str(23 * 3600)])
    r = requests.get(early_link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r)), "23 h old token refused: %r" % text_of(r)[:400]
    srv = servers.restart(srv, args=["--clock-offset", "90000"])
    r = requests.get(late_link, timeout=TIMEOUT)
    assert r.status_code in (200, 400, 410, 422), r.status_code
    assert_vietnamese_page(r)
    assert EXPIRED_RE.search(text_of(r)), "expired token: %r" % text_of(r)[:500]
    assert has_link(r, "/activate/resend"), "the expired page has no link to /activate/resend"
    assert account_status(srv, late["email"]) == "inactive"
    s, r = login(srv, late["email"], late["password"])
    assert r.status_code != 303 and NOT_ACTIVE_RE.search(text_of(r))
    # a new link, asked for at +25 h, works
    before = set(maildir_files(srv))
    r = post_form(srv, new_session(), "/activate/resend", {"email": late["email"]})
    assert r.status_code in (200, 303), r.status_code
    _, _, link = wait_mail(srv, late["email"], "/activate", skip=before)
    r = requests.get(link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r)), text_of(r)[:400]
    assert account_status(srv, late["email"]) == "active"


def test_clock_offset_from_environment(servers):
    srv = servers.start()
    data = register_ok(srv)
    _, _, link = wait_mail(srv, data["email"], "/activate")
    srv = servers.restart(srv, args=[], env={"MOTCUA_CLOCK_OFFSET": "90000"})
    r = requests.get(link, timeout=TIMEOUT)
    assert EXPIRED_RE.search(text_of(r)), "MOTCUA_CLOCK_OFFSET=90000: %r" % text_of(r)[:300]
    assert account_status(srv, data["email"]) == "inactive"


def resend(srv, addr):
    s = new_session()
    r = post_form(srv, s, "/activate/resend", {"email": addr})
    if r.status_code == 303:
        r = s.get(srv.url + r.headers["Location"] if r.headers["Location"].startswith("/")
                  else r.headers["Location"], timeout=TIMEOUT)
    return r


def test_resend_same_answer_and_new_link(srv):
    data = register_ok(srv)
    wait_mail(srv, data["email"], "/activate")
    before = set(maildir_files(srv))
    unknown = unique_email("khong.co")
    r1 = resend(srv, data["email"])
    r2 = resend(srv, unknown)
    assert r1.status_code == r2.status_code == 200, (r1.status_code, r2.status_code)
    assert (visible_text_without(r1, data["email"]) == visible_text_without(r2, unknown)), (
        text_of(r1)[:400], text_of(r2)[:400])
    _, _, link = wait_mail(srv, data["email"], "/activate", skip=before)
    time.sleep(1)
    assert not mails_to(srv, unknown)
    r = requests.get(link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r))
    assert account_status(srv, data["email"]) == "active"
    r3 = resend(srv, data["email"])  # an active account: still the same answer
    assert r3.status_code == 200
    assert visible_text_without(r3, data["email"]) == visible_text_without(r2, unknown)


@pytest.mark.parametrize("path", ["/activate/resend", "/password/forgot"])
def test_repeated_requests_same_answer_for_known_and_unknown(servers, path):
    """Asked 8 times in a row, an address with an account and one without get the same
    sequence of answers (a limit that only counts real accounts would tell them apart)."""
    answers = {}
    for kind in ("known", "unknown"):
        srv = servers.start()
        data = citizen(email="ton.tai.%s@example.vn" % ("x" * 5))
        register_ok(srv, data)
        if path == "/password/forgot":
            activate(srv, data)
        addr = data["email"] if kind == "known" else "khong.ton.tai@example.vn"
        seq = []
        for i in range(8):
            s = new_session()
            r = post_form(srv, s, path, {"email": addr})
            if r.status_code in REDIRECTS:
                r = follow(s, r, srv.url)
            seq.append((r.status_code, visible_text_without(r, addr)))
        answers[kind] = seq
    for i, (k, u) in enumerate(zip(answers["known"], answers["unknown"])):
        assert k == u, "answer %d differs: known %r / unknown %r" % (i + 1, (k[0], k[1][:200]),
                                                                      (u[0], u[1][:200]))


# ---- login ----

def test_login_wrong_password_and_unknown_email_same_message(srv):
    data = active_account(srv)
    s1, r1 = login(srv, data["email"], data["password"] + "x")
    s2, r2 = login(srv, "khong.ai.%s" % data["email"], data["password"])
    assert r1.status_code == r2.status_code, (r1.status_code, r2.status_code)
    assert r1.status_code not in REDIRECTS and r1.status_code < 500
    assert_vietnamese_page(r1)
    t1 = visible_text_without(r1, data["email"])
    t2 = visible_text_without(r2, "khong.ai.%s" % data["email"])
    assert t1 == t2, (t1[:400], t2[:400])
    assert_anonymous(srv, s1)
    assert_anonymous(srv, s2)


def test_login_cookie_attributes_and_rotation(srv):
    data = active_account(srv)
    s = new_session()
    csrf_of(s, srv.url + "/login")
    before = {c.name: c.value for c in s.cookies}
    s, r = login(srv, data["email"], data["password"], session=s)
    assert_login_ok(srv, r, s)
    cookies = live_cookies(r)
    assert cookies, "login set no cookie: %r" % set_cookies(r)
    for name, value, attrs in cookies:
        assert "httponly" in attrs, (name, attrs)
        assert attrs.get("samesite", "").lower() == "lax", (name, attrs)
        assert attrs.get("path") == "/", (name, attrs)
        assert "secure" not in attrs, "Secure on an http:// base URL: %r" % attrs
        assert before.get(name) != value, "cookie %s kept its pre-login value" % name
    first = {n: v for n, v, _ in cookies}
    s2, r2 = login(srv, data["email"], data["password"], session=s)
    assert r2.status_code == 303
    second = {n: v for n, v, _ in live_cookies(r2)}
    common = set(first) & set(second)
    assert common, "the second login set no session cookie (%r, %r)" % (first, second)
    for n in common:
        assert first[n] != second[n], "session cookie %s not rotated at login" % n


def test_login_fixation_cookie_is_replaced(srv):
    """A visitor arriving with a session cookie chosen by someone else gets a new one."""
    data = active_account(srv)
    s = logged_in(srv, data)
    planted = {c.name: c.value for c in s.cookies}
    victim = new_session()
    for k, v in planted.items():
        victim.cookies.set(k, v)
    victim, r = login(srv, data["email"], data["password"], session=victim)
    assert r.status_code == 303
    for name, value, _ in live_cookies(r):
        assert planted.get(name) != value


def test_secure_cookie_when_base_url_is_https(servers):
    srv = servers.start(args=["--base-url", "https://dichvucong.thanhhoa.example.vn"],
                        demo_password="Demo-Mat-Khau-2026")
    addr = parse_accounts(srv)[0]
    g = requests.get(srv.url + "/login", timeout=TIMEOUT)
    tok = csrf_in(g)
    cookie = "; ".join("%s=%s" % (n, v) for n, v, _ in live_cookies(g))
    r = requests.post(srv.url + "/login", data={"email": addr, "password": "Demo-Mat-Khau-2026",
                                                "csrf_token": tok},
                      headers={"Cookie": cookie} if cookie else {}, timeout=TIMEOUT,
                      allow_redirects=False)
    assert r.status_code == 303, (r.status_code, text_of(r)[:300])
    cookies = live_cookies(r)
    assert cookies
    for name, value, attrs in cookies:
        assert "secure" in attrs, "no Secure with an https base URL: %s %r" % (name, attrs)
        assert "httponly" in attrs and attrs.get("samesite", "").lower() == "lax"


def parse_accounts(srv):
    out = []
    for line in srv.demo_output.splitlines():
        m = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", line)
        if m:
            out.append(m.group(0))
    assert out, srv.demo_output
    return out


def assert_429(r):
    assert r.status_code == 429, "wanted 429, got %d: %r" % (r.status_code, text_of(r)[:300])
    assert_vietnamese_page(r)
    assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]",
                     text_of(r), re.I), text_of(r)[:300]


def test_login_rate_limit(srv):
    data = active_account(srv)
    for i in range(5):
        s, r = login(srv, data["email"], "Sai-mat-khau-%d" % i)
        assert r.status_code != 303 and r.status_code != 429, (i, r.status_code)
    s, r = login(srv, data["email"], data["password"])
    assert_429(r)
    assert_anonymous(srv, s, "the session of a blocked login")
    s, r = login(srv, data["email"], data["password"])
    assert_429(r)


def test_login_four_failures_do_not_block(srv):
    data = active_account(srv)
    for i in range(4):
        login(srv, data["email"], "Sai-mat-khau-%d" % i)
    s, r = login(srv, data["email"], data["password"])
    assert_login_ok(srv, r, s)


def test_failures_on_one_account_do_not_lock_out_another(srv):
    """The limit is about the account being guessed: five typos on A do not block B's correct
    login from the same address (all citizens behind one commune office NAT, or behind the
    reverse proxy in front of motcua, share an address)."""
    a, b = active_account(srv), active_account(srv)
    for i in range(5):
        login(srv, a["email"], "Sai-mat-khau-%d" % i)
    s, r = login(srv, b["email"], b["password"])
    assert r.status_code == 303, "B refused (%d) after 5 failed logins on A: %r" % (
        r.status_code, text_of(r)[:200])


def test_login_block_ends(servers):
    srv = servers.start()
    data = active_account(srv)
    for i in range(6):
        login(srv, data["email"], "Sai-mat-khau-%d" % i)
    assert login(srv, data["email"], data["password"])[1].status_code == 429
    srv = servers.restart(srv, args=["--clock-offset", str(2 * 3600)])
    s, r = login(srv, data["email"], data["password"])
    assert_login_ok(srv, r, s)


# ---- logout ----

def test_logout(srv):
    data = active_account(srv)
    s = logged_in(srv, data)
    old = copy_session(s)
    r = s.get(srv.url + "/logout", timeout=TIMEOUT, allow_redirects=False)
    assert profile_status(srv, s) == 200, "GET /logout ended the session (%d)" % r.status_code
    r = s.post(srv.url + "/logout", data={}, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 403, "logout without CSRF token: %d" % r.status_code
    assert profile_status(srv, s) == 200
    tok = csrf_of(s, srv.url + "/profile")
    r = s.post(srv.url + "/logout", data={"csrf_token": tok}, timeout=TIMEOUT,
               allow_redirects=False)
    assert r.status_code in (200, 303), r.status_code
    assert_anonymous(srv, s)
    assert_anonymous(srv, old, "the cookie from before logout")


# ---- profile ----

def test_profile_anonymous(shared):
    assert_anonymous(shared, new_session())


def test_profile_shows_and_updates(srv):
    data = active_account(srv)
    s = logged_in(srv, data)
    r = s.get(srv.url + "/profile", timeout=TIMEOUT)
    assert r.status_code == 200
    assert_vietnamese_page(r)
    page = r.text
    for k in ("email", "full_name", "phone"):
        assert data[k] in page, "%s not shown on /profile" % k
    r = post_form(srv, s, "/profile", {"phone": "+84981234567",
                                       "address": "  Số 9, phố Hàng Bông, Hà Nội  "})
    assert r.status_code in (200, 303), (r.status_code, text_of(r)[:300])
    row = account_row(srv, data["email"])
    assert row["phone"] == "0981234567" and row["address"] == "Số 9, phố Hàng Bông, Hà Nội", row
    r = s.get(srv.url + "/profile", timeout=TIMEOUT)
    assert "0981234567" in r.text and "Số 9, phố Hàng Bông, Hà Nội" in r.text
    # an invalid phone is refused and changes nothing
    r = post_form(srv, s, "/profile", {"phone": "0201234567", "address": "Khác"})
    assert_field_error(r, "phone")
    row = account_row(srv, data["email"])
    assert row["phone"] == "0981234567" and row["address"] == "Số 9, phố Hàng Bông, Hà Nội"


@pytest.mark.parametrize("path,fields", [
    ("/profile", {"phone": "0981234567", "address": "X"}),
    ("/profile/password", {"current_password": "x", "password": "Moi-Mat-Khau-2026",
                           "password_confirm": "Moi-Mat-Khau-2026"}),
    ("/profile/email", {"email": "moi@example.vn"}),
])
def test_profile_forms_need_csrf(srv, path, fields):
    data = active_account(srv)
    s = logged_in(srv, data)
    fields = dict(fields)
    if "current_password" in fields:
        fields["current_password"] = data["password"]
    r = s.post(srv.url + path, data=fields, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 403, "%s without CSRF: %d" % (path, r.status_code)
    r = s.post(srv.url + path, data=dict(fields, csrf_token="A" * 43), timeout=TIMEOUT,
               allow_redirects=False)
    assert r.status_code == 403, "%s with a wrong CSRF token: %d" % (path, r.status_code)
    row = account_row(srv, data["email"])
    assert row["phone"] == data["phone"]
    logged_in(srv, data)  # the password did not change


def test_change_password_revokes_other_sessions(srv):
    data = active_account(srv)
    a, b = logged_in(srv, data), logged_in(srv, data)
    new = "Doi-Mat-Khau-Moi-2026"
    r = post_form(srv, a, "/profile/password", {"current_password": data["password"],
                                                "password": new, "password_confirm": new})
    assert r.status_code in (200, 303), (r.status_code, text_of(r)[:300])
    assert profile_status(srv, a) == 200, "the session that changed the password was ended"
    assert_anonymous(srv, b, "another session after a password change")
    s, r = login(srv, data["email"], data["password"])
    assert r.status_code != 303, "the old password still works"
    logged_in(srv, dict(data, password=new))
    assert account_row(srv, data["email"])["password_hash"].startswith("$argon2id$")


def test_change_password_needs_current_and_rules(srv):
    data = active_account(srv)
    a = logged_in(srv, data)
    new = "Doi-Mat-Khau-Moi-2026"
    r = post_form(srv, a, "/profile/password", {"current_password": "Khong-dung-123",
                                                "password": new, "password_confirm": new})
    assert_field_error(r, "current_password")
    r = post_form(srv, a, "/profile/password", {"current_password": data["password"],
                                                "password": "matkhau123",
                                                "password_confirm": "matkhau123"})
    assert_field_error(r, "password")
    logged_in(srv, data)


def test_change_email(srv):
    data = active_account(srv)
    s = logged_in(srv, data)
    new = unique_email("dia.chi.moi")
    r = post_form(srv, s, "/profile/email", {"email": new})
    assert r.status_code in (200, 303), (r.status_code, text_of(r)[:300])
    _, msg, link = wait_mail(srv, new, "/email/confirm")
    assert TOKEN_RE.match(token_of(link)), link
    assert account_row(srv, data["email"])["email"] == data["email"], "changed before confirming"
    r = s.get(link, timeout=TIMEOUT)
    assert r.status_code == 200, r.status_code
    assert_vietnamese_page(r)
    row = account_row(srv, new)
    assert row is not None and row["email"] == new, "the new address was not saved"
    logged_in(srv, dict(data, email=new))
    s2, r = login(srv, data["email"], data["password"])
    assert r.status_code != 303, "the old address still logs in"
    r = s.get(link, timeout=TIMEOUT)  # used twice
    assert r.status_code < 500, r.status_code
    assert USED_RE.search(text_of(r)) or INVALID_RE.search(text_of(r)), text_of(r)[:300]
    assert account_row(srv, new)["email"] == new


def test_change_email_to_taken_address_never_duplicates(srv):
    other = active_account(srv)
    data = active_account(srv)
    s = logged_in(srv, data)
    r = post_form(srv, s, "/profile/email", {"email": other["email"].upper()})
    assert r.status_code < 500
    if r.status_code == 422:
        assert_field_error(r, "email")
    else:
        try:
            _, _, link = wait_mail(srv, other["email"], "/email/confirm", timeout=5)
        except AssertionError:
            link = None
        if link:
            s.get(link, timeout=TIMEOUT)
    keys = [e.lower() for (e,) in db_rows(srv, "SELECT email FROM accounts")]
    assert len(keys) == len(set(keys)), keys
    logged_in(srv, other)


def test_email_change_to_an_address_registered_meanwhile(srv):
    """A asks to move to X; before A confirms, someone registers X.  Confirming must not give two
    accounts the same address, nor fail with a 5xx."""
    a = active_account(srv)
    s = logged_in(srv, a)
    x = unique_email("tranh.chap")
    r = post_form(srv, s, "/profile/email", {"email": x})
    assert r.status_code in (200, 303), r.status_code
    _, _, link = wait_mail(srv, x, "/email/confirm")
    register_ok(srv, citizen(email=x))
    r = s.get(link, timeout=TIMEOUT)
    assert r.status_code < 500, "confirming a taken address: %d %r" % (r.status_code,
                                                                     text_of(r)[:300])
    keys = [e.lower() for (e,) in db_rows(srv, "SELECT email FROM accounts")]
    assert len(keys) == len(set(keys)), keys
    assert account_row(srv, a["email"]) is not None, "A lost its address"


# ---- forgotten password ----

def forgot(srv, addr):
    s = new_session()
    r = post_form(srv, s, "/password/forgot", {"email": addr})
    if r.status_code == 303:
        loc = r.headers["Location"]
        r = s.get(srv.url + loc if loc.startswith("/") else loc, timeout=TIMEOUT)
    return r


def test_forgot_same_answer(srv):
    data = active_account(srv)
    unknown = unique_email("khong.co")
    r1, r2 = forgot(srv, data["email"]), forgot(srv, unknown)
    assert r1.status_code == r2.status_code == 200
    assert_vietnamese_page(r1)
    assert visible_text_without(r1, data["email"]) == visible_text_without(r2, unknown)
    wait_mail(srv, data["email"], "/password/reset")
    time.sleep(1)
    assert not mails_to(srv, unknown)


def reset(srv, link, password, confirm=None, session=None):
    s = session or new_session()
    g = s.get(link, timeout=TIMEOUT)
    assert g.status_code == 200, g.status_code
    return g, s.post(srv.url + "/password/reset",
                     data={"token": token_of(link), "password": password,
                           "password_confirm": confirm or password, "csrf_token": csrf_in(g)},
                     timeout=TIMEOUT, allow_redirects=False)


def test_password_reset(srv):
    data = active_account(srv)
    a = logged_in(srv, data)
    forgot(srv, data["email"])
    _, _, link = wait_mail(srv, data["email"], "/password/reset")
    assert TOKEN_RE.match(token_of(link)), link
    new = "Mat-Khau-Dat-Lai-2026"
    g, r = reset(srv, link, new)
    soup = soup_of(g)
    assert soup.find("input", attrs={"name": "password", "type": "password"}) is not None
    assert soup.find("input", attrs={"name": "password_confirm"}) is not None
    assert r.status_code in (200, 303), (r.status_code, text_of(r)[:300])
    assert_anonymous(srv, a, "a session from before the reset")
    s, r = login(srv, data["email"], data["password"])
    assert r.status_code != 303, "the old password still works"
    logged_in(srv, dict(data, password=new))
    # the token is used up
    third = "Lan-Thu-Ba-Dat-Lai-2026"
    s = new_session()
    g = s.get(link, timeout=TIMEOUT)
    assert g.status_code < 500
    tok = csrf_of(s, srv.url + "/password/forgot")
    r = s.post(srv.url + "/password/reset", data={"token": token_of(link), "password": third,
                                                  "password_confirm": third, "csrf_token": tok},
               timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code < 500, r.status_code
    assert login(srv, data["email"], third)[1].status_code != 303, \
        "a used reset token set the password again"
    logged_in(srv, dict(data, password=new))


def test_password_reset_rules_and_bad_token(srv):
    data = active_account(srv)
    forgot(srv, data["email"])
    _, _, link = wait_mail(srv, data["email"], "/password/reset")
    g, r = reset(srv, link, "1234567890")
    assert_field_error(r, "password")
    g, r = reset(srv, link, "Mat-Khau-Dat-Lai-2026", "Mat-Khau-Khac-2026")
    assert_field_error(r, "password_confirm")
    tok = token_of(link)
    bad = srv.url + "/password/reset?token=" + tok[:-1] + ("A" if tok[-1] != "A" else "B")
    r = requests.get(bad, timeout=TIMEOUT)
    assert r.status_code < 500
    assert INVALID_RE.search(text_of(r)) or r.status_code in (400, 404, 410), text_of(r)[:300]
    logged_in(srv, data)


# ---- sessions in time ----

def test_session_idle_timeout(servers):
    srv = servers.start()
    data = active_account(srv)
    s = logged_in(srv, data)
    srv = servers.restart(srv, args=["--clock-offset", str(29 * 60)])
    assert profile_status(srv, s) == 200, "the session ended after 29 minutes"
    srv = servers.restart(srv, args=["--clock-offset", str(29 * 60 + 31 * 60)])
    assert_anonymous(srv, s, "a session idle for 31 minutes")


def test_session_absolute_timeout(servers):
    srv = servers.start()
    data = active_account(srv)
    s = logged_in(srv, data)
    step = 28 * 60
    k = 0
    while True:
        k += 1
        offset = k * step
        srv = servers.restart(srv, args=["--clock-offset", str(offset)])
        if offset < 12 * 3600 - 60:
            assert profile_status(srv, s) == 200, "session refused at +%d min" % (offset // 60)
        else:
            assert offset <= 13 * 3600
            assert_anonymous(srv, s, "a session %d minutes old" % (offset // 60))
            break


def test_session_cookie_unusable_after_13_hours(servers):
    srv = servers.start()
    data = active_account(srv)
    s = logged_in(srv, data)
    srv = servers.restart(srv, args=["--clock-offset", str(13 * 3600)])
    assert_anonymous(srv, s, "a 13-hour-old session")


# ---- argon2 off the event loops ----

# Probes GET /healthz from its own process (so the 20 client threads here cannot delay it) until
# its stdin closes; prints the latencies in milliseconds as JSON.
PROBE = r"""
import json, select, socket, sys, time
port = int(sys.argv[1])
out = []
while not select.select([sys.stdin], [], [], 0)[0]:
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    buf = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        buf += c
    s.close()
    out.append([round((time.monotonic() - t0) * 1000, 1), buf[9:12].decode()])
    time.sleep(0.01)
print(json.dumps(out))
"""


def test_healthz_fast_while_20_clients_log_in(servers):
    srv = servers.start(demo_password="Demo-Mat-Khau-2026", threads=2)
    addr = parse_accounts(srv)[0]
    n = 20
    sessions = [new_session() for _ in range(n)]
    tokens = [csrf_of(s, srv.url + "/login") for s in sessions]
    barrier = threading.Barrier(n + 1)
    results = [None] * n

    def one(i):
        barrier.wait()
        r = sessions[i].post(srv.url + "/login", data={"email": addr, "password":
                                                       "Demo-Mat-Khau-2026",
                                                       "csrf_token": tokens[i]},
                             timeout=120, allow_redirects=False)
        results[i] = r.status_code

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    http_get(srv.host, srv.port, "/healthz")  # warm
    probe = subprocess.Popen([sys.executable, "-c", PROBE, str(srv.port)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    time.sleep(0.2)
    barrier.wait()
    started = time.monotonic()
    for t in threads:
        t.join()
    total = time.monotonic() - started
    out, _ = probe.communicate("", timeout=30)
    times = json.loads(out)
    assert results == [303] * n, results
    assert len(times) >= 5, "the logins took %.3f s: too quick to measure anything" % total
    assert all(status == "200" for _, status in times), times
    # Password hashing on an event loop would stall every probe behind it (20 argon2 runs take
    # seconds): the typical probe stays quick.  A single slow probe is the machine's doing (other
    # processes share its two cores), not a stalled loop, so the median is what is judged.
    ms = sorted(t for t, _ in times)
    median = ms[len(ms) // 2]
    assert median <= 50 and ms[-1] < 1500, \
        "/healthz median %.1f ms, slowest %.1f ms (of %d probes during %.2f s of logins)" % (
            median, ms[-1], len(times), total)
