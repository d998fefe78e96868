"""The data functions every front end shares, and the JSON side of the app.

One data function, :func:`search_data` (``Index.search`` → ``SearchResult.to_dict()``),
feeds the HTML page, ``/api/search``, ``/api/facets`` and the exports, so they cannot
disagree. Every JSON error has one shape, made by :func:`json_error`:
``{"ok": false, "error": "...", "status": N}``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from search.documents import METADATA_FIELDS
from search.errors import BadQuery, DocumentNotFound, IndexCorrupt, IndexMissing, VnSearchError
from search.index import Index, open_index
from search.results import MAX_PER_PAGE, SearchRequest

from .openapi import openapi_document
from .urls import search_request, state_pairs, unknown_params_message

bp = Blueprint("api", __name__)

EXTENSION = "vnsearch"
# Exports walk the result pages MAX_PER_PAGE at a time, up to this many rows: enough for
# any real research question, small enough to answer in seconds and a few MB. (It must
# stay within MAX_PAGE pages of MAX_PER_PAGE, the deepest page the library serves.)
EXPORT_MAX_ROWS = 10_000
EXPORT_COLUMNS = ("id", "number", "doc_type", "date", "year", "province", "province_2025",
                  "issuer", "title", "term", "signer", "signer_role", "url", "path")
# JSON Lines records are stored as "<file>#L<line>": not a file of their own to download.
_RECORD_PATH = re.compile(r"#L\d+$")


# -- the open index ----------------------------------------------------------------------
class IndexHolder:
    """The app's one open :class:`Index` (in ``app.extensions``), opened on first use.

    A missing or corrupt index is retried on every request, so an index built after the
    server started is served without a restart; once open, ``Index.reader`` reopens by
    itself when a build swaps in a new generation.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._index: Index | None = None
        self._lock = threading.Lock()

    def get(self) -> Index:
        """The open index, refreshed to the current generation (IndexMissing/IndexCorrupt)."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = open_index(self.path)
                index = self._index
        index.refresh()  # a swapped-in generation, or IndexMissing if it was deleted
        return index

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def current_index() -> Index:
    holder: IndexHolder = current_app.extensions[EXTENSION]
    return holder.get()


# -- data functions ----------------------------------------------------------------------
def search_data(req: SearchRequest) -> dict[str, Any]:
    """THE data function: one search, as ``SearchResult.to_dict()``."""
    return current_index().search(req).to_dict()


def document_data(doc_id: str) -> dict[str, Any]:
    """A stored document flattened like ``vnsearch show --json --text``, plus ``related``.

    The id is only ever looked up in the index (DocumentNotFound otherwise), never joined
    into a path.
    """
    index = current_index()
    stored = index.get(doc_id)
    data = {k: v for k, v in stored.items() if k != "meta"}
    meta = stored.get("meta", {})
    data.update({name: meta.get(name) for name in METADATA_FIELDS})
    data["provenance"] = meta.get("provenance", {})
    data["warnings"] = meta.get("warnings", [])
    data["related"] = index.related(doc_id)
    return data


def downloadable_path(stored: dict[str, Any]) -> Path | None:
    """The original file of an indexed document, if it is a real file that still exists."""
    raw = stored.get("path") or ""
    if not raw or _RECORD_PATH.search(raw) or not stored.get("sha256"):
        return None
    path = Path(raw)
    if not path.is_absolute() or not path.is_file():
        return None
    return path


def open_indexed_file(stored: dict[str, Any]) -> tuple[Path, BinaryIO] | None:
    """The original file, opened, if its bytes are still exactly the bytes indexed.

    Only indexed content can be downloaded: the file is hashed through the same open
    descriptor that is then sent, and must match the SHA-256 recorded at indexing time,
    so a changed file, a path swapped for a symlink or a tampered stored path (to
    ``/etc/passwd``, say) gives nothing.
    """
    path = downloadable_path(stored)
    if path is None:
        return None
    try:
        fh = open(path, "rb")  # noqa: SIM115 - handed to send_file, which closes it
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    except OSError:
        fh.close()
        return None
    if not hmac.compare_digest(digest.hexdigest(), str(stored.get("sha256"))):
        fh.close()
        return None
    fh.seek(0)
    return path, fh


def export_records(args: Any) -> tuple[list[dict[str, Any]], int]:
    """Every hit of the query (all pages, up to EXPORT_MAX_ROWS) as flat records, and the
    total number of matches (which may be larger than what was exported)."""
    # page and per_page belong to the page the user was on; an export has every page.
    state = [(k, v) for k, v in state_pairs(args) if k not in ("page", "per_page")]
    base = search_request(state, page=1, per_page=MAX_PER_PAGE, highlight=False)
    records: list[dict[str, Any]] = []
    total = 0
    page = 1
    while len(records) < EXPORT_MAX_ROWS:
        base.page = page
        result = search_data(base)
        total = result["total"]
        records.extend(_export_record(hit) for hit in result["hits"])
        if page >= result["pages"] or not result["hits"]:
            break
        page += 1
    return records[:EXPORT_MAX_ROWS], total


def _export_record(hit: dict[str, Any]) -> dict[str, Any]:
    record = {name: hit.get(name) for name in EXPORT_COLUMNS}
    record["url"] = url_for("views.document", doc_id=hit["id"], _external=True)
    return record


# -- JSON helpers ------------------------------------------------------------------------
def json_error(message: str, status: int) -> Response:
    """The one JSON error shape, for every error of every JSON route."""
    response = jsonify({"ok": False, "error": message, "status": status})
    response.status_code = status
    return response


def wants_json() -> bool:
    """Errors of the API, the health check and the exports are answered in JSON (programs
    call them); the HTML pages answer errors with an HTML page."""
    path = request.path
    return path.startswith(("/api/", "/export.")) or path == "/healthz"


def status_of(err: VnSearchError) -> int:
    """HTTP status of a library error: the caller's fault, not found, or no index."""
    if isinstance(err, BadQuery):
        return 400
    if isinstance(err, DocumentNotFound):
        return 404
    if isinstance(err, (IndexMissing, IndexCorrupt)):
        return 503
    return 500


