"""Submitting a dossier online, end to end, against the real binary on demo data with the mail
captured in the data folder's Maildir: the citizen's whole path (the catalogue's button, each
step of the form, files, the check page, submitting, the confirmation mail and its link, the
list and the detail, downloads), every rule the pages enforce on answers and files, what the
desk sees of an unconfirmed dossier, resending and expiring confirmation links, a supplement
asked for by the desk (through the back office's dossier page) with its version history, and
who may open what.

Procedures (data/demo-catalog.json; see dossier_helpers.py): 1.000656 Đăng ký khai tử (3
sections; document "Giấy báo tử" mandatory, pdf/jpg/png, 10 MB, one file), 1.013225 Giấy phép
xây dựng (a mandatory document taking several pdf/zip files of up to 50 MB).  Both are offered
online at the Hạc Thành desk, whose intake officer is tiepnhan.hacthanh@example.vn.
"""
import datetime
import hashlib
import os
import re
import time

import pytest

from admin_helpers import (DEMO_CITIZEN, TIMEOUT, admin_site, field_message,  # noqa: F401
                           input_value, location, page_text, soup_of)
from accounts_helpers import new_session, plain_text
from dossier_helpers import (BUILDING, DEATH, DESK_INTAKE, LIMIT_DOSSIER_FILES_BYTES, MIB,
                             OTHER_INTAKE, STATUS_LABELS, all_sections_post,
                             confirm_link, confirmed_dossier, detail_status, doc_error,
                             document, documents_of, dossier_files, dossier_mails, dossier_schema, fill_all,
                             follow_link, form_data, get, link_to, make_pdf, make_pdf_of_size,
                             make_png, make_zip, new_citizen, offering_of, page_files, post,
                             post_step, request_supplement, request_supplement_ok,
                             section_post, start, start_from_catalogue,
                             status_of, step_count,
                             stored_files, stored_path, submit, submit_ok, submitted_dossier,
                             summary_links, valid_answers, wait_dossier_mail)
from staff_helpers import staff_session


@pytest.fixture(scope="module")
def citizen(admin_site):
    return admin_site.citizen_session()


@pytest.fixture(scope="module")
def death_docs(admin_site):
    """The documents of 1.000656: (the mandatory one, a conditional one, another one)."""
    mandatory = document(admin_site, DEATH, mandatory=True)
    optional = [d for d in documents_of(admin_site, DEATH) if d["requirement"] != "mandatory"]
    assert not mandatory["multiple"] and mandatory["max_size"] == 10 * MIB
    return mandatory, optional[0], optional[1]


def desk_of(site, did):
    """(id, name, address, phone, office_hours JSON) of dossier 'did''s desk."""
    return site.rows("SELECT g.id, g.name, g.address, g.phone, g.office_hours FROM dossiers d "
                     "JOIN agencies g ON g.id = d.desk_agency_id WHERE d.id = ?", (did,))[0]


def queue_count(site, desk_id):
    """What the desk's queue holds: the pending dossiers of its agency."""
    return site.one("SELECT count(*) FROM dossiers WHERE desk_agency_id = ? "
                    "AND status = 'pending'", (desk_id,))


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def download(site, s, did, fid):
    return get(site, s, "/dossiers/%d/files/%d" % (did, fid))


def versions(site, did):
    return site.rows("SELECT number, reason FROM dossier_versions WHERE dossier_id = ? "
                     "ORDER BY number", (did,))


# ---- 1. the whole citizen path ----

