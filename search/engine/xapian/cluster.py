"""A Xapian index spread over shards served by ``xapian-tcpsrv``, with replicas and failover.

The cluster is described by one small JSON file (what ``--index`` names)::

    {"engine": "xapian",
     "shards": [{"primary": "10.0.0.1:33000", "replicas": ["10.0.0.2:33000"]}, …],
     "serving": {"slot": "a", "generation": "20261204T080000-123456-a"},
     "timeout_ms": 10000, "connect_timeout_ms": 2000, "write_timeout_ms": 600000,
     "local": {…}}                      (only for a test cluster `vnsearch cluster start` runs)

Every copy of a shard (its primary and each replica) is one address ``host:P`` and listens
on three consecutive ports: ``P`` serves slot ``a``, ``P+1`` slot ``b`` (one Xapian
database each; the primary's ``xapian-tcpsrv --writable``), and ``P+2`` is the primary's
``xapian-replicate-server``, from which every replica pulls both slots
(``xapian-replicate``).

Why two slots: a ``build`` writes the whole new index into the slot nobody reads (on every
shard's primary, through ``remote_open_writable``), waits until every live replica has
replicated it, and only then flips ``serving`` in this file (one atomic rename). Readers
poll :meth:`ClusterStore.generation` (a ``stat`` of this file) and open the new slot; until
then they read the old one, whole. So no reader ever sees a partial index. ``add`` and
``remove`` change the serving slot inside a Xapian transaction per shard, committed at
publish (shard after shard, so two shards' commits are milliseconds apart).

Failover is the reader's: :meth:`ClusterStore.run` reads each shard from its first copy
not marked dead (the primary first, then the replicas in order); a copy that stops
answering (``xapian.NetworkError``) is marked dead for :data:`DEAD_SECONDS`, its shard
switches to the next copy and the call is made again, so a query keeps complete results.
A shard with no live copy is :class:`~search.errors.IndexUnavailable` (``index.unavailable``).
Writes go to each shard's primary only; with the primary down a write fails with
``index.no_primary`` until ``vnsearch cluster promote SHARD`` makes a replica the primary.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, TypeVar

import xapian

from search.engine.generations import file_lock
from search.engine.xapian.store import CopyHealth, ShardHealth, shard_of
from search.errors import IndexCorrupt, IndexMissing, IndexUnavailable
from search.messages import Message, build_command

T = TypeVar("T")

ENGINE = "xapian"
SLOTS = ("a", "b")
REPLICATION_OFFSET = 2  # the replication server's port: the copy's port + 2
SLOT_OFFSET = {"a": 0, "b": 1}
DEAD_SECONDS = 5.0  # a copy that failed is skipped this long, then tried again
TIMEOUT_MS = 10_000  # a remote call that takes longer fails (and fails over)
CONNECT_TIMEOUT_MS = 2_000
# A writer's remote call: a flush of thousands of documents (Xapian flushes every 10,000 on
# its own, and at commit) takes far longer than a query; the query timeout made a 50,000-
# document build fail with NetworkTimeoutError. Still bounded, so a hung server is reported.
WRITE_TIMEOUT_MS = 600_000
REPLICA_WAIT_SECONDS = 30.0  # publish waits this long for each live replica to catch up
# Metadata keys written into every shard at publish.
MANIFEST_KEY = "vnsearch.manifest"
GENERATION_KEY = "vnsearch.generation"
# A network error names the remote it came from: "… (context: remote:tcp(127.0.0.1:33000))".
_CONTEXT = re.compile(r"remote:tcp\(([^)]+)\)")


# -- the configuration file ----------------------------------------------------------------------
@dataclass(frozen=True)
class Shard:
    primary: str  # "host:port"
    replicas: tuple[str, ...] = ()

    @property
    def copies(self) -> tuple[str, ...]:
        """The copies in the order reads prefer them: the primary, then the replicas."""
        return (self.primary, *self.replicas)


@dataclass(frozen=True)
class ClusterConfig:
    shards: tuple[Shard, ...]
    slot: str | None = None  # the serving slot (None: nothing built yet)
    generation: str | None = None
    timeout_ms: int = TIMEOUT_MS
    connect_timeout_ms: int = CONNECT_TIMEOUT_MS
    write_timeout_ms: int = WRITE_TIMEOUT_MS
    local: dict[str, Any] = field(default_factory=dict)  # a test cluster's processes

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "engine": ENGINE,
            "shards": [{"primary": s.primary, "replicas": list(s.replicas)} for s in self.shards],
            "serving": ({"slot": self.slot, "generation": self.generation}
                        if self.slot else None),
            "timeout_ms": self.timeout_ms,
            "connect_timeout_ms": self.connect_timeout_ms,
            "write_timeout_ms": self.write_timeout_ms,
        }
        if self.local:
            data["local"] = self.local
        return data


def split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def slot_port(address: str, slot: str) -> int:
    return split_address(address)[1] + SLOT_OFFSET[slot]


def replication_port(address: str) -> int:
    return split_address(address)[1] + REPLICATION_OFFSET


def _bad(path: Path, problem: str) -> IndexCorrupt:
    return IndexCorrupt(Message("index.bad_config", {"path": str(path), "problem": problem}))


def load_config(path: Path) -> ClusterConfig:
    """The cluster configuration at ``path`` (IndexCorrupt naming what is wrong)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise IndexMissing(Message("index.bad_config", {
            "path": str(path), "problem": "no such file"})) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise _bad(path, type(err).__name__) from None
    if not isinstance(data, dict) or data.get("engine") != ENGINE:
        raise _bad(path, f'not a cluster configuration (needs "engine": "{ENGINE}")')
    try:
        shards = tuple(Shard(str(s["primary"]), tuple(str(r) for r in s.get("replicas", ())))
                       for s in data["shards"])
        for shard in shards:
            for address in shard.copies:
                split_address(address)
        serving = data.get("serving") or {}
        slot = serving.get("slot")
        if slot is not None and slot not in SLOTS:
            raise ValueError(f"serving slot {slot!r} is not one of {SLOTS}")
        return ClusterConfig(
            shards=shards, slot=slot, generation=serving.get("generation"),
            timeout_ms=int(data.get("timeout_ms", TIMEOUT_MS)),
            connect_timeout_ms=int(data.get("connect_timeout_ms", CONNECT_TIMEOUT_MS)),
            write_timeout_ms=int(data.get("write_timeout_ms", WRITE_TIMEOUT_MS)),
            local=dict(data.get("local") or {}))
    except (KeyError, TypeError, ValueError) as err:
        raise _bad(path, f"shards: {err}") from None


