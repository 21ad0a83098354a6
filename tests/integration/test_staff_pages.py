"""Staff pages' details: who the reception slip names, and ids in the query and the forms that
must be whole numbers; against the real binary on demo data (the dossiers of test_backoffice:
1.000656 Đăng ký khai tử at the Hạc Thành desk)."""
from accounts_helpers import soup_of
from admin_helpers import admin_site, page_text  # noqa: F401
from dossier_helpers import DESK_INTAKE, confirmed_dossier, status_of
from staff_helpers import act, act_ok

LEADER = "lanhdao.hacthanh@example.vn"


def full_name(site, email):
    return site.one("SELECT full_name FROM accounts WHERE email = ?", (email,))


def test_the_slip_names_the_officer_who_received_it(admin_site):
    site = admin_site
    did, _ = confirmed_dossier(site, site.citizen_session())
    sessions = {who: site.login(who) for who in (LEADER, DESK_INTAKE)}
    act_ok(site, sessions[DESK_INTAKE], did, "receive")
    officer, leader = full_name(site, DESK_INTAKE), full_name(site, LEADER)
    assert officer != leader
    # printed by the leader, it still names the desk's officer
    for who in (LEADER, DESK_INTAKE):
        r = site.get(sessions[who], "/staff/dossiers/%d/receipt" % did)
        assert r.status_code == 200
        signed = soup_of(r).select(".receipt-slip p.mt-5")
        assert [p.get_text(strip=True) for p in signed] == [officer], page_text(r)[-400:]


def test_ids_are_whole_numbers(admin_site):
    site = admin_site
    desk = site.login(DESK_INTAKE)
    did, _ = confirmed_dossier(site, site.citizen_session())
    proc = site.one("SELECT procedure_id FROM dossiers WHERE id = ?", (did,))
    assert site.get(desk, "/staff/queue/all?procedure=%d" % proc).status_code == 200
    for bad in ("%dabc" % proc, "-%d" % proc, "0", "0%d" % proc, " %d" % proc):
        r = site.get(desk, "/staff/queue/all?procedure=%s" % bad)
        assert r.status_code == 400, (bad, r.status_code)
    # a version with junk after it is not the dossier's version
    version = site.one("SELECT version FROM dossiers WHERE id = ?", (did,))
    r = act(site, desk, did, "receive", version="%dabc" % version)
    assert r.status_code == 409
    assert status_of(site, did) == "pending"
    act_ok(site, desk, did, "receive")
