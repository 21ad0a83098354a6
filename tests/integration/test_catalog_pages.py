"""The public procedure catalogue: GET /services (search, filters, paging), GET /services/{code}
(the detail page) and GET /services/{code}/templates/{doc}/{name} (template downloads).

The catalogue comes from tests/integration/fixtures/catalog_search.json through
'motcua catalog import'; agencies and offerings, which a catalogue file does not carry, are
written with sqlite3 straight into the test database (fixtures only).
"""
import base64
import json
import os
import re
import sqlite3
import unicodedata
from urllib.parse import quote, unquote

import pytest
import requests
from bs4 import BeautifulSoup

from motcua_server import MotcuaServer, assert_error_page, assert_security_headers

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "catalog_search.json")
TIMEOUT = 10
NOW = "2026-01-10T02:00:00.000Z"
# 20:00 UTC on 31 December is 03:00 on 1 January in Vietnam (UTC+7).
UPDATED_AT = "2025-12-31T20:00:00.000Z"
WEEKDAY_HOURS = "07:30-11:30,13:00-17:00"

with open(FIXTURE, encoding="utf-8") as f:
    CATALOG = json.load(f)["procedures"]
ACTIVE = [p for p in CATALOG if p["active"]]
BY_CODE = {p["code"]: p for p in CATALOG}


def fold(s):
    """What the server's search folds to: lower case, no marks, đ as d, one space per gap."""
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    s = "".join(c for c in s if not ("\u0300" <= c <= "\u036f"))
    return " ".join(re.sub(r"[^\w]|_", " ", s).split())


def codes_where(pred):
    return {p["code"] for p in ACTIVE if pred(p)}


# ---- the server ----

AGENCIES = [
    # key, code, name, level, desk, competent, active, hours (Monday first)
    ("xa", "000.00.31.H56", "Ủy ban nhân dân xã Quảng Phú", "commune", 1, 1, 1,
     [WEEKDAY_HOURS] * 5 + ["07:30-11:30", ""]),
    ("ttpv", "000.00.06.H56", "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa", "province", 1, 0,
     1, ["07:00-11:30,13:30-17:00"] * 4 + ["07:00-11:30"] + ["08:00-11:00"] * 2),
    ("ca", "000.00.40.H56", "Công an tỉnh Thanh Hóa", "province", 0, 1, 1, [""] * 7),
    ("cu", "000.00.99.H56", "Ủy ban nhân dân xã Cũ Đã Sáp Nhập", "commune", 1, 1, 0,
     [WEEKDAY_HOURS] * 5 + ["", ""]),
    ("sxd", "000.00.12.H56", "Sở Xây dựng tỉnh Thanh Hóa", "province", 0, 1, 1, [""] * 7),
    ("stc", "000.00.13.H56", "Sở Tài chính tỉnh Thanh Hóa", "province", 0, 1, 1, [""] * 7),
]

OFFERINGS = [
    # key, procedure, desk, competent, online, active
    ("ks_xa", "1.001193", "xa", "xa", 1, 1),
    ("ks_ttpv", "1.001193", "ttpv", "xa", 0, 1),
    ("ks_cu", "1.001193", "cu", "cu", 1, 1),         # inactive agency: never shown
    ("kh_xa", "1.000894", "xa", "xa", 1, 1),
    ("lltp", "3.000333", "ttpv", "ca", 1, 1),
    ("ct_xa", "2.000815", "xa", "xa", 1, 1),          # mode "info": never online
    ("gpxd", "1.013225", "ttpv", "sxd", 0, 1),
    ("hkd_off", "1.001612", "xa", "xa", 1, 0),        # inactive offering: never shown
    ("tt_cu", "1.004194", "cu", "cu", 1, 1),          # only at an inactive agency
    ("bb", "9.999002", "xa", "xa", 1, 1),             # inactive procedure
]


class Catalog:
    def __init__(self, srv, agency_ids, offering_ids):
        self.srv = srv
        self.url = srv.url
        self.agency = agency_ids
        self.offering = offering_ids

    def get(self, path, params=None, **kw):
        return requests.get(self.url + path, params=params, timeout=TIMEOUT,
                            allow_redirects=False, **kw)


