"""Submitting a dossier online in headless Chromium, as the demo citizen, at 360 px and 1280 px.

From the catalogue page of 1.000656 Đăng ký khai tử: "Nộp hồ sơ trực tuyến", "Bắt đầu", the
form's three sections typed into the real controls (text, date, select, radio, number, the
declaration check box), then the documents step with a real PDF and a real PNG attached to two
documents, and "Lưu nháp".  Then, as on another device, a new Chromium with a fresh profile logs
in again, finds the draft in "Hồ sơ của tôi", continues it, finds every answer and both files
(byte for byte) again, checks and submits it, opens the link of the confirmation mail, sees the
desk's address and hours, and "Hồ sơ của tôi" lists the dossier as "Chờ tiếp nhận".  No page logs
a console error; at 360 px no page scrolls sideways.

The server runs on demo data made with `motcua --password DEMO_PASSWORD demo` (admin_helpers),
without --smtp, so the mail is read from <data>/mail/new.  Both window sizes share one server:
each run works on its own dossier, found by its id.
"""
import hashlib
import json
import os
import re
import shutil
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import motcua_server  # noqa: E402
from admin_helpers import DEMO_CITIZEN, DEMO_PASSWORD, AdminSite  # noqa: E402
from accounts_helpers import maildir_files  # noqa: E402
from dossier_helpers import make_pdf, make_png  # noqa: E402
from browser_helpers import (body_text, button, click_and_wait, fill, link, main_text,  # noqa: E402
                             nav_link, path_of, visible)

HERE = os.path.dirname(os.path.abspath(__file__))
PROCEDURE_CODE = "1.000656"
PROCEDURE_NAME = "Đăng ký khai tử"
SECTIONS = ("Thông tin người yêu cầu", "Thông tin người chết", "Nhận kết quả và cam đoan")
DOCUMENTS_STEP = "Giấy tờ đính kèm"
DEATH_NOTICE_DOC = "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử"   # mandatory, one file
ID_PAPER_DOC = "Giấy tờ tùy thân của người yêu cầu"                   # conditional, one file

# What the demo citizen's account prefills in section 1 (src/domain/demo.c).
PREFILLED = {
    "requester_name": "Nguyễn Văn An",
    "requester_citizen_id": "038090012345",
    "requester_phone": "0912345678",
    "requester_email": DEMO_CITIZEN,
    "requester_address": "Số 15 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa",
}


def answers_for(width):
    """The answers typed at one window size (both runs share the server: different names).
    Values are what the controls hold: option values for the select and the radios, ISO dates,
    "1" for the ticked declaration."""
    deceased = {360: "Lê Thị Hoa", 1280: "Phạm Thị Lụa"}[width]
    return [
        {"relationship": "con đẻ"},
        {
            "deceased_name": deceased,
            "deceased_birth_date": "1950-02-03",
            "deceased_gender": "nu",
            "deceased_ethnicity": "muong",
            "deceased_nationality": "Việt Nam",
            "deceased_citizen_id": "038150012345",   # 038 Thanh Hóa, 1 = woman of the 1900s, 50
            "deceased_address": "Thôn Đông, xã Quảng Phú, tỉnh Thanh Hóa",
            "death_date": "2025-10-07",
            "death_time": "08:30",
            "death_place": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
            "death_cause": "Tuổi cao, bệnh nặng.\nMất tại bệnh viện.",
            "death_notice_no": "GBT-%d/2025" % width,
        },
        {"copies": "2", "result_way": "buu_chinh", "declaration": "1"},
    ]


# On the check page: (section, label, text shown) for answers whose shown text differs from
# the stored value or is worth reading as shown.
SHOWN = [
    (SECTIONS[1], "Giới tính", "Nữ"),
    (SECTIONS[1], "Dân tộc", "Mường"),
    (SECTIONS[1], "Quốc tịch", "Việt Nam"),
    (SECTIONS[1], "Giờ chết", "08:30"),
    (SECTIONS[2], "Cách nhận kết quả", None),  # the label of buu_chinh, read from the form
]


# ---- the server ----

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not os.access(motcua_server.binary(), os.X_OK):
        pytest.fail("no motcua binary at %s: build it or set MOTCUA_BIN" % motcua_server.binary())
    s = AdminSite.start(tmp_path_factory.mktemp("motcua-dossier-submit"))
    yield s
    s.stop()


# ---- files to attach ----

# ---- pages ----

