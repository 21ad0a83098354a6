"""The whole life of a dossier in real browsers: the citizen submits it, the desk receives it, the
department asks for a supplement, the citizen updates it, and it goes round again to the leader's
approval and back to the citizen; at 360 px and 1280 px.

Four actors, each in its own Chromium with a fresh profile, each logging in through /login:
  - the demo citizen (congdan@example.vn) submits 1.000656 Đăng ký khai tử at the Hạc Thành desk
    with a PDF attached, confirms it from the captured mail, later follows the supplement mail's
    edit link and presses "Cập nhật nội dung hồ sơ";
  - the desk's intake officer (tiepnhan.hacthanh) receives it ("Tiếp nhận": a receipt number,
    the printable slip), forwards it ("Chuyển phòng chuyên môn"), receives and forwards it again
    after the supplement (same receipt number) and finally returns the result ("Trả kết quả");
  - the office's specialist (chuyenvien.vp.hacthanh) claims it ("Nhận xử lý"), asks for a
    supplement ("Yêu cầu bổ sung"), then submits a draft result ("Trình lãnh đạo phê duyệt") and
    hands the approved result back ("Chuyển kết quả về bộ phận một cửa");
  - the leader (lanhdao.hacthanh) approves it ("Phê duyệt").
Every staff step goes through the pages a person uses: "Xử lý hồ sơ" in the navigation, the
queue's card on the dashboard, the dossier's link in the queue, the action's <details> and its
button.  No page logs a console error (a 4xx/5xx answer is one), none is an error page, and at
360 px none scrolls sideways.  At the end "Hồ sơ của tôi" shows "Đã trả kết quả" and the mails
to the citizen tell the whole story in order (templates/mail/*_subject.mustache).

The server runs on demo data (admin_helpers.AdminSite, `motcua --password DEMO_PASSWORD demo`),
without --smtp: the mail is read from <data>/mail/new.  Both window sizes share one server; each
run works on its own dossier and reads only the mails written after it started.
"""
import datetime
import os
import re
import shutil
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import motcua_server  # noqa: E402
from admin_helpers import DEMO_CITIZEN, DEMO_PASSWORD, AdminSite  # noqa: E402
from accounts_helpers import maildir_files, parse_mail, plain_text, recipients  # noqa: E402
from dossier_helpers import make_pdf  # noqa: E402
from browser_helpers import (WAIT, button, click_and_wait, fill, link, main_text,  # noqa: E402
                             nav_link, path_of, scroll_to, visible)

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

PROCEDURE_CODE = "1.000656"
PROCEDURE_NAME = "Đăng ký khai tử"
DESK_CODE = "000.01.61.H56"                                 # Bộ phận một cửa phường Hạc Thành
DEATH_NOTICE_DOC = "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử"   # mandatory, one file

INTAKE = "tiepnhan.hacthanh@example.vn"
SPECIALIST = "chuyenvien.vp.hacthanh@example.vn"   # Văn phòng, the offering's department
LEADER = "lanhdao.hacthanh@example.vn"

RECEIPT_RE = re.compile(r"^000\.01\.61\.H56-(\d{2})(\d{2})(\d{2})-\d{4}$")
VIETNAM = datetime.timezone(datetime.timedelta(hours=7))

# The flash each action leaves on the dossier page (src/web/pages_staff.c, done_text).
DONE = {
    "receive": "Đã tiếp nhận hồ sơ. Số biên nhận và ngày hẹn đã được gửi cho người nộp.",
    "forward": "Đã chuyển hồ sơ đến phòng chuyên môn.",
    "claim": "Bạn đã nhận xử lý hồ sơ.",
    "request_supplement": "Đã gửi yêu cầu bổ sung cho người nộp.",
    "submit_result": "Đã trình lãnh đạo phê duyệt.",
    "approve": "Đã phê duyệt.",
    "hand_back": "Đã chuyển kết quả về bộ phận một cửa.",
    "return": "Đã trả kết quả cho người nộp.",
}

