"""The mail motcua sends: over SMTP to an aiosmtpd server (Debian's python3-aiosmtpd), or into
<data>/mail/new/ when no --smtp is set; valid MIME, delivered exactly once, retried when the
SMTP server was down."""
import email.utils
import re
import socket
import time

import pytest
import requests

from accounts_helpers import (ACTIVATED_RE, NOT_ACTIVE_RE, TIMEOUT, TOKEN_RE, Servers,
                              SmtpCollector, account_status, citizen, links, login,
                              maildir_files, parse_mail, register_ok, text_of, token_of,
                              wait_mail)
from motcua_server import free_port

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

MAIL_FROM = "no-reply@dichvucong.thanhhoa.example.vn"
VIET = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]", re.I)


@pytest.fixture
def smtp():
    started = []

    def start(port=None):
        c = aiosmtpd_controller.Controller(SmtpCollector(), hostname="127.0.0.1",
                                           port=port or free_port())
        c.start()
        started.append(c)
        return c

    yield start
    for c in started:
        c.stop()


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


def wait_envelopes(ctrl, n=1, timeout=15.0):
    deadline = time.monotonic() + timeout
    while len(ctrl.handler.envelopes) < n:
        if time.monotonic() > deadline:
            raise AssertionError("%d message(s) over SMTP within %.0f s, wanted %d"
                                 % (len(ctrl.handler.envelopes), timeout, n))
        time.sleep(0.1)
    return ctrl.handler.envelopes


def check_mime(raw, to, base_url, mail_from=None):
    """A valid activation mail for 'to'; returns its activation link."""
    head, sep, _ = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, _ = raw.partition(b"\n\n")
    assert sep, "no blank line after the header"
    try:
        head.decode("ascii")
    except UnicodeDecodeError:
        raise AssertionError("8-bit bytes in the header (not RFC 2047 encoded): %r" % head[:600])
    long_lines = [line[:80] for line in raw.splitlines() if len(line) > 998]
    assert not long_lines, "lines over 998 bytes: %r" % long_lines
    msg = parse_mail(raw)
    assert msg.defects == [], msg.defects
    subject = str(msg["Subject"])
    assert VIET.search(subject), "the Subject is not Vietnamese: %r" % subject
    assert msg["MIME-Version"] is not None and str(msg["MIME-Version"]).strip() == "1.0"
    assert msg["Date"] is not None and email.utils.parsedate_to_datetime(str(msg["Date"]))
    assert re.fullmatch(r"\s*<[^<>@\s]+@[^<>@\s]+>\s*", str(msg["Message-ID"] or "")), \
        msg["Message-ID"]
    assert to.lower() in [a.lower() for _, a in email.utils.getaddresses([str(msg["To"])])]
    from_addrs = email.utils.getaddresses([str(msg["From"])])
    assert from_addrs and "@" in from_addrs[0][1], msg["From"]
    if mail_from:
        assert from_addrs[0][1] == mail_from, msg["From"]
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    kinds = [p.get_content_type() for p in msg.iter_parts()]
    assert kinds == ["text/plain", "text/html"], kinds
    for p in msg.iter_parts():
        assert p.get_content_charset() in ("utf-8", "us-ascii"), p.get_content_charset()
        assert p.defects == [], p.defects
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert VIET.search(text) and VIET.search(html)
    found = links(msg, "/activate")
    assert len(set(found)) == 1, found
    link = found[0]
    assert link.startswith(base_url.rstrip("/") + "/activate?token="), link
    assert TOKEN_RE.match(token_of(link)), link
    assert ('href="%s"' % link.replace("&", "&amp;")) in html or ('href="%s"' % link) in html, \
        "the HTML part does not link to %s" % link
    return link


def test_activation_mail_over_smtp_exactly_once(servers, smtp):
    ctrl = smtp()
    srv = servers.start(args=["--smtp", "smtp://127.0.0.1:%d" % ctrl.port,
                              "--mail-from", MAIL_FROM])
    data = register_ok(srv)
    envs = wait_envelopes(ctrl)
    env = envs[0]
    assert env.rcpt_tos == [data["email"]], env.rcpt_tos
    assert env.mail_from == MAIL_FROM, env.mail_from
    link = check_mime(env.content, data["email"], srv.url, MAIL_FROM)
    time.sleep(3)
    srv = servers.restart(srv)  # the start-up pass must not send it again
    time.sleep(3)
    assert len(ctrl.handler.envelopes) == 1, "the mail was sent %d times" % len(
        ctrl.handler.envelopes)
    assert maildir_files(srv) == [], "also written to the Maildir while --smtp is set"
    r = requests.get(link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r)), text_of(r)[:300]
    assert account_status(srv, data["email"]) == "active"


def test_smtp_settings_from_environment(servers, smtp):
    ctrl = smtp()
    srv = servers.start(env={"MOTCUA_SMTP_URL": "smtp://127.0.0.1:%d" % ctrl.port,
                             "MOTCUA_MAIL_FROM": MAIL_FROM})
    data = register_ok(srv)
    env = wait_envelopes(ctrl)[0]
    assert env.rcpt_tos == [data["email"]]
    check_mime(env.content, data["email"], srv.url, MAIL_FROM)


def test_smtp_down_then_delivered_once(servers, smtp):
    port = free_port()
    with socket.socket() as probe:  # nothing listens there
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    args = ["--smtp", "smtp://127.0.0.1:%d" % port]
    srv = servers.start(args=args)
    data = register_ok(srv)
    assert account_status(srv, data["email"]) == "inactive", "the account was not saved"
    s, r = login(srv, data["email"], data["password"])
    assert r.status_code != 303 and NOT_ACTIVE_RE.search(text_of(r)), text_of(r)[:300]
    time.sleep(2)  # let the first attempt fail
    assert srv.proc.poll() is None, "motcua died while the SMTP server was down"
    ctrl = smtp(port)
    srv = servers.restart(srv, args=args + ["--clock-offset", "120"])
    envs = wait_envelopes(ctrl, timeout=30)
    time.sleep(5)
    assert len(envs) == 1, "delivered %d times" % len(envs)
    assert envs[0].rcpt_tos == [data["email"]]
    link = check_mime(envs[0].content, data["email"], srv.url)
    assert maildir_files(srv) == []
    r = requests.get(link, timeout=TIMEOUT)
    assert ACTIVATED_RE.search(text_of(r))
    assert account_status(srv, data["email"]) == "active"


def test_maildir_without_smtp(servers):
    srv = servers.start()
    data = register_ok(srv)
    f, msg, link = wait_mail(srv, data["email"], "/activate")
    with open(f, "rb") as fh:
        check_mime(fh.read(), data["email"], srv.url)
    time.sleep(2)
    srv = servers.restart(srv)
    time.sleep(2)
    assert maildir_files(srv) == [f], "written again: %r" % maildir_files(srv)


def test_links_use_the_base_url(servers):
    base = "https://dichvucong.thanhhoa.example.vn"
    srv = servers.start(args=["--base-url", base])
    data = citizen()
    register_ok(srv, data)
    f, msg, link = wait_mail(srv, data["email"], "/activate")
    assert link.startswith(base + "/activate?token="), link
    with open(f, "rb") as fh:
        check_mime(fh.read(), data["email"], base)
