"""The citizen's dossier pages (/dossiers, /dossiers/new, /dossiers/{id}, /dossiers/{id}/form,
/dossiers/{id}/withdraw), against the real binary on demo data.

The form is shown one step at a time: each section of the procedure's form schema, then a last
step for the documents ("Giấy tờ đính kèm"); a post carries the fields of the step shown and its
button (save, next, back).  Submitting, confirming, files and supplements are tested in
test_dossier_submit.py; the shared helpers are in dossier_helpers.py.

The demo data (src/domain/demo.c) gives: the citizen congdan@example.vn (Nguyễn Văn An, citizen
ID 038090012345), the business doanhnghiep@example.vn, procedure 1.001193 Đăng ký khai sinh
(citizens only, offered online at the commune desks; 5 sections, every document conditional),
1.004884 Đăng ký lại khai sinh (offered, not online) and 2.000720 (businesses only, with a group
of check boxes in its second section; not online in the demo, so one test opens it by writing
the database).  Statuses the citizen pages cannot reach by themselves here (pending, for
withdrawing) are set straight in the database.
"""
import json
import re

import pytest

from admin_helpers import (DEMO_CITIZEN, TIMEOUT, admin_site,  # noqa: F401
                           assert_field_error, field_message, input_value, location, page_text,
                           soup_of)
from dossier_helpers import (BIRTH, BIRTH_AGAIN, BUSINESS, HOUSEHOLD_CHANGE, dossier_schema,
                             offering_of, post, post_step, section_post, start, summary_links,
                             valid_answers)
from dossier_helpers import new_citizen as _new_citizen


# ---- helpers ----

def new_citizen(site):
    """A second active citizen: its logged-in session and account id."""
    s, account_id, _ = _new_citizen(site)
    return s, account_id


def dossier_form_data(site, dossier_id):
    return json.loads(site.one("SELECT form_data FROM dossiers WHERE id = ?", (dossier_id,)))


def form_page_values(r):
    """Every named control of the dossier form with its current value (input_value)."""
    names = {el["name"] for el in soup_of(r).find_all(attrs={"name": re.compile(r"^f_")})}
    return {n: input_value(r, n) for n in names}


@pytest.fixture(scope="module")
def citizen(admin_site):
    return admin_site.citizen_session()


@pytest.fixture(scope="module")
def birth_offering(admin_site):
    return offering_of(admin_site, BIRTH)


# ---- starting ----

def test_catalogue_button_leads_to_a_confirmation_that_changes_nothing(admin_site, citizen,
                                                                        birth_offering):
    site = admin_site
    r = site.get(citizen, "/services/" + BIRTH)
    assert r.status_code == 200
    links = [a["href"] for a in soup_of(r).find_all("a", href=True)
             if a["href"].startswith("/dossiers/new?offering=")]
    assert "/dossiers/new?offering=%d" % birth_offering in links, links
    before = site.one("SELECT count(*) FROM dossiers")
    r = site.get(citizen, "/dossiers/new?offering=%d" % birth_offering)
    assert r.status_code == 200, page_text(r)[:300]
    assert "Bắt đầu nộp hồ sơ" in page_text(r)
    form = soup_of(r).find("form", attrs={"action": "/dossiers/new"})
    assert form is not None and form.get("method") == "post"
    assert form.find("input", attrs={"name": "offering"})["value"] == str(birth_offering)
    assert form.find("input", attrs={"name": "csrf_token"}).get("value")
    assert "Bắt đầu" in form.get_text()
    # it names what is being started: the procedure, the desk with its address and hours
    desk, address = site.rows("SELECT d.name, d.address FROM offerings o JOIN agencies d "
                              "ON d.id = o.desk_agency_id WHERE o.id = ?", (birth_offering,))[0]
    text = page_text(r)
    assert "Đăng ký khai sinh" in text and BIRTH in text
    assert desk in text and address in text
    assert "Giờ làm việc" in text
    assert site.one("SELECT count(*) FROM dossiers") == before, "a GET created a dossier"