def populate(db_path):
    """Agencies and offerings for the agency filter and "Nơi tiếp nhận"; a fixed update time."""
    con = sqlite3.connect(db_path)
    try:
        agency_ids, offering_ids = {}, {}
        for key, code, name, level, desk, competent, active, hours in AGENCIES:
            cur = con.execute(
                "INSERT INTO agencies (code, name, level, parent_id, address, phone, email,"
                " office_hours, is_desk, is_competent, active, created_at, updated_at)"
                " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (code, name, level, "Số 1 đường Lê Lợi, " + name, "0237 385 2%03d" % len(agency_ids),
                 "motcua-%s@thanhhoa.gov.vn" % key, json.dumps(hours, ensure_ascii=False), desk,
                 competent, active, NOW, NOW))
            agency_ids[key] = cur.lastrowid
        for key, code, desk, competent, online, active in OFFERINGS:
            pid = con.execute("SELECT id FROM procedures WHERE code = ?", (code,)).fetchone()[0]
            cur = con.execute(
                "INSERT INTO offerings (procedure_id, desk_agency_id, competent_agency_id,"
                " department_id, online, workflow, active, created_at, updated_at)"
                " VALUES (?, ?, ?, NULL, ?, 'standard', ?, ?, ?)",
                (pid, agency_ids[desk], agency_ids[competent], online, active, NOW, NOW))
            offering_ids[key] = cur.lastrowid
        con.execute("UPDATE procedures SET updated_at = ? WHERE code = '1.001193'", (UPDATED_AT,))
        con.commit()
        return agency_ids, offering_ids
    finally:
        con.close()


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("catalog_pages"))
    srv = MotcuaServer(workdir)
    r = srv.cli("catalog", "import", FIXTURE)
    assert r.returncode == 0, "catalog import failed (%d): %s" % (r.returncode, r.stderr)
    agency_ids, offering_ids = populate(os.path.join(srv.data, "motcua.db"))
    srv.start()
    try:
        yield Catalog(srv, agency_ids, offering_ids)
    finally:
        rc = srv.stop()
        assert rc == 0, "motcua serve exited %r; stderr:\n%s" % (rc, srv.stderr())


# ---- reading the pages ----

def page(resp, status=200):
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("text/html")
    assert_security_headers(resp.headers)
    return BeautifulSoup(resp.text, "html.parser")


def result_codes(soup):
    """The codes of the listed procedures, in order."""
    out = []
    for a in soup.select("main .catalog-item h3 a"):
        m = re.fullmatch(r"/services/(\d\.\d{6})", a["href"])
        assert m, a["href"]
        out.append(m.group(1))
    return out


def result_names(soup):
    return [a.get_text() for a in soup.select("main .catalog-item h3 a")]


def count_text(soup):
    el = soup.select_one("main .catalog-count")
    return el.get_text(" ", strip=True) if el else None


def search(cat, **params):
    soup = page(cat.get("/services", params=params))
    return soup, result_codes(soup)


def all_pages(cat, **params):
    """Every code a search lists, following the "Trang sau" links."""
    codes, path, seen = [], "/services", 0
    resp = cat.get(path, params=params)
    while True:
        soup = page(resp)
        codes += result_codes(soup)
        nxt = soup.find("a", rel="next")
        if nxt is None:
            return codes
        seen += 1
        assert seen < 20
        resp = cat.get(nxt["href"])


def section(soup, heading_id):
    h = soup.find(id=heading_id)
    assert h is not None, heading_id
    return h.find_parent("section")


def section_text(soup, heading_id):
    return section(soup, heading_id).get_text(" ", strip=True)


# ---- the list and its order ----

def test_list_shows_every_active_procedure_in_vietnamese_order(cat):
    soup = page(cat.get("/services"))
    assert soup.find("label", attrs={"for": "q"}).get_text(strip=True) == "Tìm thủ tục"
    assert count_text(soup).startswith("Tìm thấy %d thủ tục" % len(ACTIVE))
    codes = all_pages(cat)
    assert sorted(codes) == sorted(p["code"] for p in ACTIVE)
    assert "9.999002" not in codes  # inactive
    names = [BY_CODE[c]["name"] for c in codes]
    # By folded name: "Cấp" before "Chấm" before "Chứng", every "Đăng ký" among the D's, not
    # after "Xóa" as a byte order would have it.
    assert names == sorted(names, key=lambda n: (fold(n), n))
    assert names.index("Chứng thực di chúc") < names.index("Đăng ký khai sinh") < \
        names.index("Gia hạn tạm trú")
    assert names.index("Cấp lại giấy phép xây dựng nhà ở riêng lẻ") < \
        names.index("Chấm dứt hoạt động hộ kinh doanh")


def test_list_item_shows_the_essentials(cat):
    soup, codes = search(cat, q="1.001193")
    assert codes == ["1.001193"]
    item = soup.select_one("main .catalog-item").get_text(" ", strip=True)
    for text in ("Đăng ký khai sinh", "1.001193", "Hộ tịch", "Cấp xã", "Công dân",
                 "Trong ngày làm việc", "Dịch vụ công trực tuyến toàn trình",
                 "Nộp hồ sơ trực tuyến"):
        assert text in item, (text, item)
    # Online at the desk of an inactive agency only: no online mark.
    soup, codes = search(cat, q="1.004194")
    assert codes == ["1.004194"]
    assert "Nộp hồ sơ trực tuyến" not in soup.select_one("main .catalog-item").get_text()
    # Mode "info" with an online offering: not online either.
    soup, codes = search(cat, q="2.000815")
    assert "Nộp hồ sơ trực tuyến" not in soup.select_one("main .catalog-item").get_text()


