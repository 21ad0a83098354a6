"""Helpers the browser tests share."""
from urllib.parse import urlsplit

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 20


def click_and_wait(driver, element):
    """Click a link or a submit button and wait until the next page has loaded.  The old page
    is told apart by a mark on its window (EC.staleness_of is not enough: while a document is
    being replaced chromedriver may answer "Node ... does not belong to the document" instead
    of a stale-element error)."""
    driver.execute_script("window.motcuaOldPage = true;"
                          "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                          element)
    element.click()
    wait = WebDriverWait(driver, WAIT, poll_frequency=0.1,
                         ignored_exceptions=(WebDriverException,))
    wait.until(
        lambda d: d.execute_script("return window.motcuaOldPage !== true"
                                   " && document.readyState === 'complete';"))


def path_of(driver):
    parts = urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def main_text(driver):
    """The text of the page's <main> (without the header and the footer)."""
    return driver.find_element(By.TAG_NAME, "main").text


def visible(elements):
    return [e for e in elements if e.is_displayed()]


def button(driver, text, scope=None):
    """The one visible button whose text is 'text' (the form's hidden default button, there
    for the Enter key, is not one a person sees)."""
    root = scope or driver
    found = [b for b in visible(root.find_elements(By.CSS_SELECTOR,
                                                   "button:not([aria-hidden='true'])"))
             if b.text.strip() == text]
    assert len(found) == 1, "wanted one visible button %r on %s, found %d; buttons: %r" % (
        text, path_of(driver), len(found),
        [b.text.strip() for b in root.find_elements(By.CSS_SELECTOR, "button")])
    return found[0]


def link(driver, text, css="a"):
    found = [a for a in visible(driver.find_elements(By.CSS_SELECTOR, css))
             if a.text.strip() == text]
    assert found, "no visible link %r on %s" % (text, path_of(driver))
    return found[0]


def nav_link(driver, text):
    """A link of the site's main navigation (header)."""
    return link(driver, text, ".site-nav a")


def scroll_to(driver, el):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                          el)


def date_order(driver):
    """The order Chromium's date control takes its parts in for the browser's language:
    e.g. ['day', 'month', 'year'] for vi."""
    return driver.execute_script(
        "return new Intl.DateTimeFormat(navigator.language,"
        " {year: 'numeric', month: '2-digit', day: '2-digit'})"
        ".formatToParts(new Date(2001, 1, 3)).filter(p => p.type !== 'literal')"
        ".map(p => p.type);")


def type_date(driver, el, iso):
    """Type an ISO date into an <input type=date> as a person does: its parts in the order
    the control shows them."""
    year, month, day = iso.split("-")
    order = date_order(driver)
    assert sorted(order) == ["day", "month", "year"], order
    parts = {"year": year, "month": month, "day": day}
    scroll_to(driver, el)
    el.click()
    driver.execute_script("arguments[0].focus();", el)
    for p in order:
        el.send_keys(parts[p])
    value = el.get_attribute("value")
    assert value == iso, "typing %r (parts in the order %r) into the date control %s gave %r" % (
        iso, order, el.get_attribute("name"), value)


def fill(driver, name, value):
    """Set field 'name' of the shown step through its real control."""
    els = driver.find_elements(By.NAME, "f_" + name)
    assert els, "no control named f_%s on %s" % (name, path_of(driver))
    el = els[0]
    if el.tag_name == "select":
        scroll_to(driver, el)
        Select(el).select_by_value(value)
        return
    kind = (el.get_attribute("type") or "").lower()
    if kind == "radio":
        for r in els:
            if r.get_attribute("value") == value:
                # click the label, as a person does
                label = driver.find_element(By.CSS_SELECTOR,
                                            "label[for='%s']" % r.get_attribute("id"))
                scroll_to(driver, label)
                label.click()
                assert r.is_selected(), "clicking the label of %s=%s did not select it" % (
                    name, value)
                return
        raise AssertionError("no f_%s radio with value %s" % (name, value))
    if kind == "checkbox":
        assert value == "1", value
        scroll_to(driver, el)
        if not el.is_selected():
            label = driver.find_element(By.CSS_SELECTOR,
                                        "label[for='%s']" % el.get_attribute("id"))
            label.click()
        assert el.is_selected(), "the check box f_%s is not ticked" % name
        return
    if kind == "date":
        type_date(driver, el, value)
        return
    scroll_to(driver, el)
    el.clear()
    el.send_keys(value)
    got = el.get_attribute("value").replace("\r\n", "\n")
    assert got == value, "typed %r into f_%s, it holds %r" % (value, name, got)
