"""Query evaluation in numpy over the postings sidecar (:mod:`search.engine.whoosh.postings`).

Same answers as Whoosh's own matchers, measured in ``tests/test_equivalence.py``: BM25F
with Whoosh's formula (``idf · tf·(K1+1) / (tf + K1·((1−B) + B·len/avglen))``), its idf and
average lengths from the live searcher, its quantised field lengths, boosts multiplied in
the same places, sums for And/Or/AndMaybe, the positive side's score for Not.

A phrase is first narrowed to the documents that have all its words (and, inside an
AndMaybe, to those the required part matched); its positions are then intersected from
the sidecar's position arrays. A segment without a sidecar, or a field without positions,
falls back to Whoosh's own APIs: its postings for terms and field lengths, its phrase
matcher for phrases.

Every node evaluates to a boolean mask and a float64 score over all documents of the index
(segments concatenated at their offsets); deleted documents are masked out at the end.

Asked for the ``top`` best of the ``allowed`` documents only (a page of results), the
optional part of a top-level AndMaybe (the scoring boosters: a sentence's word pairs as
phrases) is first bounded without reading positions: a phrase scores at most the sum of its
words' scores wherever all its words occur. A document whose required score plus that
bound stays under the ``top``-th best required score cannot reach the page (boosters only
add), so phrases are checked only on the others. When that leaves many, the ``2 × top``
with the highest bounds are scored exactly first: the ``top``-th best of those exact scores
raises the bar (the page's last document scores at least that). The mask (totals, facets)
and the scores of every document that can reach the page are exact; the others' scores may
lack a phrase.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from search.engine.base import And, AndMaybe, MatchAll, Not, Or, Phrase, Query, Term
from search.engine.whoosh.postings import SegmentPostings, has_sidecar, segment_id_of
from search.engine.whoosh.query import to_whoosh

K1 = 1.2
B = 0.75

Result = tuple[np.ndarray, np.ndarray]  # (mask bool[n], score float64[n])


class _Segment:
    def __init__(self, leaf: Any, offset: int, postings: SegmentPostings | None) -> None:
        self.leaf = leaf  # Whoosh leaf searcher (for phrases and the fallback)
        self.reader = leaf.reader()
        self.offset = offset
        self.n = self.reader.doc_count_all()
        self.postings = postings
        self._lengths: dict[str, np.ndarray] = {}

    def term(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(local docs, tf) of a term: from the sidecar, else through Whoosh's API."""
        if self.postings is not None:
            got = self.postings.get(field, term)
            if got is not None:
                return got
        if (field, term) not in self.reader:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        m = self.reader.postings(field, term)
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, np.int32), np.array(weights, np.float32)

    def lengths(self, field: str) -> np.ndarray:
        if self.postings is not None and field in self.postings.lengths:
            return self.postings.lengths[field]
        if field not in self._lengths:
            self._lengths[field] = np.array(
                [self.reader.doc_field_length(d, field) or 0 for d in range(self.n)], np.float32)
        return self._lengths[field]


