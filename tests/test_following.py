"""Following and printing, over HTTP against a real server process: the Atom feed of a
search, the CSV export for Excel, the document page's link back to its search, the year
facet within a year range, and a backwards range said on the page.

The corpus is written here: three provinces, dated documents, a provincial number cited
within its province and from another (which must not count: 04-NQ/TU of Gia Lai is not
Kon Tum's).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings, strategies as st

from search.messages import Message
from tests.conftest import Server, fetch, index_texts, running_server
from web.exports import EXPORT_COLUMNS, EXPORT_LABELS, export_filename
from web.feeds import FEED_ENTRIES
from web.messages import word_vi

pytestmark = pytest.mark.slow  # one real server process for the module


def doc(province: str, number: str, day: str, kind: str, title: str, body: str) -> str:
    d, m, y = day.split("/")
    return (f"TỈNH ỦY {province.upper()}\n*\nSố {number}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
            f"{province}, ngày {d} tháng {m} năm {y}\n\n{kind}\n{title}\n\n{body}\n")


TEXTS = {
    "kt-04": doc("Kon Tum", "04-NQ/TU", "19/08/2016", "NGHỊ QUYẾT", "về giảm nghèo bền vững",
                 "Ban Chấp hành Đảng bộ tỉnh quyết nghị tập trung giảm nghèo bền vững ở các "
                 "xã đặc biệt khó khăn."),
    "kt-12": doc("Kon Tum", "12-KL/TU", "08/11/2021", "KẾT LUẬN",
                 "về tổng kết Nghị quyết số 04-NQ/TU",
                 "Sau 05 năm thực hiện Nghị quyết số 04-NQ/TU, ngày 19-8-2016 của Tỉnh ủy về "
                 "giảm nghèo bền vững, tỷ lệ hộ nghèo giảm nhanh."),
    "gl-20": doc("Gia Lai", "20-KH/TU", "02/05/2019", "KẾ HOẠCH",
                 "thực hiện Nghị quyết số 04-NQ/TU",
                 "Thực hiện Nghị quyết số 04-NQ/TU, ngày 10-3-2016 của Tỉnh ủy Gia Lai về "
                 "giảm nghèo, các huyện xây dựng kế hoạch."),
    "qn-05": doc("Quảng Ngãi", "05-CT/TU", "10/01/2023", "CHỈ THỊ", "về phát triển du lịch",
                 "Phát triển du lịch cộng đồng gắn với bảo tồn văn hóa."),
}


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("following")
    index_texts(root, TEXTS)
    return root


@pytest.fixture(scope="module")
def server(corpus_root: Path) -> Iterator[Server]:
    with running_server(corpus_root / "ix") as running:
        yield running


def get(server: Server, path: str, params: list[tuple[str, str]] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
    return fetch(server.url(path + (f"?{urlencode(params)}" if params else "")))


def api(server: Server, path: str, params: list[tuple[str, str]]) -> dict[str, Any]:
    status, _headers, body = get(server, path, params)
    assert status == 200, body[:300]
    data: dict[str, Any] = json.loads(body)
    return data


def soup_of(server: Server, path: str, params: list[tuple[str, str]] | None = None
            ) -> BeautifulSoup:
    status, _headers, body = get(server, path, params)
    assert status == 200, body[:300]
    return BeautifulSoup(body.decode("utf-8"), "html.parser")


# -- the Atom feed -------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "numbers"), [
    ([("q", "giảm nghèo")], ["12-KL/TU", "20-KH/TU", "04-NQ/TU"]),  # newest first
    ([("q", "giam ngheo"), ("province", "Kon Tum")], ["12-KL/TU", "04-NQ/TU"]),
    ([("q", "giảm nghèo"), ("sort", "oldest"), ("page", "2")],  # one order, one page
     ["12-KL/TU", "20-KH/TU", "04-NQ/TU"]),
    ([("year_from", "2019"), ("year_to", "2022")], ["12-KL/TU", "20-KH/TU"]),
    ([], ["05-CT/TU", "12-KL/TU", "20-KH/TU", "04-NQ/TU"]),
    ([("q", "zzzqqq")], []),
])
def test_the_feed_is_valid_atom_newest_first(server: Server, params: list[tuple[str, str]],
                                             numbers: list[str]) -> None:
    status, headers, body = get(server, "/feed.atom", params)
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.updated_parsed
    assert [e.title.split(" — ")[0] for e in feed.entries] == numbers
    for entry in feed.entries:
        path = urlsplit(entry.link).path
        assert re.fullmatch(r"/documents/[^/]+", path) and entry.id == entry.link
        assert fetch(entry.link)[0] == 200  # the entry leads to the document page
        number = entry.title.split(" — ")[0]
        province = next(t for t in TEXTS.values() if f"Số {number}" in t).split("\n")[0]
        assert f"Số {number}" in entry.summary
        assert province.replace("TỈNH ỦY ", "").lower() in entry.summary.lower()
        assert re.search(r"ngày \d\d/\d\d/\d{4}", entry.summary)
    published = [e.published_parsed for e in feed.entries]
    assert published == sorted(published, reverse=True)


def test_the_feed_refuses_bad_parameters_with_a_code(server: Server) -> None:
    status, _headers, body = get(server, "/feed.atom", [("year_from", "abc")])
    data = json.loads(body)
    assert status == 400 and data["code"] == "param.not_integer"


def test_the_search_page_links_its_feed(server: Server) -> None:
    params = [("q", "giảm nghèo"), ("province", "Kon Tum"), ("sort", "oldest")]
    soup = soup_of(server, "/", params)
    alternate = soup.select_one('head link[rel="alternate"][type="application/atom+xml"]')
    visible = soup.select_one("a.feed-link")
    assert alternate and visible and alternate["href"] == visible["href"]
    assert api(server, "/api/search", params)["links"]["feed"] == alternate["href"]
    assert dict(parse_qsl(urlsplit(str(alternate["href"])).query)) == \
        {"q": "giảm nghèo", "province": "Kon Tum"}
    feed = feedparser.parse(fetch(server.url(str(alternate["href"])))[2])
    assert [e.title.split(" — ")[0] for e in feed.entries] == ["12-KL/TU", "04-NQ/TU"]
    assert len(feed.entries) <= FEED_ENTRIES


def test_a_search_with_no_results_yet_can_be_followed(server: Server) -> None:
    soup = soup_of(server, "/", [("q", "zzzqqq xyzzy")])
    assert not soup.select("ol.hits > li.hit")
    link = soup.select_one(".empty a.feed-link")
    assert link is not None and link["href"] == \
        soup.select_one('head link[type="application/atom+xml"]')["href"]


# -- the CSV export ------------------------------------------------------------------------------
def read_export(server: Server, params: list[tuple[str, str]]
                ) -> tuple[dict[str, str], bytes, list[list[str]]]:
    status, headers, body = get(server, "/export.csv", params)
    assert status == 200, body[:300]
    return headers, body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_opens_in_excel_with_vietnamese_headers(server: Server,
                                                         corpus_root: Path) -> None:
    headers, body, rows = read_export(server, [("q", "giảm nghèo")])
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8 only with it
    assert rows[0] == [EXPORT_LABELS[c] for c in EXPORT_COLUMNS]
    assert rows[0][:3] == ["Mã", "Số hiệu", "Loại văn bản"]
    assert str(corpus_root) not in body.decode("utf-8")  # no server path
    assert "path" not in EXPORT_COLUMNS


def test_headers_keys_keeps_the_keys(server: Server) -> None:
    _headers, _body, rows = read_export(server, [("q", "giảm nghèo"), ("headers", "keys")])
    assert rows[0] == list(EXPORT_COLUMNS)


@pytest.mark.parametrize(("number", "passage", "cites", "cited_by"), [
    # Gia Lai's 20-KH/TU cites "04-NQ/TU" too: its own province's, not Kon Tum's.
    ("04-NQ/TU", "giảm nghèo bền vững", "", "12-KL/TU"),
    ("12-KL/TU", "giảm nghèo bền vững", "04-NQ/TU", ""),
    ("20-KH/TU", "giảm nghèo", "04-NQ/TU", ""),
])
def test_each_row_has_its_passage_and_relations(server: Server, number: str, passage: str,
                                                 cites: str, cited_by: str) -> None:
    _headers, _body, rows = read_export(server, [("q", "giảm nghèo"), ("headers", "keys")])
    records = {r["number"]: r for r in csv.DictReader(io.StringIO(
        "\n".join(",".join(f'"{c}"' for c in row) for row in rows)))}
    row = records[number]
    assert passage in row["passage"] and "<mark>" not in row["passage"]
    assert (row["cites"], row["cited_by"]) == (cites, cited_by)


def test_the_file_is_named_after_the_query_and_the_date(server: Server) -> None:
    headers, _body, _rows = read_export(server, [("q", "giảm nghèo"), ("province", "Kon Tum")])
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    disposition = headers["Content-Disposition"]
    assert f'filename="vnsearch-giam-ngheo-kon-tum-{day}.csv"' in disposition
    extended = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)  # RFC 5987
    assert extended and unquote(extended.group(1)) == f"vnsearch-giảm-nghèo-kon-tum-{day}.csv"


def test_a_bad_headers_value_is_a_400_with_a_code(server: Server) -> None:
    status, _headers, body = get(server, "/export.csv", [("headers", "French")])
    assert status == 400 and json.loads(body)["code"] == "param.bad_choice"


@given(st.text(max_size=80), st.sampled_from(["csv", "json"]))
@settings(max_examples=200, deadline=None)
def test_the_ascii_file_name_is_safe_for_any_query(q: str, ext: str) -> None:
    ascii_name, utf8_name = export_filename([("q", q)], ext, datetime(2026, 12, 4))
    assert re.fullmatch(rf"vnsearch-([a-z0-9]+(-[a-z0-9]+)*-)?2026-12-04\.{ext}", ascii_name)
    assert utf8_name.startswith("vnsearch-") and utf8_name.endswith(f"2026-12-04.{ext}")
    assert not set(utf8_name) & set('"\\/\r\n;')


# -- the link back, the year facet, a backwards range --------------------------------------------
@pytest.mark.parametrize("params", [
    [("q", "giảm nghèo"), ("province", "Kon Tum"), ("sort", "oldest")],
    [("q", "giam ngheo"), ("year_from", "2016"), ("year_to", "2021"), ("sort", "newest")],
    [("province", "Gia Lai"), ("province", "Kon Tum"), ("per_page", "1"), ("page", "2")],
])
def test_the_link_back_keeps_the_search(server: Server, params: list[tuple[str, str]]) -> None:
    results = soup_of(server, "/", params)
    opened = results.select_one(".hit-title a")
    assert opened is not None
    document = soup_of(server, str(opened["href"]))
    back = document.select_one(".crumbs a")
    assert back is not None
    assert parse_qsl(urlsplit(str(back["href"])).query) == params


@pytest.mark.parametrize(("params", "years"), [
    ([("year_from", "2019"), ("year_to", "2022")], ["2021", "2019"]),
    ([("year_from", "2021")], ["2023", "2021"]),
    ([("year_to", "2016")], ["2016"]),
    ([("year_from", "2019"), ("year_to", "2022"), ("year", "2016")], ["2021", "2019", "2016"]),
    ([], ["2023", "2021", "2019", "2016"]),
])
def test_the_year_facet_keeps_to_the_range(server: Server, params: list[tuple[str, str]],
                                           years: list[str]) -> None:
    data = api(server, "/api/search", params)
    assert [v["value"] for v in data["facet_values"]["year"]] == years
    soup = soup_of(server, "/", params)
    assert [v.get_text(strip=True) for v in soup.select(".facet-year .facet-value")] == years


def test_a_backwards_range_is_said_on_the_page(server: Server) -> None:
    params = [("q", "giảm nghèo"), ("year_from", "2022"), ("year_to", "2016")]
    soup = soup_of(server, "/", params)  # 200, not a 400 page
    notice = soup.select_one(".notice-years")
    assert notice is not None
    expected = word_vi(Message("request.years_reversed", {"year_from": 2022, "year_to": 2016}))
    assert expected in notice.get_text(" ", strip=True)
    boxes = {i["name"]: i.get("value") for i in soup.select("form.year-range input")}
    assert boxes["year_from"] == "2022" and boxes["year_to"] == "2016" and boxes["q"] == "giảm nghèo"
    assert len(soup.select("ol.hits > li.hit")) == 3  # the search without the range
    status, _headers, body = get(server, "/api/search", params)
    assert status == 400 and json.loads(body)["code"] == "request.years_reversed"


# -- documents like this one, on the page and in the API -----------------------------------------
def test_the_document_shows_similar_documents_of_other_provinces(server: Server) -> None:
    data = api(server, "/api/documents/kt-12", [])
    similar = data["similar"]
    assert set(similar) == {"terms", "similar", "same_kind"}
    assert similar["similar"], similar
    assert all(d["province"] not in (None, "Kon Tum") for d in similar["similar"])
    soup = soup_of(server, "/documents/kt-12")
    shown = [a["href"] for a in soup.select(".similar .similar-list a")]
    assert shown == [f"/documents/{d['id']}" for d in similar["similar"]]
    rows = soup.select(".same-kind-table tbody tr")
    assert len(rows) == len(similar["same_kind"])
