"""Query understanding: what an official types → a parsed query.

Syntax (all optional, mixed freely with plain words, tones or no tones):

- ``"xã đặc biệt khó khăn"`` — a phrase (straight or curly quotes; an unclosed quote
  runs to the end);
- ``-word`` / ``-"a phrase"`` — exclude;
- ``a OR b`` — either;
- ``04-NQ/TU``, ``04 - nq/tu``, ``50/2016/QĐ-TTg`` — a document number, matched whole:
  the document that *is* that number ranks above those that *cite* it; typed loosely
  (``04 nq tu``, ``số 04 NQ/TU``) it is the same number;
- ``04/TU``, ``NQ 04``, ``nghị quyết 04`` — part of a number: documents whose number has
  those parts rank first (:func:`search.text.numbers.find_loose_numbers`);
- ``tinh:"Kon Tum"``, ``tinh2025:"Quảng Ngãi"``, ``nam:2021``, ``nam:2016-2021``,
  ``loai:"kết luận"``, ``coquan:"Ban Thường vụ Tỉnh ủy"``, ``so:04-NQ/TU`` — filters;
- ``tieude:"giảm nghèo"``, ``title:sâm`` — words (a quoted value: a phrase) searched in the
  title (trích yếu) only.

:func:`parse_query` reads the text into a :class:`ParsedQuery`; :mod:`search.query.build`
turns that into the engine's query tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from search.text.analyze import fold_token, tokenize
from search.errors import BadQuery
from search.fields import query_aliases
from search.messages import Message
from search.text.normalize import nfc, strip_controls
from search.text.numbers import (SPACED_PARTY_RE, find_loose_numbers, is_number_token,
                                 normalize_number, strip_so)

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
# Filter name typed in the query (tinh:, nam:, so:) → facet or token field, from the table.
FILTER_ALIASES = query_aliases()


@dataclass
class Item:
    """One unit of the query: a word, a phrase or a document number."""

    kind: str  # "word" | "phrase" | "number" | "part" (of a number: "nq:4", "4/tu")
    tokens: tuple[str, ...]  # normalised tokens (a number, or a part, is one token)
    raw: str
    negated: bool = False
    # A part typed with a type's name ("nghị quyết 04"): those words, also searched as a
    # phrase, for the documents that say it in so many words.
    words: tuple[str, ...] = ()
    title_only: bool = False  # tieude:…: matched in the title (trích yếu) only

    @property
    def toned(self) -> bool:
        return any(fold_token(t) != t for t in self.tokens)


@dataclass
class ParsedQuery:
    """The query after parsing: groups of alternatives (OR), exclusions and filters."""

    groups: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    messages: list[Message] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        return [it for group in self.groups for it in group]

    def is_empty(self) -> bool:
        return not self.groups

    @property
    def toned(self) -> bool:
        """Typed with tone marks (any word or phrase to search for): then it matches as typed."""
        return any(it.toned for it in self.items)

    def highlight_terms(self, folded: bool | None = None) -> tuple[set[str], set[str],
                                                                   list[tuple[str, ...]]]:
        """(normalised tokens, folded tokens, phrases) to mark in passages.

        A query typed with tones matched as typed, so its folded forms are not marked
        (``tỉnh`` does not mark ``tình``) unless ``folded`` says the search fell back to
        matching without tones; an untoned query marks every toned form.
        """
        with_folded = not self.toned if folded is None else folded
        exact: set[str] = set()
        folded_terms: set[str] = set()
        phrases: list[tuple[str, ...]] = []
        for it in self.items:
            exact.update(it.tokens)
            if with_folded:
                folded_terms.update(fold_token(t) for t in it.tokens)
            if it.kind == "phrase" and len(it.tokens) > 1:
                phrases.append(it.tokens)
        return exact, folded_terms, phrases


_LEX = re.compile(
    r"""(?P<filter>(?P<fname>[A-Za-z_0-9]+):(?:["“”](?P<fquoted>[^"“”]*)["“”]?|(?P<fvalue>\S+)))
      |(?P<neg>-)?(?:["“”](?P<phrase>[^"“”]*)["“”]?|(?P<word>[^\s"“”]+))""",
    re.VERBOSE,
)


# "*" anywhere, or "?" alone or inside a word ("gi?m"): someone expects wildcards.
_WILDCARD = re.compile(r"\*|(?<!\S)\?(?!\S)|(?<=\w)\?(?=\w)")
WILDCARD_MESSAGE = Message("query.wildcards")
UNCLOSED_QUOTE_MESSAGE = Message("query.unclosed_quote")
PARENTHESES_MESSAGE = Message("query.parentheses")


def _cut(text: str) -> tuple[str, bool]:
    """``text`` within MAX_QUERY_CHARS, cut at a space when there is one near the end."""
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    head = text[:MAX_QUERY_CHARS]
    if not text[MAX_QUERY_CHARS].isspace() and " " in head[-100:]:
        head = head.rsplit(" ", 1)[0]
    return head, True


def parse_query(text: str) -> ParsedQuery:
    """Parse the user's query text (never raises on odd input; BadQuery only on filters).

    At most MAX_QUERY_CHARS characters and MAX_TERMS terms are used; a message says so.
    """
    # A generous first cut keeps normalising a huge input cheap; the real cut follows.
    text, cut = _cut(strip_controls(nfc((text or "")[: 4 * MAX_QUERY_CHARS])))
    # "04 - NQ/TU" typed with spaces: join it before splitting the query on spaces.
    text = SPACED_PARTY_RE.sub(lambda m: re.sub(r"\s+", "", m.group(0)), text)
    text, parts = _mark_loose_numbers(text)
    pq = ParsedQuery()
    if cut:
        pq.messages.append(Message("query.cut_chars", {"limit": MAX_QUERY_CHARS}))
    if _WILDCARD.search(text):
        pq.messages.append(WILDCARD_MESSAGE)
    if sum(text.count(q) for q in '"“”') % 2:  # any of them opens and closes a phrase
        pq.messages.append(UNCLOSED_QUOTE_MESSAGE)
    if "(" in text or ")" in text:
        pq.messages.append(PARENTHESES_MESSAGE)
    text = text.replace("(", " ").replace(")", " ")
    pending_or = False
    for m in _LEX.finditer(text):
        if m.group("filter") and m.group("fname").lower() in FILTER_ALIASES:
            quoted = m.group("fquoted") is not None
            _add_filter(pq, FILTER_ALIASES[m.group("fname").lower()],
                        m.group("fquoted") if quoted else m.group("fvalue"), quoted=quoted)
            continue
        raw = m.group("phrase") if m.group("phrase") is not None else (m.group(0) if m.group("filter") else m.group("word"))
        if raw is None:
            continue
        if raw == "OR" and m.group("phrase") is None:
            pending_or = bool(pq.groups)
            continue
        items = [parts[raw]] if raw in parts else _items(raw, phrase=m.group("phrase") is not None)
        for item in items:
            item.negated = bool(m.group("neg"))
            if item.negated:
                pq.excluded.append(item)
            elif pending_or:
                pq.groups[-1].append(item)
            else:
                pq.groups.append([item])
            pending_or = False
    _cap_terms(pq)
    return pq


# Quoted text is left as typed: a phrase says exactly which words to find.
_QUOTED = re.compile(r'(["“”][^"“”]*(?:["“”]|$))')
_MARK = "\ue000{}\ue001"  # a placeholder word for a part (private-use characters)


def _mark_loose_numbers(text: str) -> tuple[str, dict[str, Item]]:
    """``text`` with each loosely typed number written whole ("04 nq tu" → "04-nq/tu") and
    each part of one replaced by a placeholder word; the placeholders' items."""
    text = re.sub("[\ue000\ue001]", "", text)  # typed placeholders' characters mean nothing
    text = "".join(p if _QUOTED.fullmatch(p) else strip_so(p) for p in _QUOTED.split(text))
    parts: dict[str, Item] = {}
    out: list[str] = []
    for piece in _QUOTED.split(text):
        if _QUOTED.fullmatch(piece):
            out.append(piece)
            continue
        at = 0
        for found in find_loose_numbers(piece):
            out.append(piece[at:found.start])
            raw = piece[found.start:found.end]
            if found.kind == "number":
                out.append(found.token)
            else:
                mark = _MARK.format(len(parts))
                words = tuple(t.text for t in tokenize(raw)) if found.named else ()
                parts[mark] = Item("part", (found.token,), raw, words=words)
                out.append(mark)
            at = found.end
        out.append(piece[at:])
    return "".join(out), parts


