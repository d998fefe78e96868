"""A parsed query → the engine's query tree: which fields, which weights, which matches
are required.

Two to four words must all match (ranked by BM25F); longer queries need most of their
words (a minimum-should-match rule), so a sentence never comes back empty for one missing
word. A word typed with tone marks matches itself above its folded form (``má`` ranks
documents with ``má`` above those with ``ma``). A document number matches whole: the
document that *is* that number ranks above those that *cite* it.
"""

from __future__ import annotations

import math
from dataclasses import replace

from search.engine.base import And, AndMaybe, MatchAll, Not, Or, Phrase, Query, Term
from search.query.parse import Item, ParsedQuery
from search.text.analyze import fold_token
from search.text.normalize import fold

KEYWORD_MAX_WORDS = 4
MIN_SHOULD_MATCH = 0.6

# Field weights (BM25F via per-field boosts), chosen with `bench/relevance/run --grid`
# (bench/README.md): title 1 + compounds 3 measured best (nDCG@10 0.942 vs 0.930 for the
# first guess title 3 + compounds 1.5); the short title field is already favoured by BM25F's
# length normalisation.
WEIGHTS = {
    "title": 1.0,
    "body": 1.0,
    "notes": 0.5,
    "meta": 1.0,
    "number": 12.0,
    "cites": 2.0,
    "number_parts": 12.0,  # part of a number ("NQ 04", "04/TU"): as for the whole number
    "cite_parts": 2.0,
    "words": 3.0,
    "phrase": 2.0,
    "pairs": 1.0,
}
FOLDED_PENALTY = 0.6  # a match only after folding counts for less, when the query had tones


_WORD_FIELDS = ("title", "body", "notes", "meta")


def _word_clause(token: str, toned: bool) -> Query:
    f = fold_token(token)
    folded = tuple(Term(f"{name}_f", f, WEIGHTS[name]) for name in _WORD_FIELDS)
    if not toned:  # typed without tones: the folded fields are the match
        return Or(folded)
    exact = tuple(Term(name, token, WEIGHTS[name]) for name in _WORD_FIELDS)
    return Or(exact + tuple(Term(t.field, t.text, t.boost * FOLDED_PENALTY) for t in folded))


def _phrase_clause(tokens: tuple[str, ...], toned: bool) -> Query:
    folded = tuple(fold_token(t) for t in tokens)
    parts = [Phrase(f"{name}_f", folded, WEIGHTS[name]) for name in _WORD_FIELDS]
    if toned:
        exact = [Phrase(name, tokens, WEIGHTS[name]) for name in _WORD_FIELDS]
        parts = exact + [Phrase(p.field, p.words, p.boost * FOLDED_PENALTY) for p in parts]
    return Or(tuple(parts))


def _number_clause(token: str) -> Query:
    return Or((Term("number", token, WEIGHTS["number"]), Term("cites", token, WEIGHTS["cites"]),
               Term("title", token, WEIGHTS["title"]), Term("body", token, WEIGHTS["body"]),
               Term("notes", token, WEIGHTS["notes"])))


def _part_clause(item: Item) -> Query:
    """Part of a number: the documents whose own number has it, then those citing such a
    number; a part typed with the type's name also matches those words as a phrase."""
    token = item.tokens[0]
    parts: list[Query] = [Term("number_parts", token, WEIGHTS["number_parts"]),
                          Term("cite_parts", token, WEIGHTS["cite_parts"])]
    if item.words:
        parts.append(_phrase_clause(item.words, any(fold_token(w) != w for w in item.words)))
    return Or(tuple(parts))


def item_clause(item: Item) -> Query:
    if item.title_only:  # tieude:…
        return in_title(item_clause(replace(item, title_only=False)))
    if item.kind == "number":
        return _number_clause(item.tokens[0])
    if item.kind == "part":
        return _part_clause(item)
    if item.kind == "phrase":
        return _phrase_clause(item.tokens, item.toned)
    return _word_clause(item.tokens[0], item.toned)


def _group_clause(group: list[Item]) -> Query:
    clauses = tuple(item_clause(it) for it in group)
    return clauses[0] if len(clauses) == 1 else Or(clauses)