# The mails to the citizen, in order: (what, subject pattern) from
# templates/mail/<name>_subject.mustache with procedure_name = PROCEDURE_NAME.
P = re.escape(PROCEDURE_NAME)
MAIL_STORY = [
    ("dossier_confirm", r"^Xác thực hồ sơ %s đã nộp trên " % P),
    ("dossier_received", r"^Hồ sơ %s đã được gửi đến " % P),
    ("dossier_accepted", r"^Hồ sơ %s đã được tiếp nhận$" % P),
    ("dossier_forwarded", r"^Hồ sơ %s đang được xử lý$" % P),
    ("dossier_supplement", r"^Hồ sơ %s cần bổ sung$" % P),
    ("dossier_updated", r"^Đã cập nhật hồ sơ %s$" % P),
    ("dossier_accepted", r"^Hồ sơ %s đã được tiếp nhận$" % P),
    ("dossier_forwarded", r"^Hồ sơ %s đang được xử lý$" % P),
    ("dossier_done", r"^Hồ sơ %s đã xử lý xong$" % P),
    ("dossier_returned", r"^Đã trả kết quả hồ sơ %s$" % P),
]


def answers_for(width):
    """The three sections' answers (both runs share the server: different names)."""
    deceased = {360: "Lê Thị Hoa", 1280: "Phạm Thị Lụa"}[width]
    return [
        {"relationship": "con đẻ"},
        {
            "deceased_name": deceased,
            "deceased_birth_date": "1950-02-03",
            "deceased_gender": "nu",
            "deceased_ethnicity": "muong",
            "deceased_nationality": "Việt Nam",
            "deceased_citizen_id": "038150012345",
            "deceased_address": "Thôn Đông, xã Quảng Phú, tỉnh Thanh Hóa",
            "death_date": "2025-10-07",
            "death_time": "08:30",
            "death_place": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
            "death_cause": "Tuổi cao, bệnh nặng.",
            "death_notice_no": "GBT-%d/2025" % width,
        },
        {"copies": "2", "result_way": "buu_chinh", "declaration": "1"},
    ]


# ---- the server and the browsers ----

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not os.access(motcua_server.binary(), os.X_OK):
        pytest.fail("no motcua binary at %s: build it or set MOTCUA_BIN" % motcua_server.binary())
    s = AdminSite.start(tmp_path_factory.mktemp("motcua-backoffice-journey"))
    yield s
    s.stop()


def _new_driver_factory(request):
    """tests/browser/conftest.py's new_driver, found among pytest's plugins (importing
    "conftest" by name may give tests/integration's)."""
    for plugin in request.config.pluginmanager.get_plugins():
        path = getattr(plugin, "__file__", None)
        if path and os.path.abspath(path) == os.path.join(HERE, "conftest.py"):
            factory = getattr(plugin, "new_driver", None)
            if factory is not None:
                return factory
    raise AssertionError("tests/browser/conftest.py with new_driver was not loaded")