# ---- text search ----

BIRTH = {"1.001193", "1.004884"}  # Đăng ký khai sinh, Đăng ký lại khai sinh (not the inactive one)


@pytest.mark.parametrize("q", [
    "Đăng ký khai sinh",
    "ĐĂNG KÝ KHAI SINH",
    "đăng ký khai sinh",
    "dang ky khai sinh",
    "DANG KY KHAI SINH",
    unicodedata.normalize("NFD", "Đăng ký khai sinh"),
    unicodedata.normalize("NFD", "ĐĂNG KÝ KHAI SINH"),
    "  khai   sinh, đăng ký!  ",
    "sinh khai",
])
def test_search_ignores_case_marks_form_and_word_order(cat, q):
    soup, codes = search(cat, q=q)
    assert set(codes) == BIRTH, (q, codes)
    assert count_text(soup) == "Tìm thấy 2 thủ tục"
    # The search box shows what was typed (NFC, as the server reads every input).
    assert soup.find("input", id="q")["value"] == unicodedata.normalize("NFC", q)


def test_search_by_code(cat):
    for q in ("1.001193", "001193", " 1.001193 "):
        _, codes = search(cat, q=q)
        assert codes == ["1.001193"], (q, codes)
    _, codes = search(cat, q="3.000333")
    assert codes == ["3.000333"]


def test_search_several_words_and_field(cat):
    _, codes = search(cat, q="hộ kinh doanh")
    assert set(codes) == codes_where(lambda p: "hộ kinh doanh" in p["name"])
    assert len(codes) == 4
    # Words of the field count too: "Xây dựng" is the field of the GPXD procedures.
    _, codes = search(cat, q="xay dung")
    assert set(codes) == codes_where(lambda p: p["field"] == "Xây dựng")
    _, codes = search(cat, q="giay phep nha o")
    assert set(codes) == codes_where(lambda p: "giấy phép xây dựng nhà ở" in p["name"])
    # Every word must occur: one unknown word empties the result.
    _, codes = search(cat, q="giay phep nha o xyzzy")
    assert codes == []


def test_search_no_match(cat):
    soup, codes = search(cat, q="không có thủ tục nào như thế")
    assert codes == []
    main = soup.find("main").get_text(" ", strip=True)
    assert "Không tìm thấy thủ tục phù hợp." in main
    assert "không dấu" in main  # the hint
    assert count_text(soup) is None
    assert soup.find("a", rel="next") is None
    assert soup.select_one("main .catalog-empty a")["href"] == "/services"


def test_search_wildcards_are_plain_characters(cat):
    # LIKE's own characters find nothing special: punctuation only is no text at all...
    assert len(all_pages(cat, q="%_%\\")) == len(ACTIVE)
    # ... and inside words they separate like any punctuation.
    _, codes = search(cat, q="khai%sinh")
    assert set(codes) == BIRTH
    # "_" is not LIKE's one-character wildcard: "kh_i" is the two words "kh" and "i", so it
    # finds what "kh i" finds, "Đăng ký khai sinh" among them (no "khai" would match "kh_i" as
    # a wildcard pattern either way, but "khai" would not match "kh i" as one word).
    assert all_pages(cat, q="kh_i") == all_pages(cat, q="kh i")
    assert all_pages(cat, q="ai_s") == all_pages(cat, q="ai s")


def test_search_text_length_limit(cat):
    _, codes = search(cat, q="a" * 200)
    assert codes == []
    soup = page(cat.get("/services", params={"q": "ă" * 200}))  # 200 characters, 400 bytes
    assert result_codes(soup) == []
    r = cat.get("/services", params={"q": "a" * 201})
    assert_error_page(r.status_code, r.headers, r.content, 400)


# ---- filters ----

