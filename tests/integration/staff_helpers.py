"""Helpers the back-office tests share: a staff member's actions through the dossier page's
own forms, as a browser posts them."""
import datetime
import itertools
import json
import sqlite3

from accounts_helpers import soup_of
from admin_helpers import DEMO_CITIZEN, TIMEOUT, location, page_text


_sessions = {}


def staff_session(site, email):
    """A logged-in session of account 'email' on 'site', made once per server."""
    key = (site.data, email.lower())
    if key not in _sessions:
        _sessions[key] = site.login(email)
    return _sessions[key]


def walkin_offering(site, code, desk_code):
    """The id of the offering of procedure 'code' at desk 'desk_code' (walk-in forms)."""
    return site.one("SELECT o.id FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
                    "JOIN agencies a ON a.id = o.desk_agency_id WHERE p.code = ? AND a.code = ?",
                    (code, desk_code))


def dossier_page(site, s, did):
    r = site.get(s, "/staff/dossiers/%d" % did)
    assert r.status_code == 200, (r.status_code, page_text(r)[:400])
    return r


def action_form(r, action):
    """The form of 'action' on a dossier page, or None when it is not offered."""
    box = soup_of(r).select_one("details.staff-action[data-action='%s']" % action)
    return box.find("form") if box is not None else None


def act(site, s, did, action, **fields):
    """Post 'action' from the dossier page's own form (its CSRF token and version)."""
    r = dossier_page(site, s, did)
    form = action_form(r, action)
    assert form is not None, "%s not offered: %s" % (action, page_text(r)[:600])
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")
            if i.get("type") not in ("radio",)}
    for sel in form.find_all("select"):  # what the page preselects, as a browser sends it
        chosen = sel.find("option", selected=True)
        data[sel["name"]] = chosen["value"] if chosen is not None else ""
    data.update({k: str(v) for k, v in fields.items()})
    return s.post(site.url + form["action"], data=data, timeout=TIMEOUT, allow_redirects=False)


def act_ok(site, s, did, action, **fields):
    r = act(site, s, did, action, **fields)
    assert r.status_code == 303, (action, r.status_code, page_text(r)[:800])
    assert location(r) == "/staff/dossiers/%d?done=%s" % (did, action)
    return r


def row(site, did, cols):
    return dict(zip(cols, site.rows("SELECT %s FROM dossiers WHERE id = ?" % ", ".join(cols),
                                     (did,))[0]))


VN = datetime.timezone(datetime.timedelta(hours=7))


def future_working_day(site, days_ahead=30):
    """dd/mm/yyyy of a Monday-to-Thursday at least 'days_ahead' days from today (Vietnam) that
    the server's calendar keeps a working day.  A year's holiday page is opened (as the system
    administrator) before its days are read: for a year nobody has filled yet, the server then
    stores its own defaults (Tết and Giỗ Tổ from the lunar calendar, the fixed days, the days
    in compensation), so the holidays table is the whole truth for it whenever the test runs."""
    admin = site.login_as("system_admin")
    opened = set()
    d = datetime.datetime.now(VN).date() + datetime.timedelta(days=days_ahead)
    while True:
        if d.year not in opened:
            r = site.get(admin, "/admin/holidays?year=%d" % d.year)
            assert r.status_code == 200, (r.status_code, page_text(r)[:400])
            assert site.one("SELECT count(*) FROM holiday_years WHERE year = ?", (d.year,)) == 1
            opened.add(d.year)
        if d.weekday() <= 3 and site.one("SELECT count(*) FROM holidays WHERE day = ? AND "
                                         "kind = 'day_off'", (d.isoformat(),)) == 0:
            return d.strftime("%d/%m/%Y")
        d += datetime.timedelta(days=1)


# ---- dossiers written straight into the database ----

INSERT_PENDING = (
    "INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id,"
    " competent_agency_id, channel, applicant_name, applicant_citizen_id, applicant_phone,"
    " status, version, form_data, created_at, updated_at, submitted_at, confirmed_at, workflow)"
    " VALUES (?, ?, ?, ?, ?, 'online', ?, ?, '0912000111', 'pending', 1, ?, ?, ?, ?, ?, ?)")

_names = itertools.count(1)


def desk_offerings(site, desk_code, code=None):
    """The desk's active online offerings (of procedure 'code' only, when given), oldest first,
    as (id, procedure_id, competent_agency_id, workflow)."""
    sql = ("SELECT o.id, o.procedure_id, o.competent_agency_id, o.workflow FROM offerings o "
           "JOIN agencies g ON g.id = o.desk_agency_id JOIN procedures p ON p.id = "
           "o.procedure_id WHERE g.code = ? AND o.online = 1 AND o.active = 1")
    args = [desk_code]
    if code is not None:
        sql += " AND p.code = ?"
        args.append(code)
    rows = site.rows(sql + " ORDER BY o.id", args)
    assert rows, "the demo offers %s online at %s" % (code or "nothing", desk_code)
    return rows


def pending_row(owner, desk_id, offering, name, citizen_id, at):
    """INSERT_PENDING's parameters for a dossier of account 'owner' (None: nobody's) through
    'offering' (a row of desk_offerings), created, submitted and confirmed at ISO instant 'at'."""
    oid, procedure, competent, workflow = offering
    form = json.dumps({"requester_name": name}, ensure_ascii=False)
    return (owner, oid, procedure, desk_id, competent, name, citizen_id, form, at, at, at, at,
            workflow)


def insert_pending(site, rows):
    """Insert the dossiers of INSERT_PENDING parameters 'rows' in one transaction; returns their
    ids in order."""
    con = sqlite3.connect(site.db_path, timeout=30)
    try:
        with con:
            return [con.execute(INSERT_PENDING, r).lastrowid for r in rows]
    finally:
        con.close()


def pending_dossier(site, desk_code, code=None, name=None):
    """A confirmed online dossier of the demo citizen waiting at desk 'desk_code' (status
    'pending', version 1, the offering's workflow copied), written straight into the database
    as the citizen path leaves it: for tests of the back office, not of the submission.  'code'
    names the procedure (default: the desk's first online offering); confirmed 5 minutes ago."""
    offering = desk_offerings(site, desk_code, code)[0]
    owner = site.one("SELECT id FROM accounts WHERE email_key = ?", (DEMO_CITIZEN,))
    at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5))
    return insert_pending(site, [pending_row(
        owner, site.agency_id(desk_code), offering, name or "Nguyễn Thị Hoa %d" % next(_names),
        "038190012399", at.strftime("%Y-%m-%dT%H:%M:%S.000Z"))])[0]
