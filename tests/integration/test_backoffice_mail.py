"""The back office's mail to the citizen, over real SMTP: every transition the citizen can see
(src/domain/workflow.c, the 'mail' column) sends its template (templates/mail/) through the
SMTP server given by --smtp, here an aiosmtpd Controller (Debian's python3-aiosmtpd) of the
test; the steps inside the agency send nothing, and an internal note never leaves it.

One server on fresh demo data for the module (`motcua --password ... demo`, then serve with
--smtp and --mail-from).  The dossiers belong to the demo citizen and are written straight into
the database as confirmed online dossiers waiting at the Hạc Thành desk (as
test_backoffice_concurrency.py does): the citizen's confirmation link would come by SMTP here,
and what is tested is the back office.  Staff act through POST /staff/dossiers/{id}/act with the
dossier page's own form, as test_backoffice.py does.

A mail belongs to a dossier when its text links to /dossiers/<id> (or /dossiers/<id>/edit).
"No mail" is checked on the outbox, in the transaction's own result (the row would be there
when the 303 comes back), and then over SMTP once the sender has delivered all that was queued.
"""
import datetime
import email.utils
import functools
import html as htmllib
import re
import time

import pytest

from accounts_helpers import SmtpCollector, parse_mail, stop_ok
from admin_helpers import (DEMO_CITIZEN, TIMEOUT, AdminSite, location,
                           page_text)
from dossier_helpers import DESK_INTAKE, schema_of, valid_answers
import staff_helpers
from staff_helpers import act_ok, future_working_day, row, staff_session, walkin_offering
from motcua_server import free_port

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

MAIL_FROM = "thongbao@dichvucong.thanhhoa.example.vn"
HAC_THANH_DESK = "000.01.61.H56"
SPECIALIST = "chuyenvien.vp.hacthanh@example.vn"   # Văn phòng, the offering's department
LEADER = "lanhdao.hacthanh@example.vn"             # leader of Ủy ban nhân dân phường Hạc Thành
STANDARD_CODE = "1.000656"        # Đăng ký khai tử: workflow 'standard'
NO_DEPARTMENT_CODE = "2.000815"   # Chứng thực bản sao: workflow 'no_department'
MAIL_WAIT = 20.0                  # seconds for the sender to deliver what was queued

VIET = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]", re.I)
VN = datetime.timezone(datetime.timedelta(hours=7))

# templates/mail/<name>_subject.mustache, with the procedure's name.
SUBJECTS = {
    "dossier_accepted": "Hồ sơ {p} đã được tiếp nhận",
    "dossier_supplement": "Hồ sơ {p} cần bổ sung",
    "dossier_refused": "Hồ sơ {p} không được tiếp nhận",
    "dossier_forwarded": "Hồ sơ {p} đang được xử lý",
    "dossier_done": "Hồ sơ {p} đã xử lý xong",
    "dossier_returned": "Đã trả kết quả hồ sơ {p}",
    "dossier_note": "Thông báo về hồ sơ {p}",
    "dossier_extended": "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {p}",
    "dossier_status": "Hồ sơ {p} chuyển sang trạng thái {s}",
}

# Every internal note this module writes: none may reach any mail.
INTERNAL_NOTES = []


def internal(text):
    INTERNAL_NOTES.append(text)
    return text


# ---- the SMTP server and the motcua server ----


def start_site(root, smtp_port):
    """A server on fresh demo data in 'root', its mail going to the SMTP server on smtp_port."""
    return AdminSite.start(root, args=["--smtp", "smtp://127.0.0.1:%d" % smtp_port,
                                       "--mail-from", MAIL_FROM])


@pytest.fixture(scope="module")
def smtp():
    ctrl = aiosmtpd_controller.Controller(SmtpCollector(), hostname="127.0.0.1", port=free_port())
    ctrl.start()
    yield ctrl
    ctrl.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, smtp):
    s = start_site(tmp_path_factory.mktemp("backoffice-mail") / "site", smtp.port)
    yield s
    stop_ok(s.srv)


@pytest.fixture(scope="module")
def staff(site):
    """Logged-in sessions by e-mail address, made once each."""
    return functools.partial(staff_session, site)


