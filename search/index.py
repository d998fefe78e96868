"""The read side: an open index, and the one ``search()`` every front end calls.

``open_index(path)`` follows the ``current`` generation and reopens by itself when a build
or an ``add`` swaps in a new one, so a long-running server never needs a restart.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from search.documents import METADATA_FIELDS
from search.text.analyze import normalize_number
from search.text.numbers import links_across_provinces
from search.engine.base import FACET_FIELDS, Engine, EngineReader, Filters, MatchAll, Term
from search.errors import BadQuery, DocumentNotFound
from search.highlight import Terms, passages
from search.messages import Message
from search.text.normalize import fold
from search.ingest.provinces import canonical_province, canonical_province_2025
from search.query.parse import ParsedQuery, build_query, describe, explain, parse_query
from search.results import MAX_PAGE, MAX_PER_PAGE, SORTS, Hit, SearchRequest, SearchResult
from search.engine.registry import Location, open_engine, resolve_index_path
from search.query.suggest import suggest


class Index:
    """An open index location, whatever engine stores it. Thread-safe for searching."""

    def __init__(self, location: Location) -> None:
        self.engine = open_engine(location)
        self._lock = threading.Lock()
        self._reader: EngineReader | None = None
        self._retired: EngineReader | None = None  # the previous generation's reader
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
            retired, self._retired = self._retired, self._reader
            self._reader = opened.reader
            self.generation = opened.generation
            self.manifest = opened.manifest
        if retired is not None:
            retired.close()
        return True

    @property
    def reader(self) -> EngineReader:
        self.refresh()
        assert self._reader is not None
        return self._reader

    def close(self) -> None:
        for reader in (self._reader, self._retired):
            if reader is not None:
                reader.close()
        self._reader = self._retired = None

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------
    def get(self, doc_id: str) -> dict[str, Any]:
        stored = self.reader.get(doc_id)
        if stored is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}")
        return stored

    def related(self, doc_id: str) -> dict[str, Any]:
        """Documents of the corpus this one cites, and those that cite it.

        Party numbers restart per committee and term (``04-NQ/TU`` exists in every
        province), so a provincial number links only to a document of the same province;
        central (``/TW``) and state numbers link anywhere.
        """
        meta = self.get(doc_id).get("meta", {})
        province = meta.get("province")
        cites = [{"number": num, "documents": self._documents_numbered(num, province, doc_id)}
                 for num in meta.get("cites") or []]
        cited_by: list[dict[str, Any]] = []
        if meta.get("number"):
            res = self.reader.search(Term("cites", normalize_number(meta["number"])), Filters(),
                                     facets=(), limit=200, fields=("meta",))
            cited_by = [_brief(h.id, h.stored) for h in res.hits
                        if h.id != doc_id and _same_scope(meta["number"], province, h.stored)]
        return {"cites": cites, "cited_by": cited_by}

    def _documents_numbered(self, number: str, province: str | None,
                            exclude: str) -> list[dict[str, Any]]:
        res = self.reader.search(Term("number", normalize_number(number)), Filters(), facets=(),
                                 limit=20, fields=("meta",))
        return [_brief(h.id, h.stored) for h in res.hits
                if h.id != exclude and _same_scope(number, province, h.stored)]

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

    def search(self, request: SearchRequest) -> SearchResult:
        return search(self, request)


def open_index(location: Location | None = None) -> Index:
    """Open the index at ``location`` (default: ``$VNSEARCH_INDEX`` or ``index/``): a path,
    or an :class:`~search.engine.base.Engine` already bound to one."""
    return Index(location if isinstance(location, Engine) else resolve_index_path(location))


def _same_scope(number: str, province: str | None, stored: dict[str, Any]) -> bool:
    """Whether a citation of ``number`` from a document of ``province`` can mean ``stored``."""
    if links_across_provinces(number):
        return True  # state numbers and central Party numbers (…/TW, …/BTCTW) are unique enough
    other = stored.get("meta", {}).get("province")
    return province is not None and other == province


def _brief(doc_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    meta = stored.get("meta", {})
    return {"id": doc_id, "number": meta.get("number"), "doc_type": meta.get("doc_type"),
            "date": meta.get("date"), "province": meta.get("province"), "title": meta.get("title")}


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
    unknown = set(req.filters) - set(FACET_FIELDS)
    if unknown:
        raise BadQuery(Message("request.unknown_filter",
                               {"name": sorted(unknown)[0], "choices": FACET_FIELDS}))


def _canonical_filter_value(facet: str, value: str, labels: list[str]) -> str:
    """Map a typed value ("kon tum", "ket luan", "Huế") to the index's own label."""
    if value in labels:
        return value
    wanted = fold(value)
    for label in labels:
        if fold(label) == wanted:
            return label
    # Province aliases: "Đăk Lăk", "TP HCM", "Thừa Thiên - Huế"; names after the 2025
    # merger are labels too (documents issued since then carry them).
    candidates = []
    if facet in ("province", "province_2025"):
        candidates = [canonical_province_2025(value), canonical_province(value)]
        if facet == "province":
            candidates.reverse()
    return next((c for c in candidates if c and c in labels), value)


