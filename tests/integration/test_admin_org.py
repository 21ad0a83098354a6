"""The administration of agencies, departments, staff accounts, holidays, the audit log and
failed e-mails (/admin), against the real binary on demo data.

The demo data (src/domain/demo.c) gives a province tree:
    000.00.00.H56 Ủy ban nhân dân tỉnh (root, the system administrator's agency)
      000.00.06.H56 Trung tâm PVHCC tỉnh (agency admin quantri.tinh)
      000.00.15.H56, 000.00.13.H56, 000.00.40.H56 (departments' agencies)
      000.00.61.H56 UBND phường Hạc Thành (agency admin quantri.hacthanh; 3 departments)
        000.01.61.H56 Trung tâm PVHCC phường Hạc Thành
      000.00.62.H56 UBND xã Hoằng Hóa (agency admin quantri.hoanghoa; 3 departments)
        000.01.62.H56 Trung tâm PVHCC xã Hoằng Hóa
Tests create what they change, so they do not depend on each other's order.
"""
import datetime
import json
import re

import pytest

from admin_helpers import (DEMO_PASSWORD, REDIRECTS, TIMEOUT, admin_site,  # noqa: F401
                           assert_field_error, assert_flash_saved, field_message, input_value,
                           location, page_text, soup_of)

HAC_THANH = "000.00.61.H56"
HAC_THANH_CENTRE = "000.01.61.H56"
HOANG_HOA = "000.00.62.H56"
HOANG_HOA_CENTRE = "000.01.62.H56"
PROVINCE = "000.00.00.H56"
PROVINCE_CENTRE = "000.00.06.H56"

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


# ---- helpers ----

@pytest.fixture(scope="module")
def sysadmin(admin_site):
    return admin_site.login_as("system_admin")


@pytest.fixture(scope="module")
def hac_admin(admin_site):
    """The agency administrator of phường Hạc Thành."""
    return admin_site.login_as("agency_admin", HAC_THANH)


def agency_form(site, parent_code=PROVINCE, **over):
    d = {
        "code": site.new_code(),
        "name": "Phòng Thử nghiệm %s" % site.new_code(),
        "level": "province",
        "parent_id": str(site.agency_id(parent_code)) if parent_code else "",
        "address": "Số 1 đường Lê Lợi, phường Hạc Thành",
        "phone": "0237 3 752 588",
        "email": "thunghiem@thanhhoa.example.vn",
        "hours_0": "07:30-11:30, 13:00-17:00",
        "hours_1": "07:30-11:30, 13:00-17:00",
        "hours_2": "07:30-11:30, 13:00-17:00",
        "hours_3": "07:30-11:30, 13:00-17:00",
        "hours_4": "07:30-11:30, 13:00-17:00",
        "hours_5": "",
        "hours_6": "",
        "is_desk": "1",
        "is_competent": "1",
    }
    d.update(over)
    return {k: v for k, v in d.items() if v is not None}


def create_agency(site, session, parent_code=PROVINCE, **over):
    """Create an agency through the form; returns (id, form data)."""
    data = agency_form(site, parent_code, **over)
    r = site.post(session, "/admin/agencies/new", data)
    assert r.status_code == 303, "agency refused: %d %s" % (r.status_code, page_text(r)[:800])
    m = re.match(r"^/admin/agencies/(\d+)\?saved=1$", location(r))
    assert m, location(r)
    return int(m.group(1)), data


def agency_values(site, agency_id):
    """The stored agency as the edit form posts it."""
    row = site.rows("SELECT code, name, level, parent_id, address, phone, email, office_hours, "
                    "is_desk, is_competent FROM agencies WHERE id = ?", (agency_id,))[0]
    hours = json.loads(row[7])
    d = {"code": row[0], "name": row[1], "level": row[2],
         "parent_id": str(row[3]) if row[3] else "", "address": row[4], "phone": row[5],
         "email": row[6]}
    for i, h in enumerate(hours):
        d["hours_%d" % i] = h.replace(",", ", ")
    if row[8]:
        d["is_desk"] = "1"
    if row[9]:
        d["is_competent"] = "1"
    return d


def agency_row(site, agency_id):
    keys = ("code", "name", "level", "parent_id", "phone", "office_hours", "active")
    rows = site.rows("SELECT code, name, level, parent_id, phone, office_hours, active "
                     "FROM agencies WHERE id = ?", (agency_id,))
    return dict(zip(keys, rows[0])) if rows else None


def staff_form(site, agency_code=HAC_THANH, role="specialist", department=None, **over):
    agency = site.agency_id(agency_code)
    if department is None and role == "specialist":
        department = site.one("SELECT min(id) FROM departments WHERE agency_id = ? AND active = 1",
                              (agency,))
    n = site.new_code().replace(".", "")
    d = {
        "full_name": "Nguyễn Thị Thử %s" % n,
        "email": "canbo.%s@example.vn" % n.lower(),
        "phone": "0912 345 678",
        "role": role,
        "agency_id": str(agency),
        "department_id": str(department) if department else "",
        "title": "Chuyên viên",
    }
    d.update(over)
    return d


def create_staff(site, session, **kw):
    data = staff_form(site, **kw)
    r = site.post(session, "/admin/staff/new", data)
    assert r.status_code == 303, "staff refused: %d %s" % (r.status_code, page_text(r)[:800])
    m = re.match(r"^/admin/staff/(\d+)\?created=1$", location(r))
    assert m, location(r)
    return int(m.group(1)), data


def assert_kept(r, data, names):
    for name in names:
        assert input_value(r, name) == data[name], "field %s shows %r, typed %r" % (
            name, input_value(r, name), data[name])