# ---- the mail that came over SMTP ----

class Mail:
    def __init__(self, envelope):
        self.envelope = envelope
        self.msg = parse_mail(envelope.content)
        self.subject = " ".join(str(self.msg["Subject"]).split())
        plain = self.msg.get_body(preferencelist=("plain",))
        rich = self.msg.get_body(preferencelist=("html",))
        self.text = plain.get_content() if plain is not None else ""
        self.html = rich.get_content() if rich is not None else ""
        # the HTML part's words, tags dropped and entities decoded
        self.html_words = " ".join(htmllib.unescape(re.sub(r"<[^>]*>", " ", self.html)).split())

    def about(self, did):
        return re.search(r"/dossiers/%d(/edit)?(?![\w/])" % did, self.text) is not None

    def says(self, words):
        """'words' in the text part and in the HTML part."""
        flat = " ".join(words.split())
        return words in self.text and flat in self.html_words

    def mentions(self, words):
        """'words' anywhere: subject, text, HTML (raw or decoded)."""
        flat = " ".join(words.split())
        return (words in self.subject or words in self.text or words in self.html or
                flat in self.html_words)


def all_mail(smtp):
    return [Mail(e) for e in list(smtp.handler.envelopes)]


def mails_about(smtp, did):
    return [m for m in all_mail(smtp) if m.about(did)]


def outbox_count(site, did=None):
    """Rows of the outbox (about dossier 'did': its link in the text)."""
    rows = site.rows("SELECT body_text FROM mail_outbox")
    if did is None:
        return len(rows)
    pat = re.compile(r"/dossiers/%d(/edit)?(?![\w/])" % did)
    return sum(1 for (body,) in rows if pat.search(body))


def drain(site, smtp, timeout=MAIL_WAIT):
    """Wait until the sender has delivered every queued message, each one over SMTP."""
    deadline = time.monotonic() + timeout
    while True:
        states = dict(site.rows("SELECT status, count(*) FROM mail_outbox GROUP BY status"))
        failed = site.rows("SELECT recipient, subject, last_error FROM mail_outbox "
                           "WHERE status = 'failed'")
        assert not failed, "mail given up: %r" % failed
        total = sum(states.values())
        if states.get("sent", 0) == total and len(smtp.handler.envelopes) >= total:
            assert len(smtp.handler.envelopes) == total, (
                "%d envelopes over SMTP for %d outbox rows" % (len(smtp.handler.envelopes),
                                                               total))
            return
        if time.monotonic() > deadline:
            raise AssertionError("the sender did not deliver the outbox within %.0f s: %r, "
                                 "%d envelopes; stderr:\n%s" % (
                                     timeout, states, len(smtp.handler.envelopes),
                                     site.srv.stderr()[-2000:]))
        time.sleep(0.05)


def wait_mail_about(smtp, did, count, timeout=MAIL_WAIT):
    """The mails about dossier 'did' once there are 'count' of them (oldest first)."""
    deadline = time.monotonic() + timeout
    while True:
        found = mails_about(smtp, did)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("%d mail(s) about dossier %d over SMTP within %.0f s, wanted "
                                 "%d: %r" % (len(found), did, timeout, count,
                                             [m.subject for m in found]))
        time.sleep(0.05)


