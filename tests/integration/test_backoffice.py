"""The back office at /staff: the desk receives, the department processes, the leader approves,
the desk returns; against the real binary on demo data, with the mails captured.

The dossiers come from the citizen side (dossier_helpers.confirmed_dossier: 1.000656 Đăng ký
khai tử at the Hạc Thành desk, decided by Ủy ban nhân dân phường Hạc Thành whose office
(department "Văn phòng") the offering names by default).
"""
import functools
import re
import time
from urllib.parse import urlencode

import pytest

from accounts_helpers import mails_to, plain_text, soup_of
from admin_helpers import (DEMO_CITIZEN, TIMEOUT, AdminSite, admin_site, location,  # noqa: F401
                           page_text)
from dossier_helpers import DESK_INTAKE, OTHER_INTAKE, confirmed_dossier, status_of
from staff_helpers import (act, act_ok, action_form, dossier_page, future_working_day,
                           pending_dossier, row, staff_session, walkin_offering)

HAC_THANH_DESK = "000.01.61.H56"
HAC_THANH = "000.00.61.H56"
SPECIALIST = "chuyenvien.vp.hacthanh@example.vn"        # Văn phòng, the default department
OTHER_SPECIALIST = "chuyenvien.vhxh.hacthanh@example.vn"  # another department
DEPT_LEADER = "lanhdao.vp.hacthanh@example.vn"
LEADER = "lanhdao.hacthanh@example.vn"

RECEIPT_RE = re.compile(r"^000\.01\.61\.H56-\d{6}-\d{4}$")
DEATH_CODE = "1.000656"


@pytest.fixture(scope="module")
def citizen(admin_site):
    return admin_site.citizen_session()


@pytest.fixture(scope="module")
def staff(admin_site):
    """Logged-in sessions by e-mail address, made once each."""
    return functools.partial(staff_session, admin_site)


def mail_files(site, to):
    """The files of the mails to 'to' so far (to tell the new ones apart)."""
    return {f for f, _ in mails_to(site.srv, to)}


def wait_subject(site, to, words, before=(), timeout=15.0):
    """The text of a mail to 'to', not among the files 'before', whose subject holds 'words'."""
    deadline = time.monotonic() + timeout
    while True:
        for f, msg in mails_to(site.srv, to):
            if f not in before and words in str(msg["subject"]):
                return plain_text(msg)
        assert time.monotonic() < deadline, "no mail to %s about %r" % (to, words)
        time.sleep(0.1)


