"""Provinces and legacy districts of Việt Nam, before and after the 1 July 2025 merger.

The data comes from ``search/ingest/data/provinces.json``, generated from ``vietnamadminunits``
1.0.4 (MIT) by ``scripts/gen_provinces.py``; it is loaded once, on first use.

Names are matched on a folded key (:func:`search.text.normalize.fold`, then letters and digits
only), so case, tone placement, diacritics, hyphens and spaces do not matter:
"KON TUM", "kon tum", "Đăk Lăk", "Thừa Thiên - Huế", "TP. Hồ Chí Minh" all resolve.

- :func:`canonical_province` — any spelling → one of the 63 pre-merger names.
- :func:`province_2025` — the successor among the 34 ("Kon Tum" → "Quảng Ngãi").
- :func:`canonical_province_2025` — a name that still denotes a province after the merger
  ("Quảng Ngãi", "Huế") → its 34-list name; a merged-away name ("Kon Tum") → ``None``.
- :func:`district_provinces` — a legacy district name → the province(s) that have one;
  :func:`district_name` — its name as listed ("HUYỆN KỲ SƠN" → "Kỳ Sơn").
- :func:`province_as_issued` — the name a province had on a date: Thừa Thiên Huế is
  "Huế" from 1 January 2025 (a centrally-run city by Nghị quyết 175/2024/QH15), and
  every province is one of the 34 from 1 July 2025.
- :func:`find_province_mentions`, :func:`find_district_mentions`, :func:`vote_districts`
  — the text scanners that :mod:`search.ingest.metadata` uses to place a document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

from search.text.normalize import fold, nfc, normalize

__all__ = [
    "DATA_FILE",
    "HUE_CITY_DATE",
    "MERGER_DATE",
    "District",
    "Mention",
    "canonical_province",
    "canonical_province_2025",
    "district_name",
    "district_provinces",
    "find_district_mentions",
    "find_province_mentions",
    "is_centrally_run",
    "name_ends",
    "place_province",
    "predecessors",
    "province_2025",
    "province_as_issued",
    "provinces",
    "provinces_2025",
    "vote_districts",
]

DATA_FILE = Path(__file__).parent / "data" / "provinces.json"
# The 63 → 34 merger (Nghị quyết 202/2025/QH15).
MERGER_DATE = dt.date(2025, 7, 1)
# Thừa Thiên Huế became the centrally-run city of Huế (Nghị quyết 175/2024/QH15).
HUE_CITY_DATE = dt.date(2025, 1, 1)
_HUE_OLD, _HUE = "Thừa Thiên Huế", "Huế"

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Prefixes that name the unit type rather than the unit, on folded text.
_PROVINCE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp|t\.p)(?:[\s.]+|$)")
_DISTRICT_PREFIX = re.compile(r"^(huyen|quan|thi xa|thanh pho|tp|tx)(?:[\s.]+|$)")
_DISTRICT_KINDS = {
    "huyen": "Huyện",
    "quan": "Quận",
    "thi xa": "Thị xã",
    "tx": "Thị xã",
    "thanh pho": "Thành phố",
    "tp": "Thành phố",
}


@dataclass(frozen=True)
class District:
    """One legacy district; ``name``/``kind`` are ``None`` for a former or variant name
    known only by its folded key (e.g. ``thongnong``, merged into Hà Quảng in 2020)."""

    name: str | None
    kind: str | None
    province: str


@dataclass(frozen=True)
class Mention:
    """A place named in a text: ``name`` is canonical (province) or as listed (district);
    ``provinces`` holds every province the name can denote."""

    name: str
    provinces: tuple[str, ...]
    start: int
    written: str


@dataclass(frozen=True)
class _Tables:
    old: tuple[str, ...]
    new: tuple[str, ...]
    old_by_key: dict[str, str]
    successor: dict[str, str]
    predecessors: dict[str, tuple[str, ...]]
    cities: frozenset[str]
    districts: dict[str, tuple[District, ...]]


def _key(name: str) -> str:
    return _NON_ALNUM.sub("", fold(name))


def _sort_key(name: str) -> tuple[str, str]:
    return (fold(name), name)


@cache
def _tables() -> _Tables:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    old_by_key: dict[str, str] = {}
    for prov in data["provinces"]:
        for alias in (prov["name"], *prov["aliases"]):
            old_by_key.setdefault(_key(alias), prov["name"])
    cities = {p["name"] for p in data["provinces"] + data["provinces_2025"]
              if p["official"].startswith("Thành phố")}
    return _Tables(
        old=tuple(p["name"] for p in data["provinces"]),
        new=tuple(p["name"] for p in data["provinces_2025"]),
        old_by_key=old_by_key,
        successor={p["name"]: p["successor"] for p in data["provinces"]},
        predecessors={p["name"]: tuple(p["predecessors"]) for p in data["provinces_2025"]},
        cities=frozenset(cities),
        districts=_district_table(data),
    )


def _district_table(data: dict[str, Any]) -> dict[str, tuple[District, ...]]:
    table: dict[str, list[District]] = {}
    for province, entries in data["districts"].items():
        for kind, name in entries:
            table.setdefault(_key(name), []).append(District(name, kind, province))
    for province, keys in data["district_aliases"].items():
        for k in keys:
            if not any(d.province == province for d in table.get(k, ())):
                table.setdefault(k, []).append(District(None, None, province))
    return {k: tuple(v) for k, v in table.items()}


def provinces() -> list[str]:
    """The 63 provinces before 1 July 2025, in official code order."""
    return list(_tables().old)


def provinces_2025() -> list[str]:
    """The 34 provinces from 1 July 2025, in official code order."""
    return list(_tables().new)


@lru_cache(maxsize=8192)
def canonical_province(name: str) -> str | None:
    """Canonical pre-merger name of a province, from any spelling; ``None`` otherwise.

    >>> canonical_province("KON TUM"), canonical_province("Đăk Lăk"), canonical_province("Huế")
    ('Kon Tum', 'Đắk Lắk', 'Thừa Thiên Huế')
    """
    if not isinstance(name, str):
        return None
    folded = _PROVINCE_PREFIX.sub("", fold(name).strip())
    key = _NON_ALNUM.sub("", folded)
    return _tables().old_by_key.get(key) if key else None


def province_2025(province: str) -> str | None:
    """The province that succeeded ``province`` on 1 July 2025 ("Kon Tum" → "Quảng Ngãi")."""
    old = canonical_province(province)
    return _tables().successor[old] if old else None


def canonical_province_2025(name: str) -> str | None:
    """The 34-list name for a name that still denotes a province after the merger.

    "Quảng Ngãi" and "Huế" (Thừa Thiên Huế renamed) resolve; "Kon Tum", which the merger
    absorbed, gives ``None``.
    """
    old = canonical_province(name)
    if old is None:
        return None
    new = _tables().successor[old]
    # The name survives if the successor's name is one of the old province's spellings.
    return new if canonical_province(new) == old else None


def predecessors(new_province: str) -> list[str]:
    """The pre-merger provinces that form ``new_province`` ("Quảng Ngãi" → ["Kon Tum",
    "Quảng Ngãi"]); empty if it is not one of the 34."""
    new = canonical_province_2025(new_province)
    return list(_tables().predecessors[new]) if new else []


def is_centrally_run(province: str, on: dt.date | None = None) -> bool:
    """Whether the province is a centrally-run city (its committee is a Thành ủy).

    Huế is one from 1 January 2025: with ``on`` the date decides for it; without, the
    name does ("Huế" is, "Thừa Thiên Huế" is not).
    """
    if on is not None and canonical_province(province) == _HUE_OLD:
        return on >= HUE_CITY_DATE
    return province in _tables().cities or canonical_province(province) in _tables().cities


def province_as_issued(province: str, on: dt.date | None) -> str | None:
    """The name of ``province`` (any spelling) on the date ``on``: one of the 63 before
    1 July 2025, one of the 34 from then on; Thừa Thiên Huế is "Huế" from 1 January
    2025. ``None`` for an unknown name, and for a name the merger absorbed when ``on``
    is after it (the caller decides what to say). Without a date, the 63-list name.

    >>> province_as_issued("Thừa Thiên Huế", dt.date(2025, 3, 1))
    'Huế'
    """
    old = canonical_province(province)
    if old is None:
        return None
    if on is None:
        return old
    if on >= MERGER_DATE:
        return canonical_province_2025(old)
    return _HUE if old == _HUE_OLD and on >= HUE_CITY_DATE else old


@lru_cache(maxsize=8192)
def _district_entries(
    name: str, kind: str | None = None, exact: bool = False
) -> tuple[District, ...]:
    """The districts a name can denote, narrowed by type and exact spelling when that
    leaves something (types changed over time: thị xã Gia Nghĩa became a thành phố).
    ``exact`` keeps only names written with these tones, even if that leaves nothing."""
    folded = fold(name).strip()
    prefix = _DISTRICT_PREFIX.match(folded)
    if prefix:
        kind = kind or _DISTRICT_KINDS[prefix.group(1)]
        folded = folded[prefix.end():]
    entries = _tables().districts.get(_NON_ALNUM.sub("", folded), ())
    if kind and len(entries) > 1:
        same = tuple(d for d in entries if d.kind in (kind, None))
        entries = same if any(d.kind for d in same) else entries
    if exact or (len(entries) > 1 and all(d.name for d in entries)):
        # "Phù Ninh" (Phú Thọ) and "Phú Ninh" (Quảng Nam) fold alike; the tones decide.
        written = normalize(name).strip()[prefix.end() if prefix else 0:].strip()
        spelt = tuple(d for d in entries if d.name and normalize(d.name) == written)
        entries = spelt if exact else spelt or entries
    return entries


def district_provinces(
    district: str, kind: str | None = None, *, exact: bool = False
) -> list[str]:
    """Provinces that had a district of this name before 1 July 2025.

    :param district: a name, optionally with its type ("huyện Ba Tơ", "Ba Tơ").
    :param kind: "Huyện", "Quận", "Thị xã" or "Thành phố", to prefer that type.
    :param exact: only districts spelt with these tones (case and tone placement aside):
        for a name that may be cut short, "Vĩnh" must not find "Vinh".

    >>> district_provinces("Ba Tơ"), district_provinces("Sơn Tây")
    (['Quảng Ngãi'], ['Hà Nội', 'Quảng Ngãi'])
    """
    if not isinstance(district, str):
        return []
    entries = _district_entries(district, kind, exact)
    return sorted({d.province for d in entries}, key=_sort_key)


def district_name(district: str, kind: str | None = None, *, exact: bool = False,
                  province: str | None = None) -> str | None:
    """A district's name as listed ("KỲ SƠN" → "Kỳ Sơn", "quận 8" → "8"), when every
    district the name can denote (in ``province``, if given) is listed with one spelling;
    ``None`` otherwise."""
    if not isinstance(district, str):
        return None
    entries = _district_entries(district, kind, exact)
    if province:  # a former district is listed without its name: any spelling will do
        entries = tuple(d for d in entries if d.province == province and d.name) or entries
    names = {d.name for d in entries if d.name}
    return names.pop() if len(names) == 1 else None


def place_province(place: str) -> str | None:
    """The province of a place line ("Kon Tum", "Điện Biên Phủ"), if unambiguous."""
    province = canonical_province(place)
    if province:
        return province
    found = district_provinces(place)
    return found[0] if len(found) == 1 else None


# --- scanning text ---------------------------------------------------------------------

# A syllable that can be part of a name: starts with a letter; "H'Drai", "H’Drai".
_WORD = re.compile(r"[^\W\d_][\w'’]*")
# Between the syllables of one name: spaces, or a hyphen ("Bà Rịa - Vũng Tàu"); never a
# newline, so a name does not run into the next line.
_NAME_SEP = re.compile(r"[ \t]+(?:-[ \t]*)?|[ \t]*-[ \t]*")
_LIST_SEP = re.compile(r"[ \t]*[,;][ \t]*|[ \t]+(?:và|hoặc)[ \t]+")
_PROVINCE_CONTEXT = re.compile(r"(?:tỉnh|thành phố|tp\.?)[ \t]+(?=\w)", re.IGNORECASE)
_DISTRICT_CONTEXT = re.compile(
    r"(?:(huyện|quận|thị xã|thành phố)(?:[ \t]+(?:ủy|uỷ))?|(thị|thành)[ \t]+(?:ủy|uỷ))"
    r"[ \t]*:?[ \t]+(?=\w)",
    re.IGNORECASE,
)


def _case_variants(*words: str) -> tuple[str, ...]:
    return tuple({v for w in words for v in (w, w.capitalize(), w.title(), w.upper())})


# The scanners look for these literals with str.find and only then run the anchored
# regex: an unanchored case-insensitive alternation costs ~2 ms per 30 KB document,
# this costs ~0.1 ms (50,000 documents go through it).
_PROVINCE_NEEDLES = _case_variants("tỉnh", "thành phố", "tp.", "tp ")
_DISTRICT_NEEDLES = _case_variants(
    "huyện", "quận", "thị xã", "thành phố",
    *(f"{unit} {uy}" for unit in ("thị", "thành") for uy in ("ủy", "uỷ")),
)
_CONTEXT_KIND = {"huyện": "Huyện", "quận": "Quận", "thị xã": "Thị xã", "thành phố": "Thành phố",
                 "thị": "Thị xã", "thành": "Thành phố"}
_MAX_NAME_WORDS = 5


def name_ends(text: str, pos: int, max_words: int = _MAX_NAME_WORDS) -> list[int]:
    """End offsets of the first 1..max_words capitalised syllables from ``pos``: the
    candidate extents of a proper name, shortest first."""
    ends: list[int] = []
    while len(ends) < max_words:
        word = _WORD.match(text, pos)
        if not word or not word.group()[0].isupper():
            break
        ends.append(word.end())
        sep = _NAME_SEP.match(text, word.end())
        if not sep:
            break
        pos = sep.end()
    return ends


_T = TypeVar("_T")


def _longest_name(
    text: str,
    pos: int,
    resolve: Callable[[str], _T | None],
    resolve_cut: Callable[[str], _T | None] | None = None,
) -> tuple[int, _T] | None:
    """(end, value) for the longest capitalised name at ``pos`` that ``resolve`` accepts;
    ``resolve_cut``, if given, judges the runs cut short of the capitalised words instead
    (a cut name must not fold onto another: "Vĩnh" of "Vĩnh Thạnh" is not "Vinh")."""
    ends = name_ends(text, pos)
    for end in reversed(ends):
        judge = resolve if resolve_cut is None or end == ends[-1] else resolve_cut
        value = judge(text[pos:end])
        if value:
            return end, value
    return None


def _matches_at(
    text: str, needles: tuple[str, ...], pattern: re.Pattern[str]
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` anchored where a needle starts a word, in text order."""
    starts: set[int] = set()
    for needle in needles:
        i = text.find(needle)
        while i != -1:
            if i == 0 or not text[i - 1].isalnum():
                starts.add(i)
            i = text.find(needle, i + 1)
    for start in sorted(starts):
        m = pattern.match(text, start)
        if m:
            yield m


