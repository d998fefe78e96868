"""A second engine, in memory, with no directory at all: it proves the boundary.

It implements :mod:`search.engine.base` and nothing else — plain Python over the tokens the
indexer hands it, a simple BM25 for ranking — so that building, searching, facets, the CLI's
data and the web app can run on an engine that is not Whoosh, as a networked cluster would.
Its published indexes live in a process-wide table keyed by the location's name.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from collections import Counter
from pathlib import Path
from typing import Any, ContextManager, Iterable, Iterator, Sequence

from search.engine.base import (
    FACET_FIELDS,
    And,
    AndMaybe,
    Batch,
    Engine,
    EngineHit,
    EngineReader,
    EngineResult,
    Filters,
    IndexDoc,
    MatchAll,
    Not,
    Opened,
    Or,
    Phrase,
    Query,
    Term,
    only,
)
from search.errors import IndexLocked, IndexMissing

PUBLISHED: dict[str, tuple[str, dict[str, IndexDoc], dict[str, Any]]] = {}
_LOCKS: dict[str, threading.Lock] = {}
_GENERATIONS = itertools.count(1)
Scores = dict[str, float]


class MemoryReader(EngineReader):
    def __init__(self, docs: dict[str, IndexDoc]) -> None:
        self.docs = dict(docs)

    # -- matching: every node gives {doc id: score} of the documents it matches ----------
    def _idf(self, field: str, token: str) -> float:
        n = self.doc_frequency(field, token)
        return math.log(1 + (len(self.docs) - n + 0.5) / (n + 0.5))

    def _eval(self, q: Query) -> Scores:
        if isinstance(q, Term):
            idf = self._idf(q.field, q.text)
            return {i: q.boost * idf * (tf * 2.2 / (tf + 1.2))
                    for i, d in self.docs.items()
                    if (tf := d.fields.get(q.field, []).count(q.text))}
        if isinstance(q, Phrase):
            return {i: q.boost * len(q.words) for i, d in self.docs.items()
                    if _has_phrase(d.fields.get(q.field, []), q.words)}
        if isinstance(q, And):
            parts = [self._eval(c) for c in q.children]
            common = set.intersection(*(set(p) for p in parts)) if parts else set()
            return {i: q.boost * sum(p[i] for p in parts) for i in common}
        if isinstance(q, Or):
            parts = [self._eval(c) for c in q.children]
            hits = Counter(i for p in parts for i in p)
            return {i: q.boost * sum(p.get(i, 0.0) for p in parts)
                    for i, n in hits.items() if n >= max(1, q.min_match)}
        if isinstance(q, Not):
            drop = self._eval(q.negative)
            return {i: s for i, s in self._eval(q.positive).items() if i not in drop}
        if isinstance(q, AndMaybe):
            extra = self._eval(q.optional)
            return {i: s + extra.get(i, 0.0) for i, s in self._eval(q.required).items()}
        if isinstance(q, MatchAll):
            return {i: q.boost for i in self.docs}
        raise TypeError(f"unsupported query node {type(q).__name__}")

    def _allowed(self, doc: IndexDoc, filters: Filters, skip: str | None = None) -> bool:
        for facet, values in filters.values.items():
            if facet != skip and values and not set(doc.facets.get(facet, [])) & set(values):
                return False
        if skip != "year" and (filters.year_from is not None or filters.year_to is not None):
            year = (doc.facets.get("year") or [""])[0]
            if not year.isdigit():
                return False
            lo, hi = filters.year_from or 0, filters.year_to or 10_000
            return lo <= int(year) <= hi
        return True

    def search(self, query: Query, filters: Filters, *, facets: Sequence[str] = FACET_FIELDS,
               limit: int = 10, offset: int = 0, sort: str = "relevance",
               fields: Sequence[str] | None = None,
               text_chars: int | None = None) -> EngineResult:
        matched = self._eval(query)
        allowed = {i: s for i, s in matched.items() if self._allowed(self.docs[i], filters)}
        counts = {f: dict(Counter(v for i in matched if self._allowed(self.docs[i], filters, f)
                                  for v in self.docs[i].facets.get(f, []) if v))
                  for f in facets}
        if sort == "relevance":
            order = sorted(allowed, key=lambda i: (-allowed[i], i))
        else:  # undated last either way
            dated = sorted((i for i in allowed if self.docs[i].sort.get("date")),
                           key=lambda i: (self.docs[i].sort["date"], i), reverse=sort == "newest")
            order = dated + sorted(i for i in allowed if not self.docs[i].sort.get("date"))
        hits = [EngineHit(i, allowed[i] if sort == "relevance" else 0.0,
                          only(self.docs[i].stored, fields, text_chars))
                for i in order[offset:offset + limit]]
        return EngineResult(total=len(allowed), hits=hits, facets=counts)

    def get(self, doc_id: str, fields: Sequence[str] | None = None,
            text_chars: int | None = None) -> dict[str, Any] | None:
        doc = self.docs.get(doc_id)
        return None if doc is None else only(doc.stored, fields, text_chars)

    def iter_stored(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        return (only(d.stored, fields) for d in self.docs.values())

    def doc_count(self) -> int:
        return len(self.docs)

    def doc_frequency(self, field: str, token: str) -> int:
        return sum(token in d.fields.get(field, []) for d in self.docs.values())

    def facet_values(self, facet: str) -> list[str]:
        return sorted({v for d in self.docs.values() for v in d.facets.get(facet, []) if v})

    def term_stats(self, field: str, prefix: str = "") -> Iterator[tuple[str, int]]:
        counts = Counter(t for d in self.docs.values() for t in set(d.fields.get(field, []))
                         if t.startswith(prefix))
        return iter(sorted(counts.items()))

    def close(self) -> None:
        pass


def _has_phrase(tokens: list[str], words: tuple[str, ...]) -> bool:
    n = len(words)
    return any(tuple(tokens[i:i + n]) == words for i in range(len(tokens) - n + 1))


class MemoryBatch(Batch):
    def __init__(self, name: str, docs: dict[str, IndexDoc]) -> None:
        self.name = name
        self.docs = dict(docs)
        self.done = False

    def add(self, docs: Iterable[IndexDoc]) -> int:
        count = 0
        for doc in docs:
            self.docs[doc.id] = doc
            count += 1
        return count

    def remove(self, ids: Iterable[str]) -> list[str]:
        return [i for i in dict.fromkeys(ids) if self.docs.pop(i, None) is not None]

    def reader(self) -> MemoryReader:
        return MemoryReader(self.docs)

    def publish(self, manifest: dict[str, Any]) -> str:
        generation = f"mem-{next(_GENERATIONS)}"
        PUBLISHED[self.name] = (generation, self.docs, dict(manifest))
        self.done = True
        return generation

    def discard(self) -> None:
        self.done = True


class MemoryEngine(Engine):
    name = "memory"

    def __init__(self, location: str | Path, cache: Path | None = None) -> None:
        self.key = str(location)
        self._cache = cache or Path("/nonexistent-ocr-cache")

    @property
    def location(self) -> str:
        return f"memory:{self.key}"

    def generation(self) -> str | None:
        published = PUBLISHED.get(self.key)
        return None if published is None else published[0]

    def open(self) -> Opened:
        published = PUBLISHED.get(self.key)
        if published is None:
            raise IndexMissing(f"no index at {self.location}: build one")
        generation, docs, manifest = published
        return Opened(MemoryReader(docs), generation, manifest)

    def manifest(self) -> dict[str, Any]:
        return self.open().manifest

    def lock(self, command: str) -> ContextManager[None]:
        lock = _LOCKS.setdefault(self.key, threading.Lock())
        if not lock.acquire(blocking=False):
            raise IndexLocked(f"index {self.location} is locked")

        @contextlib.contextmanager
        def held() -> Iterator[None]:
            try:
                yield
            finally:
                lock.release()

        return held()

    def begin(self, *, fresh: bool, writers: int = 1) -> MemoryBatch:
        docs = {} if fresh else PUBLISHED[self.key][1]
        return MemoryBatch(self.key, docs)

    def cache_dir(self) -> Path:
        return self._cache
