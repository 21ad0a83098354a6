"""The administration of the procedure catalogue and of offerings (/admin/procedures,
/admin/documents, /admin/offerings), against the real binary on demo data.

The demo data (src/domain/demo.c) gives the agencies used here:
    000.00.00.H56 Ủy ban nhân dân tỉnh (root, the system administrator's agency)
      000.00.06.H56 Trung tâm PVHCC tỉnh (a desk, not competent)
      000.00.13.H56 Sở Tư pháp (competent, department "Phòng Hành chính tư pháp")
      000.00.61.H56 UBND phường Hạc Thành (competent, not a desk; its agency administrator)
        000.01.61.H56 Trung tâm PVHCC phường Hạc Thành (a desk)
      000.00.62.H56 UBND xã Hoằng Hóa (competent; departments)
        000.01.62.H56 Trung tâm PVHCC xã Hoằng Hóa (a desk)
Every test creates the procedures it changes (codes 9.xxxxxx), so tests do not depend on each
other's order or on the demo catalogue.
"""
import hashlib
import itertools
import json
import os
import re
from urllib.parse import quote

import pytest
import requests

from admin_helpers import (REDIRECTS, TIMEOUT, admin_site,  # noqa: F401  (admin_site: fixture)
                           assert_field_error, assert_flash_saved, field_message, input_value,
                           location, page_text, soup_of)

PROVINCE_CENTRE = "000.00.06.H56"
JUSTICE = "000.00.13.H56"
HAC_THANH = "000.00.61.H56"
HAC_THANH_CENTRE = "000.01.61.H56"
HOANG_HOA = "000.00.62.H56"
HOANG_HOA_CENTRE = "000.01.62.H56"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIB = 1024 * 1024

_codes = itertools.count(1)

GOOD_SCHEMA = {
    "sections": [{
        "title": "Thông tin người yêu cầu",
        "fields": [
            {"name": "requester_name", "label": "Họ, chữ đệm, tên", "type": "text",
             "required": True, "max_length": 100, "prefill": "full_name"},
            {"name": "gender", "label": "Giới tính", "type": "radio", "required": True,
             "options": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}]},
        ],
    }],
}


# ---- helpers ----

@pytest.fixture(scope="module")
def sysadmin(admin_site):
    return admin_site.login_as("system_admin")


@pytest.fixture(scope="module")
def hac_admin(admin_site):
    """The agency administrator of phường Hạc Thành (scope: the ward and its centre)."""
    return admin_site.login_as("agency_admin", HAC_THANH)


def new_code(site):
    while True:
        code = "9.%06d" % (100000 + next(_codes) * 7 % 900000)
        if site.one("SELECT id FROM procedures WHERE code = ?", (code,)) is None:
            return code


def procedure_form(site, **over):
    d = {
        "code": new_code(site),
        "name": "Thủ tục thử nghiệm quản trị %d" % next(_codes),
        "field": "Hộ tịch",
        "level": "commune",
        "applicant_type": "citizen",
        "description": "Mô tả thủ tục.",
        "steps": "Bước 1: nộp hồ sơ.\r\nBước 2: nhận kết quả.",
        "submission": "Trực tiếp hoặc trực tuyến.",
        "conditions": "",
        "time_kind": "days",
        "time_value": "15",
        "time_note": "",
        "legal_basis": "Luật Hộ tịch năm 2014.",
        "result": "Giấy chứng nhận",
        "service_mode": "full",
        "fee_amount_1": "",
        "fee_description_1": "",
        "fee_amount_2": "",
        "fee_description_2": "",
    }
    d.update(over)
    return d


def create_procedure(site, session, **over):
    """Create a procedure through the form; returns (id, the posted form)."""
    form = procedure_form(site, **over)
    r = site.post(session, "/admin/procedures/new", form)
    assert r.status_code == 303, page_text(r)[:1500]
    m = re.fullmatch(r"/admin/procedures/(\d+)\?saved=1", location(r))
    assert m, location(r)
    return int(m.group(1)), form


def document_form(**over):
    d = {
        "name": "Tờ khai theo mẫu",
        "originals": "1",
        "copies": "0",
        "requirement": "mandatory",
        "condition": "",
        "file_types": ["pdf", "jpg"],
        "max_size_mb": "2,5",
        "multiple": "1",
    }
    d.update(over)
    return d


def post_files(site, session, path, data, files):
    """A multipart POST with the session's CSRF token, not following redirects."""
    data = dict(data)
    data["csrf_token"] = site.csrf(session)
    return session.post(site.url + path, data=data, files=files, timeout=TIMEOUT * 2,
                        allow_redirects=False)


def post_schema(site, session, path, text):
    """Post the schema editor the way the browser does: multipart (enctype of the form)."""
    files = {"csrf_token": (None, site.csrf(session)), "schema": (None, text.encode("utf-8"))}
    return session.post(site.url + path, files=files, timeout=TIMEOUT, allow_redirects=False)


def add_document(site, session, pid, files=None, **over):
    """Add a document through the form; returns its id."""
    before = {row[0] for row in site.rows("SELECT id FROM procedure_documents WHERE "
                                          "procedure_id = ?", (pid,))}
    path = "/admin/procedures/%d/documents/new" % pid
    if files is None:
        r = site.post(session, path, document_form(**over))
    else:
        r = post_files(site, session, path, document_form(**over), files)
    assert r.status_code == 303, page_text(r)[:1500]
    assert location(r) == "/admin/procedures/%d?saved=1#thanh-phan-ho-so" % pid
    after = {row[0] for row in site.rows("SELECT id FROM procedure_documents WHERE "
                                         "procedure_id = ?", (pid,))}
    (new_id,) = after - before
    return new_id


def document_order(site, pid):
    return [row[0] for row in site.rows("SELECT id FROM procedure_documents WHERE "
                                        "procedure_id = ? ORDER BY position", (pid,))]


def positions(site, pid):
    return [row[0] for row in site.rows("SELECT position FROM procedure_documents WHERE "
                                        "procedure_id = ? ORDER BY position", (pid,))]


def textarea_value(r, name):
    """What a browser shows in textarea 'name': HTML drops one newline right after the tag,
    which Python's parser keeps."""
    el = soup_of(r).find("textarea", attrs={"name": name})
    assert el is not None, "no textarea %s" % name
    text = el.get_text()
    return text[1:] if text.startswith("\n") else text


def summary_links(r):
    summary = soup_of(r).select_one(".error-summary")
    assert summary is not None, page_text(r)[:800]
    return [a["href"][1:] for a in summary.find_all("a", href=True)]


def audit_count(site, entity, entity_id):
    return len(site.audit(entity, entity_id))