class Tracker:
    """The mails of one dossier, one transition at a time."""

    def __init__(self, site, smtp, did, to=DEMO_CITIZEN):
        self.site, self.smtp, self.did, self.to = site, smtp, did, to
        self.seen = len(mails_about(smtp, did))
        self.queued = outbox_count(site, did)
        assert self.seen == self.queued == 0, "dossier %d already has mail" % did

    def expect(self, template, **subject_args):
        """The one new mail of the last transition: template 'template' (its subject), sent
        to the dossier's addressee from MAIL_FROM, text and HTML in Vietnamese."""
        assert outbox_count(self.site, self.did) == self.queued + 1, (
            "the transition queued %d mails, wanted one %s" % (
                outbox_count(self.site, self.did) - self.queued, template))
        self.queued += 1
        found = wait_mail_about(self.smtp, self.did, self.seen + 1)
        assert len(found) == self.seen + 1, [m.subject for m in found]
        self.seen += 1
        m = found[-1]
        want = SUBJECTS[template].format(p=self.procedure_name(), **subject_args)
        assert m.subject == want, "subject %r, wanted %r (%s)" % (m.subject, want, template)
        check_envelope(m, self.to)
        for note in INTERNAL_NOTES:
            assert not m.mentions(note), "an internal note in the %s mail: %r" % (template, note)
        return m

    def expect_none(self, what):
        """The last transition queued nothing, and nothing came over SMTP."""
        assert outbox_count(self.site, self.did) == self.queued, "%s queued a mail" % what
        drain(self.site, self.smtp)
        found = mails_about(self.smtp, self.did)
        assert len(found) == self.seen, "%s sent %r" % (what, [m.subject
                                                              for m in found[self.seen:]])

    def procedure_name(self):
        return self.site.one("SELECT p.name FROM dossiers d JOIN procedures p ON "
                             "p.id = d.procedure_id WHERE d.id = ?", (self.did,))


def check_envelope(m, to):
    env = m.envelope
    assert env.rcpt_tos == [to], env.rcpt_tos
    assert env.mail_from == MAIL_FROM, env.mail_from
    head = env.content.partition(b"\r\n\r\n")[0]
    try:
        head.decode("ascii")
    except UnicodeDecodeError:
        raise AssertionError("8-bit bytes in the header: %r" % head[:600])
    msg = m.msg
    assert msg.defects == [], msg.defects
    assert [a for _, a in email.utils.getaddresses([str(msg["From"])])] == [MAIL_FROM], \
        msg["From"]
    tos = [a.lower() for _, a in email.utils.getaddresses(msg.get_all("To", []))]
    assert tos == [to.lower()], tos
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    kinds = [p.get_content_type() for p in msg.iter_parts()]
    assert kinds == ["text/plain", "text/html"], kinds
    assert VIET.search(m.subject), m.subject
    assert VIET.search(m.text), m.text[:300]
    assert VIET.search(m.html_words), m.html[:300]


# ---- the database and the forms ----

def local_text(iso):
    """'dd/mm/yyyy HH:MM' in Vietnam of an ISO-8601 UTC instant (as the mails write it)."""
    t = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return t.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def pending_dossier(site, code=STANDARD_CODE):
    """A confirmed online dossier of the demo citizen waiting at the desk (status 'pending')."""
    return staff_helpers.pending_dossier(site, HAC_THANH_DESK, code)


def assert_kept_inside(site, did, action, note):
    """The note was recorded on the timeline, marked internal (so its absence from the mail
    is the rule at work, not a note that was dropped)."""
    assert site.one("SELECT count(*) FROM dossier_events WHERE dossier_id = ? AND action = ? "
                    "AND internal = 1 AND instr(note, ?) > 0", (did, action, note)) == 1, (
        "the %s note of dossier %d is not on the timeline as internal" % (action, did))


def edit_link_of(site, m, did):
    links = re.findall(r"https?://[^\s<>\"')\]]+", m.text)
    want = site.url + "/dossiers/%d/edit" % did
    assert want in links, "no link %s in %r" % (want, m.text[:800])
    assert 'href="%s"' % want in m.html, "the HTML part does not link to %s" % want


# ---- the standard workflow ----

