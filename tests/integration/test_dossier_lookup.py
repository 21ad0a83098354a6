"""The logged-in dossier lookup (/lookup) and attaching a walk-in dossier to one's account
(POST /lookup/attach), against the real binary on demo data.

Receipt numbers are given at reception (issue 6), which does not exist yet: the dossiers looked
up here are written straight into the database, each with its procedure, desk, receipt number,
status and timeline.  Walk-in dossiers have no owner, channel 'walk_in' and an applicant citizen
ID.  The demo citizen congdan@example.vn is Nguyễn Văn An, citizen ID 038090012345; the demo
offers 1.001193 (Đăng ký khai sinh) at the desks of Hạc Thành and Hoằng Hóa.
"""
import itertools
import json
import os
import re

import pytest

from accounts_helpers import AccountsServer, soup_of, stop_ok
from admin_helpers import (DEMO_CITIZEN, DEMO_PASSWORD, TIMEOUT, AdminSite,  # noqa: F401
                           admin_site, assert_field_error, field_message, input_value, location,
                           page_text)
from motcua_server import MARKER, MARKER_WORD, assert_error_page, run_cli

BIRTH = "1.001193"           # Đăng ký khai sinh, offered at both commune desks
OTHER = "1.000656"           # another procedure offered at the same desks
DEMO_CID = "038090012345"    # the demo citizen's citizen ID
HAC_THANH_DESK = "000.01.61.H56"
HOANG_HOA_DESK = "000.01.62.H56"

SECRET_NAME = "Trần Thị Bí Mật"
SECRET_NOTE = "Bổ sung bản sao giấy chứng sinh, gọi số 0912000111"
SECRET_ANSWER = "Số 9 ngõ Riêng Tư"
NOT_FOUND = "Không tìm thấy hồ sơ"

_receipts = itertools.count(1)
_accounts = itertools.count(1)


# ---- setting dossiers up in the database ----

def desk_id(site, code=HAC_THANH_DESK):
    aid = site.agency_id(code)
    assert aid, "the demo data has no agency %s" % code
    return aid


def new_receipt(desk_code=HAC_THANH_DESK):
    """A receipt number no other test uses, in the observed format."""
    n = next(_receipts)
    return "%s-26%02d%02d-%04d" % (desk_code, 1 + n % 12, 1 + os.getpid() % 28, n)


def make_dossier(site, *, receipt, owner=None, channel="walk_in", status="supplement",
                 procedure=BIRTH, desk=HAC_THANH_DESK, applicant_name=SECRET_NAME,
                 applicant_cid="038191000001", events=None):
    """Insert a dossier as the desk would have registered it; returns its id."""
    did_desk = desk_id(site, desk)
    row = site.rows("SELECT o.id, o.procedure_id, o.competent_agency_id FROM offerings o "
                    "JOIN procedures p ON p.id = o.procedure_id WHERE p.code = ? "
                    "AND o.desk_agency_id = ?", (procedure, did_desk))
    assert row, "no offering of %s at %s" % (procedure, desk)
    offering, procedure_id, competent = row[0]
    form = json.dumps({"requester_name": applicant_name, "requester_address": SECRET_ANSWER},
                      ensure_ascii=False)
    did = site.execute(
        "INSERT INTO dossiers (owner_account_id, offering_id, procedure_id, desk_agency_id,"
        " competent_agency_id, channel, applicant_name, applicant_citizen_id, applicant_phone,"
        " status, version, form_data, receipt_no, created_at, updated_at, submitted_at,"
        " received_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '0912000111', ?, 3, ?, ?,"
        " '2026-01-15T02:00:00.000Z', '2026-01-16T03:00:00.000Z', ?,"
        " '2026-01-15T02:10:00.000Z', '2026-01-22T10:00:00.000Z')",
        (owner, offering, procedure_id, did_desk, competent, channel, applicant_name,
         applicant_cid, status, form, receipt,
         "2026-01-15T01:00:00.000Z" if channel == "online" else None))
    if events is None:
        events = [("2026-01-15T02:10:00.000Z", "Cán Bộ Tiếp Nhận", None, "pending",
                   "Tiếp nhận hồ sơ giấy của " + applicant_name),
                  ("2026-01-16T03:00:00.000Z", "Chuyên Viên Xử Lý", "pending", "supplement",
                   SECRET_NOTE)]
    for at, actor, frm, to, note in events:
        site.execute("INSERT INTO dossier_events (dossier_id, at, account_id, actor_name,"
                     " from_status, to_status, note) VALUES (?, ?, NULL, ?, ?, ?, ?)",
                     (did, at, actor, frm, to, note))
    return did


