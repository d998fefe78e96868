"""The search page's state lives in the URL query string; this module reads and writes it.

Reading: :func:`search_request` turns the query string into a
:class:`~search.results.SearchRequest` (``BadQuery`` with a helpful message for a bad
value). Writing: :func:`with_value`, :func:`without_value`, :func:`with_param` and
:func:`without_params` return the query string of a link that changes one thing, so facet
toggles, sort, pagination and "clear all" are plain links (no JavaScript) that can be
bookmarked, shared and walked back with the browser's back button.

Every link that changes what is searched resets ``page``: page 7 of the old results
rarely exists in the new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Union
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from search import fields
from search.errors import BadQuery
from search.messages import Message
from search.text.normalize import strip_controls
from search.fields import MAX_PAGE, MAX_PER_PAGE
from search.results import SearchRequest

# Parameters of the search page, the JSON API and the exports, from the table of fields:
# the query, the repeatable facet filters, the year range, sort and paging.
FILTER_PARAMS: tuple[str, ...] = fields.filter_params()
RANGE_PARAMS: tuple[str, ...] = fields.range_params()
SEARCH_PARAMS: tuple[str, ...] = fields.search_params()
FACET_OF_PARAM = {f.param: f.name for f in fields.FACETS}
DEFAULT_PER_PAGE = fields.DEFAULT_PER_PAGE
MIN_YEAR, MAX_YEAR = fields.YEAR_RANGE.minimum, fields.YEAR_RANGE.maximum
_INTEGER = re.compile(r"[+-]?\d{1,9}")  # longer is out of every range we accept

Args = Union[MultiDict[str, str], Mapping[str, Any], Iterable[tuple[str, str]]]


# -- writing links -----------------------------------------------------------------------
def state_pairs(args: Args) -> list[tuple[str, str]]:
    """The search state as ordered (key, value) pairs: known parameters, no empty values.

    Unknown parameters are dropped so links stay clean; empty values (an empty year box
    submitted by the form) mean "not set".
    """
    if isinstance(args, MultiDict):
        items: Iterable[tuple[str, Any]] = args.items(multi=True)
    elif isinstance(args, Mapping):
        items = [(k, v) for k, vs in args.items()
                 for v in (vs if isinstance(vs, (list, tuple)) else [vs])]
    else:
        items = args
    # Control characters (%00, %1b) are dropped: they mean nothing in a search and must
    # not be echoed into links, hidden inputs or the page.
    pairs = [(k, strip_controls(str(v))) for k, v in items if k in SEARCH_PARAMS and v is not None]
    return [(k, v) for k, v in pairs if v.strip() != ""]


def encode(pairs: Iterable[tuple[str, str]]) -> str:
    """``q=a+b&province=Kon+Tum`` (spaces as ``+``, UTF-8 percent-encoded)."""
    return urlencode(list(pairs))


def _reset_page(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k != "page"]


def with_value(args: Args, key: str, value: str) -> str:
    """Query string with ``key=value`` added (OR within a facet); page reset."""
    pairs = _reset_page(state_pairs(args))
    if (key, str(value)) not in pairs:
        pairs.append((key, str(value)))
    return encode(pairs)


def without_value(args: Args, key: str, value: str) -> str:
    """Query string with ``key=value`` removed (other values of ``key`` kept); page reset."""
    pairs = [p for p in _reset_page(state_pairs(args)) if p != (key, str(value))]
    return encode(pairs)


def with_param(args: Args, key: str, value: str | int | None) -> str:
    """Query string with ``key`` set to one ``value`` (None removes it).

    Changing anything but ``page`` itself resets the page.
    """
    pairs = state_pairs(args)
    if key != "page":
        pairs = _reset_page(pairs)
    kept = [(k, v) for k, v in pairs if k != key]
    if value is not None and str(value) != "":
        # Keep the parameter's original position so URLs change minimally.
        index = next((i for i, (k, _v) in enumerate(pairs) if k == key), None)
        position = len(kept) if index is None else sum(1 for k, _v in pairs[:index] if k != key)
        kept.insert(position, (key, str(value)))
    return encode(kept)


def without_params(args: Args, *keys: str) -> str:
    """Query string without any value of ``keys``; page reset."""
    return encode((k, v) for k, v in _reset_page(state_pairs(args)) if k not in keys)


def clear_filters(args: Args) -> str:
    """"Clear all": keep the query, sort and page size; drop facet filters and year range."""
    return without_params(args, *FILTER_PARAMS, *RANGE_PARAMS)


def hidden_pairs(args: Args, *exclude: str) -> list[tuple[str, str]]:
    """State to carry as hidden inputs of a GET form that sets ``exclude`` itself."""
    return [(k, v) for k, v in state_pairs(args) if k not in exclude and k != "page"]


def is_selected(args: Args, key: str, value: str) -> bool:
    return (key, str(value)) in state_pairs(args)


# -- reading the state -------------------------------------------------------------------
def unknown_params_message(args: Args, known: tuple[str, ...] = SEARCH_PARAMS
                           ) -> Message | None:
    """A note naming query-string parameters that are not used (a typo: ``provnce=``)."""
    if isinstance(args, MultiDict):
        keys: Iterable[str] = args.keys()
    elif isinstance(args, Mapping):
        keys = args.keys()
    else:
        keys = (k for k, _v in args)
    unknown = sorted({strip_controls(k)[:40] for k in keys if k not in known})
    if not unknown:
        return None
    return Message("param.unknown", {"names": unknown[:5], "more": max(0, len(unknown) - 5),
                                     "known": known})


def _first(args: Args, name: str) -> str:
    for k, v in state_pairs(args):
        if k == name:
            return v.strip()
    return ""


# The range each integer parameter accepts, for the message that says what to type.
_RANGES = {"page": (1, MAX_PAGE), "per_page": (1, MAX_PER_PAGE),
           "year_from": (MIN_YEAR, MAX_YEAR), "year_to": (MIN_YEAR, MAX_YEAR)}


def _int_message(code: str, name: str, value: str | int) -> Message:
    low, high = _RANGES[name]
    return Message(code, {"name": name, "value": value, "min": low, "max": high})


def _int_param(args: Args, name: str, default: int | None) -> int | None:
    raw = _first(args, name)
    if raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        if re.fullmatch(r"[+-]?\d+", raw):
            raise BadQuery(_int_message("param.too_large", name, raw[:20]))
        raise BadQuery(_int_message("param.not_integer", name, raw[:40]))
    return int(raw)


def _year_param(args: Args, name: str) -> int | None:
    year = _int_param(args, name, None)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise BadQuery(_int_message("param.bad_year", name, year))
    return year


def _flag_param(args: Args, name: str) -> bool:
    raw = _first(args, name).lower()
    if raw in fields.FLAG_ON:
        return True
    if raw in fields.FLAG_OFF or raw == "":
        return False
    raise BadQuery(Message("param.not_flag", {"name": name, "value": raw[:40],
                                              "on": fields.FLAG_ON[0], "off": fields.FLAG_OFF[0]}))


def _filter_values(args: Args) -> dict[str, list[str]]:
    """Facet -> its distinct values, in the order given (linear: a set per facet); more
    than MAX_FILTER_VALUES of one facet is a BadQuery, before anything is built from them."""
    filters: dict[str, dict[str, None]] = {}
    for key, value in state_pairs(args):
        facet = FACET_OF_PARAM.get(key)
        if facet is not None:
            filters.setdefault(facet, {})[value.strip()] = None
    for facet, values in filters.items():
        if len(values) > fields.MAX_FILTER_VALUES:
            param = next(f.param for f in fields.FACETS if f.name == facet)
            raise BadQuery(Message("request.too_many_values", {
                "name": param, "max": fields.MAX_FILTER_VALUES, "given": len(values)}))
    return {facet: list(values) for facet, values in filters.items()}


def reversed_years(args: Args) -> Message | None:
    """The message for a backwards year range (``year_from`` after ``year_to``), or None.

    The API refuses such a request (400, ``request.years_reversed``); the search page
    says it in Vietnamese above the results of the search without the range, the form
    keeping what was typed so it can be corrected."""
    year_from, year_to = _year_param(args, "year_from"), _year_param(args, "year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        return Message("request.years_reversed", {"year_from": year_from, "year_to": year_to})
    return None


def search_request(args: Args, *, per_page: int | None = None, page: int | None = None,
                   highlight: bool = True) -> SearchRequest:
    """The :class:`SearchRequest` a query string asks for.

    Integer parsing happens here (``page=abc`` → BadQuery naming the parameter); the
    ranges of page, per_page and sort are checked by the library's own validation, so
    the web and the CLI reject the same requests with the same words.
    """
    filters = _filter_values(args)
    year_from = _year_param(args, "year_from")
    year_to = _year_param(args, "year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise BadQuery(Message("request.years_reversed",
                               {"year_from": year_from, "year_to": year_to}))
    requested_page = _int_param(args, "page", 1)
    requested_per_page = _int_param(args, "per_page", DEFAULT_PER_PAGE)
    assert requested_page is not None and requested_per_page is not None
    return SearchRequest(
        q=_first(args, "q"),
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        page=page if page is not None else requested_page,
        per_page=per_page if per_page is not None else requested_per_page,
        sort=_first(args, "sort") or fields.DEFAULT_SORT,
        highlight=highlight,
        # A flag parameter is named like its SearchRequest field (search.fields.FLAGS).
        **{f.param: _flag_param(args, f.param) for f in fields.FLAGS},
    )