def set_password(site, email_addr, password, skip=()):
    """Follow the set-password link mailed to 'email_addr' and set 'password'."""
    from accounts_helpers import new_session, csrf_in, token_of
    f, _, link = site.wait_mail(email_addr, "/password/reset", skip=skip)
    s = new_session()
    r = s.get(link, timeout=TIMEOUT)
    assert r.status_code == 200, (r.status_code, page_text(r)[:300])
    r = s.post(site.url + "/password/reset",
               data={"csrf_token": csrf_in(r), "token": token_of(link), "password": password,
                     "password_confirm": password},
               timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 200, (r.status_code, page_text(r)[:500])
    return f


# ---- who may come in ----

def test_anonymous_is_sent_to_login(admin_site):
    from accounts_helpers import new_session
    s = new_session()
    for path in ("/admin", "/admin/agencies", "/admin/staff/1", "/admin/audit"):
        r = admin_site.get(s, path)
        assert r.status_code == 303 and location(r) == "/login", (path, r.status_code)
    r = s.post(admin_site.url + "/admin/agencies/new", data=agency_form(admin_site),
               timeout=TIMEOUT, allow_redirects=False)
    assert r.status_code == 403


def test_citizen_is_refused(admin_site):
    s = admin_site.citizen_session()
    for path in ("/admin", "/admin/agencies", "/admin/staff", "/admin/holidays"):
        assert admin_site.get(s, path).status_code == 403, path


@pytest.mark.parametrize("role", ["intake", "specialist", "leader"])
def test_staff_who_are_not_admins_are_refused(admin_site, role):
    s = admin_site.login_as(role)
    for path in ("/admin", "/admin/agencies", "/admin/staff", "/admin/audit"):
        assert admin_site.get(s, path).status_code == 403, (role, path)
    before = admin_site.one("SELECT count(*) FROM agencies")
    token = admin_site.csrf(s, "/")
    r = admin_site.post(s, "/admin/agencies/new", agency_form(admin_site), token=token)
    assert r.status_code == 403
    assert admin_site.one("SELECT count(*) FROM agencies") == before


def test_posts_without_csrf_token_are_refused(admin_site, sysadmin):
    before = admin_site.one("SELECT count(*) FROM agencies")
    r = admin_site.post(sysadmin, "/admin/agencies/new", agency_form(admin_site), csrf=False)
    assert r.status_code == 403
    r = admin_site.post(sysadmin, "/admin/agencies/new", agency_form(admin_site),
                        token="x" * 43)
    assert r.status_code == 403
    agency = admin_site.agency_id(HOANG_HOA_CENTRE)
    r = admin_site.post(sysadmin, "/admin/agencies/%d/deactivate" % agency, {}, csrf=False)
    assert r.status_code == 403
    assert admin_site.one("SELECT count(*) FROM agencies") == before
    assert admin_site.one("SELECT active FROM agencies WHERE id = ?", (agency,)) == 1


def test_home_shows_sections_and_counts(admin_site, sysadmin, hac_admin):
    r = admin_site.get(sysadmin, "/admin")
    assert r.status_code == 200
    text = page_text(r)
    nav = soup_of(r).find("nav", attrs={"aria-label": "Quản trị hệ thống"})
    links = {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}
    assert links == {"Tổng quan": "/admin", "Cơ quan": "/admin/agencies", "Cán bộ": "/admin/staff",
                     "Thủ tục": "/admin/procedures", "Nơi tiếp nhận": "/admin/offerings",
                     "Ngày nghỉ lễ": "/admin/holidays", "Nhật ký thay đổi": "/admin/audit",
                     "Thư lỗi": "/admin/mail"}
    active = admin_site.one("SELECT count(*) FROM agencies WHERE active = 1")
    assert "%d cơ quan đang hoạt động" % active in text
    assert "Quản trị hệ thống" in text
    r = admin_site.get(hac_admin, "/admin")
    assert r.status_code == 200
    nav = soup_of(r).find("nav", attrs={"aria-label": "Quản trị hệ thống"})
    hrefs = {a["href"] for a in nav.find_all("a")}
    assert "/admin/mail" not in hrefs and "/admin/holidays" not in hrefs
    # Hạc Thành and what lies below it, nothing else
    below = admin_site.one(
        "WITH RECURSIVE sub(id) AS (SELECT id FROM agencies WHERE code = ? UNION ALL "
        "SELECT g.id FROM agencies g JOIN sub ON g.parent_id = sub.id) "
        "SELECT count(*) FROM agencies WHERE active = 1 AND id IN (SELECT id FROM sub)",
        (HAC_THANH,))
    assert "%d cơ quan đang hoạt động" % below in page_text(r)


def test_agency_admin_cannot_see_holidays_or_failed_mail(admin_site, hac_admin):
    for path in ("/admin/holidays", "/admin/mail", "/admin/holidays/1"):
        assert admin_site.get(hac_admin, path).status_code == 403, path
    r = admin_site.post(hac_admin, "/admin/holidays",
                        {"day": "01/05/2031", "kind": "day_off", "name": "Quốc tế Lao động"})
    assert r.status_code == 403
    assert admin_site.one("SELECT count(*) FROM holidays WHERE day = '2031-05-01'") == 0


# ---- agencies ----

def test_agency_tree_and_search(admin_site, sysadmin):
    r = admin_site.get(sysadmin, "/admin/agencies")
    assert r.status_code == 200
    names = [a.get_text(strip=True) for a in soup_of(r).select("table a[href^='/admin/agencies/']")]
    assert names[0] == "Ủy ban nhân dân tỉnh Thanh Hóa"
    # a child comes after its parent and before the parent's next sibling, indented
    i = names.index("Ủy ban nhân dân phường Hạc Thành")
    j = names.index("Trung tâm Phục vụ hành chính công phường Hạc Thành")
    assert i < j < names.index("Ủy ban nhân dân xã Hoằng Hóa")
    row = soup_of(r).find("a", string="Trung tâm Phục vụ hành chính công phường Hạc Thành")
    assert "ps-4" in row.find_parent("td")["class"]  # depth 2
    # search ignores case and diacritics, and finds codes
    r = admin_site.get(sysadmin, "/admin/agencies?q=HAC+thanh")
    text = page_text(r)
    assert "Ủy ban nhân dân phường Hạc Thành" in text and "Hoằng Hóa" not in text
    r = admin_site.get(sysadmin, "/admin/agencies?q=000.01.62")
    names = [a.get_text(strip=True) for a in soup_of(r).select("table a[href^='/admin/agencies/']")]
    assert names == ["Trung tâm Phục vụ hành chính công xã Hoằng Hóa"]


def test_create_agency_normalises_and_records_audit(admin_site, sysadmin):
    agency_id, data = create_agency(
        admin_site, sysadmin, parent_code=HAC_THANH, level="commune",
        code=admin_site.new_code().lower(), phone="0237.3752588",
        hours_0=" 7:30 - 11:30 ,13:00–17:00 ", hours_5="07:30-11:30", is_competent=None)
    row = agency_row(admin_site, agency_id)
    assert row["code"] == data["code"].upper()
    assert row["parent_id"] == admin_site.agency_id(HAC_THANH)
    assert row["phone"] == "0237.3752588"
    hours = json.loads(row["office_hours"])
    assert hours[0] == "07:30-11:30,13:00-17:00"
    assert hours[5] == "07:30-11:30" and hours[6] == ""
    r = admin_site.get(sysadmin, "/admin/agencies/%d?saved=1" % agency_id)
    assert r.status_code == 200
    assert_flash_saved(r)
    assert input_value(r, "hours_0") == "07:30-11:30, 13:00-17:00"
    assert input_value(r, "is_desk") == "1" and input_value(r, "is_competent") is None
    # the audit record: created, with the new agency as 'after'
    rec = admin_site.audit("agency", agency_id)[0]
    assert rec["action"] == "create" and rec["before"] is None
    assert rec["agency_id"] == agency_id
    assert rec["after"]["code"] == row["code"] and rec["after"]["is_competent"] is False
    r = admin_site.get(sysadmin, "/admin/audit/%d" % rec["id"])
    assert r.status_code == 200
    assert "Tạo mới" in page_text(r)
    cells = [td.get_text(strip=True) for td in soup_of(r).select("table.audit-diff td")]
    assert row["code"] in cells


AGENCY_ERRORS = [
    ("code", {"code": ""}, "mã định danh"),
    ("code", {"code": "000.00.06"}, "Mã định danh"),
    ("code", {"code": "000.00.06.H56"}, "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"),
    ("name", {"name": ""}, "tên cơ quan"),
    ("name", {"name": "Sở " * 101}, "tên cơ quan"),
    ("level", {"level": "district"}, "cấp"),
    ("parent_id", {"parent_id": "abc"}, "cơ quan cấp trên"),
    ("parent_id", {"parent_id": "999999"}, "cơ quan cấp trên"),
    ("level", {"level": "province", "parent_id": "@" + HAC_THANH}, "Cấp xã"),
    ("phone", {"phone": "12345"}, "Số điện thoại"),
    ("phone", {"phone": "0237 abc 588"}, "Số điện thoại"),
    ("email", {"email": "khong-phai-thu"}, "thư điện tử"),
    ("address", {"address": "Số " * 151}, "địa chỉ"),
    ("hours_0", {"hours_0": "25:00-26:00"}, "Thứ Hai"),
    ("hours_2", {"hours_2": "13:00-11:00"}, "Thứ Tư"),
    ("hours_4", {"hours_4": "07:30-11:30, 11:00-17:00"}, "Thứ Sáu"),
    ("hours_6", {"hours_6": "sáng thứ bảy"}, "Chủ nhật"),
    ("is_desk", {"is_desk": None, "is_competent": None}, "vai trò"),
]


@pytest.mark.parametrize("field,over,words", AGENCY_ERRORS,
                         ids=["%s-%d" % (e[0], i) for i, e in enumerate(AGENCY_ERRORS)])
def test_create_agency_errors(admin_site, sysadmin, field, over, words):
    over = dict(over)
    if str(over.get("parent_id", "")).startswith("@"):
        over["parent_id"] = str(admin_site.agency_id(over["parent_id"][1:]))
    data = agency_form(admin_site, **over)
    before = admin_site.one("SELECT count(*) FROM agencies")
    r = admin_site.post(sysadmin, "/admin/agencies/new", data)
    assert_field_error(r, field)
    assert words.lower() in field_message(r, field).lower(), field_message(r, field)
    kept = [k for k in ("code", "name", "address", "phone", "email", "hours_0", "hours_2",
                        "hours_4", "hours_6") if k in data]
    assert_kept(r, data, kept)
    assert admin_site.one("SELECT count(*) FROM agencies") == before


def test_edit_agency_records_only_what_changed(admin_site, sysadmin):
    agency_id, _ = create_agency(admin_site, sysadmin)
    data = agency_values(admin_site, agency_id)
    data["name"] = "Sở Thử nghiệm đã đổi tên"
    data["hours_5"] = "07:30-11:30"
    r = admin_site.post(sysadmin, "/admin/agencies/%d" % agency_id, data)
    assert r.status_code == 303 and location(r) == "/admin/agencies/%d?saved=1" % agency_id
    assert agency_row(admin_site, agency_id)["name"] == "Sở Thử nghiệm đã đổi tên"
    rec = admin_site.audit("agency", agency_id)[0]
    assert rec["action"] == "update"
    assert rec["before"]["name"] != rec["after"]["name"] == "Sở Thử nghiệm đã đổi tên"
    r = admin_site.get(sysadmin, "/admin/audit/%d" % rec["id"])
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            for tr in soup_of(r).select("table.audit-diff tbody tr")]
    labels = [row[0] for row in rows]
    assert sorted(labels) == ["Giờ làm việc", "Tên"], rows
    name_row = rows[labels.index("Tên")]
    assert name_row[1] == rec["before"]["name"] and name_row[2] == "Sở Thử nghiệm đã đổi tên"
    # saving again unchanged adds no record
    r = admin_site.post(sysadmin, "/admin/agencies/%d" % agency_id,
                        agency_values(admin_site, agency_id))
    assert r.status_code == 303
    assert admin_site.audit("agency", agency_id)[0]["id"] == rec["id"]