def account_id(site, email=DEMO_CITIZEN):
    return site.one("SELECT id FROM accounts WHERE email_key = lower(?)", (email,))


def new_citizen(site, cid=None, name="Lê Thị Cúc"):
    """Another active citizen account (DEMO_PASSWORD); returns (session, account id, cid)."""
    n = next(_accounts)
    email = "tracuu.%d.%d@example.vn" % (os.getpid(), n)
    cid = cid or "0381910%05d" % ((os.getpid() * 7 + n) % 100000)
    pw_hash = site.one("SELECT password_hash FROM accounts WHERE email_key = ?", (DEMO_CITIZEN,))
    now = "2026-01-01T00:00:00.000Z"
    aid = site.execute(
        "INSERT INTO accounts (account_type, full_name, email, email_key, phone, citizen_id,"
        " birth_date, address, password_hash, status, created_at, activated_at, updated_at)"
        " VALUES ('citizen', ?, ?, lower(?), '0912345678', ?, '1991-02-03',"
        " 'Số 5 đường Lê Lợi, phường Hạc Thành', ?, 'active', ?, ?, ?)",
        (name, email, email, cid, pw_hash, now, now, now))
    return site.login(email), aid, cid


# ---- asking ----

def lookup(site, s, receipt, procedure=BIRTH, desk=HAC_THANH_DESK, agency=None):
    """GET /lookup with the three fields ('agency' overrides the desk's id as typed)."""
    from urllib.parse import urlencode
    params = {"agency": agency if agency is not None else str(desk_id(site, desk)),
              "procedure": procedure, "receipt": receipt}
    return site.get(s, "/lookup?" + urlencode(params))


def token(site, s):
    r = site.get(s, "/lookup")
    assert r.status_code == 200, r.status_code
    el = soup_of(r).find("input", attrs={"name": "csrf_token"})
    assert el is not None and el.get("value")
    return el["value"]


def attach(site, s, dossier_id, csrf=True):
    data = {"id": str(dossier_id)}
    if csrf:
        data["csrf_token"] = token(site, s)
    return s.post(site.url + "/lookup/attach", data=data, timeout=TIMEOUT,
                  allow_redirects=False)


