"""An Atom feed for any search: ``/feed.atom?q=…&province=…``, newest documents first.

The parameters are the search page's (the query, facet filters, year range, flags); the
feed is always in date order, newest first, and lists the first FEED_ENTRIES documents, so
an office that subscribes to its topic sees a new document come in at the top. The hits
come from the one data function (:func:`web.api.search_data`), like the page's. The XML is
built with ElementTree, never by pasting strings, so any title or passage stays text.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, request, url_for

from .api import search_data
from .state import current_index
from .urls import search_request, state_pairs, without_params

bp = Blueprint("feeds", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50  # newest documents in one feed: what a reader polls, not an archive
FEED_MIMETYPE = "application/atom+xml"
# Parameters of the page the feed does not take: the feed has one order and one page.
NOT_FEED_PARAMS = ("sort", "page", "per_page")
ET.register_namespace("", ATOM_NS)


def feed_query(args: Any) -> str:
    """The query string of the feed of a search: its parameters but sort and paging."""
    return without_params(args, *NOT_FEED_PARAMS)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        child.text = text
    return child


def _atom_time(day: str | None, fallback: str) -> str:
    """RFC 3339 for Atom: a document's date at midnight UTC, else ``fallback``."""
    if day and len(day) == 10:
        return f"{day}T00:00:00Z"
    return fallback


def _vn_date(day: str | None) -> str | None:
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}" if day and len(day) == 10 else None


def entry_title(hit: dict[str, Any]) -> str:
    """"04-NQ/TU — Nghị quyết về …": the number first, as officials cite documents."""
    title = hit.get("title") or ""
    doc_type = hit.get("doc_type") or ""
    named = f"{doc_type} {title}".strip() if title and doc_type and \
        not title.lower().startswith(doc_type.lower()) else (title or doc_type)
    number = hit.get("number")
    return " — ".join(x for x in (number, named or None) if x) or f"Văn bản {hit['id']}"


def entry_summary(hit: dict[str, Any]) -> str:
    """Number, date and province in one line (the facts a reader scans for)."""
    parts = [f"Số {hit['number']}" if hit.get("number") else "Số: không rõ",
             f"ngày {_vn_date(hit.get('date'))}" if _vn_date(hit.get("date")) else "ngày: không rõ",
             hit.get("province") or "tỉnh: không rõ"]
    return " · ".join(parts)


def _updated(index_manifest: dict[str, Any]) -> str:
    """When the corpus last changed (the manifest's build or add), in Atom's format."""
    stamp = index_manifest.get("updated_at") or index_manifest.get("built_at")
    if isinstance(stamp, str) and stamp:
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            pass
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_xml(args: Any) -> bytes:
    """The Atom document of a search (BadQuery for bad parameters, as the page)."""
    query = feed_query(args)
    pairs = [(k, v) for k, v in state_pairs(args) if k not in NOT_FEED_PARAMS]
    req = replace(search_request(pairs, page=1, per_page=FEED_ENTRIES), sort="newest")
    result = search_data(req)
    updated = _updated(current_index().manifest)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "vi"})
    q = result.get("query") or ""
    _el(feed, "title", f"vnsearch: {q}" if q else "vnsearch: văn bản mới")
    _el(feed, "subtitle", f"{result['total']} văn bản khớp; {min(result['total'], FEED_ENTRIES)} "
                          "văn bản mới nhất theo ngày ban hành")
    _el(feed, "id", url_for("feeds.feed", _external=True) + (f"?{query}" if query else ""))
    _el(feed, "link", rel="self", type=FEED_MIMETYPE,
        href=url_for("feeds.feed", _external=True) + (f"?{query}" if query else ""))
    _el(feed, "link", rel="alternate", type="text/html",
        href=url_for("views.search_page", _external=True) + (f"?{query}&sort=newest"
                                                             if query else "?sort=newest"))
    _el(feed, "updated", updated)
    author = _el(feed, "author")
    _el(author, "name", "vnsearch")
    _el(feed, "generator", "vnsearch")
    for hit in result["hits"]:
        _entry(feed, hit, updated)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _entry(feed: ET.Element, hit: dict[str, Any], fallback: str) -> None:
    entry = _el(feed, "entry")
    page = url_for("views.document", doc_id=hit["id"], _external=True)
    _el(entry, "id", page)  # the document page's URL: stable, and unique per document
    _el(entry, "title", entry_title(hit))
    _el(entry, "link", rel="alternate", type="text/html", href=page)
    when = _atom_time(hit.get("date"), fallback)
    _el(entry, "updated", when)
    if hit.get("date"):
        _el(entry, "published", when)
    summary = entry_summary(hit)
    passage = (hit.get("highlights") or [None])[0]
    if passage:  # safe HTML from the library: only <mark> is markup
        _el(entry, "content", f"<p>{html.escape(summary)}</p><p>{passage}</p>", type="html")
    _el(entry, "summary", summary)
    for name in ("province", "doc_type"):
        if hit.get(name):
            _el(entry, "category", term=str(hit[name]), label=f"{name}: {hit[name]}")


@bp.get("/feed.atom")
def feed() -> Response:
    return Response(feed_xml(request.args), mimetype=FEED_MIMETYPE,
                    headers={"Content-Type": f"{FEED_MIMETYPE}; charset=utf-8"})