def test_edit_agency_errors_keep_what_was_typed(admin_site, sysadmin):
    agency_id, _ = create_agency(admin_site, sysadmin)
    data = agency_values(admin_site, agency_id)
    data.update(name="", hours_1="7h30 đến 11h30", phone="0237 3 752 588")
    r = admin_site.post(sysadmin, "/admin/agencies/%d" % agency_id, data)
    assert_field_error(r, "name")
    assert_field_error(r, "hours_1")
    assert "Thứ Ba" in field_message(r, "hours_1")
    assert_kept(r, data, ["name", "hours_1", "phone", "code"])
    assert agency_row(admin_site, agency_id)["name"] != ""


def test_agency_parent_cannot_make_a_cycle(admin_site, sysadmin):
    parent, _ = create_agency(admin_site, sysadmin)
    child, _ = create_agency(admin_site, sysadmin, parent_code=None,
                             parent_id=str(parent))
    for bad in (child, parent):
        data = agency_values(admin_site, parent)
        data["parent_id"] = str(bad)
        r = admin_site.post(sysadmin, "/admin/agencies/%d" % parent, data)
        assert_field_error(r, "parent_id")
        assert "trực thuộc" in field_message(r, "parent_id")
    assert agency_row(admin_site, parent)["parent_id"] == admin_site.agency_id(PROVINCE)
    # and the parent choices leave out the agency itself and what lies below it
    r = admin_site.get(sysadmin, "/admin/agencies/%d" % parent)
    options = {o.get("value") for o in soup_of(r).select("select#parent_id option")}
    assert str(parent) not in options and str(child) not in options
    assert str(admin_site.agency_id(PROVINCE)) in options


def test_agency_level_cannot_rise_above_its_children(admin_site, sysadmin):
    parent, _ = create_agency(admin_site, sysadmin)
    create_agency(admin_site, sysadmin, parent_code=None, parent_id=str(parent),
                  level="province")
    data = agency_values(admin_site, parent)
    data["level"] = "commune"
    r = admin_site.post(sysadmin, "/admin/agencies/%d" % parent, data)
    assert_field_error(r, "level")
    assert agency_row(admin_site, parent)["level"] == "province"


def test_deactivate_and_reactivate_agency(admin_site, sysadmin):
    parent, _ = create_agency(admin_site, sysadmin)
    child, _ = create_agency(admin_site, sysadmin, parent_code=None, parent_id=str(parent))
    # refused while a child is active
    r = admin_site.post(sysadmin, "/admin/agencies/%d/deactivate" % parent, {})
    assert r.status_code == 409
    assert "cơ quan trực thuộc đang hoạt động" in page_text(r)
    assert agency_row(admin_site, parent)["active"] == 1
    r = admin_site.post(sysadmin, "/admin/agencies/%d/deactivate" % child, {})
    assert r.status_code == 303
    r = admin_site.post(sysadmin, "/admin/agencies/%d/deactivate" % parent, {})
    assert r.status_code == 303
    assert agency_row(admin_site, parent)["active"] == 0
    rec = admin_site.audit("agency", parent)[0]
    assert rec["action"] == "deactivate"
    assert rec["before"]["active"] is True and rec["after"]["active"] is False
    # an inactive agency is no longer offered as a parent
    r = admin_site.get(sysadmin, "/admin/agencies/new")
    options = {o.get("value") for o in soup_of(r).select("select#parent_id option")}
    assert str(parent) not in options
    # a child cannot come back while its parent is inactive
    r = admin_site.post(sysadmin, "/admin/agencies/%d/activate" % child, {})
    assert r.status_code == 409 and "cơ quan cấp trên" in page_text(r)
    assert agency_row(admin_site, child)["active"] == 0
    assert admin_site.post(sysadmin, "/admin/agencies/%d/activate" % parent, {}).status_code == 303
    assert admin_site.post(sysadmin, "/admin/agencies/%d/activate" % child, {}).status_code == 303
    assert agency_row(admin_site, child)["active"] == 1
    assert admin_site.audit("agency", child)[0]["action"] == "activate"


def test_only_system_admin_creates_root_agencies(admin_site, sysadmin, hac_admin):
    agency_id, _ = create_agency(admin_site, sysadmin, parent_code=None, level="central")
    assert agency_row(admin_site, agency_id)["parent_id"] is None
    data = agency_form(admin_site, parent_code=None, level="commune")
    r = admin_site.post(hac_admin, "/admin/agencies/new", data)
    assert_field_error(r, "parent_id")
    assert "quản trị hệ thống" in field_message(r, "parent_id").lower()
    assert admin_site.agency_id(data["code"]) is None


# ---- an agency administrator's scope ----

def test_agency_admin_sees_only_its_subtree(admin_site, hac_admin):
    r = admin_site.get(hac_admin, "/admin/agencies")
    names = [a.get_text(strip=True) for a in soup_of(r).select("table a[href^='/admin/agencies/']")]
    assert names[0] == "Ủy ban nhân dân phường Hạc Thành"
    assert "Trung tâm Phục vụ hành chính công phường Hạc Thành" in names
    assert not any("Hoằng Hóa" in n or "tỉnh" in n for n in names), names
    assert admin_site.get(hac_admin, "/admin/agencies/%d" % admin_site.agency_id(
        HAC_THANH_CENTRE)).status_code == 200
    for code in (HOANG_HOA, HOANG_HOA_CENTRE, PROVINCE, PROVINCE_CENTRE):
        assert admin_site.get(hac_admin, "/admin/agencies/%d" % admin_site.agency_id(
            code)).status_code == 404, code
    assert admin_site.get(hac_admin, "/admin/agencies/999999").status_code == 404
    # the staff list holds only staff of the scope
    r = admin_site.get(hac_admin, "/admin/staff")
    text = page_text(r)
    assert "hacthanh@example.vn" in text and "hoanghoa@example.vn" not in text
    assert "quantri@example.vn" not in text