def facts(r):
    """The result page's facts, term → description."""
    dl = soup_of(r).select_one("dl.dossier-facts")
    assert dl is not None, page_text(r)[:500]
    return {dt.get_text(" ", strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
            for dt in dl.find_all("dt")}


def timeline(r):
    return [" ".join(li.get_text(" ").split())
            for li in soup_of(r).select("ol.dossier-timeline li")]


def assert_not_found(r):
    assert r.status_code == 404, "wanted 404, got %d: %s" % (r.status_code, page_text(r)[:400])
    msg = field_message(r, "receipt")
    assert msg and NOT_FOUND in msg, msg
    assert soup_of(r).select_one("dl.dossier-facts") is None
    return msg


@pytest.fixture(scope="module")
def citizen(admin_site):
    return admin_site.citizen_session()


# ---- who may look up ----

def test_anonymous_is_sent_to_login(admin_site):
    import requests
    s = requests.Session()
    r = admin_site.get(s, "/lookup")
    assert r.status_code == 303 and location(r) == "/login"
    r = admin_site.get(s, "/lookup?agency=1&procedure=1.001193&receipt=X")
    assert r.status_code == 303 and location(r) == "/login"
    r = s.post(admin_site.url + "/lookup/attach", data={"id": "1"}, timeout=TIMEOUT,
               allow_redirects=False)
    assert r.status_code == 403


def test_staff_is_refused(admin_site):
    site = admin_site
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, applicant_cid="038191000002")
    staff = site.login_as("intake", HAC_THANH_DESK)
    r = site.get(staff, "/lookup")
    assert_error_page(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content,
                      403)
    assert lookup(site, staff, receipt).status_code == 403
    r = staff.post(site.url + "/lookup/attach",
                   data={"id": str(did), "csrf_token": site.csrf(staff, "/")},
                   timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 403
    # the staff member's menu does not offer a page it may not open
    home = site.get(staff, "/")
    assert soup_of(home).select_one(".site-nav a[href='/lookup']") is None


def test_menu_offers_lookup_to_citizens(admin_site, citizen):
    r = admin_site.get(citizen, "/dossiers")
    nav = soup_of(r).select_one(".site-nav")
    assert nav.find("a", href="/lookup") is not None
    assert "Tra cứu hồ sơ" in nav.get_text()


# ---- the form ----

def test_form_lists_the_desks_and_suggests_their_procedures(admin_site, citizen):
    site = admin_site
    r = site.get(citizen, "/lookup")
    assert r.status_code == 200, page_text(r)[:300]
    soup = soup_of(r)
    form = soup.find("form", attrs={"action": "/lookup"})
    assert form is not None and form.get("method") == "get"
    options = {o["value"]: o.get_text(strip=True)
               for o in form.find("select", attrs={"name": "agency"}).find_all("option")
               if o.get("value")}
    desks = {str(i): n for i, n in site.rows(
        "SELECT a.id, a.name FROM agencies a WHERE a.is_desk = 1 AND a.active = 1 AND EXISTS "
        "(SELECT 1 FROM offerings o WHERE o.desk_agency_id = a.id)")}
    assert options == desks
    assert not any("Ủy ban" in n for n in options.values()), "only desks receive dossiers"
    assert form.find("input", attrs={"name": "procedure"}) is not None
    assert form.find("input", attrs={"name": "receipt"}) is not None
    assert soup.find("datalist") is None, "no desk chosen: nothing to suggest yet"
    assert soup.select_one(".error-summary") is None
    # with a desk chosen, its procedures are suggested and the desk is selected
    hac = desk_id(site)
    r = site.get(citizen, "/lookup?agency=%d&procedure=%s" % (hac, BIRTH))
    assert r.status_code == 200
    assert input_value(r, "agency") == str(hac)
    assert input_value(r, "procedure") == BIRTH
    codes = [o["value"] for o in soup_of(r).select("datalist#procedure-list option")]
    offered = [c for (c,) in site.rows(
        "SELECT DISTINCT p.code FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
        "WHERE o.desk_agency_id = ? ORDER BY p.code", (hac,))]
    assert codes == offered and BIRTH in codes
    assert soup_of(r).select_one(".error-summary") is None, "a prefilled form is not an error"


@pytest.mark.parametrize("fields,field", [
    ({"receipt": ""}, "receipt"),
    ({"receipt": "   "}, "receipt"),
    ({"receipt": "000.01.61.H56-260115-0001 hồ sơ"}, "receipt"),
    ({"receipt": "A" * 65}, "receipt"),
    ({"procedure": ""}, "procedure"),
    ({"procedure": "1.00119"}, "procedure"),
    ({"procedure": "khai sinh"}, "procedure"),
    ({"agency": ""}, "agency"),
    ({"agency": "abc"}, "agency"),
    ({"agency": "0"}, "agency"),
])
def test_missing_or_malformed_fields_are_422_with_values_kept(admin_site, citizen, fields,
                                                              field):
    site = admin_site
    before = site.one("SELECT count(*) FROM rate_events")
    base = {"agency": str(desk_id(site)), "procedure": BIRTH,
            "receipt": "000.01.61.H56-260115-0001"}
    base.update(fields)
    r = lookup(site, citizen, base["receipt"], base["procedure"], agency=base["agency"])
    assert_field_error(r, field)
    # what was typed stays (the select keeps a readable choice)
    if field != "procedure":
        assert input_value(r, "procedure") == base["procedure"]
    if field != "receipt":
        assert input_value(r, "receipt") == base["receipt"]
    if field != "agency":
        assert input_value(r, "agency") == base["agency"]
    assert site.one("SELECT count(*) FROM rate_events") == before, "a refused form counted"


def test_every_missing_field_is_listed(admin_site, citizen):
    r = admin_site.get(citizen, "/lookup?agency=&procedure=&receipt=")
    assert r.status_code == 422
    links = [a["href"] for a in soup_of(r).select(".error-summary a")]
    assert links == ["#agency", "#procedure", "#receipt"], links
    for f in ("agency", "procedure", "receipt"):
        assert field_message(r, f), f


def test_typed_markup_is_escaped(admin_site, citizen):
    r = lookup(admin_site, citizen, MARKER, procedure=MARKER)
    assert r.status_code == 422
    assert MARKER not in r.text
    assert input_value(r, "receipt") == MARKER  # kept, as text


# ---- what a lookup shows ----

def test_own_dossier_shows_everything_with_a_link(admin_site, citizen):
    site = admin_site
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, owner=account_id(site), channel="online",
                       status="supplement", applicant_name="Nguyễn Văn An",
                       applicant_cid=DEMO_CID)
    r = lookup(site, citizen, receipt)
    assert r.status_code == 200, page_text(r)[:400]
    f = facts(r)
    assert f["Trạng thái"] == "Yêu cầu bổ sung"
    assert f["Số biên nhận"] == receipt
    assert f["Mã thủ tục"] == BIRTH
    assert "Hạc Thành" in f["Nơi tiếp nhận"]
    assert f["Người nộp"] == "Nguyễn Văn An"
    assert f["Ngày tiếp nhận"] == "15/01/2026 09:10"
    assert f["Ngày hẹn trả kết quả"] == "22/01/2026 17:00"
    assert f["Cập nhật lần cuối"] == "16/01/2026 10:00"
    assert f["Hình thức nộp"] == "Trực tuyến"
    assert soup_of(r).find("a", href="/dossiers/%d" % did) is not None
    events = timeline(r)
    assert len(events) == 2, events
    assert "Chờ tiếp nhận" in events[0] and "Yêu cầu bổ sung" in events[1]
    assert SECRET_NOTE in events[1] and "Chuyên Viên Xử Lý" in events[1]
    assert soup_of(r).find("form", attrs={"action": "/lookup/attach"}) is None
    # another lookup starts from the same desk and procedure
    again = soup_of(r).find("a", string=re.compile("Tra cứu hồ sơ khác"))
    assert again is not None
    r2 = site.get(citizen, again["href"])
    assert r2.status_code == 200
    assert input_value(r2, "agency") == str(desk_id(site))
    assert input_value(r2, "procedure") == BIRTH


