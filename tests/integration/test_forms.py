"""Forms over real HTTP: what the urlencoded and multipart parsers decode, and what they refuse.

Runs build/motcua-echo (next to the motcua binary: $MOTCUA_BIN's folder, else build/), the real
server plus POST /echo/form (body limit LIMIT_FORM_BODY_BYTES) and POST /echo/upload
(LIMIT_BODY_BYTES), which answer {"fields": [[name, value], ...], "files": [{name, filename,
type, size}, ...]}.  Bodies are sent byte for byte over raw sockets where the bytes matter.
"""
import json
import os
import socket
import time
import unicodedata
from unittest import mock
from urllib.parse import quote

import pytest
import requests

import motcua_server
from motcua_server import (MARKER, MARKER_WORD, MotcuaServer, assert_error_page,
                           assert_security_headers, http_get,
                           raw_request)

# src/limit.h
LIMIT_BODY_BYTES = 64 * 1024 * 1024
LIMIT_FORM_BODY_BYTES = 1024 * 1024
LIMIT_FORM_FIELDS = 512
LIMIT_FIELD_NAME_BYTES = 128
LIMIT_FIELD_VALUE_BYTES = 256 * 1024
LIMIT_MULTIPART_PARTS = 256
LIMIT_MULTIPART_HEADER_BYTES = 4096
LIMIT_MULTIPART_BOUNDARY_BYTES = 70

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "----motcua-test-7f3a"

NFD_NAME = "Nguye\u0302\u0303n Va\u0306n A\u0300nh"  # "Nguyễn Văn Ành", decomposed
NFC_NAME = unicodedata.normalize("NFC", NFD_NAME)


def echo_binary():
    return os.path.join(os.path.dirname(motcua_server.binary()), "motcua-echo")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """motcua-echo serving an empty data folder, shared by this module; must exit 0 at the end."""
    path = echo_binary()
    if not os.access(path, os.X_OK):
        pytest.fail("no motcua-echo at %s: build it (ninja -C build)" % path)
    srv = MotcuaServer(str(tmp_path_factory.mktemp("motcua-echo")))
    # MotcuaServer runs $MOTCUA_BIN (and strips every MOTCUA_* variable from the child's env).
    with mock.patch.dict(os.environ, {"MOTCUA_BIN": path}):
        srv.start()
    yield srv
    rc = srv.stop()
    assert rc == 0, "motcua-echo did not exit 0 on SIGTERM (%r); stderr:\n%s" % (rc, srv.stderr())


# ---- helpers ----

def send(server, method, target, body=b"", content_type=None, headers=(), chunks=None):
    """One request on a fresh connection, bytes exactly as given; returns (status, headers, body).

    'chunks': send the body with Transfer-Encoding: chunked, one chunk per item."""
    if isinstance(target, str):
        target = target.encode("ascii")
    head = [b"%s %s HTTP/1.1" % (method.encode(), target), b"Host: x", b"Connection: close"]
    if content_type is not None:
        head.append(b"Content-Type: " + (content_type.encode("latin-1")
                                         if isinstance(content_type, str) else content_type))
    for k, v in headers:
        head.append(("%s: %s" % (k, v)).encode("latin-1"))
    if chunks is not None:
        head.append(b"Transfer-Encoding: chunked")
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    elif body or method == "POST":
        head.append(b"Content-Length: %d" % len(body))
    status, hdrs, data, raw = raw_request(server.host, server.port,
                                          b"\r\n".join(head) + b"\r\n\r\n" + body, timeout=10)
    assert status is not None, "no answer; read %r" % raw[:300]
    return status, hdrs, data


def post_form(server, body, content_type=URLENCODED, path="/echo/form", **kw):
    if isinstance(body, str):
        body = body.encode("ascii")
    return send(server, "POST", path, body, content_type, **kw)


def echoed(status, headers, body):
    """The decoded JSON of a 200 echo answer."""
    assert status == 200, "status %d; body %r" % (status, body[:400])
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert_security_headers(headers)
    return json.loads(body.decode("utf-8"))


def fields_of(*answer):
    return [tuple(f) for f in echoed(*answer)["fields"]]


