"""What every format reader hands back, the limits it reads under, and shared helpers.

The readers (:mod:`search.parse` for text, .docx, .pdf and .html; :mod:`search.office`
for .doc, .odt and .rtf; :mod:`search.ocr` for scans and page images) all return an
:class:`Extracted`; :func:`search.parse.read_file` finishes it the same way for every
format (NFC, legacy-encoding repair, cleaning, the size limit).
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.errors import ReadError

__all__ = ["Extracted", "ReadLimits", "describe", "human_size", "read_bytes",
           "stat_regular_file", "preview", "check_zip"]

_MIB = 1024 * 1024
# One zip entry inflating more than this many times over, once large, is a bomb: Word
# and ODF XML compress 5–30×, while deflate reaches ~1000× only on repetitive filler.
_MAX_ENTRY_RATIO = 100
_LARGE_ENTRY_BYTES = 5 * 1024 * 1024
# A zip document may inflate to at most this many times the file-size limit.
ZIP_EXPANSION_FACTOR = 20


@dataclass
class Extracted:
    """What a format reader hands to :func:`search.parse.read_file`'s common finish.

    ``text_source`` says where the words came from: ``"text"`` (the file's own text),
    ``"ocr"`` (every page recognised from images) or ``"mixed"`` (some pages each);
    ``ocr`` then carries the recognition summary (pages, mean word confidence, engine).
    """

    text: str
    notes: str = ""
    title: str | None = None
    encoding: str | None = None
    fonts: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    text_source: str = "text"
    ocr: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReadLimits:
    """Per-file limits a reader works under (README: Limits)."""

    max_bytes: int
    max_chars: int
    max_docx_expanded: int


def human_size(n: int) -> str:
    """Human size: ``34.0 MB``, ``20 MB``, ``12.5 KB``, ``300 bytes``."""
    if n >= _MIB:
        return f"{n // _MIB} MB" if n % _MIB == 0 else f"{n / _MIB:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def describe(kind: str, exc: BaseException) -> str:
    """``cannot read <kind> (ExceptionType: message)``, one line, at most 200 characters."""
    message = " ".join(str(exc).split())[:200]
    return f"cannot read {kind} ({type(exc).__name__}{': ' + message if message else ''})"


def stat_regular_file(path: Path) -> os.stat_result:
    """``stat`` a path that must be a regular file; a :class:`ReadError` otherwise."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ReadError(path, "file not found") from None
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except OSError as exc:
        raise ReadError(path, f"cannot open file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError(path, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, "not a regular file")
    return st


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot read file ({exc.strerror or exc})") from None


def preview(data: bytes, n: int = 24) -> str:
    """The first bytes, printable, for "not a PDF (starts with …)"."""
    head = data[:n].decode("latin-1")
    return repr("".join(ch if ch.isprintable() else "." for ch in head))


def check_zip(path: Path, limits: ReadLimits, kind: str, required: str) -> list[str]:
    """Refuse corrupt zips and zip bombs before anything is inflated; return entry names.

    ``kind`` names the format in messages (``.docx``, ``.odt``); ``required`` is the
    entry the format cannot do without (``word/document.xml``, ``content.xml``).
    """
    limit = min(limits.max_docx_expanded, ZIP_EXPANSION_FACTOR * limits.max_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        raise ReadError(path, f"not a valid {kind} (corrupt or truncated zip)") from None
    total = sum(info.file_size for info in entries)
    if total > limit:
        raise ReadError(path, f"refused: {kind} expands to {human_size(total)} (zip bomb?)")
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _LARGE_ENTRY_BYTES and ratio > _MAX_ENTRY_RATIO:
            raise ReadError(
                path,
                f"refused: {kind} expands to {human_size(total)} ({info.filename} is"
                f" compressed {ratio:.0f}:1, zip bomb?)",
            )
    names = [info.filename for info in entries]
    if required not in names:
        raise ReadError(path, f"not a valid {kind} (no {required} in the zip)")
    return names
