"""Graceful shut-down: SIGTERM/SIGINT stop accepting, finish what is in flight (at most 4 s),
exit 0, and never cut a response short."""
import http.client
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from motcua_server import READY_RE, binary, clean_env, free_port, http_get

PATHS = ["/", "/healthz", "/static/vendor/bootstrap5/css/bootstrap.min.css",
         "/static/css/motcua.css", "/khong-co"]
EXPECTED_STATUS = {"/khong-co": 404}
GONE = (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
        http.client.RemoteDisconnected, socket.timeout, TimeoutError)


class Load:
    """wrk-like load: 'n' threads, each with a keep-alive http.client connection, asking for
    PATHS in turn.  Every answer received is checked to be complete."""

    def __init__(self, srv, n=6):
        self.srv = srv
        self.stop = threading.Event()
        self.sigterm_at = None  # monotonic time of the SIGTERM
        self.lock = threading.Lock()
        self.complete = 0
        self.ids = []
        self.problems = []        # incomplete or wrong answers: always a failure
        self.early_errors = []    # connection errors before SIGTERM: a failure
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(n)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)

    def run(self, index):
        conn = None
        i = index
        while not self.stop.is_set():
            path = PATHS[i % len(PATHS)]
            i += 1
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.srv.host, self.srv.port, timeout=10)
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()  # IncompleteRead if the body is shorter than Content-Length
                length = r.getheader("content-length")
                problem = None
                if r.status != EXPECTED_STATUS.get(path, 200):
                    problem = "status %d" % r.status
                elif length is None or int(length) != len(body):
                    problem = "Content-Length %s, body %d bytes" % (length, len(body))
                elif path == "/" and not body.rstrip().endswith(b"</html>"):
                    problem = "home page cut short"
                with self.lock:
                    if problem:
                        self.problems.append((path, problem))
                    else:
                        self.complete += 1
                        self.ids.append(r.getheader("x-request-id"))
                if r.will_close:
                    conn.close()
                    conn = None
            except http.client.IncompleteRead as e:
                with self.lock:
                    self.problems.append((path, "incomplete body: %d bytes read, %s more expected"
                                          % (len(e.partial), e.expected)))
                conn = self._drop(conn)
            except GONE + (OSError, http.client.HTTPException) as e:
                with self.lock:
                    if self.sigterm_at is None:
                        self.early_errors.append((path, repr(e)))
                conn = self._drop(conn)
                if self.sigterm_at is not None:
                    time.sleep(0.01)  # the server is going: do not spin
        if conn is not None:
            conn.close()

    @staticmethod
    def _drop(conn):
        if conn is not None:
            conn.close()
        return None


def wait_exit(srv, timeout):
    """Wait for the server to exit by itself; kill it after 'timeout'.  Returns (exit code or
    None when it had to be killed, seconds waited).  The fixture has nothing left to stop."""
    started = time.monotonic()
    try:
        rc = srv.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - started
    srv.stop(signal.SIGKILL)
    return rc, took


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_under_load_exits_0_and_no_response_is_cut(start_server, sig):
    srv = start_server(threads=2, demo=True)
    load = Load(srv, n=6)
    load.start()
    time.sleep(1.5)
    with load.lock:
        before = load.complete
        load.sigterm_at = time.monotonic()
    srv.send_signal(sig)
    rc, took = wait_exit(srv, 5)
    load.join()
    assert rc == 0 and took <= 5, "exit %r after %.1f s; stderr:\n%s" % (rc, took, srv.stderr())
    assert before > 50, "the load made only %d requests before the signal" % before
    assert not load.early_errors, load.early_errors[:5]
    assert not load.problems, load.problems[:5]
    # Every answered request was logged: nothing is lost from the access log at shut-down.
    logged = srv.stdout()
    missing = [rid for rid in load.ids if rid not in logged]
    assert not missing, "%d answered requests have no log line, e.g. %s" % (len(missing),
                                                                            missing[:3])