def severe(driver):
    """SEVERE console entries (script errors, CSP violations, failed loads, 4xx/5xx pages)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def assert_no_console_errors(driver, where):
    errors = severe(driver)
    assert not errors, "console errors on %s: %r" % (where, errors)


def check_page(driver, where):
    """What every page of the walk must satisfy: no console error, and at 360 px no sideways
    scroll (wide tables scroll inside their own .table-responsive box)."""
    assert_no_console_errors(driver, where)
    if getattr(driver, "motcua_width", None) == 360:
        inner = driver.execute_script("return window.innerWidth;")
        scroll = driver.execute_script("return document.documentElement.scrollWidth;")
        if scroll > inner:
            wide = driver.execute_script(
                "const w = document.documentElement.clientWidth + 1;"
                "return Array.from(document.querySelectorAll('body *'))"
                ".filter(e => !e.closest('.table-responsive'))"
                ".filter(e => e.getBoundingClientRect().right > w)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' right edge '"
                " + Math.round(e.getBoundingClientRect().right));")
            raise AssertionError("%s is %d px wide in a %d px window; reaching furthest: %r"
                                 % (where, scroll, inner, wide))


def described(driver, term):
    """The lines of the <dd> after the <dt> 'term' in <main>, or [] without one."""
    lines = driver.execute_script(
        "const dt = Array.from(document.querySelectorAll('main dt'))"
        ".find(e => e.textContent.trim() === arguments[0]);"
        "const dd = dt && dt.nextElementSibling;"
        "return dd && dd.tagName === 'DD' ? dd.innerText.split('\\n') : [];", term)
    return [t.strip() for t in lines if t.strip()]


def log_in(driver, site):
    """From the home page: "Đăng nhập", then the demo citizen's e-mail and password."""
    driver.get(site.url + "/")
    check_page(driver, "/")
    click_and_wait(driver, nav_link(driver, "Đăng nhập"))
    assert urlsplit(driver.current_url).path == "/login", driver.current_url
    driver.find_element(By.ID, "email").send_keys(DEMO_CITIZEN)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    form = driver.find_element(By.ID, "password").find_element(By.XPATH, "./ancestor::form")
    click_and_wait(driver, button(driver, "Đăng nhập", form))
    assert urlsplit(driver.current_url).path != "/login", \
        "the login was refused: %s" % body_text(driver)[:500]
    assert visible(driver.find_elements(By.CSS_SELECTOR, ".site-nav a[href='/dossiers']")), \
        "no 'Hồ sơ của tôi' in the navigation after logging in"
    check_page(driver, path_of(driver))


def control_value(driver, name):
    """What field 'name' of the shown step holds: text, the selected option's value, the checked
    radio's value, "1" for a ticked check box (None when none)."""
    els = driver.find_elements(By.NAME, "f_" + name)
    assert els, "no control named f_%s on %s" % (name, path_of(driver))
    el = els[0]
    if el.tag_name == "select":
        return Select(el).first_selected_option.get_attribute("value")
    kind = (el.get_attribute("type") or "").lower()
    if kind in ("radio", "checkbox"):
        on = [e.get_attribute("value") for e in els if e.is_selected()]
        return on[0] if on else None
    return el.get_attribute("value").replace("\r\n", "\n")


def current_step(driver):
    """(number, title) of the step shown, from the progress list."""
    cur = driver.find_elements(By.CSS_SELECTOR, ".dossier-steps [aria-current='step']")
    assert len(cur) == 1, "no current step in .dossier-steps on %s" % path_of(driver)
    m = re.search(r"Bước (\d+)/(\d+)", body_text(driver))
    assert m, "no 'Bước N/M' on %s" % path_of(driver)
    return int(m.group(1)), int(m.group(2)), cur[0].text.strip()


def assert_step(driver, dossier_id, number, title):
    assert urlsplit(driver.current_url).path == "/dossiers/%d/form" % dossier_id, \
        driver.current_url
    n, total, shown = current_step(driver)
    assert (n, total, shown) == (number, len(SECTIONS) + 1, title), \
        "wanted step %d/%d %r, the page shows %d/%d %r" % (number, len(SECTIONS) + 1, title,
                                                          n, total, shown)
    legends = [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR,
                                                            "form fieldset.form-section > legend")]
    assert legends == [title], "the step %d shows the sections %r" % (number, legends)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), \
        "an error summary on step %d: %s" % (number, body_text(driver)[:800])
    check_page(driver, "step %d" % number)


