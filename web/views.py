"""HTML pages: the search page and the document page.

Views stay thin: they call the shared data functions of :mod:`web.api`, the same ones
the JSON API answers with, and add what only a page needs: Vietnamese labels, layout
(facet values folded away, pagination labels) and the HTML of the marked text. The links
that change the search are in that data already (:mod:`web.links`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, render_template, request, url_for

from search.documents import METADATA_FIELDS
from search import fields
from search.highlight import marked_html
from search.text.normalize import fold
from search.messages import Message
from search.relations import TYPE_NAMES, relation_type

from .api import chain_data, document_data, search_page_data
from .marks import NO_TERMS, marked_segments
from .messages import word_vi
from .urls import RANGE_PARAMS, encode, hidden_pairs, reversed_years, state_pairs

bp = Blueprint("views", __name__)

# Labels of the facets and of the year range's bounds, from the table of fields.
FACET_LABELS = {f.name: f.label for f in fields.FACETS}
RANGE_LABELS = {b.param: b.label for r in fields.ranges() for b in r.bounds}
FIELD_LABELS = {
    "number": "Số hiệu",
    "doc_type": FACET_LABELS["doc_type"],
    "issuer": FACET_LABELS["issuer"],
    "province": FACET_LABELS["province"],
    "province_2025": FACET_LABELS["province_2025"],
    "date": "Ngày ban hành",
    "year": FACET_LABELS["year"],
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
FILTER_LABELS = {**FACET_LABELS, **RANGE_LABELS}
PAGE_LABELS = {"prev": "‹ Trước", "next": "Sau ›"}
FACET_TOP = 8  # values shown per facet; the rest fold into <details> (no JS needed)


# -- view models ---------------------------------------------------------------------------
# The links and facet values come from the shared data (web.links, via search_page_data);
# the views only add labels and layout, so the page shows the values the API returns.
@dataclass
class RangeInput:
    """One bound of a facet's range form (the year box "Từ năm")."""

    param: str
    label: str
    value: int | None
    minimum: int
    maximum: int


@dataclass
class FacetView:
    name: str
    label: str
    shown: list[dict[str, Any]] = field(default_factory=list)
    more: list[dict[str, Any]] = field(default_factory=list)
    bounds: list[RangeInput] = field(default_factory=list)  # empty: the facet has no range
    range_hidden: list[tuple[str, str]] = field(default_factory=list)  # state the form keeps


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


def facet_views(facet_values: dict[str, list[dict[str, Any]]], result: dict[str, Any],
                args: Any) -> list[FacetView]:
    """Facet sidebar: the first values of each facet shown, the rest folded away (a
    selected value is always shown), and the facet's range form if it has one."""
    views = []
    for facet in fields.FACETS:
        values = facet_values.get(facet.name, [])
        shown = values[:FACET_TOP] + [v for v in values[FACET_TOP:] if v["selected"]]
        more = [v for v in values[FACET_TOP:] if not v["selected"]]
        views.append(FacetView(facet.name, facet.label, shown, more,
                               *_range_form(facet.range, result, args)))
    return views


def _range_form(rng: fields.Range | None, result: dict[str, Any], args: Any
                ) -> tuple[list[RangeInput], list[tuple[str, str]]]:
    """The inputs of a facet's range form (filled from the result) and the hidden state."""
    if rng is None:
        return [], []
    bounds = [RangeInput(b.param, b.label, result.get(b.param), rng.minimum, rng.maximum)
              for b in rng.bounds]
    return bounds, hidden_pairs(args, *(b.param for b in rng.bounds))


def filter_chips(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chips of the filters in force, each with the link that removes it."""
    return [{**f, "label": FILTER_LABELS[f["name"]]} for f in filters]


def page_views(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pagination: numbers, "‹ Trước"/"Sau ›" and "…" for a gap; the current page and a
    gap are not links."""
    return [{**p, "label": "…" if p["page"] is None else PAGE_LABELS.get(p["rel"], str(p["page"])),
             "href": None if p["current"] else p["href"]}
            for p in pages]


def sort_views(sorts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**s, "label": SORT_LABELS[s["sort"]]} for s in sorts]




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