def test_whole_citizen_path(admin_site, citizen, death_docs):
    site = admin_site
    mandatory, optional, third = death_docs
    did = start_from_catalogue(site, citizen, DEATH)
    desk_id, desk_name, desk_address, desk_phone, _ = desk_of(site, did)
    schema = dossier_schema(site, did)
    count = step_count(site, did)
    assert count == len(schema["sections"]) + 1 == 4
    answers = valid_answers(schema, deceased_name="Lê Văn Tám", deceased_gender="nam",
                            death_place="Bệnh viện Đa khoa tỉnh Thanh Hóa\nSố 181 Hải Thượng Lãn Ông",
                            relationship="Con")

    # Each section in its order, "Tiếp tục" leading to the next step.
    for step in range(1, count):
        r = post_step(site, citizen, did, step, section_post(schema, step, answers), "next")
        assert r.status_code == 303, (step, page_text(r)[:300], summary_links(r))
        assert location(r) == "/dossiers/%d/form?step=%d" % (did, step + 1)

    # The documents: a PDF and a PNG, saved as a draft.
    r = get(site, citizen, "/dossiers/%d/form?step=%d" % (did, count))
    assert r.status_code == 200 and "Giấy tờ đính kèm" in page_text(r)
    files_before = set(stored_files(site))
    pdf = make_pdf("Giay bao tu %d" % did)
    png = make_png(5, 4, (did % 256, 120, 30))
    r = post_step(site, citizen, did, count, action="save", files=[
        (mandatory["id"], "Giấy báo tử.pdf", pdf), (optional["id"], "to-khai.png", png)])
    assert r.status_code == 200, page_text(r)[:400]
    assert "Đã lưu nháp." in page_text(r)
    rows = dossier_files(site, did, current=True)
    assert [(f["document_id"], f["name"], f["kind"], f["size"]) for f in rows] == [
        (mandatory["id"], "Giấy báo tử.pdf", "pdf", len(pdf)),
        (optional["id"], "to-khai.png", "png", len(png))]
    assert [n for n, _, _ in page_files(r, mandatory["id"])] == ["Giấy báo tử.pdf"]
    for f, content in zip(rows, (pdf, png)):
        assert f["sha256"] == hashlib.sha256(content).hexdigest()
        with open(stored_path(site, f["sha256"]), "rb") as fh:
            assert fh.read() == content
    assert len(set(stored_files(site)) - files_before) == 2

    # The same content for another document: a second row, one file on disk.
    files_before = set(stored_files(site))
    r = post_step(site, citizen, did, count, action="save",
                  files=[(third["id"], "ban-sao.pdf", pdf)])
    assert r.status_code == 200, page_text(r)[:400]
    rows = dossier_files(site, did, current=True)
    assert len(rows) == 3 and rows[2]["sha256"] == rows[0]["sha256"]
    assert set(stored_files(site)) == files_before, "the same content was stored twice"

    # Resume on another machine: a new login sees every answer and file stored.
    other = site.citizen_session()
    for step in range(1, count):
        r = get(site, other, "/dossiers/%d/form?step=%d" % (did, step))
        assert r.status_code == 200
        for name in [f["name"] for f in schema["sections"][step - 1]["fields"]]:
            want = answers[name]
            got = input_value(r, "f_" + name)
            if isinstance(want, list):
                continue
            assert (got or "") == want, (name, got, want)
    r = get(site, other, "/dossiers/%d/form?step=%d" % (did, count))
    listed = {n: (href, rm) for d in (mandatory, optional, third)
              for n, href, rm in page_files(r, d["id"])}
    assert set(listed) == {"Giấy báo tử.pdf", "to-khai.png", "ban-sao.pdf"}
    assert listed["to-khai.png"][0] == "/dossiers/%d/files/%d" % (did, rows[1]["id"])
    assert listed["to-khai.png"][1] == str(rows[1]["id"]), "a Xóa button takes it out"
    # The detail offers the check page too.
    r = get(site, other, "/dossiers/%d" % did)
    check = soup_of(r).find("a", href="/dossiers/%d/check" % did)
    assert check is not None and "Kiểm tra và nộp" in check.get_text()

    # "Kiểm tra và nộp" on the documents step: the check page lists everything.
    r = post_step(site, other, did, count, action="next")
    assert r.status_code == 303 and location(r) == "/dossiers/%d/check" % did
    r = get(site, other, "/dossiers/%d/check" % did)
    assert r.status_code == 200
    soup = soup_of(r)
    assert soup.select_one(".error-summary") is None, summary_links(r)
    text = page_text(r)
    for n, sec in enumerate(schema["sections"], 1):
        assert sec["title"] in text
        assert soup.find("a", href="/dossiers/%d/form?step=%d" % (did, n)) is not None
    assert "Lê Văn Tám" in text and "Nam" in text
    assert "Bệnh viện Đa khoa tỉnh Thanh Hóa" in text and "Số 181 Hải Thượng Lãn Ông" in text
    assert answers["deceased_birth_date"] == "2000-01-15"
    assert "15/01/2000" in text, "dates as dd/mm/yyyy"
    for name in ("Giấy báo tử.pdf", "to-khai.png", "ban-sao.pdf"):
        assert name in text
    assert soup.find("form", attrs={"action": "/dossiers/%d/submit" % did}) is not None

    # Submitting: "Chờ xác thực", not in the desk's queue, a confirmation mail.
    queue = queue_count(site, desk_id)
    r = submit_ok(site, other, did)
    r = get(site, other, location(r))
    assert r.status_code == 200
    assert detail_status(r) == "Chờ xác thực"
    assert "Đã nộp hồ sơ" in page_text(r)
    assert soup_of(r).find("form", attrs={"action": "/dossiers/%d/resend" % did}) is not None
    assert queue_count(site, desk_id) == queue
    f, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_confirm")
    link = link_to(msg, "/dossiers/confirm")
    assert re.search(r"[?&]token=[A-Za-z0-9_-]{20,}", link), link
    assert "Đăng ký khai tử" in plain_text(msg)

    # The link works for whoever follows it: here a browser that is not logged in.
    r = follow_link(link, new_session())
    assert r.status_code == 200, (r.status_code, page_text(r)[:300])
    text = page_text(r)
    assert "Hồ sơ đã được gửi đến nơi tiếp nhận" in text
    assert desk_name in text and desk_address in text and desk_phone in text
    assert "Giờ làm việc" in text and "07:00" in text
    assert "Chờ tiếp nhận" in text
    assert status_of(site, did) == "pending"
    assert queue_count(site, desk_id) == queue + 1
    # Once only.
    r = follow_link(link, citizen)
    assert r.status_code == 200
    assert "Liên kết đã được sử dụng" in page_text(r)
    assert queue_count(site, desk_id) == queue + 1

    _, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_received")
    body = plain_text(msg)
    assert desk_name in body and desk_address in body and desk_phone in body
    assert "/dossiers/%d" % did in body

    # The list and the detail.
    r = get(site, citizen, "/dossiers")
    row = soup_of(r).find("a", href="/dossiers/%d" % did).find_parent("tr")
    assert row.select_one(".dossier-status").get_text(strip=True) == "Chờ tiếp nhận"
    r = get(site, citizen, "/dossiers/%d" % did)
    assert detail_status(r) == "Chờ tiếp nhận"
    soup = soup_of(r)
    section = soup.find("section", attrs={"aria-labelledby": "giay-to"})
    assert section is not None, "no documents on the detail page"
    hrefs = {a.get_text(strip=True): a["href"] for a in section.find_all("a", href=True)}
    assert set(hrefs) == {"Giấy báo tử.pdf", "to-khai.png", "ban-sao.pdf"}, hrefs
    timeline = [" ".join(li.get_text(" ").split()) for li in soup.select(".dossier-timeline li")]
    assert len(timeline) == 3, timeline
    assert "Nháp" in timeline[0] and "Chờ xác thực" in timeline[1]
    assert "Chờ tiếp nhận" in timeline[2] and "Nguyễn Văn An" in timeline[2]
    assert soup.select(".dossier-version") == [], "one version: no history yet"

    # Downloads: the exact bytes, the right type, never cached.
    for name, content, mime in (("Giấy báo tử.pdf", pdf, "application/pdf"),
                                ("to-khai.png", png, "image/png"),
                                ("ban-sao.pdf", pdf, "application/pdf")):
        r = get(site, citizen, hrefs[name])
        assert r.status_code == 200, (name, r.status_code)
        assert r.content == content, name
        assert r.headers["Content-Type"].startswith(mime), r.headers
        disp = r.headers["Content-Disposition"]
        assert disp.startswith("inline"), disp
        assert "filename*=UTF-8''" in disp, disp
        cache = r.headers.get("Cache-Control", "")
        assert "private" in cache and "no-store" in cache, cache


# ---- 2. the rules, through the pages ----

