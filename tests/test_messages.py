"""Messages as codes with parameters (search.messages), worded by each surface.

- the catalogue: every code has its parameters, an English and a Vietnamese wording;
- a Message: only catalogue codes with exactly their parameters, frozen, JSON round trip;
- a table of requests → the codes and parameters they give, through the library, the JSON
  API, the search page (Vietnamese, no English) and the CLI (English).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from search.cli import cli
from search.engine.base import FACET_FIELDS
from search.errors import BadQuery, VnSearchError
from search.index import Index, open_index
from search.messages import CATALOGUE, Message, examples, word_en
from search.query.parse import MAX_QUERY_CHARS, MAX_TERMS
from search.fields import MAX_FILTER_VALUES, MAX_PAGE, MAX_PER_PAGE, SORTS
from search.results import SearchRequest
from web import create_app
from web.state import EXTENSION
from web.messages import FACET_NAMES_VI, VI, word_vi
from web.urls import SEARCH_PARAMS
from web.views import FACET_LABELS
from tests.conftest import index_texts

# Identifiers a Vietnamese sentence keeps as they are typed (URL parameters, query syntax).
IDENTIFIERS = {"nam", "OR", "page", "per_page", "year_from", "year_to", "sort"}
# Parameters whose values are words of ours, to be said in Vietnamese (a facet's name, the
# order of the hits, the list of filters), unlike what the user typed.
TRANSLATED = {"facet", "order", "choices", "known"}
_WORD = re.compile(r"[A-Za-z_]{3,}")


def _words(value: Any) -> set[str]:
    if isinstance(value, (list, tuple)):
        return set().union(set(), *(_words(v) for v in value))
    return set(_WORD.findall(str(value)))


def _typed(message: Message) -> set[str]:
    """Words of what the user typed (shown as typed in any language); the sort names of an
    unknown sort are typed in the URL too."""
    typed = _words([v for k, v in message.params.items() if k not in TRANSLATED])
    return typed | (_words(message.params["choices"])
                    if message.code in ("request.unknown_sort", "param.bad_choice") else set())


def english_words(message: Message, text: str) -> set[str]:
    """Words of the English wording found in ``text`` that are neither typed by the user
    nor an identifier: English leaking into a Vietnamese sentence."""
    english = set(_WORD.findall(word_en(message))) - _typed(message) - IDENTIFIERS
    return {w for w in english if re.search(rf"(?<![A-Za-z_]){w}(?![A-Za-z_])", text, re.I)}


@pytest.mark.parametrize(("code", "leaky"), [
    # What the regex translation used to show, and English left as it was.
    ("filter.no_match", "Không văn bản nào có giá trị lọc này: province 'Atlantis'."),
    ("filter.no_match", "no document has province „Atlantis”"),
    ("search.no_words", "Không có từ khóa để tìm: đang hiển thị mọi văn bản, newest first."),
    ("param.unknown", "Bỏ qua tham số không hợp lệ: 'colour' ignored."),
    ("request.unknown_filter", "Không có bộ lọc „colour”: dùng province hoặc issuer."),
])
def test_the_leak_check_sees_english(code: str, leaky: str) -> None:
    assert english_words(Message(code, dict(CATALOGUE[code].example)), leaky)


# -- the catalogue ------------------------------------------------------------------------------
@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_both_wordings(code: str) -> None:
    spec = CATALOGUE[code]
    message = Message(code, dict(spec.example))
    assert set(spec.example) == set(spec.params)
    english, vietnamese = word_en(message), word_vi(message)
    assert english and vietnamese and english != vietnamese
    assert message.text == english == str(message)
    assert not english_words(message, vietnamese), (english, vietnamese)


def test_the_vietnamese_table_words_exactly_the_catalogue() -> None:
    assert set(VI) == set(CATALOGUE)


def test_facets_are_named_as_the_page_labels_them() -> None:
    assert FACET_NAMES_VI == {name: label[0].lower() + label[1:]
                              for name, label in FACET_LABELS.items()}


# -- a message --------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "params", "error"), [
    ("no.such_code", {}, "unknown message code"),
    ("query.cut_chars", {}, "takes parameters"),
    ("query.cut_chars", {"limit": 1, "extra": 2}, "takes parameters"),
    ("search.relaxed", {"why": "x"}, "takes parameters"),
])
def test_a_message_takes_a_catalogue_code_and_exactly_its_parameters(
        code: str, params: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Message(code, params)


def test_a_message_parameter_must_be_a_json_value() -> None:
    with pytest.raises(TypeError, match="not a JSON value"):
        Message("query.cut_chars", {"limit": object()})


def test_a_message_is_frozen_and_hashable() -> None:
    message = Message("filter.no_match", {"facet": "year", "values": ["1850"], "more": 0})
    with pytest.raises(dataclasses.FrozenInstanceError):
        message.code = "search.relaxed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        message.params["more"] = 5  # type: ignore[index]
    same = Message("filter.no_match", {"more": 0, "values": ("1850",), "facet": "year"})
    assert message == same and len({message, same}) == 1


def test_bad_query_carries_its_message_and_says_it_in_english() -> None:
    message = Message("query.bad_year", {"value": "abc"})
    err = BadQuery(message)
    assert err.message is message and str(err) == message.text
    with pytest.raises(TypeError):
        BadQuery("a sentence")  # type: ignore[arg-type]


def _params_like(example: Any) -> st.SearchStrategy[Any]:
    """Values of the example's JSON types."""
    if isinstance(example, bool):
        return st.booleans()
    if isinstance(example, int):
        return st.integers(-10**6, 10**6)
    if isinstance(example, (list, tuple)):
        return st.lists(st.text(max_size=20), max_size=4)
    return st.text(max_size=40)


