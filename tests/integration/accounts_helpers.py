"""Helpers for the accounts tests (tests/integration/test_accounts.py, test_mail.py and
tests/browser/test_register.py): a MotcuaServer with extra settings, valid account data, the
forms with their CSRF token, the mail the server sends, and the database.

Only reuses tests/motcua_server.py; nothing there is changed.
"""
import email
import email.policy
import email.utils
import glob
import itertools
import os
import random
import re
import sqlite3
import subprocess
import threading
import time
import unicodedata
from urllib.parse import urlsplit

import requests
from bs4 import BeautifulSoup

from motcua_server import MotcuaServer, binary, clean_env, free_port

TIMEOUT = 15  # seconds for one HTTP request (argon2 hashing can be slow on a busy machine)
REDIRECTS = (301, 302, 303, 307, 308)

# What the Vietnamese pages say (the contract gives the meaning, not the wording).
ACTIVATED_RE = re.compile(r"đã được kích hoạt|đã kích hoạt|kích hoạt thành công", re.I)
USED_RE = re.compile(r"đã được sử dụng|đã sử dụng|đã dùng|đã được dùng", re.I)
EXPIRED_RE = re.compile(r"hết hạn", re.I)
INVALID_RE = re.compile(r"không hợp lệ", re.I)
CHECK_MAIL_RE = re.compile(r"kiểm tra|hộp thư", re.I)
NOT_ACTIVE_RE = re.compile(r"chưa (được )?kích hoạt", re.I)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


# ---- a server with extra settings ----

class AccountsServer(MotcuaServer):
    """MotcuaServer plus extra command-line settings ('args', placed before 'serve') and
    MOTCUA_* environment variables ('env')."""

    def __init__(self, workdir, args=(), env=None, **kw):
        super().__init__(workdir, **kw)
        self.extra_args = list(args)
        self.extra_env = dict(env or {})

    def start(self, timeout=10.0):
        listen = "%s:%d" % (self.host, self.port)
        args = ["--data", self.data, "--listen", listen, "--threads", str(self.threads)]
        args += self.extra_args + ["serve"]
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([binary()] + args, env=clean_env(self.extra_env),
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err)
        self.wait_healthy(timeout)
        return self

    @property
    def db_path(self):
        return os.path.join(self.data, "motcua.db")

    @property
    def maildir(self):
        return os.path.join(self.data, "mail", "new")


class Servers:
    """Starts AccountsServers in folders under 'root'; close() stops each one still running and
    checks it exited 0."""

    def __init__(self, root):
        self.root = str(root)
        self.started = []

    def start(self, args=(), env=None, demo_password=None, data=None, port=None, threads=2):
        workdir = os.path.join(self.root, "srv%d" % len(self.started))
        os.makedirs(workdir)
        srv = AccountsServer(workdir, args=args, env=env, data=data, port=port, threads=threads)
        if demo_password is not None:
            r = srv.cli("--password", demo_password, "demo")
            assert r.returncode == 0, "motcua demo failed (%d): %s" % (r.returncode, r.stderr)
            srv.demo_output = r.stdout
        self.started.append(srv)
        return srv.start()

    def restart(self, srv, args=None, env=None):
        """Stop 'srv' (it must exit 0) and start a new server on the same data folder and port,
        with 'args' (default: the same as before)."""
        stop_ok(srv)
        if args is None:
            args = srv.extra_args
        if env is None:
            env = srv.extra_env
        for attempt in range(50):
            try:
                return self.start(args=args, env=env, data=srv.data, port=srv.port,
                                  threads=srv.threads)
            except RuntimeError as e:  # the port may linger for a moment
                if attempt == 49 or "exited" not in str(e):
                    raise
                self.started.pop()
                time.sleep(0.1)

    def close(self):
        errors = []
        for srv in self.started:
            if srv.proc is not None:
                rc = srv.stop()
                if rc != 0:
                    errors.append("motcua serve exited %r; stderr:\n%s" % (rc, srv.stderr()))
        assert not errors, "\n".join(errors)


def stop_ok(srv):
    rc = srv.stop()
    assert rc == 0, "motcua serve did not exit 0 on SIGTERM (%r); stderr:\n%s" % (rc, srv.stderr())


# ---- valid account data ----

_seq = itertools.count(1)
_rnd = random.Random()
_lock = threading.Lock()
_used_ids = set()


