"""The access log: one JSON line per request on stdout, never the query string."""
import http.client
import json
import re
import time

from motcua_server import MARKER, READY_RE, raw_request

FIELDS = {"time", "id", "method", "path", "status", "bytes", "us"}
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
SECRET = "matkhau-bi-mat-123"


def send(srv, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        if body is not None:
            hdrs["Content-Length"] = str(len(body))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("x-request-id"), len(data)
    finally:
        conn.close()


def parse_log(srv):
    """The access-log entries, less those of the start-up /healthz probes."""
    out = srv.stdout().splitlines()
    assert out and READY_RE.match(out[0]), "first stdout line is not the ready line: %r" % out[:1]
    entries = []
    for line in out[1:]:
        entry = json.loads(line)  # every line must be one JSON object
        assert isinstance(entry, dict), line
        if entry.get("id") not in srv.probe_ids:
            entries.append(entry)
    return entries


def test_one_line_per_request_with_every_field(start_server):
    srv = start_server()
    sent = [
        ("GET", "/", None),
        ("GET", "/?q=" + SECRET + "&token=" + SECRET, None),
        ("HEAD", "/", None),
        ("GET", "/healthz", None),
        ("GET", "/static/css/motcua.css?v=" + SECRET, None),
        ("GET", "/khong-co?x=" + SECRET, None),
        ("DELETE", "/?x=" + SECRET, None),
        ("POST", "/healthz?y=" + SECRET, b"a=" + SECRET.encode()),
        ("GET", "/static/%2e%2e/etc/passwd", None),
    ]
    answers = [send(srv, m, p, b) for m, p, b in sent]
    assert srv.stop() == 0
    entries = parse_log(srv)
    assert len(entries) == len(sent), "\n".join(json.dumps(e) for e in entries)
    by_id = {e["id"]: e for e in entries}
    assert len(by_id) == len(entries), "request ids repeat"
    for (method, path, _), (status, rid, nbytes) in zip(sent, answers):
        assert rid in by_id, "no log line for %s %s (id %s)" % (method, path, rid)
        e = by_id[rid]
        assert set(e) == FIELDS, sorted(e)
        assert e["method"] == method
        assert e["path"] == path.split("?")[0]
        assert e["status"] == status
        assert isinstance(e["bytes"], int) and e["bytes"] >= 0
        if method != "HEAD":
            assert e["bytes"] >= nbytes, (e, nbytes)
        assert isinstance(e["us"], int) and 0 <= e["us"] < 10_000_000
        assert TIME_RE.match(e["time"]), e["time"]
    assert SECRET not in srv.stdout()
    assert SECRET not in srv.stderr()


def test_query_and_body_never_reach_the_log(start_server):
    srv = start_server()
    send(srv, "GET", "/?password=" + SECRET)
    send(srv, "GET", "/healthz?" + SECRET)
    send(srv, "GET", "/", body=SECRET.encode(), headers={"Content-Type": "text/plain"})
    send(srv, "GET", "/", headers={"Cookie": "sid=" + SECRET, "Authorization": "Basic " + SECRET,
                                   "Referer": "http://x/?" + SECRET, "User-Agent": SECRET})
    assert srv.stop() == 0
    assert SECRET not in srv.stdout()
    assert SECRET not in srv.stderr()


def test_log_is_written_while_serving(start_server):
    """Lines reach stdout within a second or so, not only at shut-down (tail -f, journald)."""
    srv = start_server()
    _, rid, _ = send(srv, "GET", "/healthz")
    deadline = time.monotonic() + 3
    while rid not in srv.stdout():
        assert time.monotonic() < deadline, "the log line for %s was not written" % rid
        time.sleep(0.05)


def test_awkward_paths_stay_valid_json(start_server):
    srv = start_server()
    paths = [b'/a"b', b"/a\\b", b"/x%00y", b"/\xff\xfe", b"/ti\xe1\xba\xbfng-vi\xe1\xbb\x87t",
             b"/" + MARKER.replace(" ", "").encode(), b"/" + b"a" * 3000]
    ids = []
    for p in paths:
        status, headers, _, raw = raw_request(
            srv.host, srv.port, b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status is not None, raw[:200]
        ids.append(headers.get("x-request-id"))
    assert srv.stop() == 0
    entries = {e["id"]: e for e in parse_log(srv)}
    for p, rid in zip(paths, ids):
        if rid is None:
            continue  # refused before routing (4xx without our headers): nothing to log
        e = entries[rid]
        if len(p) < 512 and b"\xff" not in p:
            assert e["path"] == p.decode("utf-8"), (e["path"], p)
        assert e["status"] == 404


def test_concurrent_requests_do_not_interleave_lines(start_server):
    import threading
    srv = start_server(threads=4)
    n_threads, n_each = 8, 100

    def worker():
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        for i in range(n_each):
            conn.request("GET", "/static/css/motcua.css" if i % 2 else "/healthz")
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert srv.stop() == 0
    entries = parse_log(srv)
    assert len(entries) == n_threads * n_each
    assert all(e["status"] == 200 for e in entries)
