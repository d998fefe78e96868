"""Ranking rules of issue 14: a toned query matches as typed (folded forms only add to the
score, or a fallback says so), the keyword rule counts pyvi words, a sentence is an OR that
BM25 ranks (no count of matching words cuts off its answer)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engine.base import And, AndMaybe, Filters, Or, Query, Term
from search.index import Index, open_index
from search.query.build import KEYWORD_MAX_WORDS, build_query, explain, word_count
from search.query.parse import parse_query
from search.results import SearchRequest

from tests.conftest import index_texts

# Each document is one plain-text file; its name (without .txt) is its id in these tests.
DOCS = {
    "space": "Chương trình nghiên cứu tàu vũ trụ thăm dò sao Hỏa của các nhà khoa học.",
    "vungtau": "Tỉnh Bà Rịa - Vũng Tàu tăng cường quản lý vũ khí, vật liệu nổ trên địa bàn.",
    # Every word of "tàu vũ trụ sao hỏa" once folded, none of them as typed.
    "folded": "Cán bộ tậu nhà, nhiệm vụ dự trù kinh phí còn sáo rỗng, hoa mỹ.",
    "tinhuy": "Tỉnh uỷ Kon Tum lãnh đạo công tác hòa nhập cộng đồng.",
    "tinhhinh": "Tình hình kinh tế xã hội có nhiều chuyển biến tích cực.",
    "ma": "Phòng chống ma túy trong thanh niên.",
    "mama": "Cấp mã số cho hộ nghèo.",
    "ntm": "Xây dựng nông thôn mới gắn với giảm nghèo bền vững ở các xã.",
    "ntm_loose": "Các xã mới thành lập xây dựng trụ sở; nông dân thôn bản được hỗ trợ.",
    "sam": "Bảo tồn và phát triển cây sâm Ngọc Linh, một loại dược liệu quý.",
    "filler1": "Các cơ quan, đơn vị của tỉnh cần làm gì để thực hiện tốt kế hoạch năm nay.",
    "filler2": "Các cơ quan, đơn vị cần làm tốt công tác tuyên truyền để người dân thực hiện.",
    "filler3": "Tỉnh cần làm gì để các cơ quan, đơn vị thực hiện tốt nhiệm vụ được giao.",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    texts = {name: text + "\n" for name, text in DOCS.items()}
    with open_index(index_texts(tmp_path_factory.mktemp("ranking"), texts)) as ix:
        yield ix


def _names(index: Index, q: str) -> list[str]:
    res = index.search(SearchRequest(q=q, per_page=100))
    return [Path(h.path).stem for h in res.hits]


def _codes(index: Index, q: str) -> list[str]:
    return [m.code for m in index.search(SearchRequest(q=q, per_page=100)).messages]


# -- rule 1: a toned query matches as typed -------------------------------------------------
@pytest.mark.parametrize(
    "q, expected",
    [
        ("tàu vũ trụ sao hỏa", {"space"}),  # not Vũng Tàu's vũ khí, not the folded-only one
        ("tau vu tru sao hoa", {"space", "folded"}),  # untoned: every toned form
        ("tỉnh", {"tinhuy", "vungtau", "filler1", "filler3"}),  # not tình
        ("tinh", {"tinhuy", "vungtau", "filler1", "filler3", "tinhhinh"}),
        ("tỉnh uỷ", {"tinhuy"}),
        ("tỉnh ủy", {"tinhuy"}),  # the same word once tones are placed alike
        ("hoà nhập", {"tinhuy"}),  # the document writes hòa
        ("mã", {"mama"}),
        ("ma", {"ma", "mama"}),
    ],
)
def test_toned_query_matches_as_typed(index, q, expected):
    assert set(_names(index, q)) == expected
    assert "search.untoned" not in _codes(index, q)


def test_folded_forms_still_add_to_the_score():
    text = explain(build_query(parse_query("má")))
    assert "body:má" in text and "body_f:ma^0.6" in text and "ANDMAYBE" in text


@pytest.mark.parametrize(
    "q, expected",
    [
        ("mạ", {"ma", "mama"}),  # no document has mạ: both ma and mã, and the page says so
        ("tậu vủ trú sào hòa", {"space", "folded"}),
    ],
)
def test_nothing_as_typed_falls_back_to_folded_matching(index, q, expected):
    assert set(_names(index, q)) == expected
    assert "search.untoned" in _codes(index, q)


@pytest.mark.parametrize(
    "q, folded",
    [
        ("tỉnh uỷ", set()),  # a toned query marks only what it matched as typed
        ("tinh uy", {"tinh", "uy"}),
    ],
)
def test_highlight_terms_of_toned_query(q, folded):
    exact, got_folded, _ = parse_query(q).highlight_terms()
    assert got_folded == folded and exact == {t for it in parse_query(q).items for t in it.tokens}


def test_highlight_terms_after_the_fallback_mark_folded_forms():
    _, folded, _ = parse_query("tỉnh uỷ").highlight_terms(folded=True)
    assert folded == {"tinh", "uy"}


# A toned query's hits are a subset of what its words match as typed (all of them for a
# keyword query, any of them for a sentence), unless the result says it fell back.
_SYLLABLES = ["tàu", "tậu", "vũ", "vụ", "trụ", "trù", "sao", "sáo", "hỏa", "hoa", "tỉnh",
              "tình", "uỷ", "mã", "ma", "mạ", "xây", "dựng", "nông", "thôn", "mới", "các",
              "xã", "cây", "sâm", "kinh", "tế", "nghèo", "cơ", "quan"]
_TEXT_FIELDS = ("title", "body", "notes", "meta")


def _as_typed(index: Index, tokens: list[str], every: bool) -> set[str]:
    clauses: list[Query] = [Or(tuple(Term(f, t) for f in _TEXT_FIELDS)) for t in tokens]
    q: Query = (And(tuple(clauses)) if every else Or(tuple(clauses))) if len(clauses) > 1 \
        else clauses[0]
    return {h.id for h in index.reader.search(q, Filters(), limit=1000).hits}


@pytest.mark.slow  # hypothesis, many searches
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=8))
def test_toned_hits_are_a_subset_of_the_words_as_typed(index, words):
    pq = parse_query(" ".join(words))
    if not pq.toned:
        return
    res = index.search(SearchRequest(q=" ".join(words), per_page=100))
    if "search.untoned" in [m.code for m in res.messages]:
        return
    tokens = [it.tokens[0] for it in pq.items]
    allowed = _as_typed(index, tokens, every=word_count(pq) <= KEYWORD_MAX_WORDS)
    assert {h.id for h in res.hits} <= allowed


# -- rule 2: the keyword rule counts pyvi words ---------------------------------------------
@pytest.mark.parametrize(
    "q, words, top",
    [
        ("xây dựng nông thôn mới", 3, And),  # five syllables, three words: every one must match
        ("giảm nghèo", 2, And),
        ("xay dung nong thon moi", 3, And),  # untoned: counted with pyvi's dictionary, folded
        ("tàu vũ trụ sao hỏa", 3, And),
        ("giảm nghèo theo phương pháp tiếp cận đa chiều", 6, Or),
        ("tảo hôn OR hôn nhân cận huyết", 5, Or),  # an OR group counts as its alternatives
    ],
)
def test_keyword_rule_counts_words(q, words, top):
    pq = parse_query(q)
    assert word_count(pq) == words
    built = build_query(pq)
    required = built.required if isinstance(built, AndMaybe) else built
    assert type(required) is top and len(required.children) == len(pq.groups)


def test_five_syllable_keywords_need_every_word(index):
    assert set(_names(index, "xây dựng nông thôn mới")) == {"ntm", "ntm_loose"}
    assert _names(index, "xây dựng nông thôn mới")[0] == "ntm"  # the phrase ranks first
    res = index.search(SearchRequest(q="xây dựng nông thôn mới kon"))  # any 3 of 6 syllables once
    assert res.relaxed and "search.relaxed" in [m.code for m in res.messages]


# -- rule 3: a sentence is an OR that BM25 ranks --------------------------------------------
@pytest.mark.parametrize(
    "q, first",
    [
        # shares 6 of its 18 words with the answer: a 60 % minimum-should-match dropped it
        ("các cơ quan đơn vị của tỉnh cần làm gì để bảo tồn phát triển cây sâm ngọc linh", "sam"),
        ("cac co quan don vi cua tinh can lam gi de bao ton phat trien cay sam ngoc linh", "sam"),
    ],
)
def test_sentence_finds_a_document_sharing_a_few_rare_words(index, q, first):
    assert _names(index, q)[0] == first


def test_sentence_has_no_count_cut_off():
    built = build_query(parse_query("các cơ quan đơn vị của tỉnh cần làm gì để bảo tồn cây sâm"))
    required = built.required if isinstance(built, AndMaybe) else built
    assert isinstance(required, Or) and required.min_match == 0


@pytest.mark.parametrize("q", ["giảm nghèo -miền", "-miền"])
def test_exclusion_still_removes_every_toned_form(q):
    assert "body_f:mien" in explain(build_query(parse_query(q))).split(" NOT ")[-1]


def test_folded_forms_score_only_at_the_top_level():
    """Whoosh sums an AndMaybe nested in an And differently: the folded forms are gathered."""
    built = build_query(parse_query("tàu vũ trụ sao hỏa"))
    assert isinstance(built, AndMaybe) and "_f:" not in explain(built.required)
