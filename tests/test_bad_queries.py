"""Bad queries (issue 6): through search(), the CLI, /api/search and the search page.

Never a 500, always a bounded time, always a message that helps: either a result with a
note (what was cut, ignored or not understood) or a 400 naming the parameter and the
range. The caps are documented in the README ("Limits"): MAX_QUERY_CHARS characters,
MAX_TERMS terms, no wildcard expansion at all, page ≤ MAX_PAGE, per_page ≤ MAX_PER_PAGE.

The time bound below is a hang guard only (timings are noisy on shared machines): a
query that expanded to every term, or walked 10^9 pages, would blow far past it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli import cli
from search.errors import BadQuery
from search.messages import Message
from search.index import Index
from search.query.parse import MAX_QUERY_CHARS, MAX_TERMS
from search.fields import MAX_FILTER_VALUES, MAX_PAGE, MAX_PER_PAGE
from search.results import SearchRequest
from tests.conftest import SEED_IDS, make_app
from web.messages import word_vi

HANG_GUARD_S = 5.0
ALL = 5  # documents in the seed index
TEN_THOUSAND = ("giảm nghèo bền vững " * 500)[:10_000]
WILDCARD = "* and ? are not wildcards here: words are matched whole, with or without tone marks"
CHARS_CUT = f"query cut to its first {MAX_QUERY_CHARS:,} characters"
TERMS_CUT = f"query cut to its first {MAX_TERMS} terms"


@dataclass
class Case:
    """One bad query. ``params`` are URL parameters (the library and the CLI get the same
    request); ``notes`` must all be among the result's messages; ``error`` is the start of
    the 400 message (then there is no result)."""

    params: dict[str, str]
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    total: int | None = None
    first: str | None = None
    raw_url: str | None = None  # a query string given byte for byte (bad UTF-8, controls)
    lib_error: str | None = None  # the library's words, when only the URL layer differs
    query: str | None = None  # the query text the result echoes


CASES: dict[str, Case] = {
    "empty": Case({"q": ""}, ["no search words: showing every document, newest first"],
                  total=ALL),
    "spaces": Case({"q": "   "}, ["no search words: showing every document, newest first"],
                   total=ALL),
    "10000-chars": Case({"q": TEN_THOUSAND}, [CHARS_CUT, TERMS_CUT]),
    "10000-chars-one-word": Case({"q": "a" * 10_000}, [CHARS_CUT], total=0),
    "only-punctuation": Case({"q": "!!! ... ;;; --- ,,, ///"},
                             ["nothing to search for in '!!! ... ;;; --- ,,, ///': "
                              "showing every document, newest first"], total=ALL),
    "unbalanced-quote": Case({"q": '"xã đặc biệt khó khăn'},
                             ["unclosed quote: the phrase runs to the end of the query"],
                             first=SEED_IDS["kontum_kl"]),
    "unbalanced-quotes-curly": Case({"q": "“xã đặc biệt”  “khó"},
                                    ["unclosed quote: the phrase runs to the end of the query"]),
    "unbalanced-parentheses": Case({"q": "((xa dac biet kho khan"},
                                   ["( and ) do not group words here: use OR between "
                                    "alternatives"], first=SEED_IDS["kontum_kl"]),
    "closing-parenthesis": Case({"q": "giam ngheo))"}, ["( and ) do not group words here: use "
                                                        "OR between alternatives"]),
    "star": Case({"q": "*"}, [WILDCARD, "nothing to search for in '*': "
                              "showing every document, newest first"], total=ALL),
    "a-star": Case({"q": "a*"}, [WILDCARD]),
    "question-mark": Case({"q": "?"}, [WILDCARD], total=ALL),
    "only-or": Case({"q": "OR OR"}, ["nothing to search for in 'OR OR': showing every "
                                     "document, newest first"], total=ALL),
    "prefix-giam-star": Case({"q": "giam*"}, [WILDCARD]),
    "inner-question-mark": Case({"q": "gi?m ngh?o"}, [WILDCARD]),
    "many-or": Case({"q": " OR ".join(["giam"] * 300)}, [CHARS_CUT, TERMS_CUT]),
    "long-phrase": Case({"q": '"' + "giảm nghèo " * 80 + '"'}, [TERMS_CUT], total=0),
    "only-exclusions": Case({"q": "-xyzzy"}, ["no search words: showing every document "
                                              "without the excluded words, newest first"],
                            total=ALL),
    "page-10^9": Case({"q": "giam", "page": "1000000000"},
                      error="page=1000000000… is out of range: use a page number from 1",
                      lib_error=f"page must be between 1 and {MAX_PAGE}"),
    "page-999999999": Case({"q": "giam", "page": "999999999"},
                           error=f"page must be between 1 and {MAX_PAGE}"),
    "page-0": Case({"q": "giam", "page": "0"}, error=f"page must be between 1 and {MAX_PAGE}"),
    "per-page-10^9": Case({"q": "giam", "per_page": "1000000000"},
                          error="per_page=1000000000… is out of range",
                          lib_error=f"per_page must be between 1 and {MAX_PER_PAGE}"),
    "per-page-1000": Case({"q": "giam", "per_page": "1000"},
                          error=f"per_page must be between 1 and {MAX_PER_PAGE}"),
    "page-not-a-number": Case({"page": "abc"}, error="page must be a whole number, not 'abc'"),
    "unknown-province": Case({"q": "giam", "province": "Atlantis"},
                             ["no document has province 'Atlantis'"], total=0),
    "unknown-year": Case({"year": "1850"}, ["no document has year '1850'"], total=0),
    "unknown-type": Case({"q": "giam", "doc_type": "Sắc lệnh"},
                         ["no document has document type 'Sắc lệnh'"], total=0),
    "year-from-after-year-to": Case({"q": "giam", "year_from": "2025", "year_to": "2000"},
                                    error="year_from (2025) is after year_to (2000)"),
    "year-range-reversed-in-query": Case({"q": "giam nam:2025-2000"},
                                         error="nam:2025-2000: the first year is after the "
                                               "last (write nam:2000-2025)"),
    "bad-year-in-query": Case({"q": "nam:abc"}, error="nam:abc is not a year or a range"),
    "unknown-sort": Case({"q": "giam", "sort": "random"},
                         error="unknown sort 'random': use one of relevance, newest, oldest"),
}
# Only the URL can carry these: an unknown parameter name, bytes that are not UTF-8, and
# control characters (the library gets what the URL decodes to).
URL_CASES: dict[str, Case] = {
    "unknown-facet-name": Case({}, ["unknown parameter 'colour' ignored"], total=ALL,
                               raw_url="q=&colour=red"),
    # Werkzeug keeps an escape that is not UTF-8 as the text it was: nothing matches it.
    "invalid-utf8-in-q": Case({}, [], total=0, raw_url="q=%ff%fe", query="%FF%FE"),
    "invalid-utf8-in-name": Case({}, ["unknown parameter '%FF' ignored"],
                                 raw_url="q=giam&%ff=1"),
    "nul-and-escape-in-q": Case({}, [], first=SEED_IDS["kontum_kl"],
                                raw_url="q=xa%00+dac%1b+biet+kho+khan%7f"),
    "only-controls": Case({}, ["no search words: showing every document, newest first"],
                          total=ALL, raw_url="q=%00%01%1b%7f"),
    "invalid-utf8-in-province": Case({}, ["no document has province '%C3('"], total=0,
                                     raw_url="q=giam&province=%c3%28"),
    "nul-in-q": Case({}, [], total=0, raw_url="q=%00xyzzy%00", query="xyzzy"),
}


def _request(params: dict[str, str]) -> SearchRequest:
    filters = {k: [v] for k, v in params.items()
               if k in ("province", "province_2025", "year", "doc_type", "issuer")}
    ints = {k: int(params[k]) for k in ("page", "per_page", "year_from", "year_to")
            if k in params and params[k].lstrip("-").isdigit()}
    return SearchRequest(q=params.get("q", ""), filters=filters, sort=params.get("sort", "relevance"),
                         **ints)


# ix (the seed index, open): tests/conftest.py. The app is shared by the module here (the
# conftest's is one per test): every case only reads it.
@pytest.fixture(scope="module")
def app(seed_index: Path) -> Iterator[Flask]:
    yield from make_app(seed_index)


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _timed(call, *args, **kwargs):
    start = time.monotonic()
    value = call(*args, **kwargs)
    elapsed = time.monotonic() - start
    assert elapsed < HANG_GUARD_S, f"took {elapsed:.1f}s"
    return value


def _check_result(case: Case, total: int, hits: list[str], messages: list[str]) -> None:
    for note in case.notes:
        assert any(m.startswith(note) for m in messages), (note, messages)
    if case.total is not None:
        assert total == case.total
    if case.first is not None:
        assert hits and hits[0] == case.first, hits


# -- the library ------------------------------------------------------------------------------------
# A SearchRequest's page is an int: only the URL and the CLI can say "abc".
LIBRARY_CASES = [name for name in CASES if name != "page-not-a-number"]


@pytest.mark.parametrize("name", LIBRARY_CASES)
def test_bad_query_through_search(ix: Index, name: str) -> None:
    case = CASES[name]
    if case.error:
        with pytest.raises(BadQuery) as info:
            _timed(ix.search, _request(case.params))
        assert str(info.value).startswith(case.lib_error or case.error)
        return
    result = _timed(ix.search, _request(case.params))
    _check_result(case, result.total, [h.id for h in result.hits],
                  [m.text for m in result.messages])


def test_unknown_filter_name_through_search(ix: Index) -> None:
    with pytest.raises(BadQuery, match="unknown filter 'colour': use province, province_2025"):
        ix.search(SearchRequest(q="giam", filters={"colour": ["red"]}))


def test_huge_query_text_is_cut_cheaply(ix: Index) -> None:
    result = _timed(ix.search, SearchRequest(q="xa dac biet kho khan " * 500_000))  # 10 MB
    assert CHARS_CUT in [m.text for m in result.messages] and result.hits[0].id == SEED_IDS["kontum_kl"]


# -- /api/search and the search page ------------------------------------------------------------------
def _url(case: Case, path: str) -> str:
    return f"{path}?{case.raw_url if case.raw_url is not None else urlencode(case.params)}"


@pytest.mark.parametrize("name", list(CASES) + list(URL_CASES))
def test_bad_query_through_the_api(client: FlaskClient, name: str) -> None:
    case = CASES.get(name) or URL_CASES[name]
    response = _timed(client.get, _url(case, "/api/search"))
    data = response.get_json()
    assert response.mimetype == "application/json"
    if case.error:
        assert response.status_code == 400
        assert data == {"ok": False, "error": data["error"], "code": data["code"],
                        "params": data["params"], "status": 400}
        assert data["error"].startswith(case.error)
        assert data["error"] == Message(data["code"], data["params"]).text
        return
    assert response.status_code == 200 and data["ok"] is True
    _check_result(case, data["total"], [h["id"] for h in data["hits"]], data["messages"])
    assert data["messages"] == [n["text"] for n in data["notices"]]
    if case.query is not None:
        assert data["query"] == case.query


VIETNAMESE_NOTES = {
    "empty": "Không có từ khóa để tìm: đang hiển thị mọi văn bản, mới nhất trước.",
    "10000-chars": "Truy vấn quá dài: chỉ dùng 1.000 ký tự đầu.",
    "star": "Dấu * và ? không phải ký tự đại diện",
    "unbalanced-quote": "Thiếu dấu ngoặc kép đóng",
    "unbalanced-parentheses": "Dấu ngoặc đơn không nhóm các từ",
    "unknown-province": "Không văn bản nào có tỉnh/thành (khi ban hành) „Atlantis”.",
    "only-exclusions": "mọi văn bản không chứa các từ bị loại trừ",
    "unknown-facet-name": "Bỏ qua tham số không hợp lệ: „colour”.",
}


@pytest.mark.parametrize("name", list(CASES) + list(URL_CASES))
def test_bad_query_through_the_search_page(client: FlaskClient, name: str) -> None:
    case = CASES.get(name) or URL_CASES[name]
    response = _timed(client.get, _url(case, "/"))
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "Traceback" not in html
    soup = BeautifulSoup(html, "html.parser")
    if case.error:  # the API's message, worded in Vietnamese; not its English sentence
        error = client.get(_url(case, "/api/search")).get_json()
        if error["code"] == "request.years_reversed":
            # The page says a backwards range above the results, the form kept (200).
            assert response.status_code == 200
            shown = soup.select_one(".notice-years p").get_text()
            assert shown == word_vi(Message(error["code"], error["params"]))
            return
        assert response.status_code == 400
        shown = soup.select_one(".error-message").get_text()
        assert shown == word_vi(Message(error["code"], error["params"]))
        assert error["error"] not in shown
        return
    assert response.status_code == 200
    if name in VIETNAMESE_NOTES:
        assert VIETNAMESE_NOTES[name] in soup.select_one(".notice").get_text()
    if case.total == 0:  # the empty result says what was searched and what to try
        assert "Không có văn bản nào khớp" in soup.select_one(".empty").get_text()
    assert "\x00" not in html and "\x1b" not in html


# -- the CLI ---------------------------------------------------------------------------------------
CLI_ARGS = {"province": "--province", "year": "--year", "doc_type": "--type",
            "year_from": "--year-from", "year_to": "--year-to", "sort": "--sort", "page": "--page",
            "per_page": "--limit"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_query_through_the_cli(seed_index: Path, name: str) -> None:
    case = CASES[name]
    args = ["search", "--index", str(seed_index)]
    for key, value in case.params.items():
        if key != "q":
            args += [CLI_ARGS[key], value]
    args += ["--", case.params.get("q", "")]  # a query may start with "-" (an exclusion)
    result = _timed(CliRunner().invoke, cli, args)
    assert "Traceback" not in result.output
    if case.error:
        # Out-of-range options are usage errors (2) from click; the rest are errors (1).
        assert result.exit_code in (1, 2)
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith(("error: ", "Error: ")), lines
        if result.exit_code == 1:
            assert lines == [f"error: {lines[0][7:]}"] and lines[0][7:].startswith(case.error)
        else:
            assert "--" in lines[-1]  # click names the option and its range
        return
    assert result.exit_code == 0, result.output
    notes = [line[6:] for line in result.stdout.splitlines() if line.startswith("note: ")]
    for note in case.notes:
        assert any(n.startswith(note) for n in notes), (note, notes)


# -- generated strings ---------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300) | st.text(alphabet="*?\"“”()-: OR ãđ0/", max_size=60))
def test_generated_queries_through_search(ix: Index, text: str) -> None:
    try:
        result = _timed(ix.search, SearchRequest(q=text))
    except BadQuery as err:  # only a bad filter in the text (nam:abc) may be refused
        assert str(err).startswith("nam:"), err
        assert err.message.code in ("query.bad_year", "query.years_reversed")
        return
    assert result.total >= 0 and len(result.hits) <= 10
    if result.total == ALL and not text.strip():
        assert result.messages


_PARAM_VALUES = st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12).map(str))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(
    st.sampled_from(["q", "page", "per_page", "sort", "province", "year", "year_from", "year_to",
                     "doc_type", "issuer", "zzz"]), _PARAM_VALUES, max_size=5))
def test_generated_parameters_through_the_api(client: FlaskClient, params: dict[str, str]) -> None:
    response = _timed(client.get, "/api/search?" + urlencode(params))
    assert response.status_code in (200, 400), (params, response.data[:300])
    data = response.get_json()
    if response.status_code == 400:
        assert data == {"ok": False, "error": data["error"], "code": data["code"],
                        "params": data["params"], "status": 400}
        assert data["error"] and "Traceback" not in data["error"]
        assert data["error"] == Message(data["code"], data["params"]).text
    else:
        assert data["ok"] is True and isinstance(data["messages"], list)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=120))
def test_generated_bytes_in_the_url(client: FlaskClient, raw: bytes) -> None:
    """Arbitrary bytes, percent-encoded, as the value of q and as a parameter name."""
    for query in (f"q={quote_from_bytes(raw)}", f"{quote_from_bytes(raw)}=1&q=x"):
        for path in ("/api/search", "/"):
            response = _timed(client.get, f"{path}?{query}")
            assert response.status_code in (200, 400), (query, response.data[:300])


def test_control_characters_in_a_document_url(client: FlaskClient) -> None:
    for doc_id in ("%00", "%1b%5b31m", "%ff%fe", quote("\u202e") + "x"):
        response = client.get(f"/documents/{doc_id}")
        assert response.status_code == 404 and "\x00" not in response.get_data(as_text=True)
        response = client.get(f"/api/documents/{doc_id}")
        assert response.status_code == 404 and response.get_json()["ok"] is False


@pytest.mark.parametrize("given", [1, 63, MAX_FILTER_VALUES])
def test_filter_values_within_the_cap_are_served_and_deduplicated(client: FlaskClient,
                                                                  given: int) -> None:
    values = [f"Tỉnh {i}" for i in range(given)]
    query = urlencode({"q": "giam", "province": values + values}, doseq=True)
    data = client.get(f"/api/search?{query}").get_json()
    kept = data["filters"]["province"]
    assert data["ok"] is True and len(kept) == given and set(kept) == set(values)


@pytest.mark.parametrize("given", [MAX_FILTER_VALUES + 1, 4000])
def test_too_many_filter_values_are_a_400_whose_size_does_not_grow(client: FlaskClient,
                                                                   given: int) -> None:
    """4,000 province= values took 51 s and 574 MB of HTML (every toggle link carried them
    all); past the cap the request is refused before anything is built from them."""
    query = urlencode({"q": "giam", "province": [f"P{i}" for i in range(given)]}, doseq=True)
    page = client.get(f"/?{query}")
    api = client.get(f"/api/search?{query}").get_json()
    assert page.status_code == 400 and api["code"] == "request.too_many_values"
    assert api["params"] == {"name": "province", "max": MAX_FILTER_VALUES, "given": given}
    assert len(page.get_data()) < 20_000  # the form and one message, whatever was sent