_MESSAGES = st.sampled_from(sorted(CATALOGUE)).flatmap(lambda code: st.fixed_dictionaries(
    {k: _params_like(v) for k, v in CATALOGUE[code].example.items()}).map(
        lambda params: Message(code, params)))


@settings(max_examples=300, deadline=None)
@given(message=_MESSAGES)
def test_any_message_survives_json_and_is_worded(message: Message) -> None:
    data = json.loads(json.dumps(message.to_dict(), ensure_ascii=False))
    assert data == {"code": message.code, "params": data["params"], "text": message.text}
    assert Message.from_dict(data) == message
    assert word_en(message) and word_vi(message)


# -- requests → codes and parameters ------------------------------------------------------------
def _notes(*messages: tuple[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return list(messages)


BROWSE_NEWEST = {"excluded": False, "filtered": False, "order": "newest"}
THIRTY_THREE_WORDS = " ".join(f"tu{i}" for i in range(MAX_TERMS + 1))
# URL parameters → the messages of the result, in order (code, params).
NOTES: dict[str, tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]] = {
    "empty": ({"q": ""}, _notes(("search.no_words", BROWSE_NEWEST))),
    "star": ({"q": "*"}, _notes(("query.wildcards", {}),
                                ("search.nothing_to_search", {"text": "*", **BROWSE_NEWEST}))),
    "only-exclusions-oldest": ({"q": "-xyzzy", "sort": "oldest"}, _notes(
        ("search.no_words", {"excluded": True, "filtered": False, "order": "oldest"}))),
    "only-a-filter": ({"year": "2021"}, _notes(
        ("search.no_words", {"excluded": False, "filtered": True, "order": "newest"}))),
    "unknown-province": ({"q": "giam", "province": "Atlantis"}, _notes(
        ("filter.no_match", {"facet": "province", "values": ["Atlantis"], "more": 0}))),
    "four-unknown-types": ({"q": "giam", "doc_type": ["D", "A", "C", "B"]}, _notes(
        ("filter.no_match", {"facet": "doc_type", "values": ["A", "B", "C"], "more": 1}))),
    "unknown-year-in-query": ({"q": "giam nam:1850"}, _notes(
        ("filter.no_match", {"facet": "year", "values": ["1850"], "more": 0}))),
    "unclosed-quote": ({"q": '"xa dac'}, _notes(("query.unclosed_quote", {}))),
    "parentheses": ({"q": "(giam ngheo)"}, _notes(("query.parentheses", {}))),
    "too-long": ({"q": "giam " * MAX_QUERY_CHARS}, _notes(
        ("query.cut_chars", {"limit": MAX_QUERY_CHARS}),
        ("query.cut_terms", {"limit": MAX_TERMS}))),
    "too-many-terms": ({"q": THIRTY_THREE_WORDS}, _notes(
        ("query.cut_terms", {"limit": MAX_TERMS}))),
    "relaxed": ({"q": "giam ngheo zzzqqq"}, _notes(("search.relaxed", {}))),
    "wrong-tone": ({"q": "giảm nghẹo"}, _notes(("search.untoned", {}))),
    "wrong-tone-relaxed": ({"q": "giảm nghẹo zzzqqq"}, _notes(("search.relaxed", {}),
                                                              ("search.untoned", {}))),
    "unknown-parameter": ({"q": "giam", "colour": "red", "provnce": "x"}, _notes(
        ("param.unknown", {"names": ["colour", "provnce"], "more": 0,
                           "known": list(SEARCH_PARAMS)}))),
    "seven-unknown-parameters": ({"q": "giam", **{f"x{i}": "1" for i in range(7)}}, _notes(
        ("param.unknown", {"names": [f"x{i}" for i in range(5)], "more": 2,
                           "known": list(SEARCH_PARAMS)}))),
}
INT_PARAM = {"page": (1, MAX_PAGE), "per_page": (1, MAX_PER_PAGE), "year_to": (1, 9999)}
# URL parameters → the 400 error's code and params.
ERRORS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "page-abc": ({"page": "abc"}, "param.not_integer",
                 {"name": "page", "value": "abc", "min": 1, "max": MAX_PAGE}),
    "per-page-huge": ({"per_page": "1" * 30}, "param.too_large",
                      {"name": "per_page", "value": "1" * 20, "min": 1, "max": MAX_PER_PAGE}),
    "year-to-99999": ({"year_to": "99999"}, "param.bad_year",
                      {"name": "year_to", "value": 99999, "min": 1, "max": 9999}),
    "title-only-maybe": ({"title_only": "Maybe"}, "param.not_flag",
                         {"name": "title_only", "value": "maybe", "on": "1", "off": "0"}),
    "years-reversed": ({"year_from": "2025", "year_to": "2000"}, "request.years_reversed",
                       {"year_from": 2025, "year_to": 2000}),
    "page-0": ({"page": "0"}, "request.out_of_range", {"name": "page", "min": 1, "max": MAX_PAGE}),
    "per-page-101": ({"per_page": "101"}, "request.out_of_range",
                     {"name": "per_page", "min": 1, "max": MAX_PER_PAGE}),
    "unknown-sort": ({"q": "giam", "sort": "random"}, "request.unknown_sort",
                     {"sort": "random", "choices": list(SORTS)}),
    "nam-abc": ({"q": "nam:abc"}, "query.bad_year", {"value": "abc"}),
    "too-many-provinces": ({"province": [f"P{i}" for i in range(MAX_FILTER_VALUES + 1)]},
                           "request.too_many_values",
                           {"name": "province", "max": MAX_FILTER_VALUES,
                            "given": MAX_FILTER_VALUES + 1}),
    "nam-reversed": ({"q": "giam nam:2025-2000"}, "query.years_reversed",
                     {"value": "2025-2000", "year_from": 2025, "year_to": 2000}),
}
# The exports' own parameters → the 400 error's code and params.
EXPORT_ERRORS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "headers-french": ({"q": "giam", "headers": "French"}, "param.bad_choice",
                       {"name": "headers", "value": "french", "choices": ["vi", "keys"]}),
}
# Only a program can ask for these (the URL layer drops an unknown filter name).
LIBRARY_ONLY = {"request.unknown_filter"}
# Raised by a Xapian cluster with a shard down: tests/test_cluster.py makes each happen (it
# needs the cluster extra and Debian's xapian-tools, so it is not repeated here).
CLUSTER_ONLY = {"index.unavailable", "index.no_primary"}
# Only the optional Xapian engine says these (met in tests/test_xapian_engine.py).
XAPIAN_ONLY = {"query.unsupported", "engine.not_installed"}