def _items(raw: str, *, phrase: bool) -> list[Item]:
    """Words of a raw chunk; numbers stay whole; a phrase stays one item."""
    squeezed = re.sub(r"\s*([-/])\s*", r"\1", raw.strip())
    if is_number_token(squeezed.lower()) and not phrase:
        return [Item("number", (normalize_number(squeezed),), raw)]
    toks = tuple(t.text for t in tokenize(raw))
    if not toks:
        return []
    if phrase:
        kind = "number" if len(toks) == 1 and is_number_token(toks[0]) else "phrase"
        return [Item(kind, toks, raw)]
    return [Item("number" if is_number_token(t) else "word", (t,), t) for t in toks]


def _add_filter(pq: ParsedQuery, name: str, value: str, *, quoted: bool = False) -> None:
    value = (value or "").strip()
    if not value:
        return
    if name == "title":
        for item in _items(value, phrase=quoted):
            pq.groups.append([replace(item, title_only=True)])
    elif name == "year":
        _add_year(pq, value)
    elif name == "number":
        pq.groups.append([Item("number", (normalize_number(value),), value)])
    else:
        pq.filters.setdefault(name, []).append(value)


_YEAR_RANGE = re.compile(r"^(\d{4})?\s*(?:-|–|\.\.)\s*(\d{4})?$")