def document_card(driver, name_start):
    """(card, file input) of the document whose label starts after its number with
    'name_start'."""
    for card in driver.find_elements(By.CSS_SELECTOR, ".dossier-document"):
        label = card.find_element(By.CSS_SELECTOR, "label.form-label")
        text = re.sub(r"^\d+\.\s*", "", label.text.strip())
        if text.startswith(name_start):
            field = driver.find_element(By.ID, label.get_attribute("for"))
            assert field.get_attribute("type") == "file", field.get_attribute("outerHTML")
            assert re.fullmatch(r"doc_\d+", field.get_attribute("name")), \
                field.get_attribute("name")
            return card, field
    raise AssertionError("no document %r on %s; cards: %r" % (
        name_start, path_of(driver),
        [c.text[:60] for c in driver.find_elements(By.CSS_SELECTOR, ".dossier-document")]))


def card_files(card):
    """[(name, href)] of the files listed in a document card."""
    return [(a.text.strip(), a.get_attribute("href"))
            for a in card.find_elements(By.CSS_SELECTOR, ".dossier-files a")]


def fetch_bytes(driver, url):
    """The bytes the browser gets for 'url' with its own cookies, and the Content-Type."""
    got = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.arrayBuffer()"
        ".then(b => done({status: r.status, type: r.headers.get('content-type'),"
        " bytes: Array.from(new Uint8Array(b))})))"
        ".catch(e => done({status: 0, type: String(e), bytes: []}));", url)
    assert got["status"] == 200, "GET %s in the browser: %r" % (url, got["status"])
    return bytes(got["bytes"]), got["type"]


def answers_on_check_page(driver):
    """{section title: {label: shown text}} of the check page."""
    out = {}
    for sec in driver.find_elements(By.CSS_SELECTOR, "main section"):
        h2 = sec.find_elements(By.CSS_SELECTOR, "h2")
        if not h2:
            continue
        items = {}
        for row in sec.find_elements(By.CSS_SELECTOR, "dl.dossier-answers > div"):
            dt = row.find_element(By.TAG_NAME, "dt")
            label = driver.execute_script(
                "const c = arguments[0].cloneNode(true);"
                "c.querySelectorAll('.required-marker').forEach(m => m.remove());"
                "return c.textContent.replace(/\\s+/g, ' ').trim();", dt)
            items[label] = row.find_element(By.TAG_NAME, "dd").text.strip()
        out[h2[0].text.strip()] = items
    return out


def new_browser(request, driver, tmp_path):
    """A second Chromium of the same window size with a fresh profile: another device.  Made
    by the browser conftest's new_driver (found among pytest's plugins: importing "conftest"
    by name may give tests/integration's)."""
    factory = None
    for plugin in request.config.pluginmanager.get_plugins():
        path = getattr(plugin, "__file__", None)
        if path and os.path.abspath(path) == os.path.join(HERE, "conftest.py"):
            factory = getattr(plugin, "new_driver", None)
    assert factory is not None, "tests/browser/conftest.py with new_driver was not loaded"
    size = driver.get_window_size()
    profile = tmp_path / "second-device-profile"
    profile.mkdir()
    d = factory(str(profile), driver.motcua_width, size["height"])
    d.motcua_width = driver.motcua_width
    return d, str(profile)


def list_row(driver, dossier_id):
    """The row of 'Hồ sơ của tôi' linking to dossier 'dossier_id'."""
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.dossier-list tbody tr")
            if r.find_elements(By.CSS_SELECTOR, "a[href='/dossiers/%d']" % dossier_id)]
    assert len(rows) == 1, "wanted one row for dossier %d in Hồ sơ của tôi, found %d: %s" % (
        dossier_id, len(rows), body_text(driver)[:1000])
    return rows[0]


def stored_differences(site, dossier_id, steps):
    """{field: (stored, typed)} for every answer typed so far (and prefilled) that the draft's
    stored answers (dossiers.form_data) do not hold: a post of one step must keep the others."""
    stored = json.loads(site.one("SELECT form_data FROM dossiers WHERE id = ?", (dossier_id,))
                        or "{}")
    want = dict(PREFILLED)
    for answers in steps:
        want.update(answers)
    return {k: (stored.get(k), v) for k, v in want.items() if stored.get(k) != v}


def assert_stored(site, dossier_id, steps, when):
    wrong = stored_differences(site, dossier_id, steps)
    assert not wrong, "%s the stored answers differ from the typed ones {field: (stored, " \
        "typed)}: %r" % (when, wrong)