def offering_form(site, procedure_id, desk, competent, department="", online=False,
                  workflow="standard"):
    return {
        "procedure_id": str(procedure_id) if procedure_id else "",
        "desk_agency_id": str(site.agency_id(desk)) if desk else "",
        "competent_agency_id": str(site.agency_id(competent)) if competent else "",
        "department_id": str(department) if department else "",
        "online": "1" if online else "",
        "workflow": workflow,
    }


def department_of(site, agency_code):
    return site.one("SELECT d.id FROM departments d JOIN agencies a ON a.id = d.agency_id "
                    "WHERE a.code = ? AND d.active = 1 ORDER BY d.id", (agency_code,))


def offering_ids(r):
    return {int(m) for m in re.findall(r'href="/admin/offerings/(\d+)"', r.text)}


# ---- who may do what ----

def test_agency_admin_reads_the_catalogue_but_cannot_change_it(admin_site, sysadmin, hac_admin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin)
    doc = add_document(site, sysadmin, pid)

    r = site.get(hac_admin, "/admin/procedures?q=%s" % form["code"])
    assert r.status_code == 200
    assert form["name"] in page_text(r)
    assert "Thêm thủ tục" not in page_text(r)
    r = site.get(hac_admin, "/admin/procedures/%d" % pid)
    assert r.status_code == 200
    assert form["name"] in page_text(r) and "Tờ khai theo mẫu" in page_text(r)
    assert soup_of(r).find("form", action="/admin/procedures/%d" % pid) is None
    r = site.get(hac_admin, "/admin/procedures/%d/form" % pid)
    assert r.status_code == 200
    area = soup_of(r).find("textarea", attrs={"name": "schema"})
    assert area.has_attr("readonly")
    assert "Lưu biểu mẫu" not in page_text(r)

    for path in ("/admin/procedures/new", "/admin/procedures/%d/documents/new" % pid,
                 "/admin/documents/%d" % doc):
        assert site.get(hac_admin, path).status_code == 403, path
    posts = [
        ("/admin/procedures/new", procedure_form(site)),
        ("/admin/procedures/%d" % pid, procedure_form(site, code=form["code"], name="Đã đổi")),
        ("/admin/procedures/%d/deactivate" % pid, {}),
        ("/admin/procedures/%d/form" % pid, {"schema": json.dumps(GOOD_SCHEMA)}),
        ("/admin/procedures/%d/documents/new" % pid, document_form()),
        ("/admin/documents/%d" % doc, document_form(name="Đã đổi")),
        ("/admin/documents/%d/delete" % doc, {}),
        ("/admin/documents/%d/down" % doc, {}),
        ("/admin/documents/%d/template/delete" % doc, {}),
    ]
    for path, data in posts:
        r = site.post(hac_admin, path, data)
        assert r.status_code == 403, "%s: %d" % (path, r.status_code)
    assert site.one("SELECT name FROM procedures WHERE id = ?", (pid,)) == form["name"]
    assert site.one("SELECT active FROM procedures WHERE id = ?", (pid,)) == 1
    assert document_order(site, pid) == [doc]
    assert site.one("SELECT count(*) FROM procedures WHERE name = 'Đã đổi'") == 0


def test_citizen_and_anonymous_are_kept_out(admin_site):
    site = admin_site
    citizen = site.citizen_session()
    for path in ("/admin/procedures", "/admin/offerings", "/admin/procedures/new"):
        assert site.get(citizen, path).status_code == 403
    r = site.post(citizen, "/admin/procedures/new", procedure_form(site), token="x" * 43)
    assert r.status_code == 403


# ---- procedures ----

def test_create_procedure_with_fees(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin, fee_amount_1="100.000",
                                 fee_description_1="Lệ phí cấp bản chính",
                                 fee_amount_2="50000", fee_description_2="Phí sao y",
                                 fee_amount_3="", fee_description_3="")
    row = site.rows("SELECT code, name, field, level, applicant_type, steps, time_kind, "
                    "time_value, service_mode, active FROM procedures WHERE id = ?", (pid,))[0]
    assert row == (form["code"], form["name"], "Hộ tịch", "commune", "citizen",
                   "Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả.", "days", 15, "full", 1)
    fees = site.rows("SELECT amount, description FROM procedure_fees WHERE procedure_id = ? "
                     "ORDER BY position", (pid,))
    assert fees == [(100000, "Lệ phí cấp bản chính"), (50000, "Phí sao y")]
    # a new procedure has a form that passes the rules: the starter form
    schema = json.loads(site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,)))
    assert schema["sections"][0]["fields"]

    (rec,) = site.audit("procedure", pid)
    assert rec["action"] == "create" and rec["before"] is None
    assert rec["after"]["code"] == form["code"]
    assert [f["amount"] for f in rec["after"]["fees"]] == [100000, 50000]
    assert form["code"] in rec["summary"]

    r = site.get(sysadmin, "/admin/procedures/%d?saved=1" % pid)
    assert_flash_saved(r)
    # the stored rows, then two empty ones for adding
    assert input_value(r, "fee_amount_1") == "100.000"
    assert input_value(r, "fee_amount_2") == "50.000"
    assert input_value(r, "fee_description_2") == "Phí sao y"
    assert input_value(r, "fee_amount_3") == "" and input_value(r, "fee_amount_4") == ""
    assert soup_of(r).find(attrs={"name": "fee_amount_5"}) is None
    assert input_value(r, "code") == form["code"]
    assert textarea_value(r, "steps") == "Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả."


PROCEDURE_ERRORS = [
    ("code", {"code": "1.23"}),
    ("code", {"code": ""}),
    ("code", {"code": "1.0011930"}),
    ("name", {"name": ""}),
    ("name", {"name": "Đ" * 501}),
    ("field", {"field": " "}),
    ("level", {"level": "district"}),
    ("applicant_type", {"applicant_type": "alien"}),
    ("description", {"description": "x" * 20001}),
    ("steps", {"steps": "   "}),
    ("result", {"result": ""}),
    ("service_mode", {"service_mode": "level4"}),
    ("time_kind", {"time_kind": "weeks"}),
    ("time_value", {"time_value": ""}),
    ("time_value", {"time_value": "mười"}),
    ("time_value", {"time_value": "0"}),
    ("time_value", {"time_value": "366"}),
    ("time_value", {"time_kind": "hours", "time_value": "2001"}),
    ("time_note", {"time_note": "x" * 501}),
    ("fee_amount_1", {"fee_amount_1": "12,5", "fee_description_1": "Lệ phí"}),
    ("fee_amount_1", {"fee_amount_1": "1.00", "fee_description_1": "Lệ phí"}),
    ("fee_amount_1", {"fee_amount_1": "1.000.000.001", "fee_description_1": "Lệ phí"}),
    ("fee_amount_1", {"fee_amount_1": "", "fee_description_1": "Lệ phí"}),
    ("fee_amount_2", {"fee_amount_1": "0", "fee_description_1": "Miễn phí",
                      "fee_amount_2": "-5", "fee_description_2": "Phạt"}),
    ("fee_description_1", {"fee_amount_1": "1000", "fee_description_1": "x" * 501}),
    ("legal_basis", {"legal_basis": "x" * 20001}),
]


