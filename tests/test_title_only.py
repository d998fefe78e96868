"""Title-only search (trích yếu), issue 14: ``tieude:``/``title:`` in query text, and the
``title_only`` request flag through the library, the API, the page's checkbox and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from search.index import open_index
from search.query.build import build_query, explain, in_title
from search.query.parse import describe, parse_query
from search.results import SearchRequest

from .conftest import app_for, run_cli, index_texts


def _doc(number: str, kind: str, title: str, body: str) -> str:
    return (f"TỈNH ỦY KON TUM\nSố {number}\nKon Tum, ngày 12 tháng 3 năm 2021\n{kind}\n"
            f"{title}\n{body}\n")


# "giảm nghèo" in one title, and many times in another document's body only.
DOCS = {
    "in_title": _doc("04-NQ/TU", "NGHỊ QUYẾT", "về giảm nghèo bền vững giai đoạn 2021-2025",
                     "Phát triển kinh tế các huyện."),
    "in_body": _doc("15-KL/TU", "KẾT LUẬN", "về phát triển du lịch",
                    "Du lịch gắn với giảm nghèo. " * 30),
    "sam": _doc("09-NQ/TU", "NGHỊ QUYẾT", "về phát triển cây sâm Ngọc Linh",
                "Giảm nghèo nhờ cây dược liệu."),
}


@pytest.fixture(scope="module")
def title_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return index_texts(tmp_path_factory.mktemp("title"), DOCS)


@pytest.fixture(scope="module")
def tix(title_index: Path) -> Iterator[Any]:
    with open_index(title_index) as index:
        yield index


def _ids(index: Any, q: str, **kwargs: Any) -> list[str]:
    return [h.id for h in index.search(SearchRequest(q=q, **kwargs)).hits]


# -- query text → parsed query ---------------------------------------------------------------
@pytest.mark.parametrize(
    "q, parsed",
    [
        ('tieude:"giảm nghèo"', 'tieude:"giảm nghèo"'),
        ('title:"giảm nghèo"', 'tieude:"giảm nghèo"'),
        ("TieuDe:sâm", "tieude:sâm"),
        ("tieude:giam ngheo", "tieude:giam ngheo"),  # unquoted: one word is the value
        ('tieude:"giảm nghèo" du lịch', 'tieude:"giảm nghèo" du lịch'),
        ("tieude:04-NQ/TU", "tieude:04-nq/tu"),
    ],
)
def test_parsed(q, parsed):
    assert describe(parse_query(q)) == parsed


@pytest.mark.parametrize("q", ['tieude:"giảm nghèo"', "tieude:sâm", "tieude:04-NQ/TU"])
def test_title_clauses_search_only_the_title_fields(q):
    text = explain(build_query(parse_query(q)))
    assert "title" in text
    assert not any(f"{name}:" in text or f"{name}_f:" in text
                   for name in ("body", "notes", "meta", "number", "cites", "words"))


@pytest.mark.parametrize("q", ["giảm nghèo", '"giảm nghèo" -du', "04-NQ/TU OR sâm",
                               "các xã đặc biệt khó khăn của tỉnh có tỷ lệ hộ nghèo cao"])
def test_title_only_query_keeps_title_fields_alone(q):
    text = explain(build_query(parse_query(q), title_only=True))
    assert "title" in text
    assert not any(f"{name}:" in text or f"{name}_f:" in text
                   for name in ("body", "notes", "meta", "number", "cites", "words"))


def test_a_part_of_a_number_has_no_title_form():
    """``NQ 04`` is matched on numbers' parts, which no title has: title-only finds nothing."""
    assert explain(in_title(build_query(parse_query("NQ 04")))) == "()"


# -- the library -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "q, kwargs, expected",
    [
        ("giảm nghèo", {}, {"in_title", "in_body", "sam"}),
        ("giảm nghèo", {"title_only": True}, {"in_title"}),
        ("giam ngheo", {"title_only": True}, {"in_title"}),
        ('tieude:"giảm nghèo"', {}, {"in_title"}),
        ('title:"giam ngheo"', {}, {"in_title"}),
        ("tieude:sâm giảm nghèo", {}, {"sam"}),  # sâm in the title, the rest anywhere
        ("tieude:du", {}, {"in_body"}),
        ("phát triển", {"title_only": True}, {"in_body", "sam"}),
        ("phát triển -du", {"title_only": True}, {"sam"}),
        ("phát triển -kinh", {"title_only": True}, {"in_body", "sam"}),  # kinh: a body word
        ("NQ 04", {"title_only": True}, set()),
    ],
)
def test_library(tix, q, kwargs, expected):
    assert set(_ids(tix, q, **kwargs)) == expected


def test_title_match_ranks_first_without_the_flag(tix):
    assert _ids(tix, 'tieude:"giảm nghèo" OR giảm nghèo')[0] == "in_title"


# -- the API and the page ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(title_index: Path) -> Iterator[Any]:
    with app_for(title_index) as app:
        yield app.test_client()


@pytest.mark.parametrize("value, title_only", [("1", True), ("true", True), ("on", True),
                                               ("0", False), ("", False)])
def test_api_flag(client, value, title_only):
    data = client.get("/api/search?" + urlencode({"q": "giảm nghèo", "title_only": value})).get_json()
    assert data["title_only"] is title_only
    expected = {"in_title"} if title_only else {"in_title", "in_body", "sam"}
    assert {h["id"] for h in data["hits"]} == expected
    facets = client.get("/api/facets?" + urlencode({"q": "giảm nghèo",
                                                     "title_only": value})).get_json()
    assert facets["total"] == len(expected) and facets["title_only"] is title_only


def test_api_rejects_a_flag_that_is_neither_on_nor_off(client):
    response = client.get("/api/search?q=sâm&title_only=maybe")
    assert response.status_code == 400 and response.get_json()["code"] == "param.not_flag"


def _checkbox(html: bytes) -> Any:
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one("form.search-form")
    return form, form.select_one('input[type=checkbox][name="title_only"]')


@pytest.mark.parametrize("query, checked, hits", [
    ({"q": "giảm nghèo"}, False, 3),
    ({"q": "giảm nghèo", "title_only": "1"}, True, 1),
])
def test_page_checkbox_keeps_its_state(client, query, checked, hits):
    html = client.get("/?" + urlencode(query)).data
    form, box = _checkbox(html)
    assert box is not None and box["value"] == "1"
    assert box.has_attr("checked") is checked
    assert "Chỉ tìm trong trích yếu" in box.parent.get_text()
    # the checkbox is the flag's only input: no hidden copy that would keep it on
    assert not form.select('input[type=hidden][name="title_only"]')
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.select(".hit")) == hits


def test_page_links_keep_the_flag(client):
    html = client.get("/?" + urlencode({"q": "phát triển", "title_only": "1",
                                        "sort": "newest"})).data
    soup = BeautifulSoup(html, "html.parser")
    sort_links = [a["href"] for a in soup.select("a[href*='sort']")]
    assert sort_links and all("title_only=1" in href for href in sort_links)


# -- the CLI -------------------------------------------------------------------------------
@pytest.mark.parametrize("args, expected", [
    ([], {"in_title", "in_body", "sam"}),
    (["--title-only"], {"in_title"}),
])
def test_cli(title_index, args, expected):
    result = run_cli("search", "giảm nghèo", "--index", str(title_index), "--json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {h["id"] for h in data["hits"]} == expected
    assert data["title_only"] is bool(args)
