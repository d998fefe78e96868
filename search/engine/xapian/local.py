"""A Xapian index in a directory on this machine: generations, as the Whoosh engine keeps them.

The same :class:`~search.engine.generations.IndexLocation` owns the layout (build
directories, the atomic ``current`` swap, the writer's lock, the OCR cache, fsync before
the swap); each generation holds one Xapian (glass) database per shard::

    index/current -> gen-…/
    index/gen-…/manifest.json          "engine": "xapian", "shards": N
    index/gen-…/shard-0/ … shard-N-1/  Xapian databases, documents routed by id (shard_of)

Several shards on one machine are read as one database (Xapian combines them, with
global statistics), so routing is exercised without servers. Unlike Whoosh's segments,
Xapian's files change in place on commit: ``add``/``remove`` work on a full copy of the
serving generation (cost grows with the index), never on hard links to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, ContextManager, TypeVar

import xapian

from search.engine.generations import IndexLocation, _fsync
from search.engine.xapian.store import CopyHealth, ShardHealth, shard_of
from search.errors import IndexCorrupt, VnSearchError
from search.messages import Message, build_command

T = TypeVar("T")
SHARD_DIR = "shard-{}"
# Only the serving generation and the one before it are open at once (a reader may still be
# in the middle of a search on the old one when the swap happens).
KEEP_OPEN = 2


def shard_dirs(generation: Path) -> list[Path]:
    """The shard databases of a generation, in shard order."""
    found = sorted((p for p in generation.glob("shard-*") if p.is_dir()),
                   key=lambda p: int(p.name.split("-", 1)[1]) if p.name[6:].isdigit() else -1)
    return found


def open_shards(paths: list[Path]) -> "xapian.Database":
    """One database over every shard (Xapian interleaves their document ids)."""
    db = xapian.Database()
    for path in paths:
        db.add_database(xapian.Database(str(path)))
    return db


class _Opened:
    """One generation's open database, its lock, and whether it has been retired."""

    def __init__(self, db: "xapian.Database") -> None:
        self.db = db
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self.lock:  # never in the middle of someone's search
            self.closed = True
            self.db.close()