def _ok(data: dict[str, Any]) -> Response:
    return jsonify({"ok": True, **data})


# -- routes ------------------------------------------------------------------------------
def with_unknown_params(result: dict[str, Any], known: tuple[str, ...] | None = None
                        ) -> dict[str, Any]:
    """``result`` with a message naming the parameters of the request that were ignored."""
    note = unknown_params_message(request.args, *(() if known is None else (known,)))
    if note:
        result["messages"] = [*result["messages"], note]
    return result


@bp.get("/api/search")
def api_search() -> Response:
    return _ok(with_unknown_params(search_data(search_request(request.args))))


@bp.get("/api/facets")
def api_facets() -> Response:
    # One hit is the cheapest search the library allows; only the counts are wanted.
    result = search_data(search_request(request.args, page=1, per_page=1, highlight=False))
    keys = ("total", "facets", "query", "filters", "year_from", "year_to", "took_ms",
            "messages")
    return _ok(with_unknown_params({k: result[k] for k in keys}))


@bp.get("/api/documents/<doc_id>")
def api_document(doc_id: str) -> Response:
    return _ok(document_data(doc_id))


@bp.get("/healthz")
def healthz() -> Response:
    holder: IndexHolder = current_app.extensions[EXTENSION]
    try:
        index = holder.get()
        documents = index.reader.doc_count()
    except VnSearchError as err:
        return json_error(str(err), 503)
    return _ok({"status": "ok", "index": holder.path, "documents": documents,
                "generation": index.generation, "built_at": index.manifest.get("built_at"),
                "updated_at": index.manifest.get("updated_at")})


@bp.get("/api/openapi.json")
def api_openapi() -> Response:
    return jsonify(openapi_document(EXPORT_COLUMNS, EXPORT_MAX_ROWS))


@bp.get("/export.csv")
def export_csv() -> Response:
    records, total = export_records(request.args)
    buffer = io.StringIO()
    # The BOM makes Excel read the file as UTF-8 (Vietnamese would be garbled otherwise).
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for record in records:
        writer.writerow([_csv_cell(record[name]) for name in EXPORT_COLUMNS])
    return _attachment(buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8", "csv",
                       len(records), total)


@bp.get("/export.json")
def export_json() -> Response:
    records, total = export_records(request.args)
    body = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
    return _attachment(body, "application/json; charset=utf-8", "json", len(records), total)


def _csv_cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with ``'``."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _attachment(body: bytes, mimetype: str, ext: str, rows: int, total: int) -> Response:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    response = Response(body, mimetype=mimetype.split(";")[0])
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="vnsearch-{stamp}.{ext}"'
    # Say how much was exported, and whether the cap cut it, without a second request.
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Export-Rows"] = str(rows)
    response.headers["X-Export-Truncated"] = "true" if rows < total else "false"
    return response
