"""Finding the files to index, and giving each document a stable id.

Directories are walked recursively, in sorted order so builds are reproducible, and every
entry is accounted for: found, or skipped with its reason (hidden, unsupported, a broken
symlink, a folder reached twice through a symlink loop…), never silently dropped.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from search.text.normalize import fold
from search.ingest.jsonl import JSONL_SUFFIXES
from search.ingest.parse import SUPPORTED_SUFFIXES


# Suffixes we recognise but cannot read: reported as failures, not silently skipped.
KNOWN_UNREADABLE = frozenset({".xls", ".xlsx", ".ppt", ".pptx"})


@dataclass(frozen=True)
class Found:
    path: Path
    kind: str  # "file" or "jsonl"


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if path.suffix.lower() in SUPPORTED_SUFFIXES or path.suffix.lower() in KNOWN_UNREADABLE:
        return "file"
    return None


def discover(paths: list[str | os.PathLike[str]]) -> Iterator[Found | Skipped]:
    """Every indexable file under ``paths``; explicit files are always returned."""
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, seen_dirs)
        elif path.exists():
            yield Found(path, kind_of(path) or "file")
        else:
            yield Skipped(path, "no such file or directory")


def _walk(root: Path, seen: set[tuple[int, int]]) -> Iterator[Found | Skipped]:
    try:
        st = root.stat()
    except OSError as err:
        yield Skipped(root, f"cannot read directory ({err.strerror})")
        return
    if (st.st_dev, st.st_ino) in seen:  # symlink loop or the same tree named twice
        yield Skipped(root, "folder already read (a symlink loop, or the same folder twice)")
        return
    seen.add((st.st_dev, st.st_ino))
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as err:
        yield Skipped(root, f"cannot read directory ({err.strerror})")
        return
    for entry in entries:
        yield from _entry(entry, seen)


def _entry(entry: os.DirEntry[str], seen: set[tuple[int, int]]) -> Iterator[Found | Skipped]:
    """One directory entry: walked, found, or skipped with the reason (never dropped)."""
    path = Path(entry.path)
    try:
        is_dir, is_file = entry.is_dir(), entry.is_file()
    except OSError as err:
        yield Skipped(path, f"cannot read ({err.strerror})")
        return
    if entry.name.startswith("."):  # .git, .DS_Store, editors' swap files
        yield Skipped(path, "hidden directory, not read" if is_dir else "hidden file")
    elif is_dir:
        yield from _walk(path, seen)
    elif is_file:
        kind = kind_of(path)
        if kind is None:
            yield Skipped(path, f"unsupported file type {path.suffix or '(none)'}")
        else:
            yield Found(path, kind)
    elif entry.is_symlink():
        yield Skipped(path, "broken symlink (its target does not exist)")
    else:
        yield Skipped(path, "not a regular file (a device, pipe or socket)")


_SLUG_BAD = re.compile(r"[^a-z0-9_.-]+")


def slug(text: str) -> str:
    """ASCII id from a name: ``Nghị quyết 04.docx`` → ``nghi-quyet-04``."""
    s = _SLUG_BAD.sub("-", fold(text)).strip("-._")
    return s[:120] or "doc"


def file_doc_id(path: Path) -> str:
    """A file's id: the slug of its name without the suffix (stable across rebuilds)."""
    name = path.name
    for suffix in sorted(SUPPORTED_SUFFIXES | KNOWN_UNREADABLE, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return slug(name)


def disambiguate(doc_id: str, path: str) -> str:
    """Id for a second document whose name slug is taken: add a hash of its path."""
    return f"{doc_id}-{hashlib.sha1(path.encode('utf-8')).hexdigest()[:8]}"