@pytest.mark.parametrize("params,pred", [
    ({"field": "Hộ tịch"}, lambda p: p["field"] == "Hộ tịch"),
    ({"field": "Đăng ký kinh doanh"}, lambda p: p["field"] == "Đăng ký kinh doanh"),
    ({"level": "province"}, lambda p: p["level"] == "province"),
    ({"level": "central"}, lambda p: p["level"] == "central"),
    ({"level": "commune"}, lambda p: p["level"] == "commune"),
    ({"applicant": "citizen"}, lambda p: p["applicant_type"] in ("citizen", "both")),
    ({"applicant": "business"}, lambda p: p["applicant_type"] in ("business", "both")),
    ({"mode": "info"}, lambda p: p["service_mode"] == "info"),
    ({"mode": "forms"}, lambda p: p["service_mode"] == "forms"),
    ({"mode": "partial"}, lambda p: p["service_mode"] == "partial"),
    ({"mode": "full"}, lambda p: p["service_mode"] == "full"),
    ({"field": "Hộ tịch", "mode": "partial", "q": "dang ky"},
     lambda p: p["field"] == "Hộ tịch" and p["service_mode"] == "partial" and
     fold(p["name"]).startswith("dang ky")),
    ({"applicant": "business", "level": "commune"},
     lambda p: p["applicant_type"] in ("business", "both") and p["level"] == "commune"),
    ({"applicant": "citizen", "level": "province", "mode": "full"},
     lambda p: p["applicant_type"] in ("citizen", "both") and p["level"] == "province" and
     p["service_mode"] == "full"),
    ({"field": "Xây dựng", "level": "province"}, lambda p: False),
])
def test_filters(cat, params, pred):
    want = codes_where(pred)
    codes = all_pages(cat, **params)
    assert sorted(codes) == sorted(want), params
    soup = page(cat.get("/services", params=params))
    if want:
        assert count_text(soup).startswith("Tìm thấy %d thủ tục" % len(want))
    else:
        assert "Không tìm thấy thủ tục phù hợp." in soup.get_text()
    # The form shows the filters in use.
    for name, value in params.items():
        if name == "q":
            assert soup.find("input", id="q")["value"] == value
        else:
            opt = soup.find("select", id=name).find("option", selected=True)
            assert opt is not None and opt["value"] == value, (name, value)
    assert soup.find("a", href="/services", string=re.compile("Xóa")) is not None


def test_filter_by_agency(cat):
    xa, ca, ttpv, sxd = (cat.agency[k] for k in ("xa", "ca", "ttpv", "sxd"))
    # Desk or competent agency of an active offering; inactive offerings and procedures do not
    # count.
    assert sorted(all_pages(cat, agency=str(xa))) == sorted(["1.001193", "1.000894", "2.000815"])
    assert all_pages(cat, agency=str(ca)) == ["3.000333"]  # as competent agency
    assert sorted(all_pages(cat, agency=str(ttpv))) == sorted(["1.001193", "3.000333", "1.013225"])
    assert all_pages(cat, agency=str(sxd)) == ["1.013225"]
    # Combined with other filters.
    assert all_pages(cat, agency=str(xa), mode="info") == ["2.000815"]
    assert all_pages(cat, agency=str(xa), q="ket hon") == ["1.000894"]
    assert all_pages(cat, agency=str(ttpv), level="province", applicant="citizen") == ["3.000333"]
    # An agency without offerings, an inactive one, one that does not exist: nothing.
    for key in ("stc", "cu"):
        assert all_pages(cat, agency=str(cat.agency[key])) == []
    assert all_pages(cat, agency="999999") == []


def test_filter_choices(cat):
    soup = page(cat.get("/services"))
    fields = [o["value"] for o in soup.find("select", id="field").find_all("option")]
    assert fields[0] == ""
    want = sorted({p["field"] for p in ACTIVE}, key=lambda f: (fold(f), f))
    assert fields[1:] == want
    assert "Thử nghiệm" in fields
    agencies = {o.get_text(strip=True): o["value"]
                for o in soup.find("select", id="agency").find_all("option") if o["value"]}
    # Agencies of active offerings only, inactive agencies never.
    assert agencies == {
        "Ủy ban nhân dân xã Quảng Phú": str(cat.agency["xa"]),
        "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa": str(cat.agency["ttpv"]),
        "Công an tỉnh Thanh Hóa": str(cat.agency["ca"]),
        "Sở Xây dựng tỉnh Thanh Hóa": str(cat.agency["sxd"]),
    }
    names = [o.get_text(strip=True) for o in soup.find("select", id="agency").find_all("option")][1:]
    assert names == sorted(names, key=fold)
    levels = {o["value"]: o.get_text(strip=True) for o in soup.find("select", id="level").find_all("option")}
    assert levels == {"": "Tất cả các cấp", "central": "Cấp trung ương", "province": "Cấp tỉnh",
                      "commune": "Cấp xã"}
    applicants = [o["value"] for o in soup.find("select", id="applicant").find_all("option")]
    assert applicants == ["", "citizen", "business"]
    modes = [o["value"] for o in soup.find("select", id="mode").find_all("option")]
    assert modes == ["", "info", "forms", "partial", "full"]
    form = soup.find("form", attrs={"role": "search"})
    assert form["method"].lower() == "get" and form["action"] == "/services"
    assert form.find("input", attrs={"name": "csrf_token"}) is None
    # Every control has its label.
    for ctl in form.find_all(["input", "select"]):
        assert form.find("label", attrs={"for": ctl["id"]}) is not None, ctl["id"]


def test_empty_values_mean_any(cat):
    # What the form sends when every select is left on "Tất cả".
    soup, _ = search(cat, q="", field="", level="", agency="", applicant="", mode="", page="")
    assert count_text(soup).startswith("Tìm thấy %d thủ tục" % len(ACTIVE))