@pytest.mark.parametrize("field,over", PROCEDURE_ERRORS,
                         ids=["%s-%d" % (f, i) for i, (f, _) in enumerate(PROCEDURE_ERRORS)])
def test_create_procedure_refuses_each_wrong_field(admin_site, sysadmin, field, over):
    site = admin_site
    form = procedure_form(site, **over)
    r = site.post(sysadmin, "/admin/procedures/new", form)
    assert_field_error(r, field)
    message = field_message(r, field)
    assert message and ":" in message, message
    assert re.search(r"[ạảãáàâầấậẩẫăằắặẳẵđêềếệểễôồốộổỗơờớợởỡưừứựửữíìịỉĩýỳỵỷỹóòọỏõéèẹẻẽúùụủũ]",
                     message, re.I), "not Vietnamese: %r" % message
    # everything typed is kept
    for name in ("code", "name", "field", "time_value", "result", "fee_amount_1",
                 "fee_description_1"):
        assert input_value(r, name) == form[name], name
    assert textarea_value(r, "steps") == form["steps"]
    assert textarea_value(r, "description") == form["description"]
    assert input_value(r, "level") in (form["level"], None)
    if form["code"]:
        assert site.one("SELECT count(*) FROM procedures WHERE code = ?", (form["code"],)) == 0


def test_create_procedure_reports_every_error_in_form_order(admin_site, sysadmin):
    site = admin_site
    form = procedure_form(site, code="1.2", name="", time_value="mười", fee_amount_1="0",
                          fee_description_1="Miễn phí", fee_amount_2="x",
                          fee_description_2="Phí")
    r = site.post(sysadmin, "/admin/procedures/new", form)
    assert r.status_code == 422
    assert summary_links(r) == ["code", "name", "time_value", "fee_amount_2"]


def test_procedure_code_is_unique_on_create_and_edit(admin_site, sysadmin):
    site = admin_site
    first, form1 = create_procedure(site, sysadmin)
    r = site.post(sysadmin, "/admin/procedures/new", procedure_form(site, code=form1["code"]))
    assert_field_error(r, "code")
    assert form1["code"] in field_message(r, "code")
    assert site.one("SELECT count(*) FROM procedures WHERE code = ?", (form1["code"],)) == 1

    second, form2 = create_procedure(site, sysadmin)
    r = site.post(sysadmin, "/admin/procedures/%d" % second,
                  procedure_form(site, code=form1["code"], name=form2["name"]))
    assert_field_error(r, "code")
    assert form1["code"] in field_message(r, "code")
    assert site.one("SELECT code FROM procedures WHERE id = ?", (second,)) == form2["code"]
    assert site.one("SELECT name FROM procedures WHERE id = ?", (first,)) == form1["name"]

    # a free code is taken over by the same procedure: same id, documents kept
    doc = add_document(site, sysadmin, second)
    code = new_code(site)
    r = site.post(sysadmin, "/admin/procedures/%d" % second,
                  procedure_form(site, code=code, name=form2["name"]))
    assert r.status_code == 303, page_text(r)[:800]
    assert site.one("SELECT code FROM procedures WHERE id = ?", (second,)) == code
    assert document_order(site, second) == [doc]
    assert site.audit("procedure", second)[0]["after"]["code"] == code


def test_edit_procedure_replaces_fees_and_records_before_and_after(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin, fee_amount_1="100.000",
                                 fee_description_1="Lệ phí", fee_amount_2="20.000",
                                 fee_description_2="Phí")
    doc = add_document(site, sysadmin, pid)
    site.post(sysadmin, "/admin/procedures/%d/form" % pid, {"schema": json.dumps(GOOD_SCHEMA)})
    edit = dict(form, name="Tên mới của thủ tục", time_kind="same_day", time_value="7",
                fee_amount_1="100.000", fee_description_1="Lệ phí",
                fee_amount_2="", fee_description_2="",
                fee_amount_3="0", fee_description_3="Miễn phí cho người cao tuổi",
                service_mode="partial", applicant_type="both")
    r = site.post(sysadmin, "/admin/procedures/%d" % pid, edit)
    assert r.status_code == 303, page_text(r)[:1500]
    assert location(r) == "/admin/procedures/%d?saved=1" % pid
    row = site.rows("SELECT name, time_kind, time_value, service_mode, applicant_type "
                    "FROM procedures WHERE id = ?", (pid,))[0]
    assert row == ("Tên mới của thủ tục", "same_day", 0, "partial", "both")
    assert site.rows("SELECT amount, description FROM procedure_fees WHERE procedure_id = ? "
                     "ORDER BY position", (pid,)) == [(100000, "Lệ phí"),
                                                     (0, "Miễn phí cho người cao tuổi")]
    # what the form does not hold is kept: documents (same id) and the online form
    assert document_order(site, pid) == [doc]
    assert json.loads(site.one("SELECT form_schema FROM procedures WHERE id = ?",
                               (pid,))) == GOOD_SCHEMA
    rec = site.audit("procedure", pid)[0]
    assert rec["action"] == "update"
    assert rec["before"]["name"] == form["name"] and rec["after"]["name"] == "Tên mới của thủ tục"
    assert rec["before"]["time"]["kind"] == "days" and rec["after"]["time"]["kind"] == "same_day"

    # a refused edit changes nothing and keeps what was typed
    r = site.post(sysadmin, "/admin/procedures/%d" % pid, dict(edit, name="", result=""))
    assert r.status_code == 422
    assert summary_links(r) == ["name", "result"]
    assert input_value(r, "fee_description_3") == "Miễn phí cho người cao tuổi"
    assert site.one("SELECT name FROM procedures WHERE id = ?", (pid,)) == "Tên mới của thủ tục"
    assert "Tờ khai theo mẫu" in page_text(r)  # the documents are still listed


def test_edit_unknown_procedure_is_404(admin_site, sysadmin):
    site = admin_site
    assert site.get(sysadmin, "/admin/procedures/999999").status_code == 404
    assert site.get(sysadmin, "/admin/procedures/abc").status_code == 404
    r = site.post(sysadmin, "/admin/procedures/999999", procedure_form(site))
    assert r.status_code == 404


