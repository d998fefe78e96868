"""JSON Lines: many documents per file (plain, gzip or xz), streamed record by record.

Each good line becomes a :class:`JsonlRecord`, each bad one a
:class:`~search.errors.ReadError` naming ``path:line``; the text of a record gets the
same legacy repair and cleaning as a file's (:mod:`search.ingest.clean`).
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from search.documents import ParsedText
from search.errors import ReadError
from search.ingest.clean import clean_text
from search.ingest.extracted import DEFAULT_MAX_TEXT_CHARS, human_size, stat_regular_file, too_long
from search.text.legacy import fix_legacy
from search.text.normalize import nfc

__all__ = ["JSONL_SUFFIXES", "JsonlRecord", "iter_jsonl"]

JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".jsonl.xz")

@dataclass
class JsonlRecord:
    """One good line of a JSON Lines file."""

    line: int
    id: str
    parsed: ParsedText


# A JSON-escaped character takes up to 6 bytes ("\\u1ea1"); beyond that a line cannot
# hold an acceptable record, and reading it whole would only waste memory.
JSON_BYTES_PER_CHAR = 6
JSON_LINE_SLACK = 64 * 1024
_STREAM_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _open_jsonl(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)``; ``None`` for a line over ``limit`` (skipped unread)."""
    number = 0
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        number += 1
        if len(chunk) >= limit and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(limit)
            yield number, None
        else:
            yield number, chunk


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean",
               int: "number", float: "number", type(None): "null"}


def _type_name(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _check_record(obj: Any) -> str | None:
    """Why a decoded line is not a usable record, or ``None``."""
    if not isinstance(obj, dict):
        return f"not a JSON object (got {_type_name(obj)})"
    rid = obj.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        return 'missing or empty "id"'
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        return f'"id" is not a string (got {_type_name(rid)})'
    if "text" not in obj:
        return 'missing "text"'
    if not isinstance(obj["text"], str):
        return f'"text" is not a string (got {_type_name(obj["text"])})'
    if not obj["text"].strip():
        return 'empty "text"'
    if obj.get("title") is not None and not isinstance(obj["title"], str):
        return f'"title" is not a string (got {_type_name(obj["title"])})'
    return None


def _parse_line(
    where: str, number: int, raw: bytes, max_chars: int
) -> JsonlRecord | ReadError | None:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = raw[exc.start]
        return ReadError(where, f"not UTF-8 (invalid byte 0x{byte:02X} at offset {exc.start})")
    line = line.lstrip("\ufeff")
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return ReadError(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return ReadError(where, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
        return ReadError(where, f"invalid JSON ({exc})")
    problem = _check_record(obj)
    if problem:
        return ReadError(where, problem)
    text: str = obj["text"]
    if len(text) > max_chars:
        return ReadError(where, too_long(len(text), max_chars, '"text"'))
    text, encoding = fix_legacy(nfc(text))
    body, notes = clean_text(text)
    if not body:
        return ReadError(where, 'empty "text"')
    title = obj.get("title")
    parsed = ParsedText(
        text=body,
        notes=notes,
        format="jsonl",
        encoding="utf-8",
        converted_from=encoding,
        title=nfc(title) if title else None,
        extra={k: v for k, v in obj.items() if k not in ("id", "text", "title")},
        warnings=[f"converted from {encoding.upper()}"] if encoding else [],
    )
    return JsonlRecord(line=number, id=str(obj["id"]), parsed=parsed)


def iter_jsonl(
    path: str | os.PathLike[str], *, max_chars: int = DEFAULT_MAX_TEXT_CHARS
) -> Iterator[JsonlRecord | ReadError]:
    """Stream the records of a ``.jsonl`` / ``.jsonl.gz`` / ``.jsonl.xz`` file.

    Yields a :class:`JsonlRecord` per good line and a :class:`ReadError` (``path:line``
    and reason) per bad line, then carries on; blank lines are skipped. A file that
    cannot be opened, or a corrupt or truncated compressed stream, yields one
    ``ReadError`` for the file and stops.
    """
    p = Path(os.fspath(path))
    limit = JSON_BYTES_PER_CHAR * max_chars + JSON_LINE_SLACK
    try:
        stat_regular_file(p)
        stream = _open_jsonl(p)
    except ReadError as err:
        yield err
        return
    except OSError as exc:
        yield ReadError(p, f"cannot open file ({exc.strerror or exc})")
        return
    with stream:
        try:
            for number, raw in _lines(stream, limit):
                where = f"{p}:{number}"
                if raw is None:
                    yield ReadError(where, f"line is over {human_size(limit)}, too long for one record")
                    continue
                result = _parse_line(where, number, raw, max_chars)
                if result is not None:
                    yield result
        except _STREAM_ERRORS as exc:
            kind = "".join(p.suffixes[-1:]) or "file"
            yield ReadError(p, f"corrupt or truncated {kind} stream ({_describe_stream(exc)})")


def _describe_stream(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
