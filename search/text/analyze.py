"""Vietnamese analysis: text → token streams, identical at index time and at query time.

A text becomes three aligned views (all built on :mod:`search.text.normalize`):

- ``syllables``: NFC, tone-normalised, lower-case syllables; document numbers
  (``04-NQ/TU``, ``50/2016/QĐ-TTg``, ``861/QĐ-TTg``) kept whole as one token.
  Positions are kept, so phrases work, and each token has character offsets into the
  original text for highlighting.
- ``folded``: the same tokens without diacritics (``giảm`` → ``giam``), same positions.
- ``compounds``: pyvi word segmentation (``xã_hội``, ``nông_thôn``), only the multi-syllable
  words; run on NFC text with its case intact (pyvi joins ``Tỉnh_uỷ`` but not ``tỉnh ủy``)
  and normalised afterwards. Folded compounds are kept alongside.

Whoosh never analyses text itself: the engine receives these already-normalised tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from search.text.normalize import fold, nfc, normalize
from search.text.numbers import NUMBER_RE, is_number_token, normalize_number
from search.text.words import segment

__all__ = [
    "Token",
    "tokenize",
    "syllables",
    "folded",
    "compounds",
    "analyze_text",
    "Analysis",
    # Document numbers are search.text.numbers'; re-exported for the analyser's callers.
    "normalize_number",
    "is_number_token",
    "NUMBER_RE",
]

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(rf"{NUMBER_RE.pattern}|[^\W_]+")


@dataclass(frozen=True)
class Token:
    """One token: its canonical text, position and offsets in the original string."""

    text: str
    pos: int
    start: int
    end: int
    is_number: bool = False


@lru_cache(maxsize=500_000)
def _norm_word(word: str) -> str:
    return normalize(word)


@lru_cache(maxsize=500_000)
def fold_token(token: str) -> str:
    """Folded form of one normalised token (cached: the vocabulary is small)."""
    return fold(token)


def tokenize(text: str) -> Iterator[Token]:
    """Syllable and number tokens of ``text`` (any normalisation) with offsets.

    >>> [t.text for t in tokenize("Số 04 - NQ/TU của Tỉnh uỷ")]
    ['số', '04-nq/tu', 'của', 'tỉnh', 'ủy']
    """
    text = nfc(text)
    for pos, m in enumerate(_TOKEN.finditer(text)):
        raw = m.group(0)
        if raw[0].isdigit() and "/" in raw:
            yield Token(normalize_number(raw), pos, m.start(), m.end(), True)
        else:
            yield Token(_norm_word(raw), pos, m.start(), m.end())


def _token_texts(text: str) -> tuple[list[str], list[str]]:
    """The texts of ``tokenize(text)`` and those of its number tokens, without building a
    Token per word (indexing needs no offsets; this is most of the analysis time)."""
    out: list[str] = []
    numbers: list[str] = []
    norm_word = _norm_word
    for raw in _TOKEN.findall(nfc(text)):  # the pattern has no groups: whole matches
        if raw[0].isdigit() and "/" in raw:
            token = normalize_number(raw)
            numbers.append(token)
        else:
            token = norm_word(raw)
        out.append(token)
    return out, numbers


def syllables(text: str) -> list[str]:
    return _token_texts(text)[0]


def folded(tokens: list[str]) -> list[str]:
    return [fold_token(t) for t in tokens]


_PYVI_CHUNK = re.compile(r"[^\n.;!?]+")


PYVI_MAX_WORDS = 100  # a line without sentence ends is cut: pyvi's memory grows with its input


def _pyvi_chunks(text: str) -> Iterator[str]:
    """Sentence-ish chunks of at most PYVI_MAX_WORDS words (a compound split at a cut is lost,
    one in a hundred words at worst, only in such lines)."""
    for chunk in _PYVI_CHUNK.findall(text):
        words = chunk.split()
        if len(words) < 2:
            continue
        for i in range(0, len(words), PYVI_MAX_WORDS):
            yield " ".join(words[i : i + PYVI_MAX_WORDS])


def compounds(text: str) -> list[str]:
    """pyvi's multi-syllable words in ``text``, normalised (``xã_hội``).

    pyvi runs per sentence-ish chunk: a whole document as one sequence is slow and its
    CRF features do not cross sentence ends anyway.
    """
    out: list[str] = []
    for chunk in _pyvi_chunks(nfc(text)):
        for word in segment(chunk):
            if "_" in word and _WORD.search(word):
                out.append(_norm_word(word))
    return out


@dataclass
class Analysis:
    """Token streams of one text, ready for the engine."""

    syllables: list[str]
    folded: list[str]
    compounds: list[str]
    compounds_folded: list[str]
    numbers: list[str]


def analyze_text(text: str, *, with_compounds: bool = True) -> Analysis:
    """All streams of ``text``; used for document fields and for query text alike."""
    syl, numbers = _token_texts(text)
    comp = compounds(text) if with_compounds else []
    return Analysis(
        syllables=syl,
        folded=folded(syl),
        compounds=comp,
        compounds_folded=folded(comp),
        numbers=numbers,
    )