@pytest.mark.parametrize("query", ["", "?offering=", "?offering=abc", "?offering=0",
                                   "?offering=07", "?offering=-5"])
def test_confirmation_with_a_malformed_offering_is_404(admin_site, citizen, query):
    assert admin_site.get(citizen, "/dossiers/new" + query).status_code == 404


def test_start_fills_the_form_from_the_account(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    owner = site.one("SELECT owner_account_id FROM dossiers WHERE id = ?", (did,))
    assert owner == site.one("SELECT id FROM accounts WHERE email_key = ?", (DEMO_CITIZEN,))
    r = site.get(citizen, "/dossiers/%d/form" % did)
    assert r.status_code == 200, page_text(r)[:300]
    assert input_value(r, "f_requester_name") == "Nguyễn Văn An"
    assert input_value(r, "f_requester_citizen_id") == "038090012345"
    text = page_text(r)
    assert "Đăng ký khai sinh" in text
    form = soup_of(r).find("form", attrs={"action": "/dossiers/%d/form" % did})
    assert form is not None and form.get("method") == "post"
    assert form.has_attr("novalidate"), "a draft must be savable with required fields empty"
    button = form.find("button", attrs={"name": "action", "value": "save"})
    assert button is not None and "Lưu nháp" in button.get_text()
    # A fresh draft shows no error summary before anything was saved.
    assert soup_of(r).select_one(".error-summary") is None


def test_start_without_csrf_is_refused(admin_site, citizen, birth_offering):
    before = admin_site.one("SELECT count(*) FROM dossiers")
    r = post(admin_site, citizen, "/dossiers/new", {"offering": str(birth_offering)}, csrf=False)
    assert r.status_code == 403
    r = post(admin_site, citizen, "/dossiers/new", {"offering": str(birth_offering),
                                                    "csrf_token": "x" * 43}, csrf=False)
    assert r.status_code == 403
    assert admin_site.one("SELECT count(*) FROM dossiers") == before


def test_offering_not_open_online_is_404(admin_site, citizen):
    site = admin_site
    before = site.one("SELECT count(*) FROM dossiers")
    offline = offering_of(site, BIRTH_AGAIN, online=0)
    # refused already on the page that would start it
    assert site.get(citizen, "/dossiers/new?offering=%d" % offline).status_code == 404
    assert site.get(citizen, "/dossiers/new?offering=999999999").status_code == 404
    assert post(site, citizen, "/dossiers/new", {"offering": str(offline)}).status_code == 404
    assert post(site, citizen, "/dossiers/new", {"offering": "999999999"}).status_code == 404
    assert post(site, citizen, "/dossiers/new", {"offering": "abc"}).status_code == 404
    assert post(site, citizen, "/dossiers/new", {}).status_code == 404
    assert site.one("SELECT count(*) FROM dossiers") == before


def test_business_on_a_citizens_procedure_gets_the_reason(admin_site, birth_offering):
    site = admin_site
    biz = site.login(BUSINESS)
    before = site.one("SELECT count(*) FROM dossiers")
    r = post(site, biz, "/dossiers/new", {"offering": str(birth_offering)})
    assert r.status_code == 403
    soup = soup_of(r)
    reason = soup.select_one(".dossier-refusal")
    assert reason is not None and reason.get_text(strip=True), page_text(r)[:400]
    assert re.search(r"cá nhân|công dân", reason.get_text(), re.I), reason.get_text()
    assert soup.find("a", href="/services") is not None
    assert soup.html.get("lang") == "vi"
    assert site.one("SELECT count(*) FROM dossiers") == before


# ---- the form, one step at a time ----

def step_titles(r):
    """The progress list: [(title, current, href or None)]."""
    out = []
    for li in soup_of(r).select(".dossier-steps li"):
        a = li.find("a", href=True)
        cur = li.find(attrs={"aria-current": "step"})
        out.append((" ".join(li.get_text(" ").split()), cur is not None,
                    a["href"] if a is not None else None))
    return out


def shown_fields(r):
    """The names of the form controls the page shows (f_ fields and doc_ file inputs)."""
    return {el["name"] for el in soup_of(r).find_all(attrs={"name": re.compile(r"^(f|doc)_")})}


def test_form_shows_one_step_at_a_time(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    schema = dossier_schema(site, did)
    sections = schema["sections"]
    docs = [r[0] for r in site.rows(
        "SELECT pd.id FROM procedure_documents pd JOIN procedures p ON p.id = pd.procedure_id "
        "WHERE p.code = ? ORDER BY pd.position", (BIRTH,))]
    count = len(sections) + 1
    assert docs, "the demo's birth registration has documents"

    r = site.get(citizen, "/dossiers/%d/form" % did)
    assert r.status_code == 200
    steps = step_titles(r)
    assert [t for t, _, _ in steps] == [s["title"] for s in sections] + ["Giấy tờ đính kèm"]
    assert [c for _, c, _ in steps] == [True] + [False] * (count - 1)
    assert [h for _, _, h in steps][1:] == ["/dossiers/%d/form?step=%d" % (did, n)
                                            for n in range(2, count + 1)]
    assert "Bước 1/%d" % count in page_text(r)
    want = {"f_" + f["name"] for f in sections[0]["fields"]}
    assert shown_fields(r) == want, "step 1 shows the first section only"
    form = soup_of(r).find("form", attrs={"action": "/dossiers/%d/form" % did})
    assert form.find("input", attrs={"name": "step", "type": "hidden"})["value"] == "1"
    buttons = {b["value"]: " ".join(b.get_text().split())
               for b in form.select(".dossier-actions button[name=action]")}
    assert "back" not in buttons, "no way back from the first step"
    assert buttons.get("next") == "Tiếp tục" and buttons.get("save") == "Lưu nháp"

    r = site.get(citizen, "/dossiers/%d/form?step=2" % did)
    assert shown_fields(r) == {"f_" + f["name"] for f in sections[1]["fields"]}
    assert [c for _, c, _ in step_titles(r)][1] is True
    form = soup_of(r).find("form", attrs={"action": "/dossiers/%d/form" % did})
    assert form.find("input", attrs={"name": "step"})["value"] == "2"
    assert form.select_one(".dossier-actions button[name=action][value=back]") is not None

    # The last step: the documents, each with its file input; the next button checks.
    r = site.get(citizen, "/dossiers/%d/form?step=%d" % (did, count))
    assert r.status_code == 200
    assert shown_fields(r) == {"doc_%d" % d for d in docs}
    form = soup_of(r).find("form", attrs={"action": "/dossiers/%d/form" % did})
    assert form.get("enctype") == "multipart/form-data"
    nxt = form.select_one(".dossier-actions button[name=action][value=next]")
    assert nxt is not None and "Kiểm tra và nộp" in nxt.get_text()
    for d in docs:
        assert soup_of(r).find(id="doc_%d-card" % d) is not None
        inp = soup_of(r).find("input", attrs={"name": "doc_%d" % d})
        assert inp["type"] == "file" and ".pdf" in inp.get("accept", "")

    # A step out of range, or not a number, shows the first one.
    for bad in ("0", "99", "abc", "-1", "01"):
        r = site.get(citizen, "/dossiers/%d/form?step=%s" % (did, bad))
        assert r.status_code == 200, bad
        assert shown_fields(r) == {"f_" + f["name"] for f in sections[0]["fields"]}, bad


def test_next_and_back_move_between_steps(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    schema = dossier_schema(site, did)
    answers = valid_answers(schema)
    count = len(schema["sections"]) + 1

    r = post_step(site, citizen, did, 1, section_post(schema, 1, answers), action="next")
    assert r.status_code == 303 and location(r) == "/dossiers/%d/form?step=2" % did

    # A wrong answer stops "next": the same step again with 422, its problems only, saved.
    bad = dict(section_post(schema, 2, answers), f_child_birth_date="2999-01-01",
               f_child_name="")
    r = post_step(site, citizen, did, 2, bad, action="next")
    assert r.status_code == 422, page_text(r)[:300]
    links = summary_links(r)
    assert set(links) == {"#f_child_birth_date", "#f_child_name"}, links
    assert field_message(r, "f_child_birth_date"), "no message beside the date"
    assert "Đã lưu nháp" in page_text(r)
    assert soup_of(r).find("input", attrs={"name": "step"})["value"] == "2"
    stored = dossier_form_data(site, did)
    assert stored["child_birth_date"] == "2999-01-01", "what was typed is kept"
    assert stored["relationship"] == answers["relationship"], "step 1 is kept"

    # "Quay lại" saves the step and goes back one, even with wrong answers.
    r = post_step(site, citizen, did, 2, dict(bad, f_child_hometown="Thanh Hóa"), action="back")
    assert r.status_code == 303 and location(r) == "/dossiers/%d/form?step=1" % did
    assert dossier_form_data(site, did)["child_hometown"] == "Thanh Hóa"

    for step in range(2, count):
        r = post_step(site, citizen, did, step, section_post(schema, step, answers),
                      action="next")
        assert r.status_code == 303, (step, page_text(r)[:300], summary_links(r))
        assert location(r) == "/dossiers/%d/form?step=%d" % (did, step + 1)
    # The documents step (every document of this procedure is conditional) leads to the check.
    r = post_step(site, citizen, did, count, action="next")
    assert r.status_code == 303 and location(r) == "/dossiers/%d/check" % did
    r = site.get(citizen, "/dossiers/%d/check" % did)
    assert r.status_code == 200


def test_save_draft_keeps_everything_and_shows_the_problems(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    r = post_step(site, citizen, did, 1, {
        "f_requester_name": "Nguyễn Văn An",
        "f_requester_citizen_id": "038090012345",
        "f_requester_phone": "12345",             # not a phone number
        "f_relationship": "",                     # required, left empty
        "f_unknown_field": "dropped",
    })
    assert r.status_code == 200, page_text(r)[:400]
    text = page_text(r)
    assert "Đã lưu nháp." in text
    summary = soup_of(r).select_one(".error-summary")
    assert summary is not None and "Hồ sơ còn thiếu hoặc chưa đúng" in summary.get_text()
    links = summary_links(r)
    assert "#f_requester_phone" in links, links
    assert "#f_relationship" in links, "a required empty field should be listed: %r" % links
    assert "#f_child_birth_place" not in links, "only the problems of the step shown: %r" % links
    msg = field_message(r, "f_requester_phone")
    assert msg and "Số điện thoại" in msg, msg
    assert input_value(r, "f_requester_phone") == "12345"

    r = post_step(site, citizen, did, 2, {
        "f_child_name": "Nguyễn Thảo Vy",
        "f_child_birth_date": "2024-03-05",
        "f_child_gender": "nu",
    })
    assert r.status_code == 200
    links = summary_links(r)
    assert "#f_child_birth_place" in links, "a required empty field should be listed: %r" % links
    assert "#f_requester_phone" not in links, links
    # Nothing typed is lost: the page shows it and the database holds it.
    assert input_value(r, "f_child_name") == "Nguyễn Thảo Vy"
    assert input_value(r, "f_child_gender") == "nu"
    assert input_value(r, "f_child_birth_date") == "2024-03-05"
    stored = dossier_form_data(site, did)
    assert stored["requester_phone"] == "12345"
    assert stored["child_name"] == "Nguyễn Thảo Vy"
    assert "unknown_field" not in stored
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (did,)) == "draft"
    # The steps read back later show the same answers.
    again = site.get(citizen, "/dossiers/%d/form?step=1" % did)
    assert again.status_code == 200
    assert input_value(again, "f_requester_phone") == "12345"
    again = site.get(citizen, "/dossiers/%d/form?step=2" % did)
    assert input_value(again, "f_child_name") == "Nguyễn Thảo Vy"
    # A fresh GET shows no summary: problems are shown after a save.
    assert soup_of(again).select_one(".error-summary") is None


def test_unticking_a_checkbox_is_saved(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    last = len(dossier_schema(site, did)["sections"])  # "Nhận kết quả và cam đoan"
    r = post_step(site, citizen, did, last, {"f_declaration": "1"})
    assert r.status_code == 200
    assert dossier_form_data(site, did)["declaration"] == "1"
    assert input_value(r, "f_declaration") == "1"
    # The browser posts nothing for an unticked box.
    r = post_step(site, citizen, did, last, {"f_copies": "2"})
    assert r.status_code == 200
    stored = dossier_form_data(site, did)
    assert stored["declaration"] == ""
    assert stored["copies"] == "2"
    assert input_value(r, "f_declaration") is None


def test_saving_a_step_keeps_the_boxes_ticked_on_other_steps(admin_site, citizen,
                                                              birth_offering):
    # A box posts nothing when unticked, so only the boxes of the step shown may be unticked by
    # its post (dossier_save_form's contract); the documents step shows no box at all.
    site = admin_site
    did = start(site, citizen, birth_offering)
    last = len(dossier_schema(site, did)["sections"])
    r = post_step(site, citizen, did, last, {"f_declaration": "1"})
    assert r.status_code == 200
    r = post_step(site, citizen, did, 1, {"f_relationship": "me"}, action="next")
    assert r.status_code == 303
    assert dossier_form_data(site, did)["declaration"] == "1", \
        "saving step 1 unticked the declaration of step %d" % last
    r = post_step(site, citizen, did, last + 1, action="save")
    assert r.status_code == 200
    assert dossier_form_data(site, did)["declaration"] == "1", \
        "saving the documents step unticked the declaration"


def test_checkbox_group_posts_a_list_and_unticks(admin_site):
    site = admin_site
    # 2.000720 is not online in the demo: open it (service mode and one offering).
    site.execute("UPDATE procedures SET service_mode = 'partial' WHERE code = ?",
                 (HOUSEHOLD_CHANGE,))
    oid = site.one("SELECT o.id FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
                   "WHERE p.code = ? AND o.active = 1 ORDER BY o.id LIMIT 1", (HOUSEHOLD_CHANGE,))
    site.execute("UPDATE offerings SET online = 1 WHERE id = ?", (oid,))
    biz = site.login(BUSINESS)
    did = start(site, biz, oid)
    schema = dossier_schema(site, did)
    step = [i for i, sec in enumerate(schema["sections"], 1)
            if any(f["name"] == "changes" for f in sec["fields"])][0]
    r = post_step(site, biz, did, step, {"f_changes": ["ten", "von"]})
    assert r.status_code == 200, page_text(r)[:400]
    assert dossier_form_data(site, did)["changes"] == ["ten", "von"]
    ticked = [el["value"] for el in soup_of(r).find_all("input", attrs={"name": "f_changes"})
              if el.has_attr("checked")]
    assert ticked == ["ten", "von"]
    # Another step's post leaves the group as it is.
    other = 1 if step != 1 else 2
    r = post_step(site, biz, did, other, {})
    assert r.status_code == 200
    assert dossier_form_data(site, did)["changes"] == ["ten", "von"]
    r = post_step(site, biz, did, step, {})
    assert r.status_code == 200
    assert dossier_form_data(site, did)["changes"] == []
    # The detail shows the options' labels, not their values.
    r = post_step(site, biz, did, step, {"f_changes": ["tru_so"]})
    detail = site.get(biz, "/dossiers/%d" % did)
    assert detail.status_code == 200
    options = [o for sec in schema["sections"] for f in sec["fields"]
               if f["name"] == "changes" for o in f["options"]]
    tru_so = [o["label"] for o in options if o["value"] == "tru_so"][0]
    assert tru_so in page_text(detail)


def test_unknown_action_is_400(admin_site, citizen, birth_offering):
    did = start(admin_site, citizen, birth_offering)
    r = post(admin_site, citizen, "/dossiers/%d/form" % did, {"action": "explode"})
    assert r.status_code == 400


def test_save_without_csrf_is_refused(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    r = post(site, citizen, "/dossiers/%d/form" % did,
             {"action": "save", "step": "2", "f_child_name": "Không được lưu"}, csrf=False)
    assert r.status_code == 403
    assert dossier_form_data(site, did).get("child_name", "") == ""


# ---- list and detail ----

def test_list_shows_the_draft_and_the_detail_its_answers(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    r = post_step(site, citizen, did, 1, {"f_relationship": "me"})
    assert r.status_code == 200
    r = post_step(site, citizen, did, 2, {
        "f_child_name": "Trần Gia Bảo", "f_child_birth_date": "2024-03-05",
        "f_child_gender": "nam",
        "f_child_birth_place": "Bệnh viện Phụ sản Thanh Hóa\nSố 2 Hải Thượng Lãn Ông"})
    assert r.status_code == 200
    r = site.get(citizen, "/dossiers")
    assert r.status_code == 200
    soup = soup_of(r)
    assert "Hồ sơ của tôi" in soup.find("h1").get_text()
    row = soup.find("a", href="/dossiers/%d" % did)
    assert row is not None, "the new draft is not listed"
    tr = row.find_parent("tr")
    cells = " ".join(tr.get_text(" ").split())
    assert "Đăng ký khai sinh" in cells and BIRTH in cells
    assert "Nháp" in cells
    assert "Trung tâm Phục vụ hành chính công" in cells
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", cells), cells
    # Most recently changed first.
    first = soup.select_one("table.dossier-list tbody tr a")
    assert first["href"] == "/dossiers/%d" % did

    r = site.get(citizen, "/dossiers/%d" % did)
    assert r.status_code == 200
    text = page_text(r)
    assert "Nháp" in text and "Đăng ký khai sinh" in text
    assert "Nguyễn Văn An" in text
    assert "Mẹ" in text, "the option label, not the value 'me'"
    assert "05/03/2024" in text
    assert "Bệnh viện Phụ sản Thanh Hóa" in text and "Số 2 Hải Thượng Lãn Ông" in text
    assert "Quan hệ với người được khai sinh" in text
    soup = soup_of(r)
    cont = soup.find("a", href="/dossiers/%d/form" % did)
    assert cont is not None and "Tiếp tục khai" in cont.get_text()
    assert soup.select(".dossier-timeline li"), "no timeline"
    assert "Nháp" in soup.select_one(".dossier-timeline").get_text()
    assert soup.find("form", attrs={"action": "/dossiers/%d/withdraw" % did}) is None, \
        "a draft cannot be withdrawn"


def test_empty_list_points_to_the_catalogue(admin_site):
    s, _ = new_citizen(admin_site)
    r = admin_site.get(s, "/dossiers")
    assert r.status_code == 200
    soup = soup_of(r)
    assert soup.select_one("table.dossier-list") is None
    assert soup.find("a", href="/services") is not None
    assert "chưa có hồ sơ" in page_text(r).lower()


def test_list_pages(admin_site, birth_offering):
    site = admin_site
    s, _ = new_citizen(site)
    ids = [start(site, s, birth_offering) for _ in range(21)]
    r = site.get(s, "/dossiers")
    assert r.status_code == 200
    soup = soup_of(r)
    assert len(soup.select("table.dossier-list tbody tr")) == 20
    nxt = soup.find("a", attrs={"rel": "next"})
    assert nxt is not None and nxt["href"] == "/dossiers?page=2"
    r = site.get(s, "/dossiers?page=2")
    soup = soup_of(r)
    rows = soup.select("table.dossier-list tbody tr a")
    assert [a["href"] for a in rows] == ["/dossiers/%d" % ids[0]], "the oldest is last"
    assert soup.find("a", attrs={"rel": "prev"})["href"] == "/dossiers?page=1"
    assert soup.find("a", attrs={"rel": "next"}) is None
    r = site.get(s, "/dossiers?page=3")
    assert r.status_code == 200
    assert soup_of(r).find("a", attrs={"rel": "prev"})["href"] == "/dossiers?page=2"
    for bad in ("0", "abc", "-1", "10001"):
        assert site.get(s, "/dossiers?page=" + bad).status_code == 400


# ---- withdrawing and statuses past the draft ----

def test_withdraw_a_pending_dossier(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    site.execute("UPDATE dossiers SET status = 'pending' WHERE id = ?", (did,))
    r = site.get(citizen, "/dossiers/%d" % did)
    assert "Chờ tiếp nhận" in page_text(r)
    form = soup_of(r).find("form", attrs={"action": "/dossiers/%d/withdraw" % did})
    assert form is not None and form.find("textarea", attrs={"name": "reason"}) is not None
    assert soup_of(r).find("a", href="/dossiers/%d/form" % did) is None

    # No reason: 422 with the message beside the field.
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "   "})
    assert_field_error(r, "reason")
    # Too long: 422, and what was typed is still there.
    long_reason = "Tôi muốn rút hồ sơ " + "x" * 1000
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": long_reason})
    assert_field_error(r, "reason")
    assert input_value(r, "reason") == long_reason
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (did,)) == "pending"

    r = post(site, citizen, "/dossiers/%d/withdraw" % did,
             {"reason": "Tôi đã nộp trực tiếp tại bộ phận một cửa."})
    assert r.status_code == 303
    assert location(r) == "/dossiers/%d?withdrawn=1" % did
    r = site.get(citizen, location(r))
    text = page_text(r)
    assert "Đã rút hồ sơ." in text
    assert "Tôi đã nộp trực tiếp tại bộ phận một cửa." in text
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (did,)) == "withdrawn"
    assert soup_of(r).find("form", attrs={"action": "/dossiers/%d/withdraw" % did}) is None

    # Again: the status no longer allows it.
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "Lần nữa"})
    assert r.status_code == 409
    assert "Đã rút" in page_text(r)


def test_form_of_a_dossier_past_the_draft(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    site.execute("UPDATE dossiers SET status = 'pending' WHERE id = ?", (did,))
    r = site.get(citizen, "/dossiers/%d/form" % did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did
    # A post from a page left open: nothing is saved, the citizen sees where the dossier is.
    r = post_step(site, citizen, did, 2, {"f_child_name": "Muộn rồi"})
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did
    assert dossier_form_data(site, did).get("child_name", "") == ""
    r = site.get(citizen, "/dossiers/%d/form?step=3" % did)
    assert r.status_code == 303 and location(r) == "/dossiers/%d" % did
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "Không cần nữa"})
    assert r.status_code == 303


def test_withdraw_a_draft_is_409(admin_site, citizen, birth_offering):
    did = start(admin_site, citizen, birth_offering)
    r = post(admin_site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "Thử"})
    assert r.status_code == 409
    assert admin_site.one("SELECT status FROM dossiers WHERE id = ?", (did,)) == "draft"