def _filters(req: SearchRequest, pq: ParsedQuery, reader: EngineReader,
             messages: list[Message] | None = None) -> Filters:
    """The filters of the request and of the query text, as the index's own labels; a value
    no document has is kept (it matches nothing) and named in ``messages``."""
    merged: dict[str, list[str]] = {}
    for source in (req.filters, pq.filters):
        for facet, values in source.items():
            for v in values if isinstance(values, list) else [values]:
                if v:
                    merged.setdefault(facet, []).append(str(v))
    out: dict[str, list[str]] = {}
    for facet, values in merged.items():
        labels = reader.facet_values(facet)
        out[facet] = sorted({_canonical_filter_value(facet, v, labels) for v in values})
        unknown = [v for v in out[facet] if v not in labels]
        if unknown and messages is not None:
            messages.append(Message("filter.no_match", {
                "facet": facet, "values": [v[:60] for v in unknown[:3]],
                "more": max(0, len(unknown) - 3)}))
    year_from = req.year_from if req.year_from is not None else pq.year_from
    year_to = req.year_to if req.year_to is not None else pq.year_to
    return Filters(out, year_from, year_to)


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


def search(index: Index, request: SearchRequest) -> SearchResult:
    """Run ``request`` against ``index``: ranked hits, highlights, facet counts, total."""
    start = time.perf_counter()
    _validate(request)
    pq = parse_query(request.q)
    reader = index.reader
    messages = list(pq.messages)
    filters = _filters(request, pq, reader, messages)
    query = build_query(pq)
    engine_query = query if query is not None else MatchAll()
    sort = request.sort if not pq.is_empty() or request.sort != "relevance" else "newest"
    if pq.is_empty():
        messages.append(_browse_message(request, pq, filters, sort))
    offset = (request.page - 1) * request.per_page
    fields = (*HIT_FIELDS, "text") if request.highlight else HIT_FIELDS  # text: for passages
    res = reader.search(engine_query, filters, limit=request.per_page, offset=offset, sort=sort,
                        fields=fields)
    relaxed = False
    if res.total == 0 and query is not None and len(pq.groups) > 1:
        relaxed_query = build_query(pq, relax=1)
        assert relaxed_query is not None
        res = reader.search(relaxed_query, filters, limit=request.per_page, offset=offset,
                            sort=sort, fields=fields)
        if res.total:
            relaxed, query = True, relaxed_query
            messages.append(Message("search.relaxed"))
    suggestion = suggest(pq, reader) if not pq.is_empty() else None  # only unknown words change
    exact, folded, phrases = pq.highlight_terms()
    terms = Terms(frozenset(exact), frozenset(folded), tuple(phrases))
    hits = [_hit(h.id, h.score, h.stored, terms if request.highlight else None) for h in res.hits]
    return SearchResult(
        total=res.total, hits=hits, facets=res.facets, request=request,
        parsed=f"{describe(pq)} => {explain(query)}", took_ms=(time.perf_counter() - start) * 1000,
        relaxed=relaxed, messages=messages, suggestion=suggestion,
    )


# Stored fields a hit shows (the full text only when passages are highlighted).
HIT_FIELDS = ("meta", "path", "text_source")


def _hit(doc_id: str, score: float, stored: dict[str, Any], terms: Terms | None) -> Hit:
    meta = stored.get("meta", {})
    highlights: list[str] = []
    if terms:
        title = meta.get("title") or ""
        highlights = passages(stored.get("text", ""), terms) or passages(title, terms, count=1)
    return Hit(id=doc_id, path=stored.get("path", ""), score=score,
               meta={k: meta.get(k) for k in (*METADATA_FIELDS, "provenance", "warnings")},
               highlights=highlights, text_source=stored.get("text_source") or "text")
