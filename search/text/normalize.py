"""Vietnamese text normalisation: the one place that owns it.

Every stage (readers, metadata, analysis at index time and at query time, highlighting)
goes through these functions, so that "Tỉnh uỷ", "Tỉnh ủy", "TỈNH ỦY" and an NFD copy of
either all meet in the same token.

- :func:`nfc` — Unicode NFC. Always first: NFD text (seen in the seeds) otherwise splits
  words on combining marks.
- :func:`normalize_tones` — old-style tone placement for the nuclei ``oa``, ``oe``, ``uy``
  with no final consonant (``uỷ → ủy``, ``hoà → hòa``, ``khoẻ → khỏe``); ``quý``,
  ``hoàng``, ``khuya`` are left alone.
- :func:`fold` — the diacritic-insensitive form (``Đặng → dang``).
- :func:`normalize` — NFC + tone placement + lower case: the canonical token form.

Whoosh's ``accent_map`` is never used: it maps U+0323 to ``l`` and U+0303 to ``p`` on NFD
input (see ``shared/style.md`` §4).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["nfc", "normalize_tones", "fold", "fold_aligned", "normalize", "strip_controls"]

_TONE_MARKS = {
    "\u0300": "huyền",
    "\u0301": "sắc",
    "\u0309": "hỏi",
    "\u0303": "ngã",
    "\u0323": "nặng",
}

# Letters that can stand before the nucleus in a syllable (initial consonants).
_INITIALS = "bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX"


def _with_tone(char: str, mark: str) -> str:
    return unicodedata.normalize("NFC", char + mark)


def _build_retone_table() -> dict[str, tuple[str, str]]:
    """Map a toned second vowel (à, é, ỷ, …) to (its bare vowel, its tone mark)."""
    table: dict[str, tuple[str, str]] = {}
    for bare in "aeyAEY":
        for mark in _TONE_MARKS:
            table[_with_tone(bare, mark)] = (bare, mark)
    return table


_RETONE = _build_retone_table()
_SECOND_A_E = "".join(c for c in _RETONE if _RETONE[c][0] in "aeAE")
_SECOND_Y = "".join(c for c in _RETONE if _RETONE[c][0] in "yY")
# A whole syllable: initials, then o+toned a/e or u+toned y, then nothing more.
# Bounded by non-letters; "_" counts as a boundary so pyvi compounds (tỉnh_uỷ) are handled.
_NEW_STYLE = re.compile(
    rf"(?<![^\W_])([{_INITIALS}]*)(?:([oO])([{_SECOND_A_E}])|([uU])([{_SECOND_Y}]))(?![^\W_])"
)


def _retone_match(m: re.Match[str]) -> str:
    initial = m.group(1)
    first, second = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
    if initial[-1:].lower() == "q":  # "quý", "quạ": the u belongs to qu-, tone stays put
        return m.group(0)
    bare, mark = _RETONE[second]
    return initial + _with_tone(first, mark) + bare


def nfc(text: str) -> str:
    """Unicode NFC; cheap when the text is already NFC."""
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def normalize_tones(text: str) -> str:
    """Move the tone of ``oa``/``oe``/``uy`` open syllables to the first vowel.

    >>> normalize_tones("Tỉnh uỷ Hoà Bình, khoẻ, Thuỵ, quý, hoàng")
    'Tỉnh ủy Hòa Bình, khỏe, Thụy, quý, hoàng'
    """
    return _NEW_STYLE.sub(_retone_match, nfc(text))


def fold(text: str) -> str:
    """Diacritic-free lower-case form: NFC, lower, strip combining marks, đ→d.

    >>> fold("Đặng Thị Quỳnh")
    'dang thi quynh'
    """
    decomposed = unicodedata.normalize("NFD", nfc(text).lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


def fold_aligned(text: str) -> str:
    """``text`` folded character by character, so that a position in the result is the same
    position in ``text`` (a character that folds to more or less than one stays as it is):
    cue phrases and number parts are found on the folded text and cut from the original.
    Give it NFC text: it does not compose (that would move the positions).

    >>> fold_aligned("Tổng kết 04-NQ/TU")
    'tong ket 04-nq/tu'
    """
    return "".join(map(_fold_char, text))


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    """One character folded, or itself when it folds to more or less than one (a text
    repeats the few letters of a language: each is folded once)."""
    f = fold(c)
    return f if len(f) == 1 else c


def normalize(text: str) -> str:
    """Canonical form for matching: NFC, tone placement, lower case.

    >>> normalize("TỈNH UỶ Kon Tum")
    'tỉnh ủy kon tum'
    """
    return normalize_tones(nfc(text)).lower()


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\ufeff]")


def strip_controls(text: str) -> str:
    """Remove control characters and zero-width marks (keeps tab and newlines)."""
    return _CONTROLS.sub("", text)
