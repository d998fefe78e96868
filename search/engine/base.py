"""The engine interface: what any index backend must do, in terms of already-normalised tokens.

Parsing, metadata, analysis, query understanding and the web layer talk to this interface
only. Whoosh (:mod:`search.engine.whoosh.engine`) is the embedded default; a distributed engine can
implement the same few methods later.

A query reaches the engine as a small tree of :class:`Term`, :class:`Phrase`, :class:`And`,
:class:`Or` and :class:`Not` nodes over *field names* and *normalised tokens*.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, Union

from search import fields

# Defined by the one table of fields (search.fields), which every other surface reads too.
# Text fields every engine indexes (token lists) and what each holds.
TEXT_FIELDS: dict[str, str] = {t.name: t.description for t in fields.TOKEN_FIELDS}
# Faceted fields: exact values, counted per query.
FACET_FIELDS: tuple[str, ...] = fields.facet_names()
# Fields a request may sort on besides relevance.
SORT_FIELDS: tuple[str, ...] = tuple(s.name for s in fields.SORTABLE_FIELDS)


@dataclass(frozen=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class And:
    children: tuple["Query", ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    """Any child matches; ``min_match`` children must match when set (0 = any)."""

    children: tuple["Query", ...]
    boost: float = 1.0
    min_match: int = 0


@dataclass(frozen=True)
class Not:
    """``positive`` AND NOT ``negative``."""

    positive: "Query"
    negative: "Query"


@dataclass(frozen=True)
class AndMaybe:
    """``required`` must match; ``optional`` only adds to the score where it matches."""

    required: "Query"
    optional: "Query"


@dataclass(frozen=True)
class MatchAll:
    boost: float = 1.0


Query = Union[Term, Phrase, And, Or, Not, AndMaybe, MatchAll]


@dataclass
class IndexDoc:
    """One document as the engine receives it: tokens, facet values, stored data."""

    id: str
    fields: dict[str, list[str]]
    facets: dict[str, list[str]]
    sort: dict[str, str]
    stored: dict[str, Any]


@dataclass
class EngineHit:
    id: str
    score: float
    stored: dict[str, Any]


@dataclass
class EngineResult:
    total: int
    hits: list[EngineHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Filters:
    """Facet filters: OR within one facet, AND across facets; year range inclusive."""

    values: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None

    def without(self, facet: str) -> "Filters":
        rest = {k: v for k, v in self.values.items() if k != facet}
        return Filters(rest, self.year_from, self.year_to)

    def is_empty(self) -> bool:
        return not any(self.values.values()) and self.year_from is None and self.year_to is None


class EngineReader(ABC):
    """An open, read-only view of one index generation."""

    @abstractmethod
    def search(
        self,
        query: Query,
        filters: Filters,
        *,
        facets: Sequence[str] = FACET_FIELDS,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
    ) -> EngineResult:
        """Ranked hits ``[offset, offset+limit)``, the total, and per-facet counts.

        Each facet is counted as if its own filter were not set (so a user can widen it).
        ``sort`` is ``relevance``, ``newest`` or ``oldest``.
        """

    @abstractmethod
    def get(self, doc_id: str) -> dict[str, Any] | None:
        """Stored data of one document, or None."""

    @abstractmethod
    def iter_stored(self) -> Iterator[dict[str, Any]]:
        """Stored data of every live document."""

    @abstractmethod
    def doc_count(self) -> int: ...

    @abstractmethod
    def doc_frequency(self, field: str, token: str) -> int:
        """How many documents contain ``token`` in ``field``."""

    @abstractmethod
    def facet_values(self, facet: str) -> list[str]:
        """Every value of a facet present in the index."""

    @abstractmethod
    def term_stats(self, field: str, prefix: str = "") -> Iterator[tuple[str, int]]:
        """(token, document frequency) of a field, optionally from a prefix on."""

    @abstractmethod
    def close(self) -> None: ...


class Engine(ABC):
    """Writes index generations. Directories are managed by :mod:`search.engine.generations`."""

    name: str = "engine"

    @abstractmethod
    def create(self, directory: Path, docs: Iterable[IndexDoc]) -> int:
        """Build a new index in an empty ``directory`` from ``docs``; returns the count."""

    @abstractmethod
    def add(self, directory: Path, docs: Iterable[IndexDoc]) -> int:
        """Add documents, replacing any with the same id."""

    @abstractmethod
    def remove(self, directory: Path, ids: Iterable[str]) -> int:
        """Delete documents by id; returns how many existed."""

    @abstractmethod
    def open(self, directory: Path) -> EngineReader: ...
