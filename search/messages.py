"""What the library has to tell a user, as codes with parameters rather than sentences.

A :class:`Message` is a code from :data:`CATALOGUE` and the values its sentence needs
(``Message("filter.no_match", {"facet": "province", "values": ["Atlantis"], "more": 0})``).
The library decides *what* to say; each surface decides *how*: the CLI and the JSON
``text`` use the English wording here (:func:`word_en`, ``Message.text``), the web page
words every code in Vietnamese from its own table (``web/messages.py``). So no surface
has to read a sentence back, and no English leaks onto a Vietnamese page.

A core module: it imports only the standard library (``search.errors`` imports it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from search.fields import FACETS

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Code:
    """One kind of message: the names of its parameters, its English wording, and an
    example of its parameters (the tests word every code with it, in every language)."""

    params: tuple[str, ...]
    en: Callable[[Params], str]
    example: Mapping[str, Any]
    doc: str = ""


# -- English wording helpers -------------------------------------------------------------------
# The English names of the facets, as a filter is named in a sentence.
FACET_NAMES_EN = {f.name: f.english for f in FACETS}  # as the table of fields names them


def _quoted_list(values: tuple[str, ...], more: int) -> str:
    """``'a', 'b' (and 2 more)``: Python's quoting, as the messages always had."""
    shown = ", ".join(repr(v) for v in values)
    return shown + (f" (and {more} more)" if more else "")


def _hint_en(p: Params) -> str:
    """What a valid value of the URL parameter ``p["name"]`` looks like."""
    name = p["name"]
    if name == "page":
        return f"use a page number from {p['min']}"
    if name == "per_page":
        return f"use a number of results per page from {p['min']} to {p['max']}"
    return f"a year such as 2016 ({p['min']}–{p['max']})"


def _browse_en(p: Params, start: str) -> str:
    what = "every document"
    if p["excluded"]:
        what += " without the excluded words"
    if p["filtered"]:
        what += " that matches the filters"
    order = "oldest first" if p["order"] == "oldest" else "newest first"
    return f"{start}: showing {what}, {order}"


def _unknown_params_en(p: Params) -> str:
    names = ", ".join(repr(k) for k in p["names"]) + (" …" if p["more"] else "")
    return f"unknown parameter {names} ignored (known: {', '.join(p['known'])})"


# -- the catalogue: every code and its parameters, in one place -------------------------------
_BROWSE = ("excluded", "filtered", "order")
_URL_INT = ("name", "value", "min", "max")

