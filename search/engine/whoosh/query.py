"""The engine-neutral query tree (search.engine.base) as Whoosh query objects.

Its own module so that both the Whoosh engine and the numpy evaluator (which falls back
to Whoosh's matchers for a segment without postings arrays) can use it without importing
each other.
"""

from __future__ import annotations

from whoosh import query as wq

from search.engine.base import And, AndMaybe, MatchAll, Not, Or, Phrase, Query, Term

__all__ = ["to_whoosh"]


def to_whoosh(q: Query) -> wq.Query:
    """Translate the engine-neutral tree into Whoosh query objects."""
    if isinstance(q, Term):
        return wq.Term(q.field, q.text, boost=q.boost)
    if isinstance(q, Phrase):
        if len(q.words) == 1:
            return wq.Term(q.field, q.words[0], boost=q.boost)
        return wq.Phrase(q.field, list(q.words), boost=q.boost)
    if isinstance(q, And):
        return wq.And([to_whoosh(c) for c in q.children], boost=q.boost)
    if isinstance(q, Or):
        # Whoosh ignores minmatch; min_match is enforced after matching (see _min_match_docs).
        return wq.Or([to_whoosh(c) for c in q.children], boost=q.boost)
    if isinstance(q, Not):
        return wq.AndNot(to_whoosh(q.positive), to_whoosh(q.negative))
    if isinstance(q, AndMaybe):
        return wq.AndMaybe(to_whoosh(q.required), to_whoosh(q.optional))
    if isinstance(q, MatchAll):
        return wq.Every()
    raise TypeError(f"unsupported query node {type(q).__name__}")