def test_foreign_online_dossier_shows_only_general_information(admin_site, citizen):
    site = admin_site
    _, other, other_cid = new_citizen(site)
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, owner=other, channel="online",
                       applicant_cid=other_cid)
    site.execute("INSERT INTO dossier_events (dossier_id, at, account_id, actor_name,"
                 " from_status, to_status, note) VALUES (?, '2026-01-16T04:00:00.000Z', NULL,"
                 " 'Cán Bộ', 'supplement', 'supplement', 'Đã gọi điện cho bà Bí Mật')", (did,))
    r = lookup(site, citizen, receipt)
    assert r.status_code == 200, page_text(r)[:400]
    f = facts(r)
    assert f["Trạng thái"] == "Yêu cầu bổ sung"
    assert f["Số biên nhận"] == receipt
    assert f["Ngày hẹn trả kết quả"] == "22/01/2026 17:00"
    assert "Người nộp" not in f
    text = page_text(r)
    for secret in (SECRET_NAME, "Bí Mật", SECRET_NOTE, SECRET_ANSWER, "0912000111",
                   other_cid, "Chuyên Viên Xử Lý", "Cán Bộ Tiếp Nhận", "Đã gọi điện"):
        assert secret not in text, "%r shown to a stranger" % secret
    events = timeline(r)
    # only the two status changes, with their times and statuses
    assert len(events) == 2, events
    assert events[0].startswith("15/01/2026 09:10") and "Chờ tiếp nhận" in events[0]
    assert events[1].startswith("16/01/2026 10:00") and "Yêu cầu bổ sung" in events[1]
    soup = soup_of(r)
    assert soup.find("a", href="/dossiers/%d" % did) is None
    assert soup.find("input", attrs={"name": "id"}) is None
    assert soup.find("form", attrs={"action": "/lookup/attach"}) is None
    assert "không đứng tên bạn" in text