@pytest.fixture(params=[(360, 800), (1280, 900)], ids=["360px", "1280px"])
def browsers(request, tmp_path):
    """open(name): a new Chromium of this window size with a fresh profile of its own; all are
    closed at the end."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.skip("%s is missing (apt-get install chromium chromium-driver)" % path)
    factory = _new_driver_factory(request)
    width, height = request.param
    opened = []

    def open_browser(name):
        profile = tmp_path / ("profile-" + name)
        profile.mkdir()
        d = factory(str(profile), width, height)
        d.motcua_width = width
        d.motcua_name = name
        opened.append((d, profile))
        return d

    open_browser.width = width
    yield open_browser
    for d, profile in opened:
        try:
            d.quit()
        except WebDriverException:
            pass
        shutil.rmtree(profile, ignore_errors=True)


# ---- pages ----

def check_page(driver, where):
    """What every page must satisfy: no console error (script errors, CSP violations, failed
    loads and 4xx/5xx answers are SEVERE entries), no error page ("Lỗi <status>"), and at
    360 px no sideways scroll (wide tables scroll inside their .table-responsive box)."""
    who = "%s, %s" % (getattr(driver, "motcua_name", "?"), where)
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, "console errors on %s (%s): %r" % (who, path_of(driver), errors)
    codes = driver.find_elements(By.CSS_SELECTOR, ".error-page, .error-code")
    h1 = driver.find_elements(By.TAG_NAME, "h1")
    assert not codes and not (h1 and h1[0].text.strip().startswith("Lỗi")), \
        "an error page on %s (%s): %s" % (who, path_of(driver), main_text(driver)[:600])
    if driver.motcua_width == 360:
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
            raise AssertionError("%s (%s) is %d px wide in a %d px window; reaching furthest: %r"
                                 % (who, path_of(driver), scroll, inner, wide))


def described(driver, term):
    """The text of the <dd> after the first <dt> 'term' in <main> ('' without one)."""
    return driver.execute_script(
        "const dt = Array.from(document.querySelectorAll('main dt'))"
        ".find(e => e.textContent.trim() === arguments[0]);"
        "const dd = dt && dt.nextElementSibling;"
        "return dd && dd.tagName === 'DD' ? dd.innerText.trim() : '';", term)


def log_in(driver, site, email):
    """From the home page: "Đăng nhập", the e-mail and the demo password, "Đăng nhập"."""
    driver.get(site.url + "/")
    check_page(driver, "the home page")
    click_and_wait(driver, nav_link(driver, "Đăng nhập"))
    assert urlsplit(driver.current_url).path == "/login", driver.current_url
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    form = driver.find_element(By.ID, "password").find_element(By.XPATH, "./ancestor::form")
    click_and_wait(driver, button(driver, "Đăng nhập", form))
    assert urlsplit(driver.current_url).path != "/login", \
        "the login of %s was refused: %s" % (email, main_text(driver)[:500])
    check_page(driver, "after logging in")


# ---- the citizen's form ----

def document_input(driver, name_start):
    """The file input of the document whose label starts (after its number) with 'name_start'."""
    for card in driver.find_elements(By.CSS_SELECTOR, ".dossier-document"):
        label = card.find_element(By.CSS_SELECTOR, "label.form-label")
        if re.sub(r"^\d+\.\s*", "", label.text.strip()).startswith(name_start):
            return driver.find_element(By.ID, label.get_attribute("for"))
    raise AssertionError("no document %r on %s" % (name_start, path_of(driver)))


def list_status(driver, dossier_id):
    """The status shown for dossier 'dossier_id' in "Hồ sơ của tôi"."""
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "table.dossier-list tbody tr")
            if r.find_elements(By.CSS_SELECTOR, "a[href='/dossiers/%d']" % dossier_id)]
    assert len(rows) == 1, "wanted one row for dossier %d in Hồ sơ của tôi, found %d: %s" % (
        dossier_id, len(rows), main_text(driver)[:1000])
    return rows[0].find_element(By.CSS_SELECTOR, ".dossier-status").text.strip()


# ---- the mail ----

def mail_order(path):
    """Maildir names are "<seconds>.<pid>_<sequence>.<host>": the order they were written."""
    m = re.match(r"(\d+)\.\d+_(\d+)\.", os.path.basename(path))
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def citizen_mails(site, skip):
    """[(file, subject, text)] of the mails to the demo citizen not among 'skip', oldest first."""
    out = []
    for f in sorted(maildir_files(site.srv), key=mail_order):
        if f in skip:
            continue
        try:
            with open(f, "rb") as fh:
                raw = fh.read()
        except OSError:  # gone since the listing (the sender writes tmp/, then renames)
            continue
        msg = parse_mail(raw)
        if DEMO_CITIZEN in recipients(msg):
            out.append((f, str(msg["Subject"]), plain_text(msg)))
    return out


def wait_citizen_mail(site, subject_re, skip, timeout=20.0):
    """(file, subject, text) of the first mail to the citizen, not among 'skip', whose subject
    matches 'subject_re'."""
    deadline = time.monotonic() + timeout
    while True:
        for f, subject, text in citizen_mails(site, skip):
            if re.search(subject_re, subject):
                return f, subject, text
        if time.monotonic() > deadline:
            raise AssertionError("no mail to %s with a subject like %r within %.0f s; new ones: %r"
                                 % (DEMO_CITIZEN, subject_re, timeout,
                                    [s for _, s, _ in citizen_mails(site, skip)]))
        time.sleep(0.1)


def mail_link(text, path_re):
    for url in re.findall(r"https?://[^\s<>\"')\]]+", text):
        if re.fullmatch(path_re, urlsplit(url).path):
            return url
    raise AssertionError("no link to %s in the mail: %s" % (path_re, text[:800]))


# ---- the back office ----

def open_staff_dossier(driver, queue, queue_label, dossier_id):
    """Open a dossier as a person does: "Xử lý hồ sơ" in the navigation, the dashboard's card
    of 'queue', the dossier's link in the list."""
    click_and_wait(driver, nav_link(driver, "Xử lý hồ sơ"))
    assert path_of(driver) == "/staff", driver.current_url
    check_page(driver, "the dashboard")
    cards = driver.find_elements(By.CSS_SELECTOR, "a.staff-queue[data-queue='%s']" % queue)
    assert len(cards) == 1, "no card %r on the dashboard of %s: %s" % (
        queue, driver.motcua_name, main_text(driver)[:800])
    title = cards[0].find_element(By.CSS_SELECTOR, ".card-title").text.strip()
    assert title == queue_label, (queue, title)
    assert int(cards[0].find_element(By.CSS_SELECTOR, ".queue-count").text) >= 1, cards[0].text
    click_and_wait(driver, cards[0])
    assert path_of(driver) == "/staff/queue/" + queue, driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == queue_label
    check_page(driver, "the queue " + queue)
    links = driver.find_elements(By.CSS_SELECTOR,
                                 "table.staff-list a[href='/staff/dossiers/%d']" % dossier_id)
    assert links, "dossier %d is not in the queue %r of %s: %s" % (
        dossier_id, queue_label, driver.motcua_name, main_text(driver)[:1500])
    click_and_wait(driver, links[0])
    assert path_of(driver) == "/staff/dossiers/%d" % dossier_id, driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == PROCEDURE_NAME
    check_page(driver, "dossier %d" % dossier_id)


