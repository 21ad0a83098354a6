"""Mail the SMTP server refuses for good: given up at once (no retries), kept, and listed for
administrators by `motcua mail-failed` with the server's answer."""
import time

import pytest

from accounts_helpers import Servers, account_status, register_ok
from motcua_server import free_port

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class Refuser:
    """An SMTP server that refuses every recipient with a permanent 550."""

    def __init__(self):
        self.rcpts = 0
        self.data = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        return "550 5.1.1 No such mailbox here"

    async def handle_DATA(self, server, session, envelope):
        self.data += 1
        return "250 OK"


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


def failed_rows(srv):
    r = srv.cli("mail-failed")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["id", "failed_at", "recipient"], lines[0]
    return [line.split("\t") for line in lines[1:]]


def test_permanent_refusal_is_listed_once_and_not_retried(servers):
    handler = Refuser()
    ctrl = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=free_port())
    ctrl.start()
    try:
        srv = servers.start(args=["--smtp", "smtp://127.0.0.1:%d" % ctrl.port])
        assert failed_rows(srv) == []
        data = register_ok(srv)
        deadline = time.monotonic() + 15
        while handler.rcpts == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert handler.rcpts == 1, "the refused mail was tried %d times" % handler.rcpts
        rows = []
        while not rows and time.monotonic() < deadline:
            rows = failed_rows(srv)
            time.sleep(0.1)
        assert len(rows) == 1, rows
        assert rows[0][2] == data["email"]
        assert "550" in rows[0][5], rows[0]
        # Even a day later (a restart with the clock moved on) it is not sent again.
        srv = servers.restart(srv, args=["--smtp", "smtp://127.0.0.1:%d" % ctrl.port,
                                         "--clock-offset", str(26 * 3600)])
        time.sleep(2)
        assert handler.rcpts == 1 and handler.data == 0
        assert len(failed_rows(srv)) == 1
        # The account itself was saved: mail trouble never loses what the citizen typed.
        assert account_status(srv, data["email"]) == "inactive"
    finally:
        ctrl.stop()