def test_lookup_reads_and_writes_nothing_else(admin_site, citizen):
    """A lookup that finds a dossier changes nothing: no rate-limit row, no dossier change."""
    site = admin_site
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, applicant_cid="038191000003")
    before = (site.one("SELECT count(*) FROM rate_events"),
              site.one("SELECT count(*) FROM rate_blocks"),
              site.rows("SELECT version, updated_at FROM dossiers WHERE id = ?", (did,)))
    for _ in range(3):
        assert lookup(site, citizen, receipt).status_code == 200
    after = (site.one("SELECT count(*) FROM rate_events"),
             site.one("SELECT count(*) FROM rate_blocks"),
             site.rows("SELECT version, updated_at FROM dossiers WHERE id = ?", (did,)))
    assert after == before


def test_receipt_is_found_whatever_its_case_and_spaces(admin_site, citizen):
    site = admin_site
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, applicant_cid="038191000004")
    assert lookup(site, citizen, "  %s  " % receipt.lower()).status_code == 200
    assert lookup(site, citizen, receipt, procedure=" %s " % BIRTH).status_code == 200


# ---- not found, whichever part is wrong ----

def test_wrong_procedure_or_desk_is_not_found_like_an_unknown_receipt(admin_site, citizen):
    site = admin_site
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, applicant_cid=DEMO_CID)
    assert lookup(site, citizen, receipt).status_code == 200
    messages = [
        assert_not_found(lookup(site, citizen, receipt, procedure=OTHER)),
        assert_not_found(lookup(site, citizen, receipt, desk=HOANG_HOA_DESK)),
        assert_not_found(lookup(site, citizen, receipt, agency="999999")),
        assert_not_found(lookup(site, citizen, receipt + "9")),
        assert_not_found(lookup(site, citizen, "KHONG-CO-HO-SO-NAY")),
    ]
    assert len(set(messages)) == 1, "the answer says which part failed: %r" % messages
    r = lookup(site, citizen, receipt, procedure=OTHER)
    # the form is there again with what was typed
    assert input_value(r, "receipt") == receipt
    assert input_value(r, "procedure") == OTHER
    assert input_value(r, "agency") == str(desk_id(site))
    assert SECRET_NAME not in page_text(r)


def test_a_draft_is_never_found(admin_site, citizen):
    site = admin_site
    receipt = new_receipt()
    # A draft has no receipt number; even one given a number by mistake stays hidden.
    make_dossier(site, receipt=receipt, owner=account_id(site), channel="online",
                 status="draft", applicant_cid=DEMO_CID, events=[])
    assert_not_found(lookup(site, citizen, receipt))


# ---- walk-in dossiers and attaching ----

