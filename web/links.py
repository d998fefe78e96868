"""The links of one page of search results, as data: facet toggles, the filters in force,
"clear filters", sort, pages, the spelling suggestion, the Atom feed and the exports.

Computed once from the result and the request's query string and put into the data that
both the search page and ``/api/search`` return (as Datasette's JSON carries its facet
toggle URLs), so the page's links and the API's are the same values. Every link is the
query string it leads to (``query``), the search page's URL for it (``href``) and the
API's (``api_href``); labels and layout stay in :mod:`web.views`.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from search import fields
from search.fields import MAX_PAGE, SORTS
from search.text.normalize import fold

from .urls import (Args, clear_filters, is_selected, state_pairs, with_param, with_value,
                   without_params, without_value)

PAGE_WINDOW = 2  # page numbers linked either side of the current page


def _url(endpoint: str, query: str) -> str:
    base = url_for(endpoint)
    return f"{base}?{query}" if query else base


def link(query: str) -> dict[str, str]:
    """A link that changes the search: its query string, on the page and on the API."""
    return {"query": query, "href": _url("views.search_page", query),
            "api_href": _url("api.api_search", query)}


def _facet_order(facet: fields.Facet, counts: dict[str, int]) -> list[tuple[str, int]]:
    if facet.order == "value_desc":  # years read best newest first, whatever their counts
        return sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
    return sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0]), kv[0]))


def facet_values(result: dict[str, Any], args: Args) -> dict[str, list[dict[str, Any]]]:
    """Facet -> its values in display order, each with its count, whether it is
    selected, and the link that toggles it (selects it, or deselects it if selected).

    A selected value that no longer has hits (count 0) is still listed, so it can be
    deselected.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for facet in fields.FACETS:
        key = facet.param  # the facet's values are counted by name, linked by parameter
        counts = _within_range(facet, dict(result["facets"].get(facet.name, {})), result)
        for param, value in state_pairs(args):
            if param == key:
                counts.setdefault(value, 0)
        values = []
        for value, count in _facet_order(facet, counts):
            selected = is_selected(args, key, value)
            toggle = without_value if selected else with_value
            values.append({"value": value, "count": count, "selected": selected,
                           **link(toggle(args, key, value))})
        out[facet.name] = values
    return out


def _within_range(facet: fields.Facet, counts: dict[str, int],
                  result: dict[str, Any]) -> dict[str, int]:
    """A facet's counts cut to its range in force (the year facet to ``year_from`` …
    ``year_to``): the engine counts a facet as if its own filters were not set, so that a
    value can be added, but a year outside the range asked for has no hit to show."""
    if facet.range is None:
        return counts
    low, high = (result.get(b.param) for b in facet.range.bounds)
    if low is None and high is None:
        return counts
    kept = {}
    for value, count in counts.items():
        try:
            year = int(value)
        except ValueError:
            continue  # not a year: nothing a year range can keep
        if (low is None or year >= low) and (high is None or year <= high):
            kept[value] = count
    return kept


def active_filters(args: Args) -> list[dict[str, str]]:
    """The filters in force (facet values, then the year range), each with the link that
    removes it alone."""
    pairs = state_pairs(args)
    names = {f.param: f.name for f in fields.FACETS}
    chips = [{"name": names[key], "value": value, **link(without_value(args, key, value))}
             for key, value in pairs if key in names]
    for key in fields.range_params():
        year = next((v for k, v in pairs if k == key), None)
        if year:
            chips.append({"name": key, "value": year, **link(without_params(args, key))})
    return chips


def sort_links(result: dict[str, Any], args: Args) -> list[dict[str, Any]]:
    """Every order, whether it is the current one, and the link that sorts by it."""
    return [{"sort": key, "current": key == result["sort"],
             # relevance is the default: its link drops the parameter
             **link(with_param(args, "sort", None if key == "relevance" else key))}
            for key in SORTS]


def page_links(result: dict[str, Any], args: Args) -> list[dict[str, Any]]:
    """Previous, a window of page numbers with the first and last, and next.

    A gap in the numbers is an entry with ``page`` null and no link; ``rel`` is "prev" or
    "next" for those two links.
    """
    page, pages = result["page"], min(result["pages"], MAX_PAGE)
    if pages <= 1:
        return []

    def entry(n: int, rel: str | None = None) -> dict[str, Any]:
        return {"page": n, "current": n == page and rel is None, "rel": rel,
                **link(with_param(args, "page", n))}

    gap = {"page": None, "current": False, "rel": None, "query": None, "href": None,
           "api_href": None}
    links = []
    if page > 1:
        links.append(entry(page - 1, "prev"))
    numbers = sorted({1, pages, *range(max(1, page - PAGE_WINDOW),
                                       min(pages, page + PAGE_WINDOW) + 1)})
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(dict(gap))
        links.append(entry(n))
        previous = n
    if page < pages:
        links.append(entry(page + 1, "next"))
    return links


def search_links(result: dict[str, Any], args: Args) -> dict[str, Any]:
    """Every link of the page but the facet toggles (:func:`facet_values`)."""
    filters = active_filters(args)
    export_query = without_params(args, "page", "per_page")
    suggestion = result.get("suggestion")
    return {
        "filters": filters,
        "clear_filters": link(clear_filters(args)) if filters else None,
        "sort": sort_links(result, args),
        "pages": page_links(result, args),
        "suggestion": link(with_param(args, "q", suggestion)) if suggestion else None,
        # The Atom feed of the search (web/feeds.py): one order, newest first; no paging.
        "feed": _url("feeds.feed", without_params(args, "sort", "page", "per_page")),
        "export": {"query": export_query,
                   "csv": _url("exports.export_csv", export_query),
                   "json": _url("exports.export_json", export_query)},
    }