def find_province_mentions(text: str) -> list[Mention]:
    """Provinces named after "tỉnh" / "thành phố" / "TP." ("tỉnh Kon Tum", "TP. Hồ Chí
    Minh"). Capitalised names only, so "tỉnh nghèo" and "Tỉnh ủy" are not mentions."""
    text = nfc(text)
    out = []
    for m in _matches_at(text, _PROVINCE_NEEDLES, _PROVINCE_CONTEXT):
        found = _longest_name(text, m.end(), canonical_province)
        if found:
            end, province = found
            out.append(Mention(province, (province,), m.start(), text[m.end():end]))
    return out


def find_district_mentions(text: str) -> list[Mention]:
    """Districts named after a district word: "huyện Ba Tơ", "Huyện ủy Đăk Glei", and
    lists such as "các huyện Ba Tơ, Sơn Hà và Minh Long"."""
    return list(_district_mentions(nfc(text)))


def _district_mentions(text: str) -> Iterator[Mention]:
    for m in _matches_at(text, _DISTRICT_NEEDLES, _DISTRICT_CONTEXT):
        kind = _CONTEXT_KIND[(m.group(1) or m.group(2)).lower()]
        yield from _district_list(text, m.end(), kind)


def _district_list(text: str, pos: int, kind: str) -> Iterator[Mention]:
    while True:
        found = _longest_name(text, pos, lambda name: _district_entries(name, kind),
                              lambda name: _district_entries(name, kind, exact=True))
        if not found:
            return
        end, entries = found
        written = text[pos:end]
        provinces = tuple(sorted({d.province for d in entries}, key=_sort_key))
        named = [d.name for d in entries if d.name]
        yield Mention(named[0] if len(set(named)) == 1 else written, provinces, pos, written)
        sep = _LIST_SEP.match(text, end)
        if not sep:
            return
        pos = sep.end()


def vote_districts(text: str) -> tuple[str | None, list[str]]:
    """The province most of the text's unambiguous districts belong to, with those
    districts in order of first mention; ``(None, [])`` without a clear winner.

    Each distinct district counts once; a name several provinces share ("Châu Thành")
    counts for none. The winner needs at least twice the runner-up's count.
    """
    per_province: dict[str, list[str]] = {}
    for mention in _district_mentions(nfc(text)):
        if len(mention.provinces) == 1:
            names = per_province.setdefault(mention.provinces[0], [])
            if mention.name not in names:
                names.append(mention.name)
    ranked = sorted(per_province.items(), key=lambda item: -len(item[1]))
    if not ranked:
        return None, []
    top = len(ranked[0][1])
    runner_up = len(ranked[1][1]) if len(ranked) > 1 else 0
    if top >= 2 * runner_up and top > runner_up:
        return ranked[0][0], ranked[0][1]
    return None, []
