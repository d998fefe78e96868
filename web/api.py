"""The data functions every front end shares, and the JSON side of the app.

One data function, :func:`search_data` (``Index.search`` → ``SearchResult.to_dict()``),
feeds the HTML page, ``/api/search``, ``/api/facets`` and the exports, so they cannot
disagree. Every JSON error has one shape, made by :func:`json_error`:
``{"ok": false, "error": "...", "code": ..., "params": {...}, "status": N}`` (``code`` and
``params`` are those of :mod:`search.messages` for a bad request, else null and {}).
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
from search.messages import CATALOGUE, Message
from search.results import MAX_PER_PAGE, SearchRequest

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
def json_error(message: str | Message, status: int) -> Response:
    """The one JSON error shape, for every error of every JSON route: the English
    sentence, and the message's code and parameters when it has them (else null, {})."""
    coded = message if isinstance(message, Message) else None
    response = jsonify({"ok": False, "error": str(message),
                        "code": coded.code if coded else None,
                        "params": coded.to_json_params() if coded else {},
                        "status": status})
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
        result["messages"] = [*result["messages"], note.text]
        result["notices"] = [*result["notices"], note.to_dict()]
    return result


@bp.get("/api/search")
def api_search() -> Response:
    return _ok(with_unknown_params(search_data(search_request(request.args))))


@bp.get("/api/facets")
def api_facets() -> Response:
    # One hit is the cheapest search the library allows; only the counts are wanted.
    result = search_data(search_request(request.args, page=1, per_page=1, highlight=False))
    keys = ("total", "facets", "query", "filters", "year_from", "year_to", "took_ms",
            "messages", "notices")
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
    return jsonify(openapi_document())


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


# -- OpenAPI -----------------------------------------------------------------------------
# Built from the same parameter lists the routes read (urls.SEARCH_PARAMS), so the
# description cannot drift from what the code accepts; tests compare it with url_map.
def _param(name: str, schema: dict[str, Any], description: str, *, where: str = "query",
           required: bool = False) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "required": required,
                             "description": description, "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=True)
    return param


def _search_parameters(*, paging: bool) -> list[dict[str, Any]]:
    from search.results import MAX_PAGE, SORTS

    text = {"type": "string"}
    many = {"type": "array", "items": {"type": "string"}}
    params = [
        _param("q", text, 'Query: words with or without tone marks, "phrases", -exclusions, '
               "OR, document numbers (04-NQ/TU) and filters (tinh:, nam:, loai:, coquan:)."),
        _param("province", many, "Province as at the issue date (repeatable: OR)."),
        _param("province_2025", many, "Province after the 1 July 2025 merger (repeatable)."),
        _param("year", many, "Year (repeatable)."),
        _param("doc_type", many, "Document type, e.g. Kết luận (repeatable)."),
        _param("issuer", many, "Issuing body, e.g. Ban Thường vụ Tỉnh ủy (repeatable)."),
        _param("year_from", {"type": "integer", "minimum": 1, "maximum": 9999},
               "First year of a range (inclusive)."),
        _param("year_to", {"type": "integer", "minimum": 1, "maximum": 9999},
               "Last year of a range (inclusive)."),
    ]
    if paging:
        params += [
            _param("sort", {"type": "string", "enum": list(SORTS), "default": "relevance"},
                   "Order of the hits."),
            _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                   "Page number."),
            _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                "default": 10}, "Hits per page."),
        ]
    return params


def _export_parameters() -> list[dict[str, Any]]:
    # Exports take the search parameters; page and per_page are ignored (all pages).
    return [p for p in _search_parameters(paging=True) if p["name"] not in ("page", "per_page")]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_TEXTS = {
    400: "Bad parameter (the message says which and why).",
    404: "No such document or route.",
    405: "Only GET and HEAD are allowed.",
    500: "Unexpected server error.",
    503: "No usable index (the message says how to build one).",
}