def test_withdraw_without_csrf_is_refused(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    site.execute("UPDATE dossiers SET status = 'pending' WHERE id = ?", (did,))
    r = post(site, citizen, "/dossiers/%d/withdraw" % did, {"reason": "Thử"}, csrf=False)
    assert r.status_code == 403
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (did,)) == "pending"


# ---- who may see what ----

def test_another_citizen_gets_404_everywhere(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    post_step(site, citizen, did, 2, {"f_child_name": "Bí mật"})
    pending = start(site, citizen, birth_offering)
    site.execute("UPDATE dossiers SET status = 'pending' WHERE id = ?", (pending,))
    other, _ = new_citizen(site)
    for d in (did, pending):
        r = site.get(other, "/dossiers/%d" % d)
        assert r.status_code == 404
        assert "Bí mật" not in r.text
        assert site.get(other, "/dossiers/%d/form" % d).status_code == 404
        r = post_step(site, other, d, 2, {"f_child_name": "Kẻ lạ"})
        assert r.status_code == 404
        r = post(site, other, "/dossiers/%d/withdraw" % d, {"reason": "Kẻ lạ rút"})
        assert r.status_code == 404
        r = post(site, other, "/dossiers/%d/withdraw" % d, {"reason": ""})
        assert r.status_code == 404
    assert dossier_form_data(site, did)["child_name"] == "Bí mật"
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (pending,)) == "pending"
    r = site.get(other, "/dossiers")
    assert soup_of(r).find("a", href="/dossiers/%d" % did) is None


