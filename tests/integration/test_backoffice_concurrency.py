"""The desk under concurrency: two intake officers receiving the same dossier at once, and ten
thousand receptions from parallel clients at two desks; against the real binary on demo data.

The dossiers are written straight into the database as confirmed online dossiers waiting at the
desk (status 'pending', version 1, the offering's workflow copied), like the citizen path leaves
them: what is tested here is the reception, not the submission.  Each desk gets a second intake
officer (AdminSite.make_staff) beside the demo's one.

What must hold (src/domain/dossier_flow.c, dossier_act and dossier_receipt_next): one reception
per dossier, a lost race answered 409 with nothing recorded, and receipt numbers
"<desk code>-YYMMDD-NNNN" unique system-wide and counted 1, 2, 3 ... without a gap per desk and
local day (Vietnam, UTC+7).  The server's clock may cross midnight during a run, so the numbers
are grouped by the day they carry.
"""
import collections
import datetime
import re
import threading
import time

import pytest

from admin_helpers import DEMO_CITIZEN, DEMO_PASSWORD, AdminSite, location, page_text
from staff_helpers import desk_offerings, insert_pending, pending_row

HAC_THANH_DESK = "000.01.61.H56"
HOANG_HOA_DESK = "000.01.62.H56"
SERVER_THREADS = 8     # event-loop threads of the server under test
CLIENTS = 16           # parallel clients of the bulk run, half at each desk
ROUNDS = 100           # races of two officers on one dossier
BULK = 10000           # receptions of the bulk run, half at each desk

RECEIPT_RE = re.compile(r"^(?P<desk>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-"
                        r"(?P<n>\d{4,})$")
VN = datetime.timezone(datetime.timedelta(hours=7))
NOW = "2026-01-05T01:00:00.000Z"   # created, submitted and confirmed (the past: what the desk sees)


@pytest.fixture
def site(tmp_path):
    """A server of its own on fresh demo data: the receipt counters start at zero."""
    s = AdminSite.start(tmp_path / "site", threads=SERVER_THREADS)
    yield s
    s.stop()


# ---- setting up ----

def pending_rows(site, desk_code, count, owner, first=1):
    """Parameters of 'count' pending dossiers at the desk, spread over its online offerings."""
    desk = site.agency_id(desk_code)
    offerings = desk_offerings(site, desk_code)
    return [pending_row(owner, desk, offerings[i % len(offerings)], "Nguyễn Thị Hoa %d" % i,
                        "0381910%05d" % (i % 100000), NOW)
            for i in range(first, first + count)]


def intake_officers(site, desk_code):
    """The e-mails of two intake officers of the desk: the demo's and one more."""
    demo = site.staff_email("intake", desk_code)
    assert demo, "the demo has no intake officer at %s" % desk_code
    _, extra, _ = site.make_staff("intake", site.agency_id(desk_code),
                                  full_name="Cán Bộ Tiếp Nhận Hai")
    return [demo, extra]


def staff_session(site, email):
    """A logged-in session and its CSRF token (the token every form of the session carries)."""
    s = site.login(email, DEMO_PASSWORD)
    return s, site.csrf(s, "/staff")


def receive(site, s, token, did, version=1):
    return s.post(site.url + "/staff/dossiers/%d/act" % did,
                  data={"csrf_token": token, "version": str(version), "action": "receive"},
                  timeout=60, allow_redirects=False)


# ---- checking ----

def parse_receipt(receipt):
    m = RECEIPT_RE.match(receipt or "")
    assert m, "not a receipt number: %r" % (receipt,)
    return m.group("desk"), m.group("day"), int(m.group("n"))


def local_day(iso):
    """'YYMMDD' of an ISO-8601 UTC instant in Vietnam."""
    t = datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return t.astimezone(VN).strftime("%y%m%d")


def assert_no_duplicate_receipts(site):
    dup = site.rows("SELECT receipt_no, count(*) FROM dossiers WHERE receipt_no IS NOT NULL "
                    "GROUP BY receipt_no HAVING count(*) > 1")
    assert dup == [], "receipt numbers given twice: %r" % dup[:20]