def save_config(path: Path, config: ClusterConfig) -> None:
    """Write the configuration atomically (readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(config.to_json(), indent=2) + "\n", "utf-8")
    os.replace(tmp, path)


def new_generation(slot: str) -> str:
    return f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S-%f')}-{slot}"


# -- the writer's lock ---------------------------------------------------------------------------
def writer_lock(config_path: Path, command: str) -> ContextManager[None]:
    """``flock`` on ``<config>.lock`` beside the configuration: one writer (build, add,
    remove, promote) per cluster on this machine. A deployment whose writers run on several
    machines must give them one lock they all see (or write from one machine only)."""
    return file_lock(config_path.with_name(config_path.name + ".lock"), str(config_path),
                     command)


# -- reading with failover -----------------------------------------------------------------------
def open_copy(address: str, slot: str, config: ClusterConfig) -> xapian.Database:
    host, _ = split_address(address)
    return xapian.remote_open(host, slot_port(address, slot), config.timeout_ms,
                              config.connect_timeout_ms)


def failed_address(err: BaseException) -> str | None:
    """The copy a Xapian network error came from, when its message says."""
    found = _CONTEXT.search(str(err))
    return found.group(1) if found else None


# What a copy that stopped answering raises (its database, not the query, is the problem).
COPY_ERRORS: tuple[type[BaseException], ...] = (xapian.NetworkError, xapian.DatabaseOpeningError)


@dataclass
class _Opened:
    key: tuple[str | None, tuple[str, ...]]  # (generation, the copy read for each shard)
    db: xapian.Database


class ClusterStore:
    """The :class:`~search.engine.xapian.store.Store` of a cluster configuration file."""

    def __init__(self, config_path: Path) -> None:
        self.path = Path(config_path)
        self._stamp: tuple[int, int, int] | None = None
        self._config: ClusterConfig | None = None
        self._config_lock = threading.Lock()
        self._dead: dict[str, float] = {}  # address -> when it was found dead
        self._dead_lock = threading.Lock()
        # Xapian databases are not thread-safe (a remote one is one connection): each
        # thread keeps its own.
        self._local = threading.local()
        self._manifest: tuple[str | None, dict[str, Any]] | None = None

    # -- configuration -------------------------------------------------------------------
    @property
    def location(self) -> str:
        return str(self.path)

    def config(self) -> ClusterConfig:
        """The configuration, re-read when the file changed (a stat per call)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise IndexMissing(Message("index.bad_config", {
                "path": str(self.path), "problem": "no such file"})) from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._config_lock:
            if self._config is None or stamp != self._stamp:
                self._config, self._stamp = load_config(self.path), stamp
            return self._config

    def generation(self) -> str | None:
        return self.config().generation

    def manifest(self) -> dict[str, Any]:
        config = self.config()
        cached = self._manifest
        if cached is not None and cached[0] == config.generation:
            return cached[1]
        self._require_index(config)
        raw = self.run(lambda db: db.get_metadata(MANIFEST_KEY))
        try:
            manifest = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            manifest = None
        if not isinstance(manifest, dict):
            raise IndexCorrupt(Message("index.damaged", {
                "location": str(self.path), "detail": "shard 0 has no manifest",
                "command": build_command(str(self.path))}))
        self._manifest = (config.generation, manifest)
        return manifest

    def cache_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".cache")

    def _require_index(self, config: ClusterConfig) -> str:
        if config.slot is None:
            raise IndexMissing(Message("index.missing", {
                "location": str(self.path), "command": build_command(str(self.path))}))
        return config.slot

    # -- failover ------------------------------------------------------------------------
    def _is_dead(self, address: str) -> bool:
        with self._dead_lock:
            since = self._dead.get(address)
            if since is not None and time.monotonic() - since > DEAD_SECONDS:
                del self._dead[address]  # time to try it again
                return False
            return since is not None

    def mark_dead(self, address: str) -> None:
        with self._dead_lock:
            self._dead[address] = time.monotonic()

    def mark_alive(self, address: str) -> None:
        with self._dead_lock:
            self._dead.pop(address, None)

    def _unavailable(self, shard: int, config: ClusterConfig) -> IndexUnavailable:
        return IndexUnavailable(Message("index.unavailable", {
            "location": str(self.path), "shard": shard,
            "copies": list(config.shards[shard].copies)}))

    def _choice(self, config: ClusterConfig) -> tuple[str, ...]:
        """The copy each shard is read from: the first not marked dead (None: all dead)."""
        chosen = []
        for number, shard in enumerate(config.shards):
            live = [a for a in shard.copies if not self._is_dead(a)]
            if not live:
                raise self._unavailable(number, config)
            chosen.append(live[0])
        return tuple(chosen)

    def _open(self, config: ClusterConfig, slot: str) -> _Opened:
        """One database over every shard, each read from its chosen copy; a copy that does
        not answer is marked dead and the next one tried."""
        while True:
            choice = self._choice(config)
            key = (config.generation, choice)
            opened: _Opened | None = getattr(self._local, "opened", None)
            if opened is not None and opened.key == key:
                return opened
            self._forget()
            db = xapian.Database()
            try:
                for address in choice:
                    db.add_database(open_copy(address, slot, config))
            except COPY_ERRORS as err:
                self.mark_dead(failed_address(err) or self._first_dead(choice, slot, config)
                               or choice[0])
                continue
            fresh = _Opened(key, db)
            self._local.opened = fresh
            return fresh

    def _first_dead(self, suspects: Iterable[str], slot: str,
                    config: ClusterConfig) -> str | None:
        """The first of ``suspects`` that does not answer a new connection (None: all do,
        so what failed was a connection, not a copy: the server closed an idle one)."""
        for address in suspects:
            try:
                open_copy(address, slot, config).close()
            except COPY_ERRORS:
                return address
        return None

    def _forget(self) -> None:
        opened: _Opened | None = getattr(self._local, "opened", None)
        self._local.opened = None
        if opened is not None:
            with contextlib.suppress(xapian.Error):
                opened.db.close()

    def run(self, fn: Callable[[xapian.Database], T]) -> T:
        """``fn`` over one database combining every shard (Xapian then computes BM25 with
        the statistics of the whole collection). A copy that fails is marked dead and the
        call made again on its shard's next copy; each retry follows a newly dead copy, so
        the loop ends: at the latest when a shard has none left (IndexUnavailable)."""
        config = self.config()
        retries = sum(len(s.copies) for s in config.shards) + 1
        for _attempt in range(retries):
            config = self.config()  # a retry reads what serves now
            slot = self._require_index(config)
            opened = self._open(config, slot)
            try:
                return fn(opened.db)
            except xapian.DatabaseModifiedError:
                # The slot changed under a long read: a replica applied a changeset, or a
                # new build is emptying the slot a swap just retired. Open again from the
                # configuration, so the retry reads the serving slot, never the emptied one.
                self._forget()
            except COPY_ERRORS as err:
                self._forget()
                named = failed_address(err)
                dead = self._first_dead([named] if named else opened.key[1], slot, config)
                if dead is not None:
                    self.mark_dead(dead)
        raise self._unavailable(0, config)  # every retry failed

    # -- health --------------------------------------------------------------------------
    def health(self) -> list[ShardHealth]:
        """Each copy of each shard, asked now; a copy found dead or alive updates what
        :meth:`run` reads from."""
        config = self.config()
        slot = config.slot or "a"
        shards = []
        for number, shard in enumerate(config.shards):
            states: list[tuple[str, str, bool, str]] = []
            for role, address in [("primary", shard.primary),
                                  *(("replica", r) for r in shard.replicas)]:
                try:
                    open_copy(address, slot, config).close()
                    alive, error = True, ""
                    self.mark_alive(address)
                except (xapian.Error, OSError) as err:
                    alive, error = False, str(err)
                    self.mark_dead(address)
                states.append((role, address, alive, error))
            serving = next((a for _r, a, alive, _e in states if alive), None)
            shards.append(ShardHealth(number, tuple(
                CopyHealth(role, address, alive, address == serving, error)
                for role, address, alive, error in states)))
        return shards

    # -- writing -------------------------------------------------------------------------
    def lock(self, command: str) -> contextlib.AbstractContextManager[None]:
        return writer_lock(self.path, command)

    def begin(self, *, fresh: bool) -> "ClusterBatch":
        config = self.config()
        if fresh:
            slot = "b" if config.slot == "a" else "a"
        else:
            slot = self._require_index(config)
        return ClusterBatch(self, config, slot, fresh)