# (step, field, a wrong answer) of 1.000656, one per kind of check.
WRONG_ANSWERS = [
    (1, "requester_name", ""),                       # required
    (1, "requester_name", "A" * 101),                # max_length
    (1, "requester_citizen_id", "12345"),            # citizen ID
    (1, "requester_phone", "12345"),                 # phone
    (1, "requester_email", "khong-phai-thu"),        # email
    (1, "requester_address", "Xã"),                  # address: 5 characters at least
    (2, "deceased_birth_date", "2024-02-30"),        # not a date
    (2, "death_date", "2999-01-01"),                 # after today
    (2, "deceased_gender", "khac"),                  # not an option (radio)
    (2, "deceased_ethnicity", "sao_hoa"),            # not an option (select)
    (2, "death_time", "25:61"),                      # pattern
    (3, "copies", "2,5"),                            # number: integer
    (3, "copies", "21"),                             # number: max
    (3, "copies", "nhiều"),                          # number
    (3, "result_way", ""),                           # required radio
]


@pytest.mark.parametrize("step,field,wrong", WRONG_ANSWERS,
                         ids=["%s-%d" % (f, i) for i, (_, f, _) in enumerate(WRONG_ANSWERS)])
def test_each_rule_stops_the_step_with_the_message_beside_the_field(admin_site, citizen, step,
                                                                     field, wrong):
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    schema = dossier_schema(site, did)
    answers = valid_answers(schema)
    answers[field] = wrong
    mandatory = document(site, DEATH, mandatory=True)
    post_step(site, citizen, did, 4, action="save",
              files=[(mandatory["id"], "bao-tu.pdf", make_pdf("rule %d" % did))])
    r = post_step(site, citizen, did, step, section_post(schema, step, answers), "next")
    assert r.status_code == 422, (r.status_code, page_text(r)[:300])
    links = summary_links(r)
    assert links == ["#f_" + field], links
    msg = field_message(r, "f_" + field)
    label = [f["label"] for sec in schema["sections"] for f in sec["fields"]
             if f["name"] == field][0]
    assert msg and label in msg, "the message beside %s names its label %r: %r" % (field, label,
                                                                                 msg)
    if wrong and field not in ("deceased_gender", "deceased_ethnicity"):
        # (a value that is no option cannot be shown selected)
        assert input_value(r, "f_" + field) == wrong, "what was typed is shown again"
    # Saved all the same, and the submission refuses it, linking to its step.
    assert form_data(site, did)[field] == wrong
    # The step cannot be passed: the others are saved from their own pages.
    for other in range(1, len(schema["sections"]) + 1):
        if other != step:
            post_step(site, citizen, did, other, section_post(schema, other, answers), "save")
    r = submit(site, citizen, did)
    assert r.status_code == 422
    links = summary_links(r)
    assert links == ["/dossiers/%d/form?step=%d#f_%s" % (did, step, field)], links
    assert msg in page_text(r), "the check page gives the same message"
    assert status_of(site, did) == "draft"