def assert_gapless(site, ids):
    """The receipts of dossiers 'ids' carry their desk's code and the local day of their
    reception, and count 1..N without a gap per desk and day, N being the day's counter.
    Returns {(desk code, YYMMDD): N}."""
    per_day = collections.defaultdict(list)
    wrong = []
    lo, hi = min(ids), max(ids)
    wanted = set(ids)
    for did, receipt, received_at, code in site.rows(
            "SELECT d.id, d.receipt_no, d.received_at, g.code FROM dossiers d "
            "JOIN agencies g ON g.id = d.desk_agency_id WHERE d.id BETWEEN ? AND ?", (lo, hi)):
        if did not in wanted:
            continue
        desk, day, n = parse_receipt(receipt)
        if desk != code or day != local_day(received_at):
            wrong.append((did, receipt, received_at, code))
        per_day[(desk, day)].append(n)
    assert wrong == [], "receipts not of the dossier's desk or local day: %r" % wrong[:10]
    counters = {(code, day): last for code, day, last in site.rows(
        "SELECT g.code, c.day, c.last FROM receipt_counters c "
        "JOIN agencies g ON g.id = c.agency_id")}
    sizes = {}
    for (desk, day), numbers in sorted(per_day.items()):
        numbers.sort()
        want = list(range(1, len(numbers) + 1))
        if numbers != want:
            missing = sorted(set(want) - set(numbers))
            extra = sorted(set(numbers) - set(want))
            repeated = [n for n, c in collections.Counter(numbers).items() if c > 1]
            raise AssertionError("%s on %s: %d receipts, not 1..%d: missing %r, beyond %r, "
                                 "repeated %r" % (desk, day, len(numbers), len(numbers),
                                                  missing[:20], extra[:20], repeated[:20]))
        counter_day = "20%s-%s-%s" % (day[:2], day[2:4], day[4:])
        assert counters.get((desk, counter_day)) == len(numbers), (
            "%s on %s: %d receipts but the counter says %r" % (
                desk, day, len(numbers), counters.get((desk, counter_day))))
        sizes[(desk, day)] = len(numbers)
    return sizes


# ---- two officers, one dossier ----

def test_two_officers_receiving_one_dossier_at_once_one_wins(site):
    """100 rounds, each on a fresh pending dossier: both officers post 'receive' with version 1
    at the same moment (two threads released by a barrier, each on its own connection).  One
    gets 303, the other 409; the dossier has one reception, one receipt number, version 2, one
    audit row and one mail."""
    emails = intake_officers(site, HAC_THANH_DESK)
    officers = [staff_session(site, e) for e in emails]
    account_ids = [site.staff_id(e) for e in emails]
    owner = site.one("SELECT id FROM accounts WHERE email_key = ?", (DEMO_CITIZEN,))
    ids = insert_pending(site, pending_rows(site, HAC_THANH_DESK, ROUNDS, owner))
    wins = collections.Counter()
    overlapped = 0  # rounds where both posts were sent before either answer came back
    for rnd, did in enumerate(ids):
        barrier = threading.Barrier(2)
        answers = [None, None]
        sent, answered = [0.0, 0.0], [0.0, 0.0]

        def one(i):
            s, token = officers[i]
            barrier.wait()
            sent[i] = time.monotonic()
            try:
                answers[i] = receive(site, s, token, did)
            except Exception as e:  # noqa: BLE001  (reported below with the round)
                answers[i] = e
            answered[i] = time.monotonic()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        overlapped += max(sent) < min(answered)
        where = "round %d, dossier %d" % (rnd + 1, did)
        for a in answers:
            assert not isinstance(a, Exception), "%s: %r" % (where, a)
        statuses = [a.status_code for a in answers]
        assert sorted(statuses) == [303, 409], "%s: statuses %r; %s" % (
            where, statuses, " | ".join(page_text(a)[:300] for a in answers if a.status_code
                                        not in (303, 409)))
        winner = statuses.index(303)
        wins[winner] += 1
        assert location(answers[winner]) == "/staff/dossiers/%d?done=receive" % did, where
        loser = page_text(answers[1 - winner])
        assert "trạng thái khác" in loser or "người khác cập nhật" in loser, (where,
                                                                           loser[:500])

        status, version, receipt = site.rows("SELECT status, version, receipt_no FROM dossiers "
                                             "WHERE id = ?", (did,))[0]
        assert (status, version) == ("received", 2), (where, status, version)
        desk, _, _ = parse_receipt(receipt)
        assert desk == HAC_THANH_DESK, (where, receipt)
        events = site.rows("SELECT action, account_id, from_status, to_status FROM "
                           "dossier_events WHERE dossier_id = ?", (did,))
        assert events == [("receive", account_ids[winner], "pending", "received")], (where,
                                                                                     events)
        audits = site.one("SELECT count(*) FROM audit_log WHERE entity = 'dossier' AND "
                          "entity_id = ? AND action = 'receive'", (did,))
        assert audits == 1, (where, audits)
        mails = site.one("SELECT count(*) FROM mail_outbox WHERE recipient = ? AND "
                         "instr(body_text, ?) > 0", (DEMO_CITIZEN, receipt))
        assert mails == 1, "%s: %d mails with receipt %s" % (where, mails, receipt)

    print("\n%d races: officer 1 won %d, officer 2 won %d; both posts in flight together in %d"
          % (ROUNDS, wins[0], wins[1], overlapped))
    # Without posts in flight together there was no race to win: a run where the two threads
    # took turns would pass the checks above and prove nothing.
    assert overlapped >= ROUNDS // 10, "both posts in flight together in %d rounds only" % (
        overlapped)
    assert_no_duplicate_receipts(site)
    # the losers took no number: the desk's receipts of the day are 1..100
    sizes = assert_gapless(site, ids)
    assert sum(sizes.values()) == ROUNDS, sizes