CATALOGUE: dict[str, Code] = {
    # Notes of the query parser: the query is run, but not quite as typed.
    "query.cut_chars": Code(
        ("limit",), lambda p: f"query cut to its first {p['limit']:,} characters",
        {"limit": 1000}, "The query text was longer than the limit; the rest was dropped."),
    "query.cut_terms": Code(
        ("limit",), lambda p: f"query cut to its first {p['limit']} terms",
        {"limit": 32}, "More terms than the limit; the first ones were kept."),
    "query.wildcards": Code(
        (), lambda p: "* and ? are not wildcards here: words are matched whole, "
                      "with or without tone marks", {}, "The query has * or ?."),
    "query.unclosed_quote": Code(
        (), lambda p: "unclosed quote: the phrase runs to the end of the query", {},
        "An odd number of quotes."),
    "query.parentheses": Code(
        (), lambda p: "( and ) do not group words here: use OR between alternatives", {},
        "The query has parentheses."),
    # Errors of the query text (BadQuery).
    "query.bad_year": Code(
        ("value",), lambda p: f"nam:{p['value']} is not a year or a range of years "
                              f"(nam:2021, nam:2016-2021)",
        {"value": "abc"}, "nam: with something that is not a year or a range."),
    "query.years_reversed": Code(
        ("value", "year_from", "year_to"),
        lambda p: f"nam:{p['value']}: the first year is after the last "
                  f"(write nam:{p['year_to']}-{p['year_from']})",
        {"value": "2025-2000", "year_from": 2025, "year_to": 2000},
        "nam:A-B with A after B."),
    # Notes of search(): what was shown instead, or what matched nothing.
    "search.no_words": Code(
        _BROWSE, lambda p: _browse_en(p, "no search words"),
        {"excluded": True, "filtered": True, "order": "newest"},
        "No words to search for: every document (or those the filters and exclusions "
        "leave) is shown, in date order ('newest' or 'oldest')."),
    "search.nothing_to_search": Code(
        ("text", *_BROWSE), lambda p: _browse_en(p, f"nothing to search for in {p['text']!r}"),
        {"text": "!!! ...", "excluded": False, "filtered": False, "order": "oldest"},
        "The query text (at most 60 characters of it in 'text') has no searchable word."),
    "search.relaxed": Code(
        (), lambda p: "no document has all the words; showing documents with some of them",
        {}, "No document had every word; the search was relaxed."),
    "search.untoned": Code(
        (), lambda p: "no document has the words as typed with tone marks; showing matches "
                      "without tones", {},
        "A query typed with tone marks matched nothing as typed; it was matched without tones."),
    "filter.no_match": Code(
        ("facet", "values", "more"),
        lambda p: f"no document has {FACET_NAMES_EN.get(p['facet'], p['facet'])} "
                  f"{_quoted_list(p['values'], p['more'])}",
        {"facet": "province", "values": ["Atlantis", "Lemuria"], "more": 2},
        "Filter values no document has (at most 3 named, each cut to 60 characters; "
        "'more' counts the rest); they match nothing."),
    # Errors of a search request (BadQuery).
    "request.unknown_sort": Code(
        ("sort", "choices"),
        lambda p: f"unknown sort {p['sort']!r}: use one of {', '.join(p['choices'])}",
        {"sort": "random", "choices": ["relevance", "newest", "oldest"]}, ""),
    "request.out_of_range": Code(
        ("name", "min", "max"), lambda p: f"{p['name']} must be between {p['min']} and {p['max']}",
        {"name": "per_page", "min": 1, "max": 100}, "page or per_page outside its range."),
    "request.years_reversed": Code(
        ("year_from", "year_to"),
        lambda p: f"year_from ({p['year_from']}) is after year_to ({p['year_to']})",
        {"year_from": 2025, "year_to": 2000}, ""),
    "request.too_many_values": Code(
        ("name", "max", "given"),
        lambda p: f"at most {p['max']} values of {p['name']} ({p['given']} given)",
        {"name": "province", "max": 100, "given": 4000},
        "More values of one filter than a request may carry."),
    "request.unknown_filter": Code(
        ("name", "choices"),
        lambda p: f"unknown filter {p['name']!r}: use {', '.join(p['choices'])}",
        {"name": "colour", "choices": ["province", "province_2025", "year", "doc_type",
                                       "issuer"]}, ""),
    # The URL's parameters (web): a note for unknown names, errors (BadQuery) for bad values.
    "param.unknown": Code(
        ("names", "more", "known"), _unknown_params_en,
        {"names": ["colour", "provnce"], "more": 1, "known": ["q", "province", "page"]},
        "Query-string parameters that are not used (at most 5 named; 'more' counts the "
        "rest)."),
    "param.not_integer": Code(
        _URL_INT, lambda p: f"{p['name']} must be a whole number, not {p['value']!r}: "
                            f"{_hint_en(p)}",
        {"name": "page", "value": "abc", "min": 1, "max": 1000},
        "page, per_page, year_from or year_to is not a whole number (value: at most 40 "
        "characters)."),
    "param.too_large": Code(
        _URL_INT, lambda p: f"{p['name']}={p['value']}… is out of range: {_hint_en(p)}",
        {"name": "per_page", "value": "1000000000", "min": 1, "max": 100},
        "A whole number too long to be in any range (value: its first 20 digits)."),
    "param.not_flag": Code(
        ("name", "value", "on", "off"),
        lambda p: f"{p['name']} is {p['on']} (on) or {p['off']} (off), not {p['value']!r}",
        {"name": "title_only", "value": "maybe", "on": "1", "off": "0"},
        "A flag parameter (title_only) with a value that is neither on nor off (value: at "
        "most 40 characters)."),
    "param.bad_choice": Code(
        ("name", "value", "choices"),
        lambda p: f"{p['name']} is one of {', '.join(p['choices'])}, not {p['value']!r}",
        {"name": "headers", "value": "french", "choices": ["vi", "keys"]},
        "A parameter with a fixed set of values (the CSV export's headers) given another "
        "(value: at most 40 characters)."),
    "param.bad_year": Code(
        _URL_INT, lambda p: f"{p['name']} must be {_hint_en(p)}, not {p['value']}",
        {"name": "year_to", "value": 99999, "min": 1, "max": 9999},
        "year_from or year_to outside the years accepted."),
    # The index and its documents (IndexMissing, IndexCorrupt, IndexLocked, DocumentNotFound).
    "index.missing": Code(
        ("location", "command"),
        lambda p: f"no index at {p['location']}: build one with `{p['command']}`",
        {"location": "index", "command": "vnsearch build PATHS --index index"},
        "Nothing has been built at the index location yet; 'command' builds it."),
    "index.damaged": Code(
        ("location", "detail", "command"),
        lambda p: f"index at {p['location']} is damaged ({p['detail']}): rebuild it with "
                  f"`{p['command']}`",
        {"location": "index", "detail": "gen-1/MAIN_1.seg is missing",
         "command": "vnsearch build PATHS --index index"},
        "The serving index cannot be opened; 'detail' (English, technical) says which part, "
        "'command' rebuilds it."),
    "index.outdated": Code(
        ("location", "format", "expected", "command"),
        lambda p: f"index at {p['location']} was built by an older vnsearch (index format "
                  f"{p['format']}, this one needs {p['expected']}: typed relations and status): "
                  f"rebuild it with `{p['command']}`",
        {"location": "index", "format": 1, "expected": 2,
         "command": "vnsearch build PATHS --index index"},
        "The serving index lacks fields this version reads; 'command' rebuilds it."),
    "index.bad_config": Code(
        ("path", "problem"), lambda p: f"cannot read the index configuration {p['path']} "
                                       f"({p['problem']})",
        {"path": "cluster.json", "problem": "not a JSON object"},
        "An engine's configuration file (--index FILE) is not readable JSON."),
    "index.locked": Code(
        ("location", "holder"), lambda p: f"index {p['location']} is locked by {p['holder']}",
        {"location": "index", "holder": "pid 12 on host (build, since 2026-12-04T05:00:00+00:00)"},
        "Another writer (build, add, remove) holds the index."),
    # A Xapian cluster (search/engine/xapian/cluster.py): IndexUnavailable.
    "index.unavailable": Code(
        ("location", "shard", "copies"),
        lambda p: f"shard {p['shard']} of the index {p['location']} has no live copy "
                  f"(tried {', '.join(p['copies'])}): start one of them; results would be "
                  "incomplete, so none are given",
        {"location": "cluster.json", "shard": 1, "copies": ["10.0.0.1:33000", "10.0.0.2:33000"]},
        "A shard of a cluster answers on none of its copies; 'copies' are their addresses."),
    "index.no_primary": Code(
        ("location", "shard", "address", "problem", "command"),
        lambda p: f"the primary of shard {p['shard']} of the index {p['location']} "
                  f"({p['address']}) does not answer ({p['problem']}): nothing was changed; "
                  f"make a replica the primary with `{p['command']}`",
        {"location": "cluster.json", "shard": 0, "address": "10.0.0.1:33000",
         "problem": "Connection refused", "command": "vnsearch cluster promote 0 --index "
                                                     "cluster.json"},
        "A write (build, add, remove) needs every shard's primary; 'problem' is the network "
        "error (English, technical), 'command' promotes a replica."),
    # Engines (search.engine.registry, search.engine.xapian).
    "engine.not_installed": Code(
        ("engine", "location", "problem", "command"),
        lambda p: f"index at {p['location']} needs the {p['engine']} engine, which this "
                  f"install lacks ({p['problem']}): {p['command']}",
        {"engine": "xapian", "location": "index",
         "problem": "ModuleNotFoundError: No module named 'xapian'",
         "command": "pip install 'vnsearch[cluster]'"},
        "The index was built with an optional engine whose bindings are not installed; "
        "'command' installs them."),
    "query.unsupported": Code(
        ("engine", "what"),
        lambda p: f"the {p['engine']} engine cannot run this query: {p['what']}",
        {"engine": "xapian", "what": "2 of 40 alternatives (780 combinations, 500 at most)"},
        "A query the engine serving the index cannot run exactly ('what', English, "
        "technical): refused rather than answered differently."),
    "document.not_found": Code(
        ("id",), lambda p: f"no document with id {p['id']!r}", {"id": "nq-04-2021"},
        "No document of the index has that id."),
    "chain.not_a_number": Code(
        ("number",), lambda p: (f"{p['number']!r} is not a document number: a chain is asked "
                                "for a number such as 43-NQ/TW, 04-NQ/TU or 2405/QĐ-TTg"),
        {"number": "nghị quyết"},
        "The implementation chain was asked for something that is no document number."),
}