def test_deactivate_and_reactivate_procedure(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin)
    r = site.post(sysadmin, "/admin/procedures/%d/deactivate" % pid, {})
    assert r.status_code == 303
    assert site.one("SELECT active FROM procedures WHERE id = ?", (pid,)) == 0
    rec = site.audit("procedure", pid)[0]
    assert rec["action"] == "deactivate"
    assert rec["before"]["active"] is True and rec["after"]["active"] is False
    r = site.get(sysadmin, "/admin/procedures?q=%s" % form["code"])
    assert "Ngừng áp dụng" in page_text(r) and form["name"] in page_text(r)
    # gone from the public catalogue: its search and its page
    public = requests.get(site.url + "/services", params={"q": form["code"]}, timeout=10)
    assert form["name"] not in page_text(public)
    assert requests.get(site.url + "/services/" + form["code"], timeout=10).status_code == 404
    # again: nothing to change, nothing recorded
    n = audit_count(site, "procedure", pid)
    assert site.post(sysadmin, "/admin/procedures/%d/deactivate" % pid, {}).status_code == 303
    assert audit_count(site, "procedure", pid) == n
    r = site.post(sysadmin, "/admin/procedures/%d/activate" % pid, {})
    assert r.status_code == 303
    assert site.one("SELECT active FROM procedures WHERE id = ?", (pid,)) == 1
    assert site.audit("procedure", pid)[0]["action"] == "activate"
    public = requests.get(site.url + "/services", params={"q": form["code"]}, timeout=10)
    assert form["name"] in page_text(public)
    assert site.post(sysadmin, "/admin/procedures/999999/activate", {}).status_code == 404


def test_procedure_list_searches_folded_text_and_pages(admin_site, sysadmin):
    site = admin_site
    marker = "Zqxw"
    pid, form = create_procedure(site, sysadmin, name="Cấp giấy phép xây dựng %s" % marker,
                                 field="Xây dựng")
    r = site.get(sysadmin, "/admin/procedures?q=" + quote("cap giay PHEP %s" % marker.lower()))
    assert r.status_code == 200
    assert form["name"] in page_text(r)
    assert "/admin/procedures/%d" % pid in r.text
    r = site.get(sysadmin, "/admin/procedures?q=" + quote("ĐĂNG KÝ %s" % marker))
    assert form["name"] not in page_text(r)
    # paging: enough procedures for a second page
    while site.one("SELECT count(*) FROM procedures") <= 20:
        create_procedure(site, sysadmin)
    r = site.get(sysadmin, "/admin/procedures")
    link = soup_of(r).find("a", rel="next")
    assert link is not None and link["href"] == "/admin/procedures?page=2"
    r2 = site.get(sysadmin, link["href"])
    assert r2.status_code == 200 and soup_of(r2).find("a", rel="prev") is not None
    first = set(re.findall(r'href="/admin/procedures/(\d+)"', r.text))
    second = set(re.findall(r'href="/admin/procedures/(\d+)"', r2.text))
    assert first and second and not first & second
    assert site.get(sysadmin, "/admin/procedures?page=0").status_code == 400
    assert site.get(sysadmin, "/admin/procedures?page=x").status_code == 400


# ---- documents ----

def test_add_and_edit_document(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin)
    r = site.get(sysadmin, "/admin/procedures/%d/documents/new" % pid)
    assert r.status_code == 200 and input_value(r, "max_size_mb") == "10"
    doc = add_document(site, sysadmin, pid, name="Đơn đề nghị", originals="2", copies="1",
                       file_types=["pdf", "docx"], max_size_mb="2,5", multiple="1")
    row = site.rows("SELECT name, originals, copies, requirement, condition, file_types, "
                    "max_size, multiple, position, template_name FROM procedure_documents "
                    "WHERE id = ?", (doc,))[0]
    assert row == ("Đơn đề nghị", 2, 1, "mandatory", "", "pdf,docx", 2621440, 1, 0, None)
    rec = site.audit("document", doc)[0]
    assert rec["action"] == "create" and rec["after"]["name"] == "Đơn đề nghị"

    r = site.get(sysadmin, "/admin/documents/%d" % doc)
    assert r.status_code == 200
    assert input_value(r, "name") == "Đơn đề nghị" and input_value(r, "max_size_mb") == "2,5"
    assert input_value(r, "requirement") == "mandatory"
    checked = {el["value"] for el in soup_of(r).find_all("input", attrs={"name": "file_types"})
               if el.has_attr("checked")}
    assert checked == {"pdf", "docx"}

    r = site.post(sysadmin, "/admin/documents/%d" % doc,
                  document_form(name="Giấy ủy quyền", requirement="conditional",
                                condition="Trường hợp ủy quyền nộp thay", file_types=["pdf"],
                                max_size_mb="10", multiple=""))
    assert r.status_code == 303, page_text(r)[:1000]
    assert location(r) == "/admin/documents/%d?saved=1" % doc
    row = site.rows("SELECT name, requirement, condition, file_types, max_size, multiple "
                    "FROM procedure_documents WHERE id = ?", (doc,))[0]
    assert row == ("Giấy ủy quyền", "conditional", "Trường hợp ủy quyền nộp thay", "pdf",
                   10 * MIB, 0)
    rec = site.audit("document", doc)[0]
    assert rec["action"] == "update"
    assert rec["before"]["name"] == "Đơn đề nghị" and rec["after"]["name"] == "Giấy ủy quyền"
    # a mandatory document has no condition
    r = site.post(sysadmin, "/admin/documents/%d" % doc,
                  document_form(condition="Còn sót lại", requirement="mandatory"))
    assert r.status_code == 303
    assert site.one("SELECT condition FROM procedure_documents WHERE id = ?", (doc,)) == ""
    assert site.get(sysadmin, "/admin/documents/999999").status_code == 404


DOCUMENT_ERRORS = [
    ("name", {"name": ""}),
    ("name", {"name": "x" * 501}),
    ("originals", {"originals": "một"}),
    ("originals", {"originals": "101"}),
    ("copies", {"copies": "-1"}),
    ("copies", {"copies": ""}),
    ("requirement", {"requirement": "maybe"}),
    ("condition", {"requirement": "conditional", "condition": "  "}),
    ("file_types", {"file_types": []}),
    ("file_types", {"file_types": ["exe"]}),
    ("file_types", {"file_types": ["pdf", "pdf"]}),
    ("max_size_mb", {"max_size_mb": "0"}),
    ("max_size_mb", {"max_size_mb": "51"}),
    ("max_size_mb", {"max_size_mb": "mười"}),
    ("max_size_mb", {"max_size_mb": ""}),
]


@pytest.mark.parametrize("field,over", DOCUMENT_ERRORS,
                         ids=["%s-%d" % (f, i) for i, (f, _) in enumerate(DOCUMENT_ERRORS)])