def test_receive_forward_claim_submit_approve_hand_back_return(site, smtp, staff):
    desk, specialist, leader = staff(DESK_INTAKE), staff(SPECIALIST), staff(LEADER)
    did = pending_dossier(site)
    mail = Tracker(site, smtp, did)

    act_ok(site, desk, did, "receive")
    d = row(site, did, ["status", "receipt_no", "due_at"])
    assert d["status"] == "received" and d["receipt_no"], d
    m = mail.expect("dossier_accepted")
    assert m.says(d["receipt_no"]), m.text
    assert m.says(local_text(d["due_at"])), (local_text(d["due_at"]), m.text)
    assert m.says("Đã tiếp nhận")  # the status it is in now
    assert site.url + "/dossiers/%d" % did in m.text

    forward_note = internal("Ghi chú nội bộ: kiểm tra kỹ chữ ký người chết %d" % did)
    act_ok(site, desk, did, "forward", note=forward_note)
    assert row(site, did, ["status"])["status"] == "processing"
    assert_kept_inside(site, did, "forward", forward_note)
    m = mail.expect("dossier_forwarded")
    assert not m.mentions(forward_note), "the internal note of 'forward' was mailed"
    assert m.says(d["receipt_no"]) and m.says(local_text(d["due_at"]))
    assert m.says("Ủy ban nhân dân phường Hạc Thành"), m.text

    act_ok(site, specialist, did, "claim")
    mail.expect_none("claim")
    act_ok(site, specialist, did, "submit_result", result_number="12/TB-UBND",
           result_text="Trích lục khai tử cho ông Nguyễn Văn Bình.",
           note=internal("Ý kiến trình nội bộ %d" % did))
    assert row(site, did, ["status"])["status"] == "awaiting_approval"
    mail.expect_none("submit_result")
    act_ok(site, leader, did, "approve", note=internal("Ý kiến phê duyệt nội bộ %d" % did))
    assert row(site, did, ["status"])["status"] == "approved"
    mail.expect_none("approve")

    act_ok(site, specialist, did, "hand_back")
    assert row(site, did, ["status"])["status"] == "done"
    m = mail.expect("dossier_done")
    assert m.says(d["receipt_no"]), m.text
    assert m.says("Kết quả giải quyết hồ sơ đã sẵn sàng"), m.text

    return_note = "Kết quả gửi qua bưu điện đến địa chỉ thường trú của Ông/Bà."
    act_ok(site, desk, did, "return", return_method="post", note=return_note)
    assert row(site, did, ["status"])["status"] == "returned"
    m = mail.expect("dossier_returned")
    assert m.says(d["receipt_no"]), m.text
    assert m.says("qua dịch vụ bưu chính công ích"), m.text
    assert m.says(return_note), m.text
    mail.expect_none("the last step")


def test_supplement_requested_at_the_desk(site, smtp, staff):
    did = pending_dossier(site)
    mail = Tracker(site, smtp, did)
    request = "Bổ sung bản sao giấy báo tử có chứng thực (hồ sơ %d)." % did
    act_ok(site, staff(DESK_INTAKE), did, "request_supplement", note=request)
    assert row(site, did, ["status", "receipt_no"]) == {"status": "supplement",
                                                         "receipt_no": None}
    m = mail.expect("dossier_supplement")
    assert m.says(request), m.text
    edit_link_of(site, m, did)


def test_refusal_at_the_desk_gives_the_reason(site, smtp, staff):
    did = pending_dossier(site)
    mail = Tracker(site, smtp, did)
    reason = "Hồ sơ thuộc thẩm quyền của Sở Tư pháp (hồ sơ %d)." % did
    act_ok(site, staff(DESK_INTAKE), did, "refuse", note=reason)
    assert row(site, did, ["status"])["status"] == "refused"
    m = mail.expect("dossier_refused")
    assert m.says(reason), m.text
    assert m.says("Không được tiếp nhận"), m.text


def test_supplement_requested_by_the_specialist(site, smtp, staff):
    desk, specialist = staff(DESK_INTAKE), staff(SPECIALIST)
    did = pending_dossier(site)
    mail = Tracker(site, smtp, did)
    act_ok(site, desk, did, "receive")
    mail.expect("dossier_accepted")
    act_ok(site, desk, did, "forward")
    mail.expect("dossier_forwarded")
    act_ok(site, specialist, did, "claim")
    mail.expect_none("claim")
    request = "Bổ sung bản chính giấy chứng tử để đối chiếu (hồ sơ %d)." % did
    act_ok(site, specialist, did, "request_supplement", note=request)
    assert row(site, did, ["status"])["status"] == "supplement"
    m = mail.expect("dossier_supplement")
    assert m.says(request), m.text
    edit_link_of(site, m, did)


