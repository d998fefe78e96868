"""Numbers as officials type them: without punctuation, with "số", in part (issue 14).

``04 nq tu`` is ``04-NQ/TU``; ``04/TU``, ``NQ 04`` and ``nghị quyết 04`` are parts of it,
matched against the parts of each document's own number (ranked first) and of the numbers
it cites. A word that was a number is not searched as a word (``TU`` never finds ``tự``).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.index import open_index
from search.query.build import build_query, explain
from search.query.parse import describe, parse_query
from search.results import SearchRequest
from search.text.numbers import find_loose_numbers, number_parts, serial_key

from tests.conftest import index_texts


# -- the grammar -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, found",
    [
        ("04 nq tu", [("number", "04-nq/tu")]),
        ("04 NQ/TU", [("number", "04-nq/tu")]),
        ("04nq tu", [("number", "04-nq/tu")]),
        ("04-nq tu", [("number", "04-nq/tu")]),
        ("số 04-NQ/TU", [("number", "04-nq/tu")]),
        ("so 04 nq tu", [("number", "04-nq/tu")]),
        ("04 QĐ/TU", [("number", "04-qđ/tu")]),
        ("04/TU", [("part", "4/tu")]),
        ("số 04/TU", [("part", "4/tu")]),
        ("NQ 04", [("part", "nq:4")]),
        ("nq số 04", [("part", "nq:4")]),
        ("QĐ 861", [("part", "qd:861")]),
        ("qd 861", [("part", "qd:861")]),
        ("nghị quyết 04", [("part", "nq:4")]),
        ("Nghị quyết số 04", [("part", "nq:4")]),
        ("nghi quyet so 04", [("part", "nq:4")]),
        ("kết luận 237 và 04 nq tu", [("part", "kl:237"), ("number", "04-nq/tu")]),
        ("kế hoạch số 2021", [("part", "kh:2021")]),
        # not numbers: a year after a type's name, a word with tones for a code, no code
        ("kế hoạch 2021", []),
        ("KH 2021", []),
        ("04 nq tự", []),
        ("04 nq về", []),
        ("04/tự", []),
        ("tự tu", []),
        ("giảm nghèo 04", []),
        ("30a/2008/NQ-CP", []),  # a whole number typed whole: the tokenizer's
    ],
)
def test_find_loose_numbers(text, found):
    assert [(n.kind, n.token) for n in find_loose_numbers(text)] == found


@pytest.mark.parametrize(
    "number, parts",
    [
        ("04-NQ/TU", ["4/tu", "nq:4"]),
        ("04-nq/tu", ["4/tu", "nq:4"]),
        ("30a-CTr/TU", ["30a/tu", "ctr:30a"]),
        ("05-HD/BTCTW", ["5/btctw", "hd:5"]),
        ("66-QĐ/TW", ["66/tw", "qd:66"]),
        ("861/QĐ-TTg", ["861/qd", "861/ttg", "qd:861"]),
        ("50/2016/QĐ-TTg", ["50/2016", "50/ttg", "qd:50"]),
        ("202/2025/QH15", ["202/2025", "202/qh15"]),
        ("ngày 12", []),
    ],
)
def test_number_parts(number, parts):
    assert number_parts(number) == parts


# A year after a type ("KH 2021", "kế hoạch 2021") is not taken for a serial: see above.
@given(st.integers(0, 9999).filter(lambda n: not 1900 <= n < 2100), st.sampled_from(["NQ", "KL", "CT", "QĐ", "HD", "CTr"]),
       st.sampled_from(["TU", "HU", "ĐU", "BTCTU", "TW", "VPTW"]))
def test_any_party_number_typed_loosely_is_its_parts(serial, type_code, issuer):
    """Whatever the number, its loose part shapes give exactly its own part tokens."""
    number = f"{serial:02d}-{type_code}/{issuer}"
    parts = set(number_parts(number))
    typed = [f"{serial:02d}/{issuer}", f"{type_code} {serial:02d}", f"{type_code} số {serial}"]
    for text in typed:
        [found] = find_loose_numbers(text)
        assert found.kind == "part" and found.token in parts, text
    assert f"{type_code.lower().replace('đ', 'd')}:{serial_key(str(serial))}" in parts


# -- query → parsed query -------------------------------------------------------------------
@pytest.mark.parametrize(
    "q, parsed",
    [
        ("04-NQ/TU", "04-nq/tu"),
        ("04 nq tu", "04-nq/tu"),
        ("04 NQ/TU", "04-nq/tu"),
        ("04nq tu", "04-nq/tu"),
        ("số 04-NQ/TU", "04-nq/tu"),
        ("so 04 nq tu", "04-nq/tu"),
        ("số 50/2016/QĐ-TTg", "50/2016/qđ-ttg"),
        ("04/TU", "số~4/tu"),
        ("NQ 04", "số~nq:4"),
        ("nghị quyết 04", "số~nq:4"),
        ("nghi quyet so 04 giảm nghèo", "số~nq:4 giảm nghèo"),
        ("04 nq tu OR 14 nq tu", "04-nq/tu OR 14-nq/tu"),
        ('tinh:"Kon Tum" 04 nq tu', "04-nq/tu province:Kon Tum"),
        # inside quotes the words are searched as typed
        ('"nghị quyết 04"', '"nghị quyết 04"'),
        # not numbers: the words stay words
        ("tự tu", "tự tu"),
        ("kế hoạch 2021", "kế hoạch 2021"),
        ("số hộ nghèo", "số hộ nghèo"),
    ],
)
def test_parsed(q, parsed):
    assert describe(parse_query(q)) == parsed


@pytest.mark.parametrize(
    "q, clause",
    [
        ("04 nq tu", "(number:04-nq/tu^12 OR cites:04-nq/tu^2 OR title:04-nq/tu OR body:04-nq/tu"
                     " OR notes:04-nq/tu^0.5)"),
        ("04/TU", "(number_parts:4/tu^12 OR cite_parts:4/tu^2)"),
        ("NQ 04", "(number_parts:nq:4^12 OR cite_parts:nq:4^2)"),
    ],
)
def test_explained(q, clause):
    assert explain(build_query(parse_query(q))) == clause


def test_named_part_also_matches_its_words_as_a_phrase():
    text = explain(build_query(parse_query("nghi quyet 04")))
    assert text.startswith("(number_parts:nq:4^12 OR cite_parts:nq:4^2 OR (")
    assert 'title_f:"nghi quyet 04"' in text


@pytest.mark.parametrize("q", ["04 nq tu", "04 NQ/TU", "04/TU", "NQ 04", "so 04 nq tu"])
def test_number_words_are_not_searched_as_words(q):
    """``TU`` was part of a number: no clause may look for it (or ``tự``) as a word."""
    text = explain(build_query(parse_query(q)))
    assert "_f:tu" not in text and "title:tu" not in text and "body:tu" not in text


# -- query → first documents ---------------------------------------------------------------
def _doc(province: str, number: str, kind: str, title: str, body: str) -> str:
    return (f"TỈNH ỦY {province.upper()}\nSố {number}\n{province}, ngày 12 tháng 3 năm 2021\n"
            f"{kind}\n{title}\n{body}\n")


DOCS = {
    "kt_nq04": _doc("Kon Tum", "04-NQ/TU", "NGHỊ QUYẾT", "về phát triển cây sâm",
                    "Phát triển cây dược liệu."),
    "cb_nq04": _doc("Cao Bằng", "04-NQ/TU", "NGHỊ QUYẾT", "về giảm nghèo bền vững",
                    "Giảm nghèo ở các huyện biên giới."),
    "kt_ct04": _doc("Kon Tum", "04-CT/TU", "CHỈ THỊ", "về phòng chống thiên tai",
                    "Chủ động phòng chống thiên tai."),
    "kt_nq14": _doc("Kon Tum", "14-NQ/TU", "NGHỊ QUYẾT", "về du lịch",
                    "Phát triển du lịch cộng đồng. Nghị quyết 04 của Tỉnh ủy"),
    "kt_nq40": _doc("Kon Tum", "40-NQ/TU", "NGHỊ QUYẾT", "về giáo dục",
                    "Phát triển giáo dục vùng cao."),
    "kt_kl15": _doc("Kon Tum", "15-KL/TU", "KẾT LUẬN", "về sơ kết Nghị quyết số 04-NQ/TU",
                    "Thực hiện Nghị quyết số 04-NQ/TU. " * 20),
    "kt_tu": _doc("Kon Tum", "41-KL/TU", "KẾT LUẬN", "về tự chủ tài chính",
                  "Tự chủ, tự chịu trách nhiệm; tu bổ di tích; tư duy đổi mới. " * 5
                  + "Bốn nội dung, 04 nhóm, nq, tu."),
}
OWN_04 = {"kt_nq04", "cb_nq04"}


@pytest.fixture(scope="module")
def loose_ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with open_index(index_texts(tmp_path_factory.mktemp("loose"), DOCS)) as index:
        yield index


def _ids(index: Any, q: str) -> list[str]:
    return [h.id for h in index.search(SearchRequest(q=q, per_page=20)).hits]


def test_corpus_numbers_are_read(loose_ix):
    numbers = {h.id: h.meta["number"] for h in loose_ix.search(SearchRequest(per_page=20)).hits}
    assert numbers["kt_nq04"] == numbers["cb_nq04"] == "04-NQ/TU"
    assert numbers["kt_ct04"] == "04-CT/TU"


@pytest.mark.parametrize("q", ["04-NQ/TU", "04 nq tu", "04 NQ/TU", "04nq tu", "04-nq tu",
                               "số 04-NQ/TU", "so 04 nq tu", "Số 04 NQ TU"])
def test_whole_number_typed_loosely(loose_ix, q):
    res = loose_ix.search(SearchRequest(q=q, per_page=20))
    ids = [h.id for h in res.hits]
    assert set(ids[:2]) == OWN_04
    assert ids[2] == "kt_kl15"  # it cites 04-NQ/TU
    assert "kt_tu" not in ids and not res.relaxed  # "tu" is no word here: tự is not found


@pytest.mark.parametrize(
    "q, first, absent",
    [
        ("04/TU", {"kt_nq04", "cb_nq04", "kt_ct04"}, {"kt_tu", "kt_nq14", "kt_nq40"}),
        ("NQ 04", OWN_04, {"kt_tu", "kt_ct04"}),
        ("nq số 04", OWN_04, {"kt_tu", "kt_ct04"}),
        ("nghị quyết 04", OWN_04, {"kt_tu", "kt_ct04"}),
        ("nghi quyet so 04", OWN_04, {"kt_tu", "kt_ct04"}),
        ("CT 04", {"kt_ct04"}, {"kt_tu", "kt_nq04"}),
        ("chỉ thị 04", {"kt_ct04"}, {"kt_tu", "kt_nq04"}),
        ("nghị quyết 14", {"kt_nq14"}, {"kt_nq04", "kt_nq40"}),
        ("NQ 40", {"kt_nq40"}, {"kt_nq04", "kt_nq14"}),
    ],
)
def test_part_of_a_number_ranks_its_documents_first(loose_ix, q, first, absent):
    ids = _ids(loose_ix, q)
    assert set(ids[:len(first)]) == first
    assert not absent & set(ids)


def test_part_with_words_narrows_to_the_province(loose_ix):
    assert _ids(loose_ix, "04 nq tu giảm nghèo")[0] == "cb_nq04"
    assert _ids(loose_ix, "nghị quyết 04 cây sâm")[0] == "kt_nq04"


def test_named_part_still_finds_the_words_typed(loose_ix):
    """"nghị quyết 04" written in a text (kt_nq14 says so) is found, below the numbers."""
    ids = _ids(loose_ix, "nghị quyết 04")
    assert "kt_nq14" in ids[2:]


def test_a_part_finds_documents_citing_such_a_number(loose_ix):
    assert "kt_kl15" in _ids(loose_ix, "NQ 04")


def test_words_are_still_words(loose_ix):
    assert _ids(loose_ix, "tự chủ")[0] == "kt_tu"
    assert "kt_tu" in _ids(loose_ix, "tu bo")


@given(st.integers(0, 9999), st.sampled_from(["NQ", "nq", "KL", "CT", "QĐ", "qđ", "HD", "CTr"]),
       st.sampled_from(["TU", "tu", "HU", "ĐU", "BTCTU", "TW", "VPTW"]),
       st.sampled_from(["{s} {t} {i}", "{s} {t}/{i}", "{s}{t} {i}", "số {s} {t} {i}",
                        "so {s}-{t}/{i}", "{s} - {t} / {i}"]))
def test_any_loose_whole_number_is_one_number_item(serial, type_code, issuer, shape):
    """Typed any of these ways, a number is that one number: none of its words is a word."""
    q = shape.format(s=f"{serial:02d}", t=type_code, i=issuer)
    pq = parse_query(q)
    assert [(it.kind, it.tokens) for it in pq.items] == [
        ("number", (f"{serial:02d}-{type_code}/{issuer}".lower(),))]