def part(name, data, filename=None, ctype=None, disposition=None, extra=b""):
    """One multipart part (headers, blank line, data); 'disposition' replaces the default
    Content-Disposition line's parameters."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if disposition is None:
        disposition = b'form-data; name="%s"' % name.encode("utf-8")
        if filename is not None:
            disposition += b'; filename="%s"' % filename.encode("utf-8")
    h = b"Content-Disposition: " + disposition + b"\r\n"
    if ctype is not None:
        h += b"Content-Type: " + ctype.encode("ascii") + b"\r\n"
    return h + extra + b"\r\n" + data


def multipart(parts, boundary=BOUNDARY, preamble=b"", epilogue=b""):
    b = boundary.encode("ascii")
    out = preamble
    for p in parts:
        out += b"--" + b + b"\r\n" + p + b"\r\n"
    return out + b"--" + b + b"--\r\n" + epilogue


def post_multipart(server, body, boundary=BOUNDARY, path="/echo/form", content_type=None, **kw):
    ct = content_type or 'multipart/form-data; boundary="%s"' % boundary
    return send(server, "POST", path, body, ct, **kw)


def assert_alive(server):
    status, headers, body = http_get(server.host, server.port, "/healthz")
    assert status == 200, (status, body[:300])
    assert json.loads(body)["status"] == "ok"


# ---- application/x-www-form-urlencoded ----

def test_fields_in_order_with_repeated_names(server):
    got = fields_of(*post_form(server, "b=2&a=1&b=3&chon=x&chon=y&chon=z"))
    assert got == [("b", "2"), ("a", "1"), ("b", "3"), ("chon", "x"), ("chon", "y"),
                   ("chon", "z")]


def test_requests_form_round_trip(server):
    data = [("ho_ten", "Trần Thị Bình"), ("dia_chi", "Số 5, phố Lê Lợi & Hàm Nghi"),
            ("ghi_chu", "a=b+c%d"), ("ho_ten", "")]
    r = requests.post(server.url + "/echo/form", data=data, timeout=5)
    assert r.status_code == 200, r.text[:300]
    assert_security_headers(r.headers)
    assert [tuple(f) for f in r.json()["fields"]] == data
    assert r.json()["files"] == []


def test_plus_and_percent_20_are_spaces(server):
    got = fields_of(*post_form(server, "q=a+b%20c%2Bd&t%E1%BB%AB+kh%C3%B3a=x%2bx++"))
    assert got == [("q", "a b c+d"), ("từ khóa", "x+x  ")]


def test_percent_escapes_in_either_case(server):
    got = fields_of(*post_form(server, "a=%c3%a9%C3%A9%c3%A9"))
    assert got == [("a", "ééé")]


def test_nfd_vietnamese_arrives_nfc(server):
    assert NFD_NAME != NFC_NAME and len(NFD_NAME) > len(NFC_NAME)
    nfd_key = unicodedata.normalize("NFD", "họ_tên")
    body = "%s=%s" % (quote(nfd_key, safe=""), quote(NFD_NAME, safe=""))
    got = fields_of(*post_form(server, body))
    assert got == [("họ_tên", "Nguyễn Văn Ành")]
    assert got[0][1] == NFC_NAME and unicodedata.is_normalized("NFC", got[0][0])


def test_empty_value_and_field_without_equals(server):
    got = fields_of(*post_form(server, "a=&b&c=1&=v&d=x=y"))
    assert got == [("a", ""), ("b", ""), ("c", "1"), ("", "v"), ("d", "x=y")]


def test_empty_pieces_skipped_and_semicolon_is_not_a_separator(server):
    got = fields_of(*post_form(server, "&a=1&&b=2&;c=3&"))
    assert got == [("a", "1"), ("b", "2"), (";c", "3")]


def test_empty_body_is_an_empty_form(server):
    assert echoed(*post_form(server, b"")) == {"fields": [], "files": []}
    assert echoed(*send(server, "POST", "/echo/form")) == {"fields": [], "files": []}


@pytest.mark.parametrize("ctype", [
    "application/x-www-form-urlencoded; charset=UTF-8",
    "Application/X-WWW-Form-URLEncoded",
])
def test_content_type_parameters_and_case(server, ctype):
    assert fields_of(*post_form(server, "a=1", content_type=ctype)) == [("a", "1")]


BAD_TEXT = [
    ("ff", "%FF"),
    ("overlong_slash", "%C0%AF"),
    ("overlong_nul", "%C0%80"),
    ("surrogate", "%ED%A0%80"),
    ("above_10ffff", "%F4%90%80%80"),
    ("truncated_sequence", "%E1%BB"),
    ("lone_continuation", "%80"),
    ("nul", "%00"),
    ("control", "%01"),
    ("escape", "%1B"),
]
BAD_ESCAPES = [
    ("bad_hex", "%G1"),
    ("bad_second_hex", "%1G"),
    ("trailing_percent", "%"),
    ("one_digit", "%4"),
    ("percent_space", "%%20"),
]
BAD_ENCODINGS = BAD_TEXT + BAD_ESCAPES


@pytest.mark.parametrize("bad", [b for _, b in BAD_ENCODINGS], ids=[i for i, _ in BAD_ENCODINGS])
def test_bad_value_400_and_nothing_echoed(server, bad):
    body = "ho_ten=%s&ghi_chu=x%s" % (quote(MARKER, safe=""), bad)
    assert_error_page(*post_form(server, body), 400)


@pytest.mark.parametrize("bad", [b for _, b in BAD_ENCODINGS], ids=[i for i, _ in BAD_ENCODINGS])
def test_bad_name_400(server, bad):
    body = "a=%s&x%s=1" % (quote(MARKER, safe=""), bad)
    assert_error_page(*post_form(server, body), 400)


def test_raw_invalid_utf8_byte_in_body_400(server):
    body = b"ho_ten=" + MARKER.encode() + b"&ghi_chu=\xff\xfe"
    assert_error_page(*post_form(server, body), 400)


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/css/motcua.css"])
@pytest.mark.parametrize("bad", [b for _, b in BAD_ENCODINGS], ids=[i for i, _ in BAD_ENCODINGS])
def test_bad_query_string_400_on_any_route(server, path, bad):
    target = "%s?m=%s&q=%s" % (path, quote(MARKER, safe=""), bad)
    assert_error_page(*send(server, "GET", target), 400)


@pytest.mark.parametrize("bad", ["%FF", "%C0%AF", "%ED%A0%80", "%00", "%G1", "%"])
def test_bad_query_string_400_on_form_route_with_valid_body(server, bad):
    assert_error_page(*post_form(server, "a=1", path="/echo/form?q=" + bad), 400)


@pytest.mark.parametrize("byte", [b"\x00", b"\x01", b"\x7f"], ids=["nul", "soh", "del"])
def test_raw_control_byte_in_query_400(server, byte):
    """A control byte sent unencoded in the request line never reaches motcua: h2o 2.2.5's
    HTTP/1 parser refuses the line and writes its own fixed 400 straight to the socket, then
    closes.  What matters holds: 400, nothing of the request echoed, the connection closed and
    the server still up."""
    req = (b"GET /healthz?m=" + MARKER_WORD.encode() + b"&q=a" + byte
           + b"b HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body, raw = raw_request(server.host, server.port, req)
    assert status == 400, raw[:300]
    assert MARKER_WORD.encode() not in raw
    assert headers.get("connection", "").lower() == "close"
    assert send(server, "GET", "/healthz")[0] == 200


def test_valid_query_string_is_accepted(server):
    status, _, _ = send(server, "GET", "/healthz?q=" + quote(NFD_NAME, safe="") + "&a&b=")
    assert status == 200


# ---- urlencoded limits ----

def exact_body(total, nfields=5):
    """A urlencoded body of exactly 'total' bytes in 'nfields' fields f0..f4 of letters."""
    overhead = nfields * 3 + (nfields - 1)  # "fN=" each, '&' between
    room = total - overhead
    sizes = [room // nfields + (1 if i < room % nfields else 0) for i in range(nfields)]
    assert max(sizes) <= LIMIT_FIELD_VALUE_BYTES
    body = b"&".join(b"f%d=" % i + bytes([0x61 + i]) * n for i, n in enumerate(sizes))
    assert len(body) == total
    return body, sizes


def test_body_exactly_at_form_limit_accepted(server):
    body, sizes = exact_body(LIMIT_FORM_BODY_BYTES)
    got = fields_of(*post_form(server, body))
    assert [(n, len(v)) for n, v in got] == [("f%d" % i, n) for i, n in enumerate(sizes)]
    assert got[0][1] == "a" * sizes[0]


def test_body_one_byte_over_form_limit_413(server):
    body, _ = exact_body(LIMIT_FORM_BODY_BYTES + 1)
    assert_error_page(*post_form(server, body), 413)


def test_body_far_over_form_limit_413(server):
    body = b"ho_ten=" + MARKER.encode() + b"&x=" + b"y" * (3 * LIMIT_FORM_BODY_BYTES)
    assert_error_page(*post_form(server, body), 413)


def test_field_value_at_and_over_limit(server):
    ok = b"v=" + b"a" * LIMIT_FIELD_VALUE_BYTES
    assert len(fields_of(*post_form(server, ok))[0][1]) == LIMIT_FIELD_VALUE_BYTES
    assert_error_page(*post_form(server, ok + b"a"), 413)
    # Counted after decoding: 3 escaped bytes make one.
    escaped = b"v=" + b"%41" * LIMIT_FIELD_VALUE_BYTES
    assert len(fields_of(*post_form(server, escaped))[0][1]) == LIMIT_FIELD_VALUE_BYTES


def test_value_that_nfc_lengthens_past_limit_413(server):
    """U+0958 is 3 bytes but 6 after NFC (a composition exclusion): under the limit as sent,
    over it once normalised."""
    assert len(unicodedata.normalize("NFC", "\u0958").encode()) == 6
    n = LIMIT_FIELD_VALUE_BYTES // 3
    body = "v=" + quote("\u0958" * n, safe="")
    assert_error_page(*post_form(server, body), 413)
    # 43690 * 6 + 4 bytes: exactly at the limit after NFC.
    small = "v=" + quote("\u0958" * (LIMIT_FIELD_VALUE_BYTES // 6), safe="") + "abcd"
    assert len(fields_of(*post_form(server, small))[0][1].encode()) == LIMIT_FIELD_VALUE_BYTES
    assert_error_page(*post_form(server, small + "e"), 413)


def test_field_name_at_and_over_limit(server):
    name = b"n" * LIMIT_FIELD_NAME_BYTES
    assert fields_of(*post_form(server, name + b"=1")) == [(name.decode(), "1")]
    assert_error_page(*post_form(server, name + b"n=1"), 413)


def test_form_fields_at_limit_accepted(server):
    body = "&".join("f=%d" % i for i in range(LIMIT_FORM_FIELDS))
    got = fields_of(*post_form(server, body))
    assert len(got) == LIMIT_FORM_FIELDS and got[-1] == ("f", str(LIMIT_FORM_FIELDS - 1))


def test_too_many_form_fields_413(server):
    body = "&".join("f=%d" % i for i in range(LIMIT_FORM_FIELDS + 1))
    assert_error_page(*post_form(server, body), 413)
    # Fields without '=' count too.
    assert_error_page(*post_form(server, "&".join(["x"] * (LIMIT_FORM_FIELDS + 1))), 413)


# ---- multipart/form-data ----

def test_multipart_files_and_fields_with_requests(server):
    files = [("tep", ("don.pdf", b"%PDF-1.4\n" + b"\x00\xff" * 100, "application/pdf")),
             ("tep", ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 37, "image/png")),
             ("tep", ("ghi chú.txt", "Nội dung".encode(), "text/plain; charset=utf-8"))]
    data = {"ho_ten": NFD_NAME, "so_cccd": "001099000123"}
    r = requests.post(server.url + "/echo/form", data=data, files=files, timeout=5)
    assert r.status_code == 200, r.text[:300]
    assert_security_headers(r.headers)
    got = r.json()
    assert [tuple(f) for f in got["fields"]] == [("ho_ten", NFC_NAME), ("so_cccd", "001099000123")]
    assert got["files"] == [
        {"name": "tep", "filename": "don.pdf", "type": "application/pdf", "size": 209},
        {"name": "tep", "filename": "anh.png", "type": "image/png", "size": 45},
        {"name": "tep", "filename": "ghi chú.txt", "type": "text/plain; charset=utf-8",
         "size": len("Nội dung".encode())},
    ]


def test_multipart_binary_with_crlf_and_dashes_kept(server):
    content = (b"\r\n--\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n\r\n" + b"--" * 10 +
               b"\r\n-" + b"\x00\xff\r" * 50 + b"\r\n")
    body = multipart([part("tep", content, filename="du_lieu.bin",
                           ctype="application/octet-stream"),
                      part("sau", "x")])
    got = echoed(*post_multipart(server, body))
    assert got["files"] == [{"name": "tep", "filename": "du_lieu.bin",
                             "type": "application/octet-stream", "size": len(content)}]
    assert got["fields"] == [["sau", "x"]]


def test_multipart_vietnamese_text_field_is_nfc(server):
    body = multipart([part(unicodedata.normalize("NFD", "họ_tên"), NFD_NAME),
                      part("dia_chi", "Phường Điện Biên,\r\nQuận Ba Đình")])
    got = fields_of(*post_multipart(server, body))
    assert got == [("họ_tên", NFC_NAME), ("dia_chi", "Phường Điện Biên,\r\nQuận Ba Đình")]


def test_multipart_unquoted_and_quoted_params(server):
    body = multipart([
        part(None, "mot", disposition=b"form-data; name=ghi_chu"),
        part(None, "hai", disposition=b'form-data;name="a\\"b\\\\c"'),
        part(None, b"abc", disposition=b"form-data; name=tep; filename=bao_cao.txt"),
        part(None, b"de", disposition=b'Form-Data ; NAME = "tep2" ; FileName = "C:\\tmp\\a.txt"'),
        part(None, b"f", disposition=b'form-data; name="tep3"; filename*=UTF-8\'\'x.txt; '
                                     b'filename="that.txt"'),
    ])
    got = echoed(*post_multipart(server, body, content_type="Multipart/Form-Data; boundary="
                                 + BOUNDARY))
    assert got["fields"] == [["ghi_chu", "mot"], ['a"b\\c', "hai"]]
    assert got["files"] == [
        {"name": "tep", "filename": "bao_cao.txt", "type": "text/plain", "size": 3},
        {"name": "tep2", "filename": "C:\\tmp\\a.txt", "type": "text/plain", "size": 2},
        {"name": "tep3", "filename": "that.txt", "type": "text/plain", "size": 1},
    ]


def test_multipart_empty_file_input(server):
    body = multipart([part("ho_ten", "A"),
                      part("tep", b"", filename="", ctype="application/octet-stream")])
    got = echoed(*post_multipart(server, body))
    assert got["fields"] == [["ho_ten", "A"]]
    assert got["files"] == [{"name": "tep", "filename": "", "type": "application/octet-stream",
                             "size": 0}]


def test_multipart_part_content_type_reported(server):
    body = multipart([
        part("a", b"{}", filename="a.json", ctype="application/json"),
        part("b", b"x", filename="b.bin"),
        part("c", b"x", filename="c.pdf", extra=b"X-Ignored: 1\r\ncontent-type:  image/jpeg \r\n"),
    ])
    files = echoed(*post_multipart(server, body))["files"]
    assert [(f["name"], f["type"]) for f in files] == [
        ("a", "application/json"), ("b", "text/plain"), ("c", "image/jpeg")]


def test_multipart_filename_nfd_arrives_nfc(server):
    body = multipart([part("tep", b"x", filename=unicodedata.normalize("NFD", "Tờ khai.pdf"))])
    assert echoed(*post_multipart(server, body))["files"][0]["filename"] == "Tờ khai.pdf"


def test_multipart_preamble_and_epilogue_ignored(server):
    body = multipart([part("a", "1")], preamble=b"preamble\r\n", epilogue=b"epilogue\r\n")
    assert fields_of(*post_multipart(server, body)) == [("a", "1")]


@pytest.mark.parametrize("boundary", [
    "x",
    "b" * LIMIT_MULTIPART_BOUNDARY_BYTES,
    "'()+_,-./:=?AZaz09",
    "with space",
])
def test_valid_boundaries_accepted(server, boundary):
    body = multipart([part("a", "1")], boundary=boundary)
    assert fields_of(*post_multipart(server, body, boundary=boundary)) == [("a", "1")]


BAD_CONTENT_TYPES = [
    ("missing", "multipart/form-data"),
    ("missing_with_semicolon", "multipart/form-data;"),
    ("other_param_only", "multipart/form-data; charset=utf-8"),
    ("empty_quoted", 'multipart/form-data; boundary=""'),
    ("empty_bare", "multipart/form-data; boundary="),
    ("too_long_71", "multipart/form-data; boundary=" + "b" * 71),
    ("too_long_71_quoted", 'multipart/form-data; boundary="%s"' % ("b" * 71)),
    ("illegal_at", 'multipart/form-data; boundary="ab@cd"'),
    ("illegal_lt", "multipart/form-data; boundary=ab<cd>"),
    ("illegal_bracket", "multipart/form-data; boundary=ab[cd]"),
    ("illegal_nonascii", "multipart/form-data; boundary=ab\xe9cd"),
    ("trailing_space", 'multipart/form-data; boundary="abcd "'),
    ("two_boundaries", "multipart/form-data; boundary=abcd; boundary=abce"),
    ("unterminated_quote", 'multipart/form-data; boundary="abcd'),
    ("other_multipart", "multipart/mixed; boundary=abcd"),
]


@pytest.mark.parametrize("ctype", [c for _, c in BAD_CONTENT_TYPES],
                         ids=[i for i, _ in BAD_CONTENT_TYPES])
def test_bad_boundary_400(server, ctype):
    # The body is well formed for each boundary the header could be read as.
    body = b""
    for b in ("abcd", "abce", "ab@cd", "ab<cd>", "ab[cd]", "b" * 71, "abcd "):
        body += multipart([part("m", MARKER)], boundary=b)
    status, headers, data = send(server, "POST", "/echo/form", body, ctype.encode("latin-1"))
    assert_error_page(status, headers, data, 400)


TRUNCATED = [
    ("no_closing", lambda b: b[:-len("--%s--\r\n" % BOUNDARY)]),
    ("cut_in_data", lambda b: b[:b.index(b"tail")]),
    ("cut_in_headers", lambda b: b[:b.index(b"name=\"sau\"")]),
    ("closing_without_dashes", lambda b: b[:-4] + b"\r\n"),
    ("no_boundary_at_all", lambda b: b"just some text\r\n"),
]


@pytest.mark.parametrize("cut", [c for _, c in TRUNCATED], ids=[i for i, _ in TRUNCATED])
def test_truncated_multipart_400(server, cut):
    body = multipart([part("ho_ten", MARKER), part("sau", "tail")])
    assert_error_page(*post_multipart(server, cut(body)), 400)


MALFORMED_PARTS = [
    ("no_disposition", b"Content-Type: text/plain\r\n\r\nx"),
    ("no_headers", b"\r\nx"),
    ("no_blank_line", b"Content-Disposition: form-data; name=\"a\"\r\nx"),
    ("disposition_attachment", b"Content-Disposition: attachment; name=\"a\"\r\n\r\nx"),
    ("no_name", b"Content-Disposition: form-data; filename=\"a\"\r\n\r\nx"),
    ("two_names", b"Content-Disposition: form-data; name=a; name=b\r\n\r\nx"),
    ("two_dispositions", b"Content-Disposition: form-data; name=a\r\n"
                         b"Content-Disposition: form-data; name=b\r\n\r\nx"),
    ("folded_header", b"Content-Disposition: form-data;\r\n name=a\r\n\r\nx"),
    ("control_in_header", b"Content-Disposition: form-data; name=a\x01\r\n\r\nx"),
    ("empty_content_type", b"Content-Disposition: form-data; name=a\r\nContent-Type:\r\n\r\nx"),
    ("boundary_in_data", None),
]


@pytest.mark.parametrize("raw", [r for _, r in MALFORMED_PARTS],
                         ids=[i for i, _ in MALFORMED_PARTS])
def test_malformed_part_400(server, raw):
    if raw is None:
        body = multipart([part("a", MARKER + "\r\n--" + BOUNDARY + "X-not-a-delimiter")])
    else:
        body = multipart([part("ho_ten", MARKER), raw])
    assert_error_page(*post_multipart(server, body), 400)


BAD_PART_TEXT = [
    ("ff", b"\xff"),
    ("overlong", b"\xc0\xaf"),
    ("surrogate", b"\xed\xa0\x80"),
    ("truncated", b"\xe1\xbb"),
    ("nul", b"a\x00b"),
    ("control", b"a\x01b"),
]


@pytest.mark.parametrize("bad", [b for _, b in BAD_PART_TEXT], ids=[i for i, _ in BAD_PART_TEXT])
def test_invalid_utf8_in_multipart_text_field_400(server, bad):
    body = multipart([part("ho_ten", MARKER), part("ghi_chu", b"x" + bad + b"y")])
    assert_error_page(*post_multipart(server, body), 400)


@pytest.mark.parametrize("bad", [b for _, b in BAD_PART_TEXT[:3]],
                         ids=[i for i, _ in BAD_PART_TEXT[:3]])
def test_invalid_utf8_in_multipart_name_or_filename_400(server, bad):
    for disp in (b'form-data; name="x' + bad + b'"',
                 b'form-data; name="tep"; filename="a' + bad + b'.pdf"'):
        body = multipart([part("ho_ten", MARKER), part(None, b"data", disposition=disp)])
        assert_error_page(*post_multipart(server, body), 400)


def test_binary_file_content_is_not_utf8_checked(server):
    content = b"\xff\xfe\x00\xc0\xaf\xed\xa0\x80"
    body = multipart([part("tep", content, filename="raw.bin", ctype="application/octet-stream")])
    assert echoed(*post_multipart(server, body))["files"][0]["size"] == len(content)


def test_multipart_parts_at_limit_accepted(server):
    body = multipart([part("p", str(i)) for i in range(LIMIT_MULTIPART_PARTS)])
    got = fields_of(*post_multipart(server, body))
    assert len(got) == LIMIT_MULTIPART_PARTS and got[-1] == ("p", str(LIMIT_MULTIPART_PARTS - 1))


def test_too_many_multipart_parts_413(server):
    body = multipart([part("p", str(i)) for i in range(LIMIT_MULTIPART_PARTS + 1)])
    assert_error_page(*post_multipart(server, body), 413)
    files = [part("tep", b"x", filename="%d.txt" % i) for i in range(LIMIT_MULTIPART_PARTS + 1)]
    assert_error_page(*post_multipart(server, multipart(files), path="/echo/upload"), 413)


def padded_part(header_bytes):
    """A part whose header lines, each with its CRLF, take exactly 'header_bytes' bytes."""
    cd = b'Content-Disposition: form-data; name="a"\r\n'
    pad = b"X-Pad: "
    return cd + pad + b"p" * (header_bytes - len(cd) - len(pad) - 2) + b"\r\n" + b"\r\nvalue"


def test_part_header_block_at_limit_accepted(server):
    body = multipart([padded_part(LIMIT_MULTIPART_HEADER_BYTES)])
    assert fields_of(*post_multipart(server, body)) == [("a", "value")]


def test_part_header_block_over_limit_413(server):
    body = multipart([padded_part(LIMIT_MULTIPART_HEADER_BYTES + 1)])
    assert_error_page(*post_multipart(server, body), 413)
    body = multipart([part("a", "1", extra=b"X-Pad: " + b"p" * 100000 + b"\r\n")])
    assert_error_page(*post_multipart(server, body, path="/echo/upload"), 413)


def test_multipart_text_field_over_limit_413(server):
    ok = multipart([part("a", "v" * LIMIT_FIELD_VALUE_BYTES)])
    assert len(fields_of(*post_multipart(server, ok))[0][1]) == LIMIT_FIELD_VALUE_BYTES
    over = multipart([part("a", "v" * (LIMIT_FIELD_VALUE_BYTES + 1))])
    assert_error_page(*post_multipart(server, over), 413)


def test_multipart_body_over_form_limit_413_but_fine_on_upload(server):
    content = bytes(range(256)) * (2 * LIMIT_FORM_BODY_BYTES // 256)
    body = multipart([part("ho_ten", MARKER), part("tep", content, filename="lon.bin",
                                                    ctype="application/octet-stream")])
    assert_error_page(*post_multipart(server, body), 413)
    got = echoed(*post_multipart(server, body, path="/echo/upload"))
    assert got["files"] == [{"name": "tep", "filename": "lon.bin",
                             "type": "application/octet-stream", "size": len(content)}]


# ---- content types and methods ----

@pytest.mark.parametrize("ctype", [
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencodedx",
    "multipart/mixed; boundary=abcd",
    "",
    None,
])
def test_unsupported_content_type_400(server, ctype):
    body = ("a=%s" % quote(MARKER, safe="")).encode()
    status, headers, data = send(server, "POST", "/echo/form", body, ctype)
    assert_error_page(status, headers, data, 400)


def test_json_body_400(server):
    body = json.dumps({"a": MARKER}).encode()
    assert_error_page(*send(server, "POST", "/echo/form", body, "application/json"), 400)


def test_body_on_get_only_route_400(server):
    body = ("a=" + quote(MARKER, safe="")).encode()
    assert_error_page(*send(server, "GET", "/", body, URLENCODED), 400)
    assert_error_page(*send(server, "GET", "/healthz", body, URLENCODED), 400)


@pytest.mark.parametrize("path", ["/", "/healthz"])
def test_form_post_to_get_only_route_405(server, path):
    body = ("a=" + quote(MARKER, safe="")).encode()
    status, headers, data = send(server, "POST", path, body, URLENCODED)
    assert_error_page(status, headers, data, 405)
    assert "POST" not in headers.get("allow", ""), headers


@pytest.mark.parametrize("path", ["/echo/form", "/echo/upload"])
def test_get_on_form_route_405(server, path):
    status, headers, data = send(server, "GET", path)
    assert_error_page(status, headers, data, 405)
    assert [m.strip() for m in headers["allow"].split(",")] == ["POST"], headers


# ---- declared sizes ----

def headers_only(server, path, length):
    """Send only the head of a POST declaring 'length' bytes; returns (status, headers, body,
    seconds until the head of the answer came)."""
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
                   "boundary=abcd\r\nContent-Length: %d\r\n\r\n" % (path, length)).encode())
        started = time.monotonic()
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        elapsed = time.monotonic() - started
        assert b"\r\n\r\n" in buf, "no answer, read %r" % buf[:300]
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        want = int(headers.get("content-length", "0"))
        while len(body) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(lines[0].split()[1]), headers, body, elapsed
    finally:
        s.close()


@pytest.mark.parametrize("length", [LIMIT_BODY_BYTES + 1, 10 * LIMIT_BODY_BYTES, 2 ** 62])
def test_declared_body_over_64_mib_413_without_reading_it(server, length):
    status, headers, body, elapsed = headers_only(server, "/echo/upload", length)
    assert_error_page(status, headers, body, 413)
    assert elapsed < 3, "the 413 took %.1f s: the server waited for the body" % elapsed


def upload_of_size(total):
    """A multipart body of exactly 'total' bytes: one file part; returns (body, file size)."""
    empty = multipart([part("tep", b"", filename="lon.bin", ctype="application/octet-stream")])
    size = total - len(empty)
    return multipart([part("tep", b"z" * size, filename="lon.bin",
                           ctype="application/octet-stream")]), size


def test_upload_exactly_64_mib_accepted(server):
    body, size = upload_of_size(LIMIT_BODY_BYTES)
    assert len(body) == LIMIT_BODY_BYTES
    got = echoed(*post_multipart(server, body, path="/echo/upload"))
    assert got["files"] == [{"name": "tep", "filename": "lon.bin",
                             "type": "application/octet-stream", "size": size}]


def test_upload_one_byte_over_64_mib_413(server):
    body, _ = upload_of_size(LIMIT_BODY_BYTES + 1)
    assert_error_page(*post_multipart(server, body, path="/echo/upload"), 413)


def conversation(server, data, timeout=2.0):
    """Send 'data' on one keep-alive connection; returns (everything read, closed by server)."""
    s = socket.create_connection((server.host, server.port), timeout=timeout)
    buf = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return buf, True
            buf += chunk
    except socket.timeout:
        return buf, False
    finally:
        s.close()


def test_conflicting_content_lengths_never_smuggle(server):
    """RFC 9112 section 6.3: differing Content-Length values make the framing invalid.  h2o
    2.2.5 frames by the first and drops the header before motcua sees it, so motcua closes every
    connection that carried a body: the bytes after the first length are never read as a
    request of their own."""
    req = (b"POST /echo/form HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: " + URLENCODED.encode() + b"\r\nContent-Length: 3\r\n"
           b"Content-Length: 44\r\n\r\na=1GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data, closed = conversation(server, req)
    answers = [line for line in data.split(b"\r\n") if b"HTTP/1.1 " in line]
    assert len(answers) == 1, "a request smuggled behind the first length was served: %r" % answers
    assert closed, "the connection stayed open after a request with a body"


def test_content_length_with_chunked_closes_connection(server):
    """RFC 9112 section 6.1: a request with both Transfer-Encoding and Content-Length may be
    refused or read as chunked, but either way the server must close the connection after
    answering, so a request pipelined behind it is never served."""
    req = (b"POST /echo/form HTTP/1.1\r\nHost: x\r\n"
           b"Content-Type: " + URLENCODED.encode() + b"\r\nContent-Length: 3\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n"
           b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data, closed = conversation(server, req)
    answers = [line for line in data.split(b"\r\n") if b"HTTP/1.1 " in line]
    assert len(answers) == 1, "the request pipelined after CL+TE was served: %r" % answers
    assert closed, "the connection stayed open after a CL+TE request"


# ---- chunked transfer-encoding ----

def test_chunked_urlencoded_body(server):
    chunks = [b"ho_ten=Nguy", b"%E1%BB%85n+V", b"%C4%83n&a=", b"1", b"&a=2"]
    got = fields_of(*send(server, "POST", "/echo/form", content_type=URLENCODED, chunks=chunks))
    assert got == [("ho_ten", "Nguyễn Văn"), ("a", "1"), ("a", "2")]


def test_chunked_multipart_body(server):
    body = multipart([part("a", "1"), part("tep", b"\r\n--x\r\n", filename="t.bin")])
    chunks = [body[i:i + 7] for i in range(0, len(body), 7)]
    got = echoed(*post_multipart(server, b"", chunks=chunks))
    assert got["fields"] == [["a", "1"]] and got["files"][0]["size"] == 7


def test_chunked_body_over_form_limit_413(server):
    chunks = [b"a=" + b"x" * 1000] + [b"x" * 65536] * 17
    assert_error_page(*send(server, "POST", "/echo/form", content_type=URLENCODED,
                            chunks=chunks), 413)


def test_chunked_invalid_utf8_400(server):
    chunks = [b"m=" + quote(MARKER, safe="").encode(), b"&x=%", b"FF"]
    assert_error_page(*send(server, "POST", "/echo/form", content_type=URLENCODED,
                            chunks=chunks), 400)


BROKEN_CHUNKED = [
    ("bad_size", b"zz\r\na=1\r\n0\r\n\r\n"),
    ("data_longer_than_size", b"3\r\na=123456\r\n0\r\n\r\n"),
    ("negative_size", b"-3\r\na=1\r\n0\r\n\r\n"),
    ("size_overflow", b"ffffffffffffffffffff\r\na=1\r\n0\r\n\r\n"),
]


@pytest.mark.parametrize("raw", [r for _, r in BROKEN_CHUNKED], ids=[i for i, _ in BROKEN_CHUNKED])
def test_broken_chunked_400(server, raw):
    req = (b"POST /echo/form HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Type: " + URLENCODED.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
           + raw)
    status, headers, body, everything = raw_request(server.host, server.port, req, timeout=5)
    assert status is not None, "closed without an answer: %r" % everything[:200]
    assert_error_page(status, headers, body, 400)


# ---- afterwards ----

def test_server_stays_up_after_hostile_requests(server):
    assert server.proc is not None and server.proc.poll() is None, server.stderr()
    assert_alive(server)
    assert fields_of(*post_form(server, "a=1")) == [("a", "1")]
    assert "AddressSanitizer" not in server.stderr() and "runtime error" not in server.stderr()