def test_a_notice_and_an_extension_with_an_apology(site, smtp, staff):
    desk, leader = staff(DESK_INTAKE), staff(LEADER)
    did = pending_dossier(site)
    mail = Tracker(site, smtp, did)
    act_ok(site, desk, did, "receive")
    mail.expect("dossier_accepted")
    d = row(site, did, ["receipt_no", "due_at"])

    notice = "Mời Ông/Bà mang bản chính giấy báo tử để đối chiếu (hồ sơ %d)." % did
    act_ok(site, desk, did, "note", note=notice)
    m = mail.expect("dossier_note")
    assert m.says(notice), m.text
    assert m.says(d["receipt_no"]), m.text

    new_due = future_working_day(site)
    reason = "Cần xác minh thông tin tại nơi cư trú cuối cùng của người chết (hồ sơ %d)." % did
    act_ok(site, leader, did, "extend", new_due=new_due, note=reason)
    after = row(site, did, ["due_at", "status"])
    assert after["status"] == "received" and after["due_at"] > d["due_at"], after
    assert local_text(after["due_at"]).startswith(new_due)
    m = mail.expect("dossier_extended")
    assert m.says(reason), m.text
    assert m.says("Ngày hẹn trả kết quả mới: %s" % local_text(after["due_at"])), m.text
    assert m.says("Ngày hẹn trả kết quả trước đây: %s" % local_text(d["due_at"])), m.text
    assert m.says(d["receipt_no"]), m.text


# ---- the no_department workflow: the desk processes, the leader approves ----

def test_no_department_status_mails_keep_the_internal_notes(site, smtp, staff):
    desk, leader = staff(DESK_INTAKE), staff(LEADER)
    did = pending_dossier(site, NO_DEPARTMENT_CODE)
    assert row(site, did, ["workflow"])["workflow"] == "no_department"
    mail = Tracker(site, smtp, did)

    act_ok(site, desk, did, "receive")
    m = mail.expect("dossier_accepted")
    receipt = row(site, did, ["receipt_no"])["receipt_no"]
    assert m.says(receipt)

    act_ok(site, desk, did, "submit_result", result_number="35/CT-UBND",
           result_text="Bản sao được chứng thực từ bản chính.",
           note=internal("Trình lãnh đạo, bản chính đã đối chiếu %d" % did))
    assert row(site, did, ["status"])["status"] == "awaiting_approval"
    m = mail.expect("dossier_status", s="Chờ lãnh đạo phê duyệt")
    assert m.says(receipt), m.text
    assert m.says("Chờ lãnh đạo phê duyệt"), m.text

    reason = internal("Lãnh đạo trả lại: thiếu số chứng thực trong sổ %d" % did)
    act_ok(site, leader, did, "send_back", note=reason)
    assert row(site, did, ["status"])["status"] == "received"
    assert_kept_inside(site, did, "send_back", reason)
    m = mail.expect("dossier_status", s="Đã tiếp nhận")
    assert not m.mentions(reason), "the leader's internal reason was mailed: %r" % m.text
    assert m.says("Đã tiếp nhận"), m.text
    assert m.says(receipt), m.text

    act_ok(site, desk, did, "submit_result", result_number="36/CT-UBND",
           result_text="Bản sao được chứng thực từ bản chính.")
    mail.expect("dossier_status", s="Chờ lãnh đạo phê duyệt")
    act_ok(site, leader, did, "approve", note=internal("Đồng ý ký %d" % did))
    assert row(site, did, ["status"])["status"] == "done"
    m = mail.expect("dossier_done")
    assert m.says(receipt), m.text
    mail.expect_none("the last step")


# ---- walk-in dossiers ----

