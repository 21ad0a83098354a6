"""Helpers the browser tests share."""
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

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