def test_agency_admin_cannot_change_other_agencies(admin_site, hac_admin):
    other = admin_site.agency_id(HOANG_HOA)
    centre = admin_site.agency_id(HOANG_HOA_CENTRE)
    data = agency_values(admin_site, other)
    data["name"] = "Đã bị đổi"
    assert admin_site.post(hac_admin, "/admin/agencies/%d" % other, data).status_code == 404
    assert admin_site.post(hac_admin, "/admin/agencies/%d/deactivate" % centre,
                           {}).status_code == 404
    assert admin_site.post(hac_admin, "/admin/agencies/%d/departments" % other,
                           {"name": "Phòng lạ"}).status_code == 404
    dept = admin_site.one("SELECT min(id) FROM departments WHERE agency_id = ?", (other,))
    assert admin_site.post(hac_admin, "/admin/departments/%d" % dept,
                           {"name": "Phòng lạ"}).status_code == 404
    assert admin_site.post(hac_admin, "/admin/departments/%d/deactivate" % dept,
                           {}).status_code == 404
    assert agency_row(admin_site, other)["name"] == "Ủy ban nhân dân xã Hoằng Hóa"
    assert agency_row(admin_site, centre)["active"] == 1
    assert admin_site.one("SELECT count(*) FROM departments WHERE name = 'Phòng lạ'") == 0
    assert admin_site.one("SELECT active FROM departments WHERE id = ?", (dept,)) == 1
    # a new agency under an agency outside the scope is refused like a missing parent
    data = agency_form(admin_site, parent_code=HOANG_HOA, level="commune")
    r = admin_site.post(hac_admin, "/admin/agencies/new", data)
    assert_field_error(r, "parent_id")
    assert admin_site.agency_id(data["code"]) is None


def test_agency_admin_manages_agencies_below_it(admin_site, hac_admin):
    agency_id, data = create_agency(admin_site, hac_admin, parent_code=HAC_THANH,
                                    level="commune")
    assert agency_row(admin_site, agency_id)["parent_id"] == admin_site.agency_id(HAC_THANH)
    rec = admin_site.audit("agency", agency_id)[0]
    assert rec["actor_name"] != "" and rec["agency_id"] == agency_id
    # the new agency's audit record is visible to its administrator
    assert admin_site.get(hac_admin, "/admin/audit/%d" % rec["id"]).status_code == 200
    assert admin_site.post(hac_admin, "/admin/agencies/%d/deactivate" % agency_id,
                           {}).status_code == 303
    assert agency_row(admin_site, agency_id)["active"] == 0


def test_agency_admin_edits_own_agency_but_cannot_move_or_deactivate_it(admin_site, hac_admin):
    own = admin_site.agency_id(HAC_THANH)
    r = admin_site.get(hac_admin, "/admin/agencies/%d" % own)
    assert r.status_code == 200
    assert soup_of(r).find("select", id="parent_id") is None  # the parent is shown, not offered
    data = agency_values(admin_site, own)
    data["phone"] = "0237 3 852 999"
    data["parent_id"] = str(admin_site.agency_id(HOANG_HOA))  # ignored: cannot move itself
    r = admin_site.post(hac_admin, "/admin/agencies/%d" % own, data)
    assert r.status_code == 303, page_text(r)[:600]
    row = agency_row(admin_site, own)
    assert row["phone"] == "0237 3 852 999"
    assert row["parent_id"] == admin_site.agency_id(PROVINCE)
    r = admin_site.post(hac_admin, "/admin/agencies/%d/deactivate" % own, {})
    assert r.status_code == 409
    assert "cơ quan của chính mình" in page_text(r)
    assert agency_row(admin_site, own)["active"] == 1


def test_audit_log_is_scoped(admin_site, sysadmin, hac_admin):
    other = admin_site.agency_id(HOANG_HOA_CENTRE)
    data = agency_values(admin_site, other)
    data["phone"] = "0237 3 999 000"
    assert admin_site.post(sysadmin, "/admin/agencies/%d" % other, data).status_code == 303
    rec = admin_site.audit("agency", other)[0]
    assert admin_site.get(sysadmin, "/admin/audit/%d" % rec["id"]).status_code == 200
    assert admin_site.get(hac_admin, "/admin/audit/%d" % rec["id"]).status_code == 404
    r = admin_site.get(hac_admin, "/admin/audit")
    links = {a["href"] for a in soup_of(r).select("a[href^='/admin/audit/']")}
    assert "/admin/audit/%d" % rec["id"] not in links
    r = admin_site.get(sysadmin, "/admin/audit")
    links = {a["href"] for a in soup_of(r).select("a[href^='/admin/audit/']")}
    assert "/admin/audit/%d" % rec["id"] in links


# ---- departments ----

def test_departments_create_rename_deactivate(admin_site, sysadmin):
    agency_id, _ = create_agency(admin_site, sysadmin)
    path = "/admin/agencies/%d/departments" % agency_id
    r = admin_site.post(sysadmin, path, {"name": "  Phòng Tổng hợp  "})
    assert r.status_code == 303 and location(r) == "/admin/agencies/%d?saved=1" % agency_id
    dept = admin_site.one("SELECT id FROM departments WHERE agency_id = ? AND name = ?",
                          (agency_id, "Phòng Tổng hợp"))
    assert dept
    rec = admin_site.audit("department", dept)[0]
    assert rec["action"] == "create" and rec["agency_id"] == agency_id
    # a duplicate name is refused and named
    r = admin_site.post(sysadmin, path, {"name": "Phòng Tổng hợp"})
    assert_field_error(r, "department_name")
    assert "Phòng Tổng hợp" in field_message(r, "department_name")
    assert input_value(r, "name") is not None
    assert soup_of(r).find(id="department_name")["value"] == "Phòng Tổng hợp"
    r = admin_site.post(sysadmin, path, {"name": ""})
    assert_field_error(r, "department_name")
    assert "tên phòng ban" in field_message(r, "department_name")
    # rename: to a free name, then to a taken one
    r = admin_site.post(sysadmin, path, {"name": "Phòng Kế hoạch"})
    assert r.status_code == 303
    r = admin_site.post(sysadmin, "/admin/departments/%d" % dept, {"name": "Phòng Tổng hợp 2"})
    assert r.status_code == 303
    assert admin_site.one("SELECT name FROM departments WHERE id = ?", (dept,)) == "Phòng Tổng hợp 2"
    rec = admin_site.audit("department", dept)[0]
    assert rec["action"] == "update" and rec["before"]["name"] == "Phòng Tổng hợp"
    r = admin_site.post(sysadmin, "/admin/departments/%d" % dept, {"name": "Phòng Kế hoạch"})
    field = "department_%d" % dept
    assert_field_error(r, field)
    assert "Phòng Kế hoạch" in field_message(r, field)
    assert soup_of(r).find(id=field)["value"] == "Phòng Kế hoạch"
    assert admin_site.one("SELECT name FROM departments WHERE id = ?", (dept,)) == "Phòng Tổng hợp 2"
    # deactivate: refused while active staff belong to it, then allowed
    staff_id, _, _ = admin_site.make_staff("specialist", agency_id, dept)
    r = admin_site.post(sysadmin, "/admin/departments/%d/deactivate" % dept, {})
    assert r.status_code == 409 and "còn cán bộ" in page_text(r)
    admin_site.execute("UPDATE accounts SET status = 'disabled' WHERE id = ?", (staff_id,))
    r = admin_site.post(sysadmin, "/admin/departments/%d/deactivate" % dept, {})
    assert r.status_code == 303
    assert admin_site.one("SELECT active FROM departments WHERE id = ?", (dept,)) == 0
    assert admin_site.audit("department", dept)[0]["action"] == "deactivate"
    r = admin_site.post(sysadmin, "/admin/departments/%d/activate" % dept, {})
    assert r.status_code == 303
    assert admin_site.one("SELECT active FROM departments WHERE id = ?", (dept,)) == 1


# ---- staff accounts ----

def test_create_staff_mails_a_link_that_sets_the_password(admin_site, sysadmin):
    staff_id, data = create_staff(admin_site, sysadmin, role="specialist")
    r = admin_site.get(sysadmin, "/admin/staff/%d?created=1" % staff_id)
    assert r.status_code == 200 and data["email"] in page_text(r)
    row = admin_site.rows("SELECT a.account_type, a.status, a.phone, s.role, s.agency_id, "
                          "s.department_id, s.title FROM accounts a JOIN staff s "
                          "ON s.account_id = a.id WHERE a.id = ?", (staff_id,))[0]
    assert row == ("staff", "active", "0912345678", "specialist", int(data["agency_id"]),
                   int(data["department_id"]), "Chuyên viên")
    rec = admin_site.audit("staff", staff_id)[0]
    assert rec["action"] == "create" and rec["after"]["email"] == data["email"]
    assert rec["agency_id"] == int(data["agency_id"])
    set_password(admin_site, data["email"], "Mat-Khau-Can-Bo-2026")
    s = admin_site.login(data["email"], "Mat-Khau-Can-Bo-2026")
    assert admin_site.get(s, "/admin").status_code == 403  # a specialist, not an admin


