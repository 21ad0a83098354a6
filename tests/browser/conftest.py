"""Fixtures for the browser tests: a demo-data motcua server and headless Chromium.

Needs Debian's python3-selenium, chromium and chromium-driver.  Run with
    /usr/bin/python3 -m pytest -q tests/browser
"""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytest.register_assert_rewrite("motcua_server")
import motcua_server  # noqa: E402  (tests/motcua_server.py)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    if not os.access(motcua_server.binary(), os.X_OK):
        pytest.fail("no motcua binary at %s: build it or set MOTCUA_BIN" % motcua_server.binary())
    srv = motcua_server.new_server(str(tmp_path_factory.mktemp("motcua-demo")), demo=True)
    yield srv
    rc = srv.stop()
    assert rc == 0, "motcua serve did not exit 0 on SIGTERM (%r); stderr:\n%s" % (rc, srv.stderr())


def new_driver(profile_dir, width, height):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=%s" % profile_dir,
                "--window-size=%d,%d" % (width, height), "--lang=vi"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(width, height)
    driver.set_page_load_timeout(20)
    return driver


@pytest.fixture(scope="module", params=[(360, 800), (1280, 900)], ids=["360px", "1280px"])
def driver(request, tmp_path_factory):
    """One Chromium per window size, with a fresh profile."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.skip("%s is missing (apt-get install chromium chromium-driver)" % path)
    width, height = request.param
    profile = tmp_path_factory.mktemp("chromium-profile")
    d = new_driver(str(profile), width, height)
    d.motcua_width = width
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)
