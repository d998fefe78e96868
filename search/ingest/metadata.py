"""Metadata of a Party document, read from its text, every value with its provenance.

The layout is the one Hướng dẫn 36-HD/VPTW prescribes (``shared/domain.md`` A1)::

    TỈNH ỦY KON TUM                     ĐẢNG CỘNG SẢN VIỆT NAM
    Số 237-KL/TU                        Kon Tum, ngày 08 tháng 11 năm 2021
                           KẾT LUẬN
               CỦA BAN CHẤP HÀNH ĐẢNG BỘ TỈNH
                      về … (trích yếu)
    … body …
    Nơi nhận:                           T/M BAN THƯỜNG VỤ
    - …                                 BÍ THƯ
                                        Nguyễn Văn A

Text extraction flattens the two columns, so header elements are looked for by shape in
the first lines (split into cells at tabs and wide gaps), never by position; the
signature in the last lines. Only the title block, the opening sentence and the cited
numbers need the body.

Provenance values: ``header``, ``title_line``, ``body``, ``signature``, ``record`` (an
import record's key), or ``inferred: <from what>``. A field that cannot be read is left
unset and a short English warning is added: metadata is never guessed.

**Issuers.** A provincial committee is "Tỉnh ủy" / "Thành ủy" (a centrally-run city's),
its organs "Ban Thường vụ Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy": the province is its own
field. A committee below a province keeps its name, read from the header ("ĐẢNG BỘ TỈNH
NGHỆ AN / HUYỆN ỦY KỲ SƠN" → "Huyện ủy Kỳ Sơn"; "Thành ủy Vinh", "Thị ủy Hồng Lĩnh",
"Quận ủy Quận 8", "Đảng ủy Khối các cơ quan tỉnh Thanh Hóa", the bloc's province taken
from the superior line when its own line stops at "TỈNH"), and so do its organs
("CỦA BAN THƯỜNG VỤ HUYỆN ỦY" → "Ban Thường vụ Huyện ủy Kỳ Sơn").

**Scanned text (OCR).** Tesseract joins the two columns with one space, breaks lines,
reads stamp and signature strokes as marks and misreads tone marks and digits. Header
elements are already found by shape anywhere in a line; on top of that "Sô"/"S6"/"-S§ố"
are read as "Số", a dash as the hyphen, and a stray mark after a number is dropped. A
number with a letter for a digit ("O4-NQ/TU", "l2-NQ/TU") or a type code one letter
from a known one ("12-NO/TU") is **not read** (a warning says so), and such a cite is
dropped. Organ and role words misread by a tone ("BẠN THƯỜNG VỤ") are read as the one
word they fold onto (never in titles or names); a recipients line that ends in role words
is split into its two columns, a role broken over two lines is joined, marks that are
not role words are no role, and a "T/M …" block whose title line was lost under a seal
gives no signer role. Names and titles are taken as recognised: a misread letter there
cannot be told from the truth.

**Provinces and the 1 July 2025 merger.** ``province`` holds the province as issued: one
of the 63 for a document dated before 1 July 2025 (or undated), one of the 34 for a
document dated on or after it (the header of such a document names a new province:
"TỈNH ỦY QUẢNG NGÃI"). ``province_2025`` always holds the successor among the 34. A
post-merger document whose header names an absorbed province keeps that name, with a
warning. Thừa Thiên Huế became the centrally-run city of Huế on 1 January 2025 (Nghị
quyết 175/2024/QH15): a document dated from then on is "Huế" as issued, one dated before
"Thừa Thiên Huế". An undated one keeps the name its header, title or opening uses (the
era is not guessed): "THÀNH ỦY HUẾ" or "Đảng bộ thành phố Huế" → "Huế", "tỉnh Thừa
Thiên Huế" → "Thừa Thiên Huế", no name at all (districts) → the 63-list name.

**Import records.** The keys ``province``, ``year``, ``doc_type``, ``number``, ``date``
and ``issuer`` of ``extra`` (JSON Lines) are what the exporting system knows: each that
validates wins over the text, with provenance ``record``, and a text that disagrees is a
warning ("import record province kept: Gia Lai (the text says Kon Tum)"). A value that
does not validate (an unknown province, a bad date) is not used and is reported. A record
province is still named as issued on the document's date (Huế, the 34). A record year
that the text's date contradicts drops that date. ``title`` (or the format's title)
fills only a missing title line, with provenance ``inferred: import record``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from search.documents import Metadata, inferred
from search.text.normalize import fold, nfc, normalize, normalize_tones
from search.text.numbers import CITE_RE, HEADER_PARTY, HEADER_STATE, is_central_issuer
from search.ingest.provinces import (
    canonical_province,
    district_name,
    district_provinces,
    find_province_mentions,
    is_centrally_run,
    name_ends,
    place_province,
    province_2025,
    province_as_issued,
    vote_districts,
)

__all__ = ["extract_metadata", "find_cites", "find_cite_spans", "DOC_TYPES", "PARTY_TYPE_CODES", "STATE_TYPE_CODES"]

HEADER_LINES = 25  # non-empty lines searched for header elements
TAIL_LINES = 40  # non-empty lines searched for the signature block
OPENING_LINES = 40  # lines searched for "Ban Chấp hành Đảng bộ tỉnh X"
MERGER_DATE = dt.date(2025, 7, 1)
MIN_YEAR, MAX_YEAR = 1930, 2100
IMPORT = inferred("import record")  # a title carried by the format, used as a fallback
RECORD = "record"  # a value an import record states explicitly: it wins over the text

# --- document types ------------------------------------------------------------------

PARTY_TYPE_CODES = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "KL": "Kết luận",
    "QC": "Quy chế", "QĐi": "Quy định", "TT": "Thông tri", "HD": "Hướng dẫn",
    "TB": "Thông báo", "TC": "Thông cáo", "BC": "Báo cáo", "KH": "Kế hoạch",
    "CTr": "Chương trình", "ĐA": "Đề án", "PA": "Phương án", "DA": "Dự án",
    "TTr": "Tờ trình", "CV": "Công văn", "BB": "Biên bản",
}
# State numbers put the type before the hyphen; TT is Thông tư there, not Thông tri.
STATE_TYPE_CODES = {
    **{k: v for k, v in PARTY_TYPE_CODES.items() if k not in ("QĐi", "TT", "CV", "KL")},
    "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "QyĐ": "Quy định", "NĐ": "Nghị định",
    "CĐ": "Công điện",
}
# Canonical case of codes that an ALL CAPS header upper-cases.
_CODE_CASE = {code.upper(): code for code in (*PARTY_TYPE_CODES, *STATE_TYPE_CODES)}
# Issuers of state numbers (NĐ 30/2020 and ministries' own numbers), in their canonical
# case: a caps title writes "QĐ-TTG" for "QĐ-TTg". Codes not listed are kept as written.
_STATE_ISSUER_CODES = (
    "TTg", "CP", "QH", "UBTVQH", "VPCP", "HĐND", "UBND", "BNV", "BTC", "BCA", "BQP", "BYT",
    "BTP", "BCT", "BXD", "BGTVT", "BGDĐT", "BNNPTNT", "BLĐTBXH", "BKHĐT", "BTNMT", "BTTTT",
    "BVHTTDL", "NHNN",
)
_STATE_ISSUER_CASE = {code.upper(): code for code in _STATE_ISSUER_CODES}
# Every type name a field may hold (399-QĐ/TW adds the last six).
DOC_TYPES = tuple(sorted(
    {*PARTY_TYPE_CODES.values(), *STATE_TYPE_CODES.values(), "Cương lĩnh", "Điều lệ",
     "Chiến lược", "Tuyên bố", "Lời kêu gọi", "Quy hoạch"},
))
_TYPE_BY_NORM = {normalize(t): t for t in DOC_TYPES}
# Type names that open a caps title line, longest first so "THÔNG TƯ LIÊN TỊCH" wins over
# "THÔNG TƯ"; a công văn or công điện has no such line.
_TITLE_TYPES = sorted(set(DOC_TYPES) - {"Công văn", "Công điện"}, key=len, reverse=True)
_TYPE_LINE = re.compile("^(" + "|".join(re.escape(normalize(t)) for t in _TITLE_TYPES) + ")")

# --- regexes over lines and cells ----------------------------------------------------

_ARTEFACT = re.compile(r"\[(?:footnote|endnote)Ref:\d+\]|\[bookmark: [^\]\n]*\]|\*\*")
_CELL_SPLIT = re.compile(r"\t+|\s{3,}")
# "Số", and what OCR makes of it ("Sô", "Sỗ", "S6", "-S§ố": the rule and star above it
# read as marks): the number that follows decides.
_SO = (r"^[-–—_*§.'`|~•]{0,4}\s*(?:Số|SỐ|số|Sồ|S[§$*'`]?[ốôồổỗộóòỏõọoÔỒỔỖỘÓÒỎÕỌOỐ06])"
       r"\s*[:.]?\s*")
_SO_RE = re.compile(_SO)
# The number's shapes are search.text.numbers'; here, "Số" before it and the stray mark
# OCR may leave after it ("Số 12-NQ/TU'").
_PARTY_NUMBER = re.compile(_SO + HEADER_PARTY + r"(?=[_'`’|]?(?:\s|$|[.,;:]))")
# A party number OCR garbled: a letter read for a digit ("O4-NQ/TU", "l2-NQ/TU", "1O"),
# or the type or issuer code misread ("12-NO/TU", "12-NQ/TƯ"). Never read as a number.
_GARBLED_NUMBER = re.compile(
    _SO + r"(?P<n>[\dOoIl|]{1,4}[a-z]?)\s*[-–—~]\s*(?P<t>[^\W\d_][^\W_]{0,4})\s*/\s*"
    r"(?P<i>[^\W\d_][^\W_]{0,11})(?=[_'`’|]?(?:\s|$|[.,;:]))"
)
_STATE_NUMBER = re.compile(_SO + HEADER_STATE)
# "<Place>, ngày DD tháng MM năm YYYY" as a whole cell (a body sentence never ends there).
# The place may follow other words of a flattened line ("Số 237-KL/TU Kon Tum, ngày …").
# A place has no digit, except an urban district named by its number ("Quận 8").
_PLACE = (r"(?:^|(?<=\s))(?P<place>[^\W\d_][^\d,;:()/\n]{0,39}?|(?i:quận|phường)\s+\d{1,2})"
          r"\s*,\s*")
_DATE_LINE = re.compile(
    _PLACE + r"(?i:ngày)\s+(?P<d>\d{1,2})\s*(?:(?i:tháng)\s+|[/.-])(?P<m>\d{1,2})\s*"
    r"(?:(?i:năm)\s+|[/.-])(?P<y>\d{4})\s*[.)]?\s*$"
)
_YEAR_ONLY_LINE = re.compile(
    _PLACE + r"(?i:ngày)[\s._…]*(?i:tháng)[\s._…]*(?i:năm)\s+(?P<y>\d{4})\s*[.)]?\s*$"
)
# "ĐẾN Ngày 27.6.2022", "CÔNG VĂN ĐẾN", "ĐẾN Số: 575": the receiving office's stamp.
_STAMP_WORD = re.compile(r"\bĐẾN\b\s*(?:$|[:.]|Số|SỐ|số|Ngày|NGÀY|ngày|\d)")
# A line of such a stamp, as typed out: "Số... 575.....", "ĐẾN Ngày 27.6.2022", "CÔNG VĂN ĐẾN".
# ("ĐẾN NĂM 2030", "ĐẾN 2030, …" carry a caps title on.)
_STAMP_LINE = re.compile(
    r"^(?:CÔNG VĂN ĐẾN|ĐẾN\s*(?:$|[:.]|Số|SỐ|số|Ngày|NGÀY|ngày|\d{1,2}[./])|(?:Số|SỐ)\s*[.…]{2,})"
)
_RULE = re.compile(r"^\s*[-_=–—*]{3,}\s*$")
# A numbered paragraph or section: "1. Kết quả", "2.1- Phương hướng", "II. MỤC TIÊU",
# "A. KẾT QUẢ"; not "2014 - 2019", a year range that carries a title on, nor "11-NQ/TU, …".
_NUMBERED = re.compile(
    r"^(?:(?:\d+(?:\.\d+)*|[IVXLC]+)\s*(?:[.)]\s*|[-–]\s+)|[A-Za-z][.)]\s*)(?=[^\W\d_])"
)
_SENTENCE_END = (".", ":", ";", "!", "?", "…")
# How a body opens: its first sentence, or a part of a quy chế / quy định ("Chương I",
# "Điều 1. Phạm vi"). A title line never starts so with a capital.
_BODY_OPENER = re.compile(
    r"^(?:(?:Ngày|Năm)\s+\d|(?:Căn cứ|Thực hiện|Xét|Kính gửi|Hội nghị lần thứ|Sau|Qua|Trong"
    r"|Để|Nhằm|Thời gian|Những năm)\b|Điều\s+\d|(?:Chương|Phần|Mục)\s+(?:[IVXLC\d]+|thứ)\b)"
)
_HEADER_STARTS = ("đảng cộng sản việt nam", "kính gửi")
# "NGHỊ QUYẾT SỐ 11-NQ/TU": a title citing another document by its number.
_CITED_NUMBER = re.compile(r"\b(?:số|Số|SỐ)\s*\d")
_QUOTES = "(“\"'‘«["
_ROMAN = re.compile(r"^(?=[IVXLC])(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_TERM = re.compile(r"\bkhóa\s+([ivxlc]+)\b")
# The conference that issues the document, as the opening sentence states it; "Nghị quyết
# Hội nghị …", "của Hội nghị …" and "Kết luận Hội nghị …" cite another document.
_CONFERENCE_TERM = re.compile(
    r"(?<!của )(?<!quyết )(?<!luận )\bHội nghị\b[^.;“”\"]{0,120}?\bkh(?:óa|oá)\s+([IVXLC]+)\b",
    re.IGNORECASE,
)
_BCH_PROVINCE = re.compile(
    r"(?:Ban [Cc]hấp [Hh]ành|BAN CHẤP HÀNH|BCH)\s+(?:Đảng|ĐẢNG) (?:bộ|Bộ|BỘ)\s+"
    r"(?:tỉnh|Tỉnh|TỈNH|thành phố|Thành phố|THÀNH PHỐ)\s+"
)

# --- issuers -------------------------------------------------------------------------

_UNITS = {"tỉnh": "Tỉnh ủy", "thành": "Thành ủy", "huyện": "Huyện ủy", "quận": "Quận ủy",
          "thị": "Thị ủy", "đảng": "Đảng ủy"}
_BCH_UNITS = {"tỉnh": "Tỉnh ủy", "thành phố": "Thành ủy", "huyện": "Huyện ủy",
              "quận": "Quận ủy", "thị xã": "Thị ủy"}
_CENTRAL = {"ban chấp hành trung ương": "Ban Chấp hành Trung ương",
            "bộ chính trị": "Bộ Chính trị", "ban bí thư": "Ban Bí thư"}
_DEPARTMENTS = {
    "văn phòng": "Văn phòng", "ban tuyên giáo và dân vận": "Ban Tuyên giáo và Dân vận",
    "ban tuyên giáo": "Ban Tuyên giáo", "ban tổ chức": "Ban Tổ chức",
    "ban dân vận": "Ban Dân vận", "ban nội chính": "Ban Nội chính",
    "ủy ban kiểm tra": "Ủy ban Kiểm tra", "ban kinh tế": "Ban Kinh tế",
}
_DEPARTMENT_CODES = {
    "VPTU": "Văn phòng", "BTCTU": "Ban Tổ chức", "BTGTU": "Ban Tuyên giáo",
    "BDVTU": "Ban Dân vận", "UBKTTU": "Ủy ban Kiểm tra", "BNCTU": "Ban Nội chính",
    "BTGDVTU": "Ban Tuyên giáo và Dân vận",
}
# Committee level a number's issuer code allows ("TU" is a tỉnh ủy or the thành ủy of a
# centrally-run city; domain.md A1).
_CODE_UNITS = {"TU": ("tỉnh", "thành"), "HU": ("huyện",), "QU": ("quận",), "ĐU": ("đảng",)}
_UNIT_ALT = "tỉnh|thành|huyện|quận|thị|đảng"
# The district kind a committee's unit names; a thành ủy may lead a provincial city.
_DISTRICT_KINDS = {"huyện": "Huyện", "quận": "Quận", "thị": "Thị xã", "thành": "Thành phố"}
_BTV = re.compile(rf"^ban thường vụ ({_UNIT_ALT}) ủy\b")
_COMMITTEE = re.compile(rf"^({_UNIT_ALT}) ủy\b\s*(.*)$")
_BCH_LOCAL = re.compile(r"ban chấp hành đảng bộ (tỉnh|thành phố|huyện|quận|thị xã)\b")
_CENTRAL_RE = re.compile("(" + "|".join(_CENTRAL) + ")")
_DEPARTMENT = re.compile(
    "^(" + "|".join(sorted(_DEPARTMENTS, key=len, reverse=True)) + rf")(?:\s+({_UNIT_ALT}) ủy)?\s*$"
)
_SUPERIOR = re.compile(r"^(?:ban chấp hành )?đảng bộ (tỉnh|thành phố)\s+(.+)$")
# The đảng ủy of a bloc of a province ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH THANH HÓA"; from
# 2025 "ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG TỈNH"), normalised → as written in the issuer field.
_BLOCS = {
    "khối các cơ quan": "Khối các cơ quan", "khối doanh nghiệp": "Khối doanh nghiệp",
    "khối cơ quan và doanh nghiệp": "Khối Cơ quan và Doanh nghiệp",
    "khối các cơ quan và doanh nghiệp": "Khối các cơ quan và doanh nghiệp",
    "các cơ quan đảng": "các cơ quan Đảng", "ủy ban nhân dân": "Ủy ban nhân dân",
    "quân sự": "Quân sự", "công an": "Công an", "bộ đội biên phòng": "Bộ đội Biên phòng",
}
_BLOC = re.compile(
    "^(?P<bloc>" + "|".join(sorted(map(re.escape, _BLOCS), key=len, reverse=True))
    + r")(?:\s+(?P<unit>tỉnh|thành phố)(?:\s+(?P<name>.+))?)?$"
)
_STATE_ISSUER = re.compile(r"^(ủy ban nhân dân|hội đồng nhân dân) (tỉnh|thành phố)\s+(.+)$")
# "Ban Thường vụ Tỉnh ủy" in running text, counted to tell a signature's "T/M BAN THƯỜNG
# VỤ" of a tỉnh ủy from that of a huyện ủy. Case variants are spelled out: re.IGNORECASE
# loses the literal-prefix search and costs 20× more on a whole body.


def _variants(*words: str) -> str:
    return "|".join(sorted({v for w in words for v in (w, w.capitalize(), w.upper())}))


_BTV_MENTION = re.compile(
    rf"(?:{_variants('ban')}) (?:{_variants('thường')}) (?:{_variants('vụ')})\s+"
    rf"({_variants(*_UNIT_ALT.split('|'))})\s+(?:{_variants('ủy', 'uỷ')})"
)

# Words of organs and signature roles, which OCR misreads by a tone mark ("BẠN THƯỜNG VỤ",
# "CHẢNH VĂN PHÒNG"): a word that folds onto exactly one of them is read as it. Never
# used on titles or names; words that fold like a place or unit syllable (tỉnh: Hà Tĩnh,
# thành: Vĩnh Thạnh, quan: quận) are left out of the header list. Two words that fold
# alike (văn, vận) are never replaced, but both count as role words.
_ORGAN_WORDS = ("ban", "thường", "vụ", "bí", "thư", "phó", "chánh", "văn", "phòng", "trưởng",
                "chủ", "nhiệm", "ủy", "chấp", "hành", "của", "kiểm", "tra", "tuyên", "giáo",
                "dân", "vận", "tổ", "chức", "đảng")
_ROLE_WORDS = (*_ORGAN_WORDS, "tỉnh", "thành", "huyện", "quận", "thị", "chính", "trị",
               "trung", "ương", "bộ", "tịch", "viên", "trực", "chỉ", "đạo", "đoàn", "sự", "cán")
_SIGN_MARKS = frozenset({"T/M", "K/T", "T/L", "TM.", "KT.", "TL.", "TUQ.", "Q.", "TM", "KT", "TL"})
# Role words a signature line may end on only when OCR broke it: "BÍ" / "THƯ".
_DANGLING = frozenset({"PHÓ", "BÍ", "CHÁNH", "VĂN", "THƯỜNG", "TRƯỞNG", "CHỦ",
                       *_SIGN_MARKS})
_LEADING_JUNK = re.compile(r"^[-–—_'`’~.,·•|]+\s*")


def _fold_table(words: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str | None] = {}
    for word in words:
        key = fold(word)
        table[key] = word if table.get(key, word) == word else None
    return {k: v for k, v in table.items() if v}


_ORGAN_FOLD = _fold_table(_ORGAN_WORDS)
_ROLE_FOLD = _fold_table(_ROLE_WORDS)
_ROLE_KEYS = frozenset(map(fold, _ROLE_WORDS))


_fold_word = lru_cache(maxsize=8192)(fold)


_TABLES = {"organ": _ORGAN_FOLD, "role": _ROLE_FOLD}
_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=8192)
def _read_words(text: str, table: str, caps: bool = False) -> str:
    """``text`` with each word that folds onto a word of the table ("organ", "role")
    replaced by it (header lines and roles recur: cached)."""
    words = _TABLES[table]

    def fix(m: re.Match[str]) -> str:
        word = words.get(_fold_word(m.group()))
        if word is None or normalize(m.group()) == word:
            return m.group()
        return word.upper() if caps else word
    return _LETTERS.sub(fix, text)


# --- signature -----------------------------------------------------------------------

_SIGN_START = re.compile(r"^(?:T/M|K/T|T/L|TM\.?|KT\.?|TL\.?|TUQ\.?|Q\.)\s+\S")
_SIGNED_MARK = re.compile(
    r"^\(?\s*(?:đã ký|ký|ký tên|đã ký và đóng dấu|ký và đóng dấu|ký, đóng dấu|đã ký, đóng dấu"
    r"|ký tên, đóng dấu|chữ ký|signed)\s*\)?\.?$",
    re.IGNORECASE,
)
# A signature title standing alone, without T/M, K/T or T/L: a department head signs in
# his own name ("TRƯỞNG BAN", "CHÁNH VĂN PHÒNG"); normalised.
_ROLE_TITLES = ("bí thư", "trưởng ban", "chánh văn phòng", "chủ nhiệm", "chủ tịch")
_BARE_ROLE = re.compile(r"^(?:phó )?(?:" + "|".join(_ROLE_TITLES) + r")$")
_BARE_ROLE_LEN = len("phó ") + max(map(len, _ROLE_TITLES)) + 2  # a longer cell is no such title
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")  # "H'Lam", "Y-Ngông"
_NAME_JOINS = re.compile(r"['’-]")
# Words of a role, never of a name (whole words: "Thủy" contains "ủy", "Lưu" and "Chánh"
# are names, so the office is "chánh văn phòng", not "chánh").
_NOT_NAME = re.compile(
    r"\b(?:" + "|".join(_ROLE_TITLES) + r"|ủy viên|văn phòng|ủy|thường vụ|nơi nhận|đã ký)\b"
)

# --- citations -----------------------------------------------------------------------

# Cited numbers: search.text.numbers.CITE_RE, every form in one pass.


# === the text, cut once ==============================================================


@dataclass
class _Cell:
    line: int  # index into _Text.lines
    text: str


@dataclass
class _Text:
    """The document cut into the views the extractors need."""

    body: str
    lines: list[str]
    head: list[_Cell]  # the first HEADER_LINES non-empty lines, where the type line is
    tail: list[_Cell]
    stamp_lines: set[int]
    header: list[_Cell] = field(default_factory=list)  # head above the type line/body
    issuing: list[str] | None = None  # see _issuing_lines


def _cells(line: str) -> list[str]:
    if "\t" not in line and "   " not in line:  # most lines; the split is costly on long ones
        return [line]
    return [c.strip() for c in _CELL_SPLIT.split(line) if c.strip()]


def _is_role_word(word: str) -> bool:
    return word in _SIGN_MARKS or (_is_caps(word) and _fold_word(word) in _ROLE_KEYS)


def _role_words_share(cell: str) -> float:
    words = [w for w in cell.split() if any(c.isalpha() for c in w)]
    return sum(map(_is_role_word, words)) / len(words) if words else 0.0


def _tail_cells(line: str) -> list[str]:
    """A tail line's cells. OCR joins the two signature columns with one space: "Nơi
    nhận: T/M BAN THƯỜNG VỤ", "- Các đồng chí Tỉnh ủy viên, K/T BÍ THƯ"; a recipient
    cell ending in role words is split there."""
    out = []
    for cell in _cells(line):
        if not _is_recipient(cell) or not cell[-1:].isupper():
            out.append(cell)
            continue
        words = cell.split()
        k = len(words)
        while k > 1 and (_is_role_word(words[k - 1]) or words[k - 1] in ("`", "'", "|", "_")):
            k -= 1
        role = [w for w in words[k:] if _is_role_word(w)]
        if role and _is_recipient(cell) and k < len(words):
            out += [" ".join(words[:k]), " ".join(role)]
        else:
            out.append(cell)
    return out


def _prepare(text: str) -> _Text:
    body = _ARTEFACT.sub("", nfc(text))
    lines = [line.strip() for line in body.splitlines()]
    filled = [i for i, line in enumerate(lines) if line]
    head = [_Cell(i, c) for i in filled[:HEADER_LINES] for c in _cells(lines[i])]
    tail = [_Cell(i, c) for i in filled[-TAIL_LINES:] for c in _tail_cells(lines[i])]
    # A receipt stamp ("Số... 575..... / ĐẾN Ngày 27.6.2022") and its neighbours are
    # never the document's number or date.
    stamps = {i for i in filled[:HEADER_LINES] if _STAMP_WORD.search(lines[i])}
    near = {j for i in stamps for j in range(i - 2, i + 3)}
    return _Text(body, lines, head, tail, near)


def _header_cells(doc: _Text, block: _TitleBlock | None) -> list[_Cell]:
    """The header proper: head cells above the type line, or above the first paragraph
    when there is no type line (a short document's signature is not its header)."""
    if block is not None:
        end = block.start
    else:
        end = next((c.line for c in doc.head if len(c.text) >= 100 and not c.text.isupper()),
                   len(doc.lines))
    cells = [c for c in doc.head if c.line < end]
    # "Kon Tum, ngày    tháng    năm 2021": wide gaps inside one element split it into
    # cells, so a split line is also offered whole.
    split = sorted({c.line for c in cells if doc.lines[c.line] != c.text})
    return cells + [_Cell(i, " ".join(doc.lines[i].split())) for i in split]


def _is_caps(text: str) -> bool:
    """Every letter upper case, and at least one letter (digits and marks do not count)."""
    return text.isupper()


def _strip_edges(text: str) -> str:
    return text.strip(" \t*:;,.-–")


# === number and type =================================================================


@dataclass(frozen=True)
class _Number:
    value: str
    type_code: str
    issuer_code: str
    state: bool
    garbled: bool = False  # OCR misread it: the value is not to be used

def _code(code: str) -> str:
    return _CODE_CASE.get(code.upper(), code)


def _state_issuers(issuers: str) -> str:
    """"TTLT-BTC-BNV", "TTG" → "TTg": each known issuer in its canonical case."""
    return "-".join(_STATE_ISSUER_CASE.get(part.upper(), part) for part in issuers.split("-"))


def _near_party_code(code: str) -> bool:
    """An unknown type code one letter away from a known one ("NO", "NGQ", "K"): misread."""
    code = code.upper()
    for known in map(str.upper, PARTY_TYPE_CODES):
        if len(known) == len(code) and sum(a != b for a, b in zip(known, code)) == 1:
            return True
        short, long_ = sorted((known, code), key=len)
        if len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short
                                                for i in range(len(long_))):
            return True
    return False