def test_submit_refuses_what_is_missing_and_links_to_its_step(admin_site, citizen, death_docs):
    site = admin_site
    mandatory = death_docs[0]
    did = start(site, citizen, offering_of(site, DEATH))
    schema = dossier_schema(site, did)
    answers = valid_answers(schema)
    fill_all(site, citizen, did, answers=answers, files={})
    # An answer of step 2 emptied later, the declaration never ticked, no death notice.
    post_step(site, citizen, did, 2, dict(section_post(schema, 2, answers), f_death_place=""))
    post_step(site, citizen, did, 3, dict(section_post(schema, 3, answers), f_declaration=[]))
    assert form_data(site, did)["declaration"] == ""
    r = get(site, citizen, "/dossiers/%d/check" % did)
    assert r.status_code == 200
    want = ["/dossiers/%d/form?step=2#f_death_place" % did,
            "/dossiers/%d/form?step=3#f_declaration" % did,
            "/dossiers/%d/form?step=4#doc_%d" % (did, mandatory["id"])]
    assert summary_links(r) == want
    r = submit(site, citizen, did)
    assert r.status_code == 422
    assert summary_links(r) == want
    summary = " ".join(soup_of(r).select_one(".error-summary").get_text(" ").split())
    assert "Vui lòng đính kèm " + mandatory["name"] in summary, summary
    # The documents link lands on the document's file input.
    r = get(site, citizen, "/dossiers/%d/form?step=4" % did)
    assert soup_of(r).find(id="doc_%d" % mandatory["id"]) is not None
    assert status_of(site, did) == "draft"
    assert site.one("SELECT count(*) FROM dossier_tokens WHERE dossier_id = ?", (did,)) == 0
    assert dossier_mails(site, DEMO_CITIZEN, did, "dossier_confirm") == []
    # Once complete it goes.
    post_step(site, citizen, did, 2, section_post(schema, 2, answers))
    post_step(site, citizen, did, 3, section_post(schema, 3, answers))
    post_step(site, citizen, did, 4, files=[(mandatory["id"], "bao-tu.jpg.pdf",
                                             make_pdf("complete %d" % did))])
    assert summary_links(get(site, citizen, "/dossiers/%d/check" % did)) is None
    submit_ok(site, citizen, did)
    # Submitting again: it is no longer a draft.
    r = submit(site, citizen, did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did
    r = get(site, citizen, "/dossiers/%d/check" % did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did


def upload_refused(site, s, did, step, doc_id, name, content, status):
    """Post one file for 'doc_id' on step 'step'; assert the refusal 'status' with the message
    beside the document and in the summary; return (response, message)."""
    files_before = set(stored_files(site))
    rows_before = dossier_files(site, did)
    r = post_step(site, s, did, step, action="save", files=[(doc_id, name, content)])
    assert r.status_code == status, (r.status_code, page_text(r)[:400])
    msg = doc_error(r, doc_id)
    assert msg and name in msg, "no message naming %s beside #doc_%d: %r" % (name, doc_id, msg)
    assert "#doc_%d" % doc_id in summary_links(r)
    assert soup_of(r).find(id="doc_%d" % doc_id) is not None
    assert dossier_files(site, did) == rows_before, "a refused file was attached"
    assert set(stored_files(site)) == files_before, "a refused file was stored"
    return r, msg


def test_file_whose_content_is_not_of_an_allowed_kind_is_refused(admin_site, citizen,
                                                                  death_docs):
    site = admin_site
    mandatory = death_docs[0]
    did = start(site, citizen, offering_of(site, DEATH))
    step = step_count(site, did)
    text = "Đây là một tệp văn bản, không phải PDF.\n".encode("utf-8") * 20
    _, msg = upload_refused(site, citizen, did, step, mandatory["id"], "giay-bao-tu.pdf", text,
                            422)
    assert "không phải là tệp PDF, JPG hoặc PNG" in msg, msg
    # A PDF that only claims to be one: the header is what counts, not the name.
    _, msg = upload_refused(site, citizen, did, step, mandatory["id"], "anh.png",
                            b"GIF89a" + b"\x00" * 64, 422)
    assert "không phải là tệp" in msg

    # Where only PDF and ZIP go, a real PNG is refused and a real ZIP taken.
    build = start(site, citizen, offering_of(site, BUILDING))
    drawings = document(site, BUILDING, kinds="pdf,zip")
    bstep = step_count(site, build)
    _, msg = upload_refused(site, citizen, build, bstep, drawings["id"], "mat-bang.png",
                            make_png(), 422)
    assert "không phải là tệp PDF hoặc ZIP" in msg, msg
    z = make_zip(("mat-bang.dxf", "mat-dung.dxf"), "ban ve %d" % build)
    r = post_step(site, citizen, build, bstep, action="save",
                  files=[(drawings["id"], "ban-ve.zip", z)])
    assert r.status_code == 200, page_text(r)[:300]
    assert [(f["name"], f["kind"]) for f in dossier_files(site, build)] == [("ban-ve.zip",
                                                                             "zip")]


def test_empty_file_is_refused(admin_site, citizen, death_docs):
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    _, msg = upload_refused(site, citizen, did, step_count(site, did), death_docs[0]["id"],
                            "trong.pdf", b"", 422)
    assert "không có nội dung" in msg, msg


def test_file_over_the_documents_limit_is_413_and_named(admin_site, citizen, death_docs):
    site = admin_site
    mandatory = death_docs[0]
    did = start(site, citizen, offering_of(site, DEATH))
    big = make_pdf_of_size(mandatory["max_size"] + 1, "qua lon %d" % did)
    r, msg = upload_refused(site, citizen, did, step_count(site, did), mandatory["id"],
                            "bao-tu-scan.pdf", big, 413)
    assert "vượt quá mức tối đa 10 MB" in msg, msg
    assert "10 MB" in page_text(r)
    # Exactly the limit is fine.
    ok = make_pdf_of_size(mandatory["max_size"], "vua du %d" % did)
    r = post_step(site, citizen, did, step_count(site, did), action="save",
                  files=[(mandatory["id"], "bao-tu-scan.pdf", ok)])
    assert r.status_code == 200, page_text(r)[:300]
    assert [f["size"] for f in dossier_files(site, did)] == [mandatory["max_size"]]


def test_dossier_total_over_50_mib_is_413(admin_site, citizen):
    site = admin_site
    drawings = document(site, BUILDING, kinds="pdf,zip")
    assert drawings["multiple"] and drawings["max_size"] == 50 * MIB
    did = start(site, citizen, offering_of(site, BUILDING))
    step = step_count(site, did)
    first = make_pdf_of_size(45 * MIB, "tong dung luong %d" % did)
    r = post_step(site, citizen, did, step, action="save",
                  files=[(drawings["id"], "ban-ve-1.pdf", first)])
    assert r.status_code == 200, page_text(r)[:300]
    del first
    second = make_pdf_of_size(LIMIT_DOSSIER_FILES_BYTES - 45 * MIB + 1, "them %d" % did)
    r, msg = upload_refused(site, citizen, did, step, drawings["id"], "ban-ve-2.pdf", second,
                            413)
    assert "tổng dung lượng các tệp của hồ sơ vượt quá 50 MB" in msg, msg
    assert [f["name"] for f in dossier_files(site, did, current=True)] == ["ban-ve-1.pdf"]
    # A small file still fits beside the first one.
    r = post_step(site, citizen, did, step, action="save",
                  files=[(drawings["id"], "ban-ve-2.pdf", make_pdf("nho %d" % did))])
    assert r.status_code == 200
    assert len(dossier_files(site, did, current=True)) == 2


def test_removing_a_file(admin_site, citizen):
    site = admin_site
    drawings = document(site, BUILDING, kinds="pdf,zip")
    did = start(site, citizen, offering_of(site, BUILDING))
    step = step_count(site, did)
    r = post_step(site, citizen, did, step, action="save", files=[
        (drawings["id"], "mat-bang.pdf", make_pdf("mat bang %d" % did)),
        (drawings["id"], "mat-dung.pdf", make_pdf("mat dung %d" % did))])
    assert r.status_code == 200
    listed = page_files(r, drawings["id"])
    assert [n for n, _, _ in listed] == ["mat-bang.pdf", "mat-dung.pdf"]
    remove = listed[0][2]
    r = post_step(site, citizen, did, step, {"remove": remove}, action="save")
    assert r.status_code == 200, page_text(r)[:300]
    assert "Đã xóa tệp" in page_text(r)
    assert [n for n, _, _ in page_files(r, drawings["id"])] == ["mat-dung.pdf"]
    assert [f["name"] for f in dossier_files(site, did, current=True)] == ["mat-dung.pdf"]
    # A draft's file no version holds is gone: its link too.
    assert download(site, citizen, did, int(remove)).status_code == 404
    # An id that is not a current file of this dossier changes nothing.
    r = post_step(site, citizen, did, step, {"remove": "999999"}, action="save")
    assert r.status_code == 200
    assert len(dossier_files(site, did, current=True)) == 1


def test_a_single_file_document_takes_the_new_upload(admin_site, citizen, death_docs):
    site = admin_site
    mandatory = death_docs[0]
    did = start(site, citizen, offering_of(site, DEATH))
    step = step_count(site, did)
    r = post_step(site, citizen, did, step, action="save",
                  files=[(mandatory["id"], "lan-1.pdf", make_pdf("lan 1 %d" % did))])
    assert r.status_code == 200
    png = make_png(3, 3, (1, 2, did % 256))
    r = post_step(site, citizen, did, step, action="save",
                  files=[(mandatory["id"], "lan-2.png", png)])
    assert r.status_code == 200, page_text(r)[:300]
    assert [n for n, _, _ in page_files(r, mandatory["id"])] == ["lan-2.png"]
    assert [(f["name"], f["kind"]) for f in dossier_files(site, did, current=True)] == [
        ("lan-2.png", "png")]
    # Two files at once for it: the last is kept, the earlier refused by name.
    r = post_step(site, citizen, did, step, action="save", files=[
        (mandatory["id"], "a.pdf", make_pdf("a %d" % did)),
        (mandatory["id"], "b.pdf", make_pdf("b %d" % did))])
    assert r.status_code == 422
    assert "a.pdf" in doc_error(r, mandatory["id"])
    assert [f["name"] for f in dossier_files(site, did, current=True)] == ["b.pdf"]


# ---- 3. an unconfirmed dossier, its links ----

def test_unconfirmed_dossier_is_invisible_to_the_desk(admin_site, citizen):
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    desk_id = desk_of(site, did)[0]
    queue = queue_count(site, desk_id)
    fill_all(site, citizen, did, deceased_name="Lê Văn Tám")
    submit_ok(site, citizen, did)
    assert status_of(site, did) == "unconfirmed"
    assert queue_count(site, desk_id) == queue, "an unconfirmed dossier reached the queue"
    fid = dossier_files(site, did)[0]["id"]
    staff = site.login(DESK_INTAKE)
    for path in ("/dossiers/%d" % did, "/dossiers/%d/files/%d" % (did, fid),
                 "/dossiers/%d/check" % did, "/dossiers/%d/edit" % did, "/dossiers"):
        r = get(site, staff, path)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert "Lê Văn Tám" not in r.text
    _, link = confirm_link(site, DEMO_CITIZEN, did)
    assert follow_link(link).status_code == 200
    assert queue_count(site, desk_id) == queue + 1
    # Once at the desk, its staff may open the files (their own pages come with the back
    # office); the rest of the citizen's pages stay the citizen's.
    r = get(site, staff, "/dossiers/%d/files/%d" % (did, fid))
    assert r.status_code == 200, r.status_code
    assert hashlib.sha256(r.content).hexdigest() == dossier_files(site, did)[0]["sha256"]
    assert r.headers["Cache-Control"] == "private, no-store"
    assert get(site, staff, "/dossiers/%d" % did).status_code in (403, 404)
    other_agency = site.one("SELECT a.email FROM accounts a JOIN staff st ON st.account_id = a.id "
                            "WHERE st.role = 'intake' AND st.agency_id NOT IN (SELECT "
                            "desk_agency_id FROM dossiers WHERE id = ?1 UNION SELECT "
                            "competent_agency_id FROM dossiers WHERE id = ?1) LIMIT 1", (did,))
    assert other_agency, "the demo has no desk officer of another agency"
    r = get(site, site.login(other_agency), "/dossiers/%d/files/%d" % (did, fid))
    assert r.status_code == 404, r.status_code


def test_withdrawing_is_mailed_with_the_reason(admin_site, citizen):
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    fill_all(site, citizen, did)
    submit_ok(site, citizen, did)
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "Nộp nhầm thủ tục"})
    assert r.status_code == 303, r.status_code
    assert status_of(site, did) == "withdrawn"
    _, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_withdrawn")
    assert "Nộp nhầm thủ tục" in plain_text(msg)


