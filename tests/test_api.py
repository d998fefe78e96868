"""The JSON side of the web app: the API routes, the one error shape, the OpenAPI
description against the real routes, the exports, and the HTML page agreeing with the API."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

import web.api
import web.exports
from search.documents import METADATA_FIELDS
from search.engine.base import FACET_FIELDS
from search.index import open_index
from search.results import SearchRequest
from tests.conftest import SEED_IDS
from web import create_app
from web.exports import EXPORT_COLUMNS
from web.state import EXTENSION
from web.urls import SEARCH_PARAMS

KONTUM_KL = SEED_IDS["kontum_kl"]
QUERY = "xa dac biet kho khan"
RESULT_KEYS = {"total", "hits", "facets", "page", "per_page", "pages", "sort", "query", "parsed",
               "filters", "year_from", "year_to", "took_ms", "suggestion", "relaxed", "messages",
               "notices", "title_only"}
PAGE_KEYS = {"facet_values", "links"}  # what the page shows beyond the library's result


# app and client (over the seed index): tests/conftest.py
@pytest.fixture()
def missing_client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = create_app({"INDEX": str(tmp_path / "no-index-here")})
    yield app.test_client()
    app.extensions[EXTENSION].close()


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.data[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


# -- /api/search -------------------------------------------------------------------------------
def test_api_search_is_the_library_result(client: FlaskClient, seed_index: Path) -> None:
    data = get_json(client, f"/api/search?q={QUERY}&per_page=3")
    assert data["ok"] is True
    assert set(data) == RESULT_KEYS | PAGE_KEYS | {"ok"}
    with open_index(seed_index) as ix:
        expected = ix.search(SearchRequest(q=QUERY, per_page=3)).to_dict()
    for key in RESULT_KEYS - {"took_ms"}:
        assert data[key] == expected[key], key
    first = data["hits"][0]
    assert first["number"] == "237-KL/TU" and "<mark>" in first["highlights"][0]
    assert set(METADATA_FIELDS) <= set(first) and "provenance" in first


def test_api_search_filters_and_paging(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?" + urlencode(
        [("province", "Kon Tum"), ("province", "Cao Bằng"), ("sort", "newest"), ("per_page", "2"),
         ("page", "2")]))
    assert data["total"] == 3 and data["pages"] == 2 and data["page"] == 2
    assert data["filters"] == {"province": ["Kon Tum", "Cao Bằng"]}
    assert len(data["hits"]) == 1
    years = get_json(client, "/api/search?year_from=2017&year_to=2030")
    assert years["total"] == 2 and (years["year_from"], years["year_to"]) == (2017, 2030)


def test_api_facets(client: FlaskClient) -> None:
    facets = get_json(client, f"/api/facets?q={QUERY}&province=Kon+Tum")
    search = get_json(client, f"/api/search?q={QUERY}&province=Kon+Tum")
    assert facets["ok"] is True
    assert facets["facets"] == search["facets"] and facets["total"] == search["total"] == 2
    assert set(facets["facets"]) == set(FACET_FIELDS)
    assert "hits" not in facets
    assert facets["facets"]["province"]["Cao Bằng"] == 1  # counted as if unfiltered


def test_api_document(client: FlaskClient) -> None:
    data = get_json(client, f"/api/documents/{KONTUM_KL}")
    assert data["ok"] is True and data["id"] == KONTUM_KL
    for key in ("file", "format", "size", "sha256", "text", "notes", "provenance", "warnings",
                "related", *METADATA_FIELDS):
        assert key in data, key
    assert data["number"] == "237-KL/TU" and data["province_2025"] == "Quảng Ngãi"
    assert data["provenance"]["province_2025"].startswith("inferred:")
    assert "meta" not in data
    assert set(data["related"]) == {"cites", "cited_by", "status"}
    assert [c["number"] for c in data["related"]["cites"]][:1] == ["04-NQ/TU"]


def test_healthz(client: FlaskClient, seed_index: Path) -> None:
    data = get_json(client, "/healthz")
    assert data["ok"] is True and data["documents"] == 5
    assert data["generation"].startswith("gen-") and data["built_at"]
    assert data["index"] == str(seed_index)
    assert data["shards"] is None  # an index without shards (a cluster lists its shards)


def test_head_on_api(client: FlaskClient) -> None:
    response = client.head("/api/search?q=x")
    assert response.status_code == 200 and response.data == b""


# -- one error shape ---------------------------------------------------------------------------
ERROR_CASES = [
    ("GET", "/api/search?page=abc", 400, "page"),
    ("GET", "/api/search?page=0", 400, "page"),
    ("GET", "/api/search?page=1000000000", 400, "page"),
    ("GET", "/api/search?per_page=0", 400, "per_page"),
    ("GET", "/api/search?per_page=1000000000", 400, "per_page"),
    ("GET", "/api/search?per_page=101", 400, "per_page"),
    ("GET", "/api/search?sort=bogus", 400, "sort"),
    ("GET", "/api/search?year_from=abc", 400, "year_from"),
    ("GET", "/api/search?year_to=12345", 400, "year_to"),
    ("GET", "/api/search?year_from=2020&year_to=2010", 400, "year_from"),
    ("GET", "/api/search?q=nam:abc", 400, "nam:abc"),
    ("GET", "/api/facets?year_from=x", 400, "year_from"),
    ("GET", "/export.json?sort=bogus", 400, "sort"),
    ("GET", "/api/documents/no-such-doc", 404, "no-such-doc"),
    ("GET", "/api/documents/..%2F..%2Fetc%2Fpasswd", 404, ""),
    ("GET", "/api/nope", 404, ""),
    ("GET", "/api/", 404, ""),
    ("POST", "/api/search", 405, "read-only"),
    ("PUT", f"/api/documents/{KONTUM_KL}", 405, "read-only"),
    ("DELETE", "/healthz", 405, "read-only"),
    ("OPTIONS", "/api/openapi.json", 405, "read-only"),
    ("POST", "/api/nope", 405, "read-only"),
    ("POST", "/export.json", 405, "read-only"),
    ("GET", "/export.csv?year_to=abc", 400, "year_to"),
]


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"ok", "error", "code", "params", "status"}
    assert data["ok"] is False and data["status"] == status
    assert isinstance(data["error"], str) and data["error"]
    return data


@pytest.mark.parametrize(("method", "url", "status", "words"), ERROR_CASES)
def test_json_errors_have_one_shape(client: FlaskClient, method: str, url: str, status: int,
                                    words: str) -> None:
    data = assert_error_shape(client.open(url, method=method), status)
    assert words in data["error"]


@pytest.mark.parametrize("url", ["/api/search?q=x", "/api/facets", f"/api/documents/{KONTUM_KL}",
                                 "/healthz", "/export.json"])
def test_json_errors_without_index(missing_client: FlaskClient, url: str) -> None:
    response = missing_client.get(url)
    data = assert_error_shape(response, 503)
    assert "vnsearch build" in data["error"]


@pytest.mark.parametrize(("url", "json_expected"), [("/api/search?q=x", True), ("/?q=x", False)])
def test_unexpected_errors_are_500_without_details(client: FlaskClient,
                                                   monkeypatch: pytest.MonkeyPatch, url: str,
                                                   json_expected: bool) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(web.api, "search_data", broken)  # the page and the API call it
    response = client.get(url)
    assert response.status_code == 500
    assert "secret internal detail" not in response.get_data(as_text=True)
    if json_expected:
        assert_error_shape(response, 500)
    else:
        assert response.mimetype == "text/html"


def test_405_has_allow_header(client: FlaskClient) -> None:
    response = client.post("/api/search")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


# -- OpenAPI -----------------------------------------------------------------------------------
def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_lists_every_route(app: Flask, client: FlaskClient) -> None:
    spec = get_json(client, "/api/openapi.json")
    assert spec["openapi"].startswith("3.")
    routes = {openapi_path(r.rule): r for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert set(spec["paths"]) == set(routes)
    for path, rule in routes.items():
        operations = spec["paths"][path]
        assert set(operations) == {"get"}, path  # read-only: GET (and HEAD) only
        assert rule.methods is not None and {"GET", "HEAD"} <= rule.methods
        params = operations["get"]["parameters"]
        path_params = {p["name"] for p in params if p["in"] == "path"}
        assert path_params == set(rule.arguments), path
        assert all(p["required"] for p in params if p["in"] == "path")
        responses = operations["get"]["responses"]
        assert "200" in responses and "405" in responses and "500" in responses
        # errors are described as they are answered: JSON here, HTML pages there
        html_route = not (path.startswith(("/api/", "/export."))
                          or path in ("/healthz", "/feed.atom"))
        for code, response in responses.items():
            if code != "200":
                assert ("$ref" not in response) == html_route, (path, code)


@pytest.mark.parametrize(("path", "expected"), [
    ("/", set(SEARCH_PARAMS)),
    ("/api/search", set(SEARCH_PARAMS)),
    ("/api/facets", set(SEARCH_PARAMS) - {"sort", "page", "per_page"}),
    ("/export.csv", set(SEARCH_PARAMS) - {"page", "per_page"}),
    ("/export.json", set(SEARCH_PARAMS) - {"page", "per_page"}),
    # The search it came from rides along, for the link back to the results.
    ("/documents/{doc_id}", set(SEARCH_PARAMS)),
    ("/feed.atom", set(SEARCH_PARAMS) - {"sort", "page", "per_page"}),
    ("/healthz", set()),
])
def test_openapi_query_parameters(client: FlaskClient, path: str, expected: set[str]) -> None:
    spec = get_json(client, "/api/openapi.json")
    params = spec["paths"][path]["get"]["parameters"]
    assert {p["name"] for p in params if p["in"] == "query"} == expected
    for p in params:
        if p["name"] in FACET_FIELDS:
            assert p["schema"]["type"] == "array" and p["explode"] is True


def test_openapi_parameters_do_what_they_say(client: FlaskClient) -> None:
    """Every documented /api/search parameter is read by the route (echoed in the result),
    and every integer parameter with an out-of-range value is rejected with 400."""
    spec = get_json(client, "/api/openapi.json")
    params = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    values = {"q": "giam ngheo", "province": "Kon Tum", "province_2025": "Quảng Ngãi",
              "year": "2021", "doc_type": "Báo cáo", "issuer": "Tỉnh ủy", "year_from": "2020",
              "year_to": "2022", "title_only": "1", "sort": "oldest", "page": "1",
              "per_page": "7", "status": "Chưa rõ"}
    assert set(values) == set(params)
    data = get_json(client, "/api/search?" + urlencode(values))
    echoed = {"q": data["query"], "year_from": str(data["year_from"]),
              "year_to": str(data["year_to"]), "sort": data["sort"], "page": str(data["page"]),
              "per_page": str(data["per_page"]), "title_only": "1" if data["title_only"] else "0",
              **{f: data["filters"][f][0] for f in FACET_FIELDS}}
    assert echoed == values
    assert data["total"] == 1
    for name, p in params.items():
        if p["schema"]["type"] == "integer":
            too_big = p["schema"]["maximum"] + 1
            assert_error_shape(client.get(f"/api/search?{name}={too_big}"), 400)
        if "enum" in p["schema"]:
            assert_error_shape(client.get(f"/api/search?{name}=not-a-choice"), 400)


def test_openapi_schemas_match_responses(client: FlaskClient) -> None:
    spec = get_json(client, "/api/openapi.json")
    schemas = spec["components"]["schemas"]
    search = get_json(client, f"/api/search?q={QUERY}")
    assert set(schemas["SearchResult"]["properties"]) == set(search)
    assert set(schemas["Hit"]["properties"]) == set(search["hits"][0])
    document = get_json(client, f"/api/documents/{KONTUM_KL}")
    assert set(schemas["Document"]["properties"]) == set(document)
    assert set(schemas["Health"]["properties"]) == set(get_json(client, "/healthz"))
    facets = get_json(client, "/api/facets")
    assert set(schemas["Facets"]["properties"]) == set(facets)
    assert set(schemas["Error"]["properties"]) == {"ok", "error", "code", "params", "status"}
    assert set(schemas["ExportRecord"]["properties"]) == set(EXPORT_COLUMNS)
    for code in ("400", "404", "405", "500", "503"):
        ref = spec["components"]["responses"][f"E{code}"]["content"]["application/json"]["schema"]
        assert ref == {"$ref": "#/components/schemas/Error"}


# -- exports -----------------------------------------------------------------------------------
def read_csv(client: FlaskClient, query: str) -> tuple[Any, list[dict[str, str]]]:
    """The CSV with its keys as headers (``headers=keys``), as rows of dicts."""
    response = client.get(f"/export.csv?{query}&headers=keys")
    assert response.status_code == 200, response.data[:300]
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffid,number,doc_type,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return response, rows


@pytest.mark.parametrize("query", ["", f"q={QUERY}", "province=Kon+Tum", "q=giam+ngheo&sort=oldest",
                                   "q=zzzqqq+xyzzy", f"q={QUERY}&page=2&per_page=1"])
def test_export_csv_has_every_hit(client: FlaskClient, query: str) -> None:
    response, rows = read_csv(client, query)
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.headers["Content-Type"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="[^"]+\.csv"', disposition)
    search_query = re.sub(r"&?(page|per_page)=\d+", "", query)
    search = get_json(client, f"/api/search?{search_query}&per_page=100")
    assert len(rows) == search["total"] == int(response.headers["X-Total-Count"])
    assert [r["id"] for r in rows] == [h["id"] for h in search["hits"]]
    assert response.headers["X-Export-Truncated"] == "false"
    if rows:
        assert list(rows[0]) == list(EXPORT_COLUMNS)


def test_export_ignores_paging(client: FlaskClient) -> None:
    _response, rows = read_csv(client, "page=abc&per_page=0")
    assert len(rows) == 5


def test_export_csv_values(client: FlaskClient) -> None:
    _response, rows = read_csv(client, f"q={QUERY}")
    first = rows[0]
    assert first["number"] == "237-KL/TU" and first["province"] == "Kon Tum"
    assert first["province_2025"] == "Quảng Ngãi" and first["date"] == "2021-11-08"
    assert first["url"] == f"http://localhost/documents/{KONTUM_KL}"
    assert "path" not in first  # nothing of the server's file system
    assert rows[-1]["signer"] == "" or rows[-1]["signer"]


def test_export_json_matches_csv(client: FlaskClient) -> None:
    _response, rows = read_csv(client, "q=giam+ngheo")
    response = client.get("/export.json?q=giam+ngheo")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".json" in response.headers["Content-Disposition"]
    records = response.get_json()
    assert isinstance(records, list)
    assert len(records) == get_json(client, "/api/search?q=giam+ngheo")["total"]
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert all(list(r) == list(EXPORT_COLUMNS) for r in records)
    assert records[0]["year"] == int(rows[0]["year"]) if rows[0]["year"] else True


def test_export_walks_every_page(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """With pages of 2 the export needs three searches; every hit is there once, in order."""
    monkeypatch.setattr(web.exports, "MAX_PER_PAGE", 2)
    records = client.get("/export.json").get_json()
    expected = [h["id"] for h in get_json(client, "/api/search?per_page=100")["hits"]]
    assert [r["id"] for r in records] == expected and len(expected) == 5


def test_export_is_capped(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web.exports, "MAX_PER_PAGE", 2)
    monkeypatch.setattr(web.exports, "EXPORT_MAX_ROWS", 3)
    response = client.get("/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert response.headers["X-Export-Truncated"] == "true"
    assert response.headers["X-Total-Count"] == "5" and response.headers["X-Export-Rows"] == "3"


def test_export_csv_neutralises_formulas(client: FlaskClient) -> None:
    from web.exports import _csv_cell

    assert _csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert _csv_cell("Kon Tum") == "Kon Tum" and _csv_cell(None) == "" and _csv_cell(2021) == "2021"


# -- the page and the API agree ------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    f"q={QUERY}",
    "q=giam+ngheo",
    "",
    "q=04-NQ/TU",
    "q=nong+thon+moi&sort=newest",
    "q=giam+ngheo&province=Kon+Tum&province=Cao+Bằng",
    "sort=oldest&per_page=2&page=2",
    "q=giam+ngheo+zzzqqq",
])
def test_html_and_api_show_the_same_hits(client: FlaskClient, query: str) -> None:
    api_ids = [h["id"] for h in get_json(client, f"/api/search?{query}")["hits"]]
    html = client.get(f"/?{query}")
    assert html.status_code == 200
    soup = BeautifulSoup(html.get_data(as_text=True), "html.parser")
    page_ids = [urlsplit(a["href"]).path.rsplit("/", 1)[1] for a in soup.select(".hit-title a")]
    assert page_ids == api_ids and api_ids


# -- the page's links and marks are the API's data ------------------------------------------------
def page_soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def page_facets(soup: BeautifulSoup, facet: str) -> list[dict[str, Any]]:
    """The facet's values as the sidebar shows them (shown, then folded away)."""
    return [{"value": a.select_one(".facet-value").get_text(strip=True),
             "count": int(a.select_one(".count").get_text(strip=True)),
             "selected": "is-selected" in a["class"], "href": a["href"]}
            for a in soup.select(f".facet-{facet} a.facet-link")]