@pytest.mark.parametrize("params", [
    {"level": "district"}, {"level": "Commune"}, {"applicant": "both"}, {"applicant": "x"},
    {"mode": "level3"}, {"agency": "abc"}, {"agency": "-1"}, {"agency": "0"}, {"agency": "1.5"},
    {"agency": "99999999999999999999999"}, {"field": "x" * 201},
])
def test_bad_filter_is_400(cat, params):
    r = cat.get("/services", params=params)
    assert_error_page(r.status_code, r.headers, r.content, 400)


# ---- paging ----

def test_paging(cat):
    per_page = 20
    ordered = sorted(ACTIVE, key=lambda p: (fold(p["name"]), p["name"]))
    assert len(ordered) > per_page
    soup1 = page(cat.get("/services"))
    assert result_codes(soup1) == [p["code"] for p in ordered[:per_page]]
    nav = soup1.find("nav", attrs={"aria-label": "Phân trang kết quả"})
    assert nav is not None
    assert nav.find("a", rel="prev") is None
    assert nav.find("a", rel="next")["href"] == "/services?page=2"
    assert nav.find(attrs={"aria-current": "page"}).get_text(" ", strip=True) == "Trang 1"

    soup2 = page(cat.get("/services", params={"page": "2"}))
    assert result_codes(soup2) == [p["code"] for p in ordered[per_page:]]
    assert "trang 2/2" in count_text(soup2)
    nav = soup2.find("nav", attrs={"aria-label": "Phân trang kết quả"})
    assert nav.find("a", rel="next") is None  # the last page
    assert nav.find("a", rel="prev")["href"] == "/services?page=1"


def test_paging_keeps_the_filters(cat):
    # A search word matches the words it begins: "0" begins the second word of every code
    # ("1.001193" folds to "1 001193"), so this is every commune procedure, over two pages.
    params = {"q": "0", "level": "commune", "field": "", "mode": ""}
    want = [p["code"] for p in sorted(ACTIVE, key=lambda p: (fold(p["name"]), p["code"]))
            if p["level"] == "commune"
            and any(w.startswith("0") for w in fold(p["code"] + " " + p["name"] + " " + p["field"]).split())]
    assert len(want) > 20
    soup = page(cat.get("/services", params=params))
    nxt = soup.find("a", rel="next")["href"]
    assert nxt == "/services?q=0&level=commune&page=2"
    assert "field=" not in nxt  # empty values are left out
    soup2 = page(cat.get(nxt))
    assert result_codes(soup) + result_codes(soup2) == want
    assert soup2.find("a", rel="prev")["href"] == "/services?q=0&level=commune&page=1"
    # The links are escaped in the HTML: "&" is written as "&amp;".
    raw = cat.get("/services", params=params).text
    assert 'href="/services?q=0&amp;level=commune&amp;page=2"' in raw


def test_search_box_keeps_vietnamese_text(cat):
    # The query typed, in Vietnamese, comes back in the search box, NFC.
    soup = page(cat.get("/services", params={"q": unicodedata.normalize("NFD", "thủ tục")}))
    box = soup.find("input", attrs={"name": "q"})
    assert box["value"] == "thủ tục"


def test_paging_filter_with_two_pages(cat):
    want = [p["code"] for p in sorted(ACTIVE, key=lambda p: (fold(p["name"]), p["name"]))
            if p["level"] == "commune"]
    assert len(want) > 20
    soup = page(cat.get("/services", params={"level": "commune"}))
    assert result_codes(soup) == want[:20]
    nxt = soup.find("a", rel="next")["href"]
    assert nxt == "/services?level=commune&page=2"
    soup2 = page(cat.get(nxt))
    assert result_codes(soup2) == want[20:]
    prev = soup2.find("a", rel="prev")["href"]
    assert prev == "/services?level=commune&page=1"


def test_page_beyond_the_end(cat):
    soup = page(cat.get("/services", params={"page": "3"}))
    assert result_codes(soup) == []
    text = soup.find("main").get_text(" ", strip=True)
    assert "Trang này không có thủ tục nào." in text
    assert soup.find("a", string=re.compile("trang cuối"))["href"] == "/services?page=2"
    assert count_text(soup).startswith("Tìm thấy %d thủ tục" % len(ACTIVE))
    soup = page(cat.get("/services", params={"page": "10000"}))
    assert result_codes(soup) == []
    # A search without results has no pages at all.
    soup = page(cat.get("/services", params={"q": "xyzzy", "page": "5"}))
    assert "Không tìm thấy thủ tục phù hợp." in soup.get_text()


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "10001", "01", "+2", " 2",
                                   "99999999999999999999", "2 "])
def test_bad_page_is_400(cat, value):
    r = cat.get("/services", params={"page": value})
    assert_error_page(r.status_code, r.headers, r.content, 400)