def _add_year(pq: ParsedQuery, value: str) -> None:
    if value.isdigit() and len(value) == 4:
        pq.filters.setdefault("year", []).append(value)
        return
    m = _YEAR_RANGE.match(value)
    if not m or not (m.group(1) or m.group(2)):
        raise BadQuery(Message("query.bad_year", {"value": value}))
    pq.year_from = int(m.group(1)) if m.group(1) else None
    pq.year_to = int(m.group(2)) if m.group(2) else None
    if pq.year_from is not None and pq.year_to is not None and pq.year_from > pq.year_to:
        raise BadQuery(Message("query.years_reversed", {"value": value, "year_from": pq.year_from,
                                                         "year_to": pq.year_to}))


def _take(items: list[Item], budget: int) -> tuple[list[Item], bool]:
    """The first items holding at most ``budget`` tokens (a long phrase keeps its start)."""
    kept: list[Item] = []
    for it in items:
        if len(it.tokens) > budget:
            if it.kind == "phrase" and budget >= 2:
                kept.append(replace(it, tokens=it.tokens[:budget]))
            return kept, True
        kept.append(it)
        budget -= len(it.tokens)
    return kept, False


def _cap_terms(pq: ParsedQuery) -> None:
    """At most MAX_TERMS tokens to search for, and as many to exclude: the first ones."""
    budget = MAX_TERMS
    kept: list[list[Item]] = []
    cut = False
    for group in pq.groups:
        items, cut = _take(group, budget)
        if items:
            kept.append(items)
            budget -= sum(len(it.tokens) for it in items)
        if cut:
            break
    pq.groups = kept
    pq.excluded, cut_excluded = _take(pq.excluded, MAX_TERMS)
    if cut or cut_excluded:
        pq.messages.append(Message("query.cut_terms", {"limit": MAX_TERMS}))


def _describe_item(item: Item) -> str:
    if item.title_only:
        return "tieude:" + _describe_item(replace(item, title_only=False))
    if item.kind == "phrase":
        return f'"{" ".join(item.tokens)}"'
    if item.kind == "part":
        return f"số~{item.tokens[0]}"
    return item.tokens[0]


def describe(pq: ParsedQuery) -> str:
    """Short human summary of the parsed query (for messages and --explain)."""
    parts = []
    for group in pq.groups:
        parts.append(" OR ".join(_describe_item(i) for i in group))
    parts += [f"-{' '.join(i.tokens)}" for i in pq.excluded]
    parts += [f"{k}:{'|'.join(v)}" for k, v in pq.filters.items()]
    if pq.year_from or pq.year_to:
        parts.append(f"year:{pq.year_from or ''}-{pq.year_to or ''}")
    return " ".join(parts)