def test_expiry_is_mailed(admin_site, citizen):
    """The sweep (`motcua sweep` beside the server) expires a dossier submitted more than 72
    hours ago, and the owner learns it by mail."""
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    fill_all(site, citizen, did)
    submit_ok(site, citizen, did)
    site.execute("UPDATE dossiers SET submitted_at = '2000-01-01T00:00:00.000Z' WHERE id = ?",
                 (did,))
    sweep = site.srv.cli("--base-url", site.url, "sweep", timeout=60)
    assert sweep.returncode == 0, sweep.stderr
    assert status_of(site, did) == "expired"
    _, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_expired")
    assert "72 giờ" in plain_text(msg)


def test_resend_replaces_the_link_and_is_rate_limited(admin_site):
    site = admin_site
    s, _, email = new_citizen(site)
    did, _ = submitted_dossier(site, s)
    first, link1 = confirm_link(site, email, did)
    r = post(site, s, "/dossiers/%d/resend" % did, {})
    assert r.status_code == 303 and location(r) == "/dossiers/%d?resent=1" % did
    assert "Đã gửi lại thư xác thực" in page_text(get(site, s, location(r)))
    second, link2 = confirm_link(site, email, did, skip=(first,))
    assert link2 != link1
    # The older link is dead; the dossier still waits.
    r = follow_link(link1)
    assert r.status_code == 200 and "Liên kết đã được sử dụng" in page_text(r)
    assert status_of(site, did) == "unconfirmed"
    # Five confirmation mails an hour per account: the submission's and four resends (the
    # rate limit refuses the event that reaches its maximum), then 429.
    for _ in range(3):
        assert post(site, s, "/dossiers/%d/resend" % did, {}).status_code == 303
    r = post(site, s, "/dossiers/%d/resend" % did, {})
    assert r.status_code == 429, r.status_code
    assert "quá nhiều lần" in page_text(r)
    assert detail_status(r) == "Chờ xác thực"
    assert post(site, s, "/dossiers/%d/resend" % did, {}).status_code == 429
    assert site.one("SELECT count(*) FROM dossier_tokens WHERE dossier_id = ?", (did,)) == 5
    # The last link sent works; resending afterwards is a conflict.
    deadline = time.monotonic() + 15
    while len(dossier_mails(site, email, did, "dossier_confirm")) < 5 and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    mails = dossier_mails(site, email, did, "dossier_confirm")
    assert len(mails) == 5, len(mails)
    links = [link_to(m, "/dossiers/confirm") for _, m in mails]
    assert len(set(links)) == 5
    r = follow_link(links[-2])
    assert r.status_code == 200 and "Liên kết đã được sử dụng" in page_text(r)
    r = follow_link(links[-1])
    assert r.status_code == 200 and "Hồ sơ đã được gửi đến nơi tiếp nhận" in page_text(r)
    assert status_of(site, did) == "pending"
    r = post(site, s, "/dossiers/%d/resend" % did, {})
    assert r.status_code == 409, r.status_code