INSTALL_CLUSTER = "pip install 'vnsearch[cluster]'"  # the optional Xapian engine's binding


def build_command(location: str) -> str:
    """The command that (re)builds the index at ``location``, for the index messages."""
    return f"vnsearch build PATHS --index {location}"


# -- messages ----------------------------------------------------------------------------------
def _freeze(value: Any) -> Any:
    """Lists become tuples, so a message cannot change once made."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"message parameter {value!r} is not a JSON value")


def _thaw(value: Any) -> Any:
    return [_thaw(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Message:
    """A code of :data:`CATALOGUE` with exactly the parameters it lists (JSON values)."""

    code: str
    params: Params = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = CATALOGUE.get(self.code)
        if spec is None:
            raise ValueError(f"unknown message code {self.code!r}")
        if set(self.params) != set(spec.params):
            raise ValueError(f"message {self.code!r} takes parameters {spec.params}, "
                             f"not {tuple(self.params)}")
        frozen = {name: _freeze(self.params[name]) for name in spec.params}
        object.__setattr__(self, "params", MappingProxyType(frozen))

    def __hash__(self) -> int:
        return hash((self.code, json.dumps(self.to_json_params(), sort_keys=True)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self.code == other.code and dict(self.params) == dict(other.params)

    @property
    def text(self) -> str:
        """The English sentence (CLI, JSON ``text``, ``str()`` of an error)."""
        return word_en(self)

    def to_json_params(self) -> dict[str, Any]:
        return {name: _thaw(value) for name, value in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}, "text": "<English>"}``."""
        return {"code": self.code, "params": self.to_json_params(), "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Message":
        """The message of a :meth:`to_dict` (its ``text`` is ignored: it follows)."""
        return cls(str(data["code"]), dict(data.get("params") or {}))

    def __str__(self) -> str:
        return self.text


def word_en(message: Message) -> str:
    """The English wording of ``message``."""
    return CATALOGUE[message.code].en(message.params)


def examples() -> list[Message]:
    """One message of every code, with the catalogue's example parameters."""
    return [Message(code, dict(spec.example)) for code, spec in CATALOGUE.items()]
