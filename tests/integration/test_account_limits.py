"""Rate limits per client address on the requests that send mail (resend, reset): an address
that asks too often waits (429), whatever e-mail it types, so the answer still reveals
nothing about which addresses have accounts."""
import pytest

from accounts_helpers import Servers, assert_vietnamese_page, new_session, post_form, unique_email


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.close()


@pytest.mark.parametrize("path", ["/activate/resend", "/password/forgot"])
def test_mail_requests_limited_per_address(servers, path):
    srv = servers.start()
    s = new_session()
    statuses = [post_form(srv, s, path, {"email": unique_email()}).status_code
                for _ in range(30)]
    assert statuses[:29] == [200] * 29, statuses
    assert statuses[29] == 429, statuses
    r = post_form(srv, s, path, {"email": unique_email()})
    assert r.status_code == 429
    assert_vietnamese_page(r)
    # Both forms draw on the same per-address allowance: switching forms does not reset it.
    other = "/password/forgot" if path == "/activate/resend" else "/activate/resend"
    assert post_form(srv, s, other, {"email": unique_email()}).status_code == 429
    # An hour later the address may ask again.
    srv = servers.restart(srv, args=["--clock-offset", str(2 * 3600)])
    s = new_session()
    assert post_form(srv, s, path, {"email": unique_email()}).status_code == 200
