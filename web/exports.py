"""Exports: every hit of a query (all pages, up to a cap) as a CSV or JSON attachment.

The rows are the hits of the library's one ``search()``, as the page's and the API's are,
so an export lists exactly the hits the page pages through: one evaluation over one index
generation (:func:`evaluate_export`), which keeps only the ids of the rows, in order. The
rows are then read and written a block at a time (:func:`_blocks`), from the reader of
that generation: each document's stored record once (its metadata, and its text for the
passage on the query), the documents citing the block's rows in one search
(:class:`search.related.CitedBy`), and the block written out before the next is
read. An export never holds more than a block of rows, and steps aside for the searches
its process is serving (:mod:`web.searches_first`).

The CSV is for Excel: UTF-8 with a BOM (Excel reads it as UTF-8 only then), Vietnamese
column headers (``?headers=keys`` keeps the keys, as the JSON has them), lists joined with
"; ", nothing of the server's file system, and a file name from the query and the date.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request
from werkzeug.routing import MapAdapter

from search.documents import METADATA_FIELDS
from search.engine.base import EngineReader
from search.errors import BadQuery
from search.fields import FACETS, MAX_PER_PAGE
from search.highlight import HEAD_CHARS, Terms, passages
from search.index import query_terms, text_prefix
from search.messages import Message
from search.related import CitedBy
from search.text.normalize import fold

from . import api
from .searches_first import SearchesFirst, searches_first
from .state import current_index
from .urls import search_request, state_pairs

bp = Blueprint("exports", __name__)

# Rows of one export at most: enough for any real research question, small enough to answer
# in seconds and a few MB.
EXPORT_MAX_ROWS = 10_000
# Rows read and written per block (app config EXPORT_CHUNK_ROWS): what an export holds at
# once, and its step between two looks at the searches in flight (web.searches_first).
CHUNK_ROWS = 100
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
# The columns read from a document's stored metadata, as the API's hits show them.
_META_COLUMNS = tuple(name for name in EXPORT_COLUMNS if name in METADATA_FIELDS)


@dataclass
class Evaluated:
    """What an export streams from: the ids of its rows in order (all that is held of the
    whole result), the number of matches, the reader of the generation they are of, and
    what the passages mark."""

    ids: list[str]
    total: int
    reader: EngineReader
    terms: Terms
    release: Callable[[], None]  # lets the reader go (Index.hold): once the last row is out


def evaluate_export(args: Any) -> Evaluated:
    """The query's hits (up to EXPORT_MAX_ROWS), as ids, and the total number of matches
    (which may be larger than what is exported).

    One evaluation over one index generation (:func:`search.index.search` with ``rows``,
    on a reader held for the whole export): an ``add`` published while the export runs can
    neither duplicate nor drop a row, and an export costs one search, not one per hundred
    rows. The hits carry no stored fields: the rows are read a block at a time."""
    # page and per_page belong to the page the user was on; an export has every page.
    state = [(k, v) for k, v in state_pairs(args) if k not in ("page", "per_page")]
    base = search_request(state, page=1, per_page=MAX_PER_PAGE, highlight=False)
    index = current_index()
    reader, release = index.hold()  # open until the last row, whatever adds swap in
    try:
        result = index.search(base, rows=EXPORT_MAX_ROWS, reader=reader, fields=())
        ids = [hit.id for hit in result.hits]
        terms = query_terms(next((v for k, v in state if k == "q"), ""))
    except BaseException:
        release()
        raise
    return Evaluated(ids, result.total, reader, terms, release)


class _Links:
    """Each row's document link, as ``url_for(..., _external=True)`` writes it (built
    outside the request: the rows are written after the view has returned)."""

    def __init__(self, adapter: MapAdapter) -> None:
        self._adapter = adapter

    def __call__(self, doc_id: str) -> str:
        return self._adapter.build("views.document", {"doc_id": doc_id}, force_external=True)


def _row(doc_id: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    """A row's columns from the document's stored record (``passage``, ``cited_by`` and
    ``url`` are filled by :func:`complete_rows`)."""
    meta = (stored or {}).get("meta") or {}
    row: dict[str, Any] = dict.fromkeys(EXPORT_COLUMNS)
    row["id"] = doc_id
    for name in _META_COLUMNS:
        row[name] = meta.get(name)
    row["cites"] = list(meta.get("cites") or [])
    return row


def read_rows(reader: EngineReader, ids: list[str], terms: Terms) -> list[dict[str, Any]]:
    """A block of rows: each document's stored record read once (its metadata, and its
    text only when there are words to find a passage on), the passage found in it."""
    fields = ("meta", "text") if terms else ("meta",)
    rows = []
    for doc_id in ids:
        # The text's head (HEAD_CHARS), as a search page reads it; more of it (up to
        # PASSAGE_CHARS) only when the head holds no passage: the page's passage.
        stored = reader.get(doc_id, fields=fields, text_chars=HEAD_CHARS if terms else None)
        row = _row(doc_id, stored)
        if terms:
            row["passage"] = _passage((stored or {}).get("text") or "", terms,
                                      functools.partial(text_prefix, reader, doc_id))
        rows.append(row)
    return rows


def complete_rows(rows: list[dict[str, Any]], cited_by: CitedBy,
                  link: Callable[[str], str]) -> list[dict[str, Any]]:
    """A block of rows with ``cited_by`` (the numbers of the documents citing each, in the
    corpus: one search for the block's numbers not looked up before in this export) and
    the document's link."""
    citing = cited_by.numbers([(r["id"], r["number"], r["province"]) for r in rows])
    for row in rows:
        row["cited_by"] = citing.get(row["id"], [])
        row["url"] = link(row["id"])
    return rows


_MARK = re.compile(r"</?mark>")


def _passage(text: str, terms: Terms, rest: Callable[[], str]) -> str | None:
    """The best sentence on the query, as plain text (None when the text has none);
    ``text`` is the text's head, ``rest()`` more of it (:func:`search.highlight.passages`)."""
    found = passages(text, terms, count=1, rest=rest)
    # The library's passage is safe HTML; a spreadsheet cell wants the plain sentence.
    return html.unescape(_MARK.sub("", found[0])) if found else None


def _blocks(evaluated: Evaluated, link: Callable[[str], str], block_rows: int,
            gate: SearchesFirst) -> Iterator[list[dict[str, Any]]]:
    """The rows, ``block_rows`` at a time, each block read as it is reached (after the
    view has returned: what it needs is passed in, nothing of the request), each after
    giving way to the searches in flight."""
    ids = evaluated.ids
    cited_by = CitedBy(evaluated.reader)
    for start in range(0, len(ids), block_rows):
        with gate.turn():  # computed in its turn; written (and waited on) outside it
            rows = read_rows(evaluated.reader, ids[start:start + block_rows], evaluated.terms)
            rows = complete_rows(rows, cited_by, link)
        yield rows


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


# Exports at once, per app (per worker process): each holds a worker thread while it
# streams; more wait for a retry (503 + Retry-After) instead of starving everyone's searches.
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


def _busy() -> Response:
    busy = api.json_error("too many exports are running; try again in a few seconds", 503)
    busy.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return busy


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
    """The export, streamed; it holds one of the app's export slots from its evaluation to
    its last block (or the client going away), and a 503 answers when none is free."""
    slots = _export_slot()
    if not slots.acquire(blocking=False):
        return _busy()
    gate = searches_first()
    released = threading.Event()
    evaluated: Evaluated | None = None

    def release() -> None:
        if not released.is_set():
            released.set()
            if evaluated is not None:
                evaluated.release()
            gate.export_finished()
            slots.release()

    gate.export_started()
    try:
        with gate.turn():
            evaluated = evaluate_export(request.args)
        names = export_filename(request.args, ext, datetime.now(timezone.utc))
        block_rows = int(current_app.config.get("EXPORT_CHUNK_ROWS", CHUNK_ROWS))
        link = _Links(current_app.create_url_adapter(request))  # type: ignore[arg-type]
        body = _releasing(chunks(_blocks(evaluated, link, block_rows, gate)), release)
        response = _attachment(body, mimetype, names, len(evaluated.ids), evaluated.total)
    except BaseException:
        release()
        raise
    response.call_on_close(release)  # the client gone before the first block
    return response


def _releasing(body: Iterator[bytes], release: Callable[[], None]) -> Iterator[bytes]:
    """``body``, then ``release()`` once its last block is out (or it is closed early)."""
    try:
        yield from body
    finally:
        release()


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