def _garbled(cell: str) -> _Number | None:
    """A number-shaped cell that is no clean number: OCR misread a digit or a code. The
    type and issuer codes are kept only where they read cleanly."""
    m = _GARBLED_NUMBER.match(cell)
    if not m:
        return None
    t, issuer = _code(m.group("t")), m.group("i")
    clean_type = t if t in PARTY_TYPE_CODES else ""
    clean_issuer = issuer if re.fullmatch(r"[A-ZĐ][A-Za-zĐđ]{0,11}", issuer) else ""
    written = " ".join(cell[m.start("n"):m.end()].split())
    return _Number(written, clean_type, clean_issuer, state=False, garbled=True)


def _match_number(cell: str) -> _Number | None:
    m = _PARTY_NUMBER.match(cell)
    if m:
        n, t, issuer = m.group(1), _code(m.group(2)), m.group(3)
        if t not in PARTY_TYPE_CODES and _near_party_code(t):
            return _garbled(cell)
        return _Number(f"{n}-{t}/{issuer}", t, issuer, state=False)
    m = _STATE_NUMBER.match(cell)
    if m:
        n, year, t = m.group(1), m.group(2), _code(m.group(3))
        issuer = _state_issuers(m.group(4))
        value = f"{n}/{year}/{t}-{issuer}" if year else f"{n}/{t}-{issuer}"
        return _Number(value, t, issuer, state=True)
    return _garbled(cell)