def api_facets_as_shown(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API's values in the sidebar's order: the first 8, selected ones, then the rest."""
    top = values[:8] + [v for v in values[8:] if v["selected"]]
    rest = [v for v in values[8:] if not v["selected"]]
    return [{k: v[k] for k in ("value", "count", "selected", "href")} for v in top + rest]


LINK_QUERIES = [
    "",
    f"q={QUERY}",
    "q=giam+ngheo&province=Kon+Tum",
    "q=giam+ngheo&province=Kon+Tum&province=Cao+Bằng&sort=newest",
    "province_2025=Quảng+Ngãi&doc_type=Kết+luận&year_from=2016&year_to=2021",
    "q=zzzqqq&year=2021",  # a selected value without hits
    "per_page=1&page=3",
    "per_page=2&page=2&sort=oldest&year=2021",
    "q=giam+ngheo&utm_source=x",  # an unknown parameter stays out of the links
]


@pytest.mark.parametrize("query", LINK_QUERIES)
def test_api_facet_links_equal_the_page_links(client: FlaskClient, query: str) -> None:
    data = get_json(client, f"/api/search?{query}")
    soup = page_soup(client, f"/?{query}")
    assert set(data["facet_values"]) == set(FACET_FIELDS)
    for facet in FACET_FIELDS:
        api_values = data["facet_values"][facet]
        assert page_facets(soup, facet) == api_facets_as_shown(api_values), facet
        counts = data["facets"].get(facet, {})
        assert all(v["count"] == counts.get(v["value"], 0) for v in api_values)
        for v in api_values:
            assert v["href"] == f"/?{v['query']}" if v["query"] else v["href"] == "/"
            assert v["api_href"].removeprefix("/api/search").lstrip("?") == v["query"]


@pytest.mark.parametrize("query", LINK_QUERIES)
def test_api_links_equal_the_page_links(client: FlaskClient, query: str) -> None:
    links = get_json(client, f"/api/search?{query}")["links"]
    soup = page_soup(client, f"/?{query}")
    assert [c["href"] for c in soup.select(".chips a.chip")] == [f["href"]
                                                                  for f in links["filters"]]
    clear = [a["href"] for a in soup.select("a.clear-all")]
    assert clear == ([links["clear_filters"]["href"]] * 2 if links["filters"] else [])
    page_sorts = [a["href"] for a in soup.select("nav.sort a")]
    if soup.select_one("nav.sort"):
        assert page_sorts == [s["href"] for s in links["sort"] if not s["current"]]
    page_pages = [a["href"] for a in soup.select("nav.pagination a")]
    assert page_pages == [p["href"] for p in links["pages"] if p["page"] and not p["current"]]
    exports = {a.get_text(strip=True): a["href"] for a in soup.select("nav.export a")}
    if exports:
        assert exports == {"CSV": links["export"]["csv"], "JSON": links["export"]["json"]}


@pytest.mark.parametrize(("query", "facet", "value"), [
    ("province=Kon+Tum", "province", "Kon Tum"),
    ("q=giam+ngheo&province=Kon+Tum&province=Cao+Bằng", "province", "Cao Bằng"),
    ("q=giam+ngheo&province=Kon+Tum&province=Cao+Bằng", "province", "Kon Tum"),
    ("year=2021&doc_type=Kết+luận&page=2&per_page=1", "doc_type", "Kết luận"),
    ("q=zzzqqq&year=2021", "year", "2021"),
])
def test_toggling_a_selected_value_removes_it(client: FlaskClient, query: str, facet: str,
                                             value: str) -> None:
    before = get_json(client, f"/api/search?{query}")
    selected = next(v for v in before["facet_values"][facet] if v["value"] == value)
    assert selected["selected"] is True and value in before["filters"][facet]
    after = get_json(client, selected["api_href"])
    assert value not in after["filters"].get(facet, [])
    others = [(k, v) for k, v in parse_qsl(query) if (k, v) != (facet, value) and k != "page"]
    assert parse_qsl(selected["query"]) == others  # only that value (and the page) went
    toggled = [v for v in after["facet_values"][facet] if v["value"] == value]
    assert all(v["selected"] is False for v in toggled)
    # and its toggle link selects it again
    if toggled:
        again = get_json(client, toggled[0]["api_href"])
        assert value in again["filters"][facet]


@pytest.mark.parametrize(("query", "facet", "value"), [
    ("", "province", "Kon Tum"),
    ("q=giam+ngheo&province=Kon+Tum", "province", "Cao Bằng"),
    ("page=2&per_page=1", "year", "2021"),
])
def test_toggling_an_unselected_value_adds_it(client: FlaskClient, query: str, facet: str,
                                             value: str) -> None:
    before = get_json(client, f"/api/search?{query}")
    link = next(v for v in before["facet_values"][facet] if v["value"] == value)
    assert link["selected"] is False
    after = get_json(client, link["api_href"])
    assert value in after["filters"][facet] and after["page"] == 1
    assert next(v for v in after["facet_values"][facet] if v["value"] == value)["selected"]


@pytest.mark.parametrize("query", ["q=giam+ngheo&province=Kon+Tum", f"q={QUERY}&year=2021"])
def test_api_facets_carry_the_same_facet_values(client: FlaskClient, query: str) -> None:
    facets = get_json(client, f"/api/facets?{query}")
    search = get_json(client, f"/api/search?{query}")
    assert facets["facet_values"] == search["facet_values"]


def marks_of(parts: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in parts if p["match"]]


@pytest.mark.parametrize(("doc_id", "q", "first"), [
    (KONTUM_KL, QUERY, "xã đặc biệt khó khăn"),
    (KONTUM_KL, "XA", "xã"),
    (KONTUM_KL, "04-NQ/TU", "04-NQ/TU"),
    (KONTUM_KL, '"dac biet" -zzz', "đặc biệt"),
    (SEED_IDS["kontum_bc"], "nghi quyet", "Nghị quyết"),  # marks in the notes too
    (SEED_IDS["quangngai_ct"], "nong thon moi", "nông thôn mới"),
    (KONTUM_KL, "zzzqqq", None),  # nothing to mark
    (KONTUM_KL, "nam:abc", None),  # a bad query marks nothing, and is no error here
])
def test_api_document_highlight_marks_what_the_page_marks(client: FlaskClient, doc_id: str,
                                                          q: str, first: str | None) -> None:
    data = get_json(client, f"/api/documents/{doc_id}?" + urlencode({"q": q}))
    marked = data["highlight"]
    assert marked["query"] == q
    assert marks_of(marked["text"])[:1] == ([first] if first else [])
    soup = page_soup(client, f"/documents/{doc_id}?" + urlencode({"q": q}))
    body = soup.select_one(".doc-body > .fulltext")
    assert [m.get_text() for m in body.select("mark")] == marks_of(marked["text"])
    assert marked["matches"] == len(marks_of(marked["text"]))
    notes = soup.select_one(".notes-text")
    page_notes = [m.get_text() for m in notes.select("mark")] if notes else []
    assert page_notes == marks_of(marked["notes"]) and marked["note_matches"] == len(page_notes)
    # the runs are the text itself, cut at the marks
    assert "".join(p["text"] for p in marked["text"]) == data["text"]
    assert "".join(p["text"] for p in marked["notes"]) == (data["notes"] or "")


def test_api_document_without_query_has_no_highlight(client: FlaskClient) -> None:
    for url in (f"/api/documents/{KONTUM_KL}", f"/api/documents/{KONTUM_KL}?q=+"):
        assert get_json(client, url)["highlight"] is None


def test_an_export_reads_one_generation(tmp_path, monkeypatch):
    """An `add` published while an export runs must neither duplicate nor drop rows: the
    export is one evaluation over the generation it started on (it used to run one search
    per 100 rows, each on whatever generation was current)."""
    from search.index import Index
    from search.indexer import add_documents, build_index
    from tests.conftest import app_for

    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(250):
        (corpus / f"d{i:03}.txt").write_text(
            f"TỈNH ỦY KON TUM\nSố {i}-KL/TU\nKon Tum, ngày 1 tháng 2 năm 2010\nKẾT LUẬN\n"
            f"về giảm nghèo, văn bản {i}\n", "utf-8")
    build_index([corpus], tmp_path / "ix", workers=1)
    newer = tmp_path / "newer"
    newer.mkdir()
    for i in range(30):  # newest first: they would push every later page down
        (newer / f"n{i:02}.txt").write_text(
            f"TỈNH ỦY KON TUM\nSố {900 + i}-KL/TU\nKon Tum, ngày 1 tháng 2 năm 2024\nKẾT LUẬN\n"
            f"về giảm nghèo, văn bản mới {i}\n", "utf-8")
    original, calls = Index.search, []

    def search_then_add(self, request, **kwargs):
        result = original(self, request, **kwargs)
        calls.append(kwargs.get("rows"))
        if len(calls) == 1:
            add_documents([newer], tmp_path / "ix")  # a new generation, mid-export
        return result

    monkeypatch.setattr(Index, "search", search_then_add)
    with app_for(tmp_path / "ix") as app:
        response = app.test_client().get("/export.json?q=giam+ngheo&sort=newest")
        rows = json.loads(response.get_data())
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == 250 and len(calls) == 1
    assert response.headers["X-Total-Count"] == response.headers["X-Export-Rows"] == "250"
    assert not any(i.startswith("n") for i in ids)  # all of the generation it started on


def test_an_export_outlives_two_generations(tmp_path):
    """An export streams from the reader of the generation it started on, however many
    adds are published while it streams: the index closes a retired reader at the swap
    after next, which closed the export's under it (its stream broke) before exports held
    theirs (Index.hold)."""
    from search.indexer import add_documents, build_index
    from tests.conftest import app_for

    def corpus(name: str, numbers: range, year: int) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        for i in numbers:
            (folder / f"{name}{i:03}.txt").write_text(
                f"TỈNH ỦY KON TUM\nSố {i}-KL/TU\nKon Tum, ngày 1 tháng 2 năm {year}\n"
                f"KẾT LUẬN\nvề giảm nghèo, văn bản {i}\n", "utf-8")
        return folder

    build_index([corpus("d", range(120), 2010)], tmp_path / "ix", workers=1)
    with app_for(tmp_path / "ix") as app:
        app.config["EXPORT_CHUNK_ROWS"] = 10
        client = app.test_client()
        response = client.get("/export.json?q=giam+ngheo&sort=newest", buffered=False)
        chunks = iter(response.response)
        body = next(chunks)
        for n, name in enumerate(("e", "f")):  # two generations swapped in mid-stream
            add_documents([corpus(name, range(500 + 10 * n, 505 + 10 * n), 2024)],
                          tmp_path / "ix")
            assert client.get("/api/search?q=giam+ngheo").get_json()["total"] == 125 + 5 * n
        body += b"".join(chunks)
        response.close()
    ids = [r["id"] for r in json.loads(body)]
    assert len(ids) == len(set(ids)) == 120
    assert all(i.startswith("d") for i in ids)  # the generation it started on, whole
