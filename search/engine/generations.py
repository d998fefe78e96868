"""Where a directory engine's index lives on disk, and how a new one replaces the old one
atomically (used by :mod:`search.engine.whoosh.engine` and by the Xapian engine's
:mod:`search.engine.xapian.local`, whose generations hold one database per shard).

Layout of an index location (``index/`` by default)::

    index/
      current -> gen-20261123T101500-123456   symlink; readers follow it
      gen-…/                                  one complete index generation (+ manifest.json)
      .build-<pid>-…/                         a build in progress (removed if its process died)
      .lock                                   flock()ed by the one writer
      ocr-cache/<ab>/<sha256>.json            recognised pages of scanned files, by content

A build writes a fresh ``.build-*`` directory and only then renames it to ``gen-*`` and
swaps the ``current`` symlink with ``os.replace`` (atomic on POSIX). ``add``/``remove``
copy the current generation with hard links (Whoosh segment files are immutable), change
the copy and swap it in the same way. A crash at any point leaves ``current`` pointing at
a complete generation; leftovers are removed by the next writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from search.documents import utc_now
from search.errors import IndexCorrupt, IndexLocked, IndexMissing
from search.messages import Message, build_command

MANIFEST = "manifest.json"
CURRENT = "current"
OCR_CACHE = "ocr-cache"
KEEP_GENERATIONS = 2  # the current one and the one before (readers may still use it)


def _now_tag() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S-%f")


# Lock descriptors held by this process. A forked child (the build's worker pool) closes
# its copies at once: an flock belongs to the open file, so a worker orphaned by a killed
# writer would otherwise keep the index locked until it noticed and exited.
_HELD_LOCK_FDS: set[int] = set()


def _close_inherited_locks() -> None:
    for fd in list(_HELD_LOCK_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCK_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)


@contextlib.contextmanager
def file_lock(path: Path, location: str, command: str) -> Iterator[None]:
    """One writer per index ``location``: ``flock`` on ``path``, which names its holder.
    flock() is released by the kernel when a process dies, so a lock left by a killed writer
    never blocks the next one; IndexLocked, naming the holder, while another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    _HELD_LOCK_FDS.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = path.read_text("utf-8", errors="replace").strip() or "another process"
            raise IndexLocked(Message("index.locked", {"location": location,
                                                       "holder": holder})) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} ({command}, "
                     f"since {utc_now()})".encode())
        yield
    finally:
        _HELD_LOCK_FDS.discard(fd)
        os.close(fd)  # closing releases the flock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class IndexLocation:
    """One index location: its generations, its lock and its manifest."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    # -- reading ------------------------------------------------------------------------
    def current(self) -> Path:
        """Directory of the serving generation; IndexMissing with a hint if none."""
        link = self.root / CURRENT
        if not link.is_symlink() and not link.exists():
            raise IndexMissing(Message("index.missing", {
                "location": str(self.root), "command": build_command(str(self.root))}))
        target = link.resolve()
        if not (target / MANIFEST).is_file():
            raise IndexMissing(self._damaged(f"its current generation {target.name} is "
                                             "missing or incomplete"))
        return target

    def ocr_cache_dir(self) -> Path:
        """Where recognised scan pages are kept, by file content, across generations."""
        return self.root / OCR_CACHE

    def generation_id(self) -> str | None:
        """Name of the serving generation, cheap to poll (readlink only)."""
        try:
            return os.readlink(self.root / CURRENT)
        except OSError:
            return None

    def manifest(self, directory: Path | None = None) -> dict[str, Any]:
        """The manifest of ``directory`` (a generation), by default the serving one's. Pass
        the directory just opened: ``current`` may have moved on since."""
        path = (directory or self.current()) / MANIFEST
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            raise IndexCorrupt(self._damaged(f"{path.parent.name}/{MANIFEST}: "
                                             f"{type(err).__name__}")) from None
        if not isinstance(data, dict):
            raise IndexCorrupt(self._damaged(f"{path.parent.name}/{MANIFEST} is not an object"))
        return data

    def verify_files(self, directory: Path, manifest: dict[str, Any]) -> None:
        """IndexCorrupt if a file the manifest lists is missing or has another size."""
        files = manifest.get("files")
        if not isinstance(files, dict):  # written before files were listed
            return
        for name, size in files.items():
            try:
                actual = (directory / name).stat().st_size
            except OSError:
                problem = f"{name} is missing"
            else:
                if actual == size:
                    continue
                problem = f"{name} has {actual} bytes, {size} expected"
            raise IndexCorrupt(self._damaged(f"{directory.name}/{problem}"))

    def _damaged(self, detail: str) -> Message:
        return Message("index.damaged", {"location": str(self.root), "detail": detail,
                                         "command": build_command(str(self.root))})

    # -- writing ------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, command: str = "vnsearch") -> Iterator[None]:
        """Exclusive writer lock (:func:`file_lock` on ``.lock``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / ".lock", str(self.root), command):
            self._remove_stale_builds()
            yield

    def new_build_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f".build-{os.getpid()}-{_now_tag()}"
        path.mkdir()
        return path

    def clone_current(self) -> Path:
        """A writable copy of the serving generation, made of hard links."""
        source = self.current()
        target = self.new_build_dir()
        for item in source.iterdir():
            if item.is_file():
                try:
                    os.link(item, target / item.name)
                except OSError:  # another file system, or links not allowed
                    shutil.copy2(item, target / item.name)
        # The manifest is rewritten on publish: never edit the shared inode.
        (target / MANIFEST).unlink(missing_ok=True)
        return target

    def publish(self, build_dir: Path, manifest: dict[str, Any]) -> Path:
        """Write the manifest, rename the build to a generation, swap ``current``.

        The manifest lists every file of the generation with its size, so that a truncated
        or deleted file is found when the index opens (:meth:`verify_files`), not by the
        query that happens to read it.
        """
        files = {p.name: p.stat().st_size for p in sorted(build_dir.iterdir())
                 if p.is_file() and p.name != MANIFEST}
        (build_dir / MANIFEST).write_text(
            json.dumps({**manifest, "files": files}, ensure_ascii=False, indent=2), "utf-8"
        )
        # Durable before visible: after a power cut, `current` must never name a generation
        # whose files (or whose directory entries) were still only in the page cache.
        for name in (*files, MANIFEST):
            _fsync(build_dir / name)
        _fsync(build_dir)
        gen = self.root / f"gen-{_now_tag()}"
        os.rename(build_dir, gen)
        _fsync(self.root)  # the rename, before the link that points at it
        tmp_link = self.root / f".current-{os.getpid()}"
        tmp_link.unlink(missing_ok=True)
        os.symlink(gen.name, tmp_link)
        os.replace(tmp_link, self.root / CURRENT)
        _fsync(self.root)
        self._remove_old_generations(keep=gen.name)
        return gen

    def discard(self, build_dir: Path) -> None:
        shutil.rmtree(build_dir, ignore_errors=True)

    def _remove_stale_builds(self) -> None:
        """Builds whose process is gone (killed mid-build) are garbage."""
        for path in self.root.glob(".build-*"):
            pid = path.name.split("-")[1]
            if not pid.isdigit() or not _pid_alive(int(pid)) or int(pid) == os.getpid():
                shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(".current-*"):
            path.unlink(missing_ok=True)

    def _remove_old_generations(self, keep: str) -> None:
        gens = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        old = [p for p in gens if p.name != keep][: max(0, len(gens) - KEEP_GENERATIONS)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)


def _fsync(path: Path) -> None:
    """Flush a file's data, or a directory's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

