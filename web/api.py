"""The JSON API: the shared data functions, the API routes and the one JSON error shape.

One data function, :func:`search_data` (``Index.search`` → ``SearchResult.to_dict()``),
feeds the HTML page, ``/api/search``, ``/api/facets`` and the exports (:mod:`web.exports`),
so they cannot disagree. What the page shows beyond the library's result, its links
(:mod:`web.links`) and the document's marked text (:mod:`web.marks`), is added by
:func:`search_page_data` and :func:`document_data`, which the page and the API both call.
Every JSON error has one shape, made by :func:`json_error`:
``{"ok": false, "error": "...", "code": ..., "params": {...}, "status": N}`` (``code`` and
``params`` are those of :mod:`search.messages` for a bad request, else null and {}).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from search import fields
from search.documents import METADATA_FIELDS
from search.errors import (BadQuery, DocumentNotFound, IndexCorrupt, IndexMissing,
                           IndexUnavailable, VnSearchError)
from search.messages import Message
from search.results import SearchRequest, file_name
from search.text.numbers import is_number_token, strip_so

from .downloads import downloadable_path
from .links import facet_values, search_links
from .marks import document_highlight
from .searches_first import searches_first
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
    result = _with_note(search_data(search_request(args)), unknown_params_message(args))
    result["facet_values"] = facet_values(result, args)
    result["links"] = search_links(result, args)
    # A query that is one document number links to its implementation chain.
    result["links"]["chain"] = chain_link(strip_so(" ".join(result["query"].split())))
    return result


def document_data(doc_id: str, q: str = "") -> dict[str, Any]:
    """A stored document flattened like ``vnsearch show --json --text`` (with the file's
    name in ``file`` instead of its path on the server), plus ``related``,
    ``similar`` (documents of other provinces like it, :mod:`search.similar`) and
    ``highlight``: its text and notes with the matches of ``q`` marked (None without ``q``).

    The id is only ever looked up in the index (DocumentNotFound otherwise), never joined
    into a path.
    """
    index = current_index()
    stored = index.get(doc_id)
    # The stored relations are shown resolved, in ``related``; the stored status is the
    # facet's value, shown with its documents in ``status``.
    data = {k: v for k, v in stored.items()
            if k not in ("meta", "relations", "status", "path")}
    data["file"] = file_name(stored.get("path") or "")  # not the server's directories
    meta = stored.get("meta", {})
    data.update({name: meta.get(name) for name in METADATA_FIELDS})
    data["provenance"] = meta.get("provenance", {})
    data["warnings"] = meta.get("warnings", [])
    data["related"] = index.related(doc_id)
    data["status"] = data["related"]["status"]
    data["links"] = {"chain": chain_link(meta.get("number")),
                     "download": url_for("downloads.download", doc_id=doc_id)
                     if downloadable_path(stored) is not None else None}
    data["similar"] = index.similar(doc_id)
    data["highlight"] = document_highlight(data, q)
    return data


def chain_data(number: str) -> dict[str, Any]:
    """The implementation chain of a document number (``Index.chain``), as the chain page,
    ``/api/chain/<number>`` and ``vnsearch chain --json`` show it, with each document's
    page and each province's search links."""
    data = current_index().chain(number)
    for group in data["provinces"]:
        for d in group["documents"]:
            d["href"] = url_for("views.document", doc_id=d["id"])
    for d in data["documents"]:
        d["href"] = url_for("views.document", doc_id=d["id"])
    return data


def chain_link(number: str | None) -> dict[str, str] | None:
    """The chain page (and API) of ``number``; None when it is no document number."""
    if not number or not is_number_token(number):
        return None
    return {"number": number, "href": url_for("views.chain", number=number),
            "api_href": url_for("api.api_chain", number=number)}


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
    """Errors of the API, the health check, the exports and the feed are answered in JSON
    (programs call them); the HTML pages answer errors with an HTML page."""
    path = request.path
    return path.startswith(("/api/", "/export.")) or path in ("/healthz", "/feed.atom")


def status_of(err: VnSearchError) -> int:
    """HTTP status of a library error: the caller's fault, not found, or no index."""
    if isinstance(err, BadQuery):
        return 400
    if isinstance(err, DocumentNotFound):
        return 404
    if isinstance(err, (IndexMissing, IndexCorrupt, IndexUnavailable)):
        return 503
    return 500


def _ok(data: dict[str, Any]) -> Response:
    return jsonify({"ok": True, **data})


# -- routes ------------------------------------------------------------------------------
def with_unknown_params(result: dict[str, Any], known: tuple[str, ...] | None = None
                        ) -> dict[str, Any]:
    """``result`` with a message naming the parameters of the request that were ignored."""
    note = unknown_params_message(request.args, *(() if known is None else (known,)))
    return _with_note(result, note)


def _with_note(result: dict[str, Any], note: Message | None) -> dict[str, Any]:
    """``result`` with one more message (in English and as a notice), if there is one."""
    if note:
        result["messages"] = [*result["messages"], note.text]
        result["notices"] = [*result["notices"], note.to_dict()]
    return result


@bp.get("/api/search")
def api_search() -> Response:
    return _ok(search_page_data(request.args))


@bp.get("/api/facets")
def api_facets() -> Response:
    # One hit is the cheapest search the library allows; only the counts are wanted.
    result = search_data(search_request(request.args, page=1, per_page=1, highlight=False))
    keys = ("total", "facets", "query", "filters", "year_from", "year_to",
            *fields.flag_params(), "took_ms", "messages", "notices")
    data = with_unknown_params({k: result[k] for k in keys})
    data["facet_values"] = facet_values(result, request.args)
    return _ok(data)


@bp.get("/api/documents/<doc_id>")
def api_document(doc_id: str) -> Response:
    return _ok(document_data(doc_id, request.args.get("q", "").strip()))


@bp.get("/api/chain/<path:number>")
def api_chain(number: str) -> Response:
    return _ok(chain_data(number))


@bp.get("/healthz")
def healthz() -> Response:
    holder = index_holder()
    try:
        index = holder.get()
        shards = index.engine.health()  # None: an engine without shards
        unavailable = [s for s in shards or () if not s["available"]]
        if unavailable:  # a shard with no live copy: 503, naming it (index.unavailable)
            down = unavailable[0]
            raise IndexUnavailable(Message("index.unavailable", {
                "location": holder.path, "shard": down["shard"],
                "copies": [c["address"] for c in down["copies"]]}))
        documents = index.reader.doc_count()
    except VnSearchError as err:
        return json_error(err.message or str(err), 503)
    return _ok({"status": "ok", "index": holder.path, "documents": documents,
                "generation": index.generation, "built_at": index.manifest.get("built_at"),
                "updated_at": index.manifest.get("updated_at"), "shards": shards,
                # which worker process answered (`vnsearch serve --workers N`)
                "pid": os.getpid(),
                # its exports: streaming now, steps, steps that waited for searches
                "exports": searches_first().figures()})