def test_new_agency_admin_lands_in_the_administration(admin_site, hac_admin):
    staff_id, data = create_staff(admin_site, hac_admin, role="agency_admin",
                                  agency_code=HAC_THANH_CENTRE)
    set_password(admin_site, data["email"], "Quan-Tri-Trung-Tam-2026")
    s = admin_site.login(data["email"], "Quan-Tri-Trung-Tam-2026")
    r = admin_site.get(s, "/admin/agencies")
    names = [a.get_text(strip=True) for a in soup_of(r).select("table a[href^='/admin/agencies/']")]
    assert names[0] == "Trung tâm Phục vụ hành chính công phường Hạc Thành"
    assert "Ủy ban nhân dân phường Hạc Thành" not in names


STAFF_ERRORS = [
    ("full_name", {"full_name": ""}, "họ và tên"),
    ("full_name", {"full_name": "A" * 101}, "họ và tên"),
    ("email", {"email": "khong-hop-le"}, "thư điện tử"),
    ("email", {"email": "CongDan@Example.vn"}, "đã được dùng"),
    ("phone", {"phone": "0237 3 752 588"}, "di động"),
    ("phone", {"phone": ""}, "điện thoại"),
    ("role", {"role": ""}, "vai trò"),
    ("role", {"role": "tong_bi_thu"}, "vai trò"),
    ("agency_id", {"agency_id": ""}, "cơ quan"),
    ("agency_id", {"agency_id": "999999"}, "cơ quan"),
    ("department_id", {"department_id": ""}, "phòng ban"),
    ("department_id", {"department_id": "@other"}, "không thuộc cơ quan"),
    ("title", {"title": "B" * 101}, "chức vụ"),
]


@pytest.mark.parametrize("field,over,words", STAFF_ERRORS,
                         ids=["%s-%d" % (e[0], i) for i, e in enumerate(STAFF_ERRORS)])
def test_create_staff_errors(admin_site, sysadmin, field, over, words):
    over = dict(over)
    if over.get("department_id") == "@other":
        over["department_id"] = str(admin_site.one(
            "SELECT min(id) FROM departments WHERE agency_id = ?",
            (admin_site.agency_id(HOANG_HOA),)))
    data = staff_form(admin_site, **over)
    before = admin_site.one("SELECT count(*) FROM accounts")
    r = admin_site.post(sysadmin, "/admin/staff/new", data)
    assert_field_error(r, field)
    assert words.lower() in field_message(r, field).lower(), field_message(r, field)
    assert_kept(r, data, ["full_name", "email", "phone", "title"])
    assert input_value(r, "role") == (data["role"] if data["role"] in (
        "intake", "specialist", "leader", "agency_admin", "system_admin") else None)
    assert admin_site.one("SELECT count(*) FROM accounts") == before


def test_agency_admin_limits_on_staff(admin_site, hac_admin):
    me = admin_site.staff_id(admin_site.staff_email("agency_admin", HAC_THANH))
    # cannot create a system administrator
    data = staff_form(admin_site, role="system_admin", department="")
    r = admin_site.post(hac_admin, "/admin/staff/new", data)
    assert_field_error(r, "role")
    assert "Quản trị hệ thống" in field_message(r, "role")
    assert admin_site.staff_id(data["email"]) is None
    r = admin_site.get(hac_admin, "/admin/staff/new")
    assert "system_admin" not in {o.get("value") for o in soup_of(r).select("select#role option")}
    # nor staff of an agency outside its scope
    data = staff_form(admin_site, agency_code=HOANG_HOA)
    r = admin_site.post(hac_admin, "/admin/staff/new", data)
    assert_field_error(r, "agency_id")
    assert admin_site.staff_id(data["email"]) is None
    # nor change its own role
    r = admin_site.get(hac_admin, "/admin/staff/%d" % me)
    values = {n: input_value(r, n) for n in ("full_name", "email", "phone", "role", "agency_id",
                                             "department_id", "title")}
    values = {k: v or "" for k, v in values.items()}
    values["role"] = "leader"
    r = admin_site.post(hac_admin, "/admin/staff/%d" % me, values)
    assert_field_error(r, "role")
    assert "vai trò của chính mình" in field_message(r, "role")
    assert admin_site.one("SELECT role FROM staff WHERE account_id = ?", (me,)) == "agency_admin"
    # nor deactivate itself
    r = admin_site.post(hac_admin, "/admin/staff/%d/deactivate" % me, {})
    assert r.status_code == 409 and "chính mình" in page_text(r)
    assert admin_site.one("SELECT status FROM accounts WHERE id = ?", (me,)) == "active"


def test_agency_admin_cannot_touch_a_system_admin_in_its_scope(admin_site, sysadmin, hac_admin):
    target, data = create_staff(admin_site, sysadmin, role="system_admin", department="",
                                agency_code=HAC_THANH_CENTRE)
    r = admin_site.get(hac_admin, "/admin/staff/%d" % target)
    assert r.status_code == 200
    assert soup_of(r).find("input", attrs={"name": "full_name"}) is None  # read only
    changed = dict(data, full_name="Đã bị đổi", role="intake")
    assert admin_site.post(hac_admin, "/admin/staff/%d" % target, changed).status_code == 403
    assert admin_site.post(hac_admin, "/admin/staff/%d/deactivate" % target,
                           {}).status_code == 403
    assert admin_site.post(hac_admin, "/admin/staff/%d/password-link" % target,
                           {}).status_code == 403
    row = admin_site.rows("SELECT a.full_name, a.status, s.role FROM accounts a JOIN staff s "
                          "ON s.account_id = a.id WHERE a.id = ?", (target,))[0]
    assert row == (data["full_name"], "active", "system_admin")


def test_staff_of_other_agencies_are_not_found(admin_site, hac_admin):
    other = admin_site.staff_id(admin_site.staff_email("specialist", HOANG_HOA))
    before = admin_site.rows("SELECT a.full_name, a.status, s.role FROM accounts a JOIN staff s "
                             "ON s.account_id = a.id WHERE a.id = ?", (other,))
    assert admin_site.get(hac_admin, "/admin/staff/%d" % other).status_code == 404
    data = staff_form(admin_site, agency_code=HAC_THANH, full_name="Đã bị đổi")
    assert admin_site.post(hac_admin, "/admin/staff/%d" % other, data).status_code == 404
    for action in ("deactivate", "activate", "password-link"):
        assert admin_site.post(hac_admin, "/admin/staff/%d/%s" % (other, action),
                               {}).status_code == 404, action
    assert admin_site.rows("SELECT a.full_name, a.status, s.role FROM accounts a JOIN staff s "
                           "ON s.account_id = a.id WHERE a.id = ?", (other,)) == before
    # a citizen's account is no staff account either
    citizen = admin_site.staff_id("congdan@example.vn")
    assert admin_site.get(hac_admin, "/admin/staff/%d" % citizen).status_code == 404
    # nor is another agency's audit record
    rec_id = admin_site.execute(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, agency_id, "
        "summary, before_json, after_json) VALUES ('2026-01-01T00:00:00.000Z', NULL, 'Hệ thống', "
        "'update', 'staff', ?, ?, 'Sửa tài khoản cán bộ', '{}', '{}')",
        (other, admin_site.agency_id(HOANG_HOA)))
    assert admin_site.get(hac_admin, "/admin/audit/%d" % rec_id).status_code == 404


