"""Search requests and results: the one shape the CLI's ``--json``, the JSON API, the HTML
page and exports all use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from search.documents import METADATA_FIELDS
from search.engine.base import FACET_FIELDS
from search.messages import Message


@dataclass
class SearchRequest:
    """What a user asks: the query text, facet filters, year range, paging and sort.

    ``filters`` maps a facet name (``province``, ``province_2025``, ``year``,
    ``doc_type``, ``issuer``) to the values wanted: OR within a facet, AND across facets.
    """

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    highlight: bool = True
    title_only: bool = False  # the whole query in the titles (trích yếu) only


def file_name(path: str) -> str:
    """The last part of a stored path ("corpus.jsonl#L12" for a JSON Lines record); the
    directories above it say where the server keeps its files, which no reader needs."""
    return PurePath(path).name if path else ""


@dataclass
class Hit:
    id: str
    path: str
    score: float
    meta: dict[str, Any]
    highlights: list[str] = field(default_factory=list)
    # "text", or "ocr"/"mixed" when some of the words were recognised from scanned pages
    text_source: str = "text"
    # What the corpus says of the document (search.related: "Chưa rõ" unless it does).
    status: str = "Chưa rõ"

    def to_dict(self) -> dict[str, Any]:
        values = {name: self.meta.get(name) for name in METADATA_FIELDS}
        # The file's name, not its place on the server (nobody's business outside it;
        # `vnsearch show ID` prints the whole path on the machine that holds the index).
        return {"id": self.id, "file": file_name(self.path), "score": round(self.score, 4),
                **values,
                "provenance": self.meta.get("provenance", {}), "highlights": self.highlights,
                "text_source": self.text_source, "status": self.status}


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    request: SearchRequest
    parsed: str = ""
    took_ms: float = 0.0
    suggestion: str | None = None
    relaxed: bool = False
    # What the user should know about how the request was run: codes with parameters,
    # worded by each surface (English: Message.text).
    messages: list[Message] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(1, self.request.per_page)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {f: self.facets.get(f, {}) for f in FACET_FIELDS},
            "page": self.request.page,
            "per_page": self.request.per_page,
            "pages": self.pages,
            "sort": self.request.sort,
            "query": self.request.q,
            "parsed": self.parsed,
            "filters": self.request.filters,
            "year_from": self.request.year_from,
            "year_to": self.request.year_to,
            "title_only": self.request.title_only,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "relaxed": self.relaxed,
            # The English sentences (as promised since the first release), and the same
            # messages as code + params + text for a program or another language.
            "messages": [m.text for m in self.messages],
            "notices": [m.to_dict() for m in self.messages],
        }