def test_resend_of_a_confirmed_dossier_is_409(admin_site):
    site = admin_site
    s, _, email = new_citizen(site)
    did, _ = confirmed_dossier(site, s, email)
    r = post(site, s, "/dossiers/%d/resend" % did, {})
    assert r.status_code == 409
    assert detail_status(r) == "Chờ tiếp nhận"


def test_expired_link_is_410(admin_site):
    site = admin_site
    s, _, email = new_citizen(site)
    did, _ = submitted_dossier(site, s)
    _, link = confirm_link(site, email, did)
    past = utcnow() - datetime.timedelta(hours=73)
    site.execute("UPDATE dossiers SET submitted_at = ? WHERE id = ?", (iso(past), did))
    site.execute("UPDATE dossier_tokens SET expires_at = ? WHERE dossier_id = ?",
                 (iso(past + datetime.timedelta(hours=72)), did))
    r = follow_link(link)
    assert r.status_code == 410, r.status_code
    assert "Liên kết đã hết hạn" in page_text(r)
    assert status_of(site, did) in ("unconfirmed", "expired"), "the sweep may have expired it"
    # Too late for a new link as well.
    r = post(site, s, "/dossiers/%d/resend" % did, {})
    assert r.status_code == 409


@pytest.mark.parametrize("query", ["", "?token=", "?token=abc", "?token=" + "A" * 43])
def test_unknown_confirmation_link_is_404(admin_site, query):
    r = new_session().get(admin_site.url + "/dossiers/confirm" + query, timeout=TIMEOUT,
                          allow_redirects=False)
    assert r.status_code == 404
    assert "Liên kết không hợp lệ" in page_text(r)


# ---- 4. a supplement and the version history ----

SUPPLEMENT_NOTE = ("Đề nghị bổ sung bản chụp rõ nét Giấy báo tử.\n"
                   "Họ tên người chết ghi chưa đúng với Giấy báo tử.")