def _find_number(doc: _Text, warnings: list[str]) -> _Number | None:
    """The document's own number: a header cell that starts with "Số", never a stamp.
    A number OCR garbled ("Số O4-NQ/TU") is returned marked, and not used as the number."""
    for cell in doc.header:
        if cell.line in doc.stamp_lines or ".." in cell.text:
            continue
        number = _match_number(cell.text)
        if number:
            if number.garbled:
                warnings.append(f"number not read: {number.value!r} is garbled (OCR?)")
            return number
    return None


def _type_of_code(number: _Number) -> str | None:
    return (STATE_TYPE_CODES if number.state else PARTY_TYPE_CODES).get(number.type_code)


# === title block =====================================================================


@dataclass
class _TitleBlock:
    doc_type: str
    start: int  # index of the type line
    caps_lines: list[str] = field(default_factory=list)  # "CỦA BAN …", "HỘI NGHỊ …"
    title: str | None = None
    end: int = 0  # index of the block's last line


def _type_at(cell: str) -> tuple[str, str] | None:
    """(type name, rest of the cell) if the cell opens with a caps type name."""
    m = _TYPE_LINE.match(normalize(cell))
    if not m:
        return None
    n = m.end()
    head, after = cell[:n], cell[n:n + 1]
    # "CHỈ THỊvề" (bold markers dropped) is glued to a lower-case title; "THÔNG TRIX" is
    # another word.
    if not _is_caps(head) or (after.isalpha() and after.isupper()):
        return None
    return _TYPE_BY_NORM[m.group(1)], cell[n:]