def _errors(*codes: int, html: bool = False) -> dict[str, Any]:
    """Error responses: the JSON Error shape, or (for the HTML pages) an HTML page."""
    if html:
        return {str(code): {"description": _ERROR_TEXTS[code] + " (an HTML page)",
                            "content": {"text/html": {"schema": {"type": "string"}}}}
                for code in codes}
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _schemas() -> dict[str, Any]:
    nullable_str = {"type": ["string", "null"]}
    meta_props: dict[str, Any] = {
        "number": {**nullable_str, "description": "Normalised number, e.g. 237-KL/TU."},
        "doc_type": nullable_str, "issuer": nullable_str, "province": nullable_str,
        "province_2025": nullable_str,
        "date": {"type": ["string", "null"], "format": "date"},
        "year": {"type": ["integer", "null"]},
        "title": nullable_str, "term": nullable_str, "signer": nullable_str,
        "signer_role": nullable_str,
        "cites": {"type": ["array", "null"], "items": {"type": "string"}},
        "provenance": {"type": "object", "additionalProperties": nullable_str,
                       "description": "Field -> header, title_line, body, signature, "
                                      "record (a key of the imported JSON Lines record) or "
                                      "'inferred: <from what>'; null when unknown."},
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    brief = {"type": "object", "properties": {
        "id": {"type": "string"}, "number": nullable_str, "doc_type": nullable_str,
        "date": nullable_str, "province": nullable_str, "title": nullable_str}}
    export_props = {name: {"type": ["string", "integer", "null"]} for name in EXPORT_COLUMNS}
    text_source = {"type": "string", "enum": ["text", "ocr", "mixed"],
                   "description": "Where the words came from: the file's own text, OCR of "
                                  "scanned pages, or both."}
    notice = {"type": "object", "required": ["code", "params", "text"], "properties": {
        "code": {"type": "string", "enum": list(CATALOGUE)},
        "params": {"type": "object"}, "text": {"type": "string", "description": "In English."}}}
    notices = {"type": "array", "items": _ref("Notice"),
               "description": "The messages as code + params + English text, in order."}
    return {
        "Error": {"type": "object", "required": ["ok", "error", "code", "params", "status"],
                  "properties": {
            "ok": {"type": "boolean", "const": False},
            "error": {"type": "string", "description": "What went wrong, for a person."},
            "code": {"type": ["string", "null"], "enum": [*CATALOGUE, None],
                     "description": "The message code of a bad request (400), else null."},
            "params": {"type": "object", "description": "The code's parameters."},
            "status": {"type": "integer", "description": "The HTTP status again."}}},
        "Notice": notice,
        "Hit": {"type": "object", "properties": {
            "id": {"type": "string"}, "path": {"type": "string"}, "score": {"type": "number"},
            **meta_props,
            "highlights": {"type": "array", "items": {"type": "string"},
                           "description": "HTML passages: only <mark> is markup, the rest "
                                          "is escaped."},
            "text_source": text_source}},
        "SearchResult": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True},
            "total": {"type": "integer"},
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {"type": "object", "description": "Facet -> value -> count, each "
                       "facet counted as if its own filter were not set.",
                       "properties": {f: counts for f in
                                      ("province", "province_2025", "year", "doc_type",
                                       "issuer")}},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "pages": {"type": "integer"}, "sort": {"type": "string"},
            "query": {"type": "string"}, "parsed": {"type": "string"},
            "filters": {"type": "object", "additionalProperties":
                        {"type": "array", "items": {"type": "string"}}},
            "year_from": {"type": ["integer", "null"]}, "year_to": {"type": ["integer", "null"]},
            "took_ms": {"type": "number"}, "suggestion": nullable_str,
            "relaxed": {"type": "boolean"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "notices": notices}},
        "Facets": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True}, "total": {"type": "integer"},
            "facets": {"type": "object", "additionalProperties": counts},
            "query": {"type": "string"}, "filters": {"type": "object"},
            "year_from": {"type": ["integer", "null"]}, "year_to": {"type": ["integer", "null"]},
            "took_ms": {"type": "number"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "notices": notices}},
        "Document": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True},
            "id": {"type": "string"}, "path": {"type": "string"}, "format": {"type": "string"},
            "converted_from": {**nullable_str, "description": "Legacy encoding converted "
                               "from (TCVN3, VNI), if any."},
            "size": {"type": ["integer", "null"]}, "mtime": {"type": ["number", "null"]},
            "sha256": nullable_str, "indexed_at": nullable_str, **meta_props,
            "text_source": text_source,
            "ocr": {"type": ["object", "null"], "description": "How scanned pages were "
                    "recognised: engine, lang, pages (1-based), of_pages, mean_confidence "
                    "(0–100, per word), words, cached_pages.", "properties": {
                        "engine": {"type": "string"}, "lang": {"type": "string"},
                        "pages": {"type": "array", "items": {"type": "integer"}},
                        "of_pages": {"type": "integer"}, "mean_confidence": {"type": "number"},
                        "words": {"type": "integer"}, "cached_pages": {"type": "integer"}}},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "text": {"type": "string"}, "notes": nullable_str,
            "related": {"type": "object", "properties": {
                "cites": {"type": "array", "items": {"type": "object", "properties": {
                    "number": {"type": "string"},
                    "documents": {"type": "array", "items": brief}}}},
                "cited_by": {"type": "array", "items": brief}}}}},
        "Health": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True}, "status": {"type": "string"},
            "index": {"type": "string"}, "documents": {"type": "integer"},
            "generation": nullable_str, "built_at": nullable_str, "updated_at": nullable_str}},
        "ExportRecord": {"type": "object", "properties": export_props},
    }


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.1 description of every route of the app (HTML ones included)."""
    doc_id = _param("doc_id", {"type": "string"}, "Document id (from a search hit).",
                    where="path", required=True)
    html = {"description": "HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}
    export_headers = {
        "Content-Disposition": {"schema": {"type": "string"}, "description": "attachment"},
        "X-Total-Count": {"schema": {"type": "integer"}, "description": "Matches in all."},
        "X-Export-Rows": {"schema": {"type": "integer"}, "description": "Rows exported."},
        "X-Export-Truncated": {"schema": {"type": "string", "enum": ["true", "false"]},
                               "description": f"Whether the cap of {EXPORT_MAX_ROWS} rows "
                                              f"cut the export."},
    }

    def op(summary: str, params: list[dict[str, Any]], ok: dict[str, Any],
           *errors: int) -> dict[str, Any]:
        html_page = "text/html" in ok.get("content", {}) or "binary" in json.dumps(ok)
        return {"get": {"summary": summary, "parameters": params,
                        "responses": {"200": ok, **_errors(*errors, 405, 500, html=html_page)}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "vnsearch", "version": "1",
                 "description": "Vietnamese-aware full-text search of Party and state "
                                "documents. Read-only: GET and HEAD only. Every error is "
                                "JSON of the Error schema on /api/ routes, /healthz and the "
                                "exports; an HTML page on the HTML routes."},
        "paths": {
            "/": op("Search page (HTML)", _search_parameters(paging=True), html, 400, 503),
            "/documents/{doc_id}": op(
                "Document page (HTML), with the query's words highlighted",
                [doc_id, _param("q", {"type": "string"}, "Query whose words to highlight.")],
                html, 404, 503),
            "/documents/{doc_id}/download": op(
                "The original file of a document (not for JSON Lines records)", [doc_id],
                {"description": "The file, as an attachment.",
                 "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                      "format": "binary"}}}},
                404, 503),
            "/api/search": op("Search", _search_parameters(paging=True),
                              _json(_ref("SearchResult"), "One page of hits with facets."),
                              400, 503),
            "/api/facets": op("Facet counts of a query", _search_parameters(paging=False),
                              _json(_ref("Facets"), "Counts per facet value."), 400, 503),
            "/api/documents/{doc_id}": op("One document: metadata, provenance, text, related",
                                          [doc_id], _json(_ref("Document"), "The document."),
                                          404, 503),
            "/api/openapi.json": op("This description", [],
                                    _json({"type": "object"}, "OpenAPI 3.1 document.")),
            "/healthz": op("Whether an index is loaded", [],
                           _json(_ref("Health"), "Index loaded."), 503),
            "/export.csv": op(
                f"Every hit of a query as CSV (UTF-8 with BOM; at most {EXPORT_MAX_ROWS} rows)",
                _export_parameters(),
                {"description": "CSV with columns " + ", ".join(EXPORT_COLUMNS) + ".",
                 "headers": export_headers,
                 "content": {"text/csv": {"schema": {"type": "string"}}}}, 400, 503),
            "/export.json": op(
                f"Every hit of a query as a JSON list (at most {EXPORT_MAX_ROWS} records)",
                _export_parameters(),
                {**_json({"type": "array", "items": _ref("ExportRecord")}, "The records."),
                 "headers": export_headers}, 400, 503),
        },
        "components": {
            "schemas": _schemas(),
            "responses": {f"E{code}": _json(_ref("Error"), text)
                          for code, text in _ERROR_TEXTS.items()},
        },
    }
