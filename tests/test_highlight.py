"""Passages and marks (search.highlight): phrases marked whole, the passage with the most
query words first, never a header line when the body matches, bounded passages."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import search.highlight as highlight
from search.highlight import (LOCATE_CHARS, MAX_PASSAGE_CHARS, SCAN_CHARS, WINDOW_CHARS, Terms,
                              header_lines, passages, segments)
from search.query.parse import parse_query
from search.text.normalize import fold, fold_aligned

MARK = re.compile(r"<mark>(.*?)</mark>")

HEADER = ("TỈNH ỦY KON TUM\n*\nSố 04-NQ/TU\n\tĐẢNG CỘNG SẢN VIỆT NAM\n"
          "Kon Tum, ngày 19 tháng 8 năm 2016\n\nNGHỊ QUYẾT\n"
          "về tiếp tục xây dựng các xã đặc biệt khó khăn\n-----\n")
BODY = ("Hội nghị Ban Chấp hành Đảng bộ tỉnh đã thảo luận và thống nhất ban hành nghị quyết "
        "về xây dựng các xã vùng cao của tỉnh Kon Tum trong giai đoạn mới như sau.\n"
        "Công tác giám sát của các cấp ủy được tăng cường. Mỗi xã có một tổ công tác. "
        "Tỷ lệ hộ nghèo ở xã vùng cao còn cao. Chương trình giảm nghèo bền vững được triển khai "
        "tại các xã đặc biệt khó khăn. Nghị quyết số 04-NQ/TU được thực hiện nghiêm.\n")
DOC = HEADER + BODY


def terms_of(q: str) -> Terms:
    exact, folded, phrases = parse_query(q).highlight_terms()
    return Terms(frozenset(exact), frozenset(folded), tuple(phrases))


def marks(html_text: str) -> list[str]:
    return [html.unescape(m) for m in MARK.findall(html_text)]


def plain(html_text: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", html_text))


@pytest.mark.parametrize(
    "text, q, first_has, marked",
    [
        # the phrase is marked whole, and its words nowhere alone
        (DOC, '"xã đặc biệt khó khăn"', "về tiếp tục", ["xã đặc biệt khó khăn"]),
        (DOC, '"giảm nghèo bền vững"', "Chương trình", ["giảm nghèo bền vững"]),
        # untoned words side by side beat a lone giám (giám sát) and a lone nghèo
        (DOC, "giam ngheo", "Chương trình", ["giảm nghèo"]),
        # more distinct query words first: nghèo and xã and cao beat giám sát's one word
        (DOC, "ngheo xa cao", "Tỷ lệ", ["nghèo", "xã", "cao", "cao"]),
        # a phrase and a word: the sentence holding both first
        (DOC, '"xã đặc biệt khó khăn" nghèo', "Chương trình",
         ["nghèo", "xã đặc biệt khó khăn"]),
        # punctuation inside a phrase is no break, like the engine's phrase query
        ("Phát triển kinh tế - xã hội vùng cao.", '"kinh tế xã hội"', "Phát",
         ["kinh tế - xã hội"]),
    ],
)
def test_best_passage_and_its_marks(text, q, first_has, marked):
    found = passages(text, terms_of(q))
    assert found and plain(found[0]).lstrip("… ").startswith(first_has)
    assert marks(found[0]) == marked


@pytest.mark.parametrize(
    "q, phrase",
    [('"xã đặc biệt khó khăn"', "xa dac biet kho khan"), ('"giảm nghèo"', "giam ngheo"),
     ('"tỉnh Kon Tum" "ban hành"', None)],
)
def test_no_lone_word_of_a_phrase_is_marked(q, phrase):
    terms = terms_of(q)
    wholes = {" ".join(fold(w) for w in p) for p in terms.phrases}
    found = [s.text for s in segments(DOC, terms) if s.match]
    assert found
    assert all(" ".join(fold(m).split()) in wholes for m in found)
    if phrase:
        assert {" ".join(fold(m).split()) for m in found} == {phrase}


@pytest.mark.parametrize(
    "q, body_has",
    [("kon tum", "Kon Tum"), ("04-NQ/TU", "04-NQ/TU"), ("tinh uy", "cấp ủy"),
     ('"cộng sản"', None)],
)
def test_header_lines_are_passages_only_when_the_body_has_no_match(q, body_has):
    found = [plain(p) for p in passages(DOC, terms_of(q))]
    header = [DOC[s:e].strip() for s, e in header_lines(DOC)]
    if body_has:
        assert found and not any(p.strip() in header for p in found)
        assert any(body_has in p for p in found)
    else:  # "ĐẢNG CỘNG SẢN VIỆT NAM" is only in the header: it is still shown
        assert found == ["ĐẢNG CỘNG SẢN VIỆT NAM"]
        assert marks(passages(DOC, terms_of(q))[0]) == ["CỘNG SẢN"]


def test_the_header_block_ends_at_the_title():
    header = [DOC[s:e].strip() for s, e in header_lines(DOC)]
    assert header == ["TỈNH ỦY KON TUM", "*", "Số 04-NQ/TU", "ĐẢNG CỘNG SẢN VIỆT NAM",
                      "Kon Tum, ngày 19 tháng 8 năm 2016", "NGHỊ QUYẾT"]


@pytest.mark.parametrize(
    "exact, folded, text, marked",
    [
        # a token given only exact marks its own toned form, whatever the case or tone place
        ({"giảm"}, set(), "Giám sát, giảm nghèo, GIẢM", ["giảm", "GIẢM"]),
        ({"hòa"}, set(), "hoà nhập, hoa quả, Hòa Bình", ["hoà", "Hòa"]),
        # a folded token marks every toned form
        ({"giảm"}, {"giam"}, "Giám sát, giảm nghèo", ["Giám", "giảm"]),
    ],
)
def test_exact_tokens_mark_only_their_tones(exact, folded, text, marked):
    terms = Terms(frozenset(exact), frozenset(folded))
    assert [s.text for s in segments(text, terms) if s.match] == marked


# -- properties ---------------------------------------------------------------------------
WORDS = ["xã", "xa", "xả", "đặc", "dac", "biệt", "khó", "khăn", "giảm", "giám", "nghèo",
         "sát", "Số", "04-NQ/TU", "TỈNH", "ỦY", "Kon", "Tum", "tỉnh", "ủy", "và", "các"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", " - ", "; ", "\n\n", "  "]

texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)),
                 max_size=400).map(lambda parts: "".join(w + s for w, s in parts))
queries = st.lists(
    st.one_of(st.sampled_from(WORDS),
              st.lists(st.sampled_from(WORDS[:12]), min_size=2, max_size=3)
              .map(lambda ws: '"' + " ".join(ws) + '"')),
    min_size=1, max_size=4).map(" ".join)


def _is_query_words(mark: str, terms: Terms) -> bool:
    """Whether a mark is whole phrases of ``terms`` and lone query words, side by side."""
    rest = fold(mark)
    for phrase in sorted(terms.phrases, key=len, reverse=True):
        rest = re.sub(r"[\W_]+".join(re.escape(fold(w)) for w in phrase), " ", rest)
    alone = ({fold(t) for t in terms.exact} | terms.folded) - terms.phrase_words
    return all(word in alone for word in rest.split())


@settings(max_examples=150, deadline=None)
@given(texts, queries)
def test_every_mark_is_a_query_word_or_a_whole_phrase(text, q):
    terms = terms_of(q)
    for passage in passages(text, terms):
        assert all(_is_query_words(m, terms) for m in marks(passage)), passage
    assert all(_is_query_words(s.text, terms) for s in segments(text, terms) if s.match)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from([" ", "", ", ", "-"])),
                max_size=600).map(lambda parts: "".join(w + s for w, s in parts)), queries)
def test_passages_stay_bounded_whatever_the_document(text, q):
    found = passages(text, terms_of(q))
    assert len(found) <= 3
    assert all(len(plain(p)) <= MAX_PASSAGE_CHARS + len("… ") + len(" …") for p in found)


@settings(max_examples=100, deadline=None)
@given(texts, queries)
def test_segments_give_the_text_back(text, q):
    assert "".join(s.text for s in segments(text, terms_of(q))) == text


cased = st.lists(st.tuples(st.sampled_from(WORDS), st.booleans(), st.sampled_from(SEPARATORS)),
                 max_size=200).map(lambda parts: "".join((w.upper() if up else w) + s
                                                         for w, up, s in parts))


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, cased), st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))
def test_spelled_patterns_match_what_the_folded_copy_matches(text, words):
    # The patterns run over the text itself, each letter spelled out as the characters that
    # fold to it: the same matches as the plain words over the folded copy (fold_aligned).
    folded_words = tuple(sorted({fold(w) for w in words}, key=lambda t: (-len(t), t)))
    plain_pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, folded_words))
                               + r")(?![^\W_])")
    expected = [m.span() for m in plain_pattern.finditer(fold_aligned(text))]
    assert [m.span() for m in highlight._pattern_for(folded_words).finditer(text)] == expected


@settings(max_examples=150, deadline=None)
@given(texts, queries)
def test_the_locator_matches_wherever_a_word_is_marked(text, q):
    # Past the head of a long text, passages are found only where the locator matches.
    terms = terms_of(q)
    locator = terms.locator()
    for m in highlight._matches(text, terms):
        assert locator.match(text, m.start), (text[m.start:m.end], q)


# -- long documents: the work is bounded, not the length --------------------------------------
FILLER = "Nội dung văn bản được thực hiện theo quy định hiện hành. "  # no query word in it
TARGET = "Chương trình giảm nghèo bền vững được triển khai tại các xã. "


def long_text(length: int, at: int | None) -> str:
    """``length`` characters of filler with the target sentence at about offset ``at``."""
    before = FILLER * (((at if at is not None else length) // len(FILLER)) + 1)
    text = before[:at] if at is not None else before[:length]
    if at is None:
        return text
    text = text[:text.rfind(". ") + 2] + TARGET
    return text + (FILLER * (max(0, length - len(text)) // len(FILLER) + 1))[:length - len(text)]


@pytest.fixture()
def processed(monkeypatch):
    """Characters each per-character step of the highlighter was given: matching, the
    sentence split and the header lines (every scan goes through one of them)."""
    seen = {"_matches": 0, "_sentence_bounds": 0, "header_lines": 0}
    for name in seen:
        real = getattr(highlight, name)

        def counted(text, *args, _real=real, _name=name, **kwargs):
            seen[_name] += len(text)
            return _real(text, *args, **kwargs)

        monkeypatch.setattr(highlight, name, counted)
    return seen


# What one document may cost, whatever its length: the head, and the windows of at most
# 2 × 3 located matches (each at most WINDOW_CHARS either side of its word).
BUDGET = SCAN_CHARS + 6 * (2 * WINDOW_CHARS + 40)


@pytest.mark.parametrize(
    "length, at, found",
    [
        (2_000, 500, True),                          # short: read whole, as before
        (SCAN_CHARS * 3, 1_000, True),               # the match in the head
        (SCAN_CHARS * 3, SCAN_CHARS * 2, True),      # past the head: located
        (5_000_000, 1_000, True),                    # the README's largest text
        (5_000_000, SCAN_CHARS + 500_000, True),     # located deep in it
        (5_000_000, None, False),                    # no match at all
        (5_000_000, SCAN_CHARS + LOCATE_CHARS + 10_000, False),  # beyond where it looks
    ],
)
def test_passages_read_a_bounded_part_of_any_document(processed, length, at, found):
    text = long_text(length, at)
    assert len(text) == length
    got = passages(text, terms_of("giảm nghèo bền vững"))
    assert bool(got) == found
    if found:
        assert marks(got[0]) == ["giảm nghèo bền vững"]
    assert all(n <= BUDGET for n in processed.values()), processed
