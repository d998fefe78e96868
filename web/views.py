"""HTML pages: the search page, the document page and the original file's download.

Views stay thin: they call the shared data functions of :mod:`web.api` and turn the
result into small view models (facet links, page links, metadata rows) for the
templates. All links that change the search are built here with :mod:`web.urls`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file, url_for

from search.documents import METADATA_FIELDS
from search.engine.base import FACET_FIELDS
from search.errors import BadQuery
from search.highlight import Terms, full_text
from search.text.normalize import fold
from search.messages import Message
from search.query.parse import parse_query
from search.results import MAX_PAGE

from .api import (current_index, document_data, downloadable_path, open_indexed_file,
                  search_data, with_unknown_params)
from .messages import word_vi
from .urls import (clear_filters, encode, hidden_pairs, is_selected, search_request,
                   state_pairs, with_param, with_value, without_params, without_value)

bp = Blueprint("views", __name__)

FACET_LABELS = {
    "province": "Tỉnh/thành (khi ban hành)",
    "province_2025": "Tỉnh/thành (sau sáp nhập 2025)",
    "year": "Năm",
    "doc_type": "Loại văn bản",
    "issuer": "Cơ quan ban hành",
}
FIELD_LABELS = {
    "number": "Số hiệu",
    "doc_type": "Loại văn bản",
    "issuer": "Cơ quan ban hành",
    "province": "Tỉnh/thành (khi ban hành)",
    "province_2025": "Tỉnh/thành (sau sáp nhập 2025)",
    "date": "Ngày ban hành",
    "year": "Năm",
    "title": "Trích yếu",
    "term": "Khóa",
    "signer": "Người ký",
    "signer_role": "Chức vụ người ký",
    "cites": "Văn bản được dẫn",
}
SOURCE_LABELS = {
    "header": "phần đầu văn bản",
    "title_line": "dòng trích yếu",
    "body": "nội dung văn bản",
    "signature": "phần chữ ký",
    "record": "bản ghi nhập (JSON Lines)",
}
SORT_LABELS = {"relevance": "Liên quan nhất", "newest": "Mới nhất", "oldest": "Cũ nhất"}
FACET_TOP = 8  # values shown per facet; the rest fold into <details> (no JS needed)
PAGE_WINDOW = 2  # page links shown either side of the current page


# -- view models ---------------------------------------------------------------------------
@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool
    href: str


@dataclass
class FacetView:
    name: str
    label: str
    shown: list[FacetValue] = field(default_factory=list)
    more: list[FacetValue] = field(default_factory=list)

    @property
    def selected_count(self) -> int:
        return sum(v.selected for v in self.shown + self.more)


@dataclass
class PageLink:
    label: str
    href: str | None  # None: the current page or a gap ("…")
    current: bool = False
    rel: str | None = None


@dataclass
class MetaRow:
    name: str
    label: str
    value: str | None  # None: unknown
    source: str | None
    inferred: bool


def search_href(query_string: str) -> str:
    """The search page's URL for a query string built by :mod:`web.urls`."""
    base = url_for("views.search_page")
    return f"{base}?{query_string}" if query_string else base


def _facet_order(name: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    if name == "year":  # years read best newest first, whatever their counts
        return sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
    return sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0]), kv[0]))


def facet_views(result: dict[str, Any], args: Any) -> list[FacetView]:
    """Facet sidebar: every value with its count and a toggle link.

    A selected value that no longer has hits (count 0) is still listed, so it can be
    deselected.
    """
    views = []
    for name in FACET_FIELDS:
        counts = dict(result["facets"].get(name, {}))
        for key, value in state_pairs(args):
            if key == name:
                counts.setdefault(value, 0)
        values = []
        for value, count in _facet_order(name, counts):
            selected = is_selected(args, name, value)
            qs = without_value(args, name, value) if selected else with_value(args, name, value)
            values.append(FacetValue(value, count, selected, search_href(qs)))
        # Selected values are always visible, even when they are not among the top ones.
        shown = values[:FACET_TOP] + [v for v in values[FACET_TOP:] if v.selected]
        more = [v for v in values[FACET_TOP:] if not v.selected]
        views.append(FacetView(name, FACET_LABELS[name], shown, more))
    return views


