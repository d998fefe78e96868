"""Exports: every hit of a query (all pages, up to a cap) as a CSV or JSON attachment.

The records come from the library's one ``search()``, as the page's and the API's do, so
an export lists exactly the hits the page pages through, in one evaluation over one index
generation.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from flask import Blueprint, Response, current_app, request, url_for

from search.fields import MAX_PER_PAGE

from . import api
from .state import current_index
from .urls import search_request, state_pairs

bp = Blueprint("exports", __name__)

# Rows of one export at most: enough for any real research question, small enough to answer
# in seconds and a few MB.
EXPORT_MAX_ROWS = 10_000
CHUNK_ROWS = 500  # rows written per streamed block
EXPORT_COLUMNS = ("id", "number", "doc_type", "date", "year", "province", "province_2025",
                  "issuer", "title", "term", "signer", "signer_role", "url", "path")


def export_records(args: Any) -> tuple[list[dict[str, Any]], int]:
    """Every hit of the query (up to EXPORT_MAX_ROWS) as flat records, and the total number
    of matches (which may be larger than what was exported).

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
    record["url"] = url_for("views.document", doc_id=hit["id"], _external=True)
    return record


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
    return _export(_csv_chunks, "text/csv; charset=utf-8", "csv")


@bp.get("/export.json")
def export_json() -> Response:
    return _export(_json_chunks, "application/json; charset=utf-8", "json")


def _export(chunks: Callable[[list[dict[str, Any]]], Iterator[bytes]], mimetype: str,
            ext: str) -> Response:
    exported = _bounded_export(request.args)
    if isinstance(exported, Response):
        return exported
    records, total = exported
    return _attachment(chunks(records), mimetype, ext, len(records), total)


def _csv_chunks(records: list[dict[str, Any]]) -> Iterator[bytes]:
    """The CSV, written out a block of rows at a time (never the whole file in memory)."""
    buffer = io.StringIO()
    # The BOM makes Excel read the file as UTF-8 (Vietnamese would be garbled otherwise).
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for start in range(0, len(records), CHUNK_ROWS):
        for record in records[start:start + CHUNK_ROWS]:
            writer.writerow([_csv_cell(record[name]) for name in EXPORT_COLUMNS])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows: the header alone
        yield buffer.getvalue().encode("utf-8")


def _json_chunks(records: list[dict[str, Any]]) -> Iterator[bytes]:
    """A JSON array, a record per line, streamed."""
    yield b"["
    for i, record in enumerate(records):
        yield (("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False)).encode("utf-8")
    yield b"\n]\n"


def _csv_cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _attachment(body: Iterator[bytes], mimetype: str, ext: str, rows: int,
                total: int) -> Response:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    response = Response(body, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="vnsearch-{stamp}.{ext}"'
    # Say how much was exported, and whether the cap cut it, without a second request.
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Rows"] = str(rows)
    response.headers["X-Export-Truncated"] = "true" if rows < total else "false"
    return response