def _boosters(pq: ParsedQuery) -> list[Query]:
    """Optional score boosts: pyvi-style compounds of adjacent words, and the words as a phrase."""
    words = [g[0] for g in pq.groups if len(g) == 1 and g[0].kind == "word"]
    out: list[Query] = []
    for a, b in zip(words, words[1:]):
        pair = f"{a.tokens[0]}_{b.tokens[0]}"
        if a.toned or b.toned:  # as for words: the compound as typed, else its folded form
            out.append(Or((Term("words", pair, WEIGHTS["words"]),
                           Term("words_f", fold(pair), WEIGHTS["words"] * FOLDED_PENALTY))))
        else:
            out.append(Term("words_f", fold(pair), WEIGHTS["words"]))
    if 2 <= len(words) <= KEYWORD_MAX_WORDS:
        out.append(_phrase_clause(tuple(w.tokens[0] for w in words), any(w.toned for w in words)))
    if len(words) > KEYWORD_MAX_WORDS:
        # Sentences: adjacent word pairs as phrases reward documents that say the same thing
        # in the same words, not just the same (often common) words anywhere.
        for a, b in zip(words, words[1:]):
            folded_pair = (fold_token(a.tokens[0]), fold_token(b.tokens[0]))
            out.append(Phrase("body_f", folded_pair, WEIGHTS["pairs"]))
    return out


def build_query(pq: ParsedQuery, *, relax: int = 0, title_only: bool = False) -> Query | None:
    """The engine query for ``pq``; ``relax`` 0 = as designed, 1 = any word may be missing
    (at least one must match); ``title_only``: every clause in the title (trích yếu) only.
    None when the query has no terms at all; only exclusions (``-miền``) give every document
    but those."""
    query = _build_query(pq, relax=relax)
    return in_title(query) if title_only and query is not None else query


def _build_query(pq: ParsedQuery, *, relax: int = 0) -> Query | None:
    if pq.is_empty():
        if pq.excluded:
            return Not(MatchAll(), Or(tuple(item_clause(it) for it in pq.excluded)))
        return None
    groups = [_group_clause(g) for g in pq.groups]
    if relax:
        required: Query = Or(tuple(groups))
    elif len(groups) <= KEYWORD_MAX_WORDS:
        required = groups[0] if len(groups) == 1 else And(tuple(groups))
    else:
        need = max(KEYWORD_MAX_WORDS - 1, math.ceil(MIN_SHOULD_MATCH * len(groups)))
        required = Or(tuple(groups), min_match=min(need, len(groups)))
    boosters = _boosters(pq)
    query: Query = AndMaybe(required, Or(tuple(boosters))) if boosters else required
    if pq.excluded:
        query = Not(query, Or(tuple(item_clause(it) for it in pq.excluded)))
    return query


# -- title only (trích yếu) ------------------------------------------------------------------
TITLE_FIELDS = frozenset({"title", "title_f"})
NOTHING: Query = Or(())  # matches no document


def in_title(q: Query) -> Query:
    """``q`` with only its matches in the title fields: a clause that had none (a part of
    a number: ``NQ 04``) matches nothing, and so does a required clause around it."""
    kept = _in_title(q)
    return kept if kept is not None else NOTHING


def _in_title(q: Query) -> Query | None:
    if isinstance(q, (Term, Phrase)):
        return q if q.field in TITLE_FIELDS else None
    if isinstance(q, Or):
        children = tuple(c for c in map(_in_title, q.children) if c is not None)
        if not children:
            return None
        return Or(children, q.boost, min(q.min_match, len(children)))
    if isinstance(q, And):
        kept = [_in_title(c) for c in q.children]
        return None if any(c is None for c in kept) else And(tuple(c for c in kept if c), q.boost)
    if isinstance(q, Not):
        positive, negative = _in_title(q.positive), _in_title(q.negative)
        if positive is None or negative is None:
            return positive
        return Not(positive, negative)
    if isinstance(q, AndMaybe):
        required, optional = _in_title(q.required), _in_title(q.optional)
        if required is None or optional is None:
            return required
        return AndMaybe(required, optional)
    return q  # MatchAll


def explain(q: Query | None) -> str:
    """A readable rendering of the engine query (``vnsearch search --explain``)."""
    if q is None:
        return "(no terms: all documents)"
    return _explain(q)


def _explain(q: Query) -> str:
    boost = getattr(q, "boost", 1.0)
    suffix = f"^{boost:g}" if boost != 1.0 else ""
    if isinstance(q, Term):
        return f"{q.field}:{q.text}{suffix}"
    if isinstance(q, Phrase):
        return f'{q.field}:"{" ".join(q.words)}"{suffix}'
    if isinstance(q, And):
        return "(" + " AND ".join(_explain(c) for c in q.children) + ")"
    if isinstance(q, Or):
        inner = " OR ".join(_explain(c) for c in q.children)
        return f"({inner}){'{min ' + str(q.min_match) + '}' if q.min_match > 1 else ''}"
    if isinstance(q, Not):
        return f"({_explain(q.positive)} NOT {_explain(q.negative)})"
    if isinstance(q, AndMaybe):
        return f"({_explain(q.required)} ANDMAYBE {_explain(q.optional)})"
    return "*"