class ClusterBatch:
    """Writes to every shard's primary in one slot; published by flipping the configuration
    (a fresh build) or by committing each shard's transaction (add, remove)."""

    def __init__(self, store: ClusterStore, config: ClusterConfig, slot: str,
                 fresh: bool) -> None:
        self.store, self.config, self.slot, self.fresh = store, config, slot, fresh
        self._done = False
        self._writers: list[xapian.WritableDatabase] = []
        try:
            for number, shard in enumerate(config.shards):
                self._writers.append(self._open_writer(number, shard))
        except BaseException:
            self.discard()
            raise

    def _open_writer(self, number: int, shard: Shard) -> xapian.WritableDatabase:
        host, _ = split_address(shard.primary)
        try:
            db = xapian.remote_open_writable(host, slot_port(shard.primary, self.slot),
                                             self.config.write_timeout_ms,
                                             self.config.connect_timeout_ms)
        except (xapian.NetworkError, xapian.DatabaseOpeningError) as err:
            raise IndexUnavailable(Message("index.no_primary", {
                "location": str(self.store.path), "shard": number,
                "address": shard.primary, "problem": str(err),
                "command": f"vnsearch cluster promote {number} --index {self.store.path}"})
            ) from None
        if self.fresh:
            _clear(db)  # the unused slot: nobody reads it, so it is emptied in place
        else:
            db.begin_transaction(False)  # nothing visible until publish (discard cancels)
        return db

    def writer_for(self, doc_id: str) -> xapian.WritableDatabase:
        return self._writers[shard_of(doc_id, len(self._writers))]

    def writers(self) -> list[xapian.WritableDatabase]:
        return list(self._writers)

    def reader(self) -> xapian.Database:
        """The pending state: a remote writable database reads its own uncommitted changes,
        so the combination of the writers is the batch as it will be published. Closing it
        leaves the writers open (it shares their connections)."""
        db = _PendingDatabase()
        for writer in self._writers:
            db.add_database(writer)
        return db

    def publish(self, manifest: dict[str, Any]) -> str:
        generation = new_generation(self.slot)
        encoded = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
        for writer in self._writers:
            writer.set_metadata(MANIFEST_KEY, encoded)
            writer.set_metadata(GENERATION_KEY, generation)
            if not self.fresh:
                writer.commit_transaction()
            writer.commit()
        self._done = True
        self._wait_for_replicas(generation)
        current = load_config(self.store.path)  # a promote may have changed the copies
        save_config(self.store.path, replace(current, slot=self.slot, generation=generation))
        self._close()
        return generation

    def _wait_for_replicas(self, generation: str) -> None:
        """Until every replica that answers has the new generation, so a reader that fails
        over after the flip finds it there. A replica that does not answer is skipped (it
        catches up when it returns: its ``xapian-replicate`` pulls every change)."""
        deadline = time.monotonic() + REPLICA_WAIT_SECONDS
        pending = [r for s in self.config.shards for r in s.replicas]
        while pending and time.monotonic() < deadline:
            still = []
            for address in pending:
                try:
                    db = open_copy(address, self.slot, self.config)
                    caught_up = db.get_metadata(GENERATION_KEY).decode() == generation
                    db.close()
                except (xapian.Error, UnicodeDecodeError):
                    continue  # dead or broken: not waited for
                if not caught_up:
                    still.append(address)
            pending = still
            if pending:
                time.sleep(0.05)

    def discard(self) -> None:
        if not self._done:
            self._done = True
            for writer in self._writers:
                with contextlib.suppress(xapian.Error):
                    if not self.fresh:
                        writer.cancel_transaction()
        self._close()

    def _close(self) -> None:
        writers, self._writers = self._writers, []
        for writer in writers:
            with contextlib.suppress(xapian.Error):
                writer.close()


class _PendingDatabase(xapian.Database):  # type: ignore[misc]  # untyped binding
    """A batch's reader: its sub-databases are the batch's writers, and closing a combined
    database closes them all (an add's open transaction with them), so close is the
    batch's to do, at publish or discard."""

    def close(self) -> None:
        pass


def _clear(db: xapian.WritableDatabase) -> None:
    """Delete every document and our metadata (over the remote protocol: the files of a
    remote database cannot be replaced, only its contents)."""
    docids = [item.docid for item in db.postlist("")]
    for docid in docids:
        db.delete_document(docid)
    for key in (MANIFEST_KEY, GENERATION_KEY):
        db.set_metadata(key, "")
    db.commit()
