"""The implementation chain, typed links and statuses on a generated corpus whose truth is
known (bench/generate.py ``chain_corpus``): 43-NQ/TW implemented by a plan in four of five
provinces; each province's own 04-NQ/TU reviewed by a conclusion; Cao Bằng with two
04-NQ/TU (two terms) and a report citing "04-NQ/TU" without a date (ambiguous); in Kon Tum
09-QĐi/TU replacing 05-QĐi/TU.

Through the library (``Index.chain``, ``Index.related``, the status facet), the JSON API,
the pages and the CLI; and an ``add`` of a reviewing document changes the status of the
one it reviews (a ``remove`` changes it back).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st
from flask.testing import FlaskClient

from search.errors import BadQuery
from search.index import Index, open_index
from search.indexer import add_documents, build_index, remove_documents
from search.related import STATUS_UNKNOWN, resolve_among
from search.results import SearchRequest
from tests.conftest import ROOT, make_app, run_cli

REVIEWED, REPLACED = "Đã được tổng kết, sơ kết", "Đã được thay thế, bãi bỏ"


def _generate() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_generate_chain",
                                                  ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate_chain"] = module
    spec.loader.exec_module(module)
    return module


GENERATE = _generate()
CORPUS: list[dict[str, Any]] = GENERATE.chain_corpus(seed=7)
TRUTH = {d["id"]: d["truth"] for d in CORPUS}
PROVINCES: tuple[str, ...] = GENERATE.CHAIN_PROVINCES


def write_chain_corpus(directory: Path, skip: tuple[str, ...] = ()) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for doc in CORPUS:
        if doc["id"] not in skip:
            (directory / f"{doc['id']}.txt").write_text(doc["text"], encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def chain_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    report = build_index([write_chain_corpus(root / "corpus")], root / "ix", workers=1)
    assert report.indexed == len(CORPUS) and not report.failed
    return root / "ix"


@pytest.fixture(scope="module")
def ix(chain_index: Path) -> Iterator[Index]:
    with open_index(chain_index) as index:
        yield index


@pytest.fixture(scope="module")
def client(chain_index: Path) -> Iterator[FlaskClient]:
    for app in make_app(chain_index):
        yield app.test_client()


# -- the library -------------------------------------------------------------------------------
@pytest.mark.parametrize("doc_id", list(TRUTH))
def test_metadata_of_the_generated_corpus_is_read(ix: Index, doc_id: str) -> None:
    meta, truth = ix.get(doc_id)["meta"], TRUTH[doc_id]
    assert (meta["number"], meta["province"], meta["date"]) == (
        truth["number"], truth["province"], truth["date"])


@pytest.mark.parametrize("doc_id", [i for i, t in TRUTH.items() if t["relations"]])
def test_planted_relations_are_read(ix: Index, doc_id: str) -> None:
    stored = {r["number"]: r["type"] for r in ix.get(doc_id)["relations"]}
    for rel in TRUTH[doc_id]["relations"]:
        assert stored[rel["number"]] == rel["type"]


@pytest.mark.parametrize("doc_id", list(TRUTH))
def test_status_is_what_the_corpus_says(ix: Index, doc_id: str) -> None:
    assert ix.get(doc_id)["status"] == TRUTH[doc_id]["status"]
    assert ix.related(doc_id)["status"]["value"] == TRUTH[doc_id]["status"]


@pytest.mark.parametrize("status", [REVIEWED, REPLACED, STATUS_UNKNOWN])
def test_the_status_facet_filters(ix: Index, status: str) -> None:
    result = ix.search(SearchRequest(filters={"status": [status]}, per_page=100))
    assert {h.id for h in result.hits} == {i for i, t in TRUTH.items() if t["status"] == status}
    assert result.facets["status"][status] == result.total


def _responders(truth_number: str) -> dict[str | None, list[str]]:
    """Province → ids of the documents that cite ``truth_number``, by date (the truth)."""
    out: dict[str | None, list[str]] = {}
    for doc_id, truth in sorted(TRUTH.items(), key=lambda kv: kv[1]["date"]):
        if any(r["number"] == truth_number for r in truth["relations"]):
            out.setdefault(truth["province"], []).append(doc_id)
    return out


@pytest.mark.parametrize("typed", ["43-NQ/TW", "43-nq/tw", "số 43-NQ/TW", " 43 - NQ/TW "])
def test_central_chain_is_every_province_that_responds(ix: Index, typed: str) -> None:
    chain = ix.chain(typed)
    assert chain["number"] == "43-NQ/TW" and chain["scope"] == "central"
    assert [d["id"] for d in chain["documents"]] == ["tw-43"]
    got = {g["province"]: [d["id"] for d in g["documents"]] for g in chain["provinces"]}
    assert got == _responders("43-NQ/TW")
    for group in chain["provinces"]:
        for d in group["documents"]:
            assert (d["type"], d["resolution"], d["resolved_to"]["id"]) == (
                "implements", "resolved", "tw-43")
            assert "43-NQ/TW" in d["sentence"]
    missing = {m["province"]: m["province_2025"] for m in chain["missing"]}
    assert "Lai Châu" in missing and not set(got) & set(missing) and len(missing) == 63 - 4
    kon_tum = next(g for g in chain["provinces"] if g["province"] == "Kon Tum")
    assert kon_tum["province_2025"] == "Quảng Ngãi"


def test_provincial_chain_resolves_within_each_province(ix: Index) -> None:
    chain = ix.chain("04-NQ/TU")
    assert chain["scope"] == "provincial" and chain["missing"] == []
    groups = {g["province"]: g for g in chain["provinces"]}
    assert {p: [d["id"] for d in g["documents"]] for p, g in groups.items()} == \
        _responders("04-NQ/TU")
    for province in PROVINCES:
        group = groups[province]
        own = [i for i, t in TRUTH.items()
               if t["number"] == "04-NQ/TU" and t["province"] == province]
        assert sorted(d["id"] for d in group["target"]["documents"]) == sorted(own)
        assert group["target"]["state"] == ("resolved" if len(own) == 1 else "ambiguous")
        for d in group["documents"]:
            assert d["type"] == "review"
            if d["id"].endswith("-kl"):  # cites with the date: one document, this province's
                assert d["resolved_to"]["id"] == f"{d['id'][:-3]}-nq04"
    report = next(d for d in groups["Cao Bằng"]["documents"] if d["id"] == "cao-bang-bc")
    assert (report["resolution"], report["resolved_to"]) == ("ambiguous", None)


def test_chain_of_a_number_nobody_cites(ix: Index) -> None:
    chain = ix.chain("35-CT/TW")
    assert (chain["total"], chain["provinces"], chain["documents"]) == (0, [], [])
    assert len(chain["missing"]) == 63


@pytest.mark.parametrize("typed", ["", "nghị quyết", "43", "NQ/TW", "43-NQ", "x" * 500])
def test_chain_of_a_non_number_is_a_bad_query(ix: Index, typed: str) -> None:
    with pytest.raises(BadQuery) as info:
        ix.chain(typed)
    assert info.value.message is not None and info.value.message.code == "chain.not_a_number"


def test_document_links_both_ways(ix: Index) -> None:
    reviewed = ix.related("cao-bang-nq04")
    by = {d["id"]: d for d in reviewed["cited_by"]}
    assert (by["cao-bang-kl"]["type"], by["cao-bang-kl"]["resolved"]) == ("review", True)
    assert (by["cao-bang-bc"]["type"], by["cao-bang-bc"]["resolved"]) == ("review", False)
    assert reviewed["status"]["text"].startswith("Đã được")
    assert reviewed["status"]["text"].endswith("bởi 231-KL/TU")
    assert [d["id"] for d in reviewed["status"]["by"]] == ["cao-bang-kl"]
    # the older 04-NQ/TU of Cao Bằng is not the one reviewed (the sentence dates it)
    assert ix.related("cao-bang-nq04-2011")["status"]["value"] == STATUS_UNKNOWN
    reviewer = ix.related("cao-bang-kl")
    [cite] = [c for c in reviewer["cites"] if c["number"] == "04-NQ/TU"]
    assert (cite["type"], cite["resolution"], [d["id"] for d in cite["documents"]]) == (
        "review", "resolved", ["cao-bang-nq04"])
    [undated] = [c for c in ix.related("cao-bang-bc")["cites"] if c["number"] == "04-NQ/TU"]
    assert undated["resolution"] == "ambiguous" and len(undated["documents"]) == 2
    replaced = ix.related("kon-tum-qdi05")["status"]
    assert (replaced["value"], replaced["text"]) == (REPLACED, "Được thay thế bởi 09-QĐi/TU")


# -- the resolution rule, for any candidates ----------------------------------------------------
_PROVINCES = st.sampled_from(["Kon Tum", "Cao Bằng", None])
_DATES = st.sampled_from(["2011-04-02", "2016-04-11", "2021-06-02", None])
_CANDIDATES = st.lists(st.fixed_dictionaries({"province": _PROVINCES, "date": _DATES}),
                       max_size=5).map(lambda ds: [{**d, "id": f"d{i}"} for i, d in enumerate(ds)])


@given(st.sampled_from(["04-NQ/TU", "43-NQ/TW", "861/QĐ-TTg"]), _CANDIDATES, _PROVINCES,
       _DATES, _DATES)
def test_a_citation_resolves_only_to_the_one_document_that_fits(
        number: str, candidates: list[dict[str, Any]], province: str | None,
        citing_date: str | None, cited_date: str | None) -> None:
    citing = {"province": province, "date": citing_date}
    result = resolve_among(number, candidates, citing, {"cited_date": cited_date})
    provincial = number.endswith("/TU")

    def fits(d: dict[str, Any]) -> bool:
        return ((not provincial or (province is not None and d["province"] == province))
                and (cited_date is None or d["date"] == cited_date)
                and (citing_date is None or d["date"] is None or d["date"] <= citing_date))
    fitting = [d for d in candidates if fits(d)]
    if result.state == "resolved":
        assert fitting == result.documents and len(fitting) == 1
    elif provincial and province is None:
        assert result.state == "no_province"
    else:
        assert result.state == ("absent" if not fitting else "ambiguous")


def _doc(i: int, term: str | None = None, issuer: str | None = None) -> dict[str, Any]:
    return {"id": f"d{i}", "province": "Kon Tum", "date": f"201{i}-01-01", "term": term,
            "issuer": issuer}


@pytest.mark.parametrize(("candidates", "cited", "state", "ids"), [
    # the term or the issuer the sentence writes tells two of one number apart …
    ([_doc(1, "XV"), _doc(2, "XVI")], {"cited_term": "XVI"}, "resolved", ["d2"]),
    ([_doc(1, issuer="Tỉnh ủy"), _doc(2, issuer="Ban Thường vụ Tỉnh ủy")],
     {"cited_issuer": "btv"}, "resolved", ["d2"]),
    ([_doc(1, issuer="Tỉnh ủy"), _doc(2, issuer="Ban Thường vụ Tỉnh ủy")],
     {"cited_issuer": "bch"}, "resolved", ["d1"]),
    # … but a document whose term is unknown may be the one: it stays
    ([_doc(1), _doc(2, "XVI")], {"cited_term": "XVI"}, "ambiguous", ["d1", "d2"]),
    # nothing said: several fit
    ([_doc(1, "XV"), _doc(2, "XVI")], {}, "ambiguous", ["d1", "d2"]),
    # the date decides before anything else
    ([_doc(1, "XV"), _doc(2, "XVI")], {"cited_date": "2011-01-01"}, "resolved", ["d1"]),
])
def test_term_and_issuer_tell_documents_of_one_number_apart(
        candidates: list[dict[str, Any]], cited: dict[str, Any], state: str,
        ids: list[str]) -> None:
    result = resolve_among("04-NQ/TU", candidates, {"province": "Kon Tum", "date": "2020-01-01"},
                           cited)
    assert (result.state, [d["id"] for d in result.documents]) == (state, ids)


# -- an add changes the status of the document it reviews --------------------------------------
@pytest.mark.slow
def test_add_and_remove_of_a_reviewer_change_the_reviewed_status(tmp_path: Path) -> None:
    corpus = write_chain_corpus(tmp_path / "corpus", skip=("kon-tum-kl",))
    build_index([corpus], tmp_path / "ix", workers=1)
    with open_index(tmp_path / "ix") as index:
        assert index.get("kon-tum-nq04")["status"] == STATUS_UNKNOWN
    reviewer = tmp_path / "new" / "kon-tum-kl.txt"
    reviewer.parent.mkdir()
    reviewer.write_text(next(d["text"] for d in CORPUS if d["id"] == "kon-tum-kl"), "utf-8")
    add_documents([reviewer], tmp_path / "ix")
    with open_index(tmp_path / "ix") as index:
        assert index.get("kon-tum-nq04")["status"] == REVIEWED
        hits = index.search(SearchRequest(filters={"status": [REVIEWED]}, per_page=50)).hits
        assert "kon-tum-nq04" in {h.id for h in hits}
        added = next(h.id for h in index.search(SearchRequest(q="230-KL/TU")).hits)
    remove_documents([added], tmp_path / "ix")
    with open_index(tmp_path / "ix") as index:
        assert index.get("kon-tum-nq04")["status"] == STATUS_UNKNOWN


# -- the API, the pages and the CLI -----------------------------------------------------------
def _without_hrefs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_hrefs(v) for k, v in value.items() if k not in ("href", "ok")}
    if isinstance(value, list):
        return [_without_hrefs(v) for v in value]
    return value


@pytest.mark.parametrize("number", ["43-NQ/TW", "04-NQ/TU"])
def test_api_chain_is_the_library_chain(client: FlaskClient, ix: Index, number: str) -> None:
    response = client.get(f"/api/chain/{number}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True and _without_hrefs(data) == _without_hrefs(ix.chain(number))
    first = data["provinces"][0]["documents"][0]
    assert client.get(first["href"]).status_code == 200


def test_api_document_has_typed_links_and_status(client: FlaskClient) -> None:
    data = client.get("/api/documents/kon-tum-nq04").get_json()
    assert data["status"]["value"] == REVIEWED
    assert [(d["id"], d["type"], d["resolved"]) for d in data["related"]["cited_by"]] == [
        ("kon-tum-kl", "review", True)]
    assert data["links"]["chain"]["href"] == "/chain/04-NQ/TU"
    plan = client.get("/api/documents/kon-tum-kh43").get_json()
    [cite] = [c for c in plan["related"]["cites"] if c["number"] == "43-NQ/TW"]
    assert (cite["type"], cite["resolution"]) == ("implements", "resolved")


def test_chain_page_lists_provinces_responses_and_the_missing(client: FlaskClient) -> None:
    page = client.get("/chain/43-NQ/TW")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    headings = [h.get_text(" ", strip=True) for h in soup.select(".chain-province h2")]
    assert headings == ["Bắc Ninh", "Cao Bằng", "Hà Giang (từ 1/7/2025: Tuyên Quang)",
                        "Kon Tum (từ 1/7/2025: Quảng Ngãi)"]
    items = soup.select(".chain-item")
    assert len(items) == 4 and all("Thực hiện" in i.select_one(".relation").get_text()
                                   for i in items)
    assert all(i.select_one(".chain-sentence") for i in items)
    missing = [li.get_text(" ", strip=True) for li in soup.select(".chain-missing-list li")]
    assert "Lai Châu: chưa có văn bản trong kho" in missing and len(missing) == 59


def test_search_for_a_number_links_to_its_chain(client: FlaskClient) -> None:
    data = client.get("/api/search?q=43-NQ/TW").get_json()
    assert data["links"]["chain"]["href"] == "/chain/43-NQ/TW"
    assert client.get("/api/search?q=du lịch").get_json()["links"]["chain"] is None
    soup = BeautifulSoup(client.get("/?q=43-NQ/TW").get_data(as_text=True), "html.parser")
    link = soup.select_one(".chain-link a")
    assert link is not None and unquote(link["href"]) == "/chain/43-NQ/TW"


def test_document_page_shows_typed_links_status_and_chain(client: FlaskClient) -> None:
    soup = BeautifulSoup(client.get("/documents/kon-tum-qdi05").get_data(as_text=True),
                         "html.parser")
    assert soup.select_one(".doc-status").get_text(strip=True) == "Được thay thế bởi 09-QĐi/TU"
    [item] = soup.select("#cited-by-heading + ul .relation-item")
    assert item.select_one(".relation").get_text() == "Được thay thế bởi"
    plan = BeautifulSoup(client.get("/documents/kon-tum-kh43").get_data(as_text=True),
                         "html.parser")
    chain_links = [unquote(a["href"]) for a in plan.select("a.chain-of")]
    assert "/chain/43-NQ/TW" in chain_links


def test_cli_chain_json_is_the_library_chain(chain_index: Path, ix: Index) -> None:
    result = run_cli("chain", "43-NQ/TW", "--index", str(chain_index), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(json.dumps(ix.chain("43-NQ/TW")))
    text = run_cli("chain", "04-NQ/TU", "--index", str(chain_index))
    assert text.exit_code == 0 and "Cao Bằng" in text.output and "ambiguous" in text.output


def test_cli_chain_of_a_non_number_is_a_clear_error(chain_index: Path) -> None:
    result = run_cli("chain", "nghị quyết", "--index", str(chain_index))
    assert result.exit_code != 0 and "not a document number" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("number", "citing"), [("861/QĐ-TTg", 1), ("50/2016/QĐ-TTg", 1),
                                                ("04-NQ/TU", 2)])
def test_chain_of_a_state_number_in_the_seeds(seed_index: Path, number: str, citing: int) -> None:
    """A number with "Đ" and two slashes goes through the URL, the page and the API."""
    for app in make_app(seed_index):
        client = app.test_client()
        link = client.get("/api/search", query_string={"q": number}).get_json()["links"]["chain"]
        assert link is not None
        data = client.get(link["api_href"]).get_json()
        assert (data["number"], data["total"]) == (number, citing)
        assert client.get(link["href"]).status_code == 200
