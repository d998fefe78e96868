"""Highlighting: the best passages of a text, and the full text, with matches marked.

Matching is diacritic-insensitive for the folded tokens, like the index's folded fields: a
query typed without tones marks the toned words (``giam ngheo`` marks ``giảm nghèo``); a
token given only as exact (``Terms.exact``) marks only its own toned form; a document number
is marked whole. Words of a quoted phrase are marked only inside the phrase. It runs one
regular expression over the text in which every letter of a folded word is spelled out as
the class of the characters that fold to it (``a`` as ``[aáàảãạăắ…AÁÀ…]``), so a document
costs one pass in C: no folded copy, no tokenisation per sentence. Everything outside the
marks is HTML-escaped.

Passages are sentences ranked by the distinct query words they hold, then by those side by
side, then by position; the header block's lines ("Số 04-NQ/TU", "TỈNH ỦY KON TUM") are
passages only when nothing in the body matches.

A search page must not slow down with the length of its documents (the README allows 5
million characters), so passages look at a bounded part of a text: its first
``SCAN_CHARS`` characters whole (every real document we have is shorter), and, when that
head holds too few passages, a window of ``WINDOW_CHARS`` around each match a compiled
regular expression finds in the next ``LOCATE_CHARS`` characters (every word of the query,
run in C: no sentence split).
The document page (:func:`full_text`, :func:`segments`) still marks every match.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from search.ingest.metadata import is_header_line
from search.text.normalize import fold, nfc, normalize

MARK_CLOSE = "</mark>"
MAX_PASSAGE_CHARS = 320
SCAN_CHARS = 60_000  # the head of a text that passages read whole
WINDOW_CHARS = 1_000  # each side of a match located past the head
LOCATE_CHARS = 1_000_000  # how far past the head matches are located (in C, ~20 ns a character)
# The most of a text passages() ever reads: a caller may give it only this prefix (the
# engine then reads no more of a long text: search.engine.base, text_chars).
PASSAGE_CHARS = SCAN_CHARS + LOCATE_CHARS
# Enough of a text for passages() to read its head and to know whether there is more: a
# caller may give it only this, and the rest when asked (``rest``).
HEAD_CHARS = SCAN_CHARS + 1
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*", re.UNICODE)
_SENTENCE_ENDS = ".!?;\n"
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


def _spellings() -> dict[str, str]:
    """The characters that fold to each letter, the letter included (``a`` →
    ``aáàảãạăắ…AÁÀ…``): a pattern of these over the text matches where the same word would
    match over its folded copy (:func:`search.text.normalize.fold_aligned`)."""
    out: dict[str, set[str]] = {}
    for cp, folded in _TABLE.items():
        out.setdefault(folded, {folded}).add(chr(cp))
    return {letter: "".join(sorted(chars)) for letter, chars in out.items()}


_SPELLINGS = _spellings()


@dataclass(frozen=True)
class Terms:
    """What to mark: normalised tokens, folded tokens, and phrases (token tuples).

    A folded token marks every word that folds to it (``giam`` marks ``giảm`` and
    ``giám``); a normalised token only itself (``giảm``, whatever its case or tone
    placement). A word of a quoted phrase is marked only where the whole phrase occurs:
    the query asked for the phrase, not for its words (``"xã đặc biệt khó khăn"`` leaves
    a lone ``xã`` alone).
    """

    exact: frozenset[str]
    folded: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.exact or self.folded)

    @cached_property
    def phrase_words(self) -> frozenset[str]:
        """Folded words that stand in a phrase of the query (marked only inside it)."""
        return frozenset(fold(w) for phrase in self.phrases for w in phrase)

    @cached_property
    def _words(self) -> tuple[str, ...]:
        words = (self.folded | {fold(t) for t in self.exact}) - self.phrase_words
        return tuple(sorted(words, key=lambda t: (-len(t), t)))

    def pattern(self) -> re.Pattern[str]:
        """The words marked alone, over the text (letters spelled out: :func:`_spelled`)."""
        return _pattern_for(self._words)

    def locator(self) -> re.Pattern[str]:
        """Every word of the query, phrase words too: finds where to look in a long text;
        what it finds is then checked as usual."""
        words = self.folded | {fold(t) for t in self.exact} | self.phrase_words
        return _pattern_for(tuple(sorted(words, key=lambda t: (-len(t), t))))

    def phrase_patterns(self) -> list[re.Pattern[str]]:
        """One pattern a phrase, over the text; a group a word."""
        return [_phrase_pattern_for(tuple(fold(w) for w in phrase)) for phrase in self.phrases]

    def accepts(self, word: str) -> bool:
        """Whether ``word`` of the text (found by its fold) is a word of the query: its fold
        is a folded token, or its normalised form an exact one."""
        folded, normalized = _word_forms(word)
        return folded in self.folded or normalized in self.exact


@lru_cache(maxsize=4096)
def _word_forms(word: str) -> tuple[str, str]:
    """(folded, normalised) forms of a word of a text (a document repeats its words)."""
    return fold(word), normalize(word)


_EDGE_AFTER = r"(?![^\W_])"  # not inside a word: the word ends here


def _spelling(ch: str) -> str:
    """The characters of the text that a character of a folded word matches."""
    return _SPELLINGS.get(ch, ch)


def _spelled(word: str) -> str:
    """A folded word as a pattern over the text: each letter as the class of the characters
    that fold to it, anything else as itself."""
    return "".join(f"[{re.escape(_spelling(ch))}]" for ch in word)


# The first character is matched before the edge is checked, so that a pattern begins with
# one character class: the regular expression engine then skips in C to the characters that
# can start a word of the query (a pattern that begins with a look-behind tries every
# position and every word there). The edge looks two characters back, the first included.
_EDGE_AFTER_FIRST = r"(?<![^\W_][\s\S])"


@lru_cache(maxsize=256)
def _pattern_for(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words`` (folded, longest first) as a whole word of the text."""
    by_first: dict[str, list[str]] = {}
    for w in words:
        if w:
            by_first.setdefault(_spelling(w[0]), []).append(w[1:])
    if not by_first:
        return re.compile(r"(?!)")  # nothing to mark: never matches
    first = re.escape("".join(sorted(set("".join(by_first)))))
    # Which word can follow is decided by the first character (each character folds to one
    # letter); within one first letter, the words keep their order (longest first).
    rests = "|".join(f"(?<=[{re.escape(chars)}])(?:{'|'.join(_spelled(r) for r in tails)})"
                     for chars, tails in by_first.items())
    return re.compile(rf"[{first}]{_EDGE_AFTER_FIRST}(?:{rests}){_EDGE_AFTER}")