def test_port_is_closed_after_exit(start_server):
    srv = start_server()
    host, port = srv.host, srv.port
    assert srv.stop() == 0
    with pytest.raises(ConnectionRefusedError):
        http_get(host, port, "/healthz", timeout=2)


def test_idle_keep_alive_connection_does_not_delay_exit(start_server):
    srv = start_server()
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", "/healthz")
    assert conn.getresponse().read()
    srv.send_signal(signal.SIGTERM)
    rc, took = wait_exit(srv, 5)
    conn.close()
    assert rc == 0, srv.stderr()
    assert took < 2, "an idle keep-alive connection held the exit for %.1f s" % took


def test_half_sent_request_does_not_hold_exit_past_the_deadline(start_server):
    srv = start_server()
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the blank line never comes
    time.sleep(0.2)
    srv.send_signal(signal.SIGTERM)
    rc, took = wait_exit(srv, 5)
    s.close()
    assert rc == 0 and took <= 5, "exit %r after %.1f s" % (rc, took)


def stuck_client(srv):
    """A connection whose responses stay in flight: it asks for a big file many times and
    never reads, so the server's writes stop at a full socket buffer."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((srv.host, srv.port))
    req = b"GET /static/vendor/bootstrap5/css/bootstrap.min.css HTTP/1.1\r\nHost: x\r\n\r\n"
    s.sendall(req * 40)
    time.sleep(0.3)
    return s


def test_client_that_never_reads_does_not_hold_exit_past_the_deadline(start_server):
    """A response stuck behind a full socket buffer is abandoned after the 4 s drain."""
    srv = start_server()
    s = stuck_client(srv)
    srv.send_signal(signal.SIGTERM)
    rc, took = wait_exit(srv, 6)
    s.close()
    assert rc == 0 and took <= 5.5, "exit %r after %.1f s" % (rc, took)


def test_sigterm_right_after_the_ready_line(tmp_path):
    """The signal may come as soon as 'serving' is printed (a supervisor restarting at once):
    it must still be a clean exit 0, never a death by SIGTERM."""
    data = str(tmp_path / "d")
    for attempt in range(10):
        out = tmp_path / ("out%d" % attempt)
        port = free_port()
        with open(out, "wb") as fo, open(os.devnull, "wb") as fe:
            p = subprocess.Popen([binary(), "--data", data, "--listen", "127.0.0.1:%d" % port,
                                  "--threads", "4", "serve"], env=clean_env(),
                                 stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
            deadline = time.monotonic() + 10
            while not READY_RE.match(out.read_text().split("\n")[0]):
                assert p.poll() is None and time.monotonic() < deadline, "no ready line"
                time.sleep(0.001)
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = "hung"
        assert rc == 0, "attempt %d: exit %r (-15 = killed by SIGTERM)" % (attempt, rc)


def test_second_signal_during_drain_is_not_fatal(start_server):
    """A second SIGTERM or Ctrl+C while draining (impatient operator, systemd) still ends in a
    clean exit, never a death by signal."""
    srv = start_server()
    s = stuck_client(srv)  # keeps the drain busy for its 4 s
    srv.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert srv.proc.poll() is None, "the drain did not wait for the response in flight"
    srv.send_signal(signal.SIGINT)
    rc, took = wait_exit(srv, 6)
    s.close()
    assert rc == 0 and took <= 5.5, "exit %r after %.1f s" % (rc, took)


def test_new_connections_are_refused_while_draining(start_server):
    srv = start_server()
    s = stuck_client(srv)  # holds the drain open
    srv.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    try:
        assert srv.proc.poll() is None, "the drain did not wait for the response in flight"
        try:
            status, _, _ = http_get(srv.host, srv.port, "/healthz", timeout=2)
            pytest.fail("a new connection was served (%d) after SIGTERM" % status)
        except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected,
                socket.timeout):
            pass
    finally:
        s.close()
    rc, _ = wait_exit(srv, 6)
    assert rc == 0
