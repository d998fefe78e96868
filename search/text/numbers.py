"""Document numbers: their shapes, their canonical token and their scope, in one place.

Two systems of numbering meet in the corpus (``shared/domain.md`` A1):

- **Party** (Hướng dẫn 36-HD/VPTW §II.1.3): number, *hyphen*, type code, slash, issuer
  code: ``04-NQ/TU``, ``237-KL/TU``, ``05-HD/BTCTW``, ``66-QĐ/TW``.
- **State** (NĐ 30/2020; Luật BHVBQPPL art. 10): the type follows the slash:
  normative ``50/2016/QĐ-TTg``, ``02/2011/TTLT-VPCP-BNV``; laws ``202/2025/QH15``;
  administrative (no year) ``861/QĐ-TTg``, ``123/UBND-VX``.

Every shape below is built once from the named parts, for three readers that need
different tolerance:

- *tokens* (:data:`NUMBER_RE`): the analyser keeps anything number-shaped whole, so a
  number is one token at index time and at query time (positions, phrases, highlights);
- *queries* (:func:`is_number_token`, :data:`SPACED_PARTY_RE`): the same shapes, in any
  case, with the spaces a user types around the separators;
- *extraction* (:data:`HEADER_PARTY`, :data:`HEADER_STATE`, :data:`CITE_RE`): stricter
  codes (a party type code has at most five letters, an issuer code at most twelve),
  for the numbers metadata records as a document's own or as cited.

**Scope.** Party numbers restart from 01 per type within one committee and term, so
``04-NQ/TU`` exists in every province: a provincial number can only mean a document of
the citing document's province. Central bodies' numbers (issuer code ending in ``TW``:
TW, BCHTW, BTCTW, BTGTW, BDVTW, UBKTTW, VPTW …) and state numbers are unique enough to
link across provinces. :func:`number_scope` decides; metadata and the index both ask it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from search.text.normalize import fold, fold_aligned, nfc, normalize

__all__ = [
    "NUMBER_RE",
    "SPACED_PARTY_RE",
    "HEADER_PARTY",
    "HEADER_STATE",
    "CITE_RE",
    "Scope",
    "normalize_number",
    "display_number",
    "is_number_token",
    "is_central_issuer",
    "number_scope",
    "links_across_provinces",
    "LooseNumber",
    "find_loose_numbers",
    "number_parts",
    "serial_key",
    "strip_so",
    "TYPE_NAMES",
]

# --- named parts ----------------------------------------------------------------------

_UPPER = "A-ZĐ"
_LETTER = "A-Za-zĐđ"
PARTY_SERIAL = r"\d{1,4}[a-z]?"  # 01 … 9999, and "30a"
STATE_SERIAL = r"\d{1,5}[a-z]?"  # state numbers reach five digits (3739/QĐ-UBND, 12345/…)
YEAR = r"\d{4}"
TYPE_CODE = rf"[{_UPPER}][{_LETTER}]{{0,5}}"  # NQ, KL, QĐi, CTr, TTLT, QyĐ …
PARTY_TYPE_CODE = rf"[{_UPPER}][{_LETTER}]{{0,4}}"  # a party type code is short: NQ, QĐi, CTr
PARTY_ISSUER = rf"[{_UPPER}][{_LETTER}]{{0,11}}"  # one code: TU, VPTW, BTCTW, BTGDVTU
_ISSUER_WORD = rf"[{_UPPER}][{_LETTER}0-9]*"
ISSUERS = rf"{_ISSUER_WORD}(?:-{_ISSUER_WORD})*"  # TTg, UBND-VX, TTLT-BTC-BNV, QH15
# An administrative number's issuers as extraction reads them in a text: letters only
# (no known administrative issuer has a digit; the token shape is more lenient).
_ADMIN_ISSUERS = rf"[{_UPPER}][{_LETTER}]*(?:-[{_UPPER}][{_LETTER}]*)*"
LAW = r"QH\d{1,2}"  # a National Assembly term: 202/2025/QH15
DASH = r"[-–—]"  # OCR and word processors turn the hyphen of a header number into a dash
_CENTRAL_SUFFIX = "TW"  # Trung ương: TW, BCHTW, BTCTW, VPTW … (provincial ones end in TU)


def _party(sep: str, type_code: str = TYPE_CODE, issuer: str = ISSUERS) -> str:
    """Party shape ``04-NQ/TU`` with ``sep`` allowed around the hyphen and the slash."""
    return rf"{PARTY_SERIAL}{sep}-{sep}{type_code}{sep}/{sep}{issuer}"


_STATE = rf"{STATE_SERIAL}/(?:{YEAR}/)?(?:{TYPE_CODE}-{ISSUERS}|{LAW})"
_TOKEN_PARTY = _party(r"\s?")  # "04 - NQ/TU": one stray space each side is tolerated

# --- tokens ---------------------------------------------------------------------------

#: A number in running text, kept whole as one token by the analyser.
NUMBER_RE = re.compile(rf"(?<![\w/-])(?:{_STATE}|{_TOKEN_PARTY})(?![\w/])")
# The same shapes on one whole token in any case ("04-nq/tu", as normalised or typed).
_NUMBER_TOKEN = re.compile(rf"{_STATE}|{_TOKEN_PARTY}", re.IGNORECASE)

# --- queries --------------------------------------------------------------------------

#: A party number typed with any spaces ("04  -  nq / tu"), joined before the query is
#: split on spaces.
SPACED_PARTY_RE = re.compile(r"(?<![\w/])" + _party(r"\s*"), re.IGNORECASE)

# --- extraction -----------------------------------------------------------------------

#: A document's own party number after "Số" (groups: serial, type, issuer); the caller
#: adds the "Số" prefix and the end it accepts (both OCR matters).
HEADER_PARTY = rf"({PARTY_SERIAL})\s*{DASH}\s*({PARTY_TYPE_CODE})\s*/\s*({PARTY_ISSUER})"
#: A document's own state number after "Số" (groups: serial, year or None, type, issuers).
HEADER_STATE = (rf"({STATE_SERIAL})\s*/\s*(?:({YEAR})\s*/\s*)?({TYPE_CODE})\s*-\s*"
                rf"({ISSUERS})(?![\w/])")

#: Numbers cited in a text, every form in one pass. It is anchored on the first digit: a
#: leading look-behind would be tried at every position (8× slower on a 30 KB text); the
#: look-behind after that digit keeps "QĐ30/…" and "1.800-2.000" from matching mid-token.
#: Groups: 1 and 2 the serial; party ``pt``/``pi``; normative ``y`` with ``qh`` (a law) or
#: ``st``/``si``; administrative ``at``/``ai``.
CITE_RE = re.compile(
    r"(\d)(?<![\w/.,-]\d)(\d{0,4}[a-z]?)(?:"
    # Party: 04-NQ/TU (a stray space or tab around the separators, never a line break)
    rf"[ \t]?-[ \t]?(?P<pt>{PARTY_TYPE_CODE})[ \t]?/[ \t]?(?P<pi>{PARTY_ISSUER})"
    # state, normative: 50/2016/QĐ-TTg, 02/2011/TTLT-VPCP-BNV; law: 202/2025/QH15
    rf"|/(?P<y>{YEAR})/(?:(?P<qh>{LAW})|(?P<st>{TYPE_CODE})-(?P<si>{ISSUERS}))"
    # state, administrative: 861/QĐ-TTg, 5886/CV-VPTU
    rf"|/(?P<at>{TYPE_CODE})-(?P<ai>{_ADMIN_ISSUERS})"
    r")(?![\w/])"
)

# A whole number, either form, any case and no spaces (what metadata stores).
_PARTY_WHOLE = re.compile(rf"{PARTY_SERIAL}{DASH}{TYPE_CODE}/(?P<issuer>{ISSUERS})",
                          re.IGNORECASE)
_STATE_WHOLE = re.compile(_STATE, re.IGNORECASE)


# --- normalisation --------------------------------------------------------------------


def normalize_number(raw: str) -> str:
    """Canonical token for a document number: no spaces, NFC, tone-normalised, lower.

    >>> normalize_number("04 - NQ/TU")
    '04-nq/tu'
    """
    return normalize(_squeeze(raw))


def display_number(raw: str) -> str:
    """Document number as it should be displayed: no inner spaces, NFC."""
    return nfc(_squeeze(raw))


def _squeeze(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def is_number_token(token: str) -> bool:
    """Whether one whole token (any case, no surrounding text) is a document number."""
    return "/" in token and _NUMBER_TOKEN.fullmatch(token) is not None


# --- scope ----------------------------------------------------------------------------


class Scope(str, Enum):
    """Where a number is unique, and so which documents a citation of it can mean."""

    CENTRAL = "central"  # a Party central body's: unique nationwide
    PROVINCIAL = "provincial"  # restarts per committee and term: unique within a province
    STATE = "state"  # a state body's: unique nationwide


def is_central_issuer(code: str) -> bool:
    """Whether a Party issuer code is a central body's (``TW``, ``BTCTW``, ``VPTW`` …)."""
    return code.upper().endswith(_CENTRAL_SUFFIX)