def test_document_form_refuses_each_wrong_field(admin_site, sysadmin, field, over):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    existing = add_document(site, sysadmin, pid)
    data = document_form(**over)
    for path in ("/admin/procedures/%d/documents/new" % pid, "/admin/documents/%d" % existing):
        r = site.post(sysadmin, path, data)
        assert_field_error(r, field)
        assert input_value(r, "name") == data["name"]
        assert input_value(r, "max_size_mb") == data["max_size_mb"]
        assert input_value(r, "originals") == data["originals"]
    assert document_order(site, pid) == [existing]
    assert site.one("SELECT name FROM procedure_documents WHERE id = ?",
                    (existing,)) == "Tờ khai theo mẫu"


def test_document_form_reports_every_error(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    r = site.post(sysadmin, "/admin/procedures/%d/documents/new" % pid,
                  document_form(name="", copies="x", file_types=[], max_size_mb="99"))
    assert r.status_code == 422
    assert summary_links(r) == ["name", "copies", "file_types", "max_size_mb"]


def test_reorder_and_delete_documents(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin)
    a = add_document(site, sysadmin, pid, name="Giấy A")
    b = add_document(site, sysadmin, pid, name="Giấy B")
    c = add_document(site, sysadmin, pid, name="Giấy C")
    assert document_order(site, pid) == [a, b, c]
    r = site.post(sysadmin, "/admin/documents/%d/up" % c, {})
    assert r.status_code == 303
    assert location(r) == "/admin/procedures/%d?saved=1#thanh-phan-ho-so" % pid
    assert document_order(site, pid) == [a, c, b]
    # at either end nothing moves
    assert site.post(sysadmin, "/admin/documents/%d/up" % a, {}).status_code == 303
    assert site.post(sysadmin, "/admin/documents/%d/down" % b, {}).status_code == 303
    assert document_order(site, pid) == [a, c, b]
    assert site.post(sysadmin, "/admin/documents/%d/down" % a, {}).status_code == 303
    assert document_order(site, pid) == [c, a, b]
    assert positions(site, pid) == [0, 1, 2]
    rec = site.audit("document", a)[0]
    assert rec["action"] == "update" and rec["before"]["position"] == 1
    assert rec["after"]["position"] == 2
    # the page lists them in order
    r = site.get(sysadmin, "/admin/procedures/%d" % pid)
    text = page_text(r)
    assert text.index("Giấy C") < text.index("Giấy A") < text.index("Giấy B")

    r = site.post(sysadmin, "/admin/documents/%d/delete" % a, {})
    assert r.status_code == 303
    assert location(r) == "/admin/procedures/%d?deleted=1#thanh-phan-ho-so" % pid
    assert document_order(site, pid) == [c, b]
    assert positions(site, pid) == [0, 1]
    rec = site.audit("document", a)[0]
    assert rec["action"] == "delete" and rec["before"]["name"] == "Giấy A"
    assert rec["after"] is None
    assert site.post(sysadmin, "/admin/documents/%d/delete" % a, {}).status_code == 404
    # the procedure can still be edited, and its documents keep their ids
    r = site.post(sysadmin, "/admin/procedures/%d" % pid, dict(form, name="Sau khi xoá"))
    assert r.status_code == 303
    assert document_order(site, pid) == [c, b]
    d = add_document(site, sysadmin, pid, name="Giấy D")
    assert document_order(site, pid) == [c, b, d]


# ---- templates ----

def docx_bytes(size=5000):
    return b"PK\x03\x04" + os.urandom(size)


def test_template_upload_download_and_remove(admin_site, sysadmin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin)
    content = docx_bytes()
    name = "Tờ khai đăng ký (mẫu).docx"
    doc = add_document(site, sysadmin, pid, files={"template": (name, content, DOCX)})
    row = site.rows("SELECT template_name, template_sha256 FROM procedure_documents "
                    "WHERE id = ?", (doc,))[0]
    assert row == (name, hashlib.sha256(content).hexdigest())
    assert site.rows("SELECT media_type, size, content FROM blobs WHERE sha256 = ?",
                     (row[1],))[0] == (DOCX, len(content), content)
    rec = site.audit("document", doc)[0]
    assert rec["after"]["template"]["name"] == name
    assert "content_base64" not in rec["after"]["template"]

    url = "/services/%s/templates/%d/%s" % (form["code"], doc, quote(name))
    r = site.get(sysadmin, url)
    assert r.status_code == 200, r.status_code
    assert r.content == content
    r = site.get(sysadmin, "/admin/documents/%d" % doc)
    assert name in page_text(r)

    # an edit without a file keeps the template; with one it replaces it
    r = site.post(sysadmin, "/admin/documents/%d" % doc, document_form(name="Tên khác"))
    assert r.status_code == 303
    assert site.one("SELECT template_name FROM procedure_documents WHERE id = ?", (doc,)) == name
    pdf = b"%PDF-1.7\n" + os.urandom(300)
    r = post_files(site, sysadmin, "/admin/documents/%d" % doc, document_form(),
                   {"template": ("mau.pdf", pdf, "application/pdf")})
    assert r.status_code == 303, page_text(r)[:800]
    assert site.rows("SELECT template_name, template_sha256 FROM procedure_documents "
                     "WHERE id = ?", (doc,))[0] == ("mau.pdf", hashlib.sha256(pdf).hexdigest())
    r = site.get(sysadmin, "/services/%s/templates/%d/mau.pdf" % (form["code"], doc))
    assert r.status_code == 200 and r.content == pdf

    r = site.post(sysadmin, "/admin/documents/%d/template/delete" % doc, {})
    assert r.status_code == 303
    assert location(r) == "/admin/documents/%d?saved=1" % doc
    assert site.one("SELECT template_name FROM procedure_documents WHERE id = ?", (doc,)) is None
    assert site.get(sysadmin, "/services/%s/templates/%d/mau.pdf" % (form["code"],
                                                                     doc)).status_code == 404
    rec = site.audit("document", doc)[0]
    assert rec["before"]["template"]["name"] == "mau.pdf" and "template" not in rec["after"]


def test_template_file_name_is_sanitised(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    content = b"%PDF-1.4 test"
    doc = add_document(site, sysadmin, pid, files={
        "template": ("C:\\Users\\cb\\Đơn <đề nghị>?;.PDF", content, "application/pdf")})
    assert site.one("SELECT template_name FROM procedure_documents WHERE id = ?",
                    (doc,)) == "Đơn _đề nghị___.pdf"
    doc2 = add_document(site, sysadmin, pid, files={
        "template": ("../../..docx", docx_bytes(), DOCX)})
    assert site.one("SELECT template_name FROM procedure_documents WHERE id = ?",
                    (doc2,)) == "tep-mau.docx"


TEMPLATE_REFUSALS = [
    ("a.docx", b"%PDF-1.7 not a zip"),
    ("a.pdf", b"PK\x03\x04 a zip"),
    ("a.doc", b"PK\x03\x04 a zip, not OLE2"),
    ("a.xls", b"%PDF-"),
    ("a.odt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 OLE2"),
    ("a.exe", b"MZ\x90\x00"),
    ("a.png", b"\x89PNG\r\n\x1a\n"),
    ("khong-duoi", b"%PDF-1.4"),
    ("rong.pdf", b""),
]


@pytest.mark.parametrize("filename,content", TEMPLATE_REFUSALS,
                         ids=[f for f, _ in TEMPLATE_REFUSALS])
def test_template_refused_when_content_or_type_is_wrong(admin_site, sysadmin, filename, content):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    data = document_form(name="Tờ khai có tệp sai")
    r = post_files(site, sysadmin, "/admin/procedures/%d/documents/new" % pid, data,
                   {"template": (filename, content, "application/octet-stream")})
    assert_field_error(r, "template")
    assert input_value(r, "name") == "Tờ khai có tệp sai"
    assert document_order(site, pid) == []
    # on an existing document the template it has stays
    good = docx_bytes(100)
    doc = add_document(site, sysadmin, pid, files={"template": ("tot.docx", good, DOCX)})
    r = post_files(site, sysadmin, "/admin/documents/%d" % doc, data,
                   {"template": (filename, content, "application/octet-stream")})
    assert_field_error(r, "template")
    assert site.rows("SELECT name, template_name FROM procedure_documents WHERE id = ?",
                     (doc,))[0] == ("Tờ khai theo mẫu", "tot.docx")


def test_template_too_big(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    # over 10 MiB but inside the 11 MiB body: the form comes back with a 413 and the message
    big = b"PK\x03\x04" + b"\0" * (10 * MIB - 3)
    r = post_files(site, sysadmin, "/admin/procedures/%d/documents/new" % pid,
                   document_form(name="Tệp lớn"), {"template": ("lon.docx", big, DOCX)})
    assert r.status_code == 413
    assert field_message(r, "template") and "10 MB" in field_message(r, "template")
    assert input_value(r, "name") == "Tệp lớn"
    # over the body limit: the fixed error page
    huge = b"PK\x03\x04" + b"\0" * (12 * MIB)
    r = post_files(site, sysadmin, "/admin/procedures/%d/documents/new" % pid,
                   document_form(), {"template": ("lon.docx", huge, DOCX)})
    assert r.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in page_text(r)
    assert document_order(site, pid) == []
    # exactly 10 MiB is fine
    ok = b"PK\x03\x04" + b"\0" * (10 * MIB - 4)
    doc = add_document(site, sysadmin, pid, files={"template": ("du.docx", ok, DOCX)})
    assert site.one("SELECT b.size FROM procedure_documents d JOIN blobs b ON "
                    "b.sha256 = d.template_sha256 WHERE d.id = ?", (doc,)) == 10 * MIB


# ---- the form schema editor ----

def test_schema_editor_page(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    r = site.get(sysadmin, "/admin/procedures/%d/form" % pid)
    assert r.status_code == 200
    text = textarea_value(r, "schema")
    stored = json.loads(site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,)))
    assert json.loads(text) == stored
    assert text.startswith('{\n  "sections": [')  # pretty-printed
    soup = soup_of(r)
    form = soup.find("form", id="schema-form")
    assert form["data-preview-url"] == "/admin/procedures/%d/form/preview" % pid
    assert form.get("enctype") == "multipart/form-data"
    scripts = soup.find_all("script")
    assert any(s.get("src", "").startswith("/static/js/schema-editor.js") for s in scripts)
    assert all(s.get("src") for s in scripts), "inline script: the CSP forbids it"
    assert soup.find(id="schema-preview-error")["role"] == "alert"
    r = site.get(sysadmin, "/static/js/schema-editor.js")
    assert r.status_code == 200 and "form/preview" not in r.text  # the URL comes from the page
    assert "csrf_token" in r.text
    assert site.get(sysadmin, "/admin/procedures/999999/form").status_code == 404


def test_schema_save(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    text = json.dumps(GOOD_SCHEMA, ensure_ascii=False, indent=4)
    r = post_schema(site, sysadmin, "/admin/procedures/%d/form" % pid, text)
    assert r.status_code == 303, page_text(r)[:800]
    assert location(r) == "/admin/procedures/%d/form?saved=1" % pid
    assert json.loads(site.one("SELECT form_schema FROM procedures WHERE id = ?",
                               (pid,))) == GOOD_SCHEMA
    rec = site.audit("procedure", pid)[0]
    assert rec["action"] == "update" and rec["after"]["form"] == GOOD_SCHEMA
    assert rec["before"]["form"] != GOOD_SCHEMA
    r = site.get(sysadmin, "/admin/procedures/%d/form?saved=1" % pid)
    assert_flash_saved(r)
    assert json.loads(textarea_value(r, "schema")) == GOOD_SCHEMA


def _schema_with(**field):
    f = {"name": "ho_ten", "label": "Họ tên", "type": "text"}
    f.update(field)
    return json.dumps({"sections": [{"title": "Thông tin", "fields": [f]}]},
                      ensure_ascii=False, indent=2)


SCHEMA_ERRORS = [
    ("syntax", '{\n  "sections": [\n    {"title": "A",, }\n', "cú pháp"),
    ("not-an-object", "[1, 2]", "sections"),
    ("no-sections", '{"sections": []}', "sections"),
    ("unknown-member", _schema_with(requried=True), "requried"),
    ("bad-name", _schema_with(name="Họ tên"), "sections[0].fields[0].name"),
    ("bad-type", _schema_with(type="colour"), "sections[0].fields[0].type"),
    ("options-on-date", _schema_with(type="date", options=[{"value": "a", "label": "A"}]),
     "sections[0].fields[0].options"),
    ("duplicate-names", json.dumps({"sections": [{"title": "T", "fields": [
        {"name": "a", "label": "A", "type": "text"},
        {"name": "a", "label": "B", "type": "text"}]}]}), "sections[0].fields[1].name"),
    ("bad-pattern", _schema_with(pattern="[a-"), "pattern"),
]


@pytest.mark.parametrize("kind,text,snippet", SCHEMA_ERRORS, ids=[k for k, _, _ in SCHEMA_ERRORS])
def test_schema_save_refuses_each_kind_of_error(admin_site, sysadmin, kind, text, snippet):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    before = site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,))
    n = audit_count(site, "procedure", pid)
    typed = "  " + text.replace("\n", "\r\n") + "\r\n\r\n"  # odd white space, CRLF
    r = post_schema(site, sysadmin, "/admin/procedures/%d/form" % pid, typed)
    assert_field_error(r, "schema")
    message = field_message(r, "schema")
    assert snippet in message, message
    assert textarea_value(r, "schema") == typed, "the text must come back exactly as typed"
    assert site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,)) == before
    assert audit_count(site, "procedure", pid) == n


