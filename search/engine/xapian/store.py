"""Where a Xapian index lives, behind one small contract the Xapian engine is written against.

The engine (:mod:`search.engine.xapian.engine`) turns :class:`~search.engine.base.IndexDoc`
into Xapian documents and engine queries into Xapian queries; a :class:`Store` only hands it
databases. Two stores implement the contract:

- ``LocalStore`` (:mod:`search.engine.xapian.local`): one directory of generations on this
  machine, each a Xapian database (for a single machine, and for tests without servers);
- ``ClusterStore`` (:mod:`search.engine.xapian.cluster`): shards served by ``xapian-tcpsrv``,
  each with a writable primary and replicas, read through Xapian's remote backend with
  failover, described by a cluster configuration file (what ``--index`` names).

Documents are routed to shards by id (:func:`shard_of`), so an add, a replace and a remove of
the same id always reach the same shard. The unique id term of a document is ``ID_PREFIX + id``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager, Protocol, TypeVar

import xapian

T = TypeVar("T")

# The boolean term that identifies a document (Xapian's convention: "Q" + unique id).
ID_PREFIX = "Q"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard a document id is written to: stable across processes and Python versions
    (``hash()`` is salted per process, so it cannot be used)."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards if shards > 1 else 0


@dataclass(frozen=True)
class CopyHealth:
    """One copy of a shard (its primary or a replica) as a health check saw it."""

    role: str  # "primary" | "replica"
    address: str  # "127.0.0.1:33001", or a path for a local store
    alive: bool
    serving: bool  # the copy queries go to now
    error: str = ""


@dataclass(frozen=True)
class ShardHealth:
    shard: int
    copies: tuple[CopyHealth, ...]

    @property
    def available(self) -> bool:
        return any(c.alive for c in self.copies)


def shard_health_dicts(shards: list[ShardHealth]) -> list[dict[str, Any]]:
    """Health as JSON-ready dicts: what ``Engine.health`` returns and ``/healthz`` shows."""
    return [{"shard": s.shard, "available": s.available,
             "copies": [{"role": c.role, "address": c.address, "alive": c.alive,
                         "serving": c.serving, "error": c.error} for c in s.copies]}
            for s in shards]


class StoreBatch(Protocol):
    """A pending change: nothing of it is visible to readers until :meth:`publish`."""

    def writer_for(self, doc_id: str) -> "xapian.WritableDatabase":
        """The writable database of the shard ``doc_id`` routes to."""

    def writers(self) -> list["xapian.WritableDatabase"]:
        """Every shard's writable database, in shard order."""

    def reader(self) -> "xapian.Database":
        """The pending state over every shard (after the writers' changes are flushed)."""

    def publish(self, manifest: dict[str, Any]) -> str:
        """Commit every shard and make the change visible at once; the new generation id."""

    def discard(self) -> None:
        """Drop the change (does nothing after publish)."""


class Store(Protocol):
    """Gives the Xapian engine its databases; owns where they are and how they fail over."""

    @property
    def location(self) -> str:
        """What ``--index`` named, for messages."""

    def generation(self) -> str | None:
        """The serving generation's id, cheap to poll (None: no index yet)."""

    def manifest(self) -> dict[str, Any]:
        """The serving generation's manifest (IndexMissing if there is none)."""

    def run(self, fn: Callable[["xapian.Database"], T]) -> T:
        """``fn`` called with one database over every shard of the serving generation.

        On a copy that stopped answering (``xapian.NetworkError`` and the like) the store
        marks it dead, switches that shard to a live copy and calls ``fn`` once more, so a
        query keeps complete results; with no live copy of a shard it raises
        :class:`~search.errors.IndexUnavailable` naming the shard.
        """

    def lock(self, command: str) -> ContextManager[None]:
        """The one writer's lock (IndexLocked naming the holder)."""

    def begin(self, *, fresh: bool) -> StoreBatch:
        """A batch that replaces the whole index (``fresh``) or changes the serving one."""

    def health(self) -> list[ShardHealth]:
        """Each shard's copies, checked now (what ``/healthz`` and ``cluster status`` show)."""

    def cache_dir(self) -> Path:
        """A local directory for caches kept across generations (recognised scan pages)."""
