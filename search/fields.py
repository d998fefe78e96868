"""The one table of searchable fields: facets, the year range, sort and paging, token fields.

Every surface that names a field reads it from here, so adding a row reaches all of them:
the CLI's search options (:mod:`search.cli`), the web's query-string parameters
(:mod:`web.urls`), the OpenAPI document (:mod:`web.openapi`), the page's labels
(:mod:`web.views`), the names in library messages (:mod:`search.index`), the filters typed
in query text (:mod:`search.query.parse`), the engine interface (:mod:`search.engine.base`)
and the Whoosh schema (:mod:`search.engine.whoosh.engine`).

A core module: it imports only the standard library (the web and CLI layers import it, not
the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Bound:
    """One end of a range filter (``year_from``): its parameter, option and texts."""

    param: str  # URL and API parameter
    cli_option: str
    cli_help: str
    description: str  # OpenAPI
    label: str  # Vietnamese, on the page's chip


@dataclass(frozen=True)
class Range:
    """An inclusive range over a facet's values (whole numbers from minimum to maximum)."""

    start: Bound
    end: Bound
    minimum: int
    maximum: int

    @property
    def bounds(self) -> tuple[Bound, Bound]:
        return (self.start, self.end)


@dataclass(frozen=True)
class Facet:
    """A faceted field: exact values, filtered on (OR within, AND across) and counted."""

    # the engine's facet column, the key of SearchRequest.filters, and the metadata field
    # that fills it (search.indexer)
    name: str
    param: str  # URL and API parameter (repeatable)
    cli_option: str
    aliases: tuple[str, ...]  # filter names accepted in query text (``tinh:``), lower case
    english: str  # the facet in the library's (English) messages
    label: str  # Vietnamese, on the page
    cli_help: str
    description: str  # OpenAPI
    examples: tuple[str, ...]  # real values, for documentation and tests
    # How the page lists the values: most documents first, or by value, newest first.
    order: Literal["count", "value_desc"] = "count"
    range: Range | None = None  # a range filter over the same values (years)
    # Filled by the indexer from the whole corpus (a status: what other documents say of
    # this one), not from the document's own metadata field of this name.
    from_corpus: bool = False


@dataclass(frozen=True)
class TokenField:
    """A field every engine indexes as a list of normalised tokens."""

    name: str
    description: str
    # "keyword": each token is a whole value (document numbers); "text": running words.
    kind: Literal["keyword", "text"]
    positions: bool  # positions kept, so phrases can be searched in it
    aliases: tuple[str, ...] = ()  # filter names in query text that search this field


@dataclass(frozen=True)
class SortField:
    """A per-document value hits can be ordered by (besides relevance)."""

    name: str
    description: str


@dataclass(frozen=True)
class Choice:
    """A single-valued request parameter: sort order or paging."""

    param: str  # URL and API parameter
    cli_option: str
    description: str  # OpenAPI
    default: str | int
    choices: tuple[str, ...] = ()  # the allowed values of a text parameter
    minimum: int | None = None  # the range of a whole-number parameter
    maximum: int | None = None
    cli_help: str | None = None
    # Which page of the hits is shown: an export has every page, so it ignores these.
    page_only: bool = False


@dataclass(frozen=True)
class Flag:
    """An on/off request parameter: a checkbox on the page, an option on the CLI."""

    param: str  # URL and API parameter ("1" sets it), and the SearchRequest field
    cli_option: str
    cli_help: str
    description: str  # OpenAPI
    label: str  # Vietnamese, beside the page's checkbox


# -- request limits (the library validates them: the web and the CLI share its words) -------
SORTS = ("relevance", "newest", "oldest")
DEFAULT_SORT = "relevance"
MAX_PER_PAGE = 100
MAX_PAGE = 1000
# Values of one facet a request may filter on (all 63 provinces fit): beyond it the page
# would grow with the square of the values (every toggle link carries them all).
MAX_FILTER_VALUES = 100
DEFAULT_PER_PAGE = 10
MIN_YEAR, MAX_YEAR = 1, 9999