def test_edit_staff(admin_site, sysadmin):
    staff_id, data = create_staff(admin_site, sysadmin, role="intake", department="")
    new_email = data["email"].replace("canbo.", "doi.")
    edited = dict(data, email=new_email.upper(), role="leader", title="Phó Giám đốc",
                  phone="+84 912 000 111")
    r = admin_site.post(sysadmin, "/admin/staff/%d" % staff_id, edited)
    assert r.status_code == 303 and location(r) == "/admin/staff/%d?saved=1" % staff_id
    row = admin_site.rows("SELECT a.email_key, a.phone, s.role, s.title FROM accounts a "
                          "JOIN staff s ON s.account_id = a.id WHERE a.id = ?", (staff_id,))[0]
    assert row == (new_email.lower(), "0912000111", "leader", "Phó Giám đốc")
    rec = admin_site.audit("staff", staff_id)[0]
    assert rec["action"] == "update"
    assert rec["before"]["role"] == "intake" and rec["after"]["role"] == "leader"
    # an address already in use is refused and what was typed stays
    taken = dict(edited, email="quantri@example.vn", title="Trưởng phòng")
    r = admin_site.post(sysadmin, "/admin/staff/%d" % staff_id, taken)
    assert_field_error(r, "email")
    assert_kept(r, taken, ["email", "title"])
    # a specialist needs a department
    r = admin_site.post(sysadmin, "/admin/staff/%d" % staff_id,
                        dict(edited, role="specialist", department_id=""))
    assert_field_error(r, "department_id")
    assert admin_site.one("SELECT role FROM staff WHERE account_id = ?", (staff_id,)) == "leader"


def test_deactivated_staff_is_logged_out_and_cannot_log_in(admin_site, sysadmin):
    agency = admin_site.agency_id(HAC_THANH)
    staff_id, email_addr, password = admin_site.make_staff("agency_admin", agency)
    victim = admin_site.login(email_addr, password)
    assert admin_site.get(victim, "/admin").status_code == 200
    r = admin_site.post(sysadmin, "/admin/staff/%d/deactivate" % staff_id, {})
    assert r.status_code == 303
    assert admin_site.one("SELECT status FROM accounts WHERE id = ?", (staff_id,)) == "disabled"
    assert admin_site.one("SELECT count(*) FROM sessions WHERE account_id = ?", (staff_id,)) == 0
    r = admin_site.get(victim, "/admin")
    assert r.status_code == 303 and location(r) == "/login"
    from accounts_helpers import login
    _, r = login(admin_site.srv, email_addr, password)
    assert r.status_code != 303, "a deactivated account logged in"
    rec = admin_site.audit("staff", staff_id)[0]
    assert rec["action"] == "deactivate" and rec["after"]["active"] is False
    # the password link is refused while deactivated
    r = admin_site.post(sysadmin, "/admin/staff/%d/password-link" % staff_id, {})
    assert r.status_code == 409 and "ngừng hoạt động" in page_text(r)
    # reactivated, it logs in again
    assert admin_site.post(sysadmin, "/admin/staff/%d/activate" % staff_id, {}).status_code == 303
    assert admin_site.audit("staff", staff_id)[0]["action"] == "activate"
    s = admin_site.login(email_addr, password)
    assert admin_site.get(s, "/admin").status_code == 200


def test_resend_password_link(admin_site, hac_admin):
    staff_id, data = create_staff(admin_site, hac_admin, role="leader", department="")
    first, _, _ = admin_site.wait_mail(data["email"], "/password/reset")
    r = admin_site.post(hac_admin, "/admin/staff/%d/password-link" % staff_id, {})
    assert r.status_code == 303 and location(r) == "/admin/staff/%d?link_sent=1" % staff_id
    set_password(admin_site, data["email"], "Lien-Ket-Moi-2026-Ok", skip=(first,))
    admin_site.login(data["email"], "Lien-Ket-Moi-2026-Ok")


def test_staff_list_filters(admin_site, sysadmin):
    r = admin_site.get(sysadmin, "/admin/staff?q=hoang+thi+yen")
    emails = [td.get_text(strip=True) for td in soup_of(r).select("tbody tr td:nth-of-type(2)")]
    assert emails == ["chuyenvien.vhxh.hoanghoa@example.vn"]
    r = admin_site.get(sysadmin, "/admin/staff?role=agency_admin&agency=%d"
                       % admin_site.agency_id(HOANG_HOA))
    emails = [td.get_text(strip=True) for td in soup_of(r).select("tbody tr td:nth-of-type(2)")]
    assert emails == ["quantri.hoanghoa@example.vn"]
    assert admin_site.get(sysadmin, "/admin/staff?role=vua").status_code == 400
    assert admin_site.get(sysadmin, "/admin/staff?page=0").status_code == 400


# ---- holidays ----

def holiday_id(site, day):
    return site.one("SELECT id FROM holidays WHERE day = ?", (day,))


def test_holidays_add_edit_delete(admin_site, sysadmin):
    r = admin_site.post(sysadmin, "/admin/holidays",
                        {"day": "13/3/2031", "kind": "day_off", "name": "Ngày hội"})
    assert r.status_code == 303 and location(r) == "/admin/holidays?year=2031&saved=1"
    hid = holiday_id(admin_site, "2031-03-13")
    assert hid
    r = admin_site.get(sysadmin, location(r))
    assert_flash_saved(r)
    assert "13/03/2031" in page_text(r) and "Ngày hội" in page_text(r)
    rec = admin_site.audit("holiday", hid)[0]
    assert rec["action"] == "create" and rec["after"] == {"day": "2031-03-13", "kind": "day_off",
                                                          "name": "Ngày hội"}
    # ISO dates too; a Saturday may be a swapped working day
    r = admin_site.post(sysadmin, "/admin/holidays",
                        {"day": "2031-09-06", "kind": "working_day", "name": "Làm bù"})
    assert r.status_code == 303
    # edit
    r = admin_site.get(sysadmin, "/admin/holidays/%d" % hid)
    assert input_value(r, "day") == "13/03/2031" and input_value(r, "kind") == "day_off"
    r = admin_site.post(sysadmin, "/admin/holidays/%d" % hid,
                        {"day": "13/03/2031", "kind": "day_off", "name": "Ngày hội văn hóa"})
    assert r.status_code == 303
    assert admin_site.one("SELECT name FROM holidays WHERE id = ?", (hid,)) == "Ngày hội văn hóa"
    rec = admin_site.audit("holiday", hid)[0]
    assert rec["action"] == "update" and rec["before"]["name"] == "Ngày hội"
    # moving it onto a listed day is refused
    r = admin_site.post(sysadmin, "/admin/holidays/%d" % hid,
                        {"day": "06/09/2031", "kind": "day_off", "name": "Ngày hội văn hóa"})
    assert_field_error(r, "day")
    assert "Làm bù" in field_message(r, "day")
    assert input_value(r, "day") == "06/09/2031"
    # delete
    r = admin_site.post(sysadmin, "/admin/holidays/%d/delete" % hid, {})
    assert r.status_code == 303 and location(r) == "/admin/holidays?year=2031&deleted=1"
    assert holiday_id(admin_site, "2031-03-13") is None
    rec = admin_site.audit("holiday", hid)[0]
    assert rec["action"] == "delete" and rec["after"] is None
    assert rec["before"]["name"] == "Ngày hội văn hóa"
    assert admin_site.get(sysadmin, "/admin/holidays/%d" % hid).status_code == 404
    r = admin_site.get(sysadmin, "/admin/audit/%d" % rec["id"])
    assert r.status_code == 200 and "Ngày hội văn hóa" in page_text(r)


HOLIDAY_ERRORS = [
    ("day", {"day": ""}, "nhập ngày"),
    ("day", {"day": "31/02/2031"}, "không hợp lệ"),
    ("day", {"day": "2031/09/02"}, "không hợp lệ"),
    ("day", {"day": "01/01/1999"}, "2000"),
    ("day", {"day": "hôm nay"}, "không hợp lệ"),
    ("day", {"day": "@taken"}, "đã có"),
    ("kind", {"kind": "nghi_mat"}, "loại ngày"),
    ("kind", {"day": "09/09/2031", "kind": "working_day"}, "thứ Bảy"),
    ("name", {"name": ""}, "tên ngày"),
    ("name", {"name": "Tết " * 60}, "tên ngày"),
]


@pytest.mark.parametrize("field,over,words", HOLIDAY_ERRORS,
                         ids=["%s-%d" % (e[0], i) for i, e in enumerate(HOLIDAY_ERRORS)])