def test_the_table_covers_every_code() -> None:
    seen = {code for _params, notes in NOTES.values() for code, _ in notes}
    seen |= {code for _params, code, _ in ERRORS.values()}
    seen |= {code for _params, code, _ in EXPORT_ERRORS.values()}
    seen |= {code for _make, code in INDEX_ERRORS.values()} | {"index.locked",
                                                               "document.not_found",
                                                               "chain.not_a_number"}
    assert seen | LIBRARY_ONLY | CLUSTER_ONLY | XAPIAN_ONLY == set(CATALOGUE)


@pytest.fixture(scope="module")
def app(seed_index: Path) -> Iterator[Flask]:
    app = create_app({"INDEX": str(seed_index), "TESTING": True})
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def ix(seed_index: Path) -> Iterator[Index]:
    with open_index(seed_index) as index:
        yield index


def _url(path: str, params: dict[str, Any]) -> str:
    return f"{path}?{urlencode(params, doseq=True)}"


def _expected(notes: list[tuple[str, dict[str, Any]]]) -> list[Message]:
    return [Message(code, params) for code, params in notes]


@pytest.mark.parametrize("name", list(NOTES))
def test_request_gives_codes_and_params_in_json(client: FlaskClient, name: str) -> None:
    params, notes = NOTES[name]
    data = client.get(_url("/api/search", params)).get_json()
    assert data["ok"] is True
    assert [(n["code"], n["params"]) for n in data["notices"]] == notes
    assert [n["text"] for n in data["notices"]] == [m.text for m in _expected(notes)]
    assert data["messages"] == [m.text for m in _expected(notes)]  # the English, as before