# ---- ten thousand receptions ----

def test_ten_thousand_receptions_at_two_desks_number_without_gap_or_repeat(site):
    """10,000 pending dossiers (5,000 per desk) received by 16 parallel clients, 8 per desk over
    its two officers, each client its own session and connection, posting with the known
    version and the session's CSRF token.  Every dossier ends received once; no receipt number
    is given twice; each desk's numbers of each day are 1..N."""
    desks = (HAC_THANH_DESK, HOANG_HOA_DESK)
    per_desk = BULK // len(desks)
    clients_per_desk = CLIENTS // len(desks)
    ids = {}
    rows = []
    for k, code in enumerate(desks):
        rows += pending_rows(site, code, per_desk, None, first=1 + k * per_desk)
    all_ids = insert_pending(site, rows)
    assert len(all_ids) == BULK
    for k, code in enumerate(desks):
        ids[code] = all_ids[k * per_desk:(k + 1) * per_desk]

    # The clients: each logs in on its own, alternating over its desk's two officers.
    clients = []
    for code in desks:
        emails = intake_officers(site, code)
        for c in range(clients_per_desk):
            s, token = staff_session(site, emails[c % len(emails)])
            clients.append((s, token, ids[code][c::clients_per_desk]))
    assert sum(len(c[2]) for c in clients) == BULK

    barrier = threading.Barrier(len(clients) + 1)
    failures = [[] for _ in clients]
    done = [0] * len(clients)

    def work(i):
        s, token, mine = clients[i]
        barrier.wait()
        for did in mine:
            try:
                r = receive(site, s, token, did)
            except Exception as e:  # noqa: BLE001  (collected, reported after the run)
                failures[i].append((did, repr(e)))
                continue
            if r.status_code != 303:
                failures[i].append((did, r.status_code, page_text(r)[:200]))
            done[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    print("\n%d receptions by %d clients against %d server threads in %.1f s: %.0f "
          "receptions/s" % (BULK, len(clients), SERVER_THREADS, elapsed, BULK / elapsed))

    failed = [f for fs in failures for f in fs]
    by_status = collections.Counter(f[1] if isinstance(f[1], int) else "exception"
                                    for f in failed)
    assert failed == [], "%d receptions refused (%r); first: %r" % (len(failed),
                                                                    dict(by_status), failed[:5])

    lo, hi = min(all_ids), max(all_ids)
    states = site.rows("SELECT status, version, count(*) FROM dossiers WHERE id BETWEEN ? AND ? "
                       "GROUP BY status, version", (lo, hi))
    assert states == [("received", 2, BULK)], states
    events = site.rows("SELECT n, count(*) FROM (SELECT d.id, (SELECT count(*) FROM "
                       "dossier_events e WHERE e.dossier_id = d.id AND e.action = 'receive') "
                       "AS n FROM dossiers d WHERE d.id BETWEEN ? AND ?) GROUP BY n", (lo, hi))
    assert events == [(1, BULK)], "receive events per dossier → dossiers: %r" % events
    assert site.one("SELECT count(*) FROM dossier_events WHERE dossier_id BETWEEN ? AND ?",
                    (lo, hi)) == BULK
    assert_no_duplicate_receipts(site)
    sizes = assert_gapless(site, all_ids)
    for code in desks:
        assert sum(n for (desk, _), n in sizes.items() if desk == code) == per_desk, sizes
    if len(sizes) > len(desks):
        print("the run crossed midnight (Vietnam time): %r" % sizes)
