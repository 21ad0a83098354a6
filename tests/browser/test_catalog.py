"""The procedure catalogue and the administrator's form-schema editor in headless Chromium.

Catalogue: search without diacritics, open a procedure, download its .docx template, and no
horizontal scroll at 360 px.  Schema editor: the live preview follows the JSON as it is edited,
a syntax error shows in the alert region, the fixed schema is saved and stays saved.

The server here runs on demo data made with `motcua --password PASSWORD demo`, so the system
administrator can log in (conftest's demo_server prints random passwords we do not read).
"""
import json
import os
import re
import shutil
import time
from urllib.parse import unquote, urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import motcua_server
from browser_helpers import click_and_wait

DEMO_PASSWORD = "Trinh-Dien-Mau-2026"
PROCEDURE_CODE = "1.001193"
PROCEDURE_NAME = "Đăng ký khai sinh"
WAIT = 20            # seconds for a page, a preview or a download
PREVIEW_WAIT = 10    # the editor waits 400 ms after the last keystroke, then asks the server
SECTIONS = ("Thành phần hồ sơ", "Thời hạn giải quyết", "Phí, lệ phí", "Trình tự thực hiện",
            "Căn cứ pháp lý", "Nơi tiếp nhận")
# A different new label for each window size: both runs share one server (and its database).
NEW_LABELS = {360: "Họ và tên người đi khai", 1280: "Họ, chữ đệm và tên người đi khai"}


# ---- the server ----

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A motcua server on demo data whose accounts all use DEMO_PASSWORD; .admin_email is the
    system administrator printed by `motcua demo`."""
    if not os.access(motcua_server.binary(), os.X_OK):
        pytest.fail("no motcua binary at %s: build it or set MOTCUA_BIN" % motcua_server.binary())
    srv = motcua_server.MotcuaServer(str(tmp_path_factory.mktemp("motcua-catalog")))
    r = srv.cli("--password", DEMO_PASSWORD, "demo")
    assert r.returncode == 0, "motcua demo failed (%d): %s" % (r.returncode, r.stderr)
    accounts = [tuple(p.strip() for p in line.split(",")) for line in r.stdout.splitlines()
                if line.count(",") == 2 and "@" in line]
    admins = [email for role, email, password in accounts
              if role == "system_admin" and password == DEMO_PASSWORD]
    assert admins, "motcua demo printed no system_admin line: %r" % r.stdout
    srv.admin_email = admins[0]
    srv.start()
    yield srv
    rc = srv.stop()
    assert rc == 0, "motcua serve did not exit 0 on SIGTERM (%r); stderr:\n%s" % (rc, srv.stderr())


# ---- helpers ----

def severe(driver, allow_422=None):
    """SEVERE console entries (script errors, CSP violations, failed loads).  'allow_422': a
    path whose 422 answer is expected (Chromium logs every 4xx document)."""
    out = []
    for e in driver.get_log("browser"):
        if e.get("level") != "SEVERE":
            continue
        msg = e.get("message", "")
        if allow_422 and allow_422 in msg and "status of 422" in msg:
            continue
        out.append(e)
    return out


def path_of(driver):
    parts = urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def assert_fits(driver, what):
    """No horizontal scroll: the document is no wider than the viewport.  On failure, name
    the elements reaching furthest right (an absolutely positioned one inside a scrolling box
    escapes it when its containing block is outside)."""
    inner = driver.execute_script("return window.innerWidth;")
    scroll = driver.execute_script("return document.documentElement.scrollWidth;")
    if scroll > inner:
        # Out-of-flow elements first: an in-flow one inside a scrolling box is clipped by it.
        widest = driver.execute_script(
            "const w = document.documentElement.clientWidth + 1;"
            "const loose = e => /absolute|fixed/.test(getComputedStyle(e).position);"
            "return Array.from(document.querySelectorAll('body *'))"
            ".map(e => [e, e.getBoundingClientRect().right])"
            ".filter(p => p[1] > w)"
            ".sort((a, b) => (loose(b[0]) - loose(a[0])) || (b[1] - a[1])).slice(0, 4)"
            ".map(p => p[0].tagName + '.' + p[0].className + ' in '"
            " + p[0].parentElement.tagName + ' (position: ' + getComputedStyle(p[0]).position"
            " + ', right edge ' + Math.round(p[1]) + ' px)');")
        raise AssertionError("%s is %d px wide in a %d px viewport; reaching furthest: %r"
                             % (what, scroll, inner, widest))
    if driver.motcua_width == 360:
        assert inner <= 360, inner


def set_download_dir(driver, folder):
    """Let the page download into 'folder' (headless Chromium refuses downloads otherwise)."""
    params = {"behavior": "allow", "downloadPath": folder}
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", params)
    except WebDriverException:
        # Page.setDownloadBehavior is deprecated; the Browser domain has the same command.
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", params)


def wait_download(folder, name, timeout=WAIT):
    """The bytes of 'folder'/'name' once Chromium finished writing it (no .crdownload left)."""
    deadline = time.monotonic() + timeout
    path = os.path.join(folder, name)
    while time.monotonic() < deadline:
        files = os.listdir(folder)
        if name in files and not any(f.endswith(".crdownload") for f in files):
            with open(path, "rb") as f:
                data = f.read()
            if data:
                return data
        time.sleep(0.1)
    raise AssertionError("no download %r in %s within %d s; the folder holds %r"
                         % (name, folder, timeout, os.listdir(folder)))


def login_admin(driver, site):
    """Log in at /login as the system administrator, from a clean cookie jar."""
    driver.get(site.url + "/login")
    driver.delete_all_cookies()
    driver.get(site.url + "/login")
    driver.get_log("browser")
    driver.find_element(By.ID, "email").send_keys(site.admin_email)
    driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
    form = driver.find_element(By.ID, "password").find_element(By.XPATH, "./ancestor::form")
    click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert urlsplit(driver.current_url).path == "/admin", \
        "the login did not lead to /admin: %s\n%s" % (driver.current_url, body_text(driver)[:500])


def open_schema_editor(driver, site):
    """From /admin/procedures to the form page of PROCEDURE_CODE, by clicking; returns the
    procedure's id."""
    driver.get(site.url + "/admin/procedures")
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, PROCEDURE_NAME))
    m = re.fullmatch(r"/admin/procedures/(\d+)", urlsplit(driver.current_url).path)
    assert m, driver.current_url
    assert PROCEDURE_CODE in body_text(driver)
    pid = m.group(1)
    links = [a for a in driver.find_elements(By.CSS_SELECTOR,
                                             "a[href='/admin/procedures/%s/form']" % pid)
             if a.is_displayed()]
    assert links, "no link to the form page on the procedure page"
    click_and_wait(driver, links[0])
    assert urlsplit(driver.current_url).path == "/admin/procedures/%s/form" % pid
    return pid


