"""The OpenAPI 3.1 document of the app, generated from the table of fields.

Search parameters, facet names and the result schemas' facet and range properties come
from :mod:`search.fields`, the same table the routes read their parameters from
(:mod:`web.urls`), so the description cannot drift from what the code accepts; tests
compare it with the app's url_map and with the responses.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify

from search import fields
from search.messages import CATALOGUE
from search.related import STATUS_VALUES
from search.relations import TYPE_NAMES

from .exports import EXPORT_COLUMNS, EXPORT_MAX_ROWS
from .feeds import FEED_ENTRIES

bp = Blueprint("openapi", __name__)

JSONDict = dict[str, Any]
_COUNTS: JSONDict = {"type": "object", "additionalProperties": {"type": "integer"}}


def _param(name: str, schema: JSONDict, description: str, *, where: str = "query",
           required: bool = False) -> JSONDict:
    param: JSONDict = {"name": name, "in": where, "required": required,
                       "description": description, "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=True)
    return param


def _facet_param(facet: fields.Facet) -> JSONDict:
    # Repeatable: OR within the facet. The examples are real values of the seed corpus.
    items: JSONDict = {"type": "string"}
    if facet.examples:
        items["examples"] = list(facet.examples)
    return _param(facet.param, {"type": "array", "items": items}, facet.description)


def _bound_param(bound: fields.Bound, rng: fields.Range) -> JSONDict:
    return _param(bound.param, {"type": "integer", "minimum": rng.minimum,
                                "maximum": rng.maximum}, bound.description)


def _choice_param(choice: fields.Choice) -> JSONDict:
    schema: JSONDict
    if choice.choices:
        schema = {"type": "string", "enum": list(choice.choices), "default": choice.default}
    else:
        schema = {"type": "integer", "minimum": choice.minimum, "maximum": choice.maximum,
                  "default": choice.default}
    return _param(choice.param, schema, choice.description)


def _flag_param(flag: fields.Flag) -> JSONDict:
    return _param(flag.param, {"type": "string", "enum": [*fields.FLAG_ON, *fields.FLAG_OFF],
                               "default": fields.FLAG_OFF[0]}, flag.description)


def search_parameters(*, paging: bool, facets: tuple[fields.Facet, ...] = fields.FACETS
                      ) -> list[JSONDict]:
    """The query, each facet, each range bound and (``paging``) sort and paging."""
    params = [_param(fields.QUERY_PARAM, {"type": "string"}, fields.QUERY_DESCRIPTION)]
    params += [_facet_param(f) for f in facets]
    params += [_bound_param(b, r) for r in fields.ranges(facets) for b in r.bounds]
    params += [_flag_param(f) for f in fields.FLAGS]
    if paging:
        params += [_choice_param(c) for c in fields.PAGING]
    return params


def export_parameters(facets: tuple[fields.Facet, ...] = fields.FACETS) -> list[JSONDict]:
    # Exports take the search parameters but not the page shown: they have every page.
    page_only = {c.param for c in fields.PAGING if c.page_only}
    return [p for p in search_parameters(paging=True, facets=facets)
            if p["name"] not in page_only]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: JSONDict, description: str) -> JSONDict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_TEXTS = {
    400: "Bad parameter (the message says which and why).",
    404: "No such document or route.",
    405: "Only GET and HEAD are allowed.",
    500: "Unexpected server error.",
    503: "No usable index (the message says how to build one).",
}


def _errors(*codes: int, html: bool = False) -> JSONDict:
    """Error responses: the JSON Error shape, or (for the HTML pages) an HTML page."""
    if html:
        return {str(code): {"description": _ERROR_TEXTS[code] + " (an HTML page)",
                            "content": {"text/html": {"schema": {"type": "string"}}}}
                for code in codes}
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _result_props(facets: tuple[fields.Facet, ...]) -> tuple[JSONDict, JSONDict]:
    """A result's properties that follow the table: counts per facet, range bounds (and
    the flags, echoed with them)."""
    per_facet = {f.name: _COUNTS for f in facets}
    bounds: JSONDict = {b.param: {"type": ["integer", "null"]} for r in fields.ranges(facets)
                        for b in r.bounds}
    bounds.update({f.param: {"type": "boolean"} for f in fields.FLAGS})
    return per_facet, bounds


def _paging_props() -> JSONDict:
    """The sort and paging a result echoes."""
    return {c.param: {"type": "string" if c.choices else "integer"} for c in fields.PAGING}


# The links the page shows, as data (web/links.py): every link is its query string, the
# search page's URL and the API's.
_LINK = {"query": {"type": "string"}, "href": {"type": "string"},
         "api_href": {"type": "string"}}
_NULLABLE_LINK = {k: {"type": ["string", "null"]} for k in _LINK}
_SEGMENTS = {"type": "array", "description": "Runs of the text in order; joined, they give "
             "the text back.", "items": {"type": "object", "properties": {
                 "text": {"type": "string"}, "match": {"type": "boolean"}}}}
_FACET_VALUES = {"type": "object", "description": "Facet -> its values in display order, "
                 "each with its count, whether it is selected and the link that toggles it.",
                 "additionalProperties": {"type": "array", "items": _ref("FacetValue")}}
_NOTICES = {"type": "array", "items": _ref("Notice"),
            "description": "The messages as code + params + English text, in order (each "
                           "surface words the code in its own language)."}
_LINK_SCHEMAS: JSONDict = {
    "Link": {"type": "object", "properties": _LINK},
    "FacetValue": {"type": "object", "properties": {
        "value": {"type": "string"}, "count": {"type": "integer"},
        "selected": {"type": "boolean"}, **_LINK}},
    "Links": {"type": "object", "properties": {
        "filters": {"type": "array", "description": "The filters in force, each with the "
                    "link that removes it.", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}, "value": {"type": "string"}, **_LINK}}},
        "clear_filters": {"oneOf": [{"type": "null"}, _ref("Link")]},
        "sort": {"type": "array", "items": {"type": "object", "properties": {
            "sort": {"type": "string"}, "current": {"type": "boolean"}, **_LINK}}},
        "pages": {"type": "array", "description": "Previous, page numbers, next; a gap is "
                  "an entry with page null.", "items": {"type": "object", "properties": {
                      "page": {"type": ["integer", "null"]}, "current": {"type": "boolean"},
                      "rel": {"type": ["string", "null"], "enum": ["prev", "next", None]},
                      **_NULLABLE_LINK}}},
        "suggestion": {"oneOf": [{"type": "null"}, _ref("Link")]},
        "chain": {"oneOf": [{"type": "null"}, _ref("ChainLink")]},
        "feed": {"type": "string", "description": "The Atom feed of this search "
                 "(/feed.atom: newest first, no paging)."},
        "export": {"type": "object", "properties": {
            "query": {"type": "string"}, "csv": {"type": "string"},
            "json": {"type": "string"}}}}},
    "ChainLink": {"type": "object", "description": "The implementation chain of a document "
                  "number (a query that is one number; a document's own number).",
                  "properties": {"number": {"type": "string"}, "href": {"type": "string"},
                                 "api_href": {"type": "string"}}},
    "Highlight": {"type": "object", "properties": {
        "query": {"type": "string"}, "matches": {"type": "integer"}, "text": _SEGMENTS,
        "note_matches": {"type": "integer"}, "notes": _SEGMENTS}},
}


def _with_href(schema: JSONDict) -> JSONDict:
    return {**schema, "properties": {**schema["properties"], "href": {"type": "string"}}}


def _schemas(export_columns: tuple[str, ...],
             facets: tuple[fields.Facet, ...] = fields.FACETS) -> JSONDict:
    nullable_str = {"type": ["string", "null"]}
    per_facet, bounds = _result_props(facets)
    meta_props: JSONDict = {
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
    brief_props: JSONDict = {
        "id": {"type": "string"}, "number": nullable_str, "doc_type": nullable_str,
        "date": nullable_str, "province": nullable_str, "title": nullable_str,
        "issuer": nullable_str, "term": nullable_str}
    brief = {"type": "object", "properties": brief_props}
    similar_doc = {"type": "object", "properties": {
        "id": {"type": "string"}, "score": {"type": "number"}, "number": nullable_str,
        "doc_type": nullable_str, "date": nullable_str, "province": nullable_str,
        "province_2025": nullable_str, "title": nullable_str,
        "passage": {**nullable_str, "description": "The sentence on the shared topic, as "
                    "HTML: only <mark> is markup, the rest is escaped (same_kind only; null "
                    "in similar)."}}}
    export_props = {name: {"type": ["string", "integer", "null"]} for name in export_columns}
    status_value = {"type": "string", "enum": list(STATUS_VALUES),
                    "description": "What the corpus says of the document: replaced or "
                                   "repealed, amended, reviewed by a document it holds; "
                                   "Chưa rõ otherwise (never a guess)."}
    relation = {"type": "string", "enum": list(TYPE_NAMES),
                "description": "The relation the citing sentence states (search/relations.py)."}
    relation_props: JSONDict = {"type": relation, "cue": nullable_str,
                                "sentence": {**nullable_str, "description": "The citing sentence."}}
    resolution = {"type": "string", "enum": ["resolved", "ambiguous", "absent", "no_province"],
                  "description": "Which corpus document the citation means: exactly one "
                                 "(resolved), several fit (ambiguous), none (absent), or a "
                                 "provincial number cited from an unknown province."}
    text_source = {"type": "string", "enum": ["text", "ocr", "mixed"],
                   "description": "Where the words came from: the file's own text, OCR of "
                                  "scanned pages, or both."}
    return {
        "Error": {"type": "object", "required": ["ok", "error", "code", "params", "status"],
                  "properties": {
            "ok": {"type": "boolean", "const": False},
            "error": {"type": "string", "description": "What went wrong, for a person."},
            "code": {"type": ["string", "null"], "enum": [*CATALOGUE, None],
                     "description": "The message code of a bad request (400), else null."},
            "params": {"type": "object", "description": "The code's parameters."},
            "status": {"type": "integer", "description": "The HTTP status again."}}},
        "Notice": {"type": "object", "required": ["code", "params", "text"], "properties": {
            "code": {"type": "string", "enum": list(CATALOGUE)},
            "params": {"type": "object"},
            "text": {"type": "string", "description": "In English."}}},
        "Hit": {"type": "object", "properties": {
            "id": {"type": "string"}, "file": {"type": "string", "description": "The file's name (a JSON Lines record: the file's name and #L + its line); never its place on the server."},
            "score": {"type": "number"},
            **meta_props,
            "highlights": {"type": "array", "items": {"type": "string"},
                           "description": "HTML passages: only <mark> is markup, the rest "
                                          "is escaped."},
            "text_source": text_source, "status": status_value}},
        "SearchResult": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True},
            "total": {"type": "integer"},
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {"type": "object", "description": "Facet -> value -> count, each "
                       "facet counted as if its own filter were not set.",
                       "properties": per_facet},
            **_paging_props(), "pages": {"type": "integer"},
            "query": {"type": "string"}, "parsed": {"type": "string"},
            "filters": {"type": "object", "additionalProperties":
                        {"type": "array", "items": {"type": "string"}}},
            **bounds, "took_ms": {"type": "number"}, "suggestion": nullable_str,
            "relaxed": {"type": "boolean"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "notices": _NOTICES,
            "facet_values": _FACET_VALUES,
            "links": _ref("Links")}},
        "Facets": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True}, "total": {"type": "integer"},
            "facets": {"type": "object", "additionalProperties": _COUNTS},
            "query": {"type": "string"}, "filters": {"type": "object"},
            **bounds, "took_ms": {"type": "number"},
            "messages": {"type": "array", "items": {"type": "string"}},
            "notices": _NOTICES,
            "facet_values": _FACET_VALUES}},
        "Document": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True},
            "id": {"type": "string"}, "file": {"type": "string", "description": "The file's name (a JSON Lines record: the file's name and #L + its line); never its place on the server."},
            "format": {"type": "string"},
            "converted_from": {**nullable_str, "description": "Legacy encoding converted "
                               "from (TCVN3, VNI), if any."},
            "size": {"type": ["integer", "null"]}, "mtime": {"type": ["number", "null"]},
            "sha256": nullable_str, "indexed_at": nullable_str, **meta_props,
            "source_id": {**nullable_str, "description": "An imported record's own id (the "
                          "`id` key of its JSON Lines line); null for a file."},
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
                    "number": {"type": "string"}, **relation_props, "resolution": resolution,
                    "documents": {"type": "array", "items": brief}}}},
                "cited_by": {"type": "array", "items": {"type": "object", "properties": {
                    **brief_props, **relation_props,
                    "resolved": {"type": "boolean", "description": "Its citation means this "
                                 "document and no other of the corpus."}}}},
                "status": _ref("Status")}},
            "status": _ref("Status"),
            "links": {"type": "object", "properties": {
                "chain": {"oneOf": [{"type": "null"}, _ref("ChainLink")]},
                "download": {**nullable_str, "description": "Where to download the original "
                             "file; null for a JSON Lines record or a file changed or gone "
                             "since it was indexed."}}},
            "similar": {"type": "object", "description": "Documents of other provinces like "
                        "this one by content: its distinctive terms (boilerplate dropped), the "
                        "most similar documents, and the best document of the same type per "
                        "province, each with the passage on the shared topic.", "properties": {
                            "terms": {"type": "array", "items": {"type": "string"}},
                            "similar": {"type": "array", "items": similar_doc},
                            "same_kind": {"type": "array", "items": similar_doc}}},
            "highlight": {"oneOf": [{"type": "null"}, _ref("Highlight")],
                          "description": "With ?q=: the text and notes with the query's "
                                         "matches marked; null without q."}}},
        "Status": {"type": "object", "properties": {
            "value": status_value,
            "text": {"type": "string", "description": "E.g. Đã được tổng kết bởi 237-KL/TU."},
            "by": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "number": nullable_str, "date": nullable_str,
                "type": relation, "cue": nullable_str}}}}},
        "Chain": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True},
            "number": {"type": "string"},
            "scope": {"type": "string", "enum": ["central", "provincial", "state"]},
            "documents": {"type": "array", "items": _with_href(brief),
                          "description": "The corpus documents carrying the number."},
            "total": {"type": "integer", "description": "Documents citing the number."},
            "listed": {"type": "integer"},
            "provinces": {"type": "array", "description": "Responses by province as issued "
                          "(null: unknown), each ordered by date.", "items": {
                "type": "object", "properties": {
                    "province": nullable_str, "province_2025": nullable_str,
                    "target": {"type": ["object", "null"], "description": "A provincial "
                               "number: the province's own documents of that number.",
                               "properties": {"state": resolution,
                                              "documents": {"type": "array", "items": brief}}},
                    "documents": {"type": "array", "items": {"type": "object", "properties": {
                        **_with_href(brief)["properties"], "province_2025": nullable_str,
                        **relation_props, "type_label": {"type": "string"},
                        "resolution": resolution,
                        "resolved_to": {"oneOf": [{"type": "null"}, brief]}}}}}}},
            "missing": {"type": "array", "description": "Central and state numbers: the "
                        "provinces (63, before the 2025 merger) with no response in the "
                        "corpus.", "items": {"type": "object", "properties": {
                            "province": {"type": "string"},
                            "province_2025": nullable_str}}}}},
        **_LINK_SCHEMAS,
        "Health": {"type": "object", "properties": {
            "ok": {"type": "boolean", "const": True}, "status": {"type": "string"},
            "index": {"type": "string"}, "documents": {"type": "integer"},
            "generation": nullable_str, "built_at": nullable_str, "updated_at": nullable_str,
            "shards": {"type": ["array", "null"], "description": "A cluster's shards (null "
                       "for an index without shards), each copy as a health check saw it.",
                       "items": {"type": "object", "properties": {
                           "shard": {"type": "integer"}, "available": {"type": "boolean"},
                           "copies": {"type": "array", "items": {"type": "object", "properties": {
                               "role": {"type": "string", "enum": ["primary", "replica"]},
                               "address": {"type": "string"}, "alive": {"type": "boolean"},
                               "serving": {"type": "boolean"},
                               "error": {"type": "string"}}}}}}},
            "pid": {"type": "integer",
                    "description": "The process that answered (one of the worker processes "
                                   "of `vnsearch serve --workers N`)."},
            "exports": {"type": "object", "description": "That process's exports: streaming "
                        "now, their steps since it started (an evaluation, a block of rows), "
                        "and the steps that waited for a search in flight (searches first).",
                        "properties": {"running": {"type": "integer"},
                                       "steps": {"type": "integer"},
                                       "waited": {"type": "integer"}}}}},
        "ExportRecord": {"type": "object", "properties": export_props},
    }


def openapi_document(export_columns: tuple[str, ...], export_max_rows: int,
                     facets: tuple[fields.Facet, ...] = fields.FACETS) -> JSONDict:
    """OpenAPI 3.1 description of every route of the app (HTML ones included).

    The exports' columns and row cap are the export code's own, passed in; ``facets`` is
    the table's (another table, in tests, shows that a new row reaches the document).
    """
    search_params = search_parameters(paging=True, facets=facets)
    export_params = export_parameters(facets)
    # The feed has one order (newest first) and one page: no sort or paging parameters.
    feed_params = search_parameters(paging=False, facets=facets)
    doc_id = _param("doc_id", {"type": "string"}, "Document id (from a search hit).",
                    where="path", required=True)
    chain_number = _param("number", {"type": "string"}, "A document number, e.g. 43-NQ/TW, "
                          "04-NQ/TU, 2405/QĐ-TTg (its slash kept).", where="path", required=True)
    html = {"description": "HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}
    export_headers = {
        "Content-Disposition": {"schema": {"type": "string"}, "description": "attachment"},
        "X-Total-Count": {"schema": {"type": "integer"}, "description": "Matches in all."},
        "X-Export-Rows": {"schema": {"type": "integer"}, "description": "Rows exported."},
        "X-Export-Truncated": {"schema": {"type": "string", "enum": ["true", "false"]},
                               "description": f"Whether the cap of {export_max_rows} rows "
                                              f"cut the export."},
    }

    def op(summary: str, params: list[JSONDict], ok: JSONDict,
           *errors: int) -> JSONDict:
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
            "/": op("Search page (HTML); a backwards year range is a notice on the page over "
                    "the results without it (the API answers it with a 400)", search_params,
                    html, 400, 503),
            "/documents/{doc_id}": op(
                "Document page (HTML), with the query's words highlighted; the search it "
                "came from (filters, sort, page) is carried for its link back to the results",
                [doc_id, _param("q", {"type": "string"}, "Query whose words to highlight."),
                 *[p for p in search_params if p["name"] != fields.QUERY_PARAM]],
                html, 404, 503),
            "/documents/{doc_id}/download": op(
                "The original file of a document (not for JSON Lines records)", [doc_id],
                {"description": "The file, as an attachment.",
                 "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                      "format": "binary"}}}},
                404, 503),
            "/api/search": op("Search", search_params,
                              _json(_ref("SearchResult"), "One page of hits with facets."),
                              400, 503),
            "/api/facets": op("Facet counts of a query",
                              search_parameters(paging=False, facets=facets),
                              _json(_ref("Facets"), "Counts per facet value."), 400, 503),
            "/api/documents/{doc_id}": op(
                "One document: metadata, provenance, text, related, similar documents of other "
                "provinces; with q, its matches marked",
                [doc_id, _param("q", {"type": "string"}, "Query whose matches to mark.")],
                _json(_ref("Document"), "The document."), 400, 404, 503),
            "/chain/{number}": op(
                "Implementation chain page (HTML): who in the corpus responds to a number",
                [chain_number], html, 400, 503),
            "/api/chain/{number}": op(
                "Implementation chain of a document number: responses by province and date, "
                "typed by their citing sentence; provinces with none",
                [chain_number], _json(_ref("Chain"), "The chain."), 400, 503),
            "/api/openapi.json": op("This description", [],
                                    _json({"type": "object"}, "OpenAPI 3.1 document.")),
            "/healthz": op("Whether an index is loaded", [],
                           _json(_ref("Health"), "Index loaded."), 503),
            "/feed.atom": op(
                f"Atom feed of a search: its newest {FEED_ENTRIES} documents by date (entries "
                "link to the document pages, with number, date and province)",
                feed_params,
                {"description": "An Atom 1.0 feed.",
                 "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                400, 503),
            "/export.csv": op(
                f"Every hit of a query as CSV (UTF-8 with BOM; at most {export_max_rows} rows)",
                export_params,
                {"description": "CSV with columns " + ", ".join(export_columns) + ".",
                 "headers": export_headers,
                 "content": {"text/csv": {"schema": {"type": "string"}}}}, 400, 503),
            "/export.json": op(
                f"Every hit of a query as a JSON list (at most {export_max_rows} records)",
                export_params,
                {**_json({"type": "array", "items": _ref("ExportRecord")}, "The records."),
                 "headers": export_headers}, 400, 503),
        },
        "components": {
            "schemas": _schemas(export_columns, facets),
            "responses": {f"E{code}": _json(_ref("Error"), text)
                          for code, text in _ERROR_TEXTS.items()},
        },
    }


@bp.get("/api/openapi.json")
def api_openapi() -> Response:
    return jsonify(openapi_document(EXPORT_COLUMNS, EXPORT_MAX_ROWS))