def test_walk_in_of_the_account_holder_can_be_attached(admin_site):
    site = admin_site
    s, me, my_cid = new_citizen(site, name="Phạm Thị Gắn")
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, applicant_name="Phạm Thị Gắn",
                       applicant_cid=my_cid)
    r = lookup(site, s, receipt)
    assert r.status_code == 200, page_text(r)[:400]
    f = facts(r)
    assert f["Người nộp"] == "Phạm Thị Gắn"
    assert f["Hình thức nộp"] == "Trực tiếp tại bộ phận một cửa"
    assert SECRET_NOTE in page_text(r), "the applicant sees the whole timeline"
    form = soup_of(r).find("form", attrs={"action": "/lookup/attach"})
    assert form is not None and form.get("method") == "post"
    assert form.find("input", attrs={"name": "id"})["value"] == str(did)
    assert "Gắn vào Hồ sơ của tôi" in form.get_text()
    # not in "Hồ sơ của tôi" before attaching
    assert site.get(s, "/dossiers/%d" % did).status_code == 404
    version = site.one("SELECT version FROM dossiers WHERE id = ?", (did,))

    r = attach(site, s, did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did
    owner, status, new_version = site.rows(
        "SELECT owner_account_id, status, version FROM dossiers WHERE id = ?", (did,))[0]
    assert (owner, status, new_version) == (me, "supplement", version + 1)
    ev = site.rows("SELECT account_id, actor_name, from_status, to_status, note FROM "
                   "dossier_events WHERE dossier_id = ? ORDER BY id DESC LIMIT 1", (did,))[0]
    assert ev[0] == me and ev[1] == "Phạm Thị Gắn"
    assert ev[2] == ev[3] == "supplement", "attaching changes no status"
    assert "Gắn hồ sơ vào tài khoản" in ev[4] and "Phạm Thị Gắn" in ev[4]
    # now it is the account's own: list, detail page and lookup say so
    r = site.get(s, "/dossiers")
    assert r.status_code == 200
    assert soup_of(r).find("a", href="/dossiers/%d" % did) is not None
    assert receipt in page_text(r)
    r = site.get(s, "/dossiers/%d" % did)
    assert r.status_code == 200, page_text(r)[:300]
    assert "Gắn hồ sơ vào tài khoản" in page_text(r)
    r = lookup(site, s, receipt)
    assert soup_of(r).find("a", href="/dossiers/%d" % did) is not None
    assert soup_of(r).find("form", attrs={"action": "/lookup/attach"}) is None
    # a stranger looking it up still sees nothing personal, not even the attachment
    r = lookup(site, site.citizen_session(), receipt)
    assert r.status_code == 200
    assert "Phạm Thị Gắn" not in page_text(r)
    assert len(timeline(r)) == 2

    # attaching twice is refused and changes nothing
    r = attach(site, s, did)
    assert r.status_code == 409, page_text(r)[:300]
    assert "đã được gắn" in page_text(r)
    assert site.one("SELECT version FROM dossiers WHERE id = ?", (did,)) == version + 1


def test_walk_in_of_someone_else_cannot_be_attached(admin_site, citizen):
    site = admin_site
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, applicant_cid="038191000005")
    r = lookup(site, citizen, receipt)
    assert r.status_code == 200
    assert "Người nộp" not in facts(r)
    assert SECRET_NAME not in page_text(r) and SECRET_NOTE not in page_text(r)
    assert soup_of(r).find("form", attrs={"action": "/lookup/attach"}) is None
    assert soup_of(r).find("input", attrs={"name": "id"}) is None
    # posting the form anyway, with the id read elsewhere
    r = attach(site, citizen, did)
    assert r.status_code == 404
    assert site.one("SELECT owner_account_id FROM dossiers WHERE id = ?", (did,)) is None
    assert site.one("SELECT count(*) FROM dossier_events WHERE dossier_id = ?", (did,)) == 2