# ---- the detail page ----

def test_detail_birth_registration(cat):
    r = cat.get("/services/1.001193")
    soup = page(r)
    assert r.headers.get("cache-control") == "no-store"
    assert soup.find("h1").get_text(strip=True) == "Đăng ký khai sinh"
    assert "Đăng ký khai sinh" in soup.title.get_text()
    for heading in ("Thông tin chung", "Trình tự thực hiện", "Cách thức thực hiện",
                    "Thành phần hồ sơ", "Thời hạn giải quyết", "Phí, lệ phí",
                    "Yêu cầu, điều kiện", "Căn cứ pháp lý", "Kết quả", "Nơi tiếp nhận"):
        assert soup.find("h2", string=heading) is not None, heading

    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
             for dt in section(soup, "thong-tin-chung").find_all("dt")}
    assert facts == {"Mã thủ tục": "1.001193", "Lĩnh vực": "Hộ tịch", "Cấp thực hiện": "Cấp xã",
                     "Đối tượng thực hiện": "Công dân",
                     "Mức độ": "Dịch vụ công trực tuyến toàn trình",
                     "Ngày cập nhật": "01/01/2026"}

    # Multi-line texts: one paragraph per non-empty line (CR LF and blank lines included).
    steps = [p_.get_text() for p_ in section(soup, "trinh-tu").find_all("p")]
    assert steps == ["Bước 1: Người yêu cầu nộp tờ khai và giấy tờ theo quy định.",
                     "Bước 2: Công chức tư pháp – hộ tịch kiểm tra hồ sơ.",
                     "Bước 3: Trả Giấy khai sinh cho người yêu cầu."]
    assert [p_.get_text() for p_ in section(soup, "cach-thuc").find_all("p")] == [
        "Nộp trực tiếp tại bộ phận một cửa.", "Nộp trực tuyến trên Cổng dịch vụ công."]
    assert [p_.get_text() for p_ in section(soup, "can-cu").find_all("p")] == [
        "Luật Hộ tịch số 60/2014/QH13.", "Nghị định số 123/2015/NĐ-CP."]
    assert section_text(soup, "ket-qua").endswith("Giấy khai sinh (bản chính)")
    assert "Trong ngày làm việc (tiếp nhận sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo)" \
        in section_text(soup, "thoi-han")
    fees = section_text(soup, "phi-le-phi")
    assert "Miễn phí" in fees and "Miễn lệ phí khi đăng ký đúng hạn" in fees
    assert "Không có" in section_text(soup, "yeu-cau")  # empty conditions

    rows = section(soup, "thanh-phan-ho-so").find("tbody").find_all("tr")
    assert len(rows) == 3
    cells = [[c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])] for row in rows]
    assert cells[0][:5] == ["1", "Tờ khai đăng ký khai sinh", "Bản chính: 1, Bản sao: 0",
                            "Bắt buộc", "PDF, JPG, PNG; tối đa 10 MB"]
    assert cells[0][5].startswith("Tải mẫu")
    assert cells[1][1] == "Giấy chứng sinh" and "Tải mẫu" not in cells[1][5]
    assert cells[2][1:5] == ["Văn bản ủy quyền", "Bản chính: 0, Bản sao: 1",
                             "Tùy trường hợp: Trường hợp nộp hồ sơ thay",
                             "PDF; tối đa 5 MB; được nộp nhiều tệp"]


def test_detail_times_and_money(cat):
    def detail(code):
        return page(cat.get("/services/" + code))

    soup = detail("3.000333")
    assert section_text(soup, "thoi-han").startswith("Thời hạn giải quyết 10 ngày làm việc")
    assert "Trường hợp cần xác minh: không quá 15 ngày" in section_text(soup, "thoi-han")
    fees = [li.get_text(" ", strip=True) for li in section(soup, "phi-le-phi").find_all("li")]
    assert fees == ["200.000 đồng : Mỗi lần cấp",
                    "100.000 đồng : Sinh viên, người có công với cách mạng"]
    soup = detail("2.002001")
    assert "1.234.567 đồng" in section_text(soup, "phi-le-phi")
    soup = detail("2.000635")
    assert "8 giờ làm việc" in section_text(soup, "thoi-han")
    assert "8.000 đồng" in section_text(soup, "phi-le-phi")
    assert "Công dân, tổ chức, doanh nghiệp" in section_text(soup, "thong-tin-chung")
    soup = detail("2.000815")
    fees = section_text(soup, "phi-le-phi")
    assert "2.000 đồng" in fees and "1.000 đồng" in fees
    assert "Chỉ cung cấp thông tin" in section_text(soup, "thong-tin-chung")
    soup = detail("1.001612")
    assert "100.000 đồng" in section_text(soup, "phi-le-phi")
    assert "tối đa 1,5 MB" in section_text(soup, "thanh-phan-ho-so")
    assert "Tổ chức, doanh nghiệp" in section_text(soup, "thong-tin-chung")
    soup = detail("1.013225")
    assert [p_.get_text() for p_ in section(soup, "yeu-cau").find_all("p")] == [
        "Có quyền sử dụng đất hợp pháp.", "Có thiết kế phù hợp quy hoạch."]
    soup = detail("1.001699")  # no fees at all
    assert "Không thu phí, lệ phí." in section_text(soup, "phi-le-phi")
    assert "Không yêu cầu giấy tờ." in section_text(soup, "thanh-phan-ho-so")


