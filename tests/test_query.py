"""Query parsing: query text → parsed items, filters and engine tree."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.engine.base import And, AndMaybe, Not, Or
from search.errors import BadQuery
from search.query.build import build_query, explain
from search.query.parse import describe, parse_query


@pytest.mark.parametrize(
    "text, expected",
    [
        ("giam ngheo da chieu", "giam ngheo da chieu"),
        ("Tỉnh uỷ Kon Tum", "tỉnh ủy kon tum"),
        ("04-NQ/TU", "04-nq/tu"),
        ("04-nq/tu", "04-nq/tu"),
        ("04 - NQ/TU", "04-nq/tu"),
        ("50/2016/QĐ-TTg", "50/2016/qđ-ttg"),
        ('"xã đặc biệt khó khăn"', '"xã đặc biệt khó khăn"'),
        ("nông thôn -miền", "nông thôn -miền"),
        ("giảm nghèo OR nông thôn", "giảm nghèo OR nông thôn"),
        ('tinh:"Kon Tum" giảm nghèo', "giảm nghèo province:Kon Tum"),
        ("nam:2021 xã", "xã year:2021"),
        ("nam:2016-2021 xã", "xã year:2016-2021"),
        ('loai:"kết luận" xã', "xã doc_type:kết luận"),
        ("so:04-NQ/TU", "04-nq/tu"),
        ('"xã đặc biệt', '"xã đặc biệt"'),  # unclosed quote runs to the end
        ("((giảm nghèo", "giảm nghèo"),
        ("", ""),
        ("!!! ??? ...", ""),
    ],
)
def test_parse_query(text, expected):
    assert describe(parse_query(text)) == expected


def test_number_item_is_whole():
    pq = parse_query("Nghị quyết 04 - NQ/TU")
    kinds = [(it.kind, it.tokens) for it in pq.items]
    assert ("number", ("04-nq/tu",)) in kinds


@pytest.mark.parametrize(
    "text, top",
    [
        ("giảm nghèo", And),
        ("a b c d", And),
        ("cán bộ đảng viên phải gương mẫu thực hiện", Or),  # a sentence: BM25 ranks an OR
    ],
)
def test_keyword_vs_sentence(text, top):
    q = build_query(parse_query(text))
    required = q.required if isinstance(q, AndMaybe) else q
    assert isinstance(required, top)
    if top is Or:
        assert required.min_match == 0 and len(required.children) == len(parse_query(text).groups)


def test_exclusion_builds_not():
    assert isinstance(build_query(parse_query("giảm nghèo -bền")), Not)


def test_toned_word_prefers_exact_field():
    text = explain(build_query(parse_query("má")))
    assert "body:má" in text and "body_f:ma^0.6" in text


def test_untoned_word_uses_folded_fields_only():
    text = explain(build_query(parse_query("ma")))
    assert "body_f:ma" in text and "body:ma" not in text


def test_bad_year_filter():
    with pytest.raises(BadQuery):
        parse_query("nam:abc")


@settings(max_examples=200)
@given(st.text(max_size=400))
def test_parse_never_raises_unexpectedly(text):
    try:
        pq = parse_query(text)
    except BadQuery:
        return
    build_query(pq)
    explain(build_query(pq))
