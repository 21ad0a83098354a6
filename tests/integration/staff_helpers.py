"""Helpers the back-office tests share: a staff member's actions through the dossier page's
own forms, as a browser posts them."""
import datetime

from accounts_helpers import soup_of
from admin_helpers import TIMEOUT, location, page_text


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