def test_attach_refusals(admin_site, citizen):
    site = admin_site
    s, me, my_cid = new_citizen(site)
    # someone else's online dossier carrying this citizen's ID (entered for a relative):
    # already owned, so 409 for the matching citizen...
    _, other, _ = new_citizen(site)
    owned = make_dossier(site, receipt=new_receipt(), owner=other, channel="online",
                         applicant_cid=my_cid)
    assert attach(site, s, owned).status_code == 409
    # ...and 404 for anyone else, exactly like an id that names nothing
    assert attach(site, citizen, owned).status_code == 404
    assert site.one("SELECT owner_account_id FROM dossiers WHERE id = ?", (owned,)) == other
    for bad in ("999999999", "0", "abc", ""):
        assert attach(site, s, bad).status_code == 404, bad
    # without the CSRF token nothing happens
    walk_in = make_dossier(site, receipt=new_receipt(), applicant_cid=my_cid)
    assert attach(site, s, walk_in, csrf=False).status_code == 403
    assert site.one("SELECT owner_account_id FROM dossiers WHERE id = ?", (walk_in,)) is None
    assert attach(site, s, walk_in).status_code == 303


# ---- the rate limit ----

@pytest.fixture(scope="module")
def limited_site(tmp_path_factory):
    """A server whose accounts may look up 3 receipt numbers in vain per hour."""
    root = str(tmp_path_factory.mktemp("lookup-limit"))
    srv = AccountsServer(root, args=["--lookup-limit", "3"])
    r = srv.cli("--password", DEMO_PASSWORD, "demo")
    assert r.returncode == 0, r.stderr
    srv.start()
    site = AdminSite(srv, [])
    yield site
    stop_ok(srv)


def test_rate_limit_counts_lookups_that_find_nothing(limited_site):
    site = limited_site
    s = site.citizen_session()
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, applicant_cid="038191000006")
    # lookups that find their dossier do not count
    for _ in range(5):
        assert lookup(site, s, receipt).status_code == 200
    assert site.one("SELECT count(*) FROM rate_events") == 0
    # three in vain are answered...
    for i in range(3):
        assert_not_found(lookup(site, s, "SAI-%d" % i))
    # ...the fourth is refused, with the reason and what was typed
    r = lookup(site, s, "SAI-3")
    assert r.status_code == 429, page_text(r)[:400]
    limited = soup_of(r).select_one(".lookup-limited")
    assert limited is not None and "một giờ" in limited.get_text()
    assert input_value(r, "receipt") == "SAI-3"
    assert input_value(r, "procedure") == BIRTH
    assert soup_of(r).html.get("lang") == "vi"
    # and now every lookup of this account waits, even a right one
    assert lookup(site, s, receipt).status_code == 429
    # other accounts are not affected
    other, _, _ = new_citizen(site)
    assert lookup(site, other, receipt).status_code == 200
    assert_not_found(lookup(site, other, "SAI-X"))
    # an hour later (the block's end, written in the database) the account looks up again
    site.execute("UPDATE rate_blocks SET until = '2000-01-01T00:00:00.000Z'")
    assert lookup(site, s, receipt).status_code == 200


def test_rate_limit_setting_is_checked():
    for bad in ("-1", "abc", "1000001", "1.5", ""):
        r = run_cli(["--lookup-limit", bad, "version"])
        assert r.returncode == 2, (bad, r.returncode, r.stderr)
        assert "--lookup-limit" in r.stderr
    r = run_cli(["version"], env={"MOTCUA_LOOKUP_LIMIT": "x"})
    assert r.returncode == 2 and "MOTCUA_LOOKUP_LIMIT" in r.stderr
    for good in ("0", "60", "1000000"):
        r = run_cli(["--lookup-limit", good, "version"])
        assert r.returncode == 0, (good, r.stderr)
    r = run_cli(["--help"])
    assert "--lookup-limit" in r.stdout + r.stderr and "MOTCUA_LOOKUP_LIMIT" in r.stdout + r.stderr