def test_holiday_errors(admin_site, sysadmin, field, over, words):
    # opening 2032 fills it with its default days, 1 January among them
    assert admin_site.get(sysadmin, "/admin/holidays?year=2032").status_code == 200
    assert holiday_id(admin_site, "2032-01-01") is not None
    data = {"day": "10/09/2031", "kind": "day_off", "name": "Nghỉ thử"}
    data.update(over)
    if data["day"] == "@taken":
        data["day"] = "01/01/2032"
    before = admin_site.one("SELECT count(*) FROM holidays")
    r = admin_site.post(sysadmin, "/admin/holidays", data)
    assert_field_error(r, field)
    assert words.lower() in field_message(r, field).lower(), field_message(r, field)
    assert_kept(r, data, ["day", "name"])
    assert admin_site.one("SELECT count(*) FROM holidays") == before


def test_holiday_year_view(admin_site, sysadmin):
    r = admin_site.get(sysadmin, "/admin/holidays?year=2026")
    assert r.status_code == 200
    days = [tr.find("td").get_text(strip=True) for tr in soup_of(r).select("tbody tr")]
    assert days and all(d.endswith("/2026") for d in days)
    assert days == sorted(days, key=lambda d: (d[3:5], d[:2]))
    assert admin_site.get(sysadmin, "/admin/holidays?year=abcd").status_code == 400
    assert admin_site.get(sysadmin, "/admin/holidays?year=1800").status_code == 400


# ---- audit log and failed mail ----

def test_audit_list_filters_and_pages(admin_site, sysadmin):
    for i in range(3):
        create_agency(admin_site, sysadmin)
    r = admin_site.get(sysadmin, "/admin/audit?entity=agency")
    assert r.status_code == 200
    kinds = {tr.find_all("td")[3].get_text(strip=True) for tr in soup_of(r).select("tbody tr")}
    assert kinds == {"Cơ quan"}
    assert admin_site.get(sysadmin, "/admin/audit?entity=khac").status_code == 400
    total = admin_site.one("SELECT count(*) FROM audit_log")
    if total > 50:
        r = admin_site.get(sysadmin, "/admin/audit?page=2")
        assert r.status_code == 200
        assert soup_of(r).find("a", rel="prev") is not None


def test_failed_mail_page(admin_site, sysadmin):
    admin_site.execute(
        "INSERT INTO mail_outbox (recipient, subject, body_text, body_html, message_id, status, "
        "attempts, created_at, next_attempt_at, last_error) VALUES ('hong@example.vn', "
        "'Kích hoạt tài khoản', 'x', 'x', '<failtest@localhost>', 'failed', 3, "
        "'2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '550 mailbox unavailable')")
    r = admin_site.get(sysadmin, "/admin/mail")
    assert r.status_code == 200
    text = page_text(r)
    assert "hong@example.vn" in text and "550 mailbox unavailable" in text
    assert "Kích hoạt tài khoản" in text and "02/01/2026 07:00" in text
    r = admin_site.get(sysadmin, "/admin")
    assert "1 thư không gửi được" in page_text(r)


# ---- failed e-mail ----

def _failed_mail(admin_site, recipient):
    admin_site.execute(
        "INSERT INTO mail_outbox (recipient, subject, body_text, body_html, message_id, status, "
        "attempts, created_at, next_attempt_at, last_error) VALUES (?, 'Thư thử', 'x', 'x', ?, "
        "'failed', 7, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', "
        "'550 5.1.1 mailbox unavailable')", (recipient, "<%s@test>" % recipient))
    return admin_site.one("SELECT id FROM mail_outbox WHERE recipient = ?", (recipient,))


def test_failed_mail_is_listed_and_sent_again(admin_site, sysadmin):
    mail_id = _failed_mail(admin_site, "hong@example.vn")
    r = admin_site.get(sysadmin, "/admin/mail")
    assert r.status_code == 200
    assert "hong@example.vn" in page_text(r) and "550 5.1.1" in page_text(r)
    form = soup_of(r).find("form", action="/admin/mail/%d/retry" % mail_id)
    assert form is not None and form.find("button").get_text(strip=True) == "Gửi lại"

    # without its CSRF token nothing happens
    r = admin_site.post(sysadmin, "/admin/mail/%d/retry" % mail_id, {}, csrf=False)
    assert r.status_code == 403
    assert admin_site.one("SELECT status FROM mail_outbox WHERE id = ?", (mail_id,)) == "failed"

    r = admin_site.post(sysadmin, "/admin/mail/%d/retry" % mail_id, {})
    assert r.status_code == 303 and r.headers["location"] == "/admin/mail?requeued=1"
    # queued again (the Maildir sender of the test server then delivers it)
    status, attempts = admin_site.rows("SELECT status, attempts FROM mail_outbox WHERE id = ?",
                                       (mail_id,))[0]
    assert status in ("queued", "sending", "sent") and attempts <= 1
    rec = admin_site.audit("mail", mail_id)[0]
    assert rec["action"] == "retry"
    # a message that is not failed (any more) cannot be queued again
    r = admin_site.post(sysadmin, "/admin/mail/%d/retry" % mail_id, {})
    assert r.status_code == 404
    assert admin_site.post(sysadmin, "/admin/mail/999999/retry", {}).status_code == 404


def test_agency_admin_cannot_send_failed_mail_again(admin_site, hac_admin):
    mail_id = _failed_mail(admin_site, "khong-duoc@example.vn")
    r = admin_site.post(hac_admin, "/admin/mail/%d/retry" % mail_id, {})
    assert r.status_code == 403
    assert admin_site.one("SELECT status FROM mail_outbox WHERE id = ?", (mail_id,)) == "failed"


def test_a_year_starts_with_its_computed_defaults(admin_site, sysadmin):
    r = admin_site.get(sysadmin, "/admin/holidays?year=2033")
    assert r.status_code == 200
    rows = {tr.find("td").get_text(strip=True): tr.get_text(" ", strip=True)
            for tr in soup_of(r).select("tbody tr")}
    # Tết Quý Sửu: mùng 1 on Monday 31/01/2033, the last day of the old year before it
    for day in ("30/01/2033", "31/01/2033", "01/02/2033", "02/02/2033", "03/02/2033"):
        assert day in rows and "Tết Nguyên đán" in rows[day], day
    # Giỗ Tổ on Saturday 09/04/2033, made up on Monday 11/04
    assert "Giỗ Tổ Hùng Vương" in rows["09/04/2033"]
    assert "Nghỉ bù Giỗ Tổ" in rows["11/04/2033"]
    for day in ("01/01/2033", "30/04/2033", "02/09/2033", "24/11/2033"):
        assert day in rows, day
    assert admin_site.one("SELECT count(*) FROM audit_log WHERE entity = 'holiday' AND "
                          "summary LIKE '%mặc định năm 2033'") == 1
    # an administrator's deletion stays: the defaults are not filled twice
    hid = holiday_id(admin_site, "2033-11-24")
    r = admin_site.post(sysadmin, "/admin/holidays/%d/delete" % hid, {})
    assert r.status_code == 303
    r = admin_site.get(sysadmin, "/admin/holidays?year=2033")
    assert "24/11/2033" not in page_text(r)
    assert holiday_id(admin_site, "2033-11-24") is None
    assert admin_site.one("SELECT count(*) FROM audit_log WHERE entity = 'holiday' AND "
                          "summary LIKE '%mặc định năm 2033'") == 1


# ---- receipt numbers ----

RECEIPT_DEFAULT = ("{code}-{yy}{MM}{dd}-{NNNN}", 1)
DESK_PATTERN = "{code}/{yyyy}/{NNNNNN}"
VN = datetime.timezone(datetime.timedelta(hours=7))


def vn_today():
    return datetime.datetime.now(VN).date()


def receipt_row(site, agency_id):
    return site.rows("SELECT receipt_pattern, receipt_start FROM agencies WHERE id = ?",
                     (agency_id,))[0]


def set_receipt(site, session, agency_id, pattern, start):
    """Post the agency's edit form with its stored values and this receipt pattern and start."""
    data = agency_values(site, agency_id)
    data.update(receipt_pattern=pattern, receipt_start=str(start))
    return site.post(session, "/admin/agencies/%d" % agency_id, data)


def receipt_hint(r):
    return " ".join(soup_of(r).find(id="receipt_pattern-hint").get_text(" ").split())


