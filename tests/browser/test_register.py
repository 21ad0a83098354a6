"""Registering in headless Chromium: one invalid field, the error summary, the fix, then the
activation link from the mail in <data>/mail/new/ (the server runs without --smtp)."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
from accounts_helpers import (ACTIVATED_RE, CHECK_MAIL_RE, citizen,  # noqa: E402
                              wait_mail)
from browser_helpers import click_and_wait  # noqa: E402

TEXT_FIELDS = ("full_name", "email", "phone", "citizen_id", "birth_date", "address",
               "password", "password_confirm")


def severe(driver, allow_422=False):
    """SEVERE console entries; the 422 of the refused form itself is what the contract asks for
    (Chromium logs every 4xx document), so it may be allowed."""
    out = []
    for e in driver.get_log("browser"):
        if e.get("level") != "SEVERE":
            continue
        msg = e.get("message", "")
        if allow_422 and "/register" in msg and "status of 422" in msg:
            continue
        out.append(e)
    return out


def set_field(driver, name, value):
    els = driver.find_elements(By.NAME, name)
    assert els, "no field named %s" % name
    el = els[0]
    if el.tag_name == "select":
        Select(el).select_by_value(value)
        return
    kind = (el.get_attribute("type") or "").lower()
    if kind == "radio":
        for r in els:
            if r.get_attribute("value") == value:
                driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", r)
                r.click()
                return
        raise AssertionError("no %s radio with value %s" % (name, value))
    if kind == "date":
        driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)
        return
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el)
    el.clear()
    el.send_keys(value)


def submit(driver):
    form = driver.find_element(By.NAME, "full_name").find_element(By.XPATH, "./ancestor::form")
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit], "
                                                "button:not([type])")
    click_and_wait(driver, button)


def test_register_fix_error_then_activate(driver, demo_server):
    driver.get_log("browser")
    data = citizen(phone="0201234567")  # 020 is not a mobile prefix
    driver.get(demo_server.url + "/register")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    set_field(driver, "account_type", "citizen")
    for name in TEXT_FIELDS:
        set_field(driver, name, data[name])
    submit(driver)

    # the error summary, its link to the field, and the message beside it
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert summary.is_displayed()
    assert summary.rect["y"] < driver.find_element(By.NAME, "full_name").rect["y"], \
        "the error summary is not above the form"
    focused_on_load = driver.execute_script(
        "return arguments[0].contains(document.activeElement);", summary)
    links = summary.find_elements(By.CSS_SELECTOR, "a[href='#phone']")
    assert links, "no link to #phone in the error summary: %s" % summary.get_attribute(
        "outerHTML")
    hrefs = [a.get_attribute("href") for a in summary.find_elements(By.TAG_NAME, "a")]
    assert all(h.endswith("#phone") for h in hrefs), "other fields reported: %r" % hrefs
    error = driver.find_element(By.ID, "phone-error")
    assert error.is_displayed() and error.text.strip()
    links[0].click()
    state = driver.execute_script(
        "const f = document.getElementById('phone');"
        "return {active: document.activeElement === f, target: f.matches(':target'),"
        " tag: f.tagName, name: f.getAttribute('name'), described:"
        " f.getAttribute('aria-describedby'), invalid: f.getAttribute('aria-invalid')};")
    assert state["tag"] == "INPUT" and state["name"] == "phone", state
    assert state["active"] or state["target"], "following the summary link left the field " \
        "neither focused nor targeted: %r (summary focused on load: %r)" % (state, focused_on_load)
    # what was typed is kept, the passwords are not
    for name in ("full_name", "email", "citizen_id", "address", "phone"):
        assert driver.find_element(By.NAME, name).get_attribute("value") == data[name], name
    assert driver.find_element(By.NAME, "birth_date").get_attribute("value") == data["birth_date"]
    for name in ("password", "password_confirm"):
        assert driver.find_element(By.NAME, name).get_attribute("value") == ""
    errors = severe(driver, allow_422=True)
    assert not errors, errors

    # fix it and submit again
    set_field(driver, "phone", "0981234567")
    set_field(driver, "password", data["password"])
    set_field(driver, "password_confirm", data["password"])
    submit(driver)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), body[:500]
    assert CHECK_MAIL_RE.search(body), body[:500]

    # the link from the mail
    _, _, link = wait_mail(demo_server, data["email"], "/activate")
    assert link.startswith(demo_server.url + "/activate?token="), link
    driver.get(link)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert ACTIVATED_RE.search(body), body[:500]
    errors = severe(driver)
    assert not errors, errors


def test_register_page_fits_the_window(driver, demo_server):
    driver.get(demo_server.url + "/register")
    driver.get_log("browser")
    driver.get(demo_server.url + "/register")
    inner = driver.execute_script("return window.innerWidth;")
    scroll = driver.execute_script("return document.documentElement.scrollWidth;")
    assert scroll <= inner, "the page is %d px wide in a %d px viewport" % (scroll, inner)
    labels = driver.execute_script(
        "return Array.from(document.querySelectorAll('input:not([type=hidden]), select'))"
        ".filter(i => !(i.labels && i.labels.length) && !i.getAttribute('aria-label'))"
        ".map(i => i.name);")
    assert labels == [], "fields without a label: %r" % labels
    errors = severe(driver)
    assert not errors, errors