def offered(driver):
    """{action: label} of the action boxes on a staff dossier page."""
    return {d.get_attribute("data-action"): d.find_element(By.TAG_NAME, "summary").text.strip()
            for d in driver.find_elements(By.CSS_SELECTOR, "details.staff-action")}


def open_action(driver, action, label):
    """Open the <details> of 'action' by clicking its summary; returns the box."""
    boxes = driver.find_elements(By.CSS_SELECTOR,
                                 "details.staff-action[data-action='%s']" % action)
    assert boxes, "%s cannot %r (%s) on %s; offered: %r" % (
        driver.motcua_name, label, action, path_of(driver), offered(driver))
    box = boxes[0]
    summary = box.find_element(By.TAG_NAME, "summary")
    assert summary.text.strip() == label, (action, summary.text)
    if box.get_attribute("open") is None:
        scroll_to(driver, summary)
        summary.click()
        WebDriverWait(driver, WAIT, poll_frequency=0.1).until(
            lambda d: box.get_attribute("open") is not None)
    return box


def type_into(driver, box, name, value):
    el = box.find_element(By.NAME, name)
    scroll_to(driver, el)
    el.clear()
    el.send_keys(value)
    assert el.get_attribute("value").replace("\r\n", "\n") == value, (name, el.get_attribute(
        "value"))


