"""The public pages and the health check, seen from outside."""
import http.client
import json
import re
from urllib.parse import urljoin, urlparse

import requests
from bs4 import BeautifulSoup

from motcua_server import DEMO_PORTAL_NAME, MARKER, MARKER_WORD, assert_security_headers


def get(url, **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("allow_redirects", False)
    return requests.get(url, **kw)


def test_home_page_is_vietnamese_html(base_url):
    r = get(base_url + "/")
    assert r.status_code == 200
    assert r.headers["content-type"].lower().replace(" ", "") == "text/html;charset=utf-8"
    r.encoding = "utf-8"
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.html is not None and soup.html.get("lang") == "vi"
    assert "Cổng Dịch vụ công" in soup.title.get_text()
    assert "Nộp hồ sơ thủ tục hành chính trực tuyến" in r.text
    assert soup.find("meta", attrs={"charset": re.compile("utf-8", re.I)}) is not None
    viewport = soup.find("meta", attrs={"name": "viewport"})
    assert viewport is not None and "width=device-width" in viewport.get("content", "")


def test_home_page_links(base_url):
    r = get(base_url + "/")
    soup = BeautifulSoup(r.content, "html.parser")
    hrefs = [a.get("href") for a in soup.find_all("a")]
    for path in ("/services", "/login", "/register"):
        assert path in hrefs, "no link to %s in %s" % (path, hrefs)


def test_skip_link_comes_first_and_has_a_target(base_url):
    soup = BeautifulSoup(get(base_url + "/").content, "html.parser")
    first = soup.body.find(["a", "button", "input", "select", "textarea"])
    assert first is not None and first.name == "a" and first.get("href") == "#noi-dung", first
    assert first.get_text(strip=True), "the skip link has no text"
    assert soup.find(id="noi-dung") is not None, "the skip link's target #noi-dung is missing"


def test_home_page_has_no_inline_script_or_style(base_url):
    """The CSP forbids inline code: anything inline would be silently blocked in browsers."""
    soup = BeautifulSoup(get(base_url + "/").content, "html.parser")
    for s in soup.find_all("script"):
        assert s.get("src"), "inline <script>: %s" % str(s)[:200]
    assert soup.find("style") is None
    styled = [t.name for t in soup.find_all(style=True)]
    assert not styled, "style= attributes on %s" % styled
    handlers = [(t.name, a) for t in soup.find_all(True) for a in t.attrs if a.startswith("on")]
    assert not handlers, "inline event handlers: %s" % handlers


def test_every_asset_the_home_page_uses_is_served(base_url):
    soup = BeautifulSoup(get(base_url + "/").content, "html.parser")
    urls = [l.get("href") for l in soup.find_all("link") if l.get("href")]
    urls += [s.get("src") for s in soup.find_all(["script", "img"]) if s.get("src")]
    assert urls, "the home page loads no stylesheet at all"
    for u in urls:
        full = urljoin(base_url + "/", u)
        assert urlparse(full).netloc == urlparse(base_url).netloc, "external asset %s" % u
        r = get(full)
        assert r.status_code == 200, "%s -> %d" % (u, r.status_code)


def test_demo_portal_name_in_title_and_footer(demo_server):
    r = get(demo_server.url + "/")
    assert r.status_code == 200
    soup = BeautifulSoup(r.content, "html.parser")
    assert DEMO_PORTAL_NAME in soup.title.get_text()
    assert "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa" in soup.get_text()


def test_healthz(base_url):
    r = get(base_url + "/healthz")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert json.loads(r.content) == {"status": "ok", "database": "ok"}


def test_security_headers_on_pages(base_url):
    for path in ("/", "/healthz", "/static/css/motcua.css"):
        r = get(base_url + path)
        assert r.status_code == 200, path
        assert_security_headers(r.headers)


def test_pages_are_not_cached(base_url):
    for path in ("/", "/healthz"):
        cc = get(base_url + path).headers.get("cache-control", "")
        assert "no-store" in cc or "no-cache" in cc or "private" in cc, (path, cc)


def test_request_ids_are_unique(base_url):
    ids = {get(base_url + "/healthz").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


def test_head_has_headers_and_no_body(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/")
    full = conn.getresponse()
    full_body = full.read()
    conn.request("HEAD", "/")
    head = conn.getresponse()
    assert head.status == 200
    assert head.read() == b""
    assert head.getheader("content-type") == full.getheader("content-type")
    assert int(head.getheader("content-length")) == len(full_body)
    assert_security_headers(dict(head.getheaders()))
    # The connection still works after HEAD: no stray body bytes were sent.
    conn.request("GET", "/healthz")
    after = conn.getresponse()
    assert after.status == 200 and json.loads(after.read())["status"] == "ok"
    conn.close()


def test_keep_alive_serves_many_requests_on_one_connection(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    for i in range(50):
        conn.request("GET", "/" if i % 2 else "/healthz")
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200
        assert len(body) == int(r.getheader("content-length"))
    conn.close()


def test_http_1_0_is_answered(server):
    from motcua_server import raw_request
    status, headers, body, _ = raw_request(server.host, server.port,
                                           b"GET /healthz HTTP/1.0\r\n\r\n")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok"}


def test_query_string_is_not_echoed_on_home(base_url):
    r = get(base_url + "/", params={"q": MARKER, "x": MARKER})
    assert r.status_code == 200
    assert MARKER_WORD not in r.text
    assert MARKER_WORD not in "".join("%s: %s" % kv for kv in r.headers.items())
