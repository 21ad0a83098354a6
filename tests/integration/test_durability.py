"""Durability of uploads: what the server acknowledged is still there after `kill -9`.

Several threads save the documents step of their own drafts, each with a different PDF
(multipart POST /dossiers/{id}/form, action=save).  Every answer 200 that shows the saved file
is an acknowledgement: the dossier id, the bytes and their SHA-256 are recorded.  Right after
one such answer, while other uploads are in flight, the test sends SIGKILL to the server.  It
then starts a new server on the same data folder and checks that every acknowledged upload has
its row in dossier_files (same SHA-256, size, kind) and its file in <data>/files with the very
same bytes, served back by the restarted server; that every row has its file (a row never
points at bytes that were not stored); and that the database passes PRAGMA integrity_check and
foreign_key_check.  Two rounds on one folder: the second starts from a server that recovered
from the first kill.

SIGKILL loses the process, not the page cache: this checks that the server answers only after
its commit and after the file is in place under its name, and that recovery (SQLite's WAL, the
file store's leftovers in tmp/) keeps everything consistent.  Power-loss durability (the
fsyncs) is what bench/run.sh counts per request with perf; a kill cannot show it.
"""
import hashlib
import http.client
import os
import re
import signal
import socket
import sqlite3
import threading

import pytest

from accounts_helpers import AccountsServer, TIMEOUT, csrf_in, new_session, stop_ok
from admin_helpers import DEMO_CITIZEN, DEMO_PASSWORD

DEATH_NOTICE = "1.000656"   # Đăng ký khai tử: document "Giấy báo tử ..." mandatory, pdf, 10 MB
UPLOADERS = 6               # threads posting at the same time
DRAFTS = 400                # drafts made beforehand, each used by one upload at most
KILL_AFTER = (25, 40)       # acknowledgements before the kill, per round
IMAGE_BYTES = 150_000       # the PDF's scan: most of each file
SAVED = "Đã lưu nháp."
GONE = (ConnectionError, http.client.HTTPException, socket.timeout, TimeoutError, OSError)


def pdf_bytes(tag):
    """A valid one-page PDF (catalogue, page, font, a grey image, cross-reference table) that
    holds 'tag' in a comment and in its text, and random pixels: no two are alike."""
    width = 400
    height = IMAGE_BYTES // width
    content = ("q %d 0 0 %d 97 200 cm /Im1 Do Q\nBT /F1 16 Tf 72 760 Td (Giay bao tu %s) Tj ET\n"
               % (width, height, tag)).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R"
        b" >> /XObject << /Im1 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, width * height)
        + os.urandom(width * height) + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 " + tag.encode("ascii") + b"\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                              xref)
    return out