def active_filters(args: Any) -> list[dict[str, str]]:
    """Chips of the filters in force, each with a link that removes it."""
    chips = []
    for key, value in state_pairs(args):
        if key in FACET_FIELDS:
            chips.append({"label": FACET_LABELS[key], "value": value,
                          "href": search_href(without_value(args, key, value))})
    for key, label in (("year_from", "Từ năm"), ("year_to", "Đến năm")):
        year = next((v for k, v in state_pairs(args) if k == key), None)
        if year:
            chips.append({"label": label, "value": year,
                          "href": search_href(without_params(args, key))})
    return chips


def page_links(result: dict[str, Any], args: Any) -> list[PageLink]:
    """Previous, a window of page numbers with the first and last, and next."""
    page, pages = result["page"], min(result["pages"], MAX_PAGE)
    if pages <= 1:
        return []

    def link(n: int, label: str | None = None, rel: str | None = None) -> PageLink:
        return PageLink(label or str(n), search_href(with_param(args, "page", n)), False, rel)

    links = []
    if page > 1:
        links.append(link(page - 1, "‹ Trước", "prev"))
    numbers = sorted({1, pages, *range(max(1, page - PAGE_WINDOW),
                                       min(pages, page + PAGE_WINDOW) + 1)})
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(PageLink("…", None))
        links.append(PageLink(str(n), None, True) if n == page else link(n))
        previous = n
    if page < pages:
        links.append(link(page + 1, "Sau ›", "next"))
    return links


def sort_links(result: dict[str, Any], args: Any) -> list[PageLink]:
    return [PageLink(label, None if key == result["sort"] else
                     search_href(with_param(args, "sort", None if key == "relevance" else key)),
                     key == result["sort"])
            for key, label in SORT_LABELS.items()]


def highlight_terms(q: str) -> Terms:
    """What to mark in a document for the query that led to it (nothing if it is bad)."""
    try:
        exact, folded, phrases = parse_query(q).highlight_terms()
    except BadQuery:
        return Terms(frozenset(), frozenset())
    return Terms(frozenset(exact), frozenset(folded), tuple(phrases))


def source_label(source: str | None) -> str | None:
    """``header`` → "phần đầu văn bản"; ``inferred: districts …`` → "suy luận: districts …"."""
    if source is None:
        return None
    if source.startswith("inferred:"):
        return "suy luận: " + source.split(":", 1)[1].strip()
    return SOURCE_LABELS.get(source, source)


_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*(?:\n[ \t\r\f\v]*)+\n")


def compact_text(text: str) -> str:
    """Runs of blank lines become one, so the page reads as paragraphs (display only)."""
    return _BLANK_LINES.sub("\n\n", text.replace("\r\n", "\n"))


def meta_rows(doc: dict[str, Any]) -> list[MetaRow]:
    rows = []
    provenance = doc.get("provenance") or {}
    for name in METADATA_FIELDS:
        value = doc.get(name)
        if name == "date":
            shown = vn_date(value)
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value) or None
        else:
            shown = None if value in (None, "") else str(value)
        source = provenance.get(name)
        rows.append(MetaRow(name, FIELD_LABELS[name], shown, source_label(source),
                            bool(source and source.startswith("inferred:"))))
    return rows


# -- template filters ----------------------------------------------------------------------
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@bp.app_template_filter("vn_date")
def vn_date(value: Any) -> str | None:
    """``2021-11-08`` → ``08/11/2021`` (the Vietnamese way)."""
    if not value:
        return None
    m = _ISO_DATE.match(str(value))
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else str(value)


