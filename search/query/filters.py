"""Facet filters of a request: the URL's and the query text's, as the index's own labels.

A user types "kon tum", "ket luan", "TP HCM" or a province's name after the 2025 merger;
the index has "Kon Tum", "Kết luận", "Thành phố Hồ Chí Minh". A value no document has is
kept (it matches nothing, which is the truth) and named in a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.engine.base import EngineReader, Filters
from search.ingest.provinces import canonical_province, canonical_province_2025
from search.messages import Message
from search.query.parse import ParsedQuery
from search.text.normalize import fold

SHOWN_UNKNOWN = 3  # unknown values named in the message; the rest are counted


def canonical_filter_value(facet: str, value: str, labels: list[str]) -> str:
    """Map a typed value ("kon tum", "ket luan", "Huế") to the index's own label."""
    if value in labels:
        return value
    wanted = fold(value)
    for label in labels:
        if fold(label) == wanted:
            return label
    # Province aliases: "Đăk Lăk", "TP HCM", "Thừa Thiên - Huế"; names after the 2025
    # merger are labels too (documents issued since then carry them).
    candidates = []
    if facet in ("province", "province_2025"):
        candidates = [canonical_province_2025(value), canonical_province(value)]
        if facet == "province":
            candidates.reverse()
    return next((c for c in candidates if c and c in labels), value)


def request_filters(given: Mapping[str, Any], year_from: int | None, year_to: int | None,
                    pq: ParsedQuery, reader: EngineReader,
                    messages: list[Message] | None = None) -> Filters:
    """The filters ``given`` with the request (facet -> value or values) and those of the
    query text, as the index's own labels, and the year range (the request's bounds win
    over the query text's); a value no document has is kept (it matches nothing) and named
    in ``messages``."""
    merged: dict[str, list[str]] = {}
    for source in (given, pq.filters):
        for facet, values in source.items():
            for v in values if isinstance(values, list) else [values]:
                if v:
                    merged.setdefault(facet, []).append(str(v))
    out: dict[str, list[str]] = {}
    for facet, values in merged.items():
        labels = reader.facet_values(facet)
        out[facet] = sorted({canonical_filter_value(facet, v, labels) for v in values})
        unknown = [v for v in out[facet] if v not in labels]
        if unknown and messages is not None:
            messages.append(Message("filter.no_match", {
                "facet": facet, "values": [v[:60] for v in unknown[:SHOWN_UNKNOWN]],
                "more": max(0, len(unknown) - SHOWN_UNKNOWN)}))
    return Filters(out, year_from if year_from is not None else pq.year_from,
                   year_to if year_to is not None else pq.year_to)
