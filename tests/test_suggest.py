"""Did-you-mean (search.query.suggest): corrected words with their tones restored from the
index's vocabulary, shown on the page (with hits or without), in the API and the CLI."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from search.engine.base import EngineResult
from search.query.parse import parse_query
from search.query.suggest import choose_forms, suggest, toned_forms
from search.results import SearchRequest

from .conftest import run_cli


# ix (the seed index, open): tests/conftest.py
@pytest.mark.parametrize(
    "q, suggestion",
    [
        ("giam nghoe", "giảm nghèo"),  # a typo, no tones: corrected and toned
        ("giam ngheeo", "giảm nghèo"),
        ("giảm nghoe", "giảm nghèo"),  # a word typed with tones keeps them
        ("xa dac biet kho khann", "xã đặc biệt khó khăn"),
        ("tinh uy kon tumm", "tỉnh ủy kon tum"),
        ('"xã đặc biệt" nghoe', '"xã đặc biệt" nghèo'),  # a phrase is kept as typed
        # a correct query has none, toned or not: typing without tones is no mistake
        ("giam ngheo", None),
        ("giảm nghèo", None),
        ("xã đặc biệt khó khăn", None),
        ("04-NQ/TU", None),
        ("xyzzy", None),  # nothing close
    ],
)
def test_suggestion(ix, q, suggestion):
    assert ix.search(SearchRequest(q=q)).suggestion == suggestion
    assert suggest(parse_query(q), ix.reader) == suggestion


@pytest.mark.parametrize("folded, first", [("giam", "giảm"), ("ngheo", "nghèo"),
                                           ("dac", "đặc"), ("an", "an"), ("xyzzy", None)])
def test_toned_forms_are_the_index_words_folding_to_the_word(ix, folded, first):
    forms = toned_forms(ix.reader, folded)
    assert (forms[0] if forms else None) == first


class Vocabulary:
    """A reader that knows which pairs of words occur together, and nothing else."""

    def __init__(self, together: dict[tuple[str, str], int]) -> None:
        self.together = together

    def doc_frequency(self, field: str, token: str) -> int:
        return self.together.get(tuple(token.split("_")), 0) if field == "words" else 0

    def search(self, query, filters, **_kwargs) -> EngineResult:
        return EngineResult(total=0, hits=[])


@pytest.mark.parametrize(
    "options, together, chosen",
    [
        # giám is the likelier form alone, but giảm stands next to nghèo
        ([["giám", "giảm"], ["nghèo"]], {("giảm", "nghèo"): 3}, ["giảm", "nghèo"]),
        ([["giám", "giảm"], ["sát"]], {("giám", "sát"): 2, ("giảm", "sát"): 0}, ["giám", "sát"]),
        # nothing together: the likeliest forms
        ([["giám", "giảm"], ["nghèo", "nghẹo"]], {}, ["giám", "nghèo"]),
        # a chain: the middle word decided by both neighbours
        ([["xã"], ["đạc", "đặc"], ["biệt"]], {("đặc", "biệt"): 5}, ["xã", "đặc", "biệt"]),
        ([["một"]], {}, ["một"]),
    ],
)
def test_forms_that_occur_together_win(options, together, chosen):
    assert choose_forms(Vocabulary(together), options) == chosen


def test_the_page_offers_the_suggestion_with_hits(client):
    response = client.get("/?q=giam+nghoe")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select(".hit-title a")  # relaxed: there are hits
    offer = soup.select_one("p.suggestion")
    assert offer is not None
    assert " ".join(offer.get_text().split()) == "Có phải bạn muốn tìm: giảm nghèo?"
    assert parse_qs(urlsplit(offer.a["href"]).query)["q"] == ["giảm nghèo"]
    api = client.get("/api/search?q=giam+nghoe").get_json()
    assert api["suggestion"] == "giảm nghèo"
    assert api["links"]["suggestion"]["href"] == offer.a["href"]


def test_the_page_offers_nothing_for_a_correct_query(client):
    soup = BeautifulSoup(client.get("/?q=giam+ngheo").get_data(as_text=True), "html.parser")
    assert soup.select_one("p.suggestion") is None
    assert client.get("/api/search?q=giam+ngheo").get_json()["suggestion"] is None


def test_the_cli_prints_the_suggestion(seed_index):
    human = run_cli("search", "giam nghoe", "--index", str(seed_index))
    assert "did you mean: giảm nghèo?" in human.output
    as_json = run_cli("search", "giam nghoe", "--index", str(seed_index), "--json")
    assert json.loads(as_json.output)["suggestion"] == "giảm nghèo"
    correct = run_cli("search", "giam ngheo", "--index", str(seed_index))
    assert "did you mean" not in correct.output