_HEADING_STARTS = ("của ", "hội nghị", "ban chấp hành", "ban thường vụ", "bộ chính trị",
                   "ban bí thư")


def _is_caps_heading(line: str) -> bool:
    """A caps line between the type line and the trích yếu naming the issuing organ or
    conference: "CỦA BAN THƯỜNG VỤ TỈNH ỦY", "HỘI NGHỊ LẦN THỨ NĂM BAN CHẤP HÀNH …"."""
    return _is_caps(line) and normalize(line).startswith(_HEADING_STARTS)


def _starts_title(line: str) -> bool:
    n = normalize(line)
    return n.startswith("về ") or line[0].islower() or line[0] in _QUOTES


def _starts_caps_title(line: str) -> bool:
    """A caps trích yếu that does not open with "VỀ": "KẾT QUẢ THỰC HIỆN …" under
    "BÁO CÁO", "KẾT LUẬN" under "THÔNG BÁO"."""
    return _is_caps(line) and not _NUMBERED.match(line) and not _is_header_element(line)


def _continues_title(line: str, caps_title: bool, previous: str) -> bool:
    """Whether ``line`` carries on a title whose last line so far is ``previous``."""
    if len(line) > 250 or _NUMBERED.match(line):
        return False
    first = line[0]
    if caps_title:  # "… GIAI ĐOẠN 2009 / - 2014" has no letter to be in capitals
        no_letters = (first.isdigit() or first in "-–") and not any(c.isalpha() for c in line)
        return (_is_caps(line) or no_letters) and not _is_header_element(line)
    if _is_caps(line):
        return False
    if first.islower() or first in _QUOTES or first.isdigit():
        return True
    if first in "-–":  # "kinh tế / - xã hội", "giai đoạn 2021 / - 2025"; a bullet has a capital
        after = line[1:].lstrip()[:1]
        return after.islower() or after.isdigit()
    # A capital: a name broken over two lines ("… của / Ban Chấp hành …", "Hồ / Chí Minh").
    # The body's first paragraph ends with a full stop or a colon, or opens like a sentence.
    return (first.isupper() and not line.endswith(_SENTENCE_END)
            and not previous.endswith(_SENTENCE_END) and not _BODY_OPENER.match(line)
            and not _is_header_element(line))


def _is_header_element(line: str) -> bool:
    """A line of the header or of a receipt stamp ("ĐẢNG CỘNG SẢN VIỆT NAM", "Số 12-NQ/TU",
    "Kon Tum, ngày …", "TỈNH ỦY KON TUM", "CÔNG VĂN ĐẾN"), which a title does not run into
    when no rule closes it."""
    n = _strip_edges(normalize(line))
    if n.startswith(_HEADER_STARTS) or _STAMP_LINE.match(line) or _is_number_line(line):
        return True
    if "ngày" in n and _parse_date_cell(line):
        return True
    return bool(_DEPARTMENT.match(n)) or _is_issuing_body_line(n)


def _is_number_line(line: str) -> bool:
    """"Số 12-NQ/TU", alone or with the date line flattened onto it; a title line may
    start with "SỐ 06-NQ/TU, NGÀY …" and go on."""
    m = _PARTY_NUMBER.match(line) or _STATE_NUMBER.match(line)
    if m is None:
        return False
    rest = line[m.end():].strip()
    return not rest or _parse_date_cell(rest) is not None


def _is_issuing_body_line(n: str) -> bool:
    """A whole normalised line naming a committee and its place ("tỉnh ủy kon tum",
    "huyện ủy ba tơ", "đảng bộ tỉnh quảng ngãi"); "tỉnh ủy về công tác …" starts a title
    line."""
    m = _COMMITTEE.match(n)
    if m:
        place = m.group(2)
        if m.group(1) == "đảng" and _BLOC.match(place):
            return True
        return bool(place) and bool(canonical_province(place) or district_provinces(place))
    m = _SUPERIOR.match(n) or _STATE_ISSUER.match(n)
    return m is not None and canonical_province(m.groups()[-1]) is not None


def _names_issuer(line: str, title: list[str]) -> bool:
    """A caps trích yếu line "CỦA BAN THƯỜNG VỤ TỈNH ỦY VỀ …" under "THÔNG BÁO / KẾT LUẬN"
    names the issuer, unless a cited number comes before it: "… NGHỊ QUYẾT SỐ 11-NQ/TU,
    NGÀY 16-4-2014 / CỦA BAN THƯỜNG VỤ TỈNH ỦY" names the cited document's author."""
    return (_is_caps(line) and normalize(line).startswith("của ")
            and not any(_CITED_NUMBER.search(t) for t in title))


def _find_title_block(doc: _Text) -> _TitleBlock | None:
    """The caps type line and what follows it; it stands above the body, so the search
    stops at the first paragraph (a caps heading further down is not a type line)."""
    for cell in doc.head:
        found = _type_at(cell.text)
        if found:
            return _read_title_block(doc, cell.line, *found)
        if len(cell.text) >= 100 and not cell.text.isupper():
            return None
    return None


def _read_title_block(doc: _Text, at: int, doc_type: str, rest: str) -> _TitleBlock:
    block = _TitleBlock(doc_type, at, end=at)
    title: list[str] = []
    rest = _strip_edges(rest)
    if rest and _is_caps_heading(rest):
        block.caps_lines.append(rest)
    elif rest and _starts_title(rest):
        title.append(rest)
    following = [i for i in range(at + 1, min(len(doc.lines), at + 40)) if doc.lines[i]][:12]
    closed = any(_RULE.match(doc.lines[i]) for i in following)  # a rule closes the title
    # (title lines, block end) before the first line a capital carried the title on to.
    capital: tuple[int, int] | None = None
    for k, i in enumerate(following):
        line = doc.lines[i]
        caps_title = bool(title) and _is_caps(title[0])
        if _RULE.match(line):
            block.end = i
            break
        if not title and _is_caps_heading(line):
            block.caps_lines.append(line)
        elif not title and _opens_title(doc, following[k:]):
            title.append(line)
        elif caps_title and line[0].islower() and not _starts_title(title[0]):
            title = [line]  # "CHƯƠNG TRÌNH / HÀNH ĐỘNG / thực hiện …": the caps line was no title
        elif title and _carries_title(doc, following[k:], title, closed):
            if caps_title and _names_issuer(line, title):
                block.caps_lines.append(line)
            if capital is None and not closed and not caps_title and line[0].isupper():
                capital = (len(title), block.end)
            title.append(line)
        elif title or not _is_caps(line):
            break  # the body starts (header lines in caps may still sit above a title)
        block.end = i
    if capital and any(t.endswith(_SENTENCE_END) for t in title[capital[0]:]):
        # A sentence ends after it: the capital opened the body (a wrapped first paragraph,
        # "Ban Thường vụ Tỉnh ủy đã họp … / … như sau:"), not a line of the title.
        del title[capital[0]:]
        block.end = capital[1]
    block.title = _join_title(title)
    return block


def _opens_title(doc: _Text, lines: list[int]) -> bool:
    """Whether the first of ``lines`` opens the trích yếu. A caps line with a receipt
    stamp within two lines below it is the receiving office's name ("TRƯỜNG CHÍNH TRỊ
    TỈNH / Số... 575....."), or doubtful: no title then."""
    line = doc.lines[lines[0]]
    if _starts_title(line):
        return True
    return _starts_caps_title(line) and not _in_stamp(doc, lines[:3])


def _carries_title(doc: _Text, lines: list[int], title: list[str], closed: bool) -> bool:
    """Whether the first of ``lines`` carries ``title`` on; up to a closing rule, any line
    not in caps does."""
    line = doc.lines[lines[0]]
    caps_title = _is_caps(title[0])
    if caps_title and _in_stamp(doc, lines[:2]):
        return False  # "SỞ NỘI VỤ / CÔNG VĂN ĐẾN": the stamp under a caps title
    if closed and not _is_caps(line) and len(line) <= 250:
        return True
    return _continues_title(line, caps_title, title[-1])


def _in_stamp(doc: _Text, lines: list[int]) -> bool:
    """Whether one of ``lines`` is a line of a receipt stamp typed out in the text."""
    return any(_STAMP_LINE.match(doc.lines[i]) for i in lines)


_STRAY_MARK = re.compile(r"(?<=\s)[.,`'|]+(?=[^\W\d_])")  # "Nghị quyết .số": a speck


def _join_title(lines: list[str]) -> str | None:
    text = _STRAY_MARK.sub("", " ".join(" ".join(lines).split())).strip(" *")
    return text if 0 < len(text) <= 600 else None


# === dates ===========================================================================


@dataclass(frozen=True)
class _Date:
    date: dt.date | None
    year: int
    place: str