@lru_cache(maxsize=256)
def _phrase_pattern_for(words: tuple[str, ...]) -> re.Pattern[str]:
    # Like the engine's phrase query (token positions), punctuation between the words is
    # no break: "kinh tế - xã hội" is the phrase "kinh tế xã hội".
    head, rest = _spelled(words[0][:1]), _spelled(words[0][1:])
    body = r"[\W_]+".join(f"({_spelled(w)})" for w in words[1:])
    glue = r"[\W_]+" if body else ""
    return re.compile(rf"({head}{_EDGE_AFTER_FIRST}{rest}){glue}{body}{_EDGE_AFTER}")


class _Match(NamedTuple):
    """One match: where, and which query unit (a folded word, or a phrase) it is."""

    start: int
    end: int
    unit: str | tuple[str, ...]


def _matches(text: str, terms: Terms) -> list[_Match]:
    """Every match of ``terms`` in NFC ``text``, in order, none overlapping: phrases first,
    then the words marked alone outside them."""
    found: list[_Match] = []
    for phrase, pattern in zip(terms.phrases, terms.phrase_patterns()):
        for m in pattern.finditer(text):
            if all(terms.accepts(text[m.start(g):m.end(g)]) for g in range(1, len(phrase) + 1)):
                found.append(_Match(m.start(), m.end(), phrase))
    taken = _without_overlaps(found)
    if not taken:  # no phrase: the words come in order and apart (one pass of one pattern)
        return [_Match(m.start(), m.end(), folded) for m in terms.pattern().finditer(text)
                for folded, normalized in (_word_forms(m.group()),)
                if folded in terms.folded or normalized in terms.exact]
    ends = [m.end for m in taken]
    for m in terms.pattern().finditer(text):
        word = m.group()
        if not terms.accepts(word):
            continue
        i = bisect.bisect_right(ends, m.start())
        if i < len(taken) and taken[i].start < m.end():
            continue  # inside a phrase
        found.append(_Match(m.start(), m.end(), _word_forms(word)[0]))
    return _without_overlaps(found)