def test_schema_too_long_is_refused(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    text = '{"sections": []}' + " " * (200 * 1024)
    r = post_schema(site, sysadmin, "/admin/procedures/%d/form" % pid, text)
    assert_field_error(r, "schema")
    assert "200 KiB" in field_message(r, "schema")


def test_schema_preview(admin_site, sysadmin, hac_admin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin)
    path = "/admin/procedures/%d/form/preview" % pid
    before = site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,))
    n = audit_count(site, "procedure", pid)

    schema = json.loads(json.dumps(GOOD_SCHEMA))
    schema["sections"][0]["fields"][0]["label"] = "Họ tên <b>người</b> yêu cầu"
    r = post_schema(site, sysadmin, path, json.dumps(schema))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    answer = r.json()
    assert answer["ok"] is True
    html = answer["html"]
    assert 'name="f_requester_name"' in html and 'name="f_gender"' in html
    assert "Thông tin người yêu cầu" in html
    assert "&lt;b&gt;người&lt;/b&gt;" in html and "<b>người" not in html  # escaped

    r = site.post(sysadmin, path, {"schema": '{"sections": ['})  # urlencoded works too
    assert r.status_code == 200
    answer = r.json()
    assert answer["ok"] is False and "cú pháp" in answer["error"]
    r = site.post(sysadmin, path, {"schema": _schema_with(requried=True)})
    assert r.status_code == 200 and "requried" in r.json()["error"]

    # it needs the CSRF token, and only reads
    r = site.post(sysadmin, path, {"schema": json.dumps(GOOD_SCHEMA)}, csrf=False)
    assert r.status_code == 403
    r = site.post(sysadmin, path, {"schema": json.dumps(GOOD_SCHEMA)}, token="A" * 43)
    assert r.status_code == 403
    assert site.one("SELECT form_schema FROM procedures WHERE id = ?", (pid,)) == before
    assert audit_count(site, "procedure", pid) == n
    # agency administrators may look too; an unknown procedure is 404
    r = site.post(hac_admin, path, {"schema": json.dumps(GOOD_SCHEMA)})
    assert r.status_code == 200 and r.json()["ok"] is True
    r = site.post(sysadmin, "/admin/procedures/999999/form/preview",
                  {"schema": json.dumps(GOOD_SCHEMA)})
    assert r.status_code == 404