def submit_action(driver, dossier_id, action, label, **fields):
    """Open 'action', type 'fields' into its form, press its button 'label'; the page comes
    back with the action's flash."""
    box = open_action(driver, action, label)
    for name, value in fields.items():
        type_into(driver, box, name, value)
    click_and_wait(driver, button(driver, label, box))
    assert path_of(driver) == "/staff/dossiers/%d?done=%s" % (dossier_id, action), \
        "%r by %s led to %s: %s" % (label, driver.motcua_name, driver.current_url,
                                    main_text(driver)[:1500])
    flash = driver.find_elements(By.CSS_SELECTOR, "main .panel-success")
    assert flash and flash[0].text.strip() == DONE[action], \
        "after %r: %s" % (label, main_text(driver)[:800])
    check_page(driver, "after %r" % label)


def status_shown(driver):
    return driver.find_element(By.CSS_SELECTOR, ".dossier-facts .dossier-status").text.strip()


def receipt_shown(driver):
    return described(driver, "Số biên nhận")


def department_of(site, email):
    return site.one("SELECT dp.name FROM staff s JOIN accounts a ON a.id = s.account_id"
                    " JOIN departments dp ON dp.id = s.department_id"
                    " WHERE a.email_key = lower(?)", (email,))


def receive(desk, dossier_id):
    """The desk receives the dossier from "Chờ tiếp nhận"; returns the receipt number shown."""
    open_staff_dossier(desk, "pending", "Chờ tiếp nhận", dossier_id)
    assert status_shown(desk) == "Chờ tiếp nhận"
    submit_action(desk, dossier_id, "receive", "Tiếp nhận")
    assert status_shown(desk) == "Đã tiếp nhận"
    receipt = receipt_shown(desk)
    m = RECEIPT_RE.match(receipt)
    assert m, "the receipt number shown is %r: %s" % (receipt, main_text(desk)[:800])
    day = datetime.date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
    today = datetime.datetime.now(VIETNAM).date()
    assert today - datetime.timedelta(days=1) <= day <= today, (receipt, today)
    return receipt


def forward(desk, site, dossier_id):
    """The desk forwards the dossier ("Chuyển phòng chuyên môn") to the department the page
    preselects: the specialist's."""
    box = open_action(desk, "forward", "Chuyển phòng chuyên môn")
    chosen = Select(box.find_element(By.NAME, "department_id")).first_selected_option
    want = department_of(site, SPECIALIST)
    assert chosen.get_attribute("value") and chosen.text.strip() == want, \
        "the department preselected is %r, not %r" % (chosen.text, want)
    submit_action(desk, dossier_id, "forward", "Chuyển phòng chuyên môn")
    assert status_shown(desk) == "Đang xử lý"


# ---- the test ----