@pytest.mark.parametrize("bad", ["abc", "0", "01", "-1", "999999999", "1234567890123456789"])
def test_malformed_or_unknown_ids_are_404(admin_site, citizen, bad):
    site = admin_site
    assert site.get(citizen, "/dossiers/" + bad).status_code == 404
    assert site.get(citizen, "/dossiers/%s/form" % bad).status_code == 404
    assert post(site, citizen, "/dossiers/%s/form" % bad, {"action": "save"}).status_code == 404
    assert post(site, citizen, "/dossiers/%s/withdraw" % bad,
                {"reason": "Thử"}).status_code == 404


def test_anonymous_is_sent_to_login(admin_site, birth_offering):
    import requests
    s = requests.Session()
    for path in ("/dossiers", "/dossiers/new?offering=%d" % birth_offering, "/dossiers/1",
                 "/dossiers/1/form"):
        r = s.get(admin_site.url + path, timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 303, path
        assert location(r) == "/login", path
    for path in ("/dossiers/new", "/dossiers/1/form", "/dossiers/1/withdraw"):
        r = s.post(admin_site.url + path, data={"offering": str(birth_offering)},
                   timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 403, path


def test_staff_are_refused(admin_site, citizen, birth_offering):
    site = admin_site
    did = start(site, citizen, birth_offering)
    staff = site.login_as("intake")
    for path in ("/dossiers", "/dossiers/new?offering=%d" % birth_offering,
                 "/dossiers/%d" % did, "/dossiers/%d/form" % did):
        assert site.get(staff, path).status_code == 403, path
    tok = site.csrf(staff, "/")
    for path in ("/dossiers/new", "/dossiers/%d/form" % did, "/dossiers/%d/withdraw" % did):
        r = staff.post(site.url + path, data={"csrf_token": tok, "offering": str(birth_offering),
                                              "reason": "x"},
                       timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 403, path


def test_list_and_detail_show_the_receipt_number_and_due_date(admin_site, birth_offering):
    """Once received (the back office sets them; written straight here), "Hồ sơ của tôi" and the
    detail page show the receipt number and the due date in Vietnam time."""
    site = admin_site
    s, _ = new_citizen(site)
    did = start(site, s, birth_offering)
    site.execute("UPDATE dossiers SET status = 'pending', receipt_no = ?, "
                 "due_at = '2026-12-14T10:00:00.000Z' WHERE id = ?",
                 ("H56.01-261130-%04d" % did, did))
    r = site.get(s, "/dossiers")
    assert r.status_code == 200
    row = soup_of(r).find("a", href="/dossiers/%d" % did).find_parent("tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert "H56.01-261130-%04d" % did in cells, cells
    assert "14/12/2026 17:00" in cells, cells
    text = page_text(site.get(s, "/dossiers/%d" % did))
    assert "H56.01-261130-%04d" % did in text and "14/12/2026 17:00" in text
