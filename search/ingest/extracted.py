"""What every format reader hands back, the limits it reads under, and shared helpers.

The readers (one module per format in :mod:`search.ingest.readers`) all return an
:class:`Extracted`; :func:`search.ingest.parse.read_file` finishes it the same way for every
format (NFC, legacy-encoding repair, cleaning, the size limit).
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.errors import ReadError

__all__ = ["LIMIT_ERRORS", "LIMIT_DEFAULTS", "env_limit", "DEFAULT_MAX_FILE_BYTES", "DEFAULT_MAX_TEXT_CHARS",
           "DEFAULT_MAX_DOCX_EXPANDED_BYTES", "Extracted", "ReadLimits", "OcrOptions",
           "describe", "too_long", "human_size", "read_bytes", "stat_regular_file", "preview",
           "check_zip"]

_MIB = 1024 * 1024

# Limits can be changed with environment variables, read once at start-up.
LIMIT_ERRORS: list[str] = []  # bad values of those variables (the CLI refuses to run)
# Each variable's default, whatever the environment says (the README's Limits table).
LIMIT_DEFAULTS: dict[str, int] = {}


def env_limit(name: str, default: int) -> int:
    """A whole-number limit from the environment (``_`` allowed), else ``default``."""
    LIMIT_DEFAULTS[name] = default
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        LIMIT_ERRORS.append(f"{name}={raw[:40]!r} is not a positive whole number "
                            f"(the default is {default:_})")
        return default
    return value


# Limits per file (README: Limits), from VNSEARCH_MAX_FILE_BYTES, VNSEARCH_MAX_TEXT_CHARS
# and VNSEARCH_MAX_DOCX_EXPANDED_BYTES (whole numbers; "_" allowed: 100_000_000).
DEFAULT_MAX_FILE_BYTES = env_limit("VNSEARCH_MAX_FILE_BYTES", 50 * _MIB)
DEFAULT_MAX_TEXT_CHARS = env_limit("VNSEARCH_MAX_TEXT_CHARS", 5_000_000)
# A .docx may inflate to at most this much, and to at most ZIP_EXPANSION_FACTOR times
# the file-size limit: a real 5 MB .docx inflates to ~20–60 MB of XML.
DEFAULT_MAX_DOCX_EXPANDED_BYTES = env_limit("VNSEARCH_MAX_DOCX_EXPANDED_BYTES", 200 * _MIB)

# One zip entry inflating more than this many times over, once large, is a bomb: Word
# and ODF XML compress 5–30×, while deflate reaches ~1000× only on repetitive filler.
MAX_ENTRY_RATIO = 100
LARGE_ENTRY_BYTES = 5 * 1024 * 1024
# A zip document may inflate to at most this many times the file-size limit.
ZIP_EXPANSION_FACTOR = 20


@dataclass
class Extracted:
    """What a format reader hands to :func:`search.ingest.parse.read_file`'s common finish.

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
    ocr: "OcrOptions | None" = None  # None: the defaults, no cache


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


def too_long(n: int, limit: int, what: str = "extracted text") -> str:
    """``extracted text is 6,000,000 characters, over the 5,000,000 limit``."""
    return f"{what} is {n:,} characters, over the {limit:,} limit"


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
    except NotImplementedError as exc:  # "zip file version 19.4": damaged, or not ours
        raise ReadError(path, f"not a valid {kind} (unsupported zip: {exc})") from None
    total = sum(info.file_size for info in entries)
    if total > limit:
        raise ReadError(path, f"refused: {kind} expands to {human_size(total)} (zip bomb?)")
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > LARGE_ENTRY_BYTES and ratio > MAX_ENTRY_RATIO:
            raise ReadError(
                path,
                f"refused: {kind} expands to {human_size(total)} ({info.filename} is"
                f" compressed {ratio:.0f}:1, zip bomb?)",
            )
    names = [info.filename for info in entries]
    if required not in names:
        raise ReadError(path, f"not a valid {kind} (no {required} in the zip)")
    return names


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages are read (README: Limits, OCR).

    ``cache_dir`` keeps each file's recognised pages by content hash (beside the index),
    so an unchanged file is never recognised twice; ``None`` reads without a cache.
    """

    cache_dir: Path | None = None
    # Pages to recognise in one file.
    max_pages: int = env_limit("VNSEARCH_MAX_OCR_PAGES", 200)
    # One page image; A4 at 600 dpi is 35 megapixels.
    max_pixels: int = env_limit("VNSEARCH_MAX_OCR_PIXELS", 60_000_000)
    # Tesseract on one page; a 200-dpi page takes ~1.2 s (bench/README.md, OCR).
    page_seconds: float = env_limit("VNSEARCH_OCR_PAGE_SECONDS", 180)
    dpi: int = 300  # a PDF page without text is rendered at this resolution


def sha256_of(path: Path) -> str:
    """The file's content hash: the OCR cache key and the index's staleness check."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