def number_scope(number: str) -> Scope | None:
    """The scope of a document number (display or normalised form); ``None`` when
    ``number`` is no document number at all.

    >>> number_scope("05-HD/BTCTW"), number_scope("04-nq/tu"), number_scope("861/QĐ-TTg")
    (<Scope.CENTRAL: 'central'>, <Scope.PROVINCIAL: 'provincial'>, <Scope.STATE: 'state'>)
    """
    squeezed = nfc(_squeeze(number))
    party = _PARTY_WHOLE.fullmatch(squeezed)
    if party:
        return Scope.CENTRAL if is_central_issuer(party.group("issuer")) else Scope.PROVINCIAL
    if _STATE_WHOLE.fullmatch(squeezed):
        return Scope.STATE
    return None


def links_across_provinces(number: str) -> bool:
    """Whether a citation of ``number`` may mean a document of another province (or of
    none: a central document has no province). A provincial number, or a string that
    is no number, links only within its province."""
    return number_scope(number) in (Scope.CENTRAL, Scope.STATE)


# --- loose numbers: parts typed without the punctuation --------------------------------
#
# Officials type a number the way they say it: "04 nq tu", "số 04 NQ/TU", "04/TU", "NQ 04",
# "nghị quyết 04". A whole one (serial, type and issuer) is the number itself; a part of one
# (serial + issuer, type + serial) is matched against the *parts* of each document's own
# number and of the numbers it cites, kept in the index as tokens of their own:
#
#   04-NQ/TU        → "4/tu", "nq:4"
#   861/QĐ-TTg      → "861/qd", "861/ttg", "qd:861"
#   50/2016/QĐ-TTg  → "50/2016", "50/ttg", "qd:50"
#
# Parts are folded (``QD`` finds ``QĐ``) and the serial loses its leading zeros (``4`` finds
# ``04``): they only narrow a query that already names a number, so leniency costs little.