def schema_value(driver):
    return driver.find_element(By.ID, "schema").get_attribute("value")


def set_schema(driver, text):
    """Replace the textarea's text as a paste would: value, then an 'input' event."""
    driver.execute_script(
        "const a = document.getElementById('schema'); a.value = arguments[0];"
        "a.dispatchEvent(new Event('input', {bubbles: true}));", text)


def preview_labels(driver):
    """The labels and legends in the preview, without the '(bắt buộc)' marker."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#schema-preview label,"
        " #schema-preview legend')).map(function (l) {"
        "  const c = l.cloneNode(true);"
        "  c.querySelectorAll('.required-marker').forEach(function (m) { m.remove(); });"
        "  return c.textContent.replace(/\\s+/g, ' ').trim(); });")


def preview_error(driver):
    """The alert region's text when it is shown, else None."""
    box = driver.find_element(By.ID, "schema-preview-error")
    return box.text.strip() if box.is_displayed() else None


def wait_for(driver, what, condition, timeout=PREVIEW_WAIT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition())
    except Exception:
        raise AssertionError("%s: not within %d s; labels %r, alert %r" % (
            what, timeout, preview_labels(driver), preview_error(driver)))


def first_field(schema):
    return schema["sections"][0]["fields"][0]


# ---- the catalogue ----

