"""Reading one file: :func:`read_file` turns a file into a :class:`~search.documents.ParsedText`.

The reader is picked by the file's suffix (one module per format in
:mod:`search.ingest.readers`); JSON Lines, many documents per file, is streamed by
:func:`search.ingest.jsonl.iter_jsonl` instead.

Every failure becomes a :class:`~search.errors.ReadError` carrying the path and a reason
a user can act on; no library exception escapes. Every reader's text then goes through
the same finish: NFC, legacy-encoding repair (:mod:`search.text.legacy`),
:func:`~search.ingest.clean.clean_text` and the size limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from search.documents import ParsedText
from search.errors import ReadError
from search.ingest.clean import clean_text
from search.ingest.extracted import (
    DEFAULT_MAX_DOCX_EXPANDED_BYTES,
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_TEXT_CHARS,
    Extracted,
    OcrOptions,
    ReadLimits,
    describe,
    human_size,
    stat_regular_file,
    too_long,
)
from search.ingest.jsonl import JSONL_SUFFIXES
from search.ingest.readers.docx import read_docx
from search.ingest.readers.html import read_html
from search.ingest.readers.ocr import IMAGE_SUFFIXES, read_image
from search.ingest.readers.office import read_doc, read_odt, read_rtf
from search.ingest.readers.pdf import read_pdf
from search.ingest.readers.text import read_text
from search.text.legacy import convert_legacy_lines, fix_legacy
from search.text.normalize import nfc, strip_controls

__all__ = ["SUPPORTED_SUFFIXES", "read_file"]


def _suffix(path: Path) -> str:
    return path.suffix.lower()


_Reader = Callable[[Path, ReadLimits], Extracted]
# suffix → (the format a ParsedText names, its reader)
_READERS: dict[str, tuple[str, _Reader]] = {
    ".txt": ("txt", read_text),
    ".md": ("md", read_text),
    ".docx": ("docx", read_docx),
    ".pdf": ("pdf", read_pdf),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".doc": ("doc", read_doc),
    ".odt": ("odt", read_odt),
    ".rtf": ("rtf", read_rtf),
    **{suffix: ("image", read_image) for suffix in sorted(IMAGE_SUFFIXES)},
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def _unsupported(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "JSON Lines holds many documents: read it with iter_jsonl"
    kind = f"'{_suffix(path)}'" if _suffix(path) else "without a suffix"
    return f"unsupported file type {kind} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"


def _clean_notes(notes: str) -> str:
    body, inline = clean_text(notes)
    return "\n".join(part for part in (body, inline) if part)


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    return " ".join(nfc(strip_controls(title)).split()) or None


def _finish(path: Path, fmt: str, ex: Extracted, max_chars: int) -> ParsedText:
    """The common tail of every reader: limit, legacy repair, clean."""
    length = len(ex.text) + len(ex.notes)
    if length > max_chars:
        raise ReadError(path, too_long(length, max_chars))
    text, encoding = fix_legacy(nfc(ex.text), fonts=ex.fonts)
    notes, title, warnings = nfc(ex.notes), ex.title, list(ex.warnings)
    if encoding is not None:
        notes = convert_legacy_lines(notes, encoding)
        title = convert_legacy_lines(title, encoding) if title else title
        warnings.append(f"converted from {encoding.upper()}")
    body, inline_notes = clean_text(text)
    notes = "\n".join(part for part in (_clean_notes(notes), inline_notes) if part)
    if not body and not notes:
        raise ReadError(path, "empty file (no text)")
    return ParsedText(
        text=body,
        notes=notes,
        format=fmt,
        encoding=ex.encoding,
        converted_from=encoding,
        title=_clean_title(title),
        extra=ex.extra,
        warnings=warnings,
        text_source=ex.text_source,
        ocr=ex.ocr,
    )


def read_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_chars: int = DEFAULT_MAX_TEXT_CHARS,
    max_docx_expanded: int = DEFAULT_MAX_DOCX_EXPANDED_BYTES,
    ocr: OcrOptions | None = None,
) -> ParsedText:
    """Read one document; raise :class:`ReadError` (path + reason) on any failure.

    Dispatches on the suffix, case-insensitively. The size limit is checked with
    ``stat`` before anything is read; the character limit right after extraction.
    """
    p = Path(os.fspath(path))
    entry = _READERS.get(_suffix(p))
    if entry is None:
        raise ReadError(p, _unsupported(p))
    fmt, reader = entry
    size = stat_regular_file(p).st_size
    if size > max_bytes:
        raise ReadError(p, f"file is {human_size(size)}, over the {human_size(max_bytes)} limit")
    limits = ReadLimits(max_bytes, max_chars, max_docx_expanded, ocr)
    try:
        extracted = reader(p, limits)
        return _finish(p, fmt, extracted, max_chars)
    except ReadError:
        raise
    except Exception as exc:  # last line of defence: no library exception escapes
        raise ReadError(p, describe(f".{fmt}", exc)) from exc