def marked_text_html(parts: list[dict[str, Any]], anchor: str) -> tuple[str, int]:
    """The page's HTML of marked segments (:mod:`web.marks`), blank lines compacted; the
    first mark gets ``id=anchor``. Returns (html, number of marks)."""
    # A match never holds a line break, so compacting each unmarked run compacts the text.
    return marked_html(((compact_text(p["text"]) if not p["match"] else p["text"], p["match"])
                        for p in parts), first_id=anchor)


def _marked_parts(doc: dict[str, Any], part: str) -> list[dict[str, Any]]:
    """The text or notes of a document as segments: marked if a query came with it."""
    marked = doc.get("highlight")
    if marked is not None:
        parts: list[dict[str, Any]] = marked[part]
        return parts
    return marked_segments(doc.get(part) or "", NO_TERMS)


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


@bp.app_template_filter("relation_label")
def relation_label(name: str) -> str:
    """What a document does to one it cites ("Tổng kết, sơ kết"), from search.relations."""
    return relation_type(name).label if name in TYPE_NAMES else name


@bp.app_template_filter("relation_inverse")
def relation_inverse(name: str) -> str:
    """The same seen from the cited document ("Được tổng kết, sơ kết bởi")."""
    return relation_type(name).inverse if name in TYPE_NAMES else name


@bp.app_template_filter("vn_number")
def vn_number(value: int) -> str:
    """``12345`` → ``12.345`` (Vietnamese groups thousands with dots)."""
    return f"{value:,}".replace(",", ".")


@bp.app_template_filter("ms")
def milliseconds(value: Any) -> str:
    return f"{float(value):.0f} ms" if float(value) >= 1 else "< 1 ms"


# -- routes --------------------------------------------------------------------------------
def flag_views(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The search form's checkboxes (search.fields.FLAGS), checked as the request was."""
    return [{"param": f.param, "label": f.label, "checked": bool(result.get(f.param))}
            for f in fields.FLAGS]


@bp.get("/")
def search_page() -> str:
    args: Any = request.args
    # A backwards year range is said on the page (in Vietnamese), over the results without
    # the range, and the range form keeps what was typed; the API answers it with a 400.
    backwards = reversed_years(args)
    if backwards is not None:
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in RANGE_PARAMS]
    result = search_page_data(args)
    if backwards is not None:
        result.update(backwards.params)  # the form shows the years as typed
    links = result["links"]
    hits = result["hits"]
    first = (result["page"] - 1) * result["per_page"] + 1
    return render_template(
        "search.html",
        result=result,
        hits=hits,
        first=first,
        last=first + len(hits) - 1,
        q=result["query"],
        # The form sets the query and the flags (its checkboxes) itself.
        hidden=hidden_pairs(args, "q", *fields.flag_params()),
        flags=flag_views(result),
        facets=facet_views(result["facet_values"], result, args),
        chips=filter_chips(links["filters"]),
        clear_href=links["clear_filters"]["href"] if links["clear_filters"] else None,
        pages=page_views(links["pages"]),
        sorts=sort_views(links["sort"]),
        export=links["export"],
        feed_href=links["feed"],
        messages=[word_vi(Message.from_dict(n)) for n in result["notices"]],
        backwards=word_vi(backwards) if backwards is not None else None,
        year_label=FACET_LABELS["year"],
        suggestion_href=links["suggestion"]["href"] if links["suggestion"] else None,
        # The document page carries the search it came from, for its link back.
        doc_qs=encode(state_pairs(args)),
    )


@bp.get("/chain/<path:number>")
def chain(number: str) -> str:
    return render_template("chain.html", chain=chain_data(number), hidden=[],
                           back_href=search_href(encode([("q", number)])))


@bp.get("/documents/<doc_id>")
def document(doc_id: str) -> str:
    q = request.args.get("q", "").strip()
    doc = document_data(doc_id, q)
    text_html, marks = marked_text_html(_marked_parts(doc, "text"), "match-1")
    # The notes get their own anchor: "match-1" is the first match of the body text.
    notes_html, note_marks = marked_text_html(_marked_parts(doc, "notes"), "note-match-1")
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
        download=doc["links"]["download"] is not None,
        # Back to the results it came from: the query, filters, sort and page it carried.
        back_href=search_href(encode(state_pairs(request.args))),
    )
