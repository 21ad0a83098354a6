"""Start and stop the real motcua binary for black-box tests.

Used by tests/integration and tests/browser.  Only the Python standard library: the tests
run with Debian's /usr/bin/python3 and its python3-* packages.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_PORTAL_NAME = "Cổng Dịch vụ công tỉnh Thanh Hóa (bản trình diễn)"
READY_RE = re.compile(r"^motcua: serving \S+ on http://(\S+) \((\d+) threads?\)$")


def binary():
    """The motcua executable: $MOTCUA_BIN, else build/motcua in the repository."""
    path = os.environ.get("MOTCUA_BIN") or os.path.join(REPO_ROOT, "build", "motcua")
    return os.path.abspath(path)


def clean_env(extra=None):
    """The environment for a motcua child: ours without any MOTCUA_* variable (motcua refuses
    names it does not know, and MOTCUA_BIN is one of those), plus 'extra'."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(extra or {})
    return env


def run_cli(args, env=None, timeout=30, cwd=None):
    """Run 'motcua ARGS' to completion; returns the CompletedProcess (text mode)."""
    return subprocess.run([binary()] + list(args), env=clean_env(env), cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(host, port, path, timeout=5.0, method="GET", headers=None):
    """One request on a fresh connection; returns (status, headers dict lower-cased, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


class MotcuaServer:
    """One 'motcua serve' process on 127.0.0.1 with its own data folder.

    stdout (the access log) and stderr go to files in 'workdir', so tests can read them
    while the server runs and after it stopped.
    """

    def __init__(self, workdir, data=None, threads=2, port=None, use_env=False):
        self.workdir = workdir
        self.data = data or os.path.join(workdir, "data")
        self.threads = threads
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.use_env = use_env
        self.stdout_path = os.path.join(workdir, "stdout.log")
        self.stderr_path = os.path.join(workdir, "stderr.log")
        self.proc = None
        self.returncode = None
        self.probe_ids = set()  # X-Request-Id of the /healthz probes made while starting

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def cli(self, *args, timeout=30):
        """Run another command (migrate, demo ...) on the same data folder."""
        return run_cli(["--data", self.data] + list(args), timeout=timeout)

    def start(self, timeout=10.0):
        listen = "%s:%d" % (self.host, self.port)
        if self.use_env:
            args, env = ["serve"], {"MOTCUA_DATA": self.data, "MOTCUA_LISTEN": listen,
                                    "MOTCUA_THREADS": str(self.threads)}
        else:
            args, env = ["--data", self.data, "--listen", listen, "--threads",
                         str(self.threads), "serve"], None
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen([binary()] + args, env=clean_env(env),
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err)
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("motcua serve exited with %d before answering; stderr:\n%s"
                                   % (self.proc.returncode, self.stderr()))
            try:
                status, headers, body = http_get(self.host, self.port, "/healthz", timeout=1.0)
                self.probe_ids.add(headers.get("x-request-id"))
                if status == 200:
                    return
                last = "status %d: %r" % (status, body[:200])
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise RuntimeError("motcua serve did not answer /healthz within %.0f s (%s); stderr:\n%s"
                           % (timeout, last, self.stderr()))

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Send 'sig' and wait; returns the exit code (kills the process after 'timeout')."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = "killed after %.0f s" % timeout
                self._close()
                return self.returncode
        self.returncode = self.proc.returncode
        self._close()
        return self.returncode

    def _close(self):
        self._out.close()
        self._err.close()
        self.proc = None

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")



def new_server(workdir, demo=False, **kw):
    """A started server; with demo=True 'motcua demo' runs first on its data folder."""
    srv = MotcuaServer(workdir, **kw)
    if demo:
        r = srv.cli("demo")
        if r.returncode != 0:
            raise RuntimeError("motcua demo failed (%d): %s" % (r.returncode, r.stderr))
    return srv.start()


def raw_request(host, port, data, timeout=5.0, read_body=True):
    """Send raw bytes, return (status or None, headers dict, body bytes, everything read).

    Reads one response: its head, then Content-Length bytes of body (or until the server
    closes).  status is None when the server closed without answering."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        buf = b""
        while b"\r\n\r\n" not in buf:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
        if b"\r\n\r\n" not in buf:
            return None, {}, b"", buf
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        status = int(m.group(1)) if m else None
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
        if read_body:
            want = int(headers.get("content-length", "-1"))
            while want < 0 or len(body) < want:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                body += chunk
            if want >= 0:
                body = body[:want]
        return status, headers, body, buf
    finally:
        s.close()


# ---- what every test checks the same way ----

MARKER = "<script>xss-marker</script>"
MARKER_WORD = "xss-marker"

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy",
                    "x-request-id")


def assert_security_headers(headers):
    """The headers every response carries, errors included.  'headers': lower-cased dict."""
    h = {k.lower(): v for k, v in headers.items()}
    missing = [name for name in SECURITY_HEADERS if name not in h]
    assert not missing, "missing security headers %s in %s" % (missing, h)
    csp = h["content-security-policy"]
    assert "'unsafe-inline'" not in csp, csp
    assert "frame-ancestors 'none'" in csp, csp
    assert h["x-content-type-options"].lower() == "nosniff"
    assert h["referrer-policy"].strip() != ""
    assert h["x-request-id"].strip() != ""


ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    413: "Dữ liệu gửi lên quá lớn",
    429: "Quá nhiều yêu cầu",
}


def assert_error_page(status, headers, body, want, marker=MARKER_WORD):
    """A fixed Vietnamese HTML error page with the security headers, echoing nothing."""
    from bs4 import BeautifulSoup
    assert status == want, "status %s, wanted %d; body %r" % (status, want, body[:300])
    assert headers.get("content-type", "").lower().startswith("text/html"), headers
    text = body.decode("utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert soup.html is not None and soup.html.get("lang") == "vi", text[:300]
    assert ERROR_TITLES[want] in text, "no Vietnamese title %r in %r" % (ERROR_TITLES[want],
                                                                         text[:500])
    assert marker not in text, "the error page echoes the request"
    assert marker not in " ".join("%s: %s" % kv for kv in headers.items())
    assert_security_headers(headers)
