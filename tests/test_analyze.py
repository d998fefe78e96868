"""Analysis: tokens, numbers kept whole, folded stream, pyvi compounds."""

import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.text.analyze import analyze_text, compounds, is_number_token, normalize_number, syllables, tokenize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Số 237-KL/TU", ["số", "237-kl/tu"]),
        ("Số 04 - NQ/TU", ["số", "04-nq/tu"]),
        ("Quyết định số 50/2016/QĐ-TTg", ["quyết", "định", "số", "50/2016/qđ-ttg"]),
        ("861/QĐ-TTg, 30a/2008/NQ-CP", ["861/qđ-ttg", "30a/2008/nq-cp"]),
        ("Luật 202/2025/QH15", ["luật", "202/2025/qh15"]),
        ("357-CV/BTCTU và 02/2011/TTLT-VPCP-BNV", ["357-cv/btctu", "và", "02/2011/ttlt-vpcp-bnv"]),
        # real syllables that English analyzers drop are kept
        ("an ninh ở ý 5", ["an", "ninh", "ở", "ý", "5"]),
        ("Tỉnh uỷ", ["tỉnh", "ủy"]),
        # dates and decimals are not document numbers
        ("ngày 19-8-2016 tỷ lệ 25,36%", ["ngày", "19", "8", "2016", "tỷ", "lệ", "25", "36"]),
        ("08/11/2021", ["08", "11", "2021"]),
    ],
)
def test_syllables(text, expected):
    assert syllables(text) == expected


def test_offsets_point_into_the_original():
    text = "Kết luận số 237-KL/TU của Tỉnh uỷ"
    for tok in tokenize(text):
        assert text[tok.start : tok.end].lower().replace("uỷ", "ủy") == tok.text


def test_nfd_and_nfc_give_the_same_tokens():
    text = "Nghị quyết số 04-NQ/TU của Tỉnh ủy Kon Tum"
    assert syllables(unicodedata.normalize("NFD", text)) == syllables(text)


@pytest.mark.parametrize(
    "raw, expected",
    [("04 - NQ/TU", "04-nq/tu"), ("50/2016/QĐ-TTg", "50/2016/qđ-ttg"), ("237-kl/tu", "237-kl/tu")],
)
def test_normalize_number(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    "token, expected",
    [("04-nq/tu", True), ("50/2016/qđ-ttg", True), ("861/qđ-ttg", True), ("08/11/2021", False),
     ("2016-2020", False), ("xã", False)],
)
def test_is_number_token(token, expected):
    assert is_number_token(token) is expected


def test_analysis_streams_are_aligned():
    a = analyze_text("Giảm nghèo đa chiều ở xã đặc biệt khó khăn")
    assert len(a.syllables) == len(a.folded)
    assert a.folded[:2] == ["giam", "ngheo"]
    assert "khó_khăn" in a.compounds and "kho_khan" in a.compounds_folded


def _chunks():
    import re

    from .conftest import SEEDS

    for path in sorted(SEEDS.glob("*.txt")):
        text = unicodedata.normalize("NFC", path.read_text("utf-8"))
        yield from (c for c in re.findall(r"[^\n.;!?]+", text) if c.strip())


def test_segment_matches_pyvi_exactly():
    """Our faster feature function must give pyvi's own segmentation, chunk for chunk."""
    from pyvi import ViTokenizer

    from search.text.words import segment

    chunks = list(_chunks())
    assert len(chunks) > 500
    for chunk in chunks:
        assert segment(chunk) == ViTokenizer.tokenize(chunk).split(), chunk


def test_compounds_keep_case_for_pyvi_then_normalise():
    assert "tỉnh_ủy" in compounds("Tỉnh uỷ Kon Tum")


@pytest.mark.slow  # hypothesis, many examples
@given(st.text(max_size=300))
def test_tokenize_never_raises_and_offsets_are_valid(text):
    for tok in tokenize(text):
        assert 0 <= tok.start < tok.end
        assert tok.text == tok.text.lower()


_VI_TEXT = st.lists(st.sampled_from(list("aăâeêioôơuưyđAĐ0123456789 /-.,\n_\t\u0301\u0323")
                                    + ["ủy", "uỷ", "hoà", "04-NQ/TU", "50/2016/QĐ-TTg", "Tỉnh"]),
                    max_size=80).map("".join)


@given(st.one_of(st.text(max_size=300), _VI_TEXT))
def test_analysis_streams_are_tokenize_texts(text):
    """The indexing fast path gives exactly tokenize()'s texts, which the highlighter uses."""
    toks = list(tokenize(text))
    a = analyze_text(text, with_compounds=False)
    assert a.syllables == [t.text for t in toks]
    assert a.numbers == [t.text for t in toks if t.is_number]
    assert syllables(text) == a.syllables


def test_segmenting_does_not_import_scikit_learn():
    """pyvi's model loads without scikit-learn: ~1 s and ~40 MB less in each worker, in
    ``add`` and in the server's first query."""
    code = ("import sys; from search.text.words import segment; "
            "assert segment('Tỉnh uỷ Kon Tum') == ['Tỉnh_uỷ', 'Kon_Tum']; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