def test_new_agency_form_offers_the_default_receipt_pattern(admin_site, sysadmin):
    r = admin_site.get(sysadmin, "/admin/agencies/new")
    assert r.status_code == 200
    assert input_value(r, "receipt_pattern") == RECEIPT_DEFAULT[0]
    assert input_value(r, "receipt_start") == "1"
    hint = receipt_hint(r)
    for token in ("{code}", "{yyyy}", "{yy}", "{MM}", "{dd}", "{NNNN}"):
        assert token in hint, hint
    # a form without the receipt fields (an older page) gives the defaults
    agency_id, _ = create_agency(admin_site, sysadmin)
    assert receipt_row(admin_site, agency_id) == RECEIPT_DEFAULT
    rec = admin_site.audit("agency", agency_id)[0]
    assert rec["after"]["receipt_pattern"] == RECEIPT_DEFAULT[0]
    assert rec["after"]["receipt_start"] == 1
    # and typed ones are kept
    agency_id, _ = create_agency(admin_site, sysadmin, receipt_pattern=" HS-{yyyy}-{NNN} ",
                                 receipt_start="0")
    assert receipt_row(admin_site, agency_id) == ("HS-{yyyy}-{NNN}", 0)


def test_system_admin_sets_a_desks_receipt_pattern(admin_site, sysadmin):
    desk = admin_site.agency_id(HAC_THANH_CENTRE)
    before = receipt_row(admin_site, desk)
    r = admin_site.get(sysadmin, "/admin/agencies/%d" % desk)
    assert input_value(r, "receipt_pattern") == before[0]
    assert input_value(r, "receipt_start") == str(before[1])
    try:
        r = set_receipt(admin_site, sysadmin, desk, DESK_PATTERN, 500)
        assert r.status_code == 303 and location(r) == "/admin/agencies/%d?saved=1" % desk, \
            page_text(r)[:800]
        assert receipt_row(admin_site, desk) == (DESK_PATTERN, 500)
        rec = admin_site.audit("agency", desk)[0]
        assert rec["action"] == "update" and rec["agency_id"] == desk
        assert (rec["before"]["receipt_pattern"], rec["before"]["receipt_start"]) == before
        assert rec["after"]["receipt_pattern"] == DESK_PATTERN
        assert rec["after"]["receipt_start"] == 500
        # the edit form shows them, with the first number of today
        years = {vn_today().year}
        r = admin_site.get(sysadmin, "/admin/agencies/%d" % desk)
        years.add(vn_today().year)
        assert input_value(r, "receipt_pattern") == DESK_PATTERN
        assert input_value(r, "receipt_start") == "500"
        assert any("%s/%04d/000500" % (HAC_THANH_CENTRE, y) in receipt_hint(r) for y in years), \
            receipt_hint(r)
        # saving the same again records nothing
        assert set_receipt(admin_site, sysadmin, desk, DESK_PATTERN, 500).status_code == 303
        assert admin_site.audit("agency", desk)[0]["id"] == rec["id"]
    finally:
        set_receipt(admin_site, sysadmin, desk, *before)
    assert receipt_row(admin_site, desk) == before


RECEIPT_ERRORS = [
    ("receipt_pattern", {"receipt_pattern": ""}, "mẫu số biên nhận"),
    ("receipt_pattern", {"receipt_pattern": "   "}, "mẫu số biên nhận"),
    ("receipt_pattern", {"receipt_pattern": "{code}-{yy}{MM}{dd}"}, "số thứ tự"),
    ("receipt_pattern", {"receipt_pattern": "{code}-{NNNN}-{NN}"}, "chỉ được có một"),
    ("receipt_pattern", {"receipt_pattern": "{NNNNNNNNNNNNN}"}, "12 chữ N"),
    ("receipt_pattern", {"receipt_pattern": "{code}-" + "X" * 60 + "-{NNNN}"}, "dài quá 64"),
    ("receipt_pattern", {"receipt_pattern": "{NNNN}" + "A" * 95}, "100 ký tự"),
    ("receipt_pattern", {"receipt_pattern": "{code}\t{NNNN}"}, "ký tự điều khiển"),
    ("receipt_pattern", {"receipt_pattern": "{code}-hs-{NNNN}"}, "chữ in hoa"),
    ("receipt_pattern", {"receipt_pattern": "{code} {NNNN}"}, "chữ in hoa"),
    ("receipt_pattern", {"receipt_pattern": "{code}_{NNNN}"}, "chữ in hoa"),
    ("receipt_pattern", {"receipt_pattern": "{code}-Số-{NNNN}"}, "không dấu"),
    ("receipt_start", {"receipt_start": "-1"}, "số bắt đầu mỗi ngày"),
    ("receipt_start", {"receipt_start": "abc"}, "số bắt đầu mỗi ngày"),
    ("receipt_start", {"receipt_start": "1000000"}, "999999"),
    ("receipt_start", {"receipt_start": ""}, "số bắt đầu mỗi ngày"),
    ("receipt_start", {"receipt_pattern": "{code}-{NN}", "receipt_start": "100"}, "99"),
]


@pytest.mark.parametrize("field,over,words", RECEIPT_ERRORS,
                         ids=["%s-%d" % (e[0], i) for i, e in enumerate(RECEIPT_ERRORS)])
def test_receipt_pattern_errors(admin_site, sysadmin, field, over, words):
    desk = admin_site.agency_id(HAC_THANH_CENTRE)
    before = admin_site.rows("SELECT receipt_pattern, receipt_start, updated_at FROM agencies "
                             "WHERE id = ?", (desk,))
    records = len(admin_site.audit("agency", desk))
    data = agency_values(admin_site, desk)
    data.update(receipt_pattern=DESK_PATTERN, receipt_start="500")
    data.update(over)
    r = admin_site.post(sysadmin, "/admin/agencies/%d" % desk, data)
    assert_field_error(r, field)
    assert words.lower() in field_message(r, field).lower(), field_message(r, field)
    assert_kept(r, data, ["receipt_pattern", "receipt_start", "name", "code"])
    assert admin_site.rows("SELECT receipt_pattern, receipt_start, updated_at FROM agencies "
                           "WHERE id = ?", (desk,)) == before
    assert len(admin_site.audit("agency", desk)) == records


def test_receipt_errors_on_a_new_agency_keep_what_was_typed(admin_site, sysadmin):
    data = agency_form(admin_site, receipt_pattern="{code}-{yy}", receipt_start="abc")
    count = admin_site.one("SELECT count(*) FROM agencies")
    r = admin_site.post(sysadmin, "/admin/agencies/new", data)
    assert_field_error(r, "receipt_pattern")
    assert_field_error(r, "receipt_start")
    assert_kept(r, data, ["receipt_pattern", "receipt_start", "code", "name"])
    assert admin_site.one("SELECT count(*) FROM agencies") == count


def test_a_desk_numbers_receipts_with_its_pattern(admin_site, sysadmin):
    from staff_helpers import act_ok, pending_dossier, row
    desk = admin_site.agency_id(HAC_THANH_CENTRE)
    before = receipt_row(admin_site, desk)
    try:
        assert set_receipt(admin_site, sysadmin, desk, DESK_PATTERN, 500).status_code == 303
        did = pending_dossier(admin_site, HAC_THANH_CENTRE)
        intake = admin_site.login_as("intake", HAC_THANH_CENTRE)
        days = {vn_today()}
        last = {d: admin_site.one("SELECT last FROM receipt_counters WHERE agency_id = ? "
                                  "AND day = ?", (desk, d.isoformat())) for d in days}
        act_ok(admin_site, intake, did, "receive")
        days.add(vn_today())
        d = row(admin_site, did, ["status", "receipt_no"])
        assert d["status"] == "received"
        # the day's first number is the start (the next one when the day had numbers already)
        wanted = {"%s/%04d/%06d" % (HAC_THANH_CENTRE, day.year,
                                    500 if last.get(day) is None else last[day] + 1)
                  for day in days}
        assert d["receipt_no"] in wanted, (d["receipt_no"], wanted)
        assert re.match(r"^000\.01\.61\.H56/\d{4}/\d{6}$", d["receipt_no"])
    finally:
        set_receipt(admin_site, sysadmin, desk, *before)
    assert receipt_row(admin_site, desk) == before