class LocalStore:
    """A :class:`~search.engine.xapian.store.Store` over a directory of generations."""

    def __init__(self, path: str | os.PathLike[str], *, shards: int | None = None) -> None:
        if shards is not None and shards < 1:
            raise VnSearchError(f"a Xapian index needs at least one shard, not {shards}")
        self.root = IndexLocation(path)
        self.shards = shards  # None: as many as the serving generation has (else 1)
        self._lock = threading.Lock()
        self._open: dict[str, _Opened] = {}  # generation name -> its database, oldest first

    @property
    def location(self) -> str:
        return str(self.root.root)

    def generation(self) -> str | None:
        return self.root.generation_id()

    def manifest(self) -> dict[str, Any]:
        return self.root.manifest()

    def cache_dir(self) -> Path:
        return self.root.ocr_cache_dir()

    def lock(self, command: str) -> ContextManager[None]:
        return self.root.lock(command)

    # -- reading ------------------------------------------------------------------------
    def run(self, fn: Callable[["xapian.Database"], T]) -> T:
        """``fn`` on the serving generation's database, one call at a time per generation
        (a Xapian database object is not safe to share between threads)."""
        while True:
            opened = self._database()
            with opened.lock:
                if opened.closed:  # retired by two swaps since it was looked up: again
                    continue
                try:
                    return fn(opened.db)
                except (xapian.DatabaseCorruptError, xapian.DatabaseOpeningError) as err:
                    raise self._damaged(f"cannot be read: {err.get_msg()}") from None

    def _database(self) -> "_Opened":
        directory = self.root.current()  # IndexMissing with a hint
        with self._lock:
            found = self._open.get(directory.name)
            if found is not None:
                return found
            shards = shard_dirs(directory)
            if not shards:
                raise self._damaged(f"{directory.name} has no Xapian database")
            try:
                db = open_shards(shards)
            except xapian.Error as err:
                raise self._damaged(f"{directory.name} cannot be opened: {err.get_msg()}") from None
            self._open[directory.name] = found = _Opened(db)
            for name in list(self._open)[:-KEEP_OPEN]:
                self._open.pop(name).close()
            return found

    def _damaged(self, detail: str) -> IndexCorrupt:
        return IndexCorrupt(Message("index.damaged", {
            "location": self.location, "detail": detail,
            "command": build_command(self.location)}))

    def health(self) -> list[ShardHealth]:
        """Each shard of the serving generation: one local copy, alive if it opens."""
        try:
            directory = self.root.current()
        except VnSearchError as err:
            return [ShardHealth(0, (CopyHealth("primary", self.location, False, False, str(err)),))]
        out = []
        for i, path in enumerate(shard_dirs(directory)):
            error = ""
            try:
                xapian.Database(str(path)).close()
            except xapian.Error as err:
                error = err.get_msg()
            out.append(ShardHealth(i, (CopyHealth("primary", str(path), not error, not error,
                                                  error),)))
        return out

    def close(self) -> None:
        with self._lock:
            for opened in self._open.values():
                opened.close()
            self._open.clear()

    # -- writing ------------------------------------------------------------------------
    def begin(self, *, fresh: bool) -> "LocalBatch":
        if fresh:
            current = self._serving_shards()
            count = self.shards or (len(current) if current else 1)
            return LocalBatch(self.root, self.root.new_build_dir(), count, copy_from=[])
        source = self.root.current()
        shards = shard_dirs(source)
        if not shards:
            raise self._damaged(f"{source.name} has no Xapian database")
        return LocalBatch(self.root, self.root.new_build_dir(), len(shards), copy_from=shards)

    def _serving_shards(self) -> list[Path]:
        try:
            return shard_dirs(self.root.current())
        except VnSearchError:
            return []


class LocalBatch:
    """A build directory with one writable database per shard; renamed into a generation
    on publish."""

    def __init__(self, root: IndexLocation, directory: Path, shards: int, *,
                 copy_from: list[Path]) -> None:
        self.root = root
        self.directory = directory
        self.count = shards
        self._finished = False
        self._writers: list["xapian.WritableDatabase"] = []
        try:
            for i in range(shards):
                target = directory / SHARD_DIR.format(i)
                if copy_from:  # files change in place on commit: a real copy, not links
                    shutil.copytree(copy_from[i], target)
                    (target / "flintlock").unlink(missing_ok=True)
                self._writers.append(xapian.WritableDatabase(
                    str(target), xapian.DB_CREATE_OR_OPEN | xapian.DB_BACKEND_GLASS))
        except BaseException:
            self.discard()
            raise

    def writer_for(self, doc_id: str) -> "xapian.WritableDatabase":
        return self._writers[shard_of(doc_id, self.count)]

    def writers(self) -> list["xapian.WritableDatabase"]:
        return list(self._writers)

    def reader(self) -> "xapian.Database":
        for writer in self._writers:
            writer.commit()  # the build directory is not served: committing shows nothing
        return open_shards([self.directory / SHARD_DIR.format(i) for i in range(self.count)])

    def publish(self, manifest: dict[str, Any]) -> str:
        for writer in self._writers:
            writer.commit()
            writer.close()
        for i in range(self.count):
            shard = self.directory / SHARD_DIR.format(i)
            for item in shard.iterdir():  # Xapian syncs its files; the entries are ours
                if item.is_file():
                    _fsync(item)
            _fsync(shard)
        generation = self.root.publish(self.directory, {**manifest, "shards": self.count}).name
        self._finished = True
        return generation

    def discard(self) -> None:
        if self._finished:
            return
        self._finished = True
        for writer in self._writers:
            with contextlib.suppress(xapian.Error):
                writer.close()
        self.root.discard(self.directory)