# -- the table ----------------------------------------------------------------------------
YEAR_RANGE = Range(
    start=Bound("year_from", "--year-from", "First year of a range.",
                "First year of a range (inclusive).", "Từ năm"),
    end=Bound("year_to", "--year-to", "Last year of a range.",
              "Last year of a range (inclusive).", "Đến năm"),
    minimum=MIN_YEAR, maximum=MAX_YEAR,
)

FACETS: tuple[Facet, ...] = (
    Facet("province", "province", "--province", ("tinh", "province"), "province",
          "Tỉnh/thành (khi ban hành)", "Province as issued (repeatable: OR).",
          "Province as at the issue date (repeatable: OR).", ("Kon Tum", "Cao Bằng")),
    Facet("province_2025", "province_2025", "--province-2025", ("tinh2025", "province_2025"),
          "province (2025)", "Tỉnh/thành (sau sáp nhập 2025)",
          "Province after the 1 July 2025 merger (repeatable).",
          "Province after the 1 July 2025 merger (repeatable).", ("Quảng Ngãi", "Điện Biên")),
    Facet("year", "year", "--year", ("nam", "year"), "year", "Năm", "Year (repeatable).",
          "Year (repeatable).", ("2021", "2016"), order="value_desc", range=YEAR_RANGE),
    Facet("doc_type", "doc_type", "--type", ("loai", "type", "doc_type"), "document type",
          "Loại văn bản", 'Document type, e.g. "Kết luận".',
          "Document type, e.g. Kết luận (repeatable).", ("Kết luận", "Nghị quyết")),
    Facet("issuer", "issuer", "--issuer", ("coquan", "issuer"), "issuer", "Cơ quan ban hành",
          'Issuing body, e.g. "Ban Thường vụ Tỉnh ủy".',
          "Issuing body, e.g. Ban Thường vụ Tỉnh ủy (repeatable).", ("Ban Thường vụ Tỉnh ủy",)),
    # What the corpus says of a document (search.related): reviewed, amended, replaced by a
    # document it holds, or "Chưa rõ"; never a guess.
    Facet("status", "status", "--status", ("trangthai", "status"), "status", "Tình trạng",
          'Status the corpus states, e.g. "Đã được tổng kết, sơ kết" (repeatable).',
          "Status the corpus states: Đã được thay thế, bãi bỏ; Đã được sửa đổi, bổ sung; "
          "Đã được tổng kết, sơ kết; Chưa rõ (repeatable).",
          ("Chưa rõ", "Đã được tổng kết, sơ kết"), from_corpus=True),
)

TOKEN_FIELDS: tuple[TokenField, ...] = (
    TokenField("number", "the document's own number, one token (04-nq/tu)", "keyword", False,
               aliases=("so", "number")),
    TokenField("cites", "numbers the document cites", "keyword", False),
    # Parts of numbers, for numbers typed in part ("NQ 04", "04/TU", "nghị quyết 04"):
    # search.text.numbers.number_parts.
    TokenField("number_parts", "parts of the document's own number (4/tu, nq:4)", "keyword",
               False),
    TokenField("cite_parts", "parts of the numbers the document cites", "keyword", False),
    # What the document does to each number it cites, "review:04-nq/tu" (search.relations).
    TokenField("relations", "typed relations to the numbers it cites (review:04-nq/tu)",
               "keyword", False),
    TokenField("title", "trích yếu syllables", "text", True, aliases=("tieude", "title")),
    TokenField("title_f", "trích yếu, folded", "text", True),
    TokenField("body", "body syllables (positions kept)", "text", True),
    TokenField("body_f", "body, folded", "text", True),
    TokenField("notes", "footnotes syllables", "text", True),
    TokenField("notes_f", "footnotes, folded", "text", True),
    TokenField("meta", "province as issued, document type and issuer, as words", "text", True),
    TokenField("meta_f", "the same, folded", "text", True),
    # Compounds are matched as whole terms, never as phrases: no positions to store.
    TokenField("words", "pyvi compounds of title and body", "text", False),
    TokenField("words_f", "pyvi compounds, folded", "text", False),
)