def test_search_open_and_download_template(driver, site, tmp_path):
    downloads = str(tmp_path / ("downloads-%d" % driver.motcua_width))
    os.makedirs(downloads)
    driver.get(site.url + "/services")
    driver.get_log("browser")
    driver.get(site.url + "/services")

    box = driver.find_element(By.ID, "q")
    label = driver.find_element(By.CSS_SELECTOR, "label[for='q']")
    assert label.text.strip() == "Tìm thủ tục", label.text
    box.clear()
    box.send_keys("dang ky khai sinh")
    form = box.find_element(By.XPATH, "./ancestor::form")
    search = [b for b in form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
              if b.text.strip() == "Tìm kiếm"]
    assert search, "no 'Tìm kiếm' button in the search form"
    click_and_wait(driver, search[0])
    assert urlsplit(driver.current_url).path == "/services"
    assert "q=dang+ky+khai+sinh" in driver.current_url, driver.current_url
    assert driver.find_element(By.ID, "q").get_attribute("value") == "dang ky khai sinh"
    results = [a.text.strip() for a in
               driver.find_elements(By.CSS_SELECTOR, ".catalog-list .card-title a")]
    assert PROCEDURE_NAME in results, results
    # the search narrowed the list: not all 14 demo procedures are shown
    assert "Đăng ký kết hôn" not in results, results
    errors = severe(driver)
    assert not errors, errors

    link = [a for a in driver.find_elements(By.CSS_SELECTOR, ".catalog-list .card-title a")
            if a.text.strip() == PROCEDURE_NAME][0]
    click_and_wait(driver, link)
    assert urlsplit(driver.current_url).path == "/services/" + PROCEDURE_CODE, \
        driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == PROCEDURE_NAME
    headings = [h.text.strip() for h in driver.find_elements(By.CSS_SELECTOR,
                                                             ".catalog-section h2")]
    for title in SECTIONS:
        assert title in headings, "no section %r on the detail page: %r" % (title, headings)
    body = body_text(driver)
    assert PROCEDURE_CODE in body
    errors = severe(driver)
    assert not errors, errors

    # the first template of the document table
    links = driver.find_elements(By.CSS_SELECTOR, "#thanh-phan-ho-so ~ * a[download], "
                                                  ".catalog-documents a[download]")
    links = [a for a in links if a.text.strip().startswith("Tải mẫu")]
    assert links, "no 'Tải mẫu' link in Thành phần hồ sơ"
    link = links[0]
    href = link.get_attribute("href")
    name = unquote(urlsplit(href).path.rsplit("/", 1)[1])
    hidden_name = driver.execute_script(
        "const s = arguments[0].querySelector('.visually-hidden');"
        "return s ? s.textContent.trim() : '';", link)
    assert hidden_name == name, "the link names %r but points to %r" % (hidden_name, name)
    assert name.lower().endswith(".docx"), name
    status, headers, served = motcua_server.http_get(site.host, site.port,
                                                     urlsplit(href).path)
    assert status == 200 and served.startswith(b"PK"), (status, served[:20])

    set_download_dir(driver, downloads)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                          link)
    link.click()
    data = wait_download(downloads, name)
    assert data.startswith(b"PK"), "the template is not a .docx (zip): %r" % data[:20]
    assert data == served, "the download differs from what the server serves"
    assert os.listdir(downloads) == [name], os.listdir(downloads)
    # a download does not leave the page
    assert urlsplit(driver.current_url).path == "/services/" + PROCEDURE_CODE
    errors = severe(driver)
    assert not errors, errors
    shutil.rmtree(downloads, ignore_errors=True)


def test_catalogue_pages_fit_the_window(driver, site):
    """The list, a search's results and a detail page (its wide document table scrolls in its
    own box) have no horizontal scroll, at 360 px too, and log no console error."""
    for path in ("/services", "/services?q=dang+ky+khai+sinh", "/services/" + PROCEDURE_CODE):
        driver.get(site.url + path)
        driver.get_log("browser")
        driver.get(site.url + path)
        assert_fits(driver, path)
        if driver.motcua_width == 360:
            # nothing sticks out on the right either (the document table scrolls in its box)
            wide = driver.execute_script(
                "const w = document.documentElement.clientWidth + 1;"
                "return Array.from(document.querySelectorAll('body *'))"
                ".filter(e => !e.closest('.table-responsive'))"
                ".filter(e => e.getBoundingClientRect().right > w)"
                ".slice(0, 5).map(e => e.tagName + '.' + e.className);")
            assert wide == [], (path, wide)
        errors = severe(driver)
        assert not errors, (path, errors)


# ---- the form-schema editor ----

