"""Kept pages and kept sessions: the lookup result page is sent again byte for byte while
nothing is committed to the database, and the session check reads its row from the
connection's memo.  Every test here changes the database from another process (this one, with
sqlite3) right after a page was kept, and checks that the very next request shows the change.
"""
import pytest

from accounts_helpers import soup_of
from admin_helpers import admin_site, location, page_text  # noqa: F401
from test_dossier_lookup import facts, lookup, make_dossier, new_citizen, new_receipt

# The result page's "Trạng thái" fact for the statuses used below.
STATUS = {"supplement": "Yêu cầu bổ sung", "pending": "Chờ tiếp nhận"}


def status_fact(r):
    f = facts(r)
    return next(v for k, v in f.items() if k.startswith("Trạng thái"))


def kept_twice(site, s, receipt):
    """Look the dossier up twice; the second answer is the kept page, identical to the first."""
    first = lookup(site, s, receipt)
    assert first.status_code == 200, page_text(first)[:400]
    second = lookup(site, s, receipt)
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers.get("cache-control") == first.headers.get("cache-control") == "no-store"
    return first


def test_a_status_change_shows_on_the_next_request(admin_site):
    site = admin_site
    s, aid, cid = new_citizen(site)
    receipt = new_receipt()
    did = make_dossier(site, receipt=receipt, owner=aid, channel="online", applicant_cid=cid)
    r = kept_twice(site, s, receipt)
    assert STATUS["supplement"] in status_fact(r)
    site.execute("UPDATE dossiers SET status = 'pending' WHERE id = ?", (did,))
    r = lookup(site, s, receipt)
    assert r.status_code == 200
    assert STATUS["pending"] in status_fact(r), status_fact(r)
    # and the new page is kept in turn
    assert lookup(site, s, receipt).content == r.content


def test_a_renamed_account_shows_its_new_name_at_once(admin_site):
    site = admin_site
    s, aid, cid = new_citizen(site, name="Lê Thị Cúc")
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, owner=aid, channel="online", applicant_cid=cid)
    r = kept_twice(site, s, receipt)
    assert "Lê Thị Cúc" in soup_of(r).select_one(".site-nav").get_text()
    site.execute("UPDATE accounts SET full_name = 'Lê Thị Cúc Hoa' WHERE id = ?", (aid,))
    r = lookup(site, s, receipt)
    assert "Lê Thị Cúc Hoa" in soup_of(r).select_one(".site-nav").get_text()


@pytest.mark.parametrize("change", [
    "DELETE FROM sessions WHERE account_id = ?",
    "UPDATE accounts SET status = 'disabled' WHERE id = ?",
])
def test_an_ended_session_or_disabled_account_is_logged_out_at_once(admin_site, change):
    site = admin_site
    s, aid, cid = new_citizen(site)
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, owner=aid, channel="online", applicant_cid=cid)
    kept_twice(site, s, receipt)
    site.execute(change, (aid,))
    r = lookup(site, s, receipt)
    assert r.status_code == 303 and location(r) == "/login"


def test_pages_are_kept_per_session(admin_site):
    site = admin_site
    s1, aid, cid = new_citizen(site)
    email = site.one("SELECT email FROM accounts WHERE id = ?", (aid,))
    s2 = site.login(email)
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, owner=aid, channel="online", applicant_cid=cid)
    p1 = kept_twice(site, s1, receipt)
    p2 = kept_twice(site, s2, receipt)
    tokens = [soup_of(p).find("input", attrs={"name": "csrf_token"}) for p in (p1, p2)]
    assert all(t is not None for t in tokens)
    assert tokens[0]["value"] != tokens[1]["value"], "another session's CSRF token was sent"
    # a stranger looking up the same dossier gets the stranger's view, never the owner's page
    stranger, _, _ = new_citizen(site)
    r = lookup(site, stranger, receipt)
    assert r.status_code == 200
    assert r.content != p1.content
    assert "Trần Thị Bí Mật" not in page_text(r)


def test_head_gets_the_kept_page_headers_without_a_body(admin_site):
    site = admin_site
    s, aid, cid = new_citizen(site)
    receipt = new_receipt()
    make_dossier(site, receipt=receipt, owner=aid, channel="online", applicant_cid=cid)
    r = kept_twice(site, s, receipt)
    url = r.url
    h = s.head(url, allow_redirects=False, timeout=10)
    assert h.status_code == 200
    assert h.content == b""
    assert int(h.headers["content-length"]) == len(r.content)