# ---- offerings ----

def test_offering_rules(admin_site, sysadmin):
    site = admin_site
    full, full_form = create_procedure(site, sysadmin, service_mode="full")
    info, info_form = create_procedure(site, sysadmin, service_mode="info")
    dept_hac = department_of(site, HAC_THANH)
    dept_hoang = department_of(site, HOANG_HOA)
    count = site.one("SELECT count(*) FROM offerings")

    cases = [
        ("online", offering_form(site, info, HAC_THANH_CENTRE, HAC_THANH, online=True)),
        ("department_id", offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH,
                                        department=dept_hoang)),
        ("department_id", offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH,
                                        department=999999)),
        ("competent_agency_id", offering_form(site, full, HAC_THANH_CENTRE, PROVINCE_CENTRE)),
        ("competent_agency_id", offering_form(site, full, HAC_THANH_CENTRE, None)),
        ("desk_agency_id", offering_form(site, full, HAC_THANH, HAC_THANH)),
        ("desk_agency_id", offering_form(site, full, None, HAC_THANH)),
        ("procedure_id", offering_form(site, None, HAC_THANH_CENTRE, HAC_THANH)),
        ("procedure_id", offering_form(site, 999999, HAC_THANH_CENTRE, HAC_THANH)),
        ("workflow", offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH, workflow="")),
        ("workflow", offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH, workflow="fast")),
    ]
    for field, data in cases:
        r = site.post(sysadmin, "/admin/offerings/new", data)
        assert_field_error(r, field)
    # what was chosen is kept
    data = cases[1][1]
    r = site.post(sysadmin, "/admin/offerings/new", data)
    for name in ("procedure_id", "desk_agency_id", "competent_agency_id", "department_id",
                 "workflow"):
        assert input_value(r, name) == data[name], name
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, info, HAC_THANH_CENTRE, HAC_THANH, online=True))
    assert info_form["code"] in field_message(r, "online")
    assert site.one("SELECT count(*) FROM offerings") == count

    # an inactive procedure cannot be offered
    gone, _ = create_procedure(site, sysadmin)
    site.post(sysadmin, "/admin/procedures/%d/deactivate" % gone, {})
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, gone, HAC_THANH_CENTRE, HAC_THANH))
    assert_field_error(r, "procedure_id")

    # a valid one, for another agency of the province, with its department
    data = offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH, department=dept_hac,
                         online=True, workflow="no_leader")
    r = site.post(sysadmin, "/admin/offerings/new", data)
    assert r.status_code == 303, page_text(r)[:1200]
    m = re.fullmatch(r"/admin/offerings/(\d+)\?saved=1", location(r))
    oid = int(m.group(1))
    row = site.rows("SELECT procedure_id, desk_agency_id, competent_agency_id, department_id, "
                    "online, workflow, active FROM offerings WHERE id = ?", (oid,))[0]
    assert row == (full, site.agency_id(HAC_THANH_CENTRE), site.agency_id(HAC_THANH), dept_hac,
                   1, "no_leader", 1)
    (rec,) = site.audit("offering", oid)
    assert rec["action"] == "create" and rec["agency_id"] == site.agency_id(HAC_THANH_CENTRE)
    assert rec["after"]["procedure_code"] == full_form["code"] and rec["before"] is None

    # the same procedure, desk and competent agency again
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, full, HAC_THANH_CENTRE, HAC_THANH))
    assert_field_error(r, "competent_agency_id")
    assert full_form["code"] in field_message(r, "competent_agency_id")
    # another competent agency is a different offering; a desk may receive for any agency
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, full, HAC_THANH_CENTRE, JUSTICE,
                                department=department_of(site, JUSTICE)))
    assert r.status_code == 303, page_text(r)[:800]


