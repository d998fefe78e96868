"""The read side: an open index, and the one ``search()`` every front end calls.

``open_index(path)`` follows the ``current`` generation and reopens by itself when a build
or an ``add`` swaps in a new one, so a long-running server never needs a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from search.documents import METADATA_FIELDS
from search.engine.base import FACET_FIELDS, Engine, EngineReader, Filters, MatchAll
from search.errors import BadQuery, DocumentNotFound, IndexCorrupt
from search.indexer import check_format
from search.highlight import HEAD_CHARS, PASSAGE_CHARS, Terms, passages
from search.messages import Message
from search.query.filters import request_filters
from search.query.build import build_query, explain
from search.query.parse import ParsedQuery, describe, parse_query
from search.chain import implementation_chain
from search.related import STATUS_UNKNOWN, related_documents
from search.similar import similar_documents
from search.fields import MAX_FILTER_VALUES, MAX_PAGE, MAX_PER_PAGE, SORTS
from search.results import Hit, SearchRequest, SearchResult
from search.engine.registry import Location, open_engine, resolve_index_path
from search.query.suggest import suggest


class Index:
    """An open index location, whatever engine stores it. Thread-safe for searching."""

    def __init__(self, location: Location) -> None:
        self.engine = open_engine(location)
        self._lock = threading.Lock()
        self._reader: EngineReader | None = None
        self._retired: EngineReader | None = None  # the previous generation's reader
        # Readers someone holds (:meth:`hold`): how many holders each, and the retired ones
        # left open until their last holder lets go.
        self._holds: dict[int, int] = {}
        self._waiting: list[EngineReader] = []
        self.generation: str | None = None
        self.manifest: dict[str, Any] = {}
        self.refresh()

    # -- generations --------------------------------------------------------------------
    def refresh(self) -> bool:
        """Reopen if a new generation was swapped in; True when it changed.

        The reader of the previous generation is closed only at the swap after next, so a
        search that started on it a moment before the swap finishes on it unharmed.
        """
        gen = self.engine.generation()
        if gen is not None and gen == self.generation and self._reader is not None:
            return False
        with self._lock:
            gen = self.engine.generation()
            if gen is not None and gen == self.generation and self._reader is not None:
                return False
            opened = self.engine.open()  # IndexMissing / IndexCorrupt, with a hint
            try:
                check_format(opened.manifest, self.engine.location)
            except IndexCorrupt:
                opened.reader.close()
                raise
            retired, self._retired = self._retired, self._reader
            self._reader = opened.reader
            self.generation = opened.generation
            self.manifest = opened.manifest
            if retired is not None and id(retired) in self._holds:
                self._waiting.append(retired)  # closed when its last holder lets go
                retired = None
        if retired is not None:
            retired.close()
        return True

    def hold(self) -> tuple[EngineReader, Callable[[], None]]:
        """The current generation's reader, and the function that lets it go (once; more
        calls do nothing). Until then it stays open whatever generations are swapped in:
        an export streams its rows from one generation for as long as it takes, where a
        plain search needs its reader only for the moment of one call."""
        self.refresh()
        with self._lock:
            reader = self._reader
            assert reader is not None
            self._holds[id(reader)] = self._holds.get(id(reader), 0) + 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
                left = self._holds.pop(id(reader)) - 1
                if left:
                    self._holds[id(reader)] = left
                last = not left and any(r is reader for r in self._waiting)
                if last:
                    self._waiting = [r for r in self._waiting if r is not reader]
            if last:
                reader.close()
        return reader, release

    @property
    def reader(self) -> EngineReader:
        self.refresh()
        assert self._reader is not None
        return self._reader

    def close(self) -> None:
        for reader in (self._reader, self._retired, *self._waiting):
            if reader is not None:
                reader.close()
        self._reader = self._retired = None
        self._waiting = []

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------
    def get(self, doc_id: str) -> dict[str, Any]:
        stored = self.reader.get(doc_id)
        if stored is None:
            raise DocumentNotFound(Message("document.not_found", {"id": doc_id}))
        return stored

    def related(self, doc_id: str) -> dict[str, Any]:
        """Documents of the corpus this one cites, and those that cite it."""
        return related_documents(self.reader, doc_id, self.get(doc_id))

    def chain(self, number: str) -> dict[str, Any]:
        """The documents of the corpus that respond to ``number``, by province
        (:mod:`search.chain`); BadQuery when ``number`` is no document number."""
        return implementation_chain(self.reader, number)

    def similar(self, doc_id: str) -> dict[str, Any]:
        """Documents of other provinces like this one, by content (:mod:`search.similar`)."""
        return similar_documents(self.reader, doc_id, self.get(doc_id))

    def stats(self) -> dict[str, Any]:
        reader = self.reader
        counts = reader.search(MatchAll(), Filters(), limit=0).facets
        return {
            "index": self.engine.location,
            "generation": self.generation,
            "documents": reader.doc_count(),
            "built_at": self.manifest.get("built_at"),
            "updated_at": self.manifest.get("updated_at"),
            "engine": self.manifest.get("engine"),
            "sources": self.manifest.get("sources", []),
            "facets": counts,
        }

    def search(self, request: SearchRequest, *, rows: int | None = None,
               reader: EngineReader | None = None,
               fields: tuple[str, ...] | None = None) -> SearchResult:
        return search(self, request, rows=rows, reader=reader, fields=fields)


def open_index(location: Location | None = None) -> Index:
    """Open the index at ``location`` (default: ``$VNSEARCH_INDEX`` or ``index/``): a path,
    or an :class:`~search.engine.base.Engine` already bound to one."""
    return Index(location if isinstance(location, Engine) else resolve_index_path(location))


# -- search ---------------------------------------------------------------------------------
def _validate(req: SearchRequest) -> None:
    if req.sort not in SORTS:
        raise BadQuery(Message("request.unknown_sort", {"sort": req.sort, "choices": SORTS}))
    if not 1 <= req.page <= MAX_PAGE:
        raise BadQuery(Message("request.out_of_range", {"name": "page", "min": 1, "max": MAX_PAGE}))
    if not 1 <= req.per_page <= MAX_PER_PAGE:
        raise BadQuery(Message("request.out_of_range",
                               {"name": "per_page", "min": 1, "max": MAX_PER_PAGE}))
    if req.year_from is not None and req.year_to is not None and req.year_from > req.year_to:
        raise BadQuery(Message("request.years_reversed",
                               {"year_from": req.year_from, "year_to": req.year_to}))
    for name, values in req.filters.items():
        given = len(set(values)) if isinstance(values, list) else 1
        if given > MAX_FILTER_VALUES:
            raise BadQuery(Message("request.too_many_values",
                                   {"name": name, "max": MAX_FILTER_VALUES, "given": given}))
    unknown = set(req.filters) - set(FACET_FIELDS)
    if unknown:
        raise BadQuery(Message("request.unknown_filter",
                               {"name": sorted(unknown)[0], "choices": FACET_FIELDS}))


def _browse_message(request: SearchRequest, pq: ParsedQuery, filters: Filters,
                    sort: str) -> Message:
    """What a query without words to search for shows instead."""
    shown = {
        "excluded": bool(pq.excluded),
        "filtered": bool(any(filters.values.values()) or filters.year_from is not None
                         or filters.year_to is not None),
        "order": "oldest" if sort == "oldest" else "newest",
    }
    text = request.q.strip()
    if text and not (pq.excluded or pq.filters or pq.year_from or pq.year_to):
        return Message("search.nothing_to_search", {"text": text[:60], **shown})
    return Message("search.no_words", shown)


def search(index: Index, request: SearchRequest, *, rows: int | None = None,
           reader: EngineReader | None = None,
           fields: tuple[str, ...] | None = None) -> SearchResult:
    """Run ``request`` against ``index``: ranked hits, highlights, facet counts, total.

    One reader serves the whole call, so everything it returns is of one generation
    (``reader``: that one, a generation the caller holds on to). ``rows`` asks for the
    first ``rows`` hits at once instead of the request's page, with no facet counts: an
    export, one evaluation over one generation. ``fields``: the stored fields the hits
    carry instead of what a page shows (``()``: ids and scores only, what an export that
    reads its rows a block at a time needs of the whole result)."""
    start = time.perf_counter()
    _validate(request)
    pq = parse_query(request.q)
    reader = reader if reader is not None else index.reader
    messages = list(pq.messages)
    filters = request_filters(request.filters, request.year_from, request.year_to, pq, reader,
                              messages)
    query = build_query(pq, title_only=request.title_only)
    engine_query = query if query is not None else MatchAll()
    sort = request.sort if not pq.is_empty() or request.sort != "relevance" else "newest"
    if pq.is_empty():
        messages.append(_browse_message(request, pq, filters, sort))
    offset, limit = ((0, rows) if rows is not None
                     else ((request.page - 1) * request.per_page, request.per_page))
    facets = () if rows is not None else FACET_FIELDS
    if fields is None:
        fields = (*HIT_FIELDS, "text") if request.highlight else HIT_FIELDS  # text: passages
    # Passages read a text's head, and only when it holds too few, up to PASSAGE_CHARS
    # (_hit): the engine reads no more of a long text.
    text_chars = HEAD_CHARS if request.highlight else None
    res = reader.search(engine_query, filters, limit=limit, offset=offset, sort=sort,
                        fields=fields, facets=facets, text_chars=text_chars)
    relaxed = untoned = False
    if res.total == 0 and query is not None and pq.toned:
        # Nothing as typed: match without tones (``tàu`` then finds ``tau``), and say so.
        folded_query = build_query(pq, folded=True, title_only=request.title_only)
        assert folded_query is not None
        res = reader.search(folded_query, filters, limit=limit, offset=offset, facets=facets,
                            sort=sort, fields=fields, text_chars=text_chars)
        untoned = True
        if res.total:
            query = folded_query
            messages.append(Message("search.untoned"))
    if res.total == 0 and query is not None and len(pq.groups) > 1:
        relaxed_query = build_query(pq, relax=1, folded=untoned, title_only=request.title_only)
        assert relaxed_query is not None
        res = reader.search(relaxed_query, filters, limit=limit, offset=offset, facets=facets,
                            sort=sort, fields=fields, text_chars=text_chars)
        if res.total:
            relaxed, query = True, relaxed_query
            messages.append(Message("search.relaxed"))
            if untoned:
                messages.append(Message("search.untoned"))
    suggestion = suggest(pq, reader) if not pq.is_empty() else None  # only unknown words change
    exact, folded, phrases = pq.highlight_terms(folded=True if untoned and res.total else None)
    terms = Terms(frozenset(exact), frozenset(folded), tuple(phrases))
    hits = [_hit(h.id, h.score, h.stored, terms if request.highlight else None, reader)
            for h in res.hits]
    return SearchResult(
        total=res.total, hits=hits, facets=res.facets, request=request,
        parsed=f"{describe(pq)} => {explain(query)}", took_ms=(time.perf_counter() - start) * 1000,
        relaxed=relaxed, messages=messages, suggestion=suggestion,
    )


def query_terms(q: str) -> Terms:
    """What the passages of hits for ``q`` mark (an export's passage column)."""
    exact, folded, phrases = parse_query(q).highlight_terms()
    return Terms(frozenset(exact), frozenset(folded), tuple(phrases))


def text_prefix(reader: EngineReader, doc_id: str) -> str:
    """As much of a text as passages ever read (PASSAGE_CHARS): what ``passages(...,
    rest=)`` asks for when a text's head (HEAD_CHARS) holds too few."""
    stored = reader.get(doc_id, fields=("text",), text_chars=PASSAGE_CHARS) or {}
    return str(stored.get("text") or "")


# Stored fields a hit shows (the full text only when passages are highlighted).
HIT_FIELDS = ("meta", "path", "text_source", "status")


def _hit(doc_id: str, score: float, stored: dict[str, Any], terms: Terms | None,
         reader: EngineReader | None = None) -> Hit:
    meta = stored.get("meta", {})
    highlights: list[str] = []
    if terms:
        title = meta.get("title") or ""
        # ``stored`` holds the text's head (HEAD_CHARS); more of it only if passages ask.
        rest = None if reader is None else (lambda: text_prefix(reader, doc_id))
        highlights = (passages(stored.get("text", ""), terms, rest=rest)
                      or passages(title, terms, count=1))
    return Hit(id=doc_id, path=stored.get("path", ""), score=score,
               meta={k: meta.get(k) for k in (*METADATA_FIELDS, "provenance", "warnings")},
               highlights=highlights, text_source=stored.get("text_source") or "text",
               status=stored.get("status") or STATUS_UNKNOWN)