def _parse_date_cell(cell: str) -> _Date | None:
    m = _DATE_LINE.search(cell)
    if m:
        y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        try:
            date = dt.date(y, mo, d)
        except ValueError:
            return None
        return _Date(date, y, m.group("place").strip()) if MIN_YEAR <= y <= MAX_YEAR else None
    m = _YEAR_ONLY_LINE.search(cell)
    if m and MIN_YEAR <= int(m.group("y")) <= MAX_YEAR:
        return _Date(None, int(m.group("y")), m.group("place").strip())
    return None


def _find_date(cells: list[_Cell], skip: set[int], last: bool) -> _Date | None:
    found = None
    for cell in cells:
        # A date cell is short ("Điện Biên Phủ, ngày 30 tháng 6 năm 2016"); body
        # paragraphs mentioning a date are not worth the regex.
        if len(cell.text) <= 100 and cell.line not in skip and "ngày" in cell.text.lower():
            parsed = _parse_date_cell(cell.text)
            if parsed:
                if not last:
                    return parsed
                found = parsed
    return found


# === signature =======================================================================


@dataclass
class _Signature:
    roles: list[str] = field(default_factory=list)
    name: str | None = None


def _is_role_cell(cell: str) -> bool:
    """A caps line of a signature's roles; stray marks of a seal or a signature ("Ặ",
    "ĐT") are not: most of its words must be role words."""
    return (_is_caps(cell) and len(cell) <= 60 and not _is_recipient(cell)
            and _role_words_share(cell) >= 0.5)


def _is_recipient(cell: str) -> bool:
    return cell.startswith(("-", "+", "Nơi nhận"))


def _opens_role(cell: str) -> bool:
    """A line of a signature block's roles: "T/M BAN THƯỜNG VỤ", "K/T BÍ THƯ", or a bare
    title ("PHÓ BÍ THƯ", "TRƯỞNG BAN")."""
    if len(cell) > 60 or not _is_caps(cell):
        return False
    if _SIGN_START.match(cell):
        return True
    if len(cell) > _BARE_ROLE_LEN:
        return False
    return bool(_BARE_ROLE.match(_strip_edges(normalize(cell)))
                or _BARE_ROLE.match(_strip_edges(normalize(_read_words(cell, "role")))))


def _is_name_word(word: str) -> bool:
    """"Tuấn", "H'Yim", "Kđoh", "Y-Ngông": each part after an apostrophe or hyphen is
    capitalised or lower case (Ê Đê, Gia Rai and Ba Na names)."""
    return all(len(p) <= 1 or p[1:].islower() for p in _NAME_JOINS.split(word))


def _as_name(cell: str) -> str | None:
    """The cell as a person's name (2–5 capitalised words), or ``None``."""
    words = cell.split()
    if not 2 <= len(words) <= 5 or len(cell) > 45:
        return None
    if not all(_NAME_WORD.match(w) and w[0].isupper() for w in words):
        return None
    if _NOT_NAME.search(normalize(cell)):
        return None
    if _is_caps(cell):
        return cell.title()
    return cell if all(_is_name_word(w) for w in words) else None


def _find_signature(doc: _Text) -> _Signature:
    cells = doc.tail
    roles = [k for k, c in enumerate(cells) if _opens_role(c.text)]
    if roles:
        start = _first_of_block(cells, roles)
        sig = _signature_from(cells, start)
        # A bare title ("TRƯỞNG BAN") is a signature only with the name under it; a
        # "T/M …" block says who signs even when the copy drops the name.
        if sig.name or _SIGN_START.match(cells[start].text):
            return sig
    return _signature_without_role(cells)


def _first_of_block(cells: list[_Cell], roles: list[int]) -> int:
    """The first role line of the block that ends at the last of the ``roles`` cells:
    "T/M BAN THƯỜNG VỤ / K/T BÍ THƯ / PHÓ BÍ THƯ". Side by side with the recipients, a
    flattened row puts a recipient cell between two role cells, so recipients are stepped
    over."""
    is_role = set(roles)
    first = roles[-1]
    for j in range(first - 1, -1, -1):
        text = cells[j].text
        if j in is_role or (_is_role_cell(text) and text.split()[-1] in _DANGLING):
            first = j  # "PHÓ" / "CHÁNH VĂN PHÒNG": a role line OCR broke
        elif not _is_recipient(text):
            break
    return first


def _signature_from(cells: list[_Cell], start: int) -> _Signature:
    sig = _Signature()
    for cell in cells[start:]:
        text = cell.text
        # "- Vũ Thu Mai": OCR reads a mark of the signature as a dash before the name.
        name = _as_name(text) or (_as_name(_LEADING_JUNK.sub("", text)) if sig.roles else None)
        if name and sig.roles:
            sig.name = name
            break
        if _is_role_cell(text) and not _SIGNED_MARK.match(text):
            sig.roles.append(normalize_tones(_read_words(text, "role", caps=True)))
    sig.roles = _join_broken_roles(sig.roles)
    return sig


def _join_broken_roles(roles: list[str]) -> list[str]:
    """"BÍ" + "THƯ", "PHÓ" + "CHÁNH VĂN PHÒNG": a role line OCR broke is one line."""
    out: list[str] = []
    for role in roles:
        if out and out[-1].split()[-1] in _DANGLING:
            out[-1] = f"{out[-1]} {role}"
        else:
            out.append(role)
    return out


def _signature_without_role(cells: list[_Cell]) -> _Signature:
    """A bare name closing the document, after "(Đã ký)" or after the recipients list."""
    texts = [c.text for c in cells]
    if not texts:
        return _Signature()
    name = _as_name(texts[-1])
    if not name:
        return _Signature()
    before = texts[-2] if len(texts) > 1 else ""
    has_recipients = any(normalize(t).startswith("nơi nhận") for t in texts)
    if _SIGNED_MARK.match(before) or (has_recipients and before.startswith("-")):
        return _Signature(name=name)
    return _Signature()


# === issuer ==========================================================================


def _issuer_of_phrase(phrase: str) -> tuple[str | None, bool]:
    """(issuer, explicit) from a normalised phrase such as "của ban thường vụ tỉnh ủy".
    ``explicit`` is False for "Ban Chấp hành Đảng bộ tỉnh", which ranks below the header
    (it says which committee, not which organ of it)."""
    phrase = _read_words(phrase, "organ").removeprefix("của ").strip()
    m = _BTV.match(phrase)
    if m:
        return f"Ban Thường vụ {_UNITS[m.group(1)]}", True
    m = _CENTRAL_RE.search(phrase)
    if m:
        return _CENTRAL[m.group(1)], True
    m = _BCH_LOCAL.search(phrase)
    if m:
        return _BCH_UNITS[m.group(1)], False
    m = _COMMITTEE.match(phrase)
    if m:
        return _UNITS[m.group(1)], True
    return None, False


def _title_issuer(block: _TitleBlock | None) -> tuple[str | None, bool]:
    for line in block.caps_lines if block else ():
        issuer, explicit = _issuer_of_phrase(normalize(line))
        if issuer:
            return issuer, explicit
    return None, False


def _issuing_lines(doc: _Text) -> list[str]:
    """Normalised header cells that can name the issuing body (computed once)."""
    if doc.issuing is None:
        doc.issuing = []
        for cell in doc.header:
            if len(cell.text) > 80:
                continue
            n = _strip_edges(normalize(cell.text))
            # A mixed-case line counts only when it names a place ("Tỉnh uỷ Kon Tum"); a
            # paragraph may start with "Tỉnh ủy yêu cầu …".
            if _is_caps(cell.text):
                doc.issuing.append(_read_words(n, "organ"))
            elif _header_cell_provinces(n):
                doc.issuing.append(n)
    return doc.issuing


@dataclass(frozen=True)
class _Superior:
    """The superior body line of a header: "ĐẢNG BỘ TỈNH NGHỆ AN"."""

    unit: str  # "tỉnh" or "thành phố"
    province: str


def _superior_of(doc: _Text) -> _Superior | None:
    for n in _issuing_lines(doc):
        m = _SUPERIOR.match(n)
        province = _leading_province(m.group(2)) if m else None
        if m and province:
            return _Superior(m.group(1), province)
    return None


def _unit_of(committee: str | None) -> str | None:
    """"Huyện ủy" of "Huyện ủy Kỳ Sơn" (a committee, named or not); ``None`` otherwise."""
    if not committee:
        return None
    unit = " ".join(committee.split()[:2])
    return unit if unit in _UNITS.values() else None


@dataclass(frozen=True)
class _When:
    """What naming a committee depends on: the province and date found, the superior."""

    province: str | None = None
    on: dt.date | None = None
    superior: _Superior | None = None


def _district_display(rest: str, kind: str, province: str | None) -> str | None:
    """"Kỳ Sơn" of "kỳ sơn …" (the longest leading run naming a district of this kind;
    cut short of the line only with the district's own tones), "Quận 8" of "quận 8"."""
    for run, whole in _leading_runs(rest):
        name = district_name(run, kind, exact=not whole, province=province)
        if name:
            return f"{kind} {name}" if name[0].isdigit() else name
    return None


def _city_committee(rest: str, when: _When) -> str:
    """"thành ủy …": a centrally-run city's committee ("Thành ủy", the city is the
    province field) or a provincial city's, which keeps its name ("Thành ủy Vinh")."""
    city = _leading_province(rest)
    if city and canonical_province("Huế") == city and when.on is None:
        # Undated "THÀNH ỦY HUẾ": the centrally-run city's, unless a provincial superior
        # line ("ĐẢNG BỘ TỈNH THỪA THIÊN HUẾ") makes it the city of Huế inside the tỉnh.
        central = when.superior is None and "thua thien" not in fold(rest)
    else:
        central = is_centrally_run(city, when.on) if city else False
    if central:
        return "Thành ủy"
    name = _district_display(rest, "Thành phố", when.province)
    if name is None and city:  # "THÀNH ỦY HUẾ" of 2018: the city of the tỉnh's name
        run = next(r for r, _ in _leading_runs(rest) if canonical_province(r) == city)
        name = " ".join(w[:1].upper() + w[1:] for w in run.split())
    return f"Thành ủy {name}" if name else "Thành ủy"


