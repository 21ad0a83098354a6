"""Shared helpers for the administration tests (test_admin_org.py, test_admin_catalog.py ...).

An AdminSite is a running motcua server on a data folder filled by
`motcua --password DEMO_PASSWORD demo`, so every demo account (citizens and staff of every
role: system_admin, agency_admin, leader, intake, specialist) logs in with DEMO_PASSWORD.

Use the module-scoped pytest fixture in a test module:

    from admin_helpers import admin_site  # noqa: F401  (the fixture)

    def test_something(admin_site):
        s = admin_site.login_as("system_admin")          # a logged-in requests session
        r = admin_site.get(s, "/admin/agencies")
        r = admin_site.post(s, "/admin/agencies/new", {...})   # CSRF token added, no redirects
        assert admin_site.one("SELECT count(*) FROM agencies") == 10

or start one yourself (e.g. for a test that must not share its data):

    site = AdminSite.start(tmp_path)      # ... site.stop() (checks the exit status)

What an AdminSite offers:
    url, srv (an accounts_helpers.AccountsServer), data, db_path
    demo                                  [(role, email, password)] printed by `motcua demo`
    staff_email(role, agency_code=None)   a demo staff account with 'role' (in that agency)
    login(email, password=DEMO_PASSWORD)  a logged-in session (asserts the login worked)
    login_as(role, agency_code=None)      login(staff_email(role, agency_code))
    citizen_session()                     the demo citizen, logged in
    csrf(session, path="/admin")          the session's CSRF token, read from a page's form
    get(session, path), post(session, path, data, csrf=True, token=None)
                                          single requests, never following redirects
    rows(sql, args=()), one(sql, args=()) read the database directly (sqlite3)
    execute(sql, args=())                 write it directly (setting up odd cases only)
    agency_id(code), staff_id(email)
    make_staff(role, agency_id, department_id=None, email=None, title="...")
                                          an active staff account written straight into the
                                          database with DEMO_PASSWORD (its hash copied from the
                                          demo citizen): quick extra accounts for scope tests
    audit(entity=None, entity_id=None)    audit_log rows as dicts, newest first
    wait_mail(to, path, skip=())          (file, message, link) of a mail in the Maildir
    new_code()                            an unused electronic agency ID (e.g. "901.77.01.T01")

Module-level helpers: page_text(r), assert_flash_saved(r), assert_field_error (from
accounts_helpers: 422 + summary link + message beside the field), input_value(r, name),
field_message(r, field), location(r), REDIRECTS.
"""
import itertools
import os
import sqlite3

import pytest

from accounts_helpers import (AccountsServer, TIMEOUT, REDIRECTS, assert_field_error,  # noqa: F401
                              csrf_in, input_value, new_session, soup_of, stop_ok, text_of,
                              wait_mail)

DEMO_PASSWORD = "Demo-Admin-Pass-2026"
DEMO_CITIZEN = "congdan@example.vn"

_codes = itertools.count(1)
_emails = itertools.count(1)


def page_text(r):
    """The visible text of an HTML response, white space collapsed."""
    return text_of(r)


def location(r):
    """The path a redirect points to (scheme and host dropped)."""
    assert r.status_code in REDIRECTS, "wanted a redirect, got %d: %s" % (r.status_code,
                                                                          page_text(r)[:400])
    loc = r.headers["Location"]
    if loc.startswith("http"):
        loc = "/" + loc.split("/", 3)[3]
    return loc


def field_message(r, field):
    """The message shown beside field 'field' (its '<field>-error' element), or None."""
    el = soup_of(r).find(id=field + "-error")
    return " ".join(el.get_text(" ").split()) if el is not None else None


def assert_flash_saved(r):
    assert "Đã lưu thay đổi." in page_text(r), page_text(r)[:600]


