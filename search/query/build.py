"""A parsed query → the engine's query tree: which fields, which weights, which matches
are required.

Up to four words (pyvi words, so ``xây dựng nông thôn mới`` is three) must all match
(ranked by BM25F); a longer query is a sentence: any of its words may match and BM25F
decides the order, so a document that shares a few rare words with the sentence is not
cut off by a count of common ones. A query typed with tone marks matches as typed: its
words' folded forms (``ma`` for ``má``, ``tau`` for ``tàu``) only add to the score of a
document that matched as typed (keyword queries; a sentence ranks on its words as typed),
unless the caller asks for ``folded`` matching (the
fallback when nothing matched as typed). A query typed without tones matches every toned
form. A document number matches whole: the document that *is* that number ranks above
those that *cite* it.
"""

from __future__ import annotations

from dataclasses import replace

from search.engine.base import And, AndMaybe, MatchAll, Not, Or, Phrase, Query, Term
from search.query.parse import Item, ParsedQuery
from search.text.analyze import fold_token
from search.text.normalize import fold
from search.text.words import folded_dictionary, segment

KEYWORD_MAX_WORDS = 4  # pyvi words (not syllables) up to which every word must match

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


# A clause: what must match, and what only adds to the score of a document that matches.
# The scoring parts are gathered into the query's one top-level AndMaybe: Whoosh scores an
# AndMaybe nested inside an And or an Or differently from the sum it is meant to be.
Clause = tuple[Query, tuple[Query, ...]]


def _as_typed(exact: tuple[Query, ...], folded: tuple[Query, ...], *, folded_match: bool) -> Clause:
    """Exact forms required, folded forms (penalised) only scoring; with ``folded_match``
    either may match. A document matching as typed scores the same both ways."""
    penalised = tuple(_penalise(q) for q in folded)
    if folded_match:
        return Or(exact + penalised), ()
    return Or(exact), penalised


def _penalise(q: Query) -> Query:
    if isinstance(q, Term):
        return Term(q.field, q.text, q.boost * FOLDED_PENALTY)
    assert isinstance(q, Phrase)
    return Phrase(q.field, q.words, q.boost * FOLDED_PENALTY)


def _word_clause(token: str, typed: bool, folded_match: bool) -> Clause:
    f = fold_token(token)
    folded = tuple(Term(f"{name}_f", f, WEIGHTS[name]) for name in _WORD_FIELDS)
    if not typed:  # typed without tones: the folded fields are the match
        return Or(folded), ()
    exact = tuple(Term(name, token, WEIGHTS[name]) for name in _WORD_FIELDS)
    return _as_typed(exact, folded, folded_match=folded_match)


def _phrase_clause(tokens: tuple[str, ...], typed: bool, folded_match: bool) -> Clause:
    folded_tokens = tuple(fold_token(t) for t in tokens)
    folded = tuple(Phrase(f"{name}_f", folded_tokens, WEIGHTS[name]) for name in _WORD_FIELDS)
    if not typed:
        return Or(folded), ()
    exact = tuple(Phrase(name, tokens, WEIGHTS[name]) for name in _WORD_FIELDS)
    return _as_typed(exact, folded, folded_match=folded_match)


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
        toned = any(fold_token(w) != w for w in item.words)
        parts.append(_phrase_clause(item.words, toned, True)[0])
    return Or(tuple(parts))


def item_clause(item: Item, *, typed: bool | None = None, folded: bool = True) -> Clause:
    """The clause of one item. ``typed``: match it as typed (default: when it has tones);
    ``folded``: let its folded forms match too, else they only score."""
    if item.title_only:  # tieude:…
        required, extra = item_clause(replace(item, title_only=False), typed=typed,
                                      folded=folded)
        return in_title(required), tuple(in_title(q) for q in extra)
    as_typed = item.toned if typed is None else typed
    if item.kind == "number":
        return _number_clause(item.tokens[0]), ()
    if item.kind == "part":
        return _part_clause(item), ()
    if item.kind == "phrase":
        return _phrase_clause(item.tokens, as_typed, folded)
    return _word_clause(item.tokens[0], as_typed, folded)


