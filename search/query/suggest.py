""""Did you mean": for a query that found nothing, the nearest indexed words.

Words are compared in their folded form (``giam ngheo``), so a typo and a missing tone
are corrected alike; among close candidates the most frequent wins.
"""

from __future__ import annotations

import difflib

from search.text.analyze import fold_token
from search.engine.base import EngineReader
from search.query.parse import ParsedQuery

SUGGEST_FIELDS = ("body_f", "title_f")
MAX_CANDIDATES = 20_000  # vocabulary scanned per word at most (keeps the zero-hit path bounded)


def _known(reader: EngineReader, folded: str) -> bool:
    return any(reader.doc_frequency(f, folded) for f in SUGGEST_FIELDS)


def nearest_term(reader: EngineReader, folded: str) -> str | None:
    """The most frequent indexed word within a small edit distance of ``folded``."""
    if len(folded) < 2:
        return None
    dfs: dict[str, int] = {}
    for field in SUGGEST_FIELDS:
        for i, (term, df) in enumerate(reader.term_stats(field, folded[0])):
            if i >= MAX_CANDIDATES:
                break
            if abs(len(term) - len(folded)) <= 2 and "/" not in term:
                dfs[term] = dfs.get(term, 0) + df
    close = difflib.get_close_matches(folded, list(dfs), n=5, cutoff=0.7)
    return max(close, key=lambda t: (dfs[t], -close.index(t))) if close else None


def suggest(pq: ParsedQuery, reader: EngineReader) -> str | None:
    """A corrected query text, or None when every word is known or nothing is close."""
    words: list[str] = []
    changed = False
    for group in pq.groups:
        item = group[0]
        if len(group) > 1 or item.kind != "word":
            words.append(item.raw if item.kind != "phrase" else f'"{item.raw}"')
            continue
        folded = fold_token(item.tokens[0])
        if _known(reader, folded):
            words.append(item.tokens[0])
            continue
        better = nearest_term(reader, folded)
        changed |= better is not None
        words.append(better or item.tokens[0])
    return " ".join(words) if changed else None
