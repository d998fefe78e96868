""""Did you mean": for a query with a word the index does not know, the nearest indexed
words, with their tones.

Words are compared in their folded form (``giam nghoe``), so a typo and a missing tone are
corrected alike; among close candidates the most frequent wins. The corrected query is then
given its tones back from the index's own vocabulary (``giảm nghèo``): each untoned word
takes the toned form that the index holds most often *next to its neighbours* (a pyvi
compound ``giảm_nghèo``, else the two words as a phrase), then the most frequent one. A
word typed with tones keeps them. A query whose every word is known has no suggestion: an
untoned query is a way of typing, not a mistake.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from search.engine.base import EngineReader, Filters, Phrase
from search.query.parse import Item, ParsedQuery
from search.text.analyze import fold_token

SUGGEST_FIELDS = ("body_f", "title_f")
TONED_FIELDS = ("body", "title")  # the same words with their tones
COMPOUND_FIELD = "words"  # pyvi compounds, toned: "giảm_nghèo"
MAX_CANDIDATES = 20_000  # vocabulary scanned per word at most (keeps the zero-hit path bounded)
MAX_FORMS = 3  # toned forms of one word weighed against its neighbours
_LEAD = re.compile(r"[^aeiouy]*")  # the initial consonants, which carry no tone
_SYLLABLE = re.compile(r"[a-z]+")


def _known(reader: EngineReader, folded: str) -> bool:
    return any(reader.doc_frequency(f, folded) for f in SUGGEST_FIELDS)


def nearest_terms(reader: EngineReader, folded: str) -> list[str]:
    """Indexed words within a small edit distance of ``folded``, most frequent first."""
    if len(folded) < 2:
        return []
    dfs: dict[str, int] = {}
    for field in SUGGEST_FIELDS:
        for i, (term, df) in enumerate(reader.term_stats(field, folded[0])):
            if i >= MAX_CANDIDATES:
                break
            if abs(len(term) - len(folded)) <= 2 and "/" not in term:
                dfs[term] = dfs.get(term, 0) + df
    close = difflib.get_close_matches(folded, list(dfs), n=5, cutoff=0.7)
    return sorted(close, key=lambda t: (-dfs[t], close.index(t)))


def nearest_term(reader: EngineReader, folded: str) -> str | None:
    """The most frequent indexed word within a small edit distance of ``folded``."""
    close = nearest_terms(reader, folded)
    return close[0] if close else None


@lru_cache(maxsize=32)
def _letters_folding_to(letter: str) -> tuple[str, ...]:
    """Lower-case letters whose fold is ``letter`` (``a`` → a, à, á, …, ă, ắ, …, â, ấ, …)."""
    found = {chr(cp) for cp in (*range(0x61, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00))
             if chr(cp).islower() and fold_token(chr(cp)) == letter}
    return tuple(sorted(found))


def _toned_prefixes(folded: str) -> list[str]:
    """Prefixes every toned form of ``folded`` starts with: its initial consonants (``d``
    also as ``đ``), or the toned forms of its first vowel."""
    lead = _LEAD.match(folded)
    consonants = lead.group(0) if lead else ""
    if not consonants:
        return list(_letters_folding_to(folded[0]))
    if consonants.startswith("d"):
        return [consonants, "đ" + consonants[1:]]
    return [consonants]


def toned_forms(reader: EngineReader, folded: str) -> list[str]:
    """The index's toned forms of the folded word ``folded``, most frequent first."""
    if not _SYLLABLE.fullmatch(folded):
        return []
    dfs: dict[str, int] = {}
    for field in TONED_FIELDS:
        for prefix in _toned_prefixes(folded):
            for i, (term, df) in enumerate(reader.term_stats(field, prefix)):
                if i >= MAX_CANDIDATES:
                    break
                if len(term) == len(folded) and fold_token(term) == folded:
                    dfs[term] = dfs.get(term, 0) + df
    return sorted(dfs, key=lambda t: (-dfs[t], t))


def _together(reader: EngineReader, first: str, second: str) -> int:
    """How many documents hold ``first second``: as a pyvi compound, else as a phrase."""
    compound = reader.doc_frequency(COMPOUND_FIELD, f"{first}_{second}")
    if compound:
        return compound
    phrase = Phrase(TONED_FIELDS[0], (first, second))
    return reader.search(phrase, Filters(), facets=(), limit=1, fields=()).total


def _forms(reader: EngineReader, word: str, corrections: list[str]) -> list[str]:
    """The forms ``word`` may take in the suggestion: itself when typed with tones (and
    known), else the toned forms of it or of its corrections, the likeliest first."""
    if not corrections and fold_token(word) != word:
        return [word]
    forms: list[str] = []
    for folded in corrections or [word]:
        forms += toned_forms(reader, folded)[:MAX_FORMS] or [folded]
    return forms


def choose_forms(reader: EngineReader, options: list[list[str]]) -> list[str]:
    """One form a word of a run of words side by side (``options``: each word's forms, the
    likeliest first): the choice that maximises how often neighbours occur together in the
    index, then the likeliness of each form (Viterbi)."""
    # For each form of the last word: (documents holding neighbours together, minus the
    # sum of likeliness ranks, the forms chosen so far); the greater the better.
    best = {form: (0, -rank, [form]) for rank, form in enumerate(options[0])}
    for previous, current in zip(options, options[1:]):
        choice = len(previous) * len(current) > 1  # nothing to weigh between single forms
        row = {}
        for rank, form in enumerate(current):
            row[form] = max(
                ((together + (_together(reader, prev, form) if choice else 0), ranks - rank,
                  [*path, form]) for prev, (together, ranks, path) in best.items()),
                key=lambda scored: scored[:2])
        best = row
    return max(best.values(), key=lambda scored: scored[:2])[2]


def _is_plain_word(group: list[Item]) -> bool:
    return len(group) == 1 and group[0].kind == "word" and not group[0].negated


def suggest(pq: ParsedQuery, reader: EngineReader) -> str | None:
    """A corrected query text with its tones, or None when every word is known or nothing
    is close."""
    # Words first, forms after: the toned forms of every untoned word are read from the
    # term index, which is most of a query's time, and only worth it when a word changed.
    words: list[tuple[Item, list[str]] | None] = []  # None: a group that is not a plain word
    changed = False
    for group in pq.groups:
        item = group[0]
        if not _is_plain_word(group):
            words.append(None)
            continue
        folded = fold_token(item.tokens[0])
        corrections = [] if _known(reader, folded) else nearest_terms(reader, folded)[:3]
        changed |= bool(corrections)
        words.append((item, corrections))
    if not changed:
        return None
    parts: list[tuple[bool, list[list[str]]]] = []  # (a run of plain words?, their forms)
    for group, word in zip(pq.groups, words):
        if word is None:
            item = group[0]
            parts.append((False, [[item.raw if item.kind != "phrase" else f'"{item.raw}"']]))
            continue
        if not (parts and parts[-1][0]):
            parts.append((True, []))
        parts[-1][1].append(_forms(reader, word[0].tokens[0], word[1]))
    return " ".join(w for plain, options in parts
                    for w in (choose_forms(reader, options) if plain else options[0]))