SORTABLE_FIELDS: tuple[SortField, ...] = (
    SortField("date", "the issue date, ISO yyyy-mm-dd (newest and oldest sort on it)"),
)

# The order of hits and the page of them shown, in URL order.
QUERY_PARAM = "q"
QUERY_DESCRIPTION = ('Query: words with or without tone marks, "phrases", -exclusions, OR, '
                     "document numbers (04-NQ/TU, 04 nq tu, NQ 04), filters (tinh:, nam:, "
                     'loai:, coquan:) and title-only words (tieude:"giảm nghèo").')
# Values a flag parameter accepts (a checkbox sends "1"); anything else is a bad request.
FLAG_ON = ("1", "true", "on", "yes")
FLAG_OFF = ("0", "false", "off", "no")
FLAGS: tuple[Flag, ...] = (
    Flag("title_only", "--title-only", "Search the titles (trích yếu) only.",
         "Search the titles (trích yếu) only: every word, phrase and number of the query "
         "must be in the title. 1 to set.", "Chỉ tìm trong trích yếu"),
)
PAGING: tuple[Choice, ...] = (
    Choice("sort", "--sort", "Order of the hits.", DEFAULT_SORT, choices=SORTS),
    Choice("page", "--page", "Page number.", 1, minimum=1, maximum=MAX_PAGE, page_only=True),
    Choice("per_page", "--limit", "Hits per page.", DEFAULT_PER_PAGE, minimum=1,
           maximum=MAX_PER_PAGE, page_only=True),
)


# -- derived views of the table -------------------------------------------------------------
def facet_names(facets: tuple[Facet, ...] = FACETS) -> tuple[str, ...]:
    return tuple(f.name for f in facets)


def ranges(facets: tuple[Facet, ...] = FACETS) -> tuple[Range, ...]:
    return tuple(f.range for f in facets if f.range is not None)


def filter_params(facets: tuple[Facet, ...] = FACETS) -> tuple[str, ...]:
    """The repeatable URL parameters, one per facet."""
    return tuple(f.param for f in facets)


def range_params(facets: tuple[Facet, ...] = FACETS) -> tuple[str, ...]:
    return tuple(b.param for r in ranges(facets) for b in r.bounds)


def flag_params(flags: tuple[Flag, ...] = FLAGS) -> tuple[str, ...]:
    return tuple(f.param for f in flags)


def search_params(facets: tuple[Facet, ...] = FACETS) -> tuple[str, ...]:
    """Every parameter of a search, in URL order: query, facets, ranges, flags, sort and
    paging."""
    return (QUERY_PARAM, *filter_params(facets), *range_params(facets), *flag_params(),
            *(c.param for c in PAGING))


def query_aliases(facets: tuple[Facet, ...] = FACETS,
                  tokens: tuple[TokenField, ...] = TOKEN_FIELDS) -> dict[str, str]:
    """Filter name typed in query text (``tinh``) → the facet or token field it filters on.

    Two fields claiming one name would make a query ambiguous: that is a bug in the table.
    """
    out: dict[str, str] = {}
    for name, aliases in [(f.name, f.aliases) for f in facets] + [(t.name, t.aliases)
                                                                     for t in tokens]:
        for alias in aliases:
            if out.setdefault(alias, name) != name:
                raise ValueError(f"query filter {alias!r} names both {out[alias]} and {name}")
    return out


def phrase_fields(tokens: tuple[TokenField, ...] = TOKEN_FIELDS) -> tuple[str, ...]:
    """Token fields that keep positions (phrases are searched in these)."""
    return tuple(t.name for t in tokens if t.positions)
