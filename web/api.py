"""The JSON API: the shared data functions, the API routes and the one JSON error shape.

One data function, :func:`search_data` (``Index.search`` → ``SearchResult.to_dict()``),
feeds the HTML page, ``/api/search``, ``/api/facets`` and the exports (:mod:`web.exports`),
so they cannot disagree. What the page shows beyond the library's result, its links
(:mod:`web.links`) and the document's marked text (:mod:`web.marks`), is added by
:func:`search_page_data` and :func:`document_data`, which the page and the API both call.
Every JSON error has one shape, made by :func:`json_error`:
``{"ok": false, "error": "...", "status": N}``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from search.documents import METADATA_FIELDS
from search.errors import BadQuery, DocumentNotFound, IndexCorrupt, IndexMissing, VnSearchError
from search.results import MAX_PER_PAGE, SearchRequest

# EXPORT_COLUMNS and EXPORT_MAX_ROWS are read by the OpenAPI description below only.
from .exports import EXPORT_COLUMNS, EXPORT_MAX_ROWS
from .links import facet_values, search_links
from .marks import document_highlight
from .state import current_index, index_holder
from .urls import Args, search_request, unknown_params_message

bp = Blueprint("api", __name__)


# -- data functions ----------------------------------------------------------------------
def search_data(req: SearchRequest) -> dict[str, Any]:
    """THE data function: one search, as ``SearchResult.to_dict()``."""
    return current_index().search(req).to_dict()


def search_page_data(args: Args) -> dict[str, Any]:
    """One page of results as the search page and ``/api/search`` both show it:
    :func:`search_data` of the query string, with a note on ignored parameters, plus
    ``facet_values`` (count, selected, toggle link of every facet value) and ``links``
    (filters in force, clear, sort, pages, suggestion, exports)."""
    result = search_data(search_request(args))
    note = unknown_params_message(args)
    if note:
        result["messages"] = [*result["messages"], note]
    result["facet_values"] = facet_values(result, args)
    result["links"] = search_links(result, args)
    return result


def document_data(doc_id: str, q: str = "") -> dict[str, Any]:
    """A stored document flattened like ``vnsearch show --json --text``, plus ``related``
    and ``highlight``: its text and notes with the matches of ``q`` marked (None without
    ``q``).

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
    data["highlight"] = document_highlight(data, q)
    return data


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
    return _ok(search_page_data(request.args))


@bp.get("/api/facets")
def api_facets() -> Response:
    # One hit is the cheapest search the library allows; only the counts are wanted.
    result = search_data(search_request(request.args, page=1, per_page=1, highlight=False))
    keys = ("total", "facets", "query", "filters", "year_from", "year_to", "took_ms",
            "messages")
    data = with_unknown_params({k: result[k] for k in keys})
    data["facet_values"] = facet_values(result, request.args)
    return _ok(data)


@bp.get("/api/documents/<doc_id>")
def api_document(doc_id: str) -> Response:
    return _ok(document_data(doc_id, request.args.get("q", "").strip()))


@bp.get("/healthz")
def healthz() -> Response:
    holder = index_holder()
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
    return {
        "Error": {"type": "object", "required": ["ok", "error", "status"], "properties": {
            "ok": {"type": "boolean", "const": False},
            "error": {"type": "string", "description": "What went wrong, for a person."},
            "status": {"type": "integer", "description": "The HTTP status again."}}},
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
            "facet_values": {"type": "object", "description": "Facet -> values: value, count, "
                             "selected, toggle link (query, href, api_href)."},
            "links": {"type": "object", "description": "filters, clear_filters, sort, pages, "
                      "suggestion, export."}}},
        "Facets": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True}, "total": {"type": "integer"},
            "facets": {"type": "object", "additionalProperties": counts},
            "query": {"type": "string"}, "filters": {"type": "object"},
            "year_from": {"type": ["integer", "null"]}, "year_to": {"type": ["integer", "null"]},
            "took_ms": {"type": "number"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "facet_values": {"type": "object", "description": "Facet -> values: value, count, "
                             "selected, toggle link (query, href, api_href)."}}},
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
            "highlight": {"type": ["object", "null"], "description": "With ?q=: text and notes "
                          "as [{text, match}] runs; matches, note_matches."},
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
