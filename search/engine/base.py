"""The engine interface: what any index backend must do, in terms of already-normalised tokens.

Parsing, metadata, analysis, query understanding and the web layer talk to this interface
only. An :class:`Engine` is bound to one index location (what ``--index`` names) and owns
its storage and lifecycle: it opens the serving index for reading (:meth:`Engine.open`),
takes the one writer's lock, and changes the index through a :class:`Batch` of adds and
removes that becomes visible all at once when published. How it stores the index (Whoosh
generations in a directory, a networked cluster with no directory at all) is its own
business. :mod:`search.engine.registry` picks the engine an index was built with.

A query reaches the engine as a small tree of :class:`Term`, :class:`Phrase`, :class:`And`,
:class:`Or` and :class:`Not` nodes over *field names* and *normalised tokens*.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, ContextManager, Iterable, Iterator, Sequence, Union

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
        fields: Sequence[str] | None = None,
        text_chars: int | None = None,
    ) -> EngineResult:
        """Ranked hits ``[offset, offset+limit)``, the total, and per-facet counts.

        Each facet is counted as if its own filter were not set (so a user can widen it).
        ``sort`` is ``relevance``, ``newest`` or ``oldest``. ``fields`` names the stored
        fields each hit carries (``None``: all of them). A document's text is by far the
        largest: asked for fields without ``text``, an engine reads no text at all (an
        export of 10,000 rows must not pay for 10,000 texts); with ``text_chars``, a hit's
        ``text`` is only its first ``text_chars`` characters, and an engine reads no more
        of it than it must (passages read a bounded head: :data:`search.highlight.PASSAGE_CHARS`).
        """

    @abstractmethod
    def get(self, doc_id: str, fields: Sequence[str] | None = None,
            text_chars: int | None = None) -> dict[str, Any] | None:
        """Stored data of one document (only ``fields`` when given; the text's first
        ``text_chars`` characters when given, as :meth:`search`), or None."""

    @abstractmethod
    def iter_stored(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Stored data of every live document (only ``fields`` when given)."""

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

    def __enter__(self) -> "EngineReader":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def only(stored: dict[str, Any], fields: Sequence[str] | None,
         text_chars: int | None = None) -> dict[str, Any]:
    """The stored record cut to ``fields`` (all of it for None), its ``text`` to its first
    ``text_chars`` characters (an engine that keeps the text whole cuts it so)."""
    out = stored if fields is None else {k: stored[k] for k in fields if k in stored}
    if text_chars is not None and isinstance(out.get("text"), str):
        out = {**out, "text": out["text"][:max(text_chars, 0)]}
    return out


@dataclass
class Opened:
    """What :meth:`Engine.open` returns: the serving index, opened, and what it is."""

    reader: EngineReader
    generation: str  # an id that changes whenever the served index changes
    manifest: dict[str, Any]  # what the last build/add/remove wrote about the index


class Batch(ABC):
    """A pending change to the index: nothing of it is visible until :meth:`publish`.

    Used as a context manager, a batch that was not published is discarded, whatever
    happened, so a failed build or add leaves the serving index as it was.
    """

    @abstractmethod
    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Add documents, replacing any with the same id; returns how many were added."""

    @abstractmethod
    def remove(self, ids: Iterable[str]) -> list[str]:
        """Delete documents by id, in one change; returns the ids that existed."""

    @abstractmethod
    def reader(self) -> EngineReader:
        """A reader of the pending state (the caller closes it)."""

    @abstractmethod
    def publish(self, manifest: dict[str, Any]) -> str:
        """Make the change visible at once, with ``manifest``; returns the new generation."""

    @abstractmethod
    def discard(self) -> None:
        """Drop the change (safe to call after publish: then it does nothing)."""

    def __enter__(self) -> "Batch":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()


class Engine(ABC):
    """One index location, whatever stores it: its readers, its writer lock, its batches."""

    name: ClassVar[str] = "engine"

    @abstractmethod
    def __init__(self, location: str | os.PathLike[str], **options: Any) -> None:
        """How :mod:`search.engine.registry` builds every engine: the location ``--index``
        names (a directory, a configuration file) and engine-specific options."""

    @property
    @abstractmethod
    def location(self) -> str:
        """What ``--index`` named, for messages (a directory, a cluster's configuration)."""

    @abstractmethod
    def generation(self) -> str | None:
        """The serving generation's id, cheap enough to poll before every search (None if
        there is no index)."""

    @abstractmethod
    def open(self) -> Opened:
        """Open the serving index: IndexMissing or IndexCorrupt, with a hint, if it cannot."""

    @abstractmethod
    def manifest(self) -> dict[str, Any]:
        """The serving index's manifest (IndexMissing if there is none)."""

    @abstractmethod
    def lock(self, command: str) -> ContextManager[None]:
        """The one writer's lock (IndexLocked, naming the holder, if another has it)."""

    @abstractmethod
    def begin(self, *, fresh: bool, writers: int = 1) -> Batch:
        """A batch that replaces the whole index (``fresh``) or changes the serving one.

        ``writers`` is how many processes may write a fresh index in parallel (a hint).
        Call under :meth:`lock`.
        """

    def health(self) -> list[dict[str, Any]] | None:
        """Each shard's state, checked now, for an engine whose index is spread over shards
        (``/healthz`` shows it; a shard with no live copy makes it a 503); None (the
        default) for an engine without shards. One JSON-ready dict per shard:
        ``{"shard": 0, "available": bool, "copies": [{"role": "primary"|"replica",
        "address": "host:port", "alive": bool, "serving": bool, "error": str}]}``
        (:func:`search.engine.xapian.store.shard_health_dicts` makes them from a Xapian
        store's ``health()``)."""
        return None

    @abstractmethod
    def cache_dir(self) -> Path:
        """A local directory for this index's caches (recognised scan pages), kept across
        generations."""