def test_edit_deactivate_and_reactivate_offering(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin, service_mode="partial")
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, pid, HOANG_HOA_CENTRE, HOANG_HOA))
    assert r.status_code == 303
    oid = int(re.search(r"/admin/offerings/(\d+)", location(r)).group(1))
    r = site.get(sysadmin, "/admin/offerings/%d" % oid)
    assert r.status_code == 200
    assert input_value(r, "procedure_id") == str(pid)
    assert input_value(r, "workflow") == "standard"
    assert input_value(r, "online") is None

    data = offering_form(site, pid, HOANG_HOA_CENTRE, HOANG_HOA,
                         department=department_of(site, HOANG_HOA), online=True,
                         workflow="no_department")
    r = site.post(sysadmin, "/admin/offerings/%d" % oid, data)
    assert r.status_code == 303, page_text(r)[:800]
    assert site.rows("SELECT online, workflow, department_id FROM offerings WHERE id = ?",
                     (oid,))[0] == (1, "no_department", department_of(site, HOANG_HOA))
    rec = site.audit("offering", oid)[0]
    assert rec["action"] == "update"
    assert rec["before"]["online"] is False and rec["after"]["online"] is True
    # refused edits keep what was typed and change nothing
    r = site.post(sysadmin, "/admin/offerings/%d" % oid,
                  dict(data, department_id=str(department_of(site, HAC_THANH))))
    assert_field_error(r, "department_id")
    assert input_value(r, "department_id") == str(department_of(site, HAC_THANH))

    r = site.post(sysadmin, "/admin/offerings/%d/deactivate" % oid, {})
    assert r.status_code == 303
    assert site.one("SELECT active FROM offerings WHERE id = ?", (oid,)) == 0
    assert site.audit("offering", oid)[0]["action"] == "deactivate"
    r = site.get(sysadmin, "/admin/offerings?procedure=%d" % pid)
    assert "Ngừng tiếp nhận" in page_text(r)
    r = site.post(sysadmin, "/admin/offerings/%d/activate" % oid, {})
    assert r.status_code == 303
    assert site.one("SELECT active FROM offerings WHERE id = ?", (oid,)) == 1
    rec = site.audit("offering", oid)[0]
    assert rec["action"] == "activate" and rec["agency_id"] == site.agency_id(HOANG_HOA_CENTRE)
    assert site.get(sysadmin, "/admin/offerings/999999").status_code == 404


def test_agency_admin_sees_and_changes_only_offerings_of_its_scope(admin_site, sysadmin,
                                                                    hac_admin):
    site = admin_site
    pid, form = create_procedure(site, sysadmin, service_mode="full")
    r = site.post(sysadmin, "/admin/offerings/new",
                  offering_form(site, pid, HOANG_HOA_CENTRE, HOANG_HOA))
    assert r.status_code == 303
    theirs = int(re.search(r"/admin/offerings/(\d+)", location(r)).group(1))

    # its own desk; the competent agency may be outside its subtree
    count = site.one("SELECT count(*) FROM offerings")
    r = site.post(hac_admin, "/admin/offerings/new",
                  offering_form(site, pid, HAC_THANH_CENTRE, JUSTICE, online=True))
    assert r.status_code == 303, page_text(r)[:800]
    mine = int(re.search(r"/admin/offerings/(\d+)", location(r)).group(1))
    rec = site.audit("offering", mine)[0]
    assert rec["agency_id"] == site.agency_id(HAC_THANH_CENTRE)
    assert rec["actor_name"] != "Hệ thống"

    # a desk outside its scope: 404, nothing created
    r = site.post(hac_admin, "/admin/offerings/new",
                  offering_form(site, pid, HOANG_HOA_CENTRE, HAC_THANH))
    assert r.status_code == 404
    assert site.one("SELECT count(*) FROM offerings") == count + 1

    r = site.get(hac_admin, "/admin/offerings?procedure=%d" % pid)
    assert r.status_code == 200
    assert offering_ids(r) == {mine}
    r = site.get(hac_admin, "/admin/offerings")
    assert theirs not in offering_ids(r)
    desks = {site.one("SELECT desk_agency_id FROM offerings WHERE id = ?", (i,))
             for i in offering_ids(r)}
    assert desks <= {site.agency_id(HAC_THANH), site.agency_id(HAC_THANH_CENTRE)}
    r = site.get(sysadmin, "/admin/offerings?procedure=%d" % pid)
    assert offering_ids(r) == {mine, theirs}

    assert site.get(hac_admin, "/admin/offerings/%d" % theirs).status_code == 404
    data = offering_form(site, pid, HOANG_HOA_CENTRE, HOANG_HOA, workflow="no_leader")
    assert site.post(hac_admin, "/admin/offerings/%d" % theirs, data).status_code == 404
    for action in ("deactivate", "activate"):
        r = site.post(hac_admin, "/admin/offerings/%d/%s" % (theirs, action), {})
        assert r.status_code == 404
    assert site.rows("SELECT workflow, active FROM offerings WHERE id = ?",
                     (theirs,))[0] == ("standard", 1)
    # moving its own offering to a desk outside its scope is refused the same way
    r = site.post(hac_admin, "/admin/offerings/%d" % mine,
                  offering_form(site, pid, HOANG_HOA_CENTRE, JUSTICE))
    assert r.status_code == 404
    assert site.one("SELECT desk_agency_id FROM offerings WHERE id = ?",
                    (mine,)) == site.agency_id(HAC_THANH_CENTRE)

    # the form offers only the desks of its scope
    r = site.get(hac_admin, "/admin/offerings/new?procedure=%d" % pid)
    assert r.status_code == 200
    desk_options = {o["value"] for o in soup_of(r).find("select", id="desk_agency_id")
                    .find_all("option") if o.get("value")}
    assert desk_options == {str(site.agency_id(HAC_THANH_CENTRE))}
    assert input_value(r, "desk_agency_id") == str(site.agency_id(HAC_THANH_CENTRE))
    assert input_value(r, "procedure_id") == str(pid)
    r = site.post(hac_admin, "/admin/offerings/%d/deactivate" % mine, {})
    assert r.status_code == 303
    assert site.one("SELECT active FROM offerings WHERE id = ?", (mine,)) == 0


def test_offering_list_filters(admin_site, sysadmin):
    site = admin_site
    pid, _ = create_procedure(site, sysadmin, service_mode="info")
    ids = set()
    for desk, competent in ((HAC_THANH_CENTRE, HAC_THANH), (HOANG_HOA_CENTRE, HOANG_HOA)):
        r = site.post(sysadmin, "/admin/offerings/new", offering_form(site, pid, desk, competent))
        assert r.status_code == 303
        ids.add(int(re.search(r"/admin/offerings/(\d+)", location(r)).group(1)))
    r = site.get(sysadmin, "/admin/offerings?procedure=%d" % pid)
    assert offering_ids(r) == ids
    r = site.get(sysadmin, "/admin/offerings?procedure=%d&desk=%d"
                 % (pid, site.agency_id(HOANG_HOA_CENTRE)))
    assert len(offering_ids(r)) == 1
    assert site.get(sysadmin, "/admin/offerings?procedure=x").status_code == 400