def test_schema_editor_preview_error_and_save(driver, site):
    new_label = NEW_LABELS[driver.motcua_width]
    login_admin(driver, site)
    pid = open_schema_editor(driver, site)
    form_url = site.url + "/admin/procedures/%s/form" % pid
    errors = severe(driver)
    assert not errors, errors

    original = schema_value(driver)
    schema = json.loads(original)
    old_label = first_field(schema)["label"]
    assert old_label != new_label
    # the preview renders the stored schema: a legend per section, a label per field
    want = [schema["sections"][0]["title"], old_label]
    wait_for(driver, "the preview of the stored schema",
             lambda: all(w in preview_labels(driver) for w in want))
    assert new_label not in preview_labels(driver)
    assert preview_error(driver) is None

    # edit the first field's label: the preview follows
    first_field(schema)["label"] = new_label
    edited = json.dumps(schema, ensure_ascii=False, indent=2)
    set_schema(driver, edited)
    wait_for(driver, "the new label in the preview",
             lambda: new_label in preview_labels(driver))
    assert preview_error(driver) is None

    # break it by typing: delete the closing brace at the end
    area = driver.find_element(By.ID, "schema")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                          area)
    area.click()
    area.send_keys(Keys.CONTROL, Keys.END)
    value = schema_value(driver)
    area.send_keys(Keys.BACKSPACE * (len(value) - len(value.rstrip()) + 1))
    assert schema_value(driver) == value.rstrip()[:-1], "the keystrokes did not reach the editor"
    wait_for(driver, "the syntax error in the alert region",
             lambda: "Lỗi cú pháp JSON" in (preview_error(driver) or ""))
    box = driver.find_element(By.ID, "schema-preview-error")
    assert box.get_attribute("role") == "alert"
    # the last good preview stays under the message
    assert new_label in preview_labels(driver)

    # fix it by typing the brace back
    area.send_keys("}")
    assert json.loads(schema_value(driver)) == schema
    wait_for(driver, "the alert to go away", lambda: preview_error(driver) is None)
    assert new_label in preview_labels(driver)
    errors = severe(driver)
    assert not errors, errors

    # save
    save = [b for b in driver.find_elements(By.CSS_SELECTOR, "#schema-form button[type=submit]")
            if b.text.strip().startswith("Lưu")]
    assert save, "no 'Lưu' button in the editor"
    click_and_wait(driver, save[0])
    assert path_of(driver) == "/admin/procedures/%s/form?saved=1" % pid, driver.current_url
    assert "Đã lưu thay đổi." in body_text(driver), body_text(driver)[:600]
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary")
    errors = severe(driver)
    assert not errors, errors

    # it stays saved
    driver.get(form_url)
    saved = json.loads(schema_value(driver))
    assert first_field(saved)["label"] == new_label, first_field(saved)
    assert saved == schema
    assert new_label in schema_value(driver)
    wait_for(driver, "the saved label in the preview",
             lambda: new_label in preview_labels(driver))
    errors = severe(driver)
    assert not errors, errors


def test_schema_editor_refuses_broken_json_on_save(driver, site):
    """Saving a broken schema (as without JavaScript) keeps the typed text and shows the reason
    at the top and beside the field; the stored schema does not change."""
    login_admin(driver, site)
    pid = open_schema_editor(driver, site)
    form_url = site.url + "/admin/procedures/%s/form" % pid
    stored = schema_value(driver)
    broken = stored.rstrip()[:-1]
    set_schema(driver, broken)
    wait_for(driver, "the syntax error in the alert region",
             lambda: "Lỗi cú pháp JSON" in (preview_error(driver) or ""))
    save = [b for b in driver.find_elements(By.CSS_SELECTOR, "#schema-form button[type=submit]")
            if b.text.strip().startswith("Lưu")]
    assert save, "no 'Lưu' button in the editor"
    click_and_wait(driver, save[0])

    assert urlsplit(driver.current_url).path == "/admin/procedures/%s/form" % pid
    assert "Đã lưu thay đổi." not in body_text(driver)
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "Lỗi cú pháp JSON" in summary.text, summary.text
    assert summary.find_elements(By.CSS_SELECTOR, "a[href='#schema']")
    beside = driver.find_element(By.ID, "schema-error")
    assert "Lỗi cú pháp JSON" in beside.text, beside.text
    area = driver.find_element(By.ID, "schema")
    assert area.get_attribute("aria-invalid") == "true"
    assert "schema-error" in (area.get_attribute("aria-describedby") or "")
    assert schema_value(driver).replace("\r\n", "\n") == broken.replace("\r\n", "\n"), \
        "the typed text was not kept"
    errors = severe(driver, allow_422="/admin/procedures/%s/form" % pid)
    assert not errors, errors

    driver.get(form_url)
    assert json.loads(schema_value(driver)) == json.loads(stored), "the broken save changed it"
    errors = severe(driver)
    assert not errors, errors