@bp.app_template_filter("province_label")
def province_label(item: dict[str, Any]) -> str | None:
    """``Kon Tum (nay: Quảng Ngãi)`` when the 2025 merger changed the province."""
    province, now = item.get("province"), item.get("province_2025")
    if province and now and now != province:
        return f"{province} (nay: {now})"
    if not province and now:
        return f"nay: {now}"
    return province


@bp.app_template_filter("display_title")
def display_title(item: dict[str, Any]) -> str:
    """What a document is called: type + trích yếu, as Vietnamese citations read."""
    title, doc_type, number = item.get("title"), item.get("doc_type"), item.get("number")
    if title and doc_type and not fold(title).startswith(fold(doc_type)):
        return f"{doc_type} {title}"
    if title:
        return str(title[:1].upper() + title[1:])
    named = " ".join(x for x in (doc_type, number) if x)
    return named or f"Văn bản {item.get('id', '')}".strip()


@bp.app_template_filter("filesize")
def filesize(size: Any) -> str:
    if not isinstance(size, (int, float)):
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024
    return ""


@bp.app_template_filter("vn_number")
def vn_number(value: int) -> str:
    """``12345`` → ``12.345`` (Vietnamese groups thousands with dots)."""
    return f"{value:,}".replace(",", ".")


@bp.app_template_filter("ms")
def milliseconds(value: Any) -> str:
    return f"{float(value):.0f} ms" if float(value) >= 1 else "< 1 ms"


# -- routes --------------------------------------------------------------------------------
@bp.get("/")
def search_page() -> str:
    args = request.args
    result = with_unknown_params(search_data(search_request(args)))
    hits = result["hits"]
    first = (result["page"] - 1) * result["per_page"] + 1
    return render_template(
        "search.html",
        result=result,
        hits=hits,
        first=first,
        last=first + len(hits) - 1,
        q=result["query"],
        hidden=hidden_pairs(args, "q"),
        range_hidden=hidden_pairs(args, "year_from", "year_to"),
        year_from=result["year_from"],
        year_to=result["year_to"],
        facets=facet_views(result, args),
        chips=active_filters(args),
        clear_href=search_href(clear_filters(args)),
        pages=page_links(result, args),
        sorts=sort_links(result, args),
        export_qs=without_params(args, "page", "per_page"),
        messages=[word_vi(Message.from_dict(n)) for n in result["notices"]],
        suggestion_href=(search_href(with_param(args, "q", result["suggestion"]))
                         if result["suggestion"] else None),
        doc_qs=encode([("q", result["query"])]) if result["query"] else "",
    )


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> str:
    doc = document_data(doc_id)
    q = request.args.get("q", "").strip()
    terms = highlight_terms(q)
    text_html, marks = full_text(compact_text(doc.get("text") or ""), terms, anchor="match-1")
    # The notes get their own anchor: "match-1" is the first match of the body text.
    notes_html, note_marks = full_text(compact_text(doc.get("notes") or ""), terms,
                                       anchor="note-match-1")
    return render_template(
        "document.html",
        doc=doc,
        q=q,
        hidden=[],
        text_html=text_html,
        marks=marks,
        notes_html=notes_html if doc.get("notes") else "",
        note_marks=note_marks,
        rows=meta_rows(doc),
        download=downloadable_path(doc) is not None,
        back_href=search_href(encode([("q", q)]) if q else ""),
    )


@bp.get("/documents/<doc_id>/download")
def download(doc_id: str) -> Response:
    # The id is looked up in the index; the path comes from the index, never from the URL.
    stored = current_index().get(doc_id)
    opened = open_indexed_file(stored)
    if opened is None:
        abort(404, description="Văn bản này không có tệp gốc để tải (bản ghi JSON Lines, "
                               "hoặc tệp đã bị xóa, di chuyển hay sửa đổi sau khi lập chỉ "
                               "mục: chạy `vnsearch add` để cập nhật).")
    path, fh = opened
    return send_file(fh, as_attachment=True, download_name=path.name,
                     last_modified=stored.get("mtime"))