def _without_overlaps(found: list[_Match]) -> list[_Match]:
    """``found`` in order of position; of overlapping matches the earlier (then longer)."""
    out: list[_Match] = []
    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        if not out or m.start >= out[-1].end:
            out.append(m)
    return out


def _runs(text: str, matches: list[_Match]) -> list[list[_Match]]:
    """Matches grouped into marks: neighbours apart only by spaces are one ("giảm nghèo")."""
    runs: list[list[_Match]] = []
    for m in matches:
        if runs and not text[runs[-1][-1].end:m.start].strip(" \u00a0"):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def _spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Mark spans; neighbours separated only by spaces merge ("giảm nghèo" is one mark)."""
    return [(run[0].start, run[-1].end) for run in _runs(text, _matches(text, terms))]


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


def _trim(sentence: str, terms: Terms) -> str:
    """A long sentence is cut to a window around its best mark (the one holding the most
    query words, then the first), at word boundaries."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= MAX_PASSAGE_CHARS:
        return sentence
    runs = _runs(sentence, _matches(sentence, terms))
    best = min(runs, key=lambda run: -len({m.unit for m in run}), default=None)
    first = best[0].start if best else 0
    start = max(0, first - MAX_PASSAGE_CHARS // 3)
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = sentence.rfind(" ", start, start + MAX_PASSAGE_CHARS)
    end = end if end > start else start + MAX_PASSAGE_CHARS
    prefix = "" if start == 0 or sentence.startswith("…") else "… "
    return prefix + sentence[start:end] + " …"


HEAD_LINES = 25  # non-empty lines at the top where a header can be


def _is_caps(line: str) -> bool:
    return not any(map(str.islower, line))  # map: no Python frame per character


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one by one: the header is read from the top of texts of up to
    ``HEAD_CHARS``, and splitting all of one (an export does so for every row) costs more
    than the few lines the header can be."""
    pos = 0
    while True:
        end = text.find("\n", pos)
        if end < 0:
            yield text[pos:]
            return
        yield text[pos:end]
        pos = end + 1


def header_lines(text: str) -> list[tuple[int, int]]:
    """Offsets of the lines of ``text``'s header block: at the top, the lines above the
    title or the body (caps organ names, "Số 04-NQ/TU", "ĐẢNG CỘNG SẢN VIỆT NAM", the
    place and date, the type line), and header or stamp lines further down the head
    ("Số... 575....." of a receipt stamp). The head ends at the first paragraph."""
    out: list[tuple[int, int]] = []
    above_title = True
    filled = 0
    pos = 0
    for line in _lines(text):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        filled += 1
        if filled > HEAD_LINES or (len(stripped) >= 100 and not _is_caps(stripped)):
            break
        above_title = above_title and (_is_caps(stripped) or is_header_line(stripped))
        if above_title or is_header_line(stripped):
            out.append((start, start + len(line)))
    return out


class _Sentence(NamedTuple):
    at: int  # offset in the whole text: the tie-break (first wins)
    text: str
    units: frozenset[str | tuple[str, ...]]  # the query words and phrases it holds
    adjacent: int  # most query units in one mark (query words side by side)
    header: bool


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]


def _sentences(text: str, terms: Terms, *, at: int = 0, head: bool = True) -> list[_Sentence]:
    """The sentences of NFC ``text`` (found at offset ``at`` of the whole) holding a match,
    in order; ``head``: ``text`` is the top of the document, where header lines are."""
    bounds = _sentence_bounds(text)
    starts = [s for s, _ in bounds]
    runs: dict[int, list[list[_Match]]] = {}
    for run in _runs(text, _matches(text, terms)):
        i = bisect.bisect_right(starts, run[0].start) - 1
        if i >= 0:
            runs.setdefault(i, []).append(run)
    header = header_lines(text) if head else []
    header_starts = [s for s, _ in header]
    out = []
    for i in sorted(runs):
        s, e = bounds[i]
        sentence = text[s:e].strip()
        if len(sentence) < 3:
            continue
        j = bisect.bisect_right(header_starts, s) - 1
        in_header = j >= 0 and s < header[j][1]
        units = frozenset(m.unit for run in runs[i] for m in run)
        adjacent = max(len({m.unit for m in run}) for run in runs[i])
        out.append(_Sentence(at + s, sentence, units, adjacent, in_header))
    return out


def _window(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``, at most ``WINDOW_CHARS`` on each side and
    within ``lo:hi``: from just after the last sentence end before it to the first after."""
    left = max(lo, start - WINDOW_CHARS)
    cut = max(text.rfind(c, left, start) for c in _SENTENCE_ENDS)
    right = min(hi, end + WINDOW_CHARS)
    ends = [i for i in (text.find(c, end, right) for c in _SENTENCE_ENDS) if i >= 0]
    return (cut + 1 if cut >= 0 else left), (min(ends) + 1 if ends else right)


def _located(text: str, terms: Terms, wanted: int) -> list[_Sentence]:
    """Up to ``wanted`` sentences holding a match past the head of a long ``text``: the
    locator finds a match in C, and only the window around it is read as usual. Tries at
    most ``2 × wanted`` windows (a located word can be turned down: an exact-only token in
    another tone, a phrase word alone), within ``LOCATE_CHARS`` past the head."""
    locator = terms.locator()
    pos, stop = SCAN_CHARS, min(len(text), SCAN_CHARS + LOCATE_CHARS)
    out: list[_Sentence] = []
    for _ in range(2 * wanted):
        m = locator.search(text, pos, stop)
        if m is None:
            break
        start, pos = _window(text, m.start(), m.end(), pos, stop)
        out += _sentences(nfc(text[start:pos]), terms, at=start, head=False)
        if len(out) >= wanted:
            break
    return out


def _weight(unit: str | tuple[str, ...]) -> int:
    """A phrase holds as many query words as it has."""
    return len(unit) if isinstance(unit, tuple) else 1


def passages(text: str, terms: Terms, *, count: int = 3,
             rest: Callable[[], str] | None = None) -> list[str]:
    """The ``count`` best sentences of ``text`` for ``terms``, best first, as safe HTML.

    Best: the most distinct query words (a phrase counts its words), then the most of
    them side by side (``giảm nghèo`` before a lone ``giám sát`` for ``giam ngheo``), then
    the first. A header line is a passage only when nothing in the body matches. Only the
    first ``SCAN_CHARS`` characters are read whole, and past them the windows around a
    few located matches when the head holds fewer than ``count`` (module docstring).
    With ``rest``, ``text`` may be only the first ``HEAD_CHARS`` of the text: ``rest()``
    gives its first ``PASSAGE_CHARS``, asked for only when the head holds too few.
    """
    if not terms or not text:
        return []
    found = _sentences(nfc(text[:SCAN_CHARS]), terms)
    body = sum(not s.header for s in found)
    if len(text) > SCAN_CHARS and body < count:
        found += _located(text if rest is None else rest(), terms, count - body)
    if any(not s.header for s in found):
        found = [s for s in found if not s.header]
    found.sort(key=lambda s: (-sum(map(_weight, s.units)), -s.adjacent, s.at))
    return [_marked(_trim(s.text, terms), terms)[0] for s in found[:count]]


def full_text(text: str, terms: Terms, *, anchor: str = "match-1") -> tuple[str, int]:
    """The whole text as safe HTML with every match marked; the first gets ``id=anchor``."""
    return _marked(nfc(text), terms, first_id=anchor)
