"""The relation reader (search/relations.py): which citation of a sentence a cue governs,
and what it says.

A table of citing sentences → (number, type) for each number they cite; properties that
hold for any sentence (no cue, no type; the cue may be written in any case or without
tone marks); and the planted sentences of bench/generate.py, none of which it may read as
a type that was not planted.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.relations import (
    RELATION_TYPES, STRENGTH, TYPE_NAMES, UNKNOWN, document_relations, read_mentions,
)
from search.text.normalize import fold
from tests.conftest import ROOT

# sentence → [(number, type), …] in the order cited
SENTENCES: dict[str, list[tuple[str, str]]] = {
    "Tổng kết 10 năm thực hiện Nghị quyết số 04-NQ/TU ngày 19-8-2016 của Tỉnh ủy.":
        [("04-NQ/TU", "review")],
    "Sơ kết 5 năm thực hiện Nghị quyết số 04-NQ/TU và 05-NQ/TU.":
        [("04-NQ/TU", "review"), ("05-NQ/TU", "review")],
    "Báo cáo kết quả thực hiện Chỉ thị số 35-CT/TW của Bộ Chính trị.": [("35-CT/TW", "review")],
    "Tiếp tục thực hiện Nghị quyết số 43-NQ/TW trong giai đoạn mới.":
        [("43-NQ/TW", "continues")],
    "Thực hiện Nghị quyết số 43-NQ/TW ngày 24-11-2023 của Ban Chấp hành Trung ương Đảng, "
    "Ban Thường vụ Tỉnh ủy ban hành Kế hoạch số 99-KH/TU.":
        [("43-NQ/TW", "implements"), ("99-KH/TU", UNKNOWN)],
    "Kế hoạch thực hiện Quyết định số 2405/QĐ-TTg của Thủ tướng Chính phủ.":
        [("2405/QĐ-TTg", "implements")],
    "Triển khai Chỉ thị số 05-CT/TW đến toàn thể cán bộ, đảng viên.":
        [("05-CT/TW", "implements")],
    "Căn cứ Kế hoạch số 12-KH/TU thực hiện Nghị quyết số 43-NQ/TW":
        [("12-KH/TU", "basis"), ("43-NQ/TW", "implements")],
    "Sửa đổi, bổ sung một số điều của Quy định số 12-QĐi/TU.": [("12-QĐi/TU", "amends")],
    "Quy định này thay thế Quy định số 03-QĐi/TU.": [("03-QĐi/TU", "replaces")],
    "Bãi bỏ Quyết định số 861/QĐ-TTg.": [("861/QĐ-TTg", "repeals")],
    "Nghị quyết số 04-NQ/TU ngày 5/5/2015 hết hiệu lực kể từ ngày ký.":
        [("04-NQ/TU", "repeals")],
    "Căn cứ Điều lệ Đảng; căn cứ Quy định số 24-QĐ/TW;": [("24-QĐ/TW", "basis")],
    # a list goes on over a date and an issuer …
    "Kết luận này thay thế Nghị quyết số 04-NQ/TU ngày 1-2-2011 của Tỉnh ủy và Kết luận số "
    "10-KL/TU ngày 3-4-2012 của Ban Thường vụ Tỉnh ủy.":
        [("04-NQ/TU", "replaces"), ("10-KL/TU", "replaces")],
    # … but not over a subject ("về …"): the second is declined, not guessed
    "Tổng kết Nghị quyết số 04-NQ/TU về du lịch và Kết luận số 10-KL/TU về nông thôn mới.":
        [("04-NQ/TU", "review"), ("10-KL/TU", UNKNOWN)],
    # a new sentence, a semicolon: the cue stays behind
    "Thực hiện Nghị quyết số 43-NQ/TW. Chỉ thị số 05-CT/TW đã được phổ biến.":
        [("43-NQ/TW", "implements"), ("05-CT/TW", UNKNOWN)],
    "Căn cứ Quy định số 24-QĐ/TW; Nghị quyết số 04-NQ/TU được phổ biến rộng rãi.":
        [("24-QĐ/TW", "basis"), ("04-NQ/TU", UNKNOWN)],
    # a wrapped line is one sentence; a new line that starts a new sentence is not
    "Thực hiện Nghị quyết\nsố 43-NQ/TW của Bộ Chính trị": [("43-NQ/TW", "implements")],
    "Căn cứ Điều lệ Đảng\nChỉ thị số 05-CT/TW đã được phổ biến": [("05-CT/TW", UNKNOWN)],
    # negated or passive: not what this document does
    "Đến nay Tỉnh ủy chưa tổng kết Nghị quyết số 04-NQ/TU.": [("04-NQ/TU", UNKNOWN)],
    "Nghị quyết số 04-NQ/TU đã được thay thế bằng Nghị quyết số 09-NQ/TU.":
        [("04-NQ/TU", UNKNOWN), ("09-NQ/TU", UNKNOWN)],
    # a cue in the title of the number before is what that document does
    "Kết luận số 956-KL/TU, ngày 07-11-2018 của Tỉnh ủy “về sơ kết việc thực hiện Nghị quyết "
    "số 06-NQ/TU”": [("956-KL/TU", UNKNOWN), ("06-NQ/TU", UNKNOWN)],
    "Quyết định số 1258/QĐ-UBND về sửa đổi bổ sung Đề án ban hành kèm theo Quyết định số "
    "209/QĐ-UBND": [("1258/QĐ-UBND", UNKNOWN), ("209/QĐ-UBND", UNKNOWN)],
    "Tiếp tục triển khai thực hiện có hiệu quả Kế hoạch số 51-KH/TU":
        [("51-KH/TU", "continues")],
    # from the seeds
    "Ban Chấp hành Đảng bộ tỉnh thống nhất chấm dứt thực hiện Nghị quyết số 04-NQ/TU, ngày "
    "19-8-2016 của Ban Chấp hành Đảng bộ tỉnh": [("04-NQ/TU", "repeals")],
    "Ngày 24/5/2016, Ban Thường vụ Tỉnh ủy đã họp, đánh giá kết quả 5 năm triển khai thực hiện "
    "Nghị quyết số 04-NQ/TU, ngày 18-11-2011 của Ban Chấp hành Đảng bộ tỉnh":
        [("04-NQ/TU", "review")],
    "Sau 05 năm triển khai thực hiện Nghị quyết số 04-NQ/TU, các cấp ủy đã có nhiều đổi mới":
        [("04-NQ/TU", "review")],
    "Sau 5 năm thực hiện NQ số 04-NQ/TU": [("04-NQ/TU", "review")],
    "Cụ thể hóa Chỉ thị số 05-CT/TW, ngày 23-6-2021 của Ban Bí thư": [("05-CT/TW", "implements")],
    "Tiếp tục triển khai thực hiện có hiệu quả Kế hoạch số 09-KH/TU ngày 22-02-2021 của Ban "
    "Thường vụ Tỉnh uỷ “về thực hiện Kết luận số 92-KL/TW, ngày 05-11-2020 của Bộ Chính trị”":
        [("09-KH/TU", "continues"), ("92-KL/TW", UNKNOWN)],
    "Ban Thường vụ Tỉnh ủy đã chỉ đạo tổ chức tuyên truyền, quán triệt Nghị quyết số 06-NQ/TU":
        [("06-NQ/TU", UNKNOWN)],
    # no cue at all
    "Theo Nghị quyết số 04-NQ/TU, toàn tỉnh có 12 xã đạt chuẩn.": [("04-NQ/TU", UNKNOWN)],
    # any case, no tone marks
    "TỔNG KẾT NGHỊ QUYẾT SỐ 04-NQ/TU": [("04-NQ/TU", "review")],
    "tong ket nghi quyet so 04-NQ/TU": [("04-NQ/TU", "review")],
}


@pytest.mark.parametrize("sentence", list(SENTENCES))
def test_sentence_types_each_number(sentence: str) -> None:
    assert [(m.number, m.type) for m in read_mentions(sentence)] == SENTENCES[sentence]


def test_the_citing_sentence_and_its_date_are_kept() -> None:
    [m] = read_mentions("Mở đầu.\nSau 05 năm thực hiện Nghị quyết số 04-NQ/TU, ngày 19-8-2016 "
                        "của Tỉnh ủy,\ncác xã đã đổi mới. Kết thúc.")
    assert m.cue == "Sau 05 năm thực hiện" and m.type == "review"
    assert m.cited_date == "2016-08-19"
    assert m.sentence == ("Sau 05 năm thực hiện Nghị quyết số 04-NQ/TU, ngày 19-8-2016 của "
                          "Tỉnh ủy, các xã đã đổi mới")


@pytest.mark.parametrize(("sentence", "term", "issuer"), [
    ("Tổng kết Nghị quyết số 04-NQ/TU ngày 19-8-2016 của Tỉnh ủy (khóa XV) “về …”", "XV", "bch"),
    ("Thực hiện Nghị quyết số 04-NQ/TU của Ban Thường vụ Tỉnh ủy khóa XIV về du lịch", "XIV",
     "btv"),
    ("Thực hiện Nghị quyết số 04-NQ/TU của Ban Chấp hành Đảng bộ tỉnh", None, "bch"),
    # what the title says ("về … khóa XVI") is not said of the number
    ("Thực hiện Nghị quyết số 04-NQ/TU về kiện toàn Ban Thường vụ khóa XVI", None, None),
    ("Căn cứ Nghị quyết số 43-NQ/TW của Ban Chấp hành Trung ương Đảng", None, None),
])
def test_the_words_after_a_number_say_its_term_and_issuer(sentence: str, term: str | None,
                                                          issuer: str | None) -> None:
    [m] = read_mentions(sentence)
    assert (m.cited_term, m.cited_issuer) == (term, issuer)


def test_a_document_relation_is_its_strongest_mention_and_never_its_own_number() -> None:
    text = ("Số 09-QĐi/TU\nCăn cứ Quy định số 05-QĐi/TU;\nQuy định này thay thế Quy định số "
            "05-QĐi/TU.\nThực hiện Quy định số 09-QĐi/TU.")
    relations = document_relations(text, own="09-QĐi/TU")
    assert [(r["number"], r["type"]) for r in relations] == [("05-QĐi/TU", "replaces")]


def test_the_table_is_whole() -> None:
    assert set(STRENGTH) == set(TYPE_NAMES) and UNKNOWN in TYPE_NAMES
    cues = [c for t in RELATION_TYPES for c in t.cues]
    assert len(cues) == len(set(cues)) and all(c == fold(c) for c in cues)


# -- properties --------------------------------------------------------------------------------
ALL_CUES = [c for t in RELATION_TYPES for c in t.cues]
# Words that carry no cue (checked below), for sentences around a number.
PLAIN_WORDS = ["Nghị quyết", "số", "của", "Tỉnh ủy", "về", "phát triển", "du lịch", "ngày",
               "các", "xã", "đạt", "chuẩn", "nông thôn mới", "và", ",", "năm", "2021", "theo",
               "nội dung", "được", "phổ biến", "kế hoạch", "tiếp tục", "bổ sung"]
NUMBERS = ["04-NQ/TU", "43-NQ/TW", "2405/QĐ-TTg", "50/2016/QĐ-TTg", "237-KL/TU"]


def test_plain_words_carry_no_cue() -> None:
    assert not any(cue in fold(w) for w in PLAIN_WORDS for cue in ALL_CUES)


@given(st.lists(st.one_of(st.sampled_from(PLAIN_WORDS), st.sampled_from(NUMBERS)),
                min_size=1, max_size=25))
def test_a_sentence_without_a_cue_is_never_typed(words: list[str]) -> None:
    assert all(m.type == UNKNOWN for m in read_mentions(" ".join(words)))


@given(st.sampled_from([t for t in RELATION_TYPES if t.cues]), st.data())
def test_a_cue_right_before_a_number_types_it_in_any_spelling(kind: object, data: st.DataObject
                                                             ) -> None:
    cues = kind.cues  # type: ignore[attr-defined]
    cue = data.draw(st.sampled_from([c for c in cues if c != "het hieu luc"] or cues))
    number = data.draw(st.sampled_from(NUMBERS))
    spelled = data.draw(st.sampled_from([cue, cue.upper(), cue.title()]))
    text = (f"{number} {spelled}" if cue == "het hieu luc"
            else f"{spelled} văn bản số {number}")
    [m] = read_mentions(text)
    assert m.type == kind.name  # type: ignore[attr-defined]


# -- the planted sentences of bench/generate.py ---------------------------------------------------
def _generate() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("bench_generate_rel", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate_rel"] = module
    spec.loader.exec_module(module)
    return module


def test_planted_sentences_are_never_read_as_another_type() -> None:
    """Right or declined (unknown), never wrong; and declined rarely."""
    right = declined = 0
    for case in _generate().relation_cases(600, seed=3):
        read = {m.number: m.type for m in read_mentions(case["text"])}
        for rel in case["relations"]:
            got = read.get(rel["number"])
            assert got in (rel["type"], UNKNOWN), (case["text"], rel, got)
            right, declined = right + (got == rel["type"]), declined + (got != rel["type"])
    assert declined < 0.05 * (right + declined)