@pytest.mark.parametrize("name", [n for n in NOTES if "parameter" not in n])
def test_request_gives_codes_and_params_from_the_library(ix: Index, name: str) -> None:
    params, notes = NOTES[name]
    filters = {k: v if isinstance(v, list) else [v] for k, v in params.items()
               if k in FACET_FIELDS}
    result = ix.search(SearchRequest(q=params.get("q", ""), filters=filters,
                                     sort=params.get("sort", "relevance")))
    assert result.messages == _expected(notes)


@pytest.mark.parametrize("name", list(NOTES))
def test_the_page_words_every_note_in_vietnamese(client: FlaskClient, name: str) -> None:
    params, notes = NOTES[name]
    html = client.get(_url("/", params)).get_data(as_text=True)
    notice = BeautifulSoup(html, "html.parser").select_one(".notice")
    shown = [p.get_text() for p in notice.select("p")]
    assert shown == [word_vi(m) for m in _expected(notes)]
    for message in _expected(notes):
        assert message.text not in html
        assert not english_words(message, notice.get_text()), notice.get_text()


def test_an_unknown_province_reads_as_vietnamese(client: FlaskClient) -> None:
    soup = BeautifulSoup(client.get("/?q=giam&province=Atlantis").get_data(as_text=True),
                         "html.parser")
    assert soup.select_one(".notice").get_text(strip=True) == \
        "Không văn bản nào có tỉnh/thành (khi ban hành) „Atlantis”."


@pytest.mark.parametrize("name", list(ERRORS))
def test_a_bad_request_gives_its_code_and_params(client: FlaskClient, ix: Index,
                                                 name: str) -> None:
    params, code, expected = ERRORS[name]
    response = client.get(_url("/api/search", params))
    data = response.get_json()
    assert response.status_code == 400
    assert (data["code"], data["params"]) == (code, expected)
    assert data["error"] == Message(code, expected).text


@pytest.mark.parametrize("name", list(EXPORT_ERRORS))
def test_a_bad_export_parameter_gives_its_code_and_params(client: FlaskClient,
                                                          name: str) -> None:
    params, code, expected = EXPORT_ERRORS[name]
    response = client.get(_url("/export.csv", params))
    data = response.get_json()
    assert response.status_code == 400
    assert (data["code"], data["params"]) == (code, expected)


# The page says a backwards year range above the results instead (test_web.py).
PAGE_NOTICES = {"years-reversed"}


@pytest.mark.parametrize("name", [n for n in ERRORS if n not in PAGE_NOTICES])
def test_a_bad_request_page_is_vietnamese(client: FlaskClient, name: str) -> None:
    params, code, expected = ERRORS[name]
    message = Message(code, expected)
    response = client.get(_url("/", params))
    shown = BeautifulSoup(response.get_data(as_text=True), "html.parser") \
        .select_one(".error-message").get_text()
    assert response.status_code == 400 and shown == word_vi(message)
    assert not english_words(message, shown), shown


@pytest.mark.parametrize(("request_", "code", "params"), [
    (SearchRequest(q="x", filters={"colour": ["red"]}), "request.unknown_filter",
     {"name": "colour", "choices": list(FACET_FIELDS)}),
    (SearchRequest(q="x", page=MAX_PAGE + 1), "request.out_of_range",
     {"name": "page", "min": 1, "max": MAX_PAGE}),
    (SearchRequest(q="x", year_from=2020, year_to=2019), "request.years_reversed",
     {"year_from": 2020, "year_to": 2019}),
])
def test_the_library_refuses_with_a_code(ix: Index, request_: SearchRequest, code: str,
                                         params: dict[str, Any]) -> None:
    with pytest.raises(BadQuery) as info:
        ix.search(request_)
    assert info.value.message == Message(code, params)


# -- the CLI speaks English ---------------------------------------------------------------------
def test_the_cli_prints_notes_in_english(seed_index: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "--index", str(seed_index), "--province",
                                      "Atlantis", "giam"])
    assert result.exit_code == 0, result.output
    assert "note: no document has province 'Atlantis'" in result.stdout.splitlines()