#: Type codes a loose number may use, and the type names that stand for them ("nghị quyết
#: 04" = NQ 04). Party and state codes (``shared/domain.md`` A1), folded.
TYPE_NAMES: dict[str, str] = {
    "nghi quyet": "nq", "quyet dinh": "qd", "chi thi": "ct", "ket luan": "kl",
    "quy che": "qc", "quy dinh": "qdi", "thong tri": "tt", "huong dan": "hd",
    "thong bao": "tb", "thong cao": "tc", "bao cao": "bc", "ke hoach": "kh",
    "chuong trinh": "ctr", "de an": "da", "phuong an": "pa", "to trinh": "ttr",
    "cong van": "cv", "bien ban": "bb", "nghi dinh": "nd", "thong tu": "tt",
    "cong dien": "cd",
}
_TYPE_CODES = sorted({*TYPE_NAMES.values(), "qyd", "ttlt"}, key=len, reverse=True)
# The loose shapes are read on the folded query (so "nghi quyet" is "nghị quyết" and "qd" is
# "QĐ"); a code must still be typed as a code: letters without tone marks (not "tự").
_LOOSE_TYPE = "|".join(_TYPE_CODES)
_LOOSE_NAME = "|".join(r"\s+".join(name.split())
                       for name in sorted(TYPE_NAMES, key=len, reverse=True))