def walkin_ok(site, s, applicant):
    path = "/staff/walk-in/%d" % walkin_offering(site, STANDARD_CODE, HAC_THANH_DESK)
    data = {"f_" + k: v for k, v in valid_answers(schema_of(site, STANDARD_CODE)).items()}
    data.update(applicant)
    data["csrf_token"] = site.csrf(s, path)
    r = s.post(site.url + path, data=data, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 303, (r.status_code, page_text(r)[:800])
    m = re.match(r"^/staff/dossiers/(\d+)\?done=receive$", location(r))
    assert m, location(r)
    return int(m.group(1))


def test_a_walk_in_dossier_without_an_address_gets_no_mail(site, smtp, staff):
    drain(site, smtp)
    before = outbox_count(site)
    sent = len(smtp.handler.envelopes)
    did = walkin_ok(site, staff(DESK_INTAKE), {
        "applicant_name": "Trịnh Văn Tới", "applicant_citizen_id": "038195007711",
        "applicant_phone": "0912 000 222", "applicant_email": "",
        "applicant_address": "Số 3 phố Lê Hoàn, phường Hạc Thành"})
    d = row(site, did, ["status", "channel", "owner_account_id", "receipt_no"])
    assert d["status"] == "received" and d["channel"] == "walk_in" and d["receipt_no"], d
    assert d["owner_account_id"] is None
    assert outbox_count(site) == before, "a mail was queued for a walk-in without an address"
    drain(site, smtp)
    assert len(smtp.handler.envelopes) == sent
    assert not [m for m in all_mail(smtp)[sent:] if m.mentions(d["receipt_no"])]


def test_a_walk_in_dossier_with_an_address_gets_the_reception_mail(site, smtp, staff):
    to = "tran.thi.nop@example.vn"
    did = walkin_ok(site, staff(DESK_INTAKE), {
        "applicant_name": "Trần Thị Nộp", "applicant_citizen_id": "038195007722",
        "applicant_phone": "0912 000 333", "applicant_email": to,
        "applicant_address": "Số 5 phố Lê Hoàn, phường Hạc Thành"})
    d = row(site, did, ["status", "receipt_no", "due_at", "applicant_email"])
    assert d["status"] == "received" and d["applicant_email"] == to, d
    deadline = time.monotonic() + MAIL_WAIT
    found = []
    while not found:
        found = [m for m in all_mail(smtp) if m.envelope.rcpt_tos == [to]]
        assert found or time.monotonic() < deadline, "no mail to %s over SMTP" % to
        time.sleep(0.05)
    drain(site, smtp)
    found = [m for m in all_mail(smtp) if m.envelope.rcpt_tos == [to]]
    assert len(found) == 1, [m.subject for m in found]
    m = found[0]
    name = site.one("SELECT name FROM procedures WHERE code = ?", (STANDARD_CODE,))
    assert m.subject == SUBJECTS["dossier_accepted"].format(p=name), m.subject
    check_envelope(m, to)
    assert m.says("Trần Thị Nộp"), m.text
    assert m.says(d["receipt_no"]) and m.says(local_text(d["due_at"])), m.text
    # nobody's account: it links to the lookup page, not to a dossier page
    assert site.url + "/lookup" in m.text and "/dossiers/" not in m.text, m.text


# ---- all of it ----

def test_every_queued_mail_went_out_once_and_no_internal_note_left(site, smtp, staff):
    # Notes of its own, each followed by a mail about the dossier, so that the check has
    # something to find when this test runs alone.
    desk = staff(DESK_INTAKE)
    did = pending_dossier(site)
    act_ok(site, desk, did, "receive")
    note = internal("Ghi chú nội bộ: người nộp là người quen của cán bộ %d" % did)
    act_ok(site, desk, did, "internal_note", note=note)
    assert_kept_inside(site, did, "internal_note", note)
    forward_note = internal("Chuyển phòng, đối chiếu kỹ bản chính %d" % did)
    act_ok(site, desk, did, "forward", note=forward_note)
    assert_kept_inside(site, did, "forward", forward_note)
    assert len(wait_mail_about(smtp, did, 2)) == 2
    drain(site, smtp)
    assert INTERNAL_NOTES
    ids = [i for (i,) in site.rows("SELECT message_id FROM mail_outbox")]
    got = [str(Mail(e).msg["Message-ID"]).strip() for e in smtp.handler.envelopes]
    assert len(got) == len(set(got)), "a message was delivered twice"
    norm = sorted(i.strip().strip("<>") for i in ids)
    assert sorted(g.strip("<>") for g in got) == norm, (got, ids)
    for m in all_mail(smtp):
        for note in INTERNAL_NOTES:
            assert not m.mentions(note), "an internal note reached %s: %r" % (
                m.envelope.rcpt_tos, note)
