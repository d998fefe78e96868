"""Normalisation: NFC, tone placement, folding — tables plus properties."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.text.normalize import fold, nfc, normalize, normalize_tones, strip_controls


@pytest.mark.parametrize(
    "text, expected",
    [
        ("uỷ", "ủy"),
        ("Tỉnh uỷ", "Tỉnh ủy"),
        ("TỈNH UỶ", "TỈNH ỦY"),
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("khoẻ", "khỏe"),
        ("hoạ", "họa"),
        ("Thuỵ", "Thụy"),
        ("tuý", "túy"),
        ("thuỷ", "thủy"),
        # unchanged: qu- owns its u, closed syllables, other nuclei
        ("quý", "quý"),
        ("quả", "quả"),
        ("hoàng", "hoàng"),
        ("khuya", "khuya"),
        ("thuở", "thuở"),
        ("ủy", "ủy"),
        ("hòa", "hòa"),
        # compounds joined by pyvi
        ("tỉnh_uỷ", "tỉnh_ủy"),
    ],
)
def test_tone_placement(text, expected):
    assert normalize_tones(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Đặng Thị Quỳnh", "dang thi quynh"),
        ("TỈNH ỦY KON TUM", "tinh uy kon tum"),
        ("giảm nghèo đa chiều", "giam ngheo da chieu"),
        ("Quyết định 50/2016/QĐ-TTg", "quyet dinh 50/2016/qd-ttg"),
        (unicodedata.normalize("NFD", "Nghị định"), "nghi dinh"),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    "a, b",
    [
        ("Tỉnh uỷ", "tỉnh ủy"),
        ("TỈNH ỦY", "tỉnh uỷ"),
        (unicodedata.normalize("NFD", "Tỉnh uỷ Hoà Bình"), "tỉnh ủy hòa bình"),
    ],
)
def test_variants_meet_in_one_form(a, b):
    assert normalize(a) == normalize(b)


def test_nfd_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Số 237-KL/TU")
    assert nfc(decomposed) == "Số 237-KL/TU"


def test_strip_controls_keeps_newlines():
    assert strip_controls("a\x00b\u200bc\nd\te") == "abc\nd\te"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_fold_is_idempotent_and_ascii_for_vietnamese(text):
    once = fold(text)
    assert fold(once) == once


@given(st.text(alphabet="aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐ̣̀́̉̃ qhkgntc_", max_size=40))
def test_tone_placement_never_changes_folded_form(text):
    assert fold(normalize_tones(text)) == fold(text)
