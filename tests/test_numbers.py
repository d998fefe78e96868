"""Document numbers (search.text.numbers): shapes, canonical tokens, scope, and the citation
links the scope decides, through the real index."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.index import open_index
from search.indexer import build_index
from search.ingest.metadata import PARTY_TYPE_CODES, extract_metadata, find_cites
from search.query.parse import parse_query
from search.text.analyze import tokenize
from search.text.numbers import (
    Scope,
    is_number_token,
    links_across_provinces,
    normalize_number,
    number_scope,
)

CENTRAL, PROVINCIAL, STATE = Scope.CENTRAL, Scope.PROVINCIAL, Scope.STATE

# number as written → canonical token, scope
NUMBERS = [
    # Party, provincial: numbers restart per committee and term
    ("04-NQ/TU", "04-nq/tu", PROVINCIAL),
    ("04 - NQ/TU", "04-nq/tu", PROVINCIAL),
    ("237-KL/TU", "237-kl/tu", PROVINCIAL),
    ("357-CV/BTCTU", "357-cv/btctu", PROVINCIAL),
    ("12-TB/BTVTU", "12-tb/btvtu", PROVINCIAL),
    ("15-NQ/HU", "15-nq/hu", PROVINCIAL),
    ("03-NQ/ĐU", "03-nq/đu", PROVINCIAL),
    ("30a-NQ/TU", "30a-nq/tu", PROVINCIAL),
    # Party, central bodies: issuer code ends in TW
    ("66-QĐ/TW", "66-qđ/tw", CENTRAL),
    ("08-QĐi/TW", "08-qđi/tw", CENTRAL),
    ("05-CT/TW", "05-ct/tw", CENTRAL),
    ("36-HD/VPTW", "36-hd/vptw", CENTRAL),
    ("05-HD/BTCTW", "05-hd/btctw", CENTRAL),
    ("05 - HD/BTCTW", "05-hd/btctw", CENTRAL),
    ("12-NQ/BCHTW", "12-nq/bchtw", CENTRAL),
    ("01-BC/BCTW", "01-bc/bctw", CENTRAL),
    ("03-HD/BTGTW", "03-hd/btgtw", CENTRAL),
    ("02-HD/BDVTW", "02-hd/bdvtw", CENTRAL),
    ("10-KL/UBKTTW", "10-kl/ubkttw", CENTRAL),
    # State: type after the slash
    ("2405/QĐ-TTg", "2405/qđ-ttg", STATE),
    ("861/QĐ-TTg", "861/qđ-ttg", STATE),
    ("3739/QĐ-UBND", "3739/qđ-ubnd", STATE),
    ("123/UBND-VX", "123/ubnd-vx", STATE),
    ("50/2016/QĐ-TTg", "50/2016/qđ-ttg", STATE),
    ("30/2020/NĐ-CP", "30/2020/nđ-cp", STATE),
    ("30a/2008/NQ-CP", "30a/2008/nq-cp", STATE),
    ("02/2011/TTLT-VPCP-BNV", "02/2011/ttlt-vpcp-bnv", STATE),
    ("202/2025/QH15", "202/2025/qh15", STATE),
]

# Shapes that are not document numbers, though they have digits and separators.
NOT_NUMBERS = [
    "08/11/2021",  # a date
    "08-11-2021",
    "2016-2020",  # a term
    "1.800-2.000",
    "25,36%",
    "1/2",
    "04-NQ",  # no issuer
    "NQ/TU",  # no number
    "04/TU",  # state form without a type
    "04-NQ/TU/2021",  # runs on past the issuer
    "xã",
]


@pytest.mark.parametrize("raw, canonical, scope", NUMBERS)
def test_number_table(raw: str, canonical: str, scope: Scope) -> None:
    assert normalize_number(raw) == canonical
    assert is_number_token(canonical)
    # the scope is the same on the number as written and on its canonical token
    assert number_scope(raw) is scope
    assert number_scope(canonical) is scope
    assert links_across_provinces(raw) is (scope is not PROVINCIAL)


@pytest.mark.parametrize("raw, canonical, scope", NUMBERS)
def test_number_is_one_token_in_text_and_in_a_query(raw: str, canonical: str, scope: Scope) -> None:
    numbers = [t.text for t in tokenize(f"Thực hiện văn bản số {raw}, ngày 08-11-2021") if t.is_number]
    assert numbers == [canonical]
    assert [(i.kind, i.tokens) for g in parse_query(raw).groups for i in g] == [
        ("number", (canonical,))]


@pytest.mark.parametrize(
    "typed, canonical",
    [("237-kl/tu", "237-kl/tu"), ("04 - nq/tu", "04-nq/tu"), ("04  -  NQ / TU", "04-nq/tu"),
     ("50/2016/qđ-ttg", "50/2016/qđ-ttg"), ("05-hd/btctw", "05-hd/btctw")],
)
def test_a_number_typed_in_any_case_or_spacing_is_one_query_token(typed: str,
                                                                  canonical: str) -> None:
    """Running text keeps numbers whole as written (upper-case codes); a query, in any case."""
    assert [(i.kind, i.tokens) for g in parse_query(typed).groups for i in g] == [
        ("number", (canonical,))]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number(text: str) -> None:
    assert not is_number_token(normalize_number(text))
    assert number_scope(text) is None
    assert not links_across_provinces(text)  # what cannot be read links nowhere else
    assert not [t for t in tokenize(f"số {text} của") if t.is_number]


@pytest.mark.parametrize(
    "issuer_line, number, central",
    [
        ("BAN TỔ CHỨC TRUNG ƯƠNG", "05-HD/BTCTW", True),
        ("BAN CHẤP HÀNH TRUNG ƯƠNG", "66-QĐ/TW", True),
        ("ỦY BAN KIỂM TRA TRUNG ƯƠNG", "10-KL/UBKTTW", True),
        ("TỈNH ỦY KON TUM", "04-NQ/TU", False),
        ("BAN TỔ CHỨC TỈNH ỦY KON TUM", "357-CV/BTCTU", False),
    ],
)
def test_metadata_and_scope_agree_on_central_documents(issuer_line: str, number: str,
                                                       central: bool) -> None:
    """A document metadata reads as central belongs to no province; one the index must
    link across provinces. Both decisions come from the same rule."""
    meta = extract_metadata(
        f"ĐẢNG CỘNG SẢN VIỆT NAM\n{issuer_line}\n*\nSố {number}\n"
        "Kon Tum, ngày 08 tháng 11 năm 2021\nHƯỚNG DẪN\nvề công tác cán bộ\n"
        "Nội dung hướng dẫn công tác cán bộ ở tỉnh Kon Tum.\n")
    assert meta.get("number") == number
    assert (number_scope(number) is CENTRAL) is central
    assert (meta.get("province") is None) is central


# --- properties -----------------------------------------------------------------------

_PARTY_ISSUERS = ["TU", "HU", "ĐU", "BTCTU", "VPTU", "TW", "VPTW", "BTCTW", "UBKTTW", "BCHTW"]
_STATE_TYPES = ["QĐ", "NQ", "NĐ", "TT", "TTLT", "CT", "KH", "CV"]
_STATE_ISSUERS = ["TTg", "CP", "UBND", "HĐND", "UBND-VX", "VPCP-BNV", "BTC"]

_serial = st.builds(lambda n, suffix: f"{n:02d}{suffix}", st.integers(1, 9999),
                    st.sampled_from(["", "", "", "a", "b"]))
_party = st.builds(lambda n, t, i: f"{n}-{t}/{i}", _serial,
                   st.sampled_from(sorted(PARTY_TYPE_CODES)), st.sampled_from(_PARTY_ISSUERS))
_state = st.builds(lambda n, year, t, i: f"{n}/{year}{t}-{i}", _serial,
                   st.sampled_from(["", "2016/", "2020/", "2025/"]),
                   st.sampled_from(_STATE_TYPES), st.sampled_from(_STATE_ISSUERS))
_law = st.builds(lambda n, year, term: f"{n}/{year}/QH{term}", _serial,
                 st.integers(1990, 2030), st.integers(9, 16))
_numbers = st.one_of(_party, _state, _law)
_spaced = st.builds(lambda n, sp: n.replace("-", f"{sp}-{sp}", 1) if "-" in n.split("/")[0] else n,
                    _party, st.sampled_from(["", " "]))
_words = st.lists(st.sampled_from(["Nghị", "quyết", "số", "của", "Tỉnh", "ủy", "ngày", "và",
                                   "Kết", "luận", "2021", "08-11-2021"]), max_size=6)


@given(st.text(alphabet=string.digits + "-/ .,aAnNqQđĐTtUuWwHh", max_size=30))
def test_normalize_number_is_idempotent(raw: str) -> None:
    once = normalize_number(raw)
    assert normalize_number(once) == once


@given(_numbers)
def test_scope_of_a_number_survives_normalisation(number: str) -> None:
    assert number_scope(number) is not None
    assert number_scope(normalize_number(number)) is number_scope(number)


@given(_words, st.one_of(_numbers, _spaced), _words)
def test_a_number_survives_analyze_then_query_as_one_token(before: list[str], number: str,
                                                           after: list[str]) -> None:
    text = " ".join([*before, number + ",", *after])
    indexed = [t.text for t in tokenize(text) if t.is_number]
    assert indexed == [normalize_number(number)]
    # the token the index holds is recognised as a number when a user types it back
    assert is_number_token(indexed[0])
    items = [i for g in parse_query(number).groups for i in g]
    assert [(i.kind, i.tokens) for i in items] == [("number", (indexed[0],))]


@given(st.text(alphabet=string.digits + "-/ aAnNqQđĐTtUuWwHhX", max_size=30))
def test_every_number_token_of_a_text_is_a_query_number(text: str) -> None:
    """Whatever the analyser keeps whole as a number, the query side reads as one."""
    for token in tokenize(text):
        if token.is_number:
            assert is_number_token(token.text)


@given(_party)
def test_a_cited_party_number_is_found_whole(number: str) -> None:
    assert find_cites(f"Thực hiện Nghị quyết số {number} của cấp trên") == [number]


# --- links through the real index -------------------------------------------------------


def _doc(header: str, number: str, place: str, kind: str, title: str, body: str) -> str:
    return (f"ĐẢNG CỘNG SẢN VIỆT NAM\n{header}\n*\nSố {number}\n"
            f"{place}, ngày 10 tháng 3 năm 2022\n{kind}\n{title}\n{body}\n")


# Central documents, each cited from two provinces. BTCTW and UBKTTW were the
# disagreement: metadata read them as central, the index linked them only within a province.
_CENTRAL_DOCS = {
    "btctw": ("BAN TỔ CHỨC TRUNG ƯƠNG", "05-HD/BTCTW", "HƯỚNG DẪN"),
    "ubkttw": ("ỦY BAN KIỂM TRA TRUNG ƯƠNG", "07-HD/UBKTTW", "HƯỚNG DẪN"),
    "tw": ("BAN CHẤP HÀNH TRUNG ƯƠNG", "21-NQ/TW", "NGHỊ QUYẾT"),
}
_CITED = "; ".join(f"thực hiện văn bản số {n}" for _, n, _ in _CENTRAL_DOCS.values())


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("numbers")
    corpus = root / "corpus"
    corpus.mkdir()
    files = {
        **{key: _doc(header, number, "Hà Nội", kind, "về công tác cán bộ",
                     "Nội dung về công tác cán bộ của Đảng.")
           for key, (header, number, kind) in _CENTRAL_DOCS.items()},
        # the same provincial number in two provinces
        "kt_nq": _doc("TỈNH ỦY KON TUM", "04-NQ/TU", "Kon Tum", "NGHỊ QUYẾT",
                      "về phát triển cây dược liệu", "Nội dung về cây sâm Ngọc Linh."),
        "db_nq": _doc("TỈNH ỦY ĐIỆN BIÊN", "04-NQ/TU", "Điện Biên", "NGHỊ QUYẾT",
                      "về giảm nghèo bền vững", "Nội dung về giảm nghèo."),
        # citing documents of two provinces
        "kt_kl": _doc("TỈNH ỦY KON TUM", "15-KL/TU", "Kon Tum", "KẾT LUẬN",
                      "về sơ kết Nghị quyết số 04-NQ/TU",
                      f"Thực hiện Nghị quyết số 04-NQ/TU; {_CITED}."),
        "cb_kh": _doc("TỈNH ỦY CAO BẰNG", "20-KH/TU", "Cao Bằng", "KẾ HOẠCH",
                      "về công tác cán bộ",
                      f"Căn cứ Nghị quyết số 04-NQ/TU; {_CITED}."),
    }
    for key, text in files.items():
        (corpus / f"{key}.txt").write_text(text, "utf-8")
    build_index([corpus], root / "ix", workers=1)
    with open_index(root / "ix") as index:
        yield index


def _cites(index, doc_id: str) -> dict[str, list[str]]:
    return {c["number"]: sorted(d["id"] for d in c["documents"])
            for c in index.related(doc_id)["cites"]}


def _cited_by(index, doc_id: str) -> list[str]:
    return sorted(d["id"] for d in index.related(doc_id)["cited_by"])


@pytest.mark.parametrize("key", sorted(_CENTRAL_DOCS))
@pytest.mark.parametrize("citing", ["kt_kl", "cb_kh"])
def test_a_central_number_links_from_any_province(linked, key: str, citing: str) -> None:
    number = _CENTRAL_DOCS[key][1]
    assert linked.get(key)["meta"].get("province") is None  # a central document has none
    assert _cites(linked, citing)[number] == [key]


@pytest.mark.parametrize("key", sorted(_CENTRAL_DOCS))
def test_a_central_document_is_cited_by_every_province(linked, key: str) -> None:
    assert _cited_by(linked, key) == ["cb_kh", "kt_kl"]


@pytest.mark.parametrize(
    "citing, expected",
    [("kt_kl", ["kt_nq"]),  # Kon Tum's 04-NQ/TU, not Điện Biên's
     ("cb_kh", [])],  # Cao Bằng has no 04-NQ/TU in the corpus
)
def test_a_provincial_number_links_only_within_its_province(linked, citing: str,
                                                            expected: list[str]) -> None:
    assert _cites(linked, citing)["04-NQ/TU"] == expected


@pytest.mark.parametrize("doc_id, expected", [("kt_nq", ["kt_kl"]), ("db_nq", [])])
def test_a_provincial_document_is_cited_only_from_its_province(linked, doc_id: str,
                                                               expected: list[str]) -> None:
    assert _cited_by(linked, doc_id) == expected
