"""Exports: every hit of a query (all pages, up to a cap) as a CSV or JSON attachment.

The records come from the library's one ``search()``, as the page's and the API's do, so
an export lists exactly the hits the page pages through, in one evaluation over one index
generation. Each block of rows is completed as it is streamed: the passage on the query
(read from the stored text, a block at a time, never the whole result's text at once) and
the documents citing each row (one search a block, :func:`search.related.cited_by_numbers`).

The CSV is for Excel: UTF-8 with a BOM (Excel reads it as UTF-8 only then), Vietnamese
column headers (``?headers=keys`` keeps the keys, as the JSON has them), lists joined with
"; ", nothing of the server's file system, and a file name from the query and the date.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request, url_for

from search.engine.base import EngineReader
from search.errors import BadQuery
from search.fields import FACETS, MAX_PER_PAGE
from search.highlight import Terms, passages
from search.index import query_terms
from search.messages import Message
from search.related import cited_by_numbers
from search.text.normalize import fold

from . import api
from .state import current_index
from .urls import search_request, state_pairs

bp = Blueprint("exports", __name__)

# Rows of one export at most: enough for any real research question, small enough to answer
# in seconds and a few MB.
EXPORT_MAX_ROWS = 10_000
CHUNK_ROWS = 500  # rows written per streamed block
# No server path: a file's place on the server is nobody's business outside it.
EXPORT_COLUMNS = ("id", "number", "doc_type", "date", "year", "province", "province_2025",
                  "issuer", "title", "term", "signer", "signer_role", "passage", "cites",
                  "cited_by", "url")
_FACET_LABELS = {f.name: f.label for f in FACETS}
# The CSV's header row by default, as the page labels the fields.
EXPORT_LABELS = {
    "id": "Mã", "number": "Số hiệu", "doc_type": _FACET_LABELS["doc_type"],
    "date": "Ngày ban hành", "year": _FACET_LABELS["year"],
    "province": _FACET_LABELS["province"], "province_2025": _FACET_LABELS["province_2025"],
    "issuer": _FACET_LABELS["issuer"], "title": "Trích yếu", "term": "Khóa",
    "signer": "Người ký", "signer_role": "Chức vụ người ký",
    "passage": "Đoạn trích", "cites": "Văn bản được dẫn", "cited_by": "Được dẫn bởi",
    "url": "Đường dẫn",
}
HEADER_CHOICES = ("vi", "keys")  # ?headers=: Vietnamese labels (default) or the keys
LIST_SEPARATOR = "; "  # between the numbers of one cell (a comma is the CSV's own)
FILENAME_WORDS_MAX = 60  # characters of the query in the file name


def export_records(args: Any) -> tuple[list[dict[str, Any]], int]:
    """Every hit of the query (up to EXPORT_MAX_ROWS) as flat records, and the total number
    of matches (which may be larger than what was exported). ``passage`` and ``cited_by``
    are filled a block at a time as the rows are written (:func:`complete_rows`).

    One evaluation over one index generation (:func:`search.index.search` with ``rows``):
    an ``add`` published while the export runs can neither duplicate nor drop a row, and
    an export costs one search, not one per hundred rows."""
    # page and per_page belong to the page the user was on; an export has every page.
    state = [(k, v) for k, v in state_pairs(args) if k not in ("page", "per_page")]
    base = search_request(state, page=1, per_page=MAX_PER_PAGE, highlight=False)
    result = current_index().search(base, rows=EXPORT_MAX_ROWS).to_dict()
    return [_export_record(hit) for hit in result["hits"]], result["total"]


def _export_record(hit: dict[str, Any]) -> dict[str, Any]:
    record = {name: hit.get(name) for name in EXPORT_COLUMNS}
    record["cites"] = list(hit.get("cites") or [])
    record["url"] = url_for("views.document", doc_id=hit["id"], _external=True)
    return record


def complete_rows(records: list[dict[str, Any]], reader: EngineReader,
                  terms: Terms) -> list[dict[str, Any]]:
    """A block of records with their passage (the best sentence on the query, plain text;
    None without words to search) and ``cited_by`` (the numbers of the documents citing
    each, in the corpus)."""
    citing = cited_by_numbers(reader, [(r["id"], r["number"], r["province"]) for r in records])
    for record in records:
        record["cited_by"] = citing.get(record["id"], [])
        record["passage"] = _passage(reader, record["id"], terms) if terms else None
    return records


_MARK = re.compile(r"</?mark>")


def _passage(reader: EngineReader, doc_id: str, terms: Terms) -> str | None:
    stored = reader.get(doc_id, fields=("text",))
    found = passages((stored or {}).get("text", ""), terms, count=1)
    # The library's passage is safe HTML; a spreadsheet cell wants the plain sentence.
    return html.unescape(_MARK.sub("", found[0])) if found else None


def _blocks(records: list[dict[str, Any]], reader: EngineReader,
            terms: Terms) -> Iterator[list[dict[str, Any]]]:
    """The records, CHUNK_ROWS at a time, each block completed as it is reached (after
    the view has returned: what it needs is passed in, nothing of the request)."""
    for start in range(0, len(records), CHUNK_ROWS):
        yield complete_rows(records[start:start + CHUNK_ROWS], reader, terms)


def header_choice(args: Any) -> str:
    """``headers=vi`` (default) or ``keys``; anything else is a BadQuery that says so."""
    value = (args.get("headers") or HEADER_CHOICES[0]).strip().lower()
    if value not in HEADER_CHOICES:
        raise BadQuery(Message("param.bad_choice", {"name": "headers", "value": value[:40],
                                                    "choices": list(HEADER_CHOICES)}))
    return value


def export_filename(args: Any, ext: str, day: datetime) -> tuple[str, str]:
    """(an ASCII file name, the UTF-8 one) from the query, the filter values and the date:
    ``vnsearch-giam-ngheo-kon-tum-2026-12-04.csv`` and ``vnsearch-giảm-nghèo-kon-tum-…``."""
    words = " ".join(v for k, v in state_pairs(args)
                     if k not in ("sort", "page", "per_page", "title_only"))
    utf8 = "-".join(re.findall(r"\w+", words.lower()))[:FILENAME_WORDS_MAX].strip("-")
    ascii_ = "-".join(re.findall(r"[a-z0-9]+", fold(words).replace("đ", "d")))
    ascii_ = ascii_[:FILENAME_WORDS_MAX].strip("-")
    stamp = day.strftime("%Y-%m-%d")

    def name(middle: str) -> str:
        return f"vnsearch-{middle}-{stamp}.{ext}" if middle else f"vnsearch-{stamp}.{ext}"
    return name(ascii_), name(utf8)


# Exports evaluated at once, per app: each holds a worker thread and a whole result set;
# more wait for a retry (503 + Retry-After) instead of starving everyone's searches.
EXPORT_CONCURRENCY = 2
BUSY_RETRY_SECONDS = 5


_SLOTS = "vnsearch.exports"  # the app's export semaphore, in app.extensions
_SLOTS_LOCK = threading.Lock()


def _export_slot() -> threading.BoundedSemaphore:
    """The app's semaphore of export slots, made on its first export."""
    slots = current_app.extensions.get(_SLOTS)
    if slots is None:
        with _SLOTS_LOCK:
            slots = current_app.extensions.setdefault(_SLOTS, threading.BoundedSemaphore(
                current_app.config.get("EXPORT_CONCURRENCY", EXPORT_CONCURRENCY)))
    assert isinstance(slots, threading.BoundedSemaphore)
    return slots


