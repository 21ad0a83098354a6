"""Error pages: right status, Vietnamese, HTML, security headers, never an echo of the input,
and a server that stays up whatever it is sent."""
import http.client
import socket
import time
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from motcua_server import MARKER, MARKER_WORD, assert_error_page, assert_security_headers, http_get, raw_request


def request(server, method, path, body=None, headers=None):
    """http.client sends the path as given (no normalisation); returns (status, headers, body)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def assert_alive(server):
    status, _, body = http_get(server.host, server.port, "/healthz")
    assert status == 200 and b'"ok"' in body


# ---- 404 ----

@pytest.mark.parametrize("path", [
    "/khong-co",
    "/healthz/",
    "/healthz/x",
    "//",
    "/index.html",
    "/static/",
    "/static/css",
    "/static/css/",
    "/static/css/khong-co.css",
])
def test_unknown_path_404(server, path):
    assert_error_page(*request(server, "GET", path), 404)


def test_404_does_not_echo_path_or_query(server):
    path = "/" + quote(MARKER, safe="") + "?q=" + quote(MARKER, safe="")
    assert_error_page(*request(server, "GET", path), 404)
    # The marker unencoded in the request line (browsers would encode it; attackers will not).
    status, headers, body, _ = raw_request(
        server.host, server.port,
        ("GET /a/%s?b=%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
         % ("<script>xss-marker</script>".replace(" ", ""), "xss-marker")).encode())
    assert_error_page(status, headers, body, 404)


def test_404_has_link_home_and_no_store(server):
    status, headers, body = request(server, "GET", "/khong-co")
    assert status == 404
    soup = BeautifulSoup(body, "html.parser")
    assert soup.find("a", href="/") is not None
    assert "no-store" in headers.get("cache-control", "")


# ---- 405 ----

@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "FOO", "TRACE"])
@pytest.mark.parametrize("path", ["/", "/healthz", "/static/css/motcua.css", "/khong-co"])
def test_unknown_method_405(server, method, path):
    status, headers, body = request(server, method, path)
    assert_error_page(status, headers, body, 405)
    assert "allow" in headers, headers
    allowed = [m.strip() for m in headers["allow"].split(",")]
    assert method not in allowed


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/css/motcua.css"])
def test_post_to_get_only_path_405(server, path):
    status, headers, body = request(server, "POST", path, body=b"a=1",
                                    headers={"Content-Type":
                                             "application/x-www-form-urlencoded"})
    assert_error_page(status, headers, body, 405)
    allowed = [m.strip() for m in headers["allow"].split(",")]
    assert "GET" in allowed and "POST" not in allowed, headers["allow"]


@pytest.mark.parametrize("method", ["DELETE", "PUT", "FOO"])
def test_allow_lists_only_methods_the_path_supports(server, method):
    """RFC 9110 §15.5.6: Allow lists the target resource's supported methods.  POST / is
    itself answered 405, so a 405 for DELETE / must not advertise POST."""
    status, headers, _ = request(server, method, "/")
    assert status == 405
    allowed = [m.strip() for m in headers["allow"].split(",")]
    assert "GET" in allowed and "POST" not in allowed, headers["allow"]


def test_405_does_not_echo_method_path_or_body(server):
    path = "/" + quote(MARKER, safe="") + "?x=" + quote(MARKER, safe="")
    status, headers, body = request(server, "PUT", path, body=MARKER.encode())
    assert_error_page(status, headers, body, 405)
    status, headers, body = request(server, "XSSMARKER", "/")
    assert_error_page(status, headers, body, 405, marker="XSSMARKER")


# ---- traversal ----

TRAVERSALS = [
    "/../etc/passwd",
    "/static/../etc/passwd",
    "/static/../../../../etc/passwd",
    "/static/css/../../../etc/passwd",
    "/static/css/../css/motcua.css",
    "/static/./css/motcua.css",
    "/%2e%2e/etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/static/css/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%2Fetc%2Fpasswd",
    "/static/css/motcua.css%00.png",
    "/static/css%2fmotcua.css",
    "/static/..\\..\\..\\etc\\passwd",
    "/static/vendor/bootstrap5/../../../../../../etc/passwd",
    "/static/vendor/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_404(server, path):
    status, headers, body, raw = raw_request(
        server.host, server.port,
        ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    assert status == 404, "%s -> %s %r" % (path, status, raw[:200])
    assert b"root:" not in body
    assert_error_page(status, headers, body, 404)


def test_traversal_leaves_server_up(server):
    assert_alive(server)


# ---- bodies ----

def test_body_on_get_is_refused(server):
    status, headers, body = request(server, "GET", "/", body=(MARKER * 100).encode(),
                                    headers={"Content-Type": "text/plain"})
    assert status in (400, 413), status
    assert_error_page(status, headers, body, status)


def test_chunked_body_on_get_is_refused(server):
    data = MARKER.encode()
    req = (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\n" + b"%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n")
    status, headers, body, raw = raw_request(server.host, server.port, req)
    assert status in (400, 413), raw[:300]
    assert_error_page(status, headers, body, status)


def _send_huge_content_length(server, path, method="POST"):
    """Declare 100 MiB but send 1 KiB: the answer must come at once, without waiting for (or
    reading) the rest."""
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        s.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                   "Content-Length: %d\r\n\r\n" % (method, path, 100 * 1024 * 1024)).encode()
                  + MARKER.encode() * 30)
        started = time.monotonic()
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        elapsed = time.monotonic() - started
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        want = int(headers.get("content-length", "0"))
        s.settimeout(2)
        while len(body) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else None
        return status, headers, body, elapsed
    finally:
        s.close()


@pytest.mark.parametrize("path", ["/", "/khong-co"])
def test_declared_body_over_64_mib_gets_413_at_once(server, path):
    status, headers, body, elapsed = _send_huge_content_length(server, path)
    assert status == 413, (status, headers, body[:300])
    assert elapsed < 3, "the 413 took %.1f s: the server waited for the body" % elapsed
    assert_alive(server)


def test_413_is_a_vietnamese_error_page(server):
    status, headers, body, _ = _send_huge_content_length(server, "/")
    assert_error_page(status, headers, body, 413)


# ---- malformed requests ----

MALFORMED = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTPX/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
    b"GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad\x01Header: y\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
    b"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
]


@pytest.mark.parametrize("data", MALFORMED, ids=[repr(m[:24]) for m in MALFORMED])
def test_malformed_request_400(server, data):
    status, headers, body, raw = raw_request(server.host, server.port, data)
    assert status == 400, "%r -> %r" % (data[:40], raw[:300])
    assert_alive(server)


def test_unsupported_http_version_is_refused(server):
    status, _, _, raw = raw_request(server.host, server.port, b"GET / HTTP/9.9\r\nHost: x\r\n\r\n")
    assert status in (400, 505), raw[:300]
    assert_alive(server)


def test_400_is_a_vietnamese_error_page(server):
    status, headers, body, raw = raw_request(
        server.host, server.port,
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: xss-marker\r\n\r\n")
    assert_error_page(status, headers, body, 400)


def test_oversized_head_is_refused_and_server_stays_up(server):
    """A megabyte of request line or header is refused (with 4xx or by closing)."""
    for data in (b"GET /" + b"a" * 1000000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 1000000 + b"\r\n\r\n",
                 b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(5000))
                 + b"\r\n"):
        status, headers, body, raw = raw_request(server.host, server.port, data)
        assert status is None or 400 <= status < 500, raw[:200]
    assert_alive(server)


def test_half_sent_requests_do_not_block_others(server):
    socks = []
    try:
        for _ in range(20):
            s = socket.create_connection((server.host, server.port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
            socks.append(s)
        started = time.monotonic()
        assert_alive(server)
        assert time.monotonic() - started < 2
    finally:
        for s in socks:
            s.close()


def test_invalid_percent_encoding_is_not_a_server_error(server):
    for path in ("/%zz", "/static/%", "/static/css/%e0%80%af", "/%c0%ae%c0%ae/etc/passwd",
                 "/static/%ff%fe"):
        status, headers, body = request(server, "GET", path)
        assert status in (400, 404), (path, status)
        assert_error_page(status, headers, body, status)
    assert_alive(server)