def test_a_dossier_from_submission_through_supplement_to_returned_result(browsers, site,
                                                                         tmp_path):
    width = browsers.width
    steps = answers_for(width)
    pdf_path = tmp_path / "Giấy báo tử.pdf"
    pdf_path.write_bytes(make_pdf("Giay bao tu - ban chup"))
    before_run = set(maildir_files(site.srv))

    # ---- 1. the citizen submits and confirms ----
    citizen = browsers("citizen")
    log_in(citizen, site, DEMO_CITIZEN)
    citizen.get(site.url + "/services/" + PROCEDURE_CODE)
    check_page(citizen, "the catalogue page")
    starts = [a for a in visible(citizen.find_elements(By.CSS_SELECTOR, "a.btn"))
              if a.text.strip().startswith("Nộp hồ sơ trực tuyến")]
    assert starts, "no 'Nộp hồ sơ trực tuyến' on the catalogue page"
    click_and_wait(citizen, starts[0])
    assert urlsplit(citizen.current_url).path == "/dossiers/new", citizen.current_url
    offering = int(parse_qs(urlsplit(citizen.current_url).query)["offering"][0])
    assert site.one("SELECT g.code FROM offerings o JOIN agencies g ON g.id = o.desk_agency_id"
                    " WHERE o.id = ?", (offering,)) == DESK_CODE
    check_page(citizen, "/dossiers/new")
    click_and_wait(citizen, button(citizen, "Bắt đầu"))
    m = re.fullmatch(r"/dossiers/(\d+)/form", urlsplit(citizen.current_url).path)
    assert m, "'Bắt đầu' led to %s: %s" % (citizen.current_url, main_text(citizen)[:500])
    dossier_id = int(m.group(1))
    for number, answers in enumerate(steps, 1):
        for name, value in answers.items():
            fill(citizen, name, value)
        click_and_wait(citizen, button(citizen, "Tiếp tục"))
        assert path_of(citizen) == "/dossiers/%d/form?step=%d" % (dossier_id, number + 1), \
            "'Tiếp tục' on step %d: %s" % (number, main_text(citizen)[:800])
        check_page(citizen, "step %d" % (number + 1))
    document_input(citizen, DEATH_NOTICE_DOC).send_keys(str(pdf_path))
    click_and_wait(citizen, button(citizen, "Kiểm tra và nộp"))
    assert path_of(citizen) == "/dossiers/%d/check" % dossier_id, \
        "'Kiểm tra và nộp': %s %s" % (citizen.current_url, main_text(citizen)[:800])
    assert not citizen.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(citizen)[:1500]
    assert pdf_path.name in main_text(citizen)
    check_page(citizen, "the check page")
    click_and_wait(citizen, button(citizen, "Nộp hồ sơ"))
    assert path_of(citizen) == "/dossiers/%d?submitted=1" % dossier_id, \
        "'Nộp hồ sơ': %s %s" % (citizen.current_url, main_text(citizen)[:800])
    check_page(citizen, "the submitted dossier")
    _, _, text = wait_citizen_mail(site, MAIL_STORY[0][1], before_run)
    citizen.get(mail_link(text, r"/dossiers/confirm"))
    assert citizen.find_element(By.TAG_NAME, "h1").text.strip() == \
        "Hồ sơ đã được gửi đến nơi tiếp nhận", main_text(citizen)[:800]
    check_page(citizen, "the confirmation page")

    # ---- 2. the desk receives it, prints the slip, forwards it ----
    desk = browsers("intake")
    log_in(desk, site, INTAKE)
    receipt = receive(desk, dossier_id)
    click_and_wait(desk, link(desk, "In giấy tiếp nhận và hẹn trả kết quả"))
    assert path_of(desk) == "/staff/dossiers/%d/receipt" % dossier_id, desk.current_url
    assert desk.find_element(By.TAG_NAME, "h1").text.strip() == \
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    assert desk.find_element(By.CSS_SELECTOR, ".receipt-number").text.strip() == receipt
    assert pdf_path.name in main_text(desk), main_text(desk)[:1500]
    check_page(desk, "the reception slip")
    click_and_wait(desk, link(desk, "Quay lại hồ sơ"))
    assert path_of(desk) == "/staff/dossiers/%d" % dossier_id, desk.current_url
    check_page(desk, "dossier %d" % dossier_id)
    forward(desk, site, dossier_id)
    _, _, text = wait_citizen_mail(site, r"đã được tiếp nhận$", before_run)
    assert receipt in text, "the reception mail does not give %s: %s" % (receipt, text[:800])

    # ---- 3. the specialist claims it and asks for a supplement ----
    specialist = browsers("specialist")
    log_in(specialist, site, SPECIALIST)
    open_staff_dossier(specialist, "unclaimed", "Chờ nhận xử lý", dossier_id)
    submit_action(specialist, dossier_id, "claim", "Nhận xử lý")
    before = {f for f, _, _ in citizen_mails(site, set())}
    request = "Đề nghị ghi lại số giấy báo tử theo bản chính (GBT-%d)." % width
    submit_action(specialist, dossier_id, "request_supplement", "Yêu cầu bổ sung", note=request)
    assert status_shown(specialist).startswith("Yêu cầu bổ sung"), status_shown(specialist)

    # ---- 4. the citizen follows the supplement mail and updates the dossier ----
    _, _, text = wait_citizen_mail(site, r"cần bổ sung$", before)
    assert request in text, text[:800]
    citizen.get(mail_link(text, r"/dossiers/%d/edit" % dossier_id))
    assert path_of(citizen) == "/dossiers/%d/edit" % dossier_id, citizen.current_url
    assert request in main_text(citizen), main_text(citizen)[:800]
    check_page(citizen, "the edit page")
    fill(citizen, "death_notice_no", "GBT-%d/2025-BS" % width)
    click_and_wait(citizen, button(citizen, "Cập nhật nội dung hồ sơ"))
    assert path_of(citizen) == "/dossiers/%d?updated=1" % dossier_id, \
        "'Cập nhật nội dung hồ sơ': %s %s" % (citizen.current_url, main_text(citizen)[:800])
    assert "Cập nhật thông tin thành công" in main_text(citizen), main_text(citizen)[:800]
    check_page(citizen, "the updated dossier")

    # ---- 5. the desk receives it again: the same receipt number; forwards it again ----
    assert receive(desk, dossier_id) == receipt
    forward(desk, site, dossier_id)

    # ---- 6. the specialist claims it again (forwarding leaves nobody assigned) and submits a
    # result ----
    assert site.one("SELECT assignee_id FROM dossiers WHERE id = ?", (dossier_id,)) is None
    open_staff_dossier(specialist, "unclaimed", "Chờ nhận xử lý", dossier_id)
    submit_action(specialist, dossier_id, "claim", "Nhận xử lý")
    submit_action(specialist, dossier_id, "submit_result", "Trình lãnh đạo phê duyệt",
                  result_number="%d/TLKT-UBND" % width,
                  result_text="Trích lục khai tử cho bà %s." % steps[1]["deceased_name"])
    assert status_shown(specialist) == "Chờ lãnh đạo phê duyệt"

    # ---- 7. the leader approves ----
    leader = browsers("leader")
    log_in(leader, site, LEADER)
    open_staff_dossier(leader, "approval", "Chờ phê duyệt", dossier_id)
    assert "%d/TLKT-UBND" % width in main_text(leader)
    submit_action(leader, dossier_id, "approve", "Phê duyệt")
    assert status_shown(leader) == "Đã phê duyệt"

    # ---- 8. the specialist hands the result back to the desk ----
    open_staff_dossier(specialist, "approved", "Đã phê duyệt, chờ chuyển một cửa", dossier_id)
    submit_action(specialist, dossier_id, "hand_back", "Chuyển kết quả về bộ phận một cửa")
    assert status_shown(specialist) == "Đã xử lý xong"

    # ---- 9. the desk returns it in person ----
    open_staff_dossier(desk, "done", "Chờ trả kết quả", dossier_id)
    box = open_action(desk, "return", "Trả kết quả")
    assert box.find_element(By.ID, "return-in-person").is_selected()
    submit_action(desk, dossier_id, "return", "Trả kết quả")
    assert status_shown(desk) == "Đã trả kết quả"
    assert "Trực tiếp tại bộ phận một cửa" in described(desk, "Trả kết quả")

    # ---- 10. the citizen sees it returned; the mails tell the story ----
    click_and_wait(citizen, nav_link(citizen, "Hồ sơ của tôi"))
    assert path_of(citizen) == "/dossiers", citizen.current_url
    assert list_status(citizen, dossier_id) == "Đã trả kết quả"
    check_page(citizen, "Hồ sơ của tôi")
    wait_citizen_mail(site, MAIL_STORY[-1][1], before_run)
    subjects = [s for _, s, _ in citizen_mails(site, before_run)]
    want = [kind for kind, _ in MAIL_STORY]
    got = [next((kind for kind, pattern in MAIL_STORY if re.search(pattern, s)), s)
           for s in subjects]
    assert got == want, "the mails to the citizen, in order:\n  %s\nwanted the kinds %r" % (
        "\n  ".join(subjects), want)
    accepted = [t for _, s, t in citizen_mails(site, before_run)
                if re.search(r"đã được tiếp nhận$", s)]
    assert len(accepted) == 2 and all(receipt in t for t in accepted), accepted
    for d in (citizen, desk, specialist, leader):
        check_page(d, "the end")