def _group_clause(group: list[Item], typed: bool, folded: bool) -> Clause:
    clauses = [item_clause(it, typed=typed, folded=folded) for it in group]
    scoring = tuple(q for _, extra in clauses for q in extra)
    if len(clauses) == 1:
        return clauses[0][0], scoring
    return Or(tuple(required for required, _ in clauses)), scoring


def _excluded(pq: ParsedQuery) -> Query:
    """What an exclusion removes: its words in any tones (``-miền`` removes ``mien`` too)."""
    return Or(tuple(item_clause(it)[0] for it in pq.excluded))


def word_count(pq: ParsedQuery) -> int:
    """How many words the query has: runs of plain syllables count as pyvi segments them
    (``xây dựng nông thôn mới`` is three words), a phrase or a number as one, and an OR
    group as its alternatives (``tảo hôn OR hôn nhân`` binds only ``hôn OR hôn``, so the
    words around it are two ideas, not one more word to require)."""
    count = 0
    run: list[str] = []
    for group in pq.groups:
        if len(group) == 1 and group[0].kind == "word":
            run.append(group[0].tokens[0])
            continue
        count += _segmented(run) + len(group)
        run = []
    return count + _segmented(run)


def _segmented(syllables: list[str]) -> int:
    """How many words pyvi makes of the syllables; typed without tones, how many words of
    its dictionary (longest first) cover them, since pyvi does not join untoned syllables."""
    if not syllables:
        return 0
    if any(fold_token(s) != s for s in syllables):
        return len(segment(" ".join(syllables)))
    known = folded_dictionary()
    count = i = 0
    while i < len(syllables):
        i += next((n for n in (3, 2) if " ".join(syllables[i:i + n]) in known
                   and i + n <= len(syllables)), 1)
        count += 1
    return count


def _boosters(pq: ParsedQuery, keywords: bool) -> list[Query]:
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
    if len(words) >= 2 and keywords:
        out.append(_phrase_clause(tuple(w.tokens[0] for w in words), any(w.toned for w in words),
                                  True)[0])
    if len(words) >= 2 and not keywords:
        # Sentences: adjacent word pairs as phrases reward documents that say the same thing
        # in the same words, not just the same (often common) words anywhere.
        for a, b in zip(words, words[1:]):
            folded_pair = (fold_token(a.tokens[0]), fold_token(b.tokens[0]))
            out.append(Phrase("body_f", folded_pair, WEIGHTS["pairs"]))
    return out


def build_query(pq: ParsedQuery, *, relax: int = 0, folded: bool = False,
                title_only: bool = False) -> Query | None:
    """The engine query for ``pq``; ``relax`` 0 = as designed, 1 = any word may be missing
    (at least one must match); ``folded`` = a query typed with tones may match its words'
    folded forms too (by default they only add to the score); ``title_only``: every clause
    in the title (trích yếu) only. None when the query has no terms at all; only
    exclusions (``-miền``) give every document but those."""
    query = _build_query(pq, relax=relax, folded=folded)
    return in_title(query) if title_only and query is not None else query


def _build_query(pq: ParsedQuery, *, relax: int, folded: bool) -> Query | None:
    if pq.is_empty():
        return Not(MatchAll(), _excluded(pq)) if pq.excluded else None
    typed = pq.toned  # a query with tones: every word as typed (``ban`` is not ``bán``)
    clauses = [_group_clause(g, typed, folded) for g in pq.groups]
    groups = [required for required, _ in clauses]
    keywords = word_count(pq) <= KEYWORD_MAX_WORDS
    if relax or not keywords:
        # A sentence: BM25F ranks every document sharing any of its words; rare words
        # weigh most, so no count of matching words is needed (it cut off answers).
        required: Query = groups[0] if len(groups) == 1 else Or(tuple(groups))
    else:
        required = groups[0] if len(groups) == 1 else And(tuple(groups))
    # The folded forms add to the score of keywords only: in a sentence's OR they would add
    # other words' folded-only matches to any document, and double its terms (measured on
    # the 27k pháp điển articles: sentence nDCG@10 0.646 without, 0.634 with, p95 32 vs 53 ms).
    scoring = [q for _, extra in clauses for q in extra] if keywords and not relax else []
    boosters = scoring + _boosters(pq, keywords)
    query: Query = AndMaybe(required, Or(tuple(boosters))) if boosters else required
    if pq.excluded:
        query = Not(query, _excluded(pq))
    return query


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