def test_the_standard_path_from_desk_to_citizen(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    desk, specialist = staff(DESK_INTAKE), staff(SPECIALIST)
    leader = staff(LEADER)
    sent = mail_files(site, DEMO_CITIZEN)

    # The desk sees it in its queue and receives it: a receipt number and an appointment.
    r = site.get(desk, "/staff")
    assert r.status_code == 200
    pending = soup_of(r).select_one("a.staff-queue[data-queue='pending'] .queue-count")
    assert pending is not None and int(pending.get_text()) >= 1
    r = site.get(desk, "/staff/queue/pending")
    assert r.status_code == 200 and "/staff/dossiers/%d" % did in r.text
    act_ok(site, desk, did, "receive")
    d = row(site, did, ["status", "receipt_no", "received_at", "due_at", "version"])
    assert d["status"] == "received" and RECEIPT_RE.match(d["receipt_no"]), d
    assert d["due_at"] > d["received_at"]
    text = wait_subject(site, DEMO_CITIZEN, "tiếp nhận", before=sent)
    assert d["receipt_no"] in text
    r = site.get(desk, "/staff/dossiers/%d?done=receive" % did)
    assert "Đã tiếp nhận hồ sơ" in page_text(r)
    # the reception slip
    r = site.get(desk, "/staff/dossiers/%d/receipt" % did)
    assert r.status_code == 200
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in page_text(r)
    assert d["receipt_no"] in page_text(r)

    # Forwarded to the office with a note kept from the citizen.
    act_ok(site, desk, did, "forward", note="Ghi chú nội bộ cho phòng")
    assert status_of(site, did) == "processing"
    assert site.one("SELECT internal FROM dossier_events WHERE dossier_id = ? AND "
                    "action = 'forward'", (did,)) == 1
    r = site.get(citizen, "/dossiers/%d" % did)
    assert "Ghi chú nội bộ cho phòng" not in page_text(r)
    assert "Đang xử lý" in page_text(r)

    # Another department's specialist does not see it; ours claims it and drafts the result.
    assert site.get(staff(OTHER_SPECIALIST), "/staff/dossiers/%d" % did).status_code == 404
    r = site.get(specialist, "/staff/queue/unclaimed")
    assert "/staff/dossiers/%d" % did in r.text
    act_ok(site, specialist, did, "claim")
    assert action_form(dossier_page(site, specialist, did), "claim") is None
    act_ok(site, specialist, did, "submit_result", result_number="12/TB-UBND",
           result_text="Trích lục khai tử cho ông Nguyễn Văn Bình.")
    assert status_of(site, did) == "awaiting_approval"

    # The leader approves; the office hands the result back; the desk returns it.
    r = site.get(leader, "/staff/queue/approval")
    assert "/staff/dossiers/%d" % did in r.text
    act_ok(site, leader, did, "approve")
    act_ok(site, specialist, did, "hand_back")
    assert status_of(site, did) == "done"
    wait_subject(site, DEMO_CITIZEN, "xử lý xong", before=sent)
    act_ok(site, desk, did, "return", return_method="post")
    d = row(site, did, ["status", "return_method", "returned_at", "finished_at"])
    assert d["status"] == "returned" and d["return_method"] == "post" and d["returned_at"]
    wait_subject(site, DEMO_CITIZEN, "trả kết quả", before=sent)
    r = site.get(citizen, "/dossiers/%d" % did)
    assert "Đã trả kết quả" in page_text(r)
    # Every step is on the timeline and in the audit log, whose chain holds.
    actions = [a for (a,) in site.rows("SELECT action FROM dossier_events WHERE dossier_id = ? "
                                       "AND action IS NOT NULL ORDER BY id", (did,))]
    assert actions == ["receive", "forward", "claim", "submit_result", "approve", "hand_back",
                       "return"]
    assert site.one("SELECT count(*) FROM audit_log WHERE entity = 'dossier' AND entity_id = ? "
                    "AND action = 'view'", (did,)) >= 5
    assert site.one("SELECT count(*) FROM audit_log WHERE hash IS NULL AND entity = 'dossier'") == 0


def test_a_transition_the_table_does_not_allow_is_409_and_changes_nothing(admin_site, citizen,
                                                                         staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    desk = staff(DESK_INTAKE)
    r = dossier_page(site, desk, did)
    form = action_form(r, "receive")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    before = row(site, did, ["status", "version"])
    # not an action of this status
    bad = dict(data, action="approve")
    r = desk.post(site.url + form["action"], data=bad, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 409
    assert "trạng thái khác" in page_text(r)
    assert row(site, did, ["status", "version"]) == before
    # two officers with the same page: the first wins, the second is told and loses nothing
    other = site.login(DESK_INTAKE)
    r1 = desk.post(site.url + form["action"], data=dict(data, note="Lần một"), timeout=TIMEOUT,
                   allow_redirects=False)
    assert r1.status_code == 303
    data2 = dict(data, csrf_token=site.csrf(other, "/staff"), note="Ghi chú của người thứ hai")
    r2 = other.post(site.url + form["action"], data=data2, timeout=TIMEOUT, allow_redirects=False)
    assert r2.status_code == 409
    assert "Ghi chú của người thứ hai" in r2.text
    assert site.one("SELECT count(*) FROM dossier_events WHERE dossier_id = ? AND "
                    "action = 'receive'", (did,)) == 1


def test_scope_and_roles(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    # another desk's officer, a specialist before forwarding, an administrator, a citizen
    assert site.get(staff(OTHER_INTAKE), "/staff/dossiers/%d" % did).status_code == 404
    assert site.get(staff(SPECIALIST), "/staff/dossiers/%d" % did).status_code == 404
    admin = site.login_as("agency_admin", HAC_THANH)
    assert site.get(admin, "/staff").status_code == 403
    assert site.get(citizen, "/staff").status_code == 403
    assert site.get(citizen, "/staff/dossiers/%d" % did).status_code == 403
    # the leader sees it but may not receive it
    leader = staff(LEADER)
    r = dossier_page(site, leader, did)
    assert action_form(r, "receive") is None
    form = action_form(dossier_page(site, staff(DESK_INTAKE), did), "receive")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    data["csrf_token"] = site.csrf(leader, "/staff")
    r = leader.post(site.url + form["action"], data=data, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 403
    assert status_of(site, did) == "pending"
    # an unknown queue, a bad filter
    assert site.get(staff(DESK_INTAKE), "/staff/queue/approval").status_code == 404
    assert site.get(staff(DESK_INTAKE), "/staff/queue/pending?due=soon").status_code == 400


def test_bad_input_is_422_with_the_field_named_and_kept(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    desk = staff(DESK_INTAKE)
    r = act(site, desk, did, "refuse", note="   ")
    assert r.status_code == 422
    assert soup_of(r).select_one(".field-error") is not None
    assert status_of(site, did) == "pending"
    act_ok(site, desk, did, "receive")
    r = act(site, desk, did, "forward", department_id="", note="Giữ lại ghi chú này")
    assert r.status_code == 422
    assert "Vui lòng chọn phòng chuyên môn" in page_text(r)
    assert "Giữ lại ghi chú này" in r.text
    assert status_of(site, did) == "received"


def test_supplement_from_the_department_stops_the_clock(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    desk, specialist = staff(DESK_INTAKE), staff(SPECIALIST)
    sent = mail_files(site, DEMO_CITIZEN)
    act_ok(site, desk, did, "receive")
    act_ok(site, desk, did, "forward")
    act_ok(site, specialist, did, "claim")
    act_ok(site, specialist, did, "request_supplement", note="Bổ sung bản sao giấy báo tử.")
    d = row(site, did, ["status", "paused_at", "receipt_no"])
    assert d["status"] == "supplement" and d["paused_at"]
    text = wait_subject(site, DEMO_CITIZEN, "bổ sung", before=sent)
    assert "Bổ sung bản sao giấy báo tử." in text
    r = site.get(desk, "/staff/queue/supplement")
    assert "/staff/dossiers/%d" % did in r.text
    r = site.get(desk, "/staff/dossiers/%d" % did)
    assert "tạm dừng" in page_text(r)


def test_queue_search_ignores_diacritics(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    name = site.one("SELECT applicant_name FROM dossiers WHERE id = ?", (did,))
    desk = staff(DESK_INTAKE)
    folded = name.lower().replace("ễ", "e").replace("ă", "a").replace("ơ", "o")
    import unicodedata
    folded = "".join(c for c in unicodedata.normalize("NFD", name.lower())
                     if unicodedata.category(c) != "Mn").replace("đ", "d")
    r = site.get(desk, "/staff/queue/all?q=" + folded.split()[-1])
    assert "/staff/dossiers/%d" % did in r.text
    r = site.get(desk, "/staff/queue/all?q=khong+co+ai+ten+nay")
    assert "/staff/dossiers/%d" % did not in r.text


# ---- walk-in dossiers ----

def walkin_post(site, s, offering, applicant, answers):
    path = "/staff/walk-in/%d" % offering
    data = {"f_" + k: v for k, v in answers.items()}
    data.update(applicant)
    data["csrf_token"] = site.csrf(s, path)
    return s.post(site.url + path, data=data, timeout=TIMEOUT, allow_redirects=False)


WALKIN_APPLICANT = {"applicant_name": "Trịnh Văn Tới", "applicant_citizen_id": "038195001234",
                    "applicant_phone": "0912 000 222", "applicant_email": "",
                    "applicant_address": "Số 3 phố Lê Hoàn, phường Hạc Thành"}


def test_a_walk_in_dossier_is_received_at_once(admin_site, staff):
    from dossier_helpers import schema_of, valid_answers
    site = admin_site
    desk = staff(DESK_INTAKE)
    r = site.get(desk, "/staff")
    assert "/staff/walk-in" in r.text
    r = site.get(desk, "/staff/walk-in")
    assert r.status_code == 200 and DEATH_CODE in page_text(r)
    offering = walkin_offering(site, DEATH_CODE, HAC_THANH_DESK)
    answers = valid_answers(schema_of(site, DEATH_CODE))
    r = walkin_post(site, desk, offering, WALKIN_APPLICANT, answers)
    assert r.status_code == 303, (r.status_code, page_text(r)[:800])
    did = int(re.match(r"^/staff/dossiers/(\d+)\?done=receive$", location(r)).group(1))
    d = row(site, did, ["status", "channel", "owner_account_id", "receipt_no", "due_at",
                        "applicant_name", "applicant_phone"])
    assert d["status"] == "received" and d["channel"] == "walk_in"
    assert d["owner_account_id"] is None and RECEIPT_RE.match(d["receipt_no"])
    assert d["applicant_name"] == "Trịnh Văn Tới" and d["applicant_phone"] == "0912000222"
    r = site.get(desk, location(r))
    assert "Đã tiếp nhận hồ sơ" in page_text(r) and d["receipt_no"] in page_text(r)
    assert "Trịnh Văn Tới" in page_text(r)
    # searchable in the desk's queues
    r = site.get(desk, "/staff/queue/received?q=trinh+van+toi")
    assert "/staff/dossiers/%d" % did in r.text


def test_a_walk_in_form_keeps_everything_on_errors(admin_site, staff):
    from dossier_helpers import schema_of, valid_answers
    site = admin_site
    desk = staff(DESK_INTAKE)
    offering = walkin_offering(site, DEATH_CODE, HAC_THANH_DESK)
    schema = schema_of(site, DEATH_CODE)
    answers = valid_answers(schema)
    first_field = schema["sections"][0]["fields"][0]["name"]
    bad = dict(WALKIN_APPLICANT, applicant_citizen_id="12345", applicant_name="")
    before = site.one("SELECT count(*) FROM dossiers")
    r = walkin_post(site, desk, offering, bad, answers)
    assert r.status_code == 422
    soup = soup_of(r)
    assert soup.select_one("#applicant_citizen_id-error") is not None
    assert soup.select_one("#applicant_name-error") is not None
    assert "Số 3 phố Lê Hoàn" in r.text
    assert soup.find("input", attrs={"name": "f_" + first_field})["value"] == answers[first_field]
    assert site.one("SELECT count(*) FROM dossiers") == before


def test_a_known_citizen_id_fills_the_applicant(admin_site, staff):
    site = admin_site
    desk = staff(DESK_INTAKE)
    offering = walkin_offering(site, DEATH_CODE, HAC_THANH_DESK)
    seen = site.one("SELECT count(*) FROM audit_log WHERE entity = 'person'")
    r = site.get(desk, "/staff/walk-in/%d?cid=038090012345" % offering)
    assert r.status_code == 200
    assert soup_of(r).find("input", attrs={"name": "applicant_name"})["value"] == "Nguyễn Văn An"
    # seeing a person's details is recorded, the citizen ID masked
    rec = site.rows("SELECT summary, action FROM audit_log WHERE entity = 'person' "
                    "ORDER BY id DESC LIMIT 1")[0]
    assert site.one("SELECT count(*) FROM audit_log WHERE entity = 'person'") == seen + 1
    assert rec == ("Tra cứu thông tin người nộp có số định danh 038*******45", "view")
    # an unknown ID shows nothing, and records nothing
    site.get(desk, "/staff/walk-in/%d?cid=038195009999" % offering)
    assert site.one("SELECT count(*) FROM audit_log WHERE entity = 'person'") == seen + 1


def test_walk_in_is_for_the_desks_own_intake_officers(admin_site, staff):
    site = admin_site
    offering = walkin_offering(site, DEATH_CODE, HAC_THANH_DESK)
    assert site.get(staff(OTHER_INTAKE), "/staff/walk-in/%d" % offering).status_code == 404
    assert site.get(staff(SPECIALIST), "/staff/walk-in").status_code == 403
    assert site.get(staff(LEADER), "/staff/walk-in/%d" % offering).status_code == 403


def test_every_citizen_facing_mail_of_the_desk_and_the_leader(admin_site, citizen, staff):
    site = admin_site
    desk, leader = staff(DESK_INTAKE), staff(LEADER)
    # a refusal at the desk, with its reason
    did, _ = confirmed_dossier(site, citizen)
    sent = mail_files(site, DEMO_CITIZEN)
    act_ok(site, desk, did, "refuse", note="Hồ sơ thuộc thẩm quyền của Sở Tư pháp.")
    text = wait_subject(site, DEMO_CITIZEN, "không được tiếp nhận", before=sent)
    assert "Hồ sơ thuộc thẩm quyền của Sở Tư pháp." in text
    assert status_of(site, did) == "refused"
    # a notice from an officer, then an extension with an apology from the leader
    did, _ = confirmed_dossier(site, citizen)
    act_ok(site, desk, did, "receive")
    sent = mail_files(site, DEMO_CITIZEN)
    act_ok(site, desk, did, "note", note="Mời Ông/Bà mang bản chính giấy báo tử để đối chiếu.")
    text = wait_subject(site, DEMO_CITIZEN, "Thông báo về hồ sơ", before=sent)
    assert "Mời Ông/Bà mang bản chính giấy báo tử để đối chiếu." in text
    new_due = future_working_day(site)
    act_ok(site, leader, did, "extend", new_due=new_due,
           note="Cần xác minh thông tin tại nơi cư trú cuối cùng của người chết.")
    text = wait_subject(site, DEMO_CITIZEN, "xin lỗi", before=sent)
    assert new_due in text and "Cần xác minh thông tin" in text
    assert site.one("SELECT count(*) FROM dossier_extensions WHERE dossier_id = ?", (did,)) == 1
    # the extension's date must be after the current one
    r = act(site, leader, did, "extend", new_due="01/01/2020", note="Muộn")
    assert r.status_code == 422 and "Ngày hẹn mới" in page_text(r)


def test_scans_of_a_walk_in_dossier(admin_site, staff):
    from dossier_helpers import documents_of, make_pdf, schema_of, valid_answers
    site = admin_site
    desk = staff(DESK_INTAKE)
    offering = walkin_offering(site, DEATH_CODE, HAC_THANH_DESK)
    applicant = dict(WALKIN_APPLICANT, applicant_citizen_id="038195004321")
    r = walkin_post(site, desk, offering, applicant, valid_answers(schema_of(site, DEATH_CODE)))
    assert r.status_code == 303
    did = int(re.match(r"^/staff/dossiers/(\d+)", location(r)).group(1))
    page = dossier_page(site, desk, did)
    form = soup_of(page).select_one("section.staff-scans form")
    assert form is not None, "no scan form for the desk"
    doc = documents_of(site, DEATH_CODE)[0]
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    path = "/staff/dossiers/%d/files" % did
    pdf = make_pdf("Giay bao tu ban quet")
    r = desk.post(site.url + path, data={"csrf_token": token},
                  files={"doc_%d" % doc["id"]: ("giay-bao-tu.pdf", pdf, "application/pdf")},
                  timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 303 and location(r) == "/staff/dossiers/%d?done=scans" % did
    assert site.one("SELECT count(*) FROM dossier_files WHERE dossier_id = ? AND "
                    "removed_in IS NULL", (did,)) == 1
    r = dossier_page(site, desk, did)
    assert "giay-bao-tu.pdf" in r.text and "Đính kèm giấy tờ bản quét" in page_text(r)
    # the desk opens it in the browser; the view is in the audit log
    url = soup_of(r).find("a", string="giay-bao-tu.pdf")["href"]
    seen = site.one("SELECT count(*) FROM audit_log WHERE entity = 'dossier' AND entity_id = ? "
                    "AND summary LIKE 'Xem tệp%'", (did,))
    f = site.get(desk, url)
    assert f.status_code == 200 and f.content == pdf
    assert f.headers["content-disposition"].startswith("inline")
    assert site.one("SELECT count(*) FROM audit_log WHERE entity = 'dossier' AND entity_id = ? "
                    "AND summary LIKE 'Xem tệp%'", (did,)) == seen + 1
    # a file whose content is not what it says is refused beside its document
    r = desk.post(site.url + path, data={"csrf_token": token},
                  files={"doc_%d" % doc["id"]: ("gia.pdf", b"khong phai pdf", "application/pdf")},
                  timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 422 and "gia.pdf" in page_text(r)
    # not for another desk's officer
    other = staff(OTHER_INTAKE)
    r = other.post(site.url + path, data={"csrf_token": site.csrf(other, "/staff")},
                   files={"doc_%d" % doc["id"]: ("giay.pdf", pdf, "application/pdf")},
                   timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 404


def timeline_entries(r):
    """The entries of the timeline a citizen sees (dossier page, lookup), as text."""
    return [" ".join(li.get_text(" ").split())
            for li in soup_of(r).select("ol.dossier-timeline li")]


def test_an_internal_note_stays_with_staff(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    desk = staff(DESK_INTAKE)
    act_ok(site, desk, did, "receive")
    queued = site.one("SELECT count(*) FROM mail_outbox WHERE recipient = ?", (DEMO_CITIZEN,))
    version = row(site, did, ["version"])["version"]
    d = row(site, did, ["receipt_no", "desk_agency_id"])
    lookup = "/lookup?" + urlencode({"agency": d["desk_agency_id"], "procedure": DEATH_CODE,
                                     "receipt": d["receipt_no"]})
    citizen_pages = ("/dossiers/%d" % did, lookup)
    before = {p: timeline_entries(site.get(citizen, p)) for p in citizen_pages}
    assert all(before.values()), before
    act_ok(site, desk, did, "internal_note", note="Hồ sơ của người quen, kiểm tra kỹ giấy tờ.")
    r = dossier_page(site, desk, did)
    assert "Hồ sơ của người quen" in page_text(r) and "Nội bộ" in page_text(r)
    assert status_of(site, did) == "received"
    assert row(site, did, ["version"])["version"] == version + 1
    # the citizen's page and the lookup show neither the note nor an entry for it
    for p in citizen_pages:
        r = site.get(citizen, p)
        assert r.status_code == 200, (p, r.status_code)
        assert "Hồ sơ của người quen" not in page_text(r), p
        assert timeline_entries(r) == before[p], p
    # the mail of a transition is queued in its transaction: none was
    assert site.one("SELECT count(*) FROM mail_outbox WHERE recipient = ?",
                    (DEMO_CITIZEN,)) == queued


def test_due_soon_and_overdue_in_the_lists(admin_site, tmp_path):
    """On a server of its own whose clock reads 09:00 on a working day (--clock-offset), so
    the working time left does not depend on when the test runs: due in 30 minutes is "due
    soon" (less than a working day left), due in three weeks is not, three days ago is late."""
    import datetime
    vn = datetime.timezone(datetime.timedelta(hours=7))
    day = datetime.datetime.strptime(future_working_day(admin_site, 7), "%d/%m/%Y")
    at = datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=vn)
    offset = int((at - datetime.datetime.now(vn)).total_seconds())
    site = AdminSite.start(tmp_path / "site", args=["--clock-offset", str(offset)])
    try:
        desk = site.login(DESK_INTAKE)
        due = {"soon": at + datetime.timedelta(minutes=30),
               "far": at + datetime.timedelta(days=21),
               "late": at - datetime.timedelta(days=3)}
        ids = {}
        for k, when in due.items():
            ids[k] = pending_dossier(site, HAC_THANH_DESK, DEATH_CODE)
            act_ok(site, desk, ids[k], "receive")
            site.execute("UPDATE dossiers SET due_at = ? WHERE id = ?", (when.astimezone(
                datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"), ids[k]))
        r = site.get(desk, "/staff/queue/received")
        rows = {int(a["href"].rsplit("/", 1)[1]): a.find_parent("tr")
                for a in soup_of(r).select("td a[href^='/staff/dossiers/']")}
        soon, far, late = rows[ids["soon"]], rows[ids["far"]], rows[ids["late"]]
        assert soon.select_one(".dossier-due-soon") is not None, soon.get_text()
        assert re.search(r"Còn \d+ phút Sắp đến hạn", " ".join(soon.get_text().split())), \
            soon.get_text()
        assert far.select_one(".dossier-due-soon") is None, far.get_text()
        assert "Còn" in far.get_text() and "dossier-overdue" not in far.get("class", [])
        assert "Quá hạn" in late.get_text() and "dossier-overdue" in late["class"]
        assert late.select_one(".dossier-due-soon") is None
        # the dossier page says the same
        page = soup_of(dossier_page(site, desk, ids["soon"]))
        assert page.select_one(".dossier-due-soon") is not None
        page = soup_of(dossier_page(site, desk, ids["far"]))
        assert page.select_one(".dossier-due-soon") is None
        r = site.get(desk, "/staff/queue/received?due=overdue")
        assert "/staff/dossiers/%d" % ids["late"] in r.text
        assert "/staff/dossiers/%d\"" % ids["soon"] not in r.text
        assert "/staff/dossiers/%d\"" % ids["far"] not in r.text
    finally:
        site.stop()


def test_the_administrators_see_the_dossier_records_in_the_audit_log(admin_site, citizen, staff):
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    act_ok(site, staff(DESK_INTAKE), did, "receive")
    admin = site.login_as("system_admin")
    r = site.get(admin, "/admin/audit?entity=dossier")
    assert r.status_code == 200
    text = page_text(r)
    assert "Hồ sơ" in text and "Tiếp nhận" in text and "Xem" in text
