"""Highlighting: the best passages of a text, and the full text, with matches marked.

Matching uses the same analysis as the index (:func:`search.analyze.tokenize`), so a query
typed without tones marks the toned words (``giam ngheo`` marks ``giảm nghèo``), and a
document number is marked whole. Everything outside the marks is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .analyze import fold_token, tokenize

MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
MAX_PASSAGE_CHARS = 320
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*", re.UNICODE)


@dataclass(frozen=True)
class Terms:
    """What to mark: normalised tokens, folded tokens, and phrases (token tuples)."""

    exact: frozenset[str]
    folded: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()

    def matches(self, token: str) -> bool:
        return token in self.exact or fold_token(token) in self.folded

    def __bool__(self) -> bool:
        return bool(self.exact or self.folded)


def _match_spans(text: str, terms: Terms) -> list[tuple[int, int]]:
    """Character spans of matched tokens; neighbours separated only by spaces are merged,
    so "giảm nghèo" is one mark, not two."""
    spans: list[tuple[int, int]] = []
    for tok in tokenize(text):
        if not terms.matches(tok.text):
            continue
        if spans and not text[spans[-1][1] : tok.start].strip(" \u00a0"):
            spans[-1] = (spans[-1][0], tok.end)
        else:
            spans.append((tok.start, tok.end))
    return spans


def _marked(text: str, terms: Terms, first_id: str | None = None) -> tuple[str, int]:
    """HTML of ``text`` with matched tokens wrapped; returns (html, number of marks)."""
    out: list[str] = []
    last = 0
    spans = _match_spans(text, terms)
    for i, (start, end) in enumerate(spans):
        out.append(html.escape(text[last:start]))
        attr = f' id="{first_id}"' if first_id and i == 0 else ""
        out.append(f"<mark{attr}>{html.escape(text[start:end])}{MARK_CLOSE}")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out), len(spans)


def _score(sentence: str, terms: Terms) -> float:
    toks = [t.text for t in tokenize(sentence)]
    distinct = {fold_token(t) for t in toks if terms.matches(t)}
    score = float(len(distinct))
    folded_seq = " ".join(fold_token(t) for t in toks)
    for phrase in terms.phrases:
        if " ".join(fold_token(t) for t in phrase) in folded_seq:
            score += 2.0 * len(phrase)
    return score


def _trim(sentence: str, terms: Terms) -> str:
    """A long sentence is cut to a window around its first match, at word boundaries."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= MAX_PASSAGE_CHARS:
        return sentence
    first = next((t.start for t in tokenize(sentence) if terms.matches(t.text)), 0)
    start = max(0, first - MAX_PASSAGE_CHARS // 3)
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = sentence.rfind(" ", start, start + MAX_PASSAGE_CHARS)
    end = end if end > start else start + MAX_PASSAGE_CHARS
    prefix = "" if start == 0 or sentence.startswith("…") else "… "
    return prefix + sentence[start:end] + " …"


def passages(text: str, terms: Terms, *, count: int = 3) -> list[str]:
    """The ``count`` best sentences of ``text`` for ``terms``, best first, as safe HTML."""
    if not terms or not text:
        return []
    scored = []
    for i, m in enumerate(_SENTENCE.finditer(text)):
        sentence = m.group(0).strip()
        if len(sentence) < 3:
            continue
        score = _score(sentence, terms)
        if score > 0:
            scored.append((-score, i, sentence))
    scored.sort()
    return [_marked(_trim(s, terms), terms)[0] for _neg, _i, s in scored[:count]]


def full_text(text: str, terms: Terms, *, anchor: str = "match-1") -> tuple[str, int]:
    """The whole text as safe HTML with every match marked; the first gets ``id=anchor``."""
    return _marked(text, terms, first_id=anchor)