def multipart(fields, file_field, filename, data):
    boundary = "----motcuadurability%s" % os.urandom(8).hex()
    parts = []
    for name, value in fields:
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                      % (boundary, name, value)).encode("utf-8"))
    parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                  "Content-Type: application/pdf\r\n\r\n" % (boundary, file_field, filename))
                 .encode("utf-8") + data + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode("ascii"))
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def db_rows(db_path, sql, args=()):
    con = sqlite3.connect(db_path, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def file_path(data, sha):
    return os.path.join(data, "files", sha[:2], sha[2:4], sha)


class Site:
    """The server under test and what the uploads need: the citizen's session and token, the
    offering, the document and the documents step."""

    def __init__(self, root):
        self.root = str(root)
        self.rounds = 0
        self.srv = AccountsServer(os.path.join(self.root, "srv0"), threads=2)
        os.makedirs(self.srv.workdir)
        r = self.srv.cli("--password", DEMO_PASSWORD, "demo")
        assert r.returncode == 0, "motcua demo failed (%d): %s" % (r.returncode, r.stderr)
        self.srv.start()
        self.data = self.srv.data
        self.db = os.path.join(self.data, "motcua.db")
        self.offering, self.document = db_rows(
            self.db,
            "SELECT o.id, d.id FROM offerings o JOIN procedures p ON p.id = o.procedure_id "
            "JOIN procedure_documents d ON d.procedure_id = p.id WHERE p.code = ? AND "
            "o.online = 1 AND o.active = 1 AND d.requirement = 'mandatory' "
            "ORDER BY o.id, d.position LIMIT 1", (DEATH_NOTICE,))[0]
        self.login()

    @property
    def url(self):
        return self.srv.url

    def login(self):
        s = new_session()
        r = s.get(self.url + "/login", timeout=TIMEOUT)
        r = s.post(self.url + "/login", data={"email": DEMO_CITIZEN, "password": DEMO_PASSWORD,
                                              "csrf_token": csrf_in(r)},
                   timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 303, "the demo citizen cannot log in: %d" % r.status_code
        self.session = s
        self.cookie = "mc_session=" + s.cookies.get("mc_session")
        r = s.get(self.url + "/dossiers", timeout=TIMEOUT)
        self.csrf = csrf_in(r)

    def new_drafts(self, n):
        ids = []
        for _ in range(n):
            r = self.session.post(self.url + "/dossiers/new",
                                  data={"offering": str(self.offering), "csrf_token": self.csrf},
                                  timeout=TIMEOUT, allow_redirects=False)
            assert r.status_code == 303, "POST /dossiers/new: %d" % r.status_code
            m = re.fullmatch(r"(?:https?://[^/]+)?/dossiers/(\d+)/form", r.headers["location"])
            assert m, r.headers["location"]
            ids.append(int(m.group(1)))
        return ids

    def documents_step(self, dossier_id):
        """The step that shows the document's upload field: the last one."""
        r = self.session.get(self.url + "/dossiers/%d/form" % dossier_id, timeout=TIMEOUT)
        m = re.search(r"Bước \d+/(\d+)", r.text)
        assert m, "no step counter on the form page"
        step = int(m.group(1))
        r = self.session.get(self.url + "/dossiers/%d/form?step=%d" % (dossier_id, step),
                             timeout=TIMEOUT)
        assert 'id="doc_%d"' % self.document in r.text, "step %d has no doc_%d" % (
            step, self.document)
        return step

    def restart(self):
        """A new server on the same data folder (the old one is dead)."""
        self.rounds += 1
        workdir = os.path.join(self.root, "srv%d" % self.rounds)
        os.makedirs(workdir)
        self.srv = AccountsServer(workdir, data=self.data, threads=2)
        self.srv.start()


class Uploads:
    """UPLOADERS threads, each on its own keep-alive connection, taking drafts from 'ids'.
    Right after acknowledgement number 'kill_after', if another upload is in flight, the
    thread that read it kills the server."""

    def __init__(self, site, ids, step, kill_after):
        self.site = site
        self.ids = list(ids)
        self.step = step
        self.kill_after = kill_after
        self.lock = threading.Lock()
        self.acked = []            # (dossier id, sha256, bytes, name)
        self.refused = []          # answers other than an acknowledgement, before the kill
        self.inflight = 0
        self.killed_at = None      # (acknowledgements, uploads in flight) at the kill
        self.ran_out = False

    def next_id(self):
        with self.lock:
            if not self.ids:
                self.ran_out = True
                return None
            return self.ids.pop(0)

    def run(self, index):
        conn = http.client.HTTPConnection(self.site.srv.host, self.site.srv.port, timeout=30)
        try:
            while self.killed_at is None:
                did = self.next_id()
                if did is None:
                    return
                if not self.upload(conn, did):
                    return
        finally:
            conn.close()

    def upload(self, conn, did):
        """One upload; False once the server is gone."""
        tag = "%012d" % did
        data = pdf_bytes(tag)
        name = "giay-bao-tu-%s.pdf" % tag
        body, ctype = multipart([("csrf_token", self.site.csrf), ("step", str(self.step)),
                                 ("action", "save")], "doc_%d" % self.site.document, name, data)
        with self.lock:
            if self.killed_at is not None:
                return False
            self.inflight += 1   # from here until its answer is read
        try:
            conn.request("POST", "/dossiers/%d/form" % did, body=body,
                         headers={"Cookie": self.site.cookie, "Content-Type": ctype})
            r = conn.getresponse()
            page = r.read().decode("utf-8", "replace")
            status = r.status
        except GONE:
            with self.lock:
                self.inflight -= 1
            return False
        with self.lock:
            self.inflight -= 1
            if status == 200 and SAVED in page and name in page:
                self.acked.append((did, hashlib.sha256(data).hexdigest(), data, name))
                # Right after this answer, while another upload is on its way.
                if (self.killed_at is None and len(self.acked) >= self.kill_after
                        and self.inflight >= 1):
                    self.site.srv.proc.send_signal(signal.SIGKILL)
                    self.killed_at = (len(self.acked), self.inflight)
            elif self.killed_at is None:
                self.refused.append((did, status, page[:300]))
        return True

    def go(self):
        threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                   for i in range(UPLOADERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "uploads still running after 120 s"


def check_everything(site, acked):
    """Every acknowledged upload is in the database and the file store, and the server gives
    its bytes back; every row has its file; the database is sound."""
    assert db_rows(site.db, "PRAGMA integrity_check") == [("ok",)]
    assert db_rows(site.db, "PRAGMA foreign_key_check") == []
    missing = []
    for did, sha, data, name in acked:
        rows = db_rows(site.db, "SELECT id, sha256, size, kind, name FROM dossier_files "
                       "WHERE dossier_id = ? AND removed_in IS NULL", (did,))
        if len(rows) != 1 or rows[0][1:] != (sha, len(data), "pdf", name):
            missing.append((did, "row", rows))
            continue
        path = file_path(site.data, sha)
        if not os.path.isfile(path):
            missing.append((did, "file", path))
            continue
        with open(path, "rb") as f:
            stored = f.read()
        if stored != data or hashlib.sha256(stored).hexdigest() != sha:
            missing.append((did, "bytes", len(stored)))
            continue
        r = site.session.get(site.url + "/dossiers/%d/files/%d" % (did, rows[0][0]),
                             timeout=TIMEOUT, allow_redirects=False)
        if r.status_code != 200 or r.content != data:
            missing.append((did, "download", r.status_code, len(r.content)))
    assert not missing, "%d of %d acknowledged uploads lost or changed: %r" % (
        len(missing), len(acked), missing[:10])
    # No row points at bytes that were never stored (acknowledged or not).
    for did, sha, size in db_rows(site.db, "SELECT dossier_id, sha256, size FROM dossier_files"):
        path = file_path(site.data, sha)
        assert os.path.isfile(path) and os.path.getsize(path) == size, (
            "dossier %d has a row for %s but the store has no such file" % (did, sha))


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path)
    yield s
    if s.srv.proc is not None:
        if s.srv.proc.poll() is None:
            stop_ok(s.srv)
        else:
            s.srv.stop()


def test_acknowledged_uploads_survive_kill_9(site):
    drafts = site.new_drafts(DRAFTS)
    step = site.documents_step(drafts[0])
    acked = []
    for round_no, kill_after in enumerate(KILL_AFTER, 1):
        up = Uploads(site, drafts, step, kill_after)
        up.go()
        assert not up.refused, "uploads refused before the kill: %r" % up.refused[:3]
        assert not up.ran_out, "round %d: the %d drafts ran out before the kill" % (
            round_no, len(drafts))
        assert up.killed_at is not None, "round %d: never killed" % round_no
        assert up.killed_at[1] >= 1, up.killed_at
        rc = site.srv.proc.wait(10)
        assert rc == -signal.SIGKILL, "the server was not killed (%r)" % rc
        site.srv.stop()
        acked += up.acked
        drafts = up.ids
        site.restart()
        check_everything(site, acked)
    # Sanity: the check above saw real work, acknowledged past the kill point.
    assert len(acked) >= sum(KILL_AFTER)
    assert len({sha for _, sha, _, _ in acked}) == len(acked)
    stop_ok(site.srv)