def test_the_cli_batch_gives_the_code_of_a_bad_query(seed_index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("nam:abc\ngiam\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["search", "--index", str(seed_index), "--queries",
                                      str(queries)])
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first == {"query": "nam:abc", "error": Message("query.bad_year", {"value": "abc"}).text,
                     "code": "query.bad_year", "params": {"value": "abc"}}
    assert second["notices"] == [] and second["messages"] == []


def test_examples_give_one_message_per_code() -> None:
    assert [m.code for m in examples()] == list(CATALOGUE)


# -- the index and its documents: library errors with codes too --------------------------------
def _never_built(tmp: Path) -> Path:
    return tmp / "never-built"


def _generation_without_manifest(tmp: Path) -> Path:
    (tmp / "ix" / "gen-1").mkdir(parents=True)
    (tmp / "ix" / "current").symlink_to("gen-1")
    return tmp / "ix"


def _configuration_not_an_object(tmp: Path) -> Path:
    (tmp / "cluster.json").write_text("[1, 2]", encoding="utf-8")
    return tmp / "cluster.json"


def _built_by_an_older_version(tmp: Path) -> Path:
    """A real index whose manifest says format 1 (before typed relations and status)."""
    index = index_texts(tmp, {"a": "Nghị quyết về giảm nghèo."})
    manifest = index / "current" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": 1}), encoding="utf-8")
    return index


INDEX_ERRORS = {
    "missing": (_never_built, "index.missing"),
    "damaged": (_generation_without_manifest, "index.damaged"),
    "bad configuration": (_configuration_not_an_object, "index.bad_config"),
    "built by an older version": (_built_by_an_older_version, "index.outdated"),
}


@pytest.mark.parametrize("name", list(INDEX_ERRORS))
def test_an_unusable_index_is_a_coded_error(tmp_path: Path, name: str) -> None:
    make, code = INDEX_ERRORS[name]
    location = make(tmp_path)
    with pytest.raises(VnSearchError) as info:
        open_index(location)
    message = info.value.message
    assert message is not None and message.code == code
    assert str(location) in message.params.values() and str(info.value) == message.text


@pytest.mark.parametrize("name", list(INDEX_ERRORS))
def test_an_unusable_index_is_vietnamese_on_the_page_and_coded_in_json(
        tmp_path: Path, name: str) -> None:
    make, code = INDEX_ERRORS[name]
    location = make(tmp_path)
    app = create_app({"INDEX": str(location), "TESTING": True})
    try:
        page = app.test_client().get("/?q=giam")
        data = app.test_client().get("/api/search?q=giam").get_json()
    finally:
        app.extensions[EXTENSION].close()
    message = Message(data["code"], data["params"])
    assert page.status_code == 503 and data["status"] == 503 and message.code == code
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()
    assert word_vi(message) in text and message.text not in text
    assert not english_words(message, word_vi(message)), word_vi(message)


def test_a_missing_document_is_coded(client: FlaskClient) -> None:
    data = client.get("/api/documents/no-such-id").get_json()
    assert (data["status"], data["code"], data["params"]) == (404, "document.not_found",
                                                              {"id": "no-such-id"})
    page = client.get("/documents/no-such-id")
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()
    message = Message("document.not_found", {"id": "no-such-id"})
    assert page.status_code == 404 and word_vi(message) in text and message.text not in text


@pytest.mark.parametrize("typed", ["nghị quyết", "43", "NQ/TW", "<b>x</b>"])
def test_a_chain_of_a_non_number_is_coded(client: FlaskClient, typed: str) -> None:
    data = client.get(f"/api/chain/{typed}").get_json()
    assert (data["status"], data["code"], data["params"]) == (400, "chain.not_a_number",
                                                              {"number": typed})
    page = client.get(f"/chain/{typed}")
    text = BeautifulSoup(page.get_data(as_text=True), "html.parser").get_text()
    message = Message("chain.not_a_number", {"number": typed})
    assert page.status_code == 400 and word_vi(message) in text and message.text not in text


def test_a_held_lock_is_coded(tmp_path: Path) -> None:
    from search.engine.generations import IndexLocation
    from search.errors import IndexLocked
    from search.indexer import remove_documents

    location = IndexLocation(tmp_path / "ix")
    with location.lock("holder"), pytest.raises(IndexLocked) as info:
        remove_documents(["x"], tmp_path / "ix")
    assert info.value.message is not None and info.value.message.code == "index.locked"
    assert info.value.message.params["location"] == str(tmp_path / "ix")
    assert "holder" in info.value.message.params["holder"]