def _bloc_committee(rest: str, when: _When) -> str:
    """"Đảng ủy Khối các cơ quan tỉnh Thanh Hóa": a bloc's đảng ủy with its province,
    from its own line or the superior line; another đảng ủy is just "Đảng ủy"."""
    m = _BLOC.match(rest)
    if not m:
        return "Đảng ủy"
    unit, province = m.group("unit"), None
    if m.group("name"):
        province = _leading_province(m.group("name"))
    elif when.superior and unit in (None, when.superior.unit):
        unit, province = when.superior.unit, when.superior.province
    place = f" {unit} {province_as_issued(province, when.on) or province}" if province else (
        f" {unit}" if unit else "")
    return f"Đảng ủy {_BLOCS[m.group('bloc')]}{place}"


def _committee_of_cell(n: str, when: _When = _When()) -> str | None:
    """The committee a normalised header cell names. A provincial committee is just
    "Tỉnh ủy" (the province is its own field); one below a province keeps its name:
    "Huyện ủy Kỳ Sơn", "Thành ủy Vinh", "Đảng ủy Khối các cơ quan tỉnh Thanh Hóa"."""
    unit = _COMMITTEE.match(n)
    if unit:
        rest = unit.group(2).strip()
        if unit.group(1) == "tỉnh" or not rest:
            return _UNITS[unit.group(1)]
        if unit.group(1) == "thành":
            return _city_committee(rest, when)
        if unit.group(1) == "đảng":
            return _bloc_committee(rest, when)
        kind = _DISTRICT_KINDS[unit.group(1)]
        name = _district_display(rest, kind, when.province)
        return f"{_UNITS[unit.group(1)]} {name}" if name else _UNITS[unit.group(1)]
    if n in _CENTRAL:
        return _CENTRAL[n]
    state = _STATE_ISSUER.match(n)
    return f"{state.group(1).capitalize()} {state.group(2)}" if state else None


def _header_issuer(doc: _Text, number: _Number | None, when: _When) -> str | None:
    """The issuing body from the header cells: "TỈNH ỦY KON TUM" → "Tỉnh ủy"; with a
    department line below it ("BAN TUYÊN GIÁO") → "Ban Tuyên giáo Tỉnh ủy"; "ĐẢNG BỘ
    TỈNH NGHỆ AN / HUYỆN ỦY KỲ SƠN" → "Huyện ủy Kỳ Sơn"."""
    committee = department = None
    for n in _issuing_lines(doc):
        dept = _DEPARTMENT.match(n)
        if dept:
            department = _DEPARTMENTS[dept.group(1)]
            committee = _UNITS[dept.group(2)] if dept.group(2) else committee
        elif committee is None:
            committee = _committee_of_cell(n, when)
    code = number.issuer_code.upper() if number else ""
    if department is None and code in _DEPARTMENT_CODES:
        # "BTCTU": a department of a tỉnh ủy, or of a centrally-run city's thành ủy.
        department = _DEPARTMENT_CODES[code]
        if committee is None and when.province:
            committee = "Thành ủy" if is_centrally_run(when.province, when.on) else "Tỉnh ủy"
    if department is None:
        return committee
    return f"{department} {committee}" if _unit_of(committee) else None


def _named_committee(doc: _Text, when: _When) -> str | None:
    """The header's committee when it carries a name ("Huyện ủy Kỳ Sơn"), to complete
    an issuer read elsewhere ("CỦA BAN THƯỜNG VỤ HUYỆN ỦY" → "Ban Thường vụ Huyện ủy Kỳ
    Sơn")."""
    for n in _issuing_lines(doc):
        committee = _committee_of_cell(n, when)
        if committee:
            return committee if _unit_of(committee) and committee != _unit_of(committee) \
                else None
    return None


def _with_name(issuer: str, named: str | None) -> str:
    unit = _unit_of(named)
    if named and unit and (issuer == unit or issuer.endswith(" " + unit)):
        return issuer[: -len(unit)] + named
    return issuer


def _committee_level(doc: _Text, number: _Number | None, province: str | None,
                     on: dt.date | None = None) -> str | None:
    """Which committee a signature's "T/M BAN THƯỜNG VỤ" speaks for."""
    allowed = _CODE_UNITS.get(number.issuer_code) if number and not number.state else None
    if allowed and len(allowed) == 1:
        return _UNITS[allowed[0]]
    counts = Counter(m.group(1).lower() for m in _BTV_MENTION.finditer(doc.body))
    ranked = [(u, n) for u, n in counts.most_common() if not allowed or u in allowed]
    if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
        return _UNITS[ranked[0][0]]
    if allowed and province:  # "TU" and no clear mention: a city's committee is a thành ủy
        return "Thành ủy" if is_centrally_run(province, on) else "Tỉnh ủy"
    return None


def _signature_issuer(sig: _Signature, level: Callable[[], str | None]) -> str | None:
    if not sig.roles or not sig.roles[0].startswith(("T/M", "T/L", "TM", "TL")):
        return None  # "K/T BÍ THƯ" alone says whose deputy, not which organ
    phrase = normalize(sig.roles[0].split(None, 1)[1]) if " " in sig.roles[0] else ""
    if phrase.startswith("ban thường vụ") and not _BTV.match(phrase):
        unit = level()
        return f"Ban Thường vụ {unit}" if unit in _UNITS.values() else None
    if phrase.startswith("ban chấp hành") and not _BCH_LOCAL.search(phrase) \
            and "trung ương" not in phrase:
        unit = level()
        return unit if unit in _UNITS.values() else None
    return _issuer_of_phrase(phrase)[0]


# === province ========================================================================


@dataclass(frozen=True)
class _Place:
    province: str
    source: str


def _header_provinces(doc: _Text) -> set[str]:
    """Provinces named by the issuing body and superior body lines of the header. A
    district name several provinces share ("HUYỆN ỦY VĨNH THẠNH": Bình Định, Cần Thơ)
    adds none: the superior line ("ĐẢNG BỘ THÀNH PHỐ CẦN THƠ") settles it."""
    found: set[str] = set()
    for cell in doc.header:
        if len(cell.text) > 80:
            continue
        candidates = _header_cell_provinces(_strip_edges(normalize(cell.text)))
        if len(candidates) == 1:
            found.add(candidates[0])
    return found


def _header_cell_provinces(n: str) -> list[str]:
    """The provinces an issuing-body line can name: "tỉnh ủy kon tum", "huyện ủy ba tơ",
    "đảng bộ tỉnh quảng ngãi", "ủy ban nhân dân tỉnh kon tum" (normalised); more than
    one for a district name that several provinces have."""
    m = _COMMITTEE.match(n)
    if m and m.group(2):
        unit, name = m.group(1), m.group(2)
        bloc = _BLOC.match(name) if unit == "đảng" else None
        if bloc:  # "đảng ủy khối các cơ quan tỉnh thanh hóa"
            province = _leading_province(bloc.group("name")) if bloc.group("name") else None
            return [province] if province else []
        province = _leading_province(name) if unit in ("tỉnh", "thành") else None
        if province:
            return [province]
        kind = _DISTRICT_KINDS.get(unit)
        return _leading_district(name, kind) if kind else []
    m = _SUPERIOR.match(n) or _STATE_ISSUER.match(n)
    province = _leading_province(m.groups()[-1]) if m else None
    return [province] if province else []


def _leading_runs(text: str) -> Iterator[tuple[str, bool]]:
    """The runs of 5 to 1 leading words, longest first, each with whether it is the whole
    text: a single-space flattened header may run on ("kon tum đảng cộng sản việt nam")."""
    words = text.split()
    for k in range(min(len(words), 5), 0, -1):
        yield " ".join(words[:k]), k == len(words)


def _leading_province(text: str) -> str | None:
    for run, _ in _leading_runs(text):
        province = canonical_province(run)
        if province:
            return province
    return None


def _leading_district(text: str, kind: str) -> list[str]:
    """The provinces of the longest leading run that names a district of this kind. A
    run cut short of the line must carry the district's own tones: "vĩnh" (of "Vĩnh
    Thạnh") is not "Vinh"."""
    for run, whole in _leading_runs(text):
        found = district_provinces(run, kind, exact=not whole)
        if found:
            return found
    return []


def _bch_provinces(lines: list[str]) -> set[str]:
    """Provinces in "Ban Chấp hành Đảng bộ tỉnh X" (the committee that issues)."""
    found = set()
    for line in lines:
        for m in _BCH_PROVINCE.finditer(line):
            for end in reversed(name_ends(line, m.end())):
                province = canonical_province(line[m.end():end])
                if province:
                    found.add(province)
                    break
    return found


def _body_province_vote(body: str) -> tuple[str | None, int]:
    """The province most often named as "tỉnh X", with at least twice the runner-up."""
    counts = Counter(m.name for m in find_province_mentions(body)).most_common(2)
    if not counts:
        return None, 0
    if len(counts) == 1 or counts[0][1] >= 2 * counts[1][1]:
        return counts[0][0], counts[0][1]
    return None, 0


# === extraction ======================================================================


@dataclass
class _Context:
    """Everything found so far, shared by the field extractors."""

    doc: _Text
    meta: Metadata
    notes: str
    extra: dict[str, Any]
    number: _Number | None = None
    block: _TitleBlock | None = None
    header_date: _Date | None = None
    sign_date: _Date | None = None
    signature: _Signature = field(default_factory=_Signature)
    record: _Record = field(default_factory=lambda: _Record())
    _district_vote: tuple[str | None, list[str]] | None = None

    def district_vote(self) -> tuple[str | None, list[str]]:
        """:func:`vote_districts` over the body, computed at most once."""
        if self._district_vote is None:
            self._district_vote = vote_districts(self.doc.body)
        return self._district_vote


