"""Exports: every hit of a query (all pages, up to a cap) as a CSV or JSON attachment.

The records come from the same data function as the page and the API
(:func:`web.api.search_data`), so an export lists exactly the hits the page pages through.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, request, url_for

from search.fields import MAX_PER_PAGE

# The module, not the function: api.py imports this module's constants for its OpenAPI
# description, and a late-bound api.search_data keeps that cycle harmless.
from . import api
from .urls import search_request, state_pairs

bp = Blueprint("exports", __name__)

# Exports walk the result pages MAX_PER_PAGE at a time, up to this many rows: enough for
# any real research question, small enough to answer in seconds and a few MB. (It must
# stay within MAX_PAGE pages of MAX_PER_PAGE, the deepest page the library serves.)
EXPORT_MAX_ROWS = 10_000
EXPORT_COLUMNS = ("id", "number", "doc_type", "date", "year", "province", "province_2025",
                  "issuer", "title", "term", "signer", "signer_role", "url", "path")


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
        result = api.search_data(base)
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