def _bounded_export(args: Any) -> tuple[list[dict[str, Any]], int] | Response:
    """``export_records``, or a 503 when EXPORT_CONCURRENCY exports are running."""
    slots = _export_slot()
    if not slots.acquire(blocking=False):
        busy = api.json_error("too many exports are running; try again in a few seconds", 503)
        busy.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return busy
    try:
        return export_records(args)
    finally:
        slots.release()


@bp.get("/export.csv")
def export_csv() -> Response:
    headers = header_choice(request.args)  # checked before the search: a 400 costs nothing
    return _export(lambda blocks: _csv_chunks(blocks, headers), "text/csv; charset=utf-8",
                   "csv")


@bp.get("/export.json")
def export_json() -> Response:
    return _export(_json_chunks, "application/json; charset=utf-8", "json")


Blocks = Iterator[list[dict[str, Any]]]


def _export(chunks: Callable[[Blocks], Iterator[bytes]], mimetype: str,
            ext: str) -> Response:
    exported = _bounded_export(request.args)
    if isinstance(exported, Response):
        return exported
    records, total = exported
    # The reader the search just used (an index swapped meanwhile keeps it open), and
    # what the passages mark.
    reader = current_index().reader
    terms = query_terms(next((v for k, v in state_pairs(request.args) if k == "q"), ""))
    names = export_filename(request.args, ext, datetime.now(timezone.utc))
    return _attachment(chunks(_blocks(records, reader, terms)), mimetype, names,
                       len(records), total)


def _csv_chunks(blocks: Blocks, headers: str = "vi") -> Iterator[bytes]:
    """The CSV, written out a block of rows at a time (never the whole file in memory)."""
    buffer = io.StringIO()
    # The BOM makes Excel read the file as UTF-8 (Vietnamese would be garbled otherwise).
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS if headers == "keys" else
                    [EXPORT_LABELS[name] for name in EXPORT_COLUMNS])
    for block in blocks:
        for record in block:
            writer.writerow([_csv_cell(record[name]) for name in EXPORT_COLUMNS])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue().encode("utf-8")


def _json_chunks(blocks: Blocks) -> Iterator[bytes]:
    """A JSON array, a record per line, streamed."""
    yield b"["
    first = True
    for block in blocks:
        for record in block:
            yield (("" if first else ",") + "\n"
                   + json.dumps(record, ensure_ascii=False)).encode("utf-8")
            first = False
    yield b"\n]\n"


def _csv_cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _attachment(body: Iterator[bytes], mimetype: str, names: tuple[str, str], rows: int,
                total: int) -> Response:
    ascii_name, utf8_name = names
    response = Response(body, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    # filename= for old clients (ASCII only), filename*= (RFC 5987/6266) with the tones.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(utf8_name, safe="")}')
    # Say how much was exported, and whether the cap cut it, without a second request.
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Rows"] = str(rows)
    response.headers["X-Export-Truncated"] = "true" if rows < total else "false"
    return response