def _digits(n):
    return "".join(_rnd.choice("0123456789") for _ in range(n))


def citizen_id(birth_year=1990, female=False, province="038"):
    """A valid 12-digit căn cước number for someone born in 'birth_year', never returned twice."""
    century = (birth_year // 100) - 19  # 1900s → 0, 2000s → 1
    digit = century * 2 + (1 if female else 0)
    while True:
        cid = "%s%d%02d%s" % (province, digit, birth_year % 100, _digits(6))
        with _lock:
            if cid not in _used_ids:
                _used_ids.add(cid)
                return cid


def mst_check_digit(nine):
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    s = sum(int(d) * w for d, w in zip(nine, weights))
    c = 10 - s % 11
    return None if c == 10 else c % 10


def tax_code():
    """A random valid 10-digit mã số thuế."""
    while True:
        nine = "0" + _rnd.choice("123456789") + _digits(7)
        c = mst_check_digit(nine)
        if c is not None:
            return nine + str(c)


def unique_email(prefix="cong.dan"):
    return "%s.%d.%s@example.vn" % (prefix, next(_seq), _digits(5))


def mobile(prefix="091"):
    return prefix + _digits(7)


def citizen(**over):
    """Form fields of a valid citizen registration; 'over' replaces fields."""
    n = next(_seq)
    d = {
        "account_type": "citizen",
        "full_name": "Nguyễn Văn An",
        "email": unique_email(),
        "phone": mobile("091"),
        "citizen_id": citizen_id(1990),
        "birth_date": "1990-05-17",
        "address": "Số %d, đường Lê Lợi, phường Điện Biên, TP Thanh Hóa" % n,
        "password": "Suoi-Xanh-Ngan-Nam-%d" % n,
    }
    d.update(over)
    d.setdefault("password_confirm", d["password"])
    if "password" in over and "password_confirm" not in over:
        d["password_confirm"] = d["password"]
    return d


def business(**over):
    d = citizen(account_type="business", email=unique_email("doanh.nghiep"),
                organization_name="Công ty TNHH Sông Mã", tax_code=tax_code())
    d.update(over)
    if "password" in over and "password_confirm" not in over:
        d["password_confirm"] = d["password"]
    return d


# ---- pages and forms ----

class _Session(requests.Session):
    """Sends Secure cookies to http://127.0.0.1 too: servers started with an https base URL are
    still reached over plain HTTP here (the Set-Cookie attributes are checked on their own)."""

    def prepare_request(self, request):
        for c in self.cookies:
            c.secure = False
        return super().prepare_request(request)


def new_session():
    return _Session()


def soup_of(r):
    return BeautifulSoup(r.content.decode("utf-8"), "html.parser")


def text_of(r):
    return " ".join(soup_of(r).get_text(" ").split())


def csrf_of(session, url):
    """The csrf_token of the first form on the page at 'url' (GET with this cookie jar)."""
    r = session.get(url, timeout=TIMEOUT, allow_redirects=True)
    assert r.status_code == 200, "GET %s: %d %r" % (url, r.status_code, r.text[:300])
    return csrf_in(r, url)


def csrf_in(r, what=""):
    el = soup_of(r).find("input", attrs={"name": "csrf_token"})
    assert el is not None and el.get("value"), "no hidden csrf_token in %s: %r" % (
        what or r.url, r.text[:500])
    assert el.get("type", "").lower() == "hidden", str(el)
    return el["value"]


def post_form(srv, session, path, data, form_path=None, csrf=True):
    """GET 'form_path' (default 'path') for its CSRF token, then POST 'data' to 'path' without
    following redirects."""
    data = dict(data)
    if csrf:
        data["csrf_token"] = csrf_of(session, srv.url + (form_path or path))
    return session.post(srv.url + path, data=data, timeout=TIMEOUT, allow_redirects=False)


def follow(session, r, base):
    """Follow one redirect of response 'r' (relative Location resolved against 'base')."""
    assert r.status_code in REDIRECTS, r.status_code
    loc = r.headers["Location"]
    if loc.startswith("/"):
        loc = base + loc
    return session.get(loc, timeout=TIMEOUT, allow_redirects=False)


def register(srv, data, session=None, csrf=True):
    session = session or new_session()
    return post_form(srv, session, "/register", data, csrf=csrf)


def assert_registered(srv, r, session=None):
    """Registration succeeded: 200, or 303 to a page, telling the visitor to check the mail."""
    assert r.status_code in (200, 303), "registration refused: %d %s" % (
        r.status_code, describe_errors(r))
    if r.status_code == 303:
        r = follow(session or new_session(), r, srv.url)
        assert r.status_code == 200, (r.status_code, r.text[:300])
    assert_vietnamese_page(r)
    assert CHECK_MAIL_RE.search(text_of(r)), "no 'check your mail' in %r" % text_of(r)[:600]
    assert soup_of(r).select_one(".error-summary") is None
    return r


def form_errors(r):
    """(fields linked from the .error-summary or None without a summary,
        fields with a non-empty '<field>-error' element)."""
    soup = soup_of(r)
    summary = soup.select_one(".error-summary")
    linked = None
    if summary is not None:
        linked = [a["href"][1:] for a in summary.find_all("a", href=True)
                  if a["href"].startswith("#")]
    beside = {el["id"][:-len("-error")] for el in soup.find_all(id=re.compile(r"-error$"))
              if el.get_text(strip=True)}
    return linked, beside


def describe_errors(r):
    try:
        linked, beside = form_errors(r)
    except Exception:  # noqa: BLE001
        linked, beside = None, None
    return "summary links %r, field errors %r, text %r" % (linked, beside, text_of(r)[:400])


def assert_field_error(r, field):
    """A 422 with an error summary at the top linking to #field and a message beside it."""
    assert r.status_code == 422, "wanted 422 for %s, got %d: %s" % (
        field, r.status_code, describe_errors(r))
    assert_vietnamese_page(r)
    linked, beside = form_errors(r)
    assert linked is not None, "no .error-summary on the 422 page"
    assert field in linked, "the error summary links %r, not #%s" % (linked, field)
    assert field in beside, "no non-empty #%s-error beside the field (have %r)" % (field, beside)
    soup = soup_of(r)
    target = soup.find(id=field)
    assert target is not None, "the summary links #%s but no element has id=%s" % (field, field)
    summary = soup.select_one(".error-summary")
    first_form = soup.find("form")
    if first_form is not None:
        # "at the top": the summary comes before the form's fields
        fields = first_form.find_all(["input", "select", "textarea"])
        visible = [f for f in fields if f.get("type") != "hidden"]
        if visible:
            assert summary.sourceline < visible[0].sourceline or (
                summary.sourceline == visible[0].sourceline
                and summary.sourcepos < visible[0].sourcepos), "the error summary is not at the top"


def input_value(r, name):
    """The value the page puts in the field 'name' (input value, selected option, checked
    radio, textarea text)."""
    soup = soup_of(r)
    els = soup.find_all(attrs={"name": name})
    assert els, "no field named %s" % name
    for el in els:
        if el.name == "textarea":
            return el.get_text()
        if el.name == "select":
            opt = el.find("option", selected=True)
            return opt.get("value", opt.get_text()) if opt else None
        if el.get("type", "").lower() in ("radio", "checkbox"):
            if el.has_attr("checked"):
                return el.get("value")
            continue
        return el.get("value")
    return None


def assert_vietnamese_page(r):
    assert r.headers.get("content-type", "").lower().startswith("text/html"), r.headers
    soup = soup_of(r)
    assert soup.html is not None and soup.html.get("lang") == "vi", r.text[:300]


# ---- logging in ----

def login(srv, email_addr, password, session=None):
    session = session or new_session()
    r = post_form(srv, session, "/login", {"email": email_addr, "password": password})
    return session, r


def assert_login_ok(srv, r, session):
    assert r.status_code == 303, "login refused: %d %r" % (r.status_code, text_of(r)[:500])
    assert profile_status(srv, session) == 200


def profile_status(srv, session):
    r = session.get(srv.url + "/profile", timeout=TIMEOUT, allow_redirects=False)
    return r.status_code


def assert_anonymous(srv, session, what="the session"):
    """GET /profile is refused: a redirect to /login, or 403."""
    r = session.get(srv.url + "/profile", timeout=TIMEOUT, allow_redirects=False)
    if r.status_code in REDIRECTS:
        assert "/login" in r.headers.get("Location", ""), r.headers
    else:
        assert r.status_code == 403, "%s still works: GET /profile → %d %r" % (
            what, r.status_code, text_of(r)[:300])


def copy_session(session):
    s = new_session()
    for c in session.cookies:
        s.cookies.set_cookie(c)
    return s


def set_cookies(r):
    """The Set-Cookie headers of response 'r' as [(name, value, {attr: value})]."""
    out = []
    for line in r.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in line.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            attrs[k.strip().lower()] = v.strip()
        out.append((name.strip(), value.strip(), attrs))
    return out


def live_cookies(r):
    """The cookies 'r' sets (not the ones it deletes)."""
    return [c for c in set_cookies(r)
            if c[1] and c[2].get("max-age") not in ("0",) and "1970" not in c[2].get("expires", "")]


# ---- mail ----

def maildir_files(srv_or_data):
    data = srv_or_data if isinstance(srv_or_data, str) else srv_or_data.data
    return sorted(p for p in glob.glob(os.path.join(data, "mail", "new", "*"))
                  if os.path.isfile(p))


def parse_mail(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def recipients(msg):
    return [a.lower() for _, a in email.utils.getaddresses(msg.get_all("To", []))]


def plain_text(msg):
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain part"
    return part.get_content()


def html_text(msg):
    part = msg.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return part.get_content()


def links(msg, path):
    """Full URLs in the text part whose path is 'path' (e.g. "/activate")."""
    found = []
    for url in re.findall(r"https?://[^\s<>\"')\]]+", plain_text(msg)):
        if urlsplit(url).path == path:
            found.append(url)
    return found


def token_of(url):
    m = re.search(r"[?&]token=([^&#\s]*)", url)
    assert m, url
    return m.group(1)


def wait_mail(srv, to, path, timeout=15.0, skip=()):
    """The first Maildir message to 'to' with a link to 'path', not in 'skip' (file names).
    Returns (file, message, link)."""
    deadline = time.monotonic() + timeout
    while True:
        for f in maildir_files(srv):
            if f in skip:
                continue
            with open(f, "rb") as fh:
                raw = fh.read()
            try:
                msg = parse_mail(raw)
                if to.lower() not in recipients(msg):
                    continue
                found = links(msg, path)
            except Exception:  # noqa: BLE001  (a file still being written)
                continue
            if found:
                return f, msg, found[0]
        if time.monotonic() > deadline:
            raise AssertionError("no mail to %s with a %s link in %s/mail/new within %.0f s "
                                 "(files: %r)" % (to, path, srv.data, timeout,
                                                  maildir_files(srv)))
        time.sleep(0.1)


def mails_to(srv, to):
    out = []
    for f in maildir_files(srv):
        with open(f, "rb") as fh:
            msg = parse_mail(fh.read())
        if to.lower() in recipients(msg):
            out.append((f, msg))
    return out


# ---- the database ----

def db_rows(srv, sql, args=()):
    con = sqlite3.connect(srv.db_path, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def account_row(srv, email_addr):
    rows = db_rows(srv, "SELECT status, password_hash, phone, full_name, email, account_type, "
                   "citizen_id, organization_name, tax_code, address FROM accounts "
                   "WHERE lower(email) = lower(?)", (email_addr,))
    if not rows:
        return None
    keys = ("status", "password_hash", "phone", "full_name", "email", "account_type",
            "citizen_id", "organization_name", "tax_code", "address")
    return dict(zip(keys, rows[0]))


def account_status(srv, email_addr):
    row = account_row(srv, email_addr)
    return row and row["status"]


# ---- whole flows ----

def register_ok(srv, data=None, **over):
    data = data or citizen(**over)
    s = new_session()
    r = register(srv, data, s)
    assert_registered(srv, r, s)
    return data


def activate(srv, data):
    """Open the activation link mailed to data['email']; returns the link."""
    _, _, link = wait_mail(srv, data["email"], "/activate")
    r = requests.get(link, timeout=TIMEOUT)
    assert r.status_code == 200, (r.status_code, text_of(r)[:300])
    assert ACTIVATED_RE.search(text_of(r)), text_of(r)[:500]
    return link


def active_account(srv, data=None, **over):
    data = register_ok(srv, data, **over)
    activate(srv, data)
    return data


def logged_in(srv, data):
    s, r = login(srv, data["email"], data["password"])
    assert_login_ok(srv, r, s)
    return s


def nfc(s):
    return unicodedata.normalize("NFC", s)


__all__ = [n for n in dir() if not n.startswith("_")] + ["free_port"]


class SmtpCollector:
    """An aiosmtpd handler keeping every envelope it accepts (in 'envelopes')."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"
