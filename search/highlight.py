"""Highlighting: the best passages of a text, and the full text, with matches marked.

Matching is diacritic-insensitive on purpose, like the index's folded fields: a query typed
without tones marks the toned words (``giam ngheo`` marks ``giảm nghèo``), and a document
number is marked whole. It runs one regular expression over a folded copy of the text whose
characters stand at the same offsets as the original's (one folded character per
character), so a 40 KB document costs one pass, not a tokenisation per sentence. Everything
outside the marks is HTML-escaped.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from search.text.normalize import fold, nfc

MARK_CLOSE = "</mark>"
MAX_PASSAGE_CHARS = 320
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*", re.UNICODE)
# Letters that fold to one letter: Latin, Latin-1/Extended-A/B, Vietnamese (Latin Extended
# Additional). Anything else is only lower-cased.
_FOLD_RANGES = ((0x0000, 0x0250), (0x1E00, 0x1F00))


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _FOLD_RANGES:
        for cp in range(lo, hi):
            folded = fold(chr(cp))
            if len(folded) == 1 and folded != chr(cp):
                table[cp] = folded
    return table


_TABLE = _fold_table()


def fold_aligned(text: str) -> str:
    """Folded copy of NFC ``text`` with every character at its original offset."""
    out = text.translate(_TABLE)
    return out if len(out) == len(text) else text.lower()  # never misalign


@dataclass(frozen=True)
class Terms:
    """What to mark: normalised tokens, folded tokens, and phrases (token tuples)."""

    exact: frozenset[str]
    folded: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exact or self.folded)

    @cached_property
    def _words(self) -> tuple[str, ...]:
        return tuple(sorted(self.folded | {fold(t) for t in self.exact}, key=lambda t: (-len(t), t)))

    def pattern(self) -> re.Pattern[str]:
        return _pattern_for(self._words)


@lru_cache(maxsize=256)
def _pattern_for(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in words if w)
    if not alternatives:
        return re.compile(r"(?!)")  # nothing to mark: never matches
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def _spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Match spans; neighbours separated only by spaces merge ("giảm nghèo" is one mark)."""
    spans: list[tuple[int, int]] = []
    for m in terms.pattern().finditer(fold_aligned(text)):
        if spans and not text[spans[-1][1] : m.start()].strip(" \u00a0"):
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append((m.start(), m.end()))
    return spans


class Segment(NamedTuple):
    """A run of text, and whether it is a match of the query."""

    text: str
    match: bool


def segments(text: str, terms: Terms) -> list[Segment]:
    """``text`` cut into runs, matches apart: joined, the runs give ``text`` back.

    The structured form of the marks (for programs: the JSON API); :func:`marked_html`
    turns it into the page's HTML, so both mark the same words.
    """
    out: list[Segment] = []
    last = 0
    for start, end in _spans(text, terms):
        if start > last:
            out.append(Segment(text[last:start], False))
        out.append(Segment(text[start:end], True))
        last = end
    if last < len(text):
        out.append(Segment(text[last:], False))
    return out


def marked_html(parts: Iterable[tuple[str, bool]], first_id: str | None = None
                ) -> tuple[str, int]:
    """HTML of (text, match) runs with the matches wrapped; returns (html, number of marks).

    Everything is escaped; the first mark gets ``id=first_id``.
    """
    out: list[str] = []
    marks = 0
    for text, match in parts:
        if not match:
            out.append(html.escape(text))
            continue
        attr = f' id="{first_id}"' if first_id and marks == 0 else ""
        out.append(f"<mark{attr}>{html.escape(text)}{MARK_CLOSE}")
        marks += 1
    return "".join(out), marks


def _marked(text: str, terms: Terms, first_id: str | None = None) -> tuple[str, int]:
    """HTML of ``text`` with the matches wrapped; returns (html, number of marks)."""
    return marked_html(segments(text, terms), first_id)


def _phrase_patterns(terms: Terms) -> list[tuple[re.Pattern[str], int]]:
    return [(re.compile(r"\s+".join(re.escape(fold(w)) for w in phrase)), len(phrase))
            for phrase in terms.phrases]


def _trim(sentence: str, terms: Terms) -> str:
    """A long sentence is cut to a window around its first match, at word boundaries."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= MAX_PASSAGE_CHARS:
        return sentence
    m = terms.pattern().search(fold_aligned(sentence))
    first = m.start() if m else 0
    start = max(0, first - MAX_PASSAGE_CHARS // 3)
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = sentence.rfind(" ", start, start + MAX_PASSAGE_CHARS)
    end = end if end > start else start + MAX_PASSAGE_CHARS
    prefix = "" if start == 0 or sentence.startswith("…") else "… "
    return prefix + sentence[start:end] + " …"


def passages(text: str, terms: Terms, *, count: int = 3) -> list[str]:
    """The ``count`` best sentences of ``text`` for ``terms``, best first, as safe HTML.

    A sentence scores one point per distinct query word it contains, and more when it
    contains a quoted phrase of the query.
    """
    if not terms or not text:
        return []
    text = nfc(text)
    folded = fold_aligned(text)
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]
    starts = [s for s, _ in sentences]
    words: dict[int, set[str]] = {}
    for m in terms.pattern().finditer(folded):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0:
            words.setdefault(i, set()).add(m.group(0))
    scored = []
    phrases = _phrase_patterns(terms)
    for i, found in words.items():
        s, e = sentences[i]
        score = float(len(found)) + sum(2.0 * n for p, n in phrases if p.search(folded, s, e))
        if len(text[s:e].strip()) >= 3:
            scored.append((-score, i))
    scored.sort()
    out = []
    for _neg, i in scored[:count]:
        s, e = sentences[i]
        out.append(_marked(_trim(text[s:e].strip(), terms), terms)[0])
    return out


def full_text(text: str, terms: Terms, *, anchor: str = "match-1") -> tuple[str, int]:
    """The whole text as safe HTML with every match marked; the first gets ``id=anchor``."""
    return _marked(nfc(text), terms, first_id=anchor)