def desks(soup):
    """The "Nơi tiếp nhận" cards: name -> (text, online button or None)."""
    out = {}
    for card in section(soup, "noi-tiep-nhan").select(".card"):
        name = card.find("h3").get_text(strip=True)
        btn = link_with(card, "Nộp hồ sơ trực tuyến")
        out[name] = (card.get_text(" ", strip=True), btn)
    return out


def link_with(container, text):
    """The first link whose text (hidden parts included) contains 'text', or None."""
    for a in container.find_all("a"):
        if text in a.get_text():
            return a
    return None


def submit_buttons(soup):
    return [a for a in soup.find_all("a") if a.get("href", "").startswith("/dossiers/new")]


def test_detail_where_to_submit(cat):
    soup = page(cat.get("/services/1.001193"))
    cards = desks(soup)
    # The offering at an inactive agency is not shown.
    assert set(cards) == {"Ủy ban nhân dân xã Quảng Phú",
                          "Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"}
    text, btn = cards["Ủy ban nhân dân xã Quảng Phú"]
    assert "Số 1 đường Lê Lợi, Ủy ban nhân dân xã Quảng Phú" in text
    assert "motcua-xa@thanhhoa.gov.vn" in text
    assert "0237 385 2000" in text
    assert "Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00" in text
    assert "Thứ Bảy: 07:30–11:30" in text
    assert "Chủ nhật" not in text
    assert btn is not None and btn["href"] == "/dossiers/new?offering=%d" % cat.offering["ks_xa"]
    text, btn = cards["Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"]
    assert btn is None  # this desk does not take it online
    hours = [li.get_text(strip=True) for li in
             section(soup, "noi-tiep-nhan").find_all("li")]
    assert "Thứ Hai – Thứ Năm: 07:00–11:30, 13:30–17:00" in hours
    assert "Thứ Sáu: 07:00–11:30" in hours
    assert "Thứ Bảy – Chủ nhật: 08:00–11:00" in hours
    assert "Cơ quan giải quyết Ủy ban nhân dân xã Quảng Phú" in text
    assert len(submit_buttons(soup)) == 1


def test_detail_online_button_only_where_open(cat):
    # partial mode, online offering: open.
    soup = page(cat.get("/services/1.000894"))
    assert [a["href"] for a in submit_buttons(soup)] == [
        "/dossiers/new?offering=%d" % cat.offering["kh_xa"]]
    # full mode, desk and competent agency differ.
    soup = page(cat.get("/services/3.000333"))
    assert [a["href"] for a in submit_buttons(soup)] == [
        "/dossiers/new?offering=%d" % cat.offering["lltp"]]
    text, _ = desks(soup)["Trung tâm Phục vụ hành chính công tỉnh Thanh Hóa"]
    assert "Cơ quan giải quyết Công an tỉnh Thanh Hóa" in text
    # "info" mode: an online offering still gives no button.
    soup = page(cat.get("/services/2.000815"))
    assert "Ủy ban nhân dân xã Quảng Phú" in desks(soup)
    assert submit_buttons(soup) == []
    # Offline offering only.
    soup = page(cat.get("/services/1.013225"))
    assert submit_buttons(soup) == []
    # Inactive offering only: nowhere to submit.
    soup = page(cat.get("/services/1.001612"))
    assert desks(soup) == {} and submit_buttons(soup) == []
    assert "đang được cập nhật" in section_text(soup, "noi-tiep-nhan")
    # Only at an inactive agency.
    soup = page(cat.get("/services/1.004194"))
    assert desks(soup) == {} and submit_buttons(soup) == []


@pytest.mark.parametrize("path", ["/services/0.000000", "/services/1.001194", "/services/abc",
                                  "/services/%3Cscript%3Exss-marker%3C%2Fscript%3E",
                                  "/services/1.001193x"])
def test_unknown_code_is_404(cat, path):
    r = cat.get(path)
    assert_error_page(r.status_code, r.headers, r.content, 404)


def test_inactive_procedure_is_404(cat):
    r = cat.get("/services/9.999002")
    assert_error_page(r.status_code, r.headers, r.content, 404)


# ---- template downloads ----

def template_of(code, position):
    return BY_CODE[code]["documents"][position]["template"]


