"""The HTML side of the web app, through Flask's test client.

Search page (hits, highlights, facet toggles, pagination, sort, year range, zero
results), document page (metadata with provenance, highlighted full text, notes, related
documents, download), escaping, bad parameters, a missing index that appears later, a
rebuilt index served without restart, security headers and the read-only rule.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from flask.testing import FlaskClient

from search.indexer import build_index
from tests.conftest import SCRIPT, SEED_IDS, SEEDS, build_small_index, make_app
from web.urls import (SEARCH_PARAMS, clear_filters, with_param, with_value, without_params,
                      without_value)

KONTUM_KL = SEED_IDS["kontum_kl"]
QUANGNGAI_CT = SEED_IDS["quangngai_ct"]
KONTUM_BC = SEED_IDS["kontum_bc"]
QUERY = "xa dac biet kho khan"


# -- fixtures (the seed index's app and client, small_index: tests/conftest.py) -------------
@pytest.fixture()
def small_client(small_index: Path) -> Iterator[FlaskClient]:
    for app in make_app(small_index):
        yield app.test_client()


# -- helpers -------------------------------------------------------------------------------
def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:500])
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def hits(soup: BeautifulSoup) -> list:
    return soup.select("ol.hits > li.hit")


def hit_numbers(soup: BeautifulSoup) -> list[str | None]:
    return [(h.select_one(".badge-number").get_text(strip=True)
             if h.select_one(".badge-number") else None) for h in hits(soup)]


def hit_ids(soup: BeautifulSoup) -> list[str]:
    return [urlsplit(h.select_one(".hit-title a")["href"]).path.rsplit("/", 1)[1]
            for h in hits(soup)]


def facet_link(soup: BeautifulSoup, facet: str, value: str):
    for a in soup.select(f".facet-{facet} a.facet-link"):
        if a.select_one(".facet-value").get_text(strip=True) == value:
            return a
    raise AssertionError(f"no link for {facet}={value}")


def facet_count(soup: BeautifulSoup, facet: str, value: str) -> int:
    return int(facet_link(soup, facet, value).select_one(".count").get_text(strip=True))


def total(soup: BeautifulSoup) -> int:
    node = soup.select_one(".summary .total")
    return int(node.get_text(strip=True).replace(".", "")) if node else 0


def query_of(href: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(href).query)


# -- the URL helpers (a parametrised table) --------------------------------------------------
BASE = [("q", "giam ngheo"), ("province", "Kon Tum"), ("page", "3")]


@pytest.mark.parametrize(
    ("func", "args", "key", "value", "expected"),
    [
        # adding a value keeps the others (OR within a facet) and resets the page
        (with_value, BASE, "province", "Cao Bằng",
         [("q", "giam ngheo"), ("province", "Kon Tum"), ("province", "Cao Bằng")]),
        (with_value, BASE, "doc_type", "Kết luận",
         [("q", "giam ngheo"), ("province", "Kon Tum"), ("doc_type", "Kết luận")]),
        # adding a value already there changes nothing but the page
        (with_value, BASE, "province", "Kon Tum", [("q", "giam ngheo"), ("province", "Kon Tum")]),
        (with_value, [], "year", "2021", [("year", "2021")]),
        # removing one value keeps the other values of the same facet
        (without_value, BASE + [("province", "Cao Bằng")], "province", "Kon Tum",
         [("q", "giam ngheo"), ("province", "Cao Bằng")]),
        (without_value, BASE, "province", "Kon Tum", [("q", "giam ngheo")]),
        (without_value, BASE, "province", "Điện Biên",
         [("q", "giam ngheo"), ("province", "Kon Tum")]),
        # single-valued parameters
        (with_param, BASE, "sort", "newest",
         [("q", "giam ngheo"), ("province", "Kon Tum"), ("sort", "newest")]),
        (with_param, BASE + [("sort", "oldest")], "sort", None,
         [("q", "giam ngheo"), ("province", "Kon Tum")]),
        (with_param, BASE, "page", "4",
         [("q", "giam ngheo"), ("province", "Kon Tum"), ("page", "4")]),
        (with_param, BASE, "q", "nong thon", [("q", "nong thon"), ("province", "Kon Tum")]),
        # empty and unknown parameters are dropped
        (with_value, [("q", ""), ("year_from", ""), ("utm", "x")], "year", "2016",
         [("year", "2016")]),
    ],
)
def test_url_helpers(func, args, key, value, expected) -> None:
    assert parse_qsl(func(args, key, value)) == expected


def test_url_helpers_encode_spaces_and_vietnamese() -> None:
    qs = with_value([("q", "xã đặc biệt")], "province", "Kon Tum")
    assert "province=Kon+Tum" in qs and "q=x%C3%A3+" in qs


def test_clear_and_without_params() -> None:
    args = BASE + [("year", "2021"), ("year_from", "2016"), ("sort", "newest")]
    assert parse_qsl(clear_filters(args)) == [("q", "giam ngheo"), ("sort", "newest")]
    assert parse_qsl(without_params(args, "sort", "q")) == [
        ("province", "Kon Tum"), ("year", "2021"), ("year_from", "2016")]


# -- search page -----------------------------------------------------------------------------
def test_search_page_shows_hits_at_a_glance(client: FlaskClient) -> None:
    soup = page(client, f"/?q={QUERY}")
    assert soup.html["lang"] == "vi"
    assert "width=device-width" in soup.select_one('meta[name="viewport"]')["content"]
    assert soup.select_one("input#q")["value"] == QUERY
    assert total(soup) == 5
    assert soup.select_one(".summary .took").get_text(strip=True).endswith("ms)")
    first = hits(soup)[0]
    assert first.select_one(".badge-number").get_text(strip=True) == "237-KL/TU"
    assert first.select_one(".badge-type").get_text(strip=True) == "Kết luận"
    assert first.select_one(".meta-date").get_text(strip=True).endswith("08/11/2021")
    assert first.select_one(".meta-province").get_text(strip=True) == "Kon Tum (nay: Quảng Ngãi)"
    assert first.select_one(".meta-issuer").get_text(strip=True) == "Tỉnh ủy"
    title = first.select_one(".hit-title a")
    assert "xã đặc biệt khó khăn" in title.get_text()
    assert title["href"] == f"/documents/{KONTUM_KL}?q=xa+dac+biet+kho+khan"
    marks = first.select(".passages mark")
    assert marks and any(m.get_text() == "xã đặc biệt khó khăn" for m in marks)


def test_province_unchanged_by_merger_shows_once(client: FlaskClient) -> None:
    soup = page(client, "/?province=Cao+Bằng")
    assert [h.select_one(".meta-province").get_text(strip=True) for h in hits(soup)] == ["Cao Bằng"]


def test_facet_sidebar_labels_and_counts(client: FlaskClient) -> None:
    soup = page(client, "/")
    labels = [h.get_text(strip=True) for h in soup.select(".facet h3")]
    assert labels == ["Tỉnh/thành (khi ban hành)", "Tỉnh/thành (sau sáp nhập 2025)", "Năm",
                      "Loại văn bản", "Cơ quan ban hành", "Tình trạng"]
    assert facet_count(soup, "province", "Kon Tum") == 2
    assert facet_count(soup, "province_2025", "Quảng Ngãi") == 3
    assert facet_count(soup, "doc_type", "Kết luận") == 2


def test_facet_toggle_selects_and_deselects(client: FlaskClient) -> None:
    soup = page(client, f"/?q={QUERY}")
    link = facet_link(soup, "province", "Kon Tum")
    assert "is-selected" not in link["class"]
    assert ("province", "Kon Tum") in query_of(link["href"]) and "province=Kon+Tum" in link["href"]

    selected = page(client, link["href"])
    assert total(selected) == 2
    assert {h.select_one(".meta-province").get_text(strip=True) for h in hits(selected)} == {
        "Kon Tum (nay: Quảng Ngãi)"}
    link = facet_link(selected, "province", "Kon Tum")
    assert "is-selected" in link["class"] and link["aria-current"] == "true"
    assert selected.select_one("input#q")["value"] == QUERY  # the query is kept
    # other facets are counted within the selection
    assert facet_count(selected, "doc_type", "Báo cáo") == 1

    deselected = page(client, link["href"])
    assert total(deselected) == 5
    assert ("province", "Kon Tum") not in query_of(link["href"])
    assert ("q", QUERY) in query_of(link["href"])


def test_values_of_one_facet_are_ored_and_facets_anded(client: FlaskClient) -> None:
    soup = page(client, facet_link(page(client, "/"), "province", "Kon Tum")["href"])
    both = page(client, facet_link(soup, "province", "Cao Bằng")["href"])
    assert total(both) == 3  # Kon Tum (2) OR Cao Bằng (1)
    assert sorted(v for k, v in query_of(facet_link(both, "province", "Kon Tum")["href"])
                  if k == "province") == ["Cao Bằng"]
    anded = page(client, facet_link(both, "doc_type", "Báo cáo")["href"])
    assert total(anded) == 1  # (Kon Tum OR Cao Bằng) AND Báo cáo
    assert hit_numbers(anded) == ["112-BC/TU"]


def test_active_filter_chips_and_clear_all(client: FlaskClient) -> None:
    soup = page(client, f"/?q={QUERY}&province=Kon+Tum&doc_type=Kết+luận&year_from=2016")
    chips = [c.get_text(" ", strip=True) for c in soup.select(".chips .chip")]
    assert len(chips) == 3 and any("Kon Tum" in c for c in chips)
    clear = soup.select_one(".chips .clear-all")["href"]
    assert query_of(clear) == [("q", QUERY)]
    assert total(page(client, clear)) == 5
    # a chip removes only its own filter
    chip = next(c for c in soup.select(".chips .chip") if "Kết luận" in c.get_text())
    assert ("doc_type", "Kết luận") not in query_of(chip["href"])
    assert ("province", "Kon Tum") in query_of(chip["href"])


def test_selected_value_without_hits_can_be_deselected(client: FlaskClient) -> None:
    soup = page(client, "/?q=zzzqqq&year=2021")
    link = facet_link(soup, "year", "2021")
    assert "is-selected" in link["class"] and link.select_one(".count").get_text() == "0"
    assert ("year", "2021") not in query_of(link["href"])


def test_pagination_links(client: FlaskClient) -> None:
    first = page(client, "/?per_page=2")
    assert total(first) == 5 and len(hits(first)) == 2
    nav = first.select_one("nav.pagination")
    assert nav.select_one('[aria-current="page"]').get_text(strip=True) == "1"
    assert [a.get_text(strip=True) for a in nav.select("a")] == ["2", "3", "Sau ›"]
    second = page(client, nav.select_one('a[rel="next"]')["href"])
    assert second.select_one('nav.pagination [aria-current="page"]').get_text(strip=True) == "2"
    assert second.select_one("ol.hits")["start"] == "3"
    third = page(client, second.select_one('nav.pagination a[rel="next"]')["href"])
    assert len(hits(third)) == 1 and not third.select('nav.pagination a[rel="next"]')
    seen = hit_ids(first) + hit_ids(second) + hit_ids(third)
    assert sorted(seen) == sorted(SEED_IDS.values())  # every document once, none twice
    # facet links and sort links start again from page 1
    assert "page" not in dict(query_of(facet_link(second, "year", "2021")["href"]))
    assert all("page" not in dict(query_of(a["href"])) for a in second.select("nav.sort a"))
    assert ("per_page", "2") in query_of(second.select("nav.sort a")[0]["href"])


def test_one_page_has_no_pagination(client: FlaskClient) -> None:
    assert page(client, f"/?q={QUERY}").select_one("nav.pagination") is None


@pytest.mark.parametrize(("sort", "expected"), [
    ("newest", ["2021-11-08", "2021-08-11", "2016-06-30"]),
    ("oldest", ["2016-06-30", "2021-08-11", "2021-11-08"]),
])
def test_sort(client: FlaskClient, sort: str, expected: list[str]) -> None:
    soup = page(client, "/?year_from=2000")
    link = next(a for a in soup.select("nav.sort a") if ("sort", sort) in query_of(a["href"]))
    sorted_page = page(client, link["href"])
    dates = [h.select_one(".meta-date").get_text(strip=True) for h in hits(sorted_page)]
    assert dates == ["/".join(reversed(d.split("-"))) for d in expected]
    assert sorted_page.select_one(".sort-current").get_text(strip=True) == {
        "newest": "Mới nhất", "oldest": "Cũ nhất"}[sort]


@pytest.mark.parametrize(("query", "count"), [
    ("year_from=2017", 2), ("year_to=2016", 1), ("year_from=2016&year_to=2016", 1),
    ("year_from=2022", 0), ("year_from=&year_to=", 5),
])
def test_year_range(client: FlaskClient, query: str, count: int) -> None:
    soup = page(client, f"/?{query}")
    assert total(soup) == count
    form = soup.select_one("form.year-range")
    assert form["method"] == "get"
    expected = dict(parse_qsl(query))
    for name in ("year_from", "year_to"):
        assert form.select_one(f'input[name="{name}"]')["value"] == expected.get(name, "")


def test_year_range_form_keeps_the_rest_of_the_state(client: FlaskClient) -> None:
    soup = page(client, f"/?q={QUERY}&province=Kon+Tum&sort=newest&page=2&per_page=1")
    hidden = [(i["name"], i["value"]) for i in soup.select('form.year-range input[type="hidden"]')]
    assert hidden == [("q", QUERY), ("province", "Kon Tum"), ("sort", "newest"), ("per_page", "1")]
    header = [(i["name"], i["value"]) for i in soup.select('form.search-form input[type="hidden"]')]
    assert header == [("province", "Kon Tum"), ("sort", "newest"), ("per_page", "1")]


def test_zero_results_says_so(client: FlaskClient) -> None:
    soup = page(client, "/?q=zzzqqq+xyzzy")
    assert total(soup) == 0 and not hits(soup)
    assert "Không tìm thấy văn bản nào" in soup.select_one(".summary").get_text()
    assert "zzzqqq xyzzy" in soup.select_one(".empty").get_text()
    assert soup.select_one(".toolbar") is None


def test_relaxed_search_shows_the_message(client: FlaskClient) -> None:
    soup = page(client, "/?q=giam+ngheo+zzzqqq")
    assert total(soup) > 0
    assert "Không văn bản nào có đủ mọi từ" in soup.select_one(".notice").get_text()


def test_export_links_carry_the_query(client: FlaskClient) -> None:
    soup = page(client, f"/?q={QUERY}&province=Kon+Tum&page=1&per_page=1")
    links = {a.get_text(strip=True): a["href"] for a in soup.select("nav.export a")}
    assert set(links) == {"CSV", "JSON"}
    assert urlsplit(links["CSV"]).path == "/export.csv"
    assert urlsplit(links["JSON"]).path == "/export.json"
    assert query_of(links["CSV"]) == [("q", QUERY), ("province", "Kon Tum")]


def test_pages_need_no_script_and_no_inline_style(client: FlaskClient) -> None:
    for url in ("/", f"/?q={QUERY}", f"/documents/{KONTUM_KL}?q=xa", "/?page=abc", "/nope"):
        soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        assert not soup.find_all("script"), url
        assert not soup.find_all(style=True) and not soup.find_all("style"), url
        assert all(f.get("method", "get").lower() == "get" for f in soup.find_all("form")), url
        assert soup.select_one('link[rel="stylesheet"]')["href"] == "/static/style.css"


def test_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert b"@media" in response.data
    response.close()


# -- document page ---------------------------------------------------------------------------
def test_document_page_metadata_and_highlights(client: FlaskClient) -> None:
    soup = page(client, f"/documents/{KONTUM_KL}?q=xa+dac+biet+kho+khan")
    assert "xã đặc biệt khó khăn" in soup.select_one("h1").get_text()
    rows = {r.th.get_text(strip=True): r.td for r in soup.select("table.meta-table tbody tr")}
    assert rows["Số hiệu"].select_one(".meta-value").get_text(strip=True) == "237-KL/TU"
    assert rows["Ngày ban hành"].select_one(".meta-value").get_text(strip=True) == "08/11/2021"
    assert rows["Số hiệu"].select_one(".prov").get_text(strip=True) == "phần đầu văn bản"
    inferred = rows["Tỉnh/thành (sau sáp nhập 2025)"].select_one(".prov")
    assert "prov-inferred" in inferred["class"]
    assert inferred.get_text(strip=True).startswith("suy luận:")
    assert rows["Người ký"].select_one(".unknown").get_text(strip=True) == "không rõ"

    text = soup.select_one(".fulltext")
    first = text.select_one("mark#match-1")
    assert first is not None and first.get_text() == "xã đặc biệt khó khăn"
    assert len(text.select("mark")) > 5
    jump = soup.find("a", string="Đến chỗ khớp đầu tiên")
    assert jump["href"] == "#match-1"
    back = soup.select_one(".crumbs a")["href"]
    assert query_of(back) == [("q", QUERY)]


def test_document_provenance_inferred_from_districts(client: FlaskClient) -> None:
    soup = page(client, f"/documents/{QUANGNGAI_CT}")
    row = soup.select_one("tr.meta-province")
    assert row.select_one(".meta-value").get_text(strip=True) == "Quảng Ngãi"
    assert row.select_one(".prov-inferred").get_text(strip=True).startswith("suy luận: districts")
    assert soup.select_one("tr.meta-number .unknown").get_text(strip=True) == "không rõ"
    assert soup.select(".warnings li")  # "no number", "no date"


def test_document_without_query_has_no_marks(client: FlaskClient) -> None:
    soup = page(client, f"/documents/{KONTUM_KL}")
    assert not soup.select(".fulltext mark")
    assert soup.find("a", string="Đến chỗ khớp đầu tiên") is None
    assert "TỈNH ỦY KON TUM" in soup.select_one(".fulltext").get_text()


def test_document_query_without_match(client: FlaskClient) -> None:
    soup = page(client, f"/documents/{KONTUM_KL}?q=zzzqqq")
    assert not soup.select(".fulltext mark")
    assert "Không có chỗ khớp" in soup.select_one(".doc-actions").get_text()


def test_document_notes_shown_apart(client: FlaskClient, seed_index: Path) -> None:
    soup = page(client, f"/documents/{KONTUM_BC}?q=nghi+quyet")
    notes = soup.select_one("section.notes")
    assert notes is not None and notes.h2.get_text(strip=True) == "Chú thích"
    assert "87/2016/NQ-HĐND" in notes.get_text()
    assert notes.select("mark")  # the query is marked in the notes too
    body_text = soup.select_one(".doc-body > .fulltext").get_text()
    assert "87/2016/NQ-HĐND, ngày 09-12-2016" not in body_text


def test_related_documents_are_linked(small_client: FlaskClient) -> None:
    citing = page(small_client, "/documents/kl-12")
    links = [a["href"] for a in citing.select(".related-list a")]
    assert "/documents/nq-04" in links
    cited = page(small_client, "/documents/nq-04")
    cited_by = cited.select_one("#cited-by-heading").find_next("ul")
    assert [a["href"] for a in cited_by.select("a")] == ["/documents/kl-12"]
    assert "12-KL/TU" in cited_by.get_text()


def test_document_text_is_escaped(small_client: FlaskClient) -> None:
    response = small_client.get("/documents/kl-12?q=thoat")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    soup = BeautifulSoup(body, "html.parser")
    assert SCRIPT in soup.select_one(".fulltext").get_text()


def test_search_passages_are_escaped(small_client: FlaskClient) -> None:
    body = small_client.get("/?q=alert").get_data(as_text=True)
    assert "<script" not in body and "<img" not in body
    soup = BeautifulSoup(body, "html.parser")
    passages = soup.select(".passages li")
    assert passages
    assert all(child.name in (None, "mark") for li in passages for child in li.children)
    assert any("<script>" in li.get_text() for li in passages)


def test_download_returns_the_original_file(client: FlaskClient) -> None:
    soup = page(client, f"/documents/{KONTUM_KL}")
    href = soup.find("a", href=f"/documents/{KONTUM_KL}/download")["href"]
    assert client.get(f"/api/documents/{KONTUM_KL}").get_json()["links"]["download"] == href
    response = client.get(href)
    assert response.status_code == 200
    assert response.data == (SEEDS / f"{KONTUM_KL}.txt").read_bytes()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert f"{KONTUM_KL}.txt" in response.headers["Content-Disposition"]
    response.close()


@pytest.mark.parametrize("url", [
    "/documents/no-such-doc/download",
    "/documents/..%2F..%2F..%2Fetc%2Fpasswd/download",
    "/documents/../../../etc/passwd/download",
    "/documents/%2Fetc%2Fpasswd/download",
    "/documents/..",
    "/documents/no-such-doc",
])
def test_unknown_or_traversing_ids_are_404(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "root:" not in response.get_data(as_text=True)
    response.close()


def test_jsonl_record_has_no_download(small_client: FlaskClient) -> None:
    record_id = "ban-ghi-1"
    data = small_client.get(f"/api/documents/{record_id}").get_json()
    assert data["file"].endswith(".jsonl#L1") and data["links"]["download"] is None
    soup = page(small_client, f"/documents/{record_id}")
    assert soup.find("a", href=f"/documents/{record_id}/download") is None
    assert small_client.get(f"/documents/{record_id}/download").status_code == 404


def test_no_download_when_the_file_is_gone(tmp_path: Path) -> None:
    index = build_small_index(tmp_path)
    (tmp_path / "corpus" / "nq-04.txt").unlink()
    for app in make_app(index):
        client = app.test_client()
        assert client.get("/documents/nq-04/download").status_code == 404
        assert page(client, "/documents/nq-04").find("a", href="/documents/nq-04/download") is None
        response = client.get("/documents/kl-12/download")
        assert response.status_code == 200 and "alert(1)" in response.get_data(as_text=True)
        response.close()


# -- errors, a missing index, a rebuilt index -------------------------------------------------
@pytest.mark.parametrize(("query", "words"), [
    ("page=abc", "page"),
    ("page=0", "page"),
    ("page=1000000000", "page"),
    ("per_page=0", "per_page"),
    ("per_page=1000000000", "per_page"),
    ("per_page=1e3", "per_page"),
    ("sort=bogus", "sort"),
    ("year_from=abc", "year_from"),
    ("year_to=99999", "year_to"),
    ("q=nam:abc", "nam:abc"),
])
def test_bad_parameters_are_400_pages(client: FlaskClient, query: str, words: str) -> None:
    soup = page(client, f"/?{query}", status=400)
    assert soup.select_one("h1").get_text(strip=True) == "Yêu cầu không hợp lệ"
    assert words in soup.select_one(".error-message").get_text()


def test_missing_index_is_503_then_served_once_built(tmp_path: Path) -> None:
    index = tmp_path / "later"
    for app in make_app(index):
        client = app.test_client()
        soup = page(client, f"/?q={QUERY}", status=503)
        assert soup.select_one("h1").get_text(strip=True) == "Chỉ mục chưa sẵn sàng"
        assert "vnsearch build" in soup.select_one(".error-message").get_text()
        assert page(client, f"/documents/{KONTUM_KL}", status=503)
        health = client.get("/healthz")
        assert health.status_code == 503 and "vnsearch build" in health.get_json()["error"]

        build_index([SEEDS], index, workers=1)

        assert hit_numbers(page(client, f"/?q={QUERY}"))[0] == "237-KL/TU"
        assert client.get("/healthz").get_json()["documents"] == 5


def test_rebuilt_index_is_served_without_restart(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for doc_id in (KONTUM_KL, KONTUM_BC):
        shutil.copy(SEEDS / f"{doc_id}.txt", corpus)
    index = tmp_path / "ix"
    build_index([corpus], index, workers=1)
    for app in make_app(index):
        client = app.test_client()
        assert total(page(client, "/")) == 2
        generation = client.get("/healthz").get_json()["generation"]
        shutil.copy(SEEDS / f"{SEED_IDS['caobang_nq']}.txt", corpus)
        build_index([corpus], index, workers=1)  # a new generation, swapped in atomically
        assert total(page(client, "/")) == 3
        assert client.get("/healthz").get_json()["generation"] != generation


def test_corrupt_index_is_503(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    build_index([SEEDS], index, workers=1)
    current = (index / "current").resolve()
    for segment in current.iterdir():  # the manifest stays, the index files go
        if segment.name != "manifest.json" and segment.is_file():
            segment.unlink()
    for app in make_app(index):
        client = app.test_client()
        response = client.get("/")
        assert response.status_code == 503
        assert "Chỉ mục chưa sẵn sàng" in response.get_data(as_text=True)
        assert client.get("/healthz").status_code == 503


# -- headers and methods -----------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/", f"/documents/{KONTUM_KL}", "/api/search", "/healthz",
                                 "/static/style.css", "/nope", "/?page=abc",
                                 f"/documents/{KONTUM_KL}/download", "/export.csv"])
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'none'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    response.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("url", ["/", f"/documents/{KONTUM_KL}",
                                 f"/documents/{KONTUM_KL}/download"])
def test_only_get_and_head(client: FlaskClient, method: str, url: str) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert response.mimetype == "text/html"


def test_head_is_allowed(client: FlaskClient) -> None:
    response = client.head(f"/?q={QUERY}")
    assert response.status_code == 200 and response.data == b""


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(SEARCH_PARAMS),
                          st.one_of(st.text(max_size=30), st.integers().map(str))), max_size=6))
def test_any_parameters_give_a_page_never_a_500(client: FlaskClient,
                                                pairs: list[tuple[str, str]]) -> None:
    for url in (f"/?{urlencode(pairs)}", f"/api/search?{urlencode(pairs)}"):
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.data[:300])


# -- the marked text: one set of segments for the API and the page ----------------------------
WORDS = ["giảm", "nghèo", "Giảm", "NGHÈO", "xã", "xa", "đặc", "biệt", "04-NQ/TU", "bền", "vững"]
TEXTS = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from([" ", "  ", "\n", "\n\n\n",
                                                                     " \n \n", "\r\n", ", ", ". ",
                                                                     "\u00a0", "<b>", "&"])),
                 max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.sampled_from(["giam ngheo", "xa", "XÃ đặc", "04-NQ/TU", "vung", "zzz", "",
                               '"dac biet"']))
def test_segments_are_the_text_cut_at_the_marks(text: str, q: str) -> None:
    from search.highlight import full_text
    from search.text.normalize import fold
    from web.marks import highlight_terms, marked_segments
    from web.views import compact_text, marked_text_html

    terms = highlight_terms(q)
    parts = marked_segments(text, terms)
    assert "".join(p["text"] for p in parts) == text
    words = {fold(w) for w in terms.exact} | set(terms.folded)
    for p in parts:
        if p["match"]:  # a mark is query words, spaces between them at most
            assert all(fold(w) in words for w in p["text"].replace("\u00a0", " ").split())
    # the page's HTML from the segments is what full_text gave for the compacted text
    assert marked_text_html(parts, "match-1") == full_text(compact_text(text), terms,
                                                            anchor="match-1")


@pytest.mark.parametrize(("q", "marks", "note_marks"), [
    ("nghi quyet", True, True),
    ("zzzqqq", False, False),
    ("", False, False),
])
def test_document_page_renders_the_api_segments(client: FlaskClient, q: str, marks: bool,
                                                note_marks: bool) -> None:
    url = f"/documents/{KONTUM_BC}" + (f"?{urlencode({'q': q})}" if q else "")
    soup = page(client, url)
    data = client.get("/api" + url).get_json()
    body_marks = [m.get_text() for m in soup.select(".doc-body > .fulltext mark")]
    note_texts = [m.get_text() for m in soup.select(".notes-text mark")]
    assert bool(body_marks) == marks and bool(note_texts) == note_marks
    if data["highlight"] is None:
        assert not q and not body_marks
    else:
        assert body_marks == [p["text"] for p in data["highlight"]["text"] if p["match"]]
        assert note_texts == [p["text"] for p in data["highlight"]["notes"] if p["match"]]


# -- facet toggles for any selection --------------------------------------------------------------
SELECTABLE = [("province", "Kon Tum"), ("province", "Cao Bằng"), ("province_2025", "Quảng Ngãi"),
              ("year", "2021"), ("year", "2016"), ("doc_type", "Kết luận"), ("doc_type", "Báo cáo")]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SELECTABLE), unique=True, max_size=4),
       st.sampled_from(["", "giam ngheo", "zzzqqq"]))
def test_facet_toggles_for_any_selection(client: FlaskClient, chosen: list[tuple[str, str]],
                                         q: str) -> None:
    """Every listed value is selected exactly when the request selects it, and its link
    adds it when it is not, removes it alone when it is; the page shows the same."""
    pairs = ([("q", q)] if q else []) + chosen
    data = client.get("/api/search?" + urlencode(pairs)).get_json()
    soup = page(client, "/?" + urlencode(pairs))
    for facet, values in data["facet_values"].items():
        listed = {v["value"] for v in values}
        assert {v for k, v in chosen if k == facet} <= listed  # selected ones stay listed
        for v in values:
            assert v["selected"] == ((facet, v["value"]) in chosen)
            expected = ([p for p in pairs if p != (facet, v["value"])] if v["selected"]
                        else pairs + [(facet, v["value"])])
            # (werkzeug's MultiDict groups a repeated key's values: compare as multisets)
            assert sorted(parse_qsl(v["query"])) == sorted(expected)
            link = facet_link(soup, facet, v["value"])
            assert link["href"] == v["href"]
            assert ("is-selected" in link["class"]) == v["selected"]


@pytest.mark.parametrize("url", [
    "/api/search?q=ngh%C3%A8o",
    f"/api/documents/{SEED_IDS['kontum_kl']}",
    "/export.json?q=ngh%C3%A8o",
    "/export.csv?q=ngh%C3%A8o",
    "/feed.atom?q=ngh%C3%A8o",
])
def test_no_answer_tells_where_the_server_keeps_its_files(client: FlaskClient, url: str) -> None:
    """The file's name, never its directories (the seeds are indexed from their absolute
    paths, so the parent directory would appear if any answer carried the path)."""
    body = client.get(url).get_data(as_text=True)
    assert str(SEEDS.resolve()) not in body and str(SEEDS) not in body, url
    if url.startswith("/api/"):
        assert f"{SEED_IDS['kontum_kl']}" in body
