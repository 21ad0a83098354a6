"""Static files: ours from static/, Bootstrap and Chart.js from Debian's packages."""
import http.client
import os

import pytest
import requests

from motcua_server import REPO_ROOT, assert_security_headers

VENDOR = "/usr/share/javascript"

FILES = [
    ("/static/css/motcua.css", os.path.join(REPO_ROOT, "static/css/motcua.css"), "text/css"),
    ("/static/img/favicon.svg", os.path.join(REPO_ROOT, "static/img/favicon.svg"),
     "image/svg+xml"),
    ("/static/vendor/bootstrap5/css/bootstrap.min.css",
     os.path.join(VENDOR, "bootstrap5/css/bootstrap.min.css"), "text/css"),
]


def chart_js():
    for name in ("chart.umd.min.js", "chart.min.js"):
        fs = os.path.join(VENDOR, "chart.js", name)
        if os.path.exists(fs):
            return "/static/vendor/chart.js/" + name, fs
    pytest.skip("Debian's libjs-chart.js is not installed")


def get(server, path, headers=None, method="GET"):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


@pytest.mark.parametrize("url,fs,ctype", FILES, ids=[f[0] for f in FILES])
def test_file_is_served_whole_with_caching_headers(server, url, fs, ctype):
    status, headers, body = get(server, url)
    assert status == 200
    with open(fs, "rb") as f:
        assert body == f.read()
    assert headers["content-type"].startswith(ctype), headers["content-type"]
    assert headers["etag"].startswith('"') or headers["etag"].startswith('W/"')
    assert headers["last-modified"].endswith(" GMT")
    assert "max-age=" in headers["cache-control"]
    assert_security_headers(headers)


def test_chart_js_is_served(server):
    url, fs = chart_js()
    status, headers, body = get(server, url)
    assert status == 200
    with open(fs, "rb") as f:
        assert body == f.read()
    assert "javascript" in headers["content-type"]


@pytest.mark.parametrize("url,fs,ctype", FILES, ids=[f[0] for f in FILES])
def test_if_none_match_gives_304(server, url, fs, ctype):
    _, headers, _ = get(server, url)
    etag = headers["etag"]
    status, h304, body = get(server, url, {"If-None-Match": etag})
    assert status == 304
    assert body == b""
    assert h304.get("etag") == etag
    assert_security_headers(h304)


def test_if_none_match_list_and_star(server):
    url = FILES[0][0]
    etag = get(server, url)[1]["etag"]
    assert get(server, url, {"If-None-Match": '"nope", %s, "other"' % etag})[0] == 304
    assert get(server, url, {"If-None-Match": "W/" + etag})[0] == 304
    assert get(server, url, {"If-None-Match": "*"})[0] == 304


def test_other_etag_gives_200(server):
    url = FILES[0][0]
    status, _, body = get(server, url, {"If-None-Match": '"0000000000000000"'})
    assert status == 200 and body


def test_if_none_match_wins_over_if_modified_since(server):
    url = FILES[0][0]
    headers = get(server, url)[1]
    status, _, body = get(server, url, {"If-None-Match": '"0000000000000000"',
                                        "If-Modified-Since": headers["last-modified"]})
    assert status == 200 and body


def test_if_modified_since_gives_304(server):
    url = FILES[0][0]
    last_modified = get(server, url)[1]["last-modified"]
    status, _, body = get(server, url, {"If-Modified-Since": last_modified})
    assert status == 304 and body == b""


def test_versioned_url_is_immutable(server):
    status, headers, _ = get(server, FILES[0][0] + "?v=123")
    assert status == 200
    assert "immutable" in headers["cache-control"]


def test_same_etag_across_requests_and_connections(server):
    url = FILES[2][0]
    tags = {get(server, url)[1]["etag"] for _ in range(5)}
    assert len(tags) == 1


def test_head_on_static(server):
    url, fs, _ = FILES[2]
    status, headers, body = get(server, url, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == os.path.getsize(fs)


def test_home_page_references_versioned_assets(server):
    """The layout adds ?v=<digest> to asset URLs, so browsers may cache them for a year."""
    html = requests.get(server.url + "/", timeout=5).text
    assert "/static/css/motcua.css?v=" in html
    assert "/static/vendor/bootstrap5/css/bootstrap.min.css?v=" in html


@pytest.mark.parametrize("path", [
    "/static/vendor/",
    "/static/vendor/bootstrap5",
    "/static/vendor/jquery/jquery.min.js",
    "/static/vendor/bootstrap5/css/khong-co.css",
    "/static/CSS/motcua.css",
    "/static/css/motcua.css/",
    "/static/css/.motcua.css",
])
def test_not_a_file_404(server, path):
    status, headers, body = get(server, path)
    assert status == 404, path
    assert "Không tìm thấy trang" in body.decode()
    assert_security_headers(headers)