_SO = r"(?:so\s*)"  # "số", "so" before a serial
# An issuer code typed without its slash is only taken for one when it looks like a Party
# committee's (ends in U: TU, HU, ĐU, BTCTU … or in TW): "04 nq tu", never "04 nq ve".
_BARE_ISSUER = r"[a-z]{0,10}(?:u|tw)"
_SLASH_ISSUER = r"[a-z]{1,12}"
_CODE_TYPED = re.compile(r"[A-Za-zĐđ]+")
_YEARLIKE = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class LooseNumber:
    """A number (or part of one) found in query text: ``token`` is the whole number's
    token (``kind`` "number") or a part token (``kind`` "part")."""

    start: int
    end: int
    kind: str  # "number" | "part"
    token: str
    named: bool = False  # a part typed with the type's name ("nghị quyết 04", not "NQ 04")


# "số 04 nq tu", "04 NQ/TU", "04nq tu", "04-nq tu": serial, type code, issuer.
_LOOSE_WHOLE = re.compile(
    rf"(?<![\w/:-])(?:{_SO})?(?P<serial>{PARTY_SERIAL})\s*-?\s*(?P<type>{_LOOSE_TYPE})"
    rf"(?:\s*/\s*(?P<si>{_SLASH_ISSUER})|\s+(?P<bi>{_BARE_ISSUER}))(?![\w/-])",
    re.IGNORECASE)
# "04/TU", "số 04/TU": serial and issuer.
_LOOSE_ISSUED = re.compile(
    rf"(?<![\w/:-])(?:{_SO})?(?P<serial>{PARTY_SERIAL})\s*/\s*(?P<issuer>{_SLASH_ISSUER})"
    rf"(?![\w/-])", re.IGNORECASE)
# "NQ 04", "nq số 04", "nghị quyết 04", "nghi quyet so 04": type and serial.
_LOOSE_TYPED = re.compile(
    rf"(?<![\w/:-])(?:(?P<type>{_LOOSE_TYPE})|(?P<name>{_LOOSE_NAME}))\s+(?P<so>{_SO})?"
    rf"(?P<serial>{PARTY_SERIAL})(?![\w/-])", re.IGNORECASE)
# "số 04-NQ/TU": the word before a whole number says nothing more.
_SO_BEFORE_NUMBER = re.compile(r"(?<![\w/:-])s[ốôo]\s+(?=\S)", re.IGNORECASE)


def serial_key(serial: str) -> str:
    """A serial as parts compare it: no leading zeros, lower case ("04" → "4")."""
    return serial.lower().lstrip("0") or "0"


def _code(code: str) -> str:
    return fold(normalize(code))