def test_supplement_with_version_history(admin_site, citizen, death_docs):
    site = admin_site
    mandatory, optional, _ = death_docs
    old_pdf = make_pdf("ban cu %d" % os.getpid())
    did = start(site, citizen, offering_of(site, DEATH))
    answers = fill_all(site, citizen, did, files={mandatory["id"]: [("bao-tu-cu.pdf", old_pdf)]},
                       deceased_name="Lê Văn Tám")
    submit_ok(site, citizen, did)
    _, link = confirm_link(site, DEMO_CITIZEN, did)
    assert follow_link(link).status_code == 200
    old_file = dossier_files(site, did)[0]

    r = request_supplement_ok(site, did, SUPPLEMENT_NOTE)
    r = get(site, staff_session(site, DESK_INTAKE), location(r))
    assert "Đã gửi yêu cầu bổ sung cho người nộp." in page_text(r)
    r = get(site, citizen, "/dossiers/%d" % did)
    assert detail_status(r) == STATUS_LABELS["supplement"] == "Yêu cầu bổ sung"
    assert "Đề nghị bổ sung bản chụp rõ nét Giấy báo tử." in page_text(r)
    assert soup_of(r).find("a", href="/dossiers/%d/edit" % did) is not None
    _, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_supplement")
    body = plain_text(msg)
    assert "Đề nghị bổ sung bản chụp rõ nét Giấy báo tử." in body
    assert "Họ tên người chết ghi chưa đúng với Giấy báo tử." in body
    edit_link = link_to(msg, "/dossiers/%d/edit" % did)
    assert edit_link == site.url + "/dossiers/%d/edit" % did

    # The form's address leads to the edit page, which shows the request and everything.
    r = get(site, citizen, "/dossiers/%d/form" % did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d/edit" % did
    r = citizen.get(edit_link, timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 200
    assert "Họ tên người chết ghi chưa đúng với Giấy báo tử." in page_text(r)
    schema = dossier_schema(site, did)
    names = {el["name"] for el in soup_of(r).find_all(attrs={"name": re.compile(r"^f_")})}
    assert names == {"f_" + f["name"] for sec in schema["sections"] for f in sec["fields"]}
    assert input_value(r, "f_deceased_name") == "Lê Văn Tám"
    assert [n for n, _, _ in page_files(r, mandatory["id"])] == ["bao-tu-cu.pdf"]
    update = soup_of(r).find("button", attrs={"name": "action", "value": "update"})
    assert update is not None and "Cập nhật nội dung hồ sơ" in update.get_text()

    new_pdf = make_pdf("ban moi %d" % did)
    png = make_png(6, 2, (9, 9, did % 256))
    data = all_sections_post(schema, dict(answers, deceased_name="Lê Văn Tâm"))
    data["action"] = "update"
    r = post(site, citizen, "/dossiers/%d/edit" % did, data, files=[
        ("doc_%d" % mandatory["id"], ("bao-tu-moi.pdf", new_pdf, "application/pdf")),
        ("doc_%d" % optional["id"], ("to-khai.png", png, "image/png"))])
    assert r.status_code == 303, (r.status_code, page_text(r)[:400], summary_links(r))
    assert location(r) == "/dossiers/%d?updated=1" % did
    r = get(site, citizen, location(r))
    assert "Cập nhật thông tin thành công" in page_text(r)
    assert detail_status(r) == "Chờ tiếp nhận"
    assert status_of(site, did) == "pending"
    _, msg = wait_dossier_mail(site, DEMO_CITIZEN, did, "dossier_updated")
    assert "/dossiers/%d" % did in plain_text(msg)
    assert [reason for _, reason in versions(site, did)] == ["submit", "supplement"]

    # The old file stays in the history and can still be downloaded.
    r = download(site, citizen, did, old_file["id"])
    assert r.status_code == 200 and r.content == old_pdf
    now = {f["name"]: f for f in dossier_files(site, did, current=True)}
    assert set(now) == {"bao-tu-moi.pdf", "to-khai.png"}
    assert download(site, citizen, did, now["bao-tu-moi.pdf"]["id"]).content == new_pdf

    # The history shows the change and the files added and taken out.
    r = get(site, citizen, "/dossiers/%d" % did)
    soup = soup_of(r)
    blocks = [" ".join(v.get_text(" ").split()) for v in soup.select(".dossier-version")]
    assert len(blocks) == 2, blocks
    assert "Phiên bản" in blocks[0] and "Nộp hồ sơ" in blocks[0]
    label = [f["label"] for sec in schema["sections"] for f in sec["fields"]
             if f["name"] == "deceased_name"][0]
    assert "%s: “Lê Văn Tám” → “Lê Văn Tâm”" % label in blocks[1], blocks[1]
    assert "Thêm tệp: bao-tu-moi.pdf" in blocks[1] and "Thêm tệp: to-khai.png" in blocks[1]
    assert "Bỏ tệp: bao-tu-cu.pdf" in blocks[1]
    removed = soup.select(".dossier-version")[1].find("a", string="bao-tu-cu.pdf")
    assert removed["href"] == "/dossiers/%d/files/%d" % (did, old_file["id"])
    timeline = " ".join(soup.select_one(".dossier-timeline").get_text(" ").split())
    assert "Yêu cầu bổ sung" in timeline and "Họ tên người chết ghi chưa đúng" in timeline
    # Back in pending: editing is over.
    assert get(site, citizen, "/dossiers/%d/edit" % did).status_code == 409


def supplement_dossier(site, s, email=DEMO_CITIZEN, **over):
    """A dossier of 1.000656 confirmed, then sent back for a supplement; (id, answers)."""
    did, answers = confirmed_dossier(site, s, email, **over)
    request_supplement_ok(site, did, "Đề nghị bổ sung giấy tờ.")
    return did, answers


def test_edit_save_and_an_incomplete_update(admin_site, citizen):
    site = admin_site
    did, answers = supplement_dossier(site, citizen)
    schema = dossier_schema(site, did)
    nversions = len(versions(site, did))
    data = all_sections_post(schema, dict(answers, death_cause="Tuổi cao"))
    data["action"] = "save"
    r = post(site, citizen, "/dossiers/%d/edit" % did, data)
    assert r.status_code == 200, page_text(r)[:300]
    assert "Đã lưu các thay đổi" in page_text(r)
    assert form_data(site, did)["death_cause"] == "Tuổi cao"
    assert status_of(site, did) == "supplement"
    data = all_sections_post(schema, dict(answers, deceased_name=""))
    data["action"] = "update"
    r = post(site, citizen, "/dossiers/%d/edit" % did, data)
    assert r.status_code == 422
    assert "#f_deceased_name" in summary_links(r)
    assert field_message(r, "f_deceased_name")
    assert status_of(site, did) == "supplement"
    assert len(versions(site, did)) == nversions


def test_edit_with_a_file_over_the_limit_keeps_every_field_typed(admin_site, citizen,
                                                                 death_docs):
    site = admin_site
    mandatory = death_docs[0]
    did, answers = supplement_dossier(site, citizen)
    schema = dossier_schema(site, did)
    data = all_sections_post(schema, dict(answers, deceased_name="Lê Thị Mười",
                                          death_cause="Bệnh tim", copies="3"))
    data["action"] = "update"
    big = make_pdf_of_size(mandatory["max_size"] + 1, "edit qua lon %d" % did)
    r = post(site, citizen, "/dossiers/%d/edit" % did, data,
             files=[("doc_%d" % mandatory["id"], ("giay-bao-tu-scan.pdf", big, "application/pdf"))])
    assert r.status_code == 413, (r.status_code, page_text(r)[:300])
    msg = doc_error(r, mandatory["id"])
    assert msg and "giay-bao-tu-scan.pdf" in msg and "10 MB" in msg, msg
    stored = form_data(site, did)
    assert (stored["deceased_name"], stored["death_cause"], stored["copies"]) == (
        "Lê Thị Mười", "Bệnh tim", "3")
    assert input_value(r, "f_deceased_name") == "Lê Thị Mười"
    assert status_of(site, did) == "supplement", "a refused file stops the update"
    assert [f["name"] for f in dossier_files(site, did, current=True)] != ["giay-bao-tu-scan.pdf"]


def test_editing_is_refused_in_every_other_status(admin_site, citizen):
    site = admin_site
    draft = start(site, citizen, offering_of(site, DEATH))
    unconfirmed, _ = submitted_dossier(site, citizen)
    pending, _ = confirmed_dossier(site, citizen)
    withdrawn, _ = confirmed_dossier(site, citizen)
    r = post(site, citizen, "/dossiers/%d/withdraw" % withdrawn, {"reason": "Nộp nhầm."})
    assert r.status_code == 303
    for did, status in ((draft, "draft"), (unconfirmed, "unconfirmed"), (pending, "pending"),
                        (withdrawn, "withdrawn")):
        before = form_data(site, did)
        r = get(site, citizen, "/dossiers/%d/edit" % did)
        assert r.status_code == 409, (status, r.status_code)
        assert "không thể chỉnh sửa" in page_text(r)
        r = post(site, citizen, "/dossiers/%d/edit" % did,
                 {"action": "update", "f_deceased_name": "Sửa trộm"})
        assert r.status_code == 409, (status, r.status_code)
        assert form_data(site, did) == before
        assert status_of(site, did) == status
    # A draft is edited through its form.
    r = get(site, citizen, "/dossiers/%d" % draft)
    assert soup_of(r).find("a", href="/dossiers/%d/form" % draft) is not None


def test_supplement_requests_the_back_office_refuses(admin_site, citizen):
    """Posted straight to /staff/dossiers/{id}/act (the pages offer no form for these)."""
    site = admin_site
    did, _ = confirmed_dossier(site, citizen)
    events = site.one("SELECT count(*) FROM dossier_events WHERE dossier_id = ?", (did,))
    outbox = site.one("SELECT count(*) FROM mail_outbox")
    specialist = site.staff_email("specialist", "000.00.61.H56")  # the competent agency
    cases = [
        (OTHER_INTAKE, "Thiếu giấy tờ.", 404),        # another desk: as if absent
        (site.staff_email("agency_admin", "000.00.61.H56"), "Thiếu giấy tờ.", 404),
        # a specialist of the competent agency sees a dossier only once the desk forwarded it
        # to the specialist's department: a pending one is not there yet
        (specialist, "Thiếu giấy tờ.", 404),
        (DEMO_CITIZEN, "Thiếu giấy tờ.", 403),        # not staff
        (DESK_INTAKE, "   ", 422),                    # no note
        (DESK_INTAKE, "x" * 2001, 422),               # note too long
    ]
    for email, note, code in cases:
        assert email
        r = request_supplement(site, did, email, note)
        assert r.status_code == code, (email, r.status_code, page_text(r)[:400])
        if code == 422:
            assert re.search(r"[ạảãàáâậầấẩẫăắằặẳẵóòọõỏôộổỗồốơờớợởỡéèẻẹẽêếềệểễúùụủũưựữửừứ"
                             r"íìịỉĩýỳỷỵỹđ]", field_message(r, "note") or ""), \
                "a Vietnamese reason beside the note: %r" % page_text(r)[:600]
    # Not a request: no dossier id, no note, an action nobody has.
    assert request_supplement(site, "abc", DESK_INTAKE, "x", version=1).status_code == 404
    s = staff_session(site, DESK_INTAKE)
    for data in ({"action": "request_supplement"}, {"action": "explode", "note": "x"}):
        data.update(csrf_token=site.csrf(s, "/"), version="1")
        r = s.post(site.url + "/staff/dossiers/%d/act" % did, data=data, timeout=TIMEOUT,
                   allow_redirects=False)
        assert r.status_code in (400, 409, 422), (data, r.status_code, page_text(r)[:400])
    assert status_of(site, did) == "pending"
    assert site.one("SELECT count(*) FROM dossier_events WHERE dossier_id = ?",
                    (did,)) == events
    assert site.one("SELECT count(*) FROM mail_outbox") == outbox
    # Not confirmed yet: the desk does not see it at all.
    unconfirmed, _ = submitted_dossier(site, citizen)
    assert request_supplement(site, unconfirmed, DESK_INTAKE, "Thiếu giấy tờ.").status_code == 404
    assert status_of(site, unconfirmed) == "unconfirmed"
    # Asked already: the status no longer allows it, and the reason says so.
    request_supplement_ok(site, did, "Thiếu giấy tờ.")
    r = request_supplement(site, did, DESK_INTAKE, "Thiếu giấy tờ lần nữa.")
    assert r.status_code == 409
    assert "trạng thái khác" in page_text(r)
    assert status_of(site, did) == "supplement"


# ---- 5. who may open what ----

def citizen_urls(did, fid):
    gets = ["/dossiers/%d" % did, "/dossiers/%d/form" % did, "/dossiers/%d/check" % did,
            "/dossiers/%d/edit" % did, "/dossiers/%d/files/%d" % (did, fid)]
    posts = ["/dossiers/%d/form" % did, "/dossiers/%d/edit" % did,
             "/dossiers/%d/submit" % did, "/dossiers/%d/resend" % did,
             "/dossiers/%d/withdraw" % did]
    return gets, posts


def test_another_citizen_gets_404_everywhere(admin_site, citizen):
    site = admin_site
    draft = start(site, citizen, offering_of(site, DEATH))
    fill_all(site, citizen, draft)
    unconfirmed, _ = submitted_dossier(site, citizen)
    supplement, _ = supplement_dossier(site, citizen)
    other, _, _ = new_citizen(site, full_name="Kẻ Lạ Mặt")
    for did in (draft, unconfirmed, supplement):
        status = status_of(site, did)
        before = form_data(site, did)
        nfiles = len(dossier_files(site, did))
        fid = dossier_files(site, did)[0]["id"]
        gets, posts = citizen_urls(did, fid)
        for path in gets:
            r = get(site, other, path)
            assert r.status_code == 404, (status, path, r.status_code)
            assert "Lê Văn" not in r.text
        for path in posts:
            r = post(site, other, path, {"action": "update", "step": "1",
                                         "f_requester_name": "Kẻ Lạ Mặt",
                                         "reason": "Kẻ lạ rút"},
                     files=[("doc_1", ("x.pdf", make_pdf("la"), "application/pdf"))]
                     if path.endswith(("/form", "/edit")) else None)
            assert r.status_code == 404, (status, path, r.status_code)
        assert status_of(site, did) == status
        assert form_data(site, did) == before
        assert len(dossier_files(site, did)) == nfiles
    assert site.one("SELECT count(*) FROM dossier_tokens WHERE dossier_id = ?", (draft,)) == 0


def test_anonymous_is_sent_to_login(admin_site, citizen):
    site = admin_site
    did, _ = submitted_dossier(site, citizen)
    fid = dossier_files(site, did)[0]["id"]
    gets, posts = citizen_urls(did, fid)
    s = new_session()
    for path in gets:
        r = get(site, s, path)
        assert r.status_code == 303 and location(r) == "/login", (path, r.status_code)
    for path in posts:
        r = s.post(site.url + path, data={"action": "save", "reason": "x"}, timeout=TIMEOUT,
                   allow_redirects=False)
        assert r.status_code in (303, 403), (path, r.status_code)
        if r.status_code == 303:
            assert location(r) == "/login"
    assert status_of(site, did) == "unconfirmed"


@pytest.mark.parametrize("bad", ["abc", "0", "01", "-1", "1.5", "999999999",
                                 "1234567890123456789"])
def test_malformed_or_unknown_ids_are_404(admin_site, citizen, bad):
    site = admin_site
    did = start(site, citizen, offering_of(site, DEATH))
    for path in ("/dossiers/%s/check" % bad, "/dossiers/%s/edit" % bad,
                 "/dossiers/%s/files/1" % bad, "/dossiers/%d/files/%s" % (did, bad)):
        assert get(site, citizen, path).status_code == 404, path
    for path in ("/dossiers/%s/submit" % bad, "/dossiers/%s/resend" % bad,
                 "/dossiers/%s/edit" % bad):
        assert post(site, citizen, path, {"action": "update"}).status_code == 404, path