def extract_metadata(
    text: str,
    *,
    notes: str = "",
    title_hint: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Metadata:
    """Read a document's metadata from its text (NFC or NFD).

    :param text: the body as a reader returns it (header and signature included).
    :param notes: footnotes, searched only for cited numbers.
    :param title_hint: a title carried by the format (JSON Lines, HTML), used when the
        text has no title line.
    :param extra: other keys of an import record ("province", "date", "year",
        "number", "doc_type", "issuer", "title"): each that validates wins over the text
        (provenance ``record``; a disagreement is a warning); one that does not is
        reported and not used. "title" fills only a missing title.
    """
    text = text if isinstance(text, str) else ""
    ctx = _Context(_prepare(text), Metadata(), nfc(notes or ""), dict(extra or {}))
    ctx.block = _find_title_block(ctx.doc)
    ctx.doc.header = _header_cells(ctx.doc, ctx.block)
    ctx.number = _find_number(ctx.doc, ctx.meta.warnings)
    ctx.record = _read_record(ctx.extra, ctx.meta.warnings)
    ctx.header_date = _find_date(ctx.doc.header, ctx.doc.stamp_lines, last=False)
    ctx.signature = _find_signature(ctx.doc)
    ctx.sign_date = _find_date(ctx.doc.tail, set(), last=True)
    for step in (_set_number, _set_doc_type, _set_date, _set_province, _set_issuer,
                 _set_title, _set_term, _set_signer, _set_cites):
        step(ctx)
    _apply_extra(ctx, title_hint)
    _add_missing_warnings(ctx.meta)
    return ctx.meta


def _record_kept(ctx: _Context, name: str, recorded: Any, text: Any) -> None:
    ctx.meta.warnings.append(f"import record {name.replace('_', ' ')} kept: {recorded} "
                             f"(the text says {text})")


def _set_number(ctx: _Context) -> None:
    recorded = ctx.record.number
    if recorded:
        ctx.meta.set("number", recorded.value, RECORD)
        if ctx.number and ctx.number.value != recorded.value:
            _record_kept(ctx, "number", recorded.value, ctx.number.value)
    elif ctx.number and not ctx.number.garbled:
        ctx.meta.set("number", ctx.number.value, "header")


def _text_doc_type(ctx: _Context) -> tuple[str, str] | None:
    from_code = _type_of_code(ctx.number) if ctx.number else None
    from_title = ctx.block.doc_type if ctx.block else None
    if from_code:
        if from_title and from_title != from_code:
            ctx.meta.warnings.append(f"doc_type {from_code} of the number differs from "
                                     f"the title line ({from_title})")
        return from_code, "header"
    return (from_title, "title_line") if from_title else None


def _set_doc_type(ctx: _Context) -> None:
    found = _text_doc_type(ctx)
    recorded = ctx.record.doc_type
    if recorded:
        ctx.meta.set("doc_type", recorded, RECORD)
        if found and found[0] != recorded:
            _record_kept(ctx, "doc_type", recorded, found[0])
    elif found:
        ctx.meta.set("doc_type", *found)


def _in_the_future(ctx: _Context, found: _Date | None) -> bool:
    """A date after today is a misreading (OCR: 2023 read as 2028), never a date."""
    if found is None or found.year <= dt.date.today().year and (
            found.date is None or found.date <= dt.date.today()):
        return False
    ctx.meta.warnings.append(f"date {found.date or found.year} is after today: not used "
                             "(misread?)")
    return True


def _set_date(ctx: _Context) -> None:
    if _in_the_future(ctx, ctx.header_date):
        ctx.header_date = None
    if _in_the_future(ctx, ctx.sign_date):
        ctx.sign_date = None
    text_date: tuple[dt.date, str] | None = None
    for found, source in ((ctx.header_date, "header"), (ctx.sign_date, "signature")):
        if found and found.date:
            text_date = found.date, source
            break
    # "Kon Tum, ngày   tháng   năm 2021" (a draft) states a year and nothing more.
    year_only = ctx.header_date.year if ctx.header_date and not text_date else None
    record = ctx.record
    if record.date:
        ctx.meta.set("date", record.date.isoformat(), RECORD)
        ctx.meta.set("year", record.date.year, RECORD)
        if text_date and text_date[0] != record.date:
            _record_kept(ctx, "date", record.date.isoformat(), text_date[0].isoformat())
        elif year_only and year_only != record.date.year:
            _record_kept(ctx, "date", record.date.isoformat(), f"the year {year_only}")
        return
    if record.year:
        ctx.meta.set("year", record.year, RECORD)
        text_year = text_date[0].year if text_date else year_only
        if text_date and text_year == record.year:
            ctx.meta.set("date", text_date[0].isoformat(), text_date[1])
        elif text_year is not None and text_year != record.year:
            shown = text_date[0].isoformat() if text_date else f"the year {text_year}"
            _record_kept(ctx, "year", record.year, f"{shown}, not used")
        return
    if text_date:
        ctx.meta.set("date", text_date[0].isoformat(), text_date[1])
        ctx.meta.set("year", text_date[0].year, text_date[1])
    elif year_only:
        ctx.meta.set("year", year_only, "header")


def _province_levels(ctx: _Context) -> list[tuple[Callable[[], set[str]], str]]:
    """Sources of a province, strongest first (domain.md A2)."""
    doc = ctx.doc
    opening = [line for line in doc.lines[:OPENING_LINES] if line]

    def title_lines() -> set[str]:
        return _bch_provinces(ctx.block.caps_lines) if ctx.block else set()

    def body_vote() -> set[str]:
        province, count = _body_province_vote(doc.body)
        if province and count == 1 and ctx.district_vote()[0] != province:
            # One passing "tỉnh X" ("Sở Giáo dục tỉnh Bạc Liêu" in a ministry's text) is
            # not enough on its own; the districts must agree.
            return set()
        return {province} if province else set()

    def place(found: _Date | None) -> Callable[[], set[str]]:
        return lambda: {p for p in [place_province(found.place)] if p} if found else set()

    header_levels = [(lambda: _header_provinces(doc), "header")]
    if _is_central(ctx):
        return header_levels  # a central document names provinces, it belongs to none
    return [
        *header_levels,
        (title_lines, "title_line"),
        (lambda: _bch_provinces(opening), "body"),
        (body_vote, "body"),
        (place(ctx.header_date), "header"),
        (place(ctx.sign_date), "signature"),
    ]


def _is_central(ctx: _Context) -> bool:
    """Issued by a central body: a "…/TW" number or a central header line."""
    if ctx.number and not ctx.number.state and is_central_issuer(ctx.number.issuer_code):
        return True
    return any(normalize(_strip_edges(c.text)) in _CENTRAL for c in ctx.doc.header
               if _is_caps(c.text))


def _find_province(ctx: _Context) -> _Place | None:
    for level, source in _province_levels(ctx):
        found = level()
        if len(found) == 1:
            return _Place(found.pop(), source)
        if len(found) > 1:
            ctx.meta.warnings.append(f"conflicting provinces in {source}: "
                                     + ", ".join(sorted(found)))
    if _is_central(ctx):
        return None
    district, names = ctx.district_vote()
    if district:
        ctx.meta.warnings.append("province inferred from districts")
        return _Place(district, inferred("districts " + ", ".join(names[:5])))
    return None


def _names_hue_alone(ctx: _Context) -> bool:
    """Whether the text calls Thừa Thiên Huế just "Huế" ("THÀNH ỦY HUẾ", "Đảng bộ thành
    phố Huế") where it names the issuing body: header, title block, opening lines."""
    doc = ctx.doc
    where = [c.text for c in doc.header] + (ctx.block.caps_lines if ctx.block else [])
    folded = fold("\n".join(where + [line for line in doc.lines[:OPENING_LINES] if line]))
    return "thua thien" not in folded and re.search(r"\bhue\b", folded) is not None


def _as_issued(ctx: _Context, province: str, source: str, written_hue: bool) -> str:
    """The province's name on the document's date (domain.md A2): one of the 34 from 1
    July 2025, Huế for Thừa Thiên Huế from 1 January 2025. Undated, the era is not
    guessed: Thừa Thiên Huế keeps the name the text uses for it (``written_hue``)."""
    issued = ctx.meta.get("date")
    if not issued:
        hue = canonical_province("Huế")
        return "Huế" if province == hue and written_hue else province
    on = dt.date.fromisoformat(issued)
    if on >= MERGER_DATE and source.startswith(inferred("districts")):
        return province_2025(province) or province  # districts name no era
    named = province_as_issued(province, on)
    if named is None:
        ctx.meta.warnings.append(f"province {province} no longer existed on {issued}")
        return province
    return named


def _set_province(ctx: _Context) -> None:
    recorded = ctx.record.province
    scratch = _Context(ctx.doc, Metadata(), ctx.notes, ctx.extra, ctx.number, ctx.block,
                       ctx.header_date, ctx.sign_date, ctx.signature)
    place = _find_province(ctx if recorded is None else scratch)
    if recorded:
        province = _as_issued(ctx, recorded.province, RECORD, recorded.hue)
        if place and canonical_province(place.province) != recorded.province:
            _record_kept(ctx, "province", province, place.province)
        source = RECORD
    elif place is None:
        return
    else:
        source = place.source
        hue = (place.province == canonical_province("Huế") and not ctx.meta.get("date")
               and not source.startswith("inferred") and _names_hue_alone(ctx))
        province = _as_issued(ctx, place.province, source, hue)
    ctx.meta.set("province", province, source)
    successor = province_2025(province)
    ctx.meta.set("province_2025", successor,
                 source if successor == province else inferred("2025 merger"))


def _when(ctx: _Context) -> _When:
    date = ctx.meta.get("date")
    return _When(ctx.meta.get("province"), dt.date.fromisoformat(date) if date else None,
                 _superior_of(ctx.doc))


def _text_issuer(ctx: _Context) -> tuple[str, str] | None:
    when = _when(ctx)
    title_issuer, explicit = _title_issuer(ctx.block)
    header = _header_issuer(ctx.doc, ctx.number, when)
    signed = _signature_issuer(
        ctx.signature, lambda: _committee_level(ctx.doc, ctx.number, when.province, when.on))
    for value, source in ((title_issuer if explicit else None, "title_line"),
                          (header, "header"), (title_issuer, "title_line"),
                          (signed, "signature")):
        if value:
            return _with_name(value, _named_committee(ctx.doc, when)), source
    return None


def _set_issuer(ctx: _Context) -> None:
    found = _text_issuer(ctx)
    recorded = ctx.record.issuer
    if recorded:
        ctx.meta.set("issuer", recorded, RECORD)
        if found and normalize(found[0]) != normalize(recorded):
            _record_kept(ctx, "issuer", recorded, found[0])
    elif found:
        ctx.meta.set("issuer", *found)


def _about_title(doc: _Text) -> str | None:
    """A công văn has no type line; its trích yếu is the "V/v …" line under the number."""
    for cell in doc.header:
        if cell.text[:3].lower() == "v/v":
            lines = [cell.text]
            for line in doc.lines[cell.line + 1:cell.line + 4]:
                if not line or not _continues_title(line, _is_caps(cell.text), lines[-1]):
                    break
                lines.append(line)
            return _join_title(lines)
    return None


def _set_title(ctx: _Context) -> None:
    if ctx.block and ctx.block.title:
        ctx.meta.set("title", ctx.block.title, "title_line")
    elif ctx.block is None:
        ctx.meta.set("title", _about_title(ctx.doc), "title_line")


def _opening_paragraph(ctx: _Context) -> str:
    """The body's first paragraph; lines a scan wrapped (short, no sentence end) are
    joined to it."""
    start = ctx.block.end + 1 if ctx.block else 0
    lines = ctx.doc.lines[start:start + OPENING_LINES]
    for k, line in enumerate(lines):
        if len(line) >= 40 and any(c.islower() for c in line):
            paragraph = [line]
            for more in lines[k + 1:k + 6]:
                last = paragraph[-1]
                if not more or len(last) > 90 or last.endswith(_SENTENCE_END):
                    break
                paragraph.append(more)
            return " ".join(paragraph)
    return ""


def _set_term(ctx: _Context) -> None:
    for line in ctx.block.caps_lines if ctx.block else ():
        m = _TERM.search(normalize(line))
        if m and _ROMAN.match(m.group(1).upper()):
            ctx.meta.set("term", m.group(1).upper(), "title_line")
            return
    opening = _opening_paragraph(ctx)
    m = _CONFERENCE_TERM.search(opening[:400].split(". ")[0])
    if m and _ROMAN.match(m.group(1).upper()):
        ctx.meta.set("term", m.group(1).upper(), "body")


def _set_signer(ctx: _Context) -> None:
    sig = ctx.signature
    ctx.meta.set("signer", sig.name, "signature")
    if sig.roles and _SIGN_START.match(sig.roles[-1]):
        # "T/M BAN THƯỜNG VỤ" is always followed by the signer's title: a seal or a
        # signature stroke over it lost the rest of the block (it still names the issuer).
        ctx.meta.warnings.append(f"signature block cut short after {sig.roles[-1]!r}")
    elif sig.roles:
        ctx.meta.set("signer_role", " / ".join(sig.roles), "signature")


def _cite_of(m: re.Match[str]) -> str | None:
    """The cited number, normalised; ``None`` for a party number whose type OCR
    misread ("16-NO/TU": one letter from a known type)."""
    n = m.group(1) + m.group(2)
    if m.group("pt"):
        code = _code(m.group("pt"))
        if code not in PARTY_TYPE_CODES and _near_party_code(code):
            return None
        return f"{n}-{code}/{m.group('pi')}"
    if m.group("qh"):
        return f"{n}/{m.group('y')}/{m.group('qh')}"
    if m.group("st"):
        return f"{n}/{m.group('y')}/{_code(m.group('st'))}-{_state_issuers(m.group('si'))}"
    return f"{n}/{_code(m.group('at'))}-{_state_issuers(m.group('ai'))}"


def find_cites(text: str) -> list[str]:
    """Party and state document numbers cited in ``text``, normalised, sorted, unique.

    >>> find_cites("Nghị quyết số 04 - NQ/TU và Quyết định số 50/2016/QĐ-TTg")
    ['04-NQ/TU', '50/2016/QĐ-TTg']
    """
    return sorted({c for m in CITE_RE.finditer(nfc(text)) if (c := _cite_of(m))})


def find_cite_spans(text: str) -> list[tuple[int, int, str]]:
    """Every number cited in NFC ``text``, in order, as ``(start, end, number)`` with the
    number in the form ``cites`` records (:mod:`search.relations` reads the words around
    each one).

    >>> find_cite_spans("Thực hiện Nghị quyết số 43-NQ/TW")
    [(24, 32, '43-NQ/TW')]
    """
    return [(m.start(), m.end(), c) for m in CITE_RE.finditer(text) if (c := _cite_of(m))]


def _own_number_cites(doc: _Text) -> set[str]:
    """Numbers written after "Số" in the header: the document's own, even when OCR
    garbled the "Số" beyond reading ("-S§ố 10-NQ/TU") or the record says otherwise."""
    own: set[str] = set()
    for cell in doc.header:
        so = _SO_RE.match(cell.text)
        if so:
            own.update(c for m in CITE_RE.finditer(cell.text, so.end())
                       if m.start() == so.end() and (c := _cite_of(m)))
    return own


def _set_cites(ctx: _Context) -> None:
    own = {ctx.meta.get("number"), *_own_number_cites(ctx.doc)}
    found = {c for text in (ctx.doc.body, ctx.notes) for m in CITE_RE.finditer(text)
             if (c := _cite_of(m))}
    cites = sorted(c for c in found if c not in own)
    ctx.meta.set("cites", cites, "body")


# === import records ==================================================================


@dataclass(frozen=True)
class _RecordProvince:
    province: str  # one of the 63
    hue: bool  # written "Huế" (Thừa Thiên Huế's name from 2025)


@dataclass
class _Record:
    """The metadata an import record states, validated."""

    number: _Number | None = None
    doc_type: str | None = None
    date: dt.date | None = None
    year: int | None = None
    province: _RecordProvince | None = None
    issuer: str | None = None


def _parse_extra_date(value: Any) -> dt.date | None:
    """An import record's date: ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (also ``-``, ``.``)."""
    if not isinstance(value, str):
        return None
    iso = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", value)
    dmy = None if iso else re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*", value)
    if iso:
        y, m, d = iso.groups()
    elif dmy:
        d, m, y = dmy.groups()
    else:
        return None
    try:
        date = dt.date(int(y), int(m), int(d))
    except ValueError:
        return None
    return date if MIN_YEAR <= date.year <= MAX_YEAR else None


def _parse_extra_year(value: Any) -> int | None:
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_YEAR <= value <= MAX_YEAR:
        return value
    return None


def _record_issuer(value: str) -> str | None:
    """An import record's issuer in the field's form: "Tỉnh ủy Kon Tum" → "Tỉnh ủy" (the
    province is its own field), "Ban Thường vụ Huyện ủy Kỳ Sơn", "Ban Tuyên giáo Tỉnh
    ủy", "Bộ Chính trị"; ``None`` if it names no Party or state organ."""
    n = _strip_edges(normalize(value))
    prefix = ""
    for head, shown in (("ban thường vụ ", "Ban Thường vụ "), *(
            (dept + " ", _DEPARTMENTS[dept] + " ")
            for dept in sorted(_DEPARTMENTS, key=len, reverse=True))):
        if n.startswith(head) and _COMMITTEE.match(n[len(head):]):
            prefix, n = shown, n[len(head):]
            break
    committee = _committee_of_cell(n)
    if committee is None and not prefix:
        committee = _issuer_of_phrase(n)[0]
    return prefix + committee if committee else None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_record(extra: dict[str, Any], warnings: list[str]) -> _Record:
    """The keys of an import record that carry metadata, each validated; one that does
    not validate is reported ("import record province not recognised: Atlantis")."""
    record = _Record()

    def bad(name: str, what: str) -> None:
        warnings.append(f"import record {name} {what}: {str(extra[name])[:40]}")

    if not _missing(extra.get("number")):
        number = _match_number("Số " + str(extra["number"]).strip())
        if number and not number.garbled:
            record.number = number
        else:
            bad("number", "not valid")
    if not _missing(extra.get("doc_type")):
        named = _TYPE_BY_NORM.get(normalize(str(extra["doc_type"])).strip())
        if named:
            record.doc_type = named
        else:
            bad("doc_type", "not recognised")
    if record.doc_type is None and record.number:
        record.doc_type = _type_of_code(record.number)
    if not _missing(extra.get("date")):
        record.date = _parse_extra_date(extra["date"])
        if record.date is None:
            bad("date", "not valid")
    if not _missing(extra.get("year")):
        record.year = _parse_extra_year(extra["year"])
        if record.year is None:
            bad("year", "not valid")
        elif record.date and record.date.year != record.year:
            bad("year", f"differs from its date {record.date.isoformat()}, not used")
            record.year = None
    if not _missing(extra.get("province")):
        value = str(extra["province"])
        province = canonical_province(value)
        if province:
            hue = province == canonical_province("Huế") and "thua thien" not in fold(value)
            record.province = _RecordProvince(province, hue)
        else:
            bad("province", "not recognised")
    if not _missing(extra.get("issuer")):
        record.issuer = _record_issuer(str(extra["issuer"]))
        if record.issuer is None:
            bad("issuer", "not recognised")
    return record


def _apply_extra(ctx: _Context, title_hint: str | None) -> None:
    """A title from the record or the format, where the text has no title line."""
    title = ctx.extra.get("title") if isinstance(ctx.extra.get("title"), str) else title_hint
    if ctx.meta.get("title") is None and isinstance(title, str) and title.strip():
        ctx.meta.set("title", " ".join(nfc(title).split()), IMPORT)


def _add_missing_warnings(meta: Metadata) -> None:
    for name in ("number", "doc_type", "issuer", "province", "date"):
        if meta.get(name) is None:
            meta.warnings.append(f"no {name.replace('_', ' ')}")


def is_header_line(line: str) -> bool:
    """Whether ``line`` is an element of a document's header or of a receipt stamp ("Số
    04-NQ/TU", "TỈNH ỦY KON TUM", "ĐẢNG CỘNG SẢN VIỆT NAM", "Kon Tum, ngày …"): what a
    search passage should not be (search.highlight)."""
    line = line.strip()
    return bool(line) and _is_header_element(line)
