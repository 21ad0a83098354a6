"""The home page in headless Chromium, on a phone-sized and a desktop-sized window."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from motcua_server import DEMO_PORTAL_NAME


def open_home(driver, demo_server):
    driver.get_log("browser")  # drain what earlier tests left in the log
    driver.get(demo_server.url + "/")
    return driver


def test_console_errors_are_seen(driver, demo_server):
    """The check below can fail: a missing page does log a SEVERE entry."""
    driver.get_log("browser")
    driver.get(demo_server.url + "/khong-co")
    assert severe(driver), "Chromium logged nothing for a 404: the console check is blind"


def severe(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_title_and_vietnamese_text(driver, demo_server):
    open_home(driver, demo_server)
    assert "Cổng Dịch vụ công" in driver.title
    assert DEMO_PORTAL_NAME in driver.title
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Nộp hồ sơ thủ tục hành chính trực tuyến" in body
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"


def test_no_console_errors(driver, demo_server):
    """No SEVERE entry: no 404 for an asset, no CSP violation, no script error."""
    open_home(driver, demo_server)
    errors = severe(driver)
    assert not errors, errors


def test_stylesheets_are_applied(driver, demo_server):
    """Every <link rel=stylesheet> loaded (a wrong type under nosniff or a CSP block leaves
    link.sheet null) and Bootstrap's rules are in effect."""
    open_home(driver, demo_server)
    failed = driver.execute_script(
        "return Array.from(document.querySelectorAll('link[rel=stylesheet]'))"
        ".filter(l => !l.sheet).map(l => l.href);")
    assert failed == [], failed
    count = driver.execute_script(
        "return document.querySelectorAll('link[rel=stylesheet]').length;")
    assert count >= 2
    # Bootstrap's reboot sets body margin to 0 (the browser default is 8px).
    assert driver.execute_script("return getComputedStyle(document.body).marginTop;") == "0px"


def test_no_horizontal_scroll(driver, demo_server):
    open_home(driver, demo_server)
    width = driver.motcua_width
    inner = driver.execute_script("return window.innerWidth;")
    scroll = driver.execute_script("return document.documentElement.scrollWidth;")
    assert inner <= width, "the viewport is %d px wide, wanted at most %d" % (inner, width)
    assert scroll <= inner, "the page is %d px wide in a %d px viewport" % (scroll, inner)
    if width == 360:
        assert scroll <= 360
        # No single element sticks out on the right either.
        wide = driver.execute_script(
            "const w = document.documentElement.clientWidth + 1;"
            "return Array.from(document.querySelectorAll('body *'))"
            ".filter(e => e.getBoundingClientRect().right > w)"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className);")
        assert wide == [], wide


def test_skip_link_is_first_tab_stop_and_visible_on_focus(driver, demo_server):
    open_home(driver, demo_server)
    ActionChains(driver).send_keys(Keys.TAB).perform()
    active = driver.switch_to.active_element
    assert active.tag_name == "a"
    assert active.get_attribute("href").endswith("#noi-dung"), active.get_attribute("outerHTML")
    assert active.is_displayed()
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {top: r.top, left: r.left, right: r.right, bottom: r.bottom,"
        " w: r.width, h: r.height, vw: window.innerWidth, vh: window.innerHeight};", active)
    assert rect["w"] >= 10 and rect["h"] >= 10, rect
    assert rect["left"] >= 0 and rect["top"] >= 0, rect
    assert rect["right"] <= rect["vw"] and rect["bottom"] <= rect["vh"], rect
    # Following it moves the focus to the main content.
    active.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "noi-dung"


def test_skip_link_is_hidden_until_focused(driver, demo_server):
    open_home(driver, demo_server)
    link = driver.find_element(By.CSS_SELECTOR, "a[href='#noi-dung']")
    rect = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return {right: r.right, bottom: r.bottom, w: r.width, h: r.height};", link)
    hidden = (rect["right"] <= 0 or rect["bottom"] <= 0 or rect["w"] <= 1 or rect["h"] <= 1
              or not link.is_displayed())
    assert hidden, "the skip link shows before it has focus: %s" % rect


def test_main_links_are_reachable(driver, demo_server):
    open_home(driver, demo_server)
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")
             if a.is_displayed()]
    for path in ("/services", "/login", "/register"):
        assert any(h and h.endswith(path) for h in hrefs), (path, hrefs)