class AdminSite:
    def __init__(self, srv, demo):
        self.srv = srv
        self.demo = demo
        self._sessions = {}

    # ---- life ----

    @classmethod
    def start(cls, root, threads=2, args=()):
        """Start a server in folder 'root' (created if needed) on fresh demo data; 'args' are
        extra settings (before 'serve'), e.g. ["--smtp", url]."""
        root = str(root)
        os.makedirs(root, exist_ok=True)
        srv = AccountsServer(root, args=args, threads=threads)
        r = srv.cli("--password", DEMO_PASSWORD, "demo")
        assert r.returncode == 0, "motcua demo failed (%d): %s" % (r.returncode, r.stderr)
        demo = []
        for line in r.stdout.splitlines():
            parts = [p.strip() for p in line.split(",")]
            if len(parts) == 3 and "@" in parts[1]:
                demo.append(tuple(parts))
        srv.start()
        site = cls(srv, demo)
        assert site.staff_email("system_admin"), "the demo data has no system administrator"
        return site

    def stop(self):
        stop_ok(self.srv)

    @property
    def url(self):
        return self.srv.url

    @property
    def data(self):
        return self.srv.data

    @property
    def db_path(self):
        return self.srv.db_path

    # ---- the database ----

    def rows(self, sql, args=()):
        con = sqlite3.connect(self.db_path, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def one(self, sql, args=()):
        rows = self.rows(sql, args)
        return rows[0][0] if rows else None

    def execute(self, sql, args=()):
        con = sqlite3.connect(self.db_path, timeout=10)
        try:
            cur = con.execute(sql, args)
            con.commit()
            return cur.lastrowid
        finally:
            con.close()

    def agency_id(self, code):
        return self.one("SELECT id FROM agencies WHERE code = ?", (code,))

    def staff_id(self, email):
        return self.one("SELECT id FROM accounts WHERE email_key = lower(?)", (email,))

    def new_code(self):
        """An electronic agency ID no agency has (the demo uses 000.xx.xx.H56)."""
        while True:
            n = next(_codes)
            code = "9%02d.77.%02d.T%02d" % (n % 100, n // 100 % 100, n % 100)
            if self.agency_id(code) is None:
                return code

    def staff_email(self, role, agency_code=None):
        """The e-mail of an active demo staff account with 'role' (in agency 'agency_code')."""
        sql = ("SELECT a.email FROM staff s JOIN accounts a ON a.id = s.account_id "
               "JOIN agencies g ON g.id = s.agency_id WHERE s.role = ? AND a.status = 'active'")
        args = [role]
        if agency_code is not None:
            sql += " AND g.code = ?"
            args.append(agency_code)
        demo_emails = {e for _, e, _ in self.demo}
        for (email_addr,) in self.rows(sql + " ORDER BY a.id", args):
            if email_addr in demo_emails:
                return email_addr
        return None

    def make_staff(self, role, agency_id, department_id=None, email=None, title="Chuyên viên",
                   full_name="Cán Bộ Thử Nghiệm"):
        """Write an active staff account straight into the database; returns (id, email,
        password).  Its password is DEMO_PASSWORD: the demo citizen's hash is copied."""
        email = email or "canbo.thu.%d.%d@example.vn" % (os.getpid(), next(_emails))
        pw_hash = self.one("SELECT password_hash FROM accounts WHERE email_key = ?",
                           (DEMO_CITIZEN,))
        assert pw_hash, "no demo citizen to copy a password hash from"
        con = sqlite3.connect(self.db_path, timeout=10)
        try:
            now = "2026-01-01T00:00:00.000Z"
            cur = con.execute(
                "INSERT INTO accounts (account_type, full_name, email, email_key, phone, address,"
                " password_hash, status, created_at, activated_at, updated_at) VALUES"
                " ('staff', ?, ?, lower(?), '0912345678', '', ?, 'active', ?, ?, ?)",
                (full_name, email, email, pw_hash, now, now, now))
            account_id = cur.lastrowid
            con.execute("INSERT INTO staff (account_id, role, agency_id, department_id, title)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (account_id, role, agency_id, department_id, title))
            con.commit()
        finally:
            con.close()
        return account_id, email, DEMO_PASSWORD

    def audit(self, entity=None, entity_id=None):
        sql = ("SELECT id, actor_name, action, entity, entity_id, agency_id, summary, "
               "before_json, after_json FROM audit_log WHERE 1 = 1")
        args = []
        if entity is not None:
            sql += " AND entity = ?"
            args.append(entity)
        if entity_id is not None:
            sql += " AND entity_id = ?"
            args.append(entity_id)
        keys = ("id", "actor_name", "action", "entity", "entity_id", "agency_id", "summary",
                "before", "after")
        import json
        out = []
        for row in self.rows(sql + " ORDER BY id DESC", args):
            d = dict(zip(keys, row))
            d["before"] = json.loads(d["before"]) if d["before"] else None
            d["after"] = json.loads(d["after"]) if d["after"] else None
            out.append(d)
        return out

    # ---- HTTP ----

    def login(self, email_addr, password=DEMO_PASSWORD):
        s = new_session()
        r = s.get(self.url + "/login", timeout=TIMEOUT)
        token = csrf_in(r)
        r = s.post(self.url + "/login", data={"email": email_addr, "password": password,
                                              "csrf_token": token},
                   timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 303, "login of %s refused: %d %s" % (email_addr, r.status_code,
                                                                     page_text(r)[:300])
        return s

    def login_as(self, role, agency_code=None):
        email_addr = self.staff_email(role, agency_code)
        assert email_addr, "no demo %s account%s" % (role, " in " + agency_code
                                                     if agency_code else "")
        return self.login(email_addr)

    def citizen_session(self):
        return self.login(DEMO_CITIZEN)

    def csrf(self, session, path="/admin"):
        r = session.get(self.url + path, timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 200, "GET %s: %d" % (path, r.status_code)
        return csrf_in(r, path)

    def get(self, session, path):
        return session.get(self.url + path, timeout=TIMEOUT, allow_redirects=False)

    def post(self, session, path, data, csrf=True, token=None):
        """POST 'data' to 'path' with the session's CSRF token (from /admin, or 'token'),
        without following redirects.  csrf=False sends no token."""
        data = dict(data)
        if csrf:
            data["csrf_token"] = token or self.csrf(session)
        return session.post(self.url + path, data=data, timeout=TIMEOUT, allow_redirects=False)

    def wait_mail(self, to, path, skip=(), timeout=15.0):
        return wait_mail(self.srv, to, path, timeout=timeout, skip=skip)


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory):
    """A running server on fresh demo data, shared by one test module."""
    site = AdminSite.start(tmp_path_factory.mktemp("admin"))
    yield site
    site.stop()