def test_template_download(cat):
    soup = page(cat.get("/services/1.001193"))
    link = link_with(section(soup, "thanh-phan-ho-so"), "Tải mẫu")
    assert link.get_text(" ", strip=True) == "Tải mẫu Tờ khai đăng ký khai sinh.docx"
    href = link["href"]
    tpl = template_of("1.001193", 0)
    assert href.startswith("/services/1.001193/templates/")
    assert unquote(href.rsplit("/", 1)[1]) == tpl["name"]
    r = cat.get(href)
    assert r.status_code == 200
    assert r.content == base64.b64decode(tpl["content_base64"])
    assert r.headers["content-type"] == tpl["media_type"]
    assert r.headers["content-length"] == str(len(r.content))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert_security_headers(r.headers)
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;")
    m = re.search(r"filename\*=UTF-8''([^;\s]+)", cd)
    assert m and unquote(m.group(1), encoding="utf-8") == "Tờ khai đăng ký khai sinh.docx"
    m = re.search(r'filename="([^"]*)"', cd)
    assert m and m.group(1) == "To khai dang ky khai sinh.docx"
    assert all(32 <= ord(c) < 127 for c in cd)
    # HEAD: the same headers, no body.
    h = requests.head(cat.url + href, timeout=TIMEOUT)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["content-length"] == str(len(r.content))


def test_template_download_pdf_with_ascii_name(cat):
    soup = page(cat.get("/services/1.000894"))
    href = link_with(section(soup, "thanh-phan-ho-so"), "Tải mẫu")["href"]
    tpl = template_of("1.000894", 0)
    r = cat.get(href)
    assert r.status_code == 200
    assert r.content == base64.b64decode(tpl["content_base64"])
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"mau-to-khai-ket-hon.pdf\"; "
        "filename*=UTF-8''mau-to-khai-ket-hon.pdf")


def doc_ids(db_path, code):
    con = sqlite3.connect(db_path)
    try:
        return [row[0] for row in con.execute(
            "SELECT d.id FROM procedure_documents d JOIN procedures p ON p.id = d.procedure_id"
            " WHERE p.code = ? ORDER BY d.position", (code,))]
    finally:
        con.close()


def test_template_wrong_links_are_404(cat):
    db = os.path.join(cat.srv.data, "motcua.db")
    birth = doc_ids(db, "1.001193")
    marriage = doc_ids(db, "1.000894")
    retired = doc_ids(db, "9.999002")
    name = quote(template_of("1.001193", 0)["name"])
    other = quote(template_of("1.000894", 0)["name"])
    assert cat.get("/services/1.001193/templates/%d/%s" % (birth[0], name)).status_code == 200
    for path in [
        "/services/1.001193/templates/%d/%s" % (birth[1], name),        # no template
        "/services/1.001193/templates/%d/%s" % (marriage[0], other),    # another procedure's
        "/services/1.000894/templates/%d/%s" % (birth[0], name),        # code of another
        "/services/1.001193/templates/%d/%s" % (birth[0], "wrong.docx"),  # wrong name
        "/services/1.001193/templates/%d/%s" % (birth[0], quote("to khai dang ky khai sinh.docx")),
        "/services/1.001193/templates/%d/%s" % (birth[0], name + "x"),
        "/services/1.001193/templates/abc/%s" % name,
        "/services/1.001193/templates/0/%s" % name,
        "/services/1.001193/templates/-1/%s" % name,
        "/services/1.001193/templates/999999/%s" % name,
        "/services/9.999002/templates/%d/to-khai-cu.pdf" % retired[0],  # inactive procedure
        "/services/9.999999/templates/%d/%s" % (birth[0], name),
    ]:
        r = cat.get(path)
        assert_error_page(r.status_code, r.headers, r.content, 404)


# ---- escaping ----

def test_names_are_escaped(cat):
    raw_name = BY_CODE["9.999001"]["name"]
    assert "<script>" in raw_name
    r = cat.get("/services", params={"q": "thu tuc thu"})
    soup = page(r)
    assert result_names(soup) == [raw_name]
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert not [s for s in soup.find_all("script") if "alert" in (s.string or "")]
    r = cat.get("/services/9.999001")
    soup = page(r)
    assert soup.find("h1").get_text() == raw_name
    assert "<script>alert(1)</script>" not in r.text
    assert not [s for s in soup.find_all("script") if "alert" in (s.string or "")]


def test_search_text_is_escaped(cat):
    marker = "<script>xss-marker</script>\"'"
    r = cat.get("/services", params={"q": marker})
    soup = page(r)
    assert soup.find("input", id="q")["value"] == marker
    assert "<script>xss-marker" not in r.text
    # An unknown field value is shown as chosen, escaped.
    r = cat.get("/services", params={"field": "<b>x</b>"})
    soup = page(r)
    assert soup.find("select", id="field").find("option", selected=True)["value"] == "<b>x</b>"
    assert "<b>x</b>" not in r.text