def wait_mail_link(site, before):
    """The link of the confirmation mail sent after 'before' (the Maildir's files then)."""
    _, _, url = site.wait_mail(DEMO_CITIZEN, "/dossiers/confirm", skip=set(before))
    return url


# ---- the test ----

def test_submit_online_resuming_on_another_device(request, driver, site, tmp_path):
    width = driver.motcua_width
    steps = answers_for(width)
    files_dir = tmp_path / "files"
    files_dir.mkdir()
    pdf_path = files_dir / "Giấy báo tử – bản chụp.pdf"
    png_path = files_dir / "Căn cước của tôi.png"
    pdf, png = make_pdf("Giay bao tu - ban chup"), make_png()
    pdf_path.write_bytes(pdf)
    png_path.write_bytes(png)

    # ---- first device: catalogue → start ----
    driver.delete_all_cookies()
    driver.get_log("browser")
    log_in(driver, site)
    driver.get(site.url + "/services/" + PROCEDURE_CODE)
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == PROCEDURE_NAME
    check_page(driver, "/services/" + PROCEDURE_CODE)
    starts = [a for a in visible(driver.find_elements(By.CSS_SELECTOR, "a.btn"))
              if a.text.strip().startswith("Nộp hồ sơ trực tuyến")]
    assert starts, "no 'Nộp hồ sơ trực tuyến' button on the catalogue page: %r" % [
        a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.btn")]
    click_and_wait(driver, starts[0])
    assert urlsplit(driver.current_url).path == "/dossiers/new", driver.current_url
    offering = int(parse_qs(urlsplit(driver.current_url).query)["offering"][0])
    desk_name, desk_address, desk_phone, office_hours, online = site.rows(
        "SELECT d.name, d.address, d.phone, d.office_hours, o.online FROM offerings o"
        " JOIN agencies d ON d.id = o.desk_agency_id WHERE o.id = ?", (offering,))[0]
    assert online == 1
    page = main_text(driver)
    assert PROCEDURE_NAME in page and desk_name in page and desk_address in page, page[:800]
    hours_shown = described(driver, "Giờ làm việc")
    assert hours_shown, "no 'Giờ làm việc' on the start page: %s" % page[:800]
    # the hours shown are the desk's (agencies.office_hours: 7 days, "07:30-11:30,13:00-17:00")
    for day in json.loads(office_hours):
        for start in re.findall(r"(\d\d:\d\d)-", day):
            assert any(start in line for line in hours_shown), (start, hours_shown)
    check_page(driver, "/dossiers/new")
    click_and_wait(driver, button(driver, "Bắt đầu"))
    m = re.fullmatch(r"/dossiers/(\d+)/form", urlsplit(driver.current_url).path)
    assert m, "'Bắt đầu' led to %s: %s" % (driver.current_url, body_text(driver)[:500])
    dossier_id = int(m.group(1))
    assert site.one("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)) == "draft"

    # ---- the three sections ----
    assert_step(driver, dossier_id, 1, SECTIONS[0])
    for name, value in PREFILLED.items():
        assert control_value(driver, name) == value, \
            "f_%s is not prefilled from the account: %r" % (name, control_value(driver, name))
    result_labels = {}
    for number, answers in enumerate(steps, 1):
        if number > 1:
            assert_step(driver, dossier_id, number, SECTIONS[number - 1])
        for name, value in answers.items():
            fill(driver, name, value)
        if number == 3:
            result_labels = {r.get_attribute("value"): driver.find_element(
                By.CSS_SELECTOR, "label[for='%s']" % r.get_attribute("id")).text.strip()
                for r in driver.find_elements(By.NAME, "f_result_way")}
        click_and_wait(driver, button(driver, "Tiếp tục"))
        assert path_of(driver) == "/dossiers/%d/form?step=%d" % (dossier_id, number + 1), \
            "'Tiếp tục' on step %d led to %s: %s" % (number, driver.current_url,
                                                    body_text(driver)[:800])

    # ---- the documents: two files, then "Lưu nháp" ----
    assert_stored(site, dossier_id, steps, "after 'Tiếp tục' on the last section,")
    assert_step(driver, dossier_id, 4, DOCUMENTS_STEP)
    notice_card, notice_input = document_card(driver, DEATH_NOTICE_DOC)
    assert "(bắt buộc)" in notice_card.text
    assert card_files(notice_card) == []
    id_card, id_input = document_card(driver, ID_PAPER_DOC)
    assert card_files(id_card) == []
    notice_name = notice_input.get_attribute("name")
    id_name = id_input.get_attribute("name")
    notice_input.send_keys(str(pdf_path))
    id_input.send_keys(str(png_path))
    click_and_wait(driver, button(driver, "Lưu nháp"))
    assert path_of(driver).startswith("/dossiers/%d/form" % dossier_id), driver.current_url
    assert "Đã lưu nháp." in body_text(driver), body_text(driver)[:800]
    assert_step(driver, dossier_id, 4, DOCUMENTS_STEP)
    notice_card, _ = document_card(driver, DEATH_NOTICE_DOC)
    id_card, _ = document_card(driver, ID_PAPER_DOC)
    assert [n for n, _ in card_files(notice_card)] == [pdf_path.name], notice_card.text
    assert [n for n, _ in card_files(id_card)] == [png_path.name], id_card.text
    stored = site.rows("SELECT name, kind, size, sha256 FROM dossier_files WHERE dossier_id = ?"
                       " AND removed_in IS NULL ORDER BY id", (dossier_id,))
    assert sorted(stored) == sorted([
        (pdf_path.name, "pdf", len(pdf), hashlib.sha256(pdf).hexdigest()),
        (png_path.name, "png", len(png), hashlib.sha256(png).hexdigest())]), stored
    assert_stored(site, dossier_id, steps, "after 'Lưu nháp' on the documents step,")
    # leave: this device is not used again

    # ---- another device ----
    other, profile = new_browser(request, driver, tmp_path)
    try:
        other.get_log("browser")
        other.get(site.url + "/")
        assert not other.get_cookies(), "the second browser is not a fresh one"
        log_in(other, site)
        click_and_wait(other, nav_link(other, "Hồ sơ của tôi"))
        assert path_of(other) == "/dossiers", other.current_url
        check_page(other, "/dossiers")
        row = list_row(other, dossier_id)
        assert row.find_element(By.CSS_SELECTOR, ".dossier-status").text.strip() == "Nháp", \
            row.text
        assert PROCEDURE_NAME in row.text and desk_name in row.text, row.text
        click_and_wait(other, row.find_element(By.CSS_SELECTOR,
                                               "a[href='/dossiers/%d']" % dossier_id))
        assert path_of(other) == "/dossiers/%d" % dossier_id, other.current_url
        check_page(other, "/dossiers/%d" % dossier_id)
        click_and_wait(other, link(other, "Tiếp tục khai"))

        # every answer is there, step by step
        assert urlsplit(other.current_url).path == "/dossiers/%d/form" % dossier_id
        n, _, _ = current_step(other)
        if n != 1:
            click_and_wait(other, link(other, SECTIONS[0], ".dossier-steps a"))
        assert_step(other, dossier_id, 1, SECTIONS[0])
        for number, answers in enumerate(steps, 1):
            if number > 1:
                assert_step(other, dossier_id, number, SECTIONS[number - 1])
            want = dict(answers)
            if number == 1:
                want.update(PREFILLED)
            got = {name: control_value(other, name) for name in want}
            assert got == want, "step %d on the other device: %r" % (number, {
                k: (got[k], want[k]) for k in want if got[k] != want[k]})
            click_and_wait(other, button(other, "Tiếp tục"))

        # both files, byte for byte
        assert_step(other, dossier_id, 4, DOCUMENTS_STEP)
        notice_card, notice_input = document_card(other, DEATH_NOTICE_DOC)
        id_card, id_input = document_card(other, ID_PAPER_DOC)
        assert (notice_input.get_attribute("name"), id_input.get_attribute("name")) == \
            (notice_name, id_name)
        for card, path, data, media in ((notice_card, pdf_path, pdf, "application/pdf"),
                                        (id_card, png_path, png, "image/png")):
            listed = card_files(card)
            assert [n for n, _ in listed] == [path.name], card.text
            served, ctype = fetch_bytes(other, listed[0][1])
            assert served == data, "the file %s came back different (%d bytes, not %d)" % (
                path.name, len(served), len(data))
            assert (ctype or "").split(";")[0].strip().lower() == media, ctype
        check_page(other, "the documents step")

        # ---- check and submit ----
        click_and_wait(other, button(other, "Kiểm tra và nộp"))
        assert path_of(other) == "/dossiers/%d/check" % dossier_id, \
            "'Kiểm tra và nộp' led to %s: %s" % (other.current_url, body_text(other)[:800])
        assert not other.find_elements(By.CSS_SELECTOR, ".error-summary"), \
            body_text(other)[:1500]
        shown = answers_on_check_page(other)
        for title in SECTIONS + (DOCUMENTS_STEP,):
            assert title in shown, "no section %r on the check page: %r" % (title, list(shown))
        assert shown[SECTIONS[0]]["Họ, chữ đệm, tên"] == PREFILLED["requester_name"]
        assert shown[SECTIONS[0]]["Quan hệ với người chết"] == steps[0]["relationship"]
        assert shown[SECTIONS[1]]["Họ, chữ đệm, tên người chết"] == steps[1]["deceased_name"]
        assert shown[SECTIONS[1]]["Số định danh cá nhân"] == steps[1]["deceased_citizen_id"]
        assert shown[SECTIONS[1]]["Nguyên nhân chết"].split("\n") == \
            steps[1]["death_cause"].split("\n"), shown[SECTIONS[1]]["Nguyên nhân chết"]
        for iso_label, iso in (("Ngày, tháng, năm sinh", steps[1]["deceased_birth_date"]),
                               ("Ngày chết", steps[1]["death_date"])):
            y, mo, d = iso.split("-")
            assert shown[SECTIONS[1]][iso_label] in ("%s/%s/%s" % (d, mo, y), iso), \
                (iso_label, shown[SECTIONS[1]][iso_label])
        for section, label, text in SHOWN:
            if text is None:
                text = result_labels[steps[2]["result_way"]]
            assert shown[section][label] == text, (section, label, shown[section][label])
        assert shown[SECTIONS[2]]["Số bản sao Trích lục khai tử đề nghị cấp"] == "2"
        docs = shown[DOCUMENTS_STEP]
        notice_row = [v for k, v in docs.items() if k.startswith(DEATH_NOTICE_DOC)]
        id_row = [v for k, v in docs.items() if k.startswith(ID_PAPER_DOC)]
        assert notice_row and pdf_path.name in notice_row[0], docs
        assert id_row and png_path.name in id_row[0], docs
        check_page(other, "the check page")

        before = maildir_files(site.srv)
        click_and_wait(other, button(other, "Nộp hồ sơ"))
        assert path_of(other) == "/dossiers/%d?submitted=1" % dossier_id, \
            "'Nộp hồ sơ' led to %s: %s" % (other.current_url, body_text(other)[:800])
        status = other.find_element(By.CSS_SELECTOR, ".dossier-facts .dossier-status").text
        assert status.strip() == "Chờ xác thực", status
        assert "Đã nộp hồ sơ" in body_text(other)
        check_page(other, "the submitted dossier")
        assert site.one("SELECT status FROM dossiers WHERE id = ?",
                        (dossier_id,)) == "unconfirmed"

        # ---- the mail's link ----
        url = wait_mail_link(site, before)
        assert url.startswith(site.url + "/dossiers/confirm?token="), url
        other.get(url)
        assert urlsplit(other.current_url).path == "/dossiers/confirm", other.current_url
        h1 = other.find_element(By.TAG_NAME, "h1").text.strip()
        assert h1 == "Hồ sơ đã được gửi đến nơi tiếp nhận", "%s: %s" % (
            h1, body_text(other)[:800])
        page = main_text(other)
        assert PROCEDURE_NAME in page and "Chờ tiếp nhận" in page, page[:1500]
        # the desk, in the page's own list (the footer names the portal's agency, not the desk)
        for term, want in (("Cơ quan", [desk_name]), ("Địa chỉ", [desk_address]),
                           ("Điện thoại", [desk_phone]), ("Giờ làm việc", hours_shown)):
            got = described(other, term)
            assert got == want, "'%s' on the confirmation page: %r, wanted %r; the page: %s" % (
                term, got, want, page[:1500])
        check_page(other, "the confirmation page")
        assert site.one("SELECT status FROM dossiers WHERE id = ?", (dossier_id,)) == "pending"

        # ---- Hồ sơ của tôi ----
        click_and_wait(other, nav_link(other, "Hồ sơ của tôi"))
        assert path_of(other) == "/dossiers", other.current_url
        row = list_row(other, dossier_id)
        assert row.find_element(By.CSS_SELECTOR, ".dossier-status").text.strip() == \
            "Chờ tiếp nhận", row.text
        assert "Chưa nộp" not in row.text, "a submitted dossier shows no submission date: %s" % (
            row.text)
        check_page(other, "/dossiers after confirming")
        assert_no_console_errors(driver, "the first device")
    finally:
        try:
            other.quit()
        except WebDriverException:
            pass
        shutil.rmtree(profile, ignore_errors=True)