def find_loose_numbers(text: str) -> list[LooseNumber]:
    """Numbers and parts of numbers typed loosely in ``text``, in order, not overlapping.

    A typed serial that looks like a year ("kế hoạch 2021") is a part only after "số".

    >>> [(n.kind, n.token) for n in find_loose_numbers("nghị quyết 04 và 04 nq tu")]
    [('part', 'nq:4'), ('number', '04-nq/tu')]
    """
    folded = fold_aligned(text)
    found: list[LooseNumber] = []

    def typed(m: re.Match[str], *groups: str) -> list[str]:
        """The groups as typed; empty when one that is a code was not typed as one."""
        values = [text[m.start(g):m.end(g)] for g in groups if m.group(g) is not None]
        codes = [text[m.start(g):m.end(g)] for g in groups if g != "serial" and g != "name"
                 and m.group(g) is not None]
        return values if all(_CODE_TYPED.fullmatch(c) for c in codes) else []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= n.start or m.start() >= n.end for n in found)

    for m in _LOOSE_WHOLE.finditer(folded):
        if values := typed(m, "serial", "type", "si", "bi"):
            serial, type_code, issuer = values
            found.append(LooseNumber(m.start(), m.end(), "number",
                                     normalize_number(f"{serial}-{type_code}/{issuer}")))
    for m in _LOOSE_ISSUED.finditer(folded):
        if free(m) and typed(m, "serial", "issuer"):
            token = f"{serial_key(m.group('serial'))}/{m.group('issuer').lower()}"
            found.append(LooseNumber(m.start(), m.end(), "part", token))
    for m in _LOOSE_TYPED.finditer(folded):
        if not free(m) or not typed(m, "serial", "type"):
            continue
        if _YEARLIKE.fullmatch(m.group("serial")) and not m.group("so"):
            continue
        code = (m.group("type").lower() if m.group("type")
                else TYPE_NAMES[" ".join(m.group("name").lower().split())])
        found.append(LooseNumber(m.start(), m.end(), "part",
                                 f"{code}:{serial_key(m.group('serial'))}",
                                 named=m.group("name") is not None))
    return sorted(found, key=lambda n: n.start)


def strip_so(text: str) -> str:
    """``text`` without the "số" typed right before a whole number ("số 04-NQ/TU")."""
    return _SO_BEFORE_NUMBER.sub(
        lambda m: "" if is_number_token(_first_word(text, m.end())) else m.group(0), text)


def _first_word(text: str, at: int) -> str:
    rest = text[at:].split(None, 1)
    return rest[0].lower() if rest else ""


def number_parts(number: str) -> list[str]:
    """The part tokens of a document number (see above); [] for a string that is none.

    >>> number_parts("04-NQ/TU"), number_parts("50/2016/QĐ-TTg")
    (['4/tu', 'nq:4'], ['50/2016', '50/ttg', 'qd:50'])
    """
    squeezed = nfc(_squeeze(number))
    party = _PARTY_PARTS.fullmatch(squeezed)
    if party:
        serial = serial_key(party.group("serial"))
        return [f"{serial}/{_code(party.group('issuer'))}", f"{_code(party.group('type'))}:{serial}"]
    state = _STATE_PARTS.fullmatch(squeezed)
    if not state:
        return []
    serial = serial_key(state.group("serial"))
    parts = [f"{serial}/{state.group('year')}"] if state.group("year") else []
    if state.group("law"):
        return parts + [f"{serial}/{_code(state.group('law'))}"]
    issuers = [_code(i) for i in state.group("issuers").split("-")]
    type_code = _code(state.group("type"))
    if not state.group("year"):
        parts.append(f"{serial}/{type_code}")
    return parts + [f"{serial}/{i}" for i in issuers] + [f"{type_code}:{serial}"]


_PARTY_PARTS = re.compile(
    rf"(?P<serial>{PARTY_SERIAL}){DASH}(?P<type>{TYPE_CODE})/(?P<issuer>{ISSUERS})",
    re.IGNORECASE)
_STATE_PARTS = re.compile(
    rf"(?P<serial>{STATE_SERIAL})/(?:(?P<year>{YEAR})/)?"
    rf"(?:(?P<type>{TYPE_CODE})-(?P<issuers>{ISSUERS})|(?P<law>{LAW}))", re.IGNORECASE)