class Evaluator:
    """Evaluates engine query trees against one open Whoosh searcher."""

    def __init__(self, searcher: Any, directory: Path) -> None:
        self.searcher = searcher
        self.n = searcher.doc_count_all()
        self.segments: list[_Segment] = []
        for leaf, offset in searcher.leaf_searchers():
            seg_id = segment_id_of(leaf.reader())
            post = (SegmentPostings(directory, seg_id)
                    if seg_id is not None and has_sidecar(directory, seg_id) else None)
            self.segments.append(_Segment(leaf, offset, post))
        self.live = np.zeros(self.n, dtype=bool)
        self.live[list(searcher.reader().all_doc_ids())] = True
        self._avgfl: dict[str, float] = {}

    @property
    def complete(self) -> bool:
        """True when every segment has its sidecar (no slow fallback)."""
        return all(s.postings is not None for s in self.segments)

    def evaluate(self, q: Query, *, top: int | None = None,
                 allowed: np.ndarray | None = None) -> Result:
        """(mask, score) of ``q``; with ``top`` and ``allowed`` (the documents that may be
        ranked, filters applied), scores are exact only where they can reach the ``top``
        best of ``allowed`` (module docstring)."""
        self._memo: dict[tuple[str, str], list[tuple[np.ndarray, np.ndarray]]] = {}
        self._occ: dict[tuple[int, str, str, int], tuple[Any, np.ndarray | None]] = {}
        self._within: np.ndarray | None = None
        self._bound = False
        try:
            if top is not None and allowed is not None and isinstance(q, AndMaybe):
                mask, score = self._and_maybe(q, self._page_bound(q, top, allowed & self.live))
            else:
                mask, score = self._eval(q)
        finally:
            self._memo = {}
            self._occ = {}
        return mask & self.live, score

    def _page_bound(self, q: AndMaybe, top: int, allowed: np.ndarray) -> tuple[Result, np.ndarray]:
        """The required part's result, and the documents whose optional part is worth
        evaluating exactly (all that matched it, when too few to prune)."""
        req_mask, req_score = self._eval(q.required)
        ranked = req_score[req_mask & allowed]
        if len(ranked) <= top or top <= 0:
            return (req_mask, req_score), req_mask
        theta = np.partition(ranked, len(ranked) - top)[len(ranked) - top]
        outer, self._within, self._bound = self._within, req_mask, True
        try:
            _mask, bound = self._eval(q.optional)
        finally:
            self._within, self._bound = outer, False
        upper = req_score + bound
        reach = req_mask & allowed & _at_least(upper, theta)
        if int(reach.sum()) > 4 * top:
            # Raise the bar: score the 2 × top likeliest exactly; the top-th best of them is
            # a score the page's last document reaches at least.
            docs = np.flatnonzero(reach)
            likeliest = docs[np.argpartition(upper[docs], -2 * top)[-2 * top:]]
            batch = np.zeros(self.n, dtype=bool)
            batch[likeliest] = True
            outer, self._within = self._within, batch
            try:
                _mask, opt = self._eval(q.optional)
            finally:
                self._within = outer
            exact = (req_score + opt)[likeliest]
            reach &= _at_least(upper, np.partition(exact, len(exact) - top)[len(exact) - top])
        return (req_mask, req_score), reach

    # -- nodes --------------------------------------------------------------------------
    def _eval(self, q: Query) -> Result:
        if isinstance(q, Term):
            return self._term(q)
        if isinstance(q, Phrase):
            return self._phrase(q)
        if isinstance(q, And):
            return self._and(q)
        if isinstance(q, Or):
            return self._or(q)
        if isinstance(q, Not):
            if getattr(self, "_bound", False):  # an upper bound: the exclusion may not apply
                return self._eval(q.positive)
            pos_mask, pos_score = self._eval(q.positive)
            neg_mask, _ = self._eval(q.negative)
            mask = pos_mask & ~neg_mask
            return mask, np.where(mask, pos_score, 0.0)
        if isinstance(q, AndMaybe):
            return self._and_maybe(q, None)
        if isinstance(q, MatchAll):
            return self.live.copy(), np.zeros(self.n)
        raise TypeError(f"unsupported query node {type(q).__name__}")

    def _and_maybe(self, q: AndMaybe, bounded: tuple[Result, np.ndarray] | None) -> Result:
        """``bounded``: the required part already evaluated, and where the optional part's
        phrases are worth checking (:meth:`_page_bound`)."""
        if bounded is None:
            req_mask, req_score = self._eval(q.required)
            within = req_mask
        else:
            (req_mask, req_score), within = bounded
        # The optional part only scores where the required part matched: phrases in it
        # are checked on those documents alone (same result, far fewer positions).
        outer, self._within = self._within, within
        try:
            _opt_mask, opt_score = self._eval(q.optional)
        finally:
            self._within = outer
        return req_mask, np.where(req_mask, req_score + opt_score, 0.0)

    def _empty(self) -> Result:
        return np.zeros(self.n, dtype=bool), np.zeros(self.n)

    def _avg(self, field: str) -> float:
        if field not in self._avgfl:
            self._avgfl[field] = self.searcher.avg_field_length(field) or 1
        return self._avgfl[field]

    def _term_sparse(self, q: Term) -> list[tuple[np.ndarray, np.ndarray]]:
        """(global docs, scores) per segment where the term occurs: no dense arrays, since
        a sentence query has hundreds of terms. Unboosted results are memoised for the
        query (phrases and boosters ask for the same words again)."""
        key = (q.field, q.text)
        memo = getattr(self, "_memo", None)
        if memo is None or key not in memo:
            found = self._score_term(q.field, q.text)
            if memo is not None:
                memo[key] = found
        else:
            found = memo[key]
        if q.boost == 1.0:
            return found
        return [(docs, s * q.boost) for docs, s in found]

    def _score_term(self, field: str, text: str) -> list[tuple[np.ndarray, np.ndarray]]:
        q = Term(field, text)
        out = []
        idf = None
        for seg in self.segments:
            docs, tfs = seg.term(q.field, q.text)
            if not len(docs):
                continue
            if idf is None:
                idf = self.searcher.idf(q.field, q.text)
            tf = np.asarray(tfs, dtype=np.float64)
            fl = seg.lengths(q.field)[docs].astype(np.float64)
            s = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / self._avg(q.field))))
            out.append((np.asarray(docs, dtype=np.int64) + seg.offset, s))
        return out

    def _term(self, q: Term) -> Result:
        mask, score = self._empty()
        for docs, s in self._term_sparse(q):
            mask[docs] = True
            score[docs] = s
        return mask, score

    def _accumulate(self, children: tuple[Query, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(how many children match, summed score) per document."""
        count = np.zeros(self.n, dtype=np.int32)
        score = np.zeros(self.n)
        sparse: list[tuple[np.ndarray, np.ndarray]] = []
        dense_seen = False
        for child in children:
            if isinstance(child, Term) and not dense_seen:
                sparse.extend(self._term_sparse(child))  # added up in one go below
            elif isinstance(child, Term):
                for docs, s in self._term_sparse(child):
                    count[docs] += 1
                    score[docs] += s
            else:
                dense_seen = True
                _add_sparse(count, score, sparse)
                sparse = []
                m, s = self._eval(child)
                count += m
                score += s  # zero wherever the child does not match
        _add_sparse(count, score, sparse)
        return count, score

    def _and(self, q: And) -> Result:
        if not q.children:
            return self._empty()
        if len(q.children) == 1:  # Whoosh ignores a one-child compound's own boost
            return self._eval(q.children[0])
        count, total = self._accumulate(q.children)
        mask = count == len(q.children)
        score = np.where(mask, total, 0.0)
        return mask, score * q.boost if q.boost != 1.0 else score

    def _or(self, q: Or) -> Result:
        if not q.children:
            return self._empty()
        if len(q.children) == 1:
            return self._eval(q.children[0])
        count, total = self._accumulate(q.children)
        mask = count >= max(1, q.min_match)
        score = np.where(mask, total, 0.0)
        return mask, score * q.boost if q.boost != 1.0 else score

    def _phrase(self, q: Phrase) -> Result:
        """Documents with the words at consecutive positions; Whoosh scores a phrase as the
        sum of its words' scores (its SpanNear2 over an intersection), times the boost."""
        if len(q.words) == 1:
            return self._term(Term(q.field, q.words[0], q.boost))
        count, total = self._accumulate(tuple(Term(q.field, w) for w in q.words))
        cand = count == len(q.words)
        within = getattr(self, "_within", None)
        if within is not None:
            cand &= within
        if getattr(self, "_bound", False):  # an upper bound: every candidate may match
            score = np.where(cand, total, 0.0)
            return cand, score * q.boost if q.boost != 1.0 else score
        mask = np.zeros(self.n, dtype=bool)
        for seg in self.segments:
            local = cand[seg.offset : seg.offset + seg.n]
            if not local.any():
                continue
            found = self._phrase_in_segment(seg, q, local)
            mask[found + seg.offset] = True
        score = np.where(mask, total, 0.0)
        return mask, score * q.boost if q.boost != 1.0 else score

    def _phrase_in_segment(self, seg: _Segment, q: Phrase, wanted: np.ndarray) -> np.ndarray:
        """Local doc numbers of ``seg`` where the phrase occurs (positions from the sidecar,
        else Whoosh's own span matcher).

        Each word gives keys ``doc << 32 | position`` (sorted and unique: postings ascend by
        document, positions within one); moved forward by its distance to the phrase's last
        word (an addition never carries into the document bits, a subtraction could borrow),
        the phrase ends where a key is in every word's set. Starting from the rarest word
        keeps it cheap, and each word's keys are made once per query (a sentence's adjacent
        pairs share their words).
        """
        if seg.postings is None:
            return self._phrase_by_whoosh(seg, q, wanted)
        last = len(q.words) - 1
        per_word = []
        for j, word in enumerate(q.words):
            keys = self._word_keys(seg, q.field, word)
            if keys is None:
                return self._phrase_by_whoosh(seg, q, wanted)
            per_word.append(keys + (last - j) if j < last else keys)
        per_word.sort(key=len)
        keys = per_word[0]
        for other in per_word[1:]:
            if not len(keys) or not len(other):
                return np.zeros(0, np.int64)
            keys = _intersect_sorted(keys, other)
        docs = keys >> 32  # sorted
        if len(docs):
            docs = docs[np.concatenate(([True], docs[1:] != docs[:-1]))]
        return docs[wanted[docs]]

    def _word_keys(self, seg: _Segment, field: str, word: str) -> np.ndarray | None:
        """``doc << 32 | position`` of every occurrence of ``word`` in the documents the
        phrase may match (all, or the required part's, see AndMaybe); None without positions."""
        within = getattr(self, "_within", None)
        key = (seg.offset, field, word, id(within))
        occ_memo = getattr(self, "_occ", None)
        if occ_memo is not None and key in occ_memo and occ_memo[key][0] is within:
            return occ_memo[key][1]
        local = (within[seg.offset : seg.offset + seg.n] if within is not None
                 else np.ones(seg.n, dtype=bool))
        assert seg.postings is not None
        keys = seg.postings.occurrence_keys(field, word, local)
        if occ_memo is not None:
            occ_memo[key] = (within, keys)  # the mask is kept: its id names it only while alive
        return keys

    def _phrase_by_whoosh(self, seg: _Segment, q: Phrase, wanted: np.ndarray) -> np.ndarray:
        m = to_whoosh(q).matcher(seg.leaf, seg.leaf.context())
        found = []
        for doc in np.flatnonzero(wanted).tolist():
            if not m.is_active():
                break
            m.skip_to(doc)
            if m.is_active() and m.id() == doc:
                found.append(doc)
        return np.array(found, dtype=np.int64)


def _at_least(upper: np.ndarray, bar: float) -> np.ndarray:
    """Where an upper bound reaches ``bar``, with a hair to spare: the bound and the exact
    score add the same floats in the same order, but a candidate too many costs nothing
    and one too few a wrong page."""
    return upper >= bar - 1e-9 * abs(bar)


def _intersect_sorted(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """The values of ``small`` that are in ``large``; both sorted and unique."""
    # Lopsided (measured crossover on 50k documents): binary search the few in the many.
    if len(large) > 64 * len(small):
        idx = np.searchsorted(large, small)
        idx[idx == len(large)] = 0
        return small[large[idx] == small]
    # Similar sizes: a stable sort of the two sorted runs is a linear merge; a value in
    # both ends up twice in a row.
    both = np.concatenate((small, large))
    both.sort(kind="stable")
    return both[:-1][both[1:] == both[:-1]]


def _add_sparse(count: np.ndarray, score: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Add terms' (docs, scores) into ``count`` and ``score``, which are still all zero.

    One ``bincount`` over all of them instead of a scattered add per term: several times
    faster for the hundreds of terms of a sentence query. It sums each document's scores
    in the order the terms come, from zero, as the scattered adds would: the same floats.
    """
    if not parts:
        return
    if len(parts) == 1:
        docs, s = parts[0]
        count[docs] += 1
        score[docs] += s
        return
    docs = np.concatenate([d for d, _ in parts])
    count += np.bincount(docs, minlength=len(count)).astype(np.int32)
    score += np.bincount(docs, weights=np.concatenate([s for _, s in parts]), minlength=len(score))
