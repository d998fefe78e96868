#!/usr/bin/env python3
"""Synthetic provincial Party documents at scale, with the true metadata of each.

    python bench/generate.py --count N --out DIR [--seed 7] [--format jsonl|txt]
                             [--pool 100000] [--corpus PATH] [--topics]

``jsonl`` (default) writes ``DIR/party.jsonl`` (``{"id", "text"}`` per line: no key the
extractor could take metadata from) and ``DIR/truth.jsonl``; ``txt`` writes one
``DIR/<id>.txt`` per document, plus ``truth.jsonl``. Output is deterministic for a seed
(and a corpus). Documents are generated and written one at a time, so memory stays
bounded whatever N; the only large object is the sentence pool (``--pool`` sentences
sampled by streaming the corpus once, ~40 MB for 100k).

**What a document is made of.** A province (63 before 1 July 2025, 34 from then on), an
issuing organ (Tỉnh ủy / Thành ủy, its Ban Thường vụ, a department such as the Văn
phòng or Ban Tuyên giáo, or a huyện ủy / quận ủy before the merger), a type from the
table of Hướng dẫn 36-HD/VPTW, a date in 2005–2026 and a number that grows with the
time since the committee's term began (numbers restart per type each term, as 36-HD
prescribes). The layout is the one ``shared/domain.md`` A1 describes, flattened in one of
the :data:`VARIANTS`; the body mixes real sentences of the pháp điển corpus with Party
sentences that cite other documents and name the province's districts.

**Truth is what the text states.** A headerless document has no number and no date in
its truth; its province is the one its body names ("Ban Chấp hành Đảng bộ tỉnh X"), or
the one its district names point to (``province_evidence: "districts"``), or null; a
term is true only where the title block or the opening sentence states the committee's
khóa; the issuer is the one the title line, the header or the signature states, by the
precedence the project documents (an explicit "CỦA BAN THƯỜNG VỤ …" title line, then the
header, then the signature).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from corpus_common import PHAPDIEN, SentencePool, load_sentence_pool  # noqa: E402
from topics import plant as plant_topic  # noqa: E402
from search.ingest.provinces import (  # noqa: E402
    DATA_FILE, canonical_province, district_provinces, province_2025, provinces,
)

__all__ = ["GeneratedDoc", "VARIANTS", "generate_documents", "write_corpus", "main"]

MERGER = dt.date(2025, 7, 1)
# Thừa Thiên Huế became Huế, a centrally-run city, on 1 January 2025 (NQ 175/2024/QH15).
HUE_CITY = dt.date(2025, 1, 1)
FIRST_DAY, LAST_DAY = dt.date(2005, 1, 1), dt.date(2026, 10, 31)
DEFAULT_POOL = 100_000
# Centrally run; "Huế" names the province only from HUE_CITY on, when it is one of them.
CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Hồ Chí Minh", "Huế"}
CITIES_2025 = CITIES

# --- variants -------------------------------------------------------------------------

# Header variant → share of documents. Proportions follow what scraped collections of
# provincial documents look like: most headers flattened in order (stacked or side by
# side), a fair share without header (web pages that start at the type line), the rest
# the oddities the extractor must survive.
VARIANTS: dict[str, float] = {
    "standard": 0.28,      # the two-column header flattened column by column (seed 000)
    "side_by_side": 0.12,  # flattened row by row: "Số 12-NQ/TU<tab>Kon Tum, ngày …"
    "shuffled": 0.08,      # header lines in random order
    "caps": 0.08,          # header and title block in capitals
    "colon_spaced": 0.08,  # "Số: 12 - NQ/TU"
    "nfd": 0.07,           # NFD text, whole document or parts
    "old_tones": 0.10,     # "Tỉnh uỷ", "Hoà Bình", "Thanh Hoá", whole or parts
    "stamp": 0.07,         # receipt stamp between title and body
    "headerless": 0.12,    # starts at the type line: no number, no date
}
# How a headerless document tells its province.
HEADERLESS_EVIDENCE = {"bch": 0.45, "districts": 0.30, "none": 0.25}
SIGNATURE_KINDS = {"stacked": 0.45, "side_by_side": 0.12, "roles_first": 0.10,
                   "name_only": 0.08, "none": 0.25}


# --- document types -------------------------------------------------------------------


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    weight: float       # share among a committee's documents
    per_year: float     # numbers a tỉnh ủy issues per year (sets realistic numbers)
    bch_share: float    # how often the full committee (BCH) rather than the BTV issues it


DOC_TYPES: dict[str, DocType] = {t.code: t for t in (
    DocType("NQ", "Nghị quyết", 13, 3, 0.85),
    DocType("KL", "Kết luận", 13, 70, 0.35),
    DocType("CT", "Chỉ thị", 9, 3, 0.0),
    DocType("BC", "Báo cáo", 12, 90, 0.0),
    DocType("KH", "Kế hoạch", 13, 45, 0.0),
    DocType("TB", "Thông báo", 10, 160, 0.0),
    DocType("CTr", "Chương trình", 5, 4, 0.5),
    DocType("HD", "Hướng dẫn", 5, 6, 0.0),
    DocType("QĐ", "Quyết định", 5, 400, 0.0),
    DocType("QĐi", "Quy định", 3, 3, 0.3),
    DocType("QC", "Quy chế", 2, 3, 0.3),
    DocType("TT", "Thông tri", 1.5, 2, 0.0),
    DocType("ĐA", "Đề án", 2, 3, 0.4),
    DocType("TTr", "Tờ trình", 1.5, 25, 0.0),
    DocType("CV", "Công văn", 4, 700, 0.0),
)}
# Party document types carry a caps type line; a công văn has a "V/v" line instead.
TYPE_LINES = {"CTr": ("CHƯƠNG TRÌNH", "CHƯƠNG TRÌNH HÀNH ĐỘNG")}


@dataclass(frozen=True)
class Department:
    code: str           # issuer code suffix before "TU": VP → VPTU
    name: str           # as in the issuer field: "Ban Tuyên giáo" (+ " Tỉnh ủy")
    header: str         # its caps header line
    types: tuple[str, ...]
    roles: tuple[tuple[str, ...], ...]  # signature blocks, first most common
    since: dt.date = FIRST_DAY
    until: dt.date = LAST_DAY


_HEAD = ("TRƯỞNG BAN",), ("K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")
DEPARTMENTS = (
    Department("VP", "Văn phòng", "VĂN PHÒNG", ("CV", "TB", "BC", "HD", "KH"),
               (("K/T CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"), ("CHÁNH VĂN PHÒNG",),
                ("T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG"))),
    Department("BTG", "Ban Tuyên giáo", "BAN TUYÊN GIÁO", ("HD", "KH", "BC", "CV", "ĐA", "TB"),
               _HEAD, until=dt.date(2025, 1, 31)),
    Department("BTC", "Ban Tổ chức", "BAN TỔ CHỨC", ("HD", "CV", "KH", "BC", "TB"), _HEAD),
    Department("BDV", "Ban Dân vận", "BAN DÂN VẬN", ("HD", "KH", "BC", "CV", "TB"), _HEAD,
               until=dt.date(2025, 1, 31)),
    Department("UBKT", "Ủy ban Kiểm tra", "ỦY BAN KIỂM TRA", ("TB", "BC", "KH", "QĐ", "HD"),
               (("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM"), ("K/T CHỦ NHIỆM", "PHÓ CHỦ NHIỆM"))),
    # The 2025 merger of the two departments (domain.md A1: code unverified).
    Department("BTGDV", "Ban Tuyên giáo và Dân vận", "BAN TUYÊN GIÁO VÀ DÂN VẬN",
               ("HD", "KH", "BC", "CV", "TB"), _HEAD, since=dt.date(2025, 2, 1)),
)
DISTRICT_TYPES = ("NQ", "KL", "CT", "BC", "KH", "TB", "CTr", "QĐ", "HD")

# --- words ----------------------------------------------------------------------------

THEMES = (
    "giảm nghèo bền vững", "giảm nghèo theo phương pháp tiếp cận đa chiều",
    "xây dựng nông thôn mới", "xây dựng nông thôn mới nâng cao, nông thôn mới kiểu mẫu",
    "phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi",
    "tiếp tục xây dựng các xã đặc biệt khó khăn trong tình hình mới",
    "chuyển đổi số, phát triển kinh tế số và xã hội số",
    "ngăn chặn, giảm thiểu tình trạng tảo hôn và hôn nhân cận huyết thống",
    "công tác dân tộc trong tình hình mới", "phát triển du lịch trở thành ngành kinh tế mũi nhọn",
    "nâng cao chất lượng nguồn nhân lực", "công tác cán bộ và bảo vệ chính trị nội bộ",
    "tăng cường công tác kiểm tra, giám sát và thi hành kỷ luật đảng",
    "đẩy mạnh cải cách hành chính, cải thiện môi trường đầu tư kinh doanh",
    "phát triển nông nghiệp ứng dụng công nghệ cao", "bảo vệ và phát triển rừng bền vững",
    "công tác phòng, chống tham nhũng, tiêu cực", "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "xây dựng tổ chức cơ sở đảng trong sạch, vững mạnh", "phát triển đảng viên ở vùng đồng bào dân tộc thiểu số",
    "công tác dân vận của hệ thống chính trị", "bảo đảm quốc phòng, an ninh ở địa bàn biên giới",
    "phòng, chống thiên tai và ứng phó với biến đổi khí hậu", "phát triển giáo dục và đào tạo",
    "chăm sóc, bảo vệ và nâng cao sức khỏe Nhân dân", "xây dựng đời sống văn hóa ở khu dân cư",
    "phát triển kinh tế tập thể, hợp tác xã", "sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả",
    "Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025",
    "bảo tồn và phát huy giá trị văn hóa truyền thống các dân tộc",
    "giải quyết việc làm và đào tạo nghề cho lao động nông thôn", "quản lý, sử dụng đất đai",
    "phát triển hạ tầng giao thông", "công tác thông tin đối ngoại", "công tác tôn giáo",
)
SECTION_HEADINGS = (
    ("I. ĐÁNH GIÁ TÌNH HÌNH", "II. MỤC TIÊU", "III. NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU",
     "IV. TỔ CHỨC THỰC HIỆN"),
    ("I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN"),
    ("A. KẾT QUẢ THỰC HIỆN", "B. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI"),
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lò", "Hà", "Lương", "Triệu", "Nông", "Trịnh")
MIDDLE_M = ("Văn", "Đức", "Hồng", "Minh", "Quốc", "Xuân", "Thanh", "Ngọc", "Hữu", "Công", "Đình")
MIDDLE_F = ("Thị", "Thị Thu", "Thị Quỳnh", "Thị Thanh", "Thị Thúy", "Ngọc", "Thu")
GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Minh", "Nam", "Phong",
           "Quang", "Sơn", "Thắng", "Tiến", "Trung", "Tuấn", "Việt", "Vinh", "Thủy", "Chánh")
GIVEN_F = ("Hà", "Hằng", "Hoa", "Hương", "Lan", "Mai", "Nga", "Ngân", "Thảo", "Vân", "Yến", "Loan")
# Names of ethnic minority leaders, in the forms they are written (apostrophes, five words).
MINORITY_NAMES = ("Y Biêr Niê", "Y Thanh Hà Niê Kđăm", "Rơ Châm Long", "H'Yim Kđoh",
                  "Ksor Phước Hà", "A Pớt", "Điểu Kré", "Thạch Phước Bình")

_BCH_TW, _BCT = "Ban Chấp hành Trung ương Đảng", "Bộ Chính trị"
CENTRAL_CITES = (  # (type name, number, date, issuer, what): central documents provinces implement
    ("Nghị quyết", "26-NQ/TW", dt.date(2008, 8, 5), _BCH_TW, "nông nghiệp, nông dân, nông thôn"),
    ("Chỉ thị", "05-CT/TW", dt.date(2016, 5, 15), _BCT, "đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    ("Nghị quyết", "04-NQ/TW", dt.date(2016, 10, 30), _BCH_TW, "tăng cường xây dựng, chỉnh đốn Đảng"),
    ("Quy định", "66-QĐ/TW", dt.date(2017, 2, 6), _BCH_TW, "thể loại, thẩm quyền ban hành và thể thức văn bản của Đảng"),
    ("Nghị quyết", "18-NQ/TW", dt.date(2017, 10, 25), _BCH_TW, "tiếp tục đổi mới, sắp xếp tổ chức bộ máy của hệ thống chính trị"),
    ("Nghị quyết", "35-NQ/TW", dt.date(2018, 10, 22), _BCT, "tăng cường bảo vệ nền tảng tư tưởng của Đảng"),
    ("Kết luận", "21-KL/TW", dt.date(2021, 10, 25), _BCH_TW, "đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị"),
    ("Nghị quyết", "19-NQ/TW", dt.date(2022, 6, 16), _BCH_TW, "nông nghiệp, nông dân, nông thôn đến năm 2030"),
    ("Nghị quyết", "43-NQ/TW", dt.date(2023, 11, 24), _BCH_TW, "phát huy truyền thống, sức mạnh khối đại đoàn kết toàn dân tộc"),
    ("Nghị quyết", "57-NQ/TW", dt.date(2024, 12, 22), _BCT, "đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số"),
)
STATE_CITES = (  # (number, date, issuer, what)
    ("135/1998/QĐ-TTg", dt.date(1998, 7, 31), "Thủ tướng Chính phủ", "phát triển kinh tế - xã hội các xã đặc biệt khó khăn"),
    ("30a/2008/NQ-CP", dt.date(2008, 12, 27), "Chính phủ", "giảm nghèo nhanh và bền vững đối với 61 huyện nghèo"),
    ("50/2016/QĐ-TTg", dt.date(2016, 11, 3), "Thủ tướng Chính phủ", "tiêu chí xác định thôn đặc biệt khó khăn, xã thuộc vùng dân tộc thiểu số và miền núi"),
    ("88/2019/QH14", dt.date(2019, 11, 18), "Quốc hội", "phê duyệt Đề án tổng thể phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi"),
    ("30/2020/NĐ-CP", dt.date(2020, 3, 5), "Chính phủ", "công tác văn thư"),
    ("120/2020/QH14", dt.date(2020, 6, 19), "Quốc hội", "phê duyệt chủ trương đầu tư Chương trình mục tiêu quốc gia"),
    ("861/QĐ-TTg", dt.date(2021, 6, 4), "Thủ tướng Chính phủ", "phê duyệt danh sách các xã khu vực III, khu vực II, khu vực I"),
    ("1719/QĐ-TTg", dt.date(2021, 10, 14), "Thủ tướng Chính phủ", "phê duyệt Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi"),
    ("90/QĐ-TTg", dt.date(2022, 1, 18), "Thủ tướng Chính phủ", "phê duyệt Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025"),
    ("263/QĐ-TTg", dt.date(2022, 2, 22), "Thủ tướng Chính phủ", "phê duyệt Chương trình mục tiêu quốc gia xây dựng nông thôn mới giai đoạn 2021 - 2025"),
    ("27/2022/NĐ-CP", dt.date(2022, 4, 19), "Chính phủ", "cơ chế quản lý, tổ chức thực hiện các chương trình mục tiêu quốc gia"),
    ("202/2025/QH15", dt.date(2025, 6, 12), "Quốc hội", "sắp xếp đơn vị hành chính cấp tỉnh"),
)
# Capitals that differ from the province name, for the place of the date line.
CAPITALS = {"Điện Biên": "Điện Biên Phủ", "Đắk Lắk": "Buôn Ma Thuột", "Lâm Đồng": "Đà Lạt",
            "Khánh Hòa": "Nha Trang", "Kiên Giang": "Rạch Giá", "Gia Lai": "Pleiku",
            "Bình Dương": "Thủ Dầu Một", "Đồng Nai": "Biên Hòa", "Quảng Ninh": "Hạ Long",
            "Nghệ An": "Vinh", "Đắk Nông": "Gia Nghĩa", "Bình Định": "Quy Nhơn",
            "Phú Yên": "Tuy Hòa", "Bình Thuận": "Phan Thiết", "Ninh Thuận": "Phan Rang - Tháp Chàm"}


# === the world: provinces, districts, terms, numbers ==================================


@dataclass(frozen=True)
class District:
    kind: str  # Huyện, Quận, Thị xã, Thành phố
    name: str


@cache
def _districts() -> dict[str, tuple[District, ...]]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {p: tuple(District(k, n) for k, n in entries) for p, entries in data["districts"].items()}


@cache
def unambiguous_districts(province: str) -> tuple[District, ...]:
    """Districts whose name points to this province alone and is no province's name, so
    that naming them states the province (the generator's "districts" evidence)."""
    return tuple(d for d in _districts().get(province, ())
                 if district_provinces(d.name, d.kind) == [province]
                 and canonical_province(d.name) is None)


def _crc(*parts: str) -> int:
    """A stable hash (``hash()`` of a str changes per process)."""
    return zlib.crc32("|".join(parts).encode("utf-8"))


def term_start(day: dt.date) -> dt.date:
    """Provincial congresses sit in October every five years; the committees formed by
    the 1 July 2025 merger started numbering afresh."""
    if MERGER <= day < dt.date(2025, 10, 1):
        return MERGER
    year = day.year - day.year % 5
    start = dt.date(year, 10, 1)
    return start if start <= day else dt.date(year - 5, 10, 1)


_ROMAN = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def term_of(province: str, day: dt.date) -> str:
    """The khóa of a provincial committee: its 2020–2025 term is XIV–XXI by province."""
    base = 14 + _crc("term", province) % 8
    start = term_start(day)
    offset = (start.year - 2020) // 5 if start != MERGER else 0
    return roman(base + offset)


def party_number(province: str, issuer_code: str, type_code: str, day: dt.date) -> int:
    """The number a document of this type gets on this day: numbers run from 01 per type
    within a term, at a rate that depends on the type and the organ."""
    rate = DOC_TYPES[type_code].per_year
    if issuer_code != "TU":  # departments and district committees issue fewer
        rate = max(2.0, rate * (0.3 if issuer_code in ("HU", "QU") else 0.5))
    rate *= 0.6 + (_crc("rate", province, issuer_code, type_code) % 80) / 100
    elapsed = (day - term_start(day)).days / 365.25
    return 1 + int(rate * elapsed)


def format_number(n: int, type_code: str, issuer_code: str) -> str:
    return f"{n:02d}-{type_code}/{issuer_code}"


def hyphen_date(day: dt.date) -> str:
    """Dates cited inside Party text: "19-8-2016"."""
    return f"{day.day}-{day.month}-{day.year}"


def random_day(rng: Random, start: dt.date = FIRST_DAY, end: dt.date = LAST_DAY) -> dt.date:
    """A working day, later years weighted up (more recent documents are online)."""
    years = list(range(start.year, end.year + 1))
    year = rng.choices(years, weights=[1 + 0.15 * (y - 2005) for y in years])[0]
    lo = max(start, dt.date(year, 1, 1))
    hi = min(end, dt.date(year, 12, 31))
    day = lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))
    if day.weekday() >= 5:  # Saturday, Sunday → Friday
        day -= dt.timedelta(days=day.weekday() - 4)
        day = max(day, lo)
    return day


# === the plan of one document =========================================================


@dataclass
class Organ:
    """Who issues: a committee (TU/HU/QU), or a department of a provincial committee."""

    kind: str                    # "committee", "department", "district"
    committee: str               # Tỉnh ủy, Thành ủy, Huyện ủy, Quận ủy
    issuer_code: str             # TU, VPTU, BTGTU, HU, QU
    department: Department | None = None
    district: District | None = None

    @property
    def unit(self) -> str:
        """The word for the committee's territory: tỉnh, thành phố, huyện, quận."""
        return {"Tỉnh ủy": "tỉnh", "Thành ủy": "thành phố", "Huyện ủy": "huyện",
                "Quận ủy": "quận"}[self.committee]


@dataclass
class Plan:
    """Everything decided before writing: the facts, and how the text will state them."""

    id: str
    day: dt.date
    province: str        # as issued (one of the 34 on/after the merger)
    old_province: str    # one of the 63: where district names come from
    organ: Organ
    doc_type: DocType
    number: str
    variant: str
    evidence: str        # header, bch, districts, none
    form: str            # bch, btv, other: which body of the committee decides
    title: str
    issuer_line: str | None  # "CỦA BAN THƯỜNG VỤ TỈNH ỦY" …
    term: str | None     # stated term (title line or opening sentence)
    signature: str
    roles: tuple[str, ...]
    signer: str | None
    cites: set[str] = field(default_factory=set)
    title_lines: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def headerless(self) -> bool:
        return self.variant == "headerless"


def _pick(rng: Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _province_for(rng: Random, day: dt.date) -> tuple[str, str]:
    """(province as issued, pre-merger province the territory belongs to)."""
    old = rng.choice(provinces())
    if day >= MERGER or (day >= HUE_CITY and old == "Thừa Thiên Huế"):
        return province_2025(old) or old, old
    return old, old


def _committee_name(province: str, day: dt.date) -> str:
    return "Thành ủy" if province in CITIES else "Tỉnh ủy"


def _choose_organ(rng: Random, province: str, old: str, day: dt.date, headerless: bool) -> Organ:
    committee = _committee_name(province, day)
    roll = rng.random()
    if not headerless and day < MERGER and roll < 0.06:
        kind = "Quận" if committee == "Thành ủy" and rng.random() < 0.6 else "Huyện"
        options = [d for d in _districts().get(old, ()) if d.kind == kind] or \
                  [d for d in _districts().get(old, ()) if d.kind == "Huyện"]
        if options:
            district = rng.choice(options)
            code = "QU" if district.kind == "Quận" else "HU"
            return Organ("district", f"{district.kind} ủy", code, district=district)
    if not headerless and roll < 0.22:
        departments = [d for d in DEPARTMENTS if d.since <= day <= d.until]
        dept = rng.choice(departments)
        return Organ("department", committee, f"{dept.code}TU", department=dept)
    return Organ("committee", committee, "TU")


def _choose_type(rng: Random, organ: Organ, no_cv: bool) -> DocType:
    if organ.department:
        codes = organ.department.types
    elif organ.kind == "district":
        codes = DISTRICT_TYPES
    else:
        codes = tuple(DOC_TYPES)
    if no_cv:  # a công văn has no type line to find it by, nor a title/body gap for a stamp
        codes = tuple(c for c in codes if c != "CV")
    return DOC_TYPES[rng.choices(codes, weights=[DOC_TYPES[c].weight for c in codes])[0]]


def _signature_roles(rng: Random, organ: Organ, form: str, doc_type: DocType) -> tuple[str, ...]:
    if organ.department:
        roles = organ.department.roles
        return roles[0] if rng.random() < 0.6 else rng.choice(roles)
    committee = organ.committee.upper()
    if form == "bch":
        return rng.choice([(f"T/M {committee}", "BÍ THƯ"), (f"T/M {committee}", "BÍ THƯ"),
                           (f"T/M {committee}", "K/T BÍ THƯ", "PHÓ BÍ THƯ")])
    if doc_type.code in ("TB", "CV") and rng.random() < 0.35:
        return ("T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG")
    return rng.choices([("T/M BAN THƯỜNG VỤ", "BÍ THƯ"),
                        ("T/M BAN THƯỜNG VỤ", "K/T BÍ THƯ", "PHÓ BÍ THƯ"),
                        ("K/T BÍ THƯ", "PHÓ BÍ THƯ")], weights=[6, 3, 1])[0]


def _person(rng: Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(MINORITY_NAMES)
    if rng.random() < 0.3:
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"


def plan_document(rng: Random, doc_id: str) -> Plan:
    variant = _pick(rng, VARIANTS)
    headerless = variant == "headerless"
    # Headerless documents are taken from before the merger: with no date in the text,
    # a post-merger province name could not be told from its pre-merger namesake.
    day = random_day(rng, end=MERGER - dt.timedelta(days=1)) if headerless else random_day(rng)
    province, old = _province_for(rng, day)
    organ = _choose_organ(rng, province, old, day, headerless)
    doc_type = _choose_type(rng, organ, no_cv=variant in ("headerless", "stamp"))
    n = party_number(province, organ.issuer_code, doc_type.code, day)
    form = "other"
    if organ.kind != "department":
        form = "bch" if rng.random() < doc_type.bch_share else "btv"
    evidence = _pick(rng, HEADERLESS_EVIDENCE) if headerless else "header"
    if evidence == "districts" and len(unambiguous_districts(old)) < 2:
        evidence = "bch"
    signature = _pick(rng, SIGNATURE_KINDS)
    roles = _signature_roles(rng, organ, form, doc_type) if signature != "none" else ()
    if signature == "name_only":
        roles = ()
    plan = Plan(
        id=doc_id, day=day, province=province, old_province=old, organ=organ,
        doc_type=doc_type, number=format_number(n, doc_type.code, organ.issuer_code),
        variant=variant, evidence=evidence, form=form, title="", issuer_line=None, term=None,
        signature=signature, roles=roles, signer=None if signature == "none" else _person(rng),
    )
    plan.issuer_line = _issuer_line(rng, plan)
    return plan


def _issuer_line(rng: Random, plan: Plan) -> str | None:
    """The caps line under the type line naming the deciding body, if any."""
    organ = plan.organ
    if organ.kind == "department" or plan.doc_type.code == "CV":
        return None
    if plan.form == "bch" and rng.random() < 0.6:
        line = f"CỦA BAN CHẤP HÀNH ĐẢNG BỘ {organ.unit.upper()}"
        if plan.evidence == "bch" and rng.random() < 0.4:
            line = f"CỦA BAN CHẤP HÀNH ĐẢNG BỘ {named(organ.unit, plan.province).upper()}"
        if rng.random() < 0.3:  # "… ĐẢNG BỘ TỈNH KHÓA XIX" (seed 001)
            plan.term = term_of(plan.province, plan.day)
            line += f" KHÓA {plan.term}"
        return line
    explicit = 0.5 if plan.doc_type.code in ("KL", "TB", "QĐ", "QĐi", "QC") else 0.12
    if plan.form == "btv" and rng.random() < explicit:
        return f"CỦA BAN THƯỜNG VỤ {organ.committee.upper()}"
    return None


def display_province(province: str) -> str:
    return "Thành phố Hồ Chí Minh" if province == "Hồ Chí Minh" else province


def named(unit: str, province: str) -> str:
    """"tỉnh Kon Tum", "thành phố Hà Nội", "Thành phố Hồ Chí Minh" (never doubled)."""
    return display_province(province) if province == "Hồ Chí Minh" else f"{unit} {province}"


# === text helpers =====================================================================

_OLD_TONE_SOURCE = "òóỏõọÒÓỎÕỌùúủũụÙÚỦŨỤ"
_TONE_OF = {c: unicodedata.normalize("NFD", c)[1] for c in _OLD_TONE_SOURCE}
_NEW_STYLE_SYLLABLE = re.compile(
    r"(?<![^\W\d_])([bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX]*)"
    r"([òóỏõọÒÓỎÕỌ])([aeAE])(?![^\W\d_])"
    r"|(?<![^\W\d_])([bcdđghklmnprstvxBCDĐGHKLMNPRSTVX]*)([ùúủũụÙÚỦŨỤ])([yY])(?![^\W\d_])"
)


def old_style_tones(text: str) -> str:
    """The other tone placement: "ủy" → "uỷ", "hòa" → "hoà", "Thanh Hóa" → "Thanh Hoá".

    Written here rather than taken from ``search.text.normalize`` so the benchmark does not
    test the project against its own inverse.
    """
    def move(m: re.Match[str]) -> str:
        if m.group(2):
            initial, first, second = m.group(1), m.group(2), m.group(3)
        else:
            initial, first, second = m.group(4), m.group(5), m.group(6)
        if initial[-1:].lower() == "q":
            return m.group(0)
        bare = unicodedata.normalize("NFD", first)[0]
        return initial + bare + unicodedata.normalize("NFC", second + _TONE_OF[first])

    return _NEW_STYLE_SYLLABLE.sub(move, unicodedata.normalize("NFC", text))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def wrap_title(rng: Random, title: str) -> list[str]:
    """A long trích yếu broken over lines at word boundaries. Authors mostly break the
    centred title before a lower-case word ("về", "giai đoạn", "của"); a quarter of the
    breaks fall anywhere, before "Ban Chấp hành" or inside "Hồ Chí Minh" too."""
    words = title.split()
    if len(title) <= 75 or len(words) < 6:
        return [title]
    pieces = 2 if len(title) <= 160 else 3
    anywhere = list(range(2, len(words) - 1))
    lower = [k for k in anywhere if words[k][0].islower()]
    candidates = lower if len(lower) >= pieces - 1 and rng.random() < 0.75 else anywhere
    cuts = sorted(rng.sample(candidates, pieces - 1))
    bounds = [0, *cuts, len(words)]
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]


# === parts of the text ================================================================


@dataclass
class Writer:
    """Builds one document's text and collects what it states (cites, mentions)."""

    rng: Random
    plan: Plan
    pool: Sequence[str]
    cites: set[str] = field(default_factory=set)

    # -- naming --------------------------------------------------------------------

    @property
    def committee(self) -> str:
        return self.plan.organ.committee

    @property
    def province_allowed(self) -> bool:
        return self.plan.evidence in ("header", "bch")

    @property
    def districts_allowed(self) -> bool:
        return self.plan.evidence in ("header", "bch", "districts")

    def territory(self) -> str:
        """"tỉnh Kon Tum" where the province may be named, else "tỉnh"."""
        organ = self.plan.organ
        if organ.kind == "district":
            return f"{organ.unit} {organ.district.name}"  # "huyện Ba Tơ", "quận 8"
        if self.province_allowed and self.rng.random() < 0.5:
            return named(organ.unit, self.plan.province)
        return organ.unit

    def btv(self) -> str:
        return f"Ban Thường vụ {self.committee}"

    def bch(self) -> str:
        return f"Ban Chấp hành Đảng bộ {self.plan.organ.unit}"

    # -- citations -----------------------------------------------------------------

    def party_cite(self, code: str | None = None) -> str:
        """"Nghị quyết số 04-NQ/TU, ngày 19-8-2016 của Tỉnh ủy" for an earlier document
        of the same committee; its number follows the same numbering as the world's."""
        plan, rng = self.plan, self.rng
        code = code or rng.choice(("NQ", "NQ", "KL", "CT", "CTr", "KH", "QĐi"))
        committee_code = "TU" if plan.organ.kind != "district" else plan.organ.issuer_code
        for _ in range(20):  # a document up to ten years older
            day = plan.day - dt.timedelta(days=rng.randrange(1, 3650))
            number = format_number(party_number(plan.province, committee_code, code, day),
                                   code, committee_code)
            if number != plan.number:  # a document citing its own number would be dropped
                break
        else:
            return self.central_cite()
        self.cites.add(number)
        body = rng.choice((self.committee, self.btv(), self.bch()))
        return f"{DOC_TYPES[code].name} số {number}, ngày {hyphen_date(day)} của {body}"

    def central_cite(self) -> str:
        known = [c for c in CENTRAL_CITES if c[2] < self.plan.day]
        if not known:
            return self.state_cite()
        name, number, day, issuer, what = self.rng.choice(known)
        self.cites.add(number)
        return f"{name} số {number}, ngày {hyphen_date(day)} của {issuer} về {what}"

    def state_cite(self) -> str:
        rng, day = self.rng, self.plan.day
        known = [c for c in STATE_CITES if c[1] < day]
        if known and rng.random() < 0.6:
            number, when, issuer, what = rng.choice(known)
        else:  # a provincial council's resolution or a people's committee's decision
            when = day - dt.timedelta(days=rng.randrange(30, 1500))
            if rng.random() < 0.5:
                number = f"{rng.randrange(1, 180)}/{when.year}/NQ-HĐND"
                issuer = f"Hội đồng nhân dân {self.plan.organ.unit}"
            else:
                number = f"{rng.randrange(100, 3500)}/QĐ-UBND"
                issuer = "Ủy ban nhân dân tỉnh"
            what = rng.choice(THEMES)
        self.cites.add(number)
        name = {"QĐ": "Quyết định", "NQ": "Nghị quyết", "NĐ": "Nghị định"}.get(
            number.split("/")[-1].split("-")[0][:2], "Nghị quyết")
        if number.endswith(("QH14", "QH15")):
            name = "Nghị quyết"
        return f"{name} số {number}, ngày {when.day:02d}/{when.month:02d}/{when.year} của {issuer} {what}"

    def any_cite(self) -> str:
        roll = self.rng.random()
        if roll < 0.45:
            return self.party_cite()
        return self.central_cite() if roll < 0.7 else self.state_cite()

    # -- sentences -----------------------------------------------------------------

    def districts(self, k: int) -> list[District]:
        pool = unambiguous_districts(self.plan.old_province) if self.plan.evidence == "districts" \
            else _districts().get(self.plan.old_province, ())
        # "quận 1" is no name to place a text by; a thành phố shares its province's name.
        pool = [d for d in pool if d.kind != "Thành phố" and not d.name[0].isdigit()] or list(pool)
        return self.rng.sample(pool, min(k, len(pool)))

    def district_sentence(self) -> str | None:
        if not self.districts_allowed or self.plan.organ.kind == "district":
            return None
        chosen = self.districts(self.rng.randint(2, 4))
        if len(chosen) < 2:
            return None
        kinds = {d.kind for d in chosen}
        if len(kinds) == 1:
            names = [d.name for d in chosen]
            listed = f"các {chosen[0].kind.lower()} {', '.join(names[:-1])} và {names[-1]}"
        else:
            listed = ", ".join(f"{d.kind.lower()} {d.name}" for d in chosen)
        return self.rng.choice((
            f"Đến nay, {listed} đã hoàn thành nhiều chỉ tiêu chủ yếu, đời sống vật chất, tinh thần của Nhân dân từng bước được cải thiện.",
            f"Đoàn kiểm tra đã làm việc với Ban Thường vụ {listed.replace('các huyện', 'các huyện ủy')} về kết quả lãnh đạo, chỉ đạo thực hiện.",
            f"Một số địa phương như {listed} còn nhiều khó khăn, tỷ lệ hộ nghèo còn cao so với bình quân chung.",
            f"Tập trung nguồn lực hỗ trợ {listed} phát triển kết cấu hạ tầng thiết yếu, nhất là giao thông nông thôn.",
        ))

    def province_sentence(self) -> str | None:
        if not self.province_allowed or self.plan.organ.kind == "district":
            return None
        unit = "thành phố" if self.committee == "Thành ủy" else "tỉnh"
        where = named(unit, self.plan.province)
        return self.rng.choice((
            f"Kinh tế - xã hội của {where} tiếp tục phát triển, quốc phòng, an ninh được giữ vững.",
            f"Các tầng lớp Nhân dân {where} đồng tình, hưởng ứng và tích cực tham gia thực hiện.",
            f"Phấn đấu đến năm {self.plan.day.year + 5}, {where} cơ bản hoàn thành các mục tiêu đề ra.",
        ))

    def party_sentence(self) -> str:
        rng = self.rng
        choices: list[Callable[[], str | None]] = [
            lambda: f"Tiếp tục quán triệt, triển khai thực hiện có hiệu quả {self.any_cite()}.",
            lambda: f"Thực hiện {self.any_cite()}, các cấp ủy, tổ chức đảng đã ban hành kế hoạch, chương trình hành động để triển khai thực hiện.",
            lambda: f"{self.btv()} yêu cầu các cấp ủy, tổ chức đảng, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội nghiêm túc triển khai thực hiện.",
            self.district_sentence,
            self.province_sentence,
            lambda: "Các cấp ủy, tổ chức đảng tăng cường lãnh đạo, chỉ đạo, kiểm tra, giám sát; phát huy vai trò tiên phong, gương mẫu của cán bộ, đảng viên.",
        ]
        for _ in range(5):
            sentence = rng.choice(choices)()
            if sentence:
                return sentence
        return choices[-1]() or ""

    def real_sentences(self, k: int) -> list[str]:
        return [self.rng.choice(self.pool) for _ in range(k)]


# --- header ---------------------------------------------------------------------------


def district_name(district: District) -> str:
    """How a district is written after its committee's name: "Ba Tơ", but "Quận 8"."""
    return f"{district.kind} {district.name}" if district.name[0].isdigit() else district.name


def _place(plan: Plan, rng: Random) -> str:
    if plan.organ.kind == "district":
        return district_name(plan.organ.district)
    if plan.day < MERGER and plan.province in CAPITALS and rng.random() < 0.5:
        return CAPITALS[plan.province]
    if plan.province == "Hồ Chí Minh":
        return rng.choice(("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"))
    return plan.province


def date_line(plan: Plan, rng: Random) -> str:
    day = plan.day
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)  # 36-HD pads 1–2 only
    return f"{_place(plan, rng)}, ngày {day.day:02d} tháng {month} năm {day.year}"


def number_line(plan: Plan, rng: Random) -> str:
    n, rest = plan.number.split("-", 1)
    if plan.variant == "colon_spaced":
        return rng.choice((f"Số: {n} - {rest}", f"Số: {n}-{rest}", f"Số {n} - {rest}",
                           f"Số:{n}-{rest}", f"Số : {n} -{rest}"))
    return f"Số {plan.number}"


def organ_lines(plan: Plan) -> list[str]:
    """The issuing body lines: superior body (for a district committee or department)
    and the issuing body, in capitals."""
    organ = plan.organ
    name = display_province(plan.province).upper()
    if organ.kind == "district":
        unit = "thành phố" if plan.province in CITIES else "tỉnh"
        return [f"ĐẢNG BỘ {named(unit, plan.province).upper()}",
                f"{organ.committee.upper()} {district_name(organ.district).upper()}"]
    lines = [f"{organ.committee.upper()} {name}"]
    if organ.department:
        lines.append(organ.department.header)
    return lines


def header_lines(plan: Plan, title_lines: list[str], rng: Random) -> list[str]:
    """The flattened two-column header; for a công văn it carries the "V/v" title."""
    organs = organ_lines(plan)
    number, date = number_line(plan, rng), date_line(plan, rng)
    party = "ĐẢNG CỘNG SẢN VIỆT NAM"
    vv = title_lines if plan.doc_type.code == "CV" else []
    if plan.variant == "side_by_side":
        sep = rng.choice(("\t\t", "\t", "          ", " "))
        rows = [f"{organs[0]}{sep}{party}", *organs[1:], "*" + (sep + "-" * 15 if rng.random() < 0.4 else ""),
                f"{number}{sep}{date}", *vv]
        return rows
    indent = rng.choice(("", " \t", "\t"))
    rows = [indent + organs[0], *organs[1:], "", "*", "", number, *vv,
            "\t", "\t" + " " * rng.randrange(4, 20) + party]
    if rng.random() < 0.3:
        rows.append(" " * 16 + "-" * 15)
    rows += ["", " " * rng.randrange(0, 17) + date]
    if plan.variant == "shuffled":
        units = [organs[0:1], organs[1:], ["*"], [number], vv, [party], [date]]
        units = [u for u in units if u]
        rng.shuffle(units)
        rows = [line for unit in units for line in unit]
    return rows


# --- title block, stamp, body, signature ----------------------------------------------


def type_line(plan: Plan, rng: Random) -> str:
    options = TYPE_LINES.get(plan.doc_type.code)
    return rng.choice(options) if options else plan.doc_type.name.upper()


def make_title(w: Writer) -> str:
    """The trích yếu, as the text states it (citations in it are recorded)."""
    rng, code = w.rng, w.plan.doc_type.code
    theme = rng.choice(THEMES)
    if w.province_allowed and w.plan.organ.kind == "committee" and rng.random() < 0.15:
        unit = "thành phố" if w.committee == "Thành ủy" else "tỉnh"
        theme += f" {named(unit, w.plan.province)}"
    period = f"giai đoạn {w.plan.day.year} - {w.plan.day.year + 5}"
    forms: dict[str, list[Callable[[], str]]] = {
        "NQ": [lambda: f"về {theme}", lambda: f"về {theme} {period}", lambda: f"về {theme} đến năm {w.plan.day.year + 5}, định hướng đến năm {w.plan.day.year + 10}"],
        "KL": [lambda: f"về tiếp tục thực hiện {w.party_cite('NQ')} về {theme}", lambda: f"về {theme}"],
        "CT": [lambda: f"về tăng cường sự lãnh đạo của Đảng đối với {theme}", lambda: f"về {theme}"],
        "BC": [lambda: f"tổng kết thực hiện {w.party_cite('NQ')} về {theme}", lambda: f"kết quả thực hiện {theme} năm {w.plan.day.year}"],
        "KH": [lambda: f"thực hiện {w.party_cite()}", lambda: f"triển khai {theme} năm {w.plan.day.year}"],
        "TB": [lambda: f"kết luận của {w.btv()} về {theme}", lambda: f"ý kiến chỉ đạo về {theme}"],
        "CTr": [lambda: f"thực hiện {w.central_cite()}", lambda: f"thực hiện {w.party_cite('NQ')}"],
        "HD": [lambda: f"thực hiện {theme}", lambda: f"về {theme}"],
        "QĐ": [lambda: f"về việc thành lập Ban Chỉ đạo {theme}", lambda: f"về việc kiện toàn Ban Chỉ đạo {theme}"],
        "QĐi": [lambda: f"về {theme}", lambda: f"về trách nhiệm nêu gương của cán bộ, đảng viên trong {theme}"],
        "QC": [lambda: f"phối hợp trong {theme}", lambda: f"làm việc của Ban Chỉ đạo {theme}"],
        "TT": [lambda: f"về {theme}", lambda: f"về lãnh đạo {theme}"],
        "ĐA": [lambda: f"{theme} {period}", lambda: f"về {theme}"],
        "TTr": [lambda: f"về việc ban hành Nghị quyết về {theme}", lambda: f"về dự thảo Kết luận về {theme}"],
        "CV": [lambda: f"V/v triển khai {theme}", lambda: f"V/v báo cáo kết quả {theme}"],
    }[code]
    # Only the chosen form is built: a citation is recorded only if the text states it.
    return rng.choice(forms)()


def stamp_lines(plan: Plan, rng: Random) -> list[str]:
    """A receiving office's stamp, typed out by whoever digitised the copy."""
    got = plan.day + dt.timedelta(days=rng.randrange(1, 25))
    serial = rng.randrange(20, 3000)
    org = rng.choice(("TRƯỜNG CHÍNH TRỊ TỈNH", "SỞ NỘI VỤ", "BAN DÂN TỘC", "VĂN PHÒNG UBND TỈNH", None))
    if rng.random() < 0.7:
        lines = [f"Số... {serial}.....", f"ĐẾN Ngày {got.day}.{got.month}.{got.year}",
                 "Chuyên.....", "Lưu hồ sơ"]
    else:
        lines = ["CÔNG VĂN ĐẾN", f"Số: {serial}", f"Ngày: {got.day}/{got.month}/{got.year}",
                 "Chuyển: ....."]
    return ([org] if org else []) + lines


def opening(w: Writer) -> str:
    """The first paragraph; for a committee's resolution it states the conference and
    its term (the only body sentence the term is read from)."""
    plan, rng = w.plan, w.rng
    code, unit = plan.doc_type.code, plan.organ.unit
    k = rng.randint(1, 20)
    met = plan.day - dt.timedelta(days=rng.randrange(1, 20))
    meeting = f"họp ngày {met.day}, {met.day + 1}-{met.month}-{met.year}" if met.day < 28 else \
        f"họp ngày {hyphen_date(met)}"
    if plan.form == "bch" and code in ("NQ", "KL", "CTr", "ĐA", "QĐi", "QC"):
        territory = w.territory()
        if rng.random() < 0.7:
            plan.term = term_of(plan.province, plan.day)
            conf = f"Hội nghị lần thứ {k} Ban Chấp hành Đảng bộ {territory} khóa {plan.term} ({meeting})"
        else:  # the conference without its term, after a central citation
            conf = f"Để cụ thể hóa việc thực hiện {w.central_cite()}, Hội nghị lần thứ {k} Ban Chấp hành Đảng bộ {territory}"
        if code == "KL":
            return (f"{conf} đã nghe và cho ý kiến đối với Tờ trình số {w.party_cite('TTr').split(' số ')[1]} "
                    f"về {rng.choice(THEMES)}. Sau khi thảo luận, {w.bch()} kết luận:")
        return f"{conf} đã thảo luận và thống nhất ban hành {plan.doc_type.name} với những nội dung chủ yếu sau:"
    if code == "KL":
        return (f"Ngày {hyphen_date(met)}, {w.btv()} đã họp, nghe báo cáo kết quả {rng.choice(THEMES)}. "
                f"Sau khi thảo luận, {w.btv()} kết luận như sau:")
    if code == "BC":
        return (f"Thực hiện Chương trình công tác năm {plan.day.year} của {w.btv()}, {_organ_name(plan)} "
                f"báo cáo kết quả thực hiện {rng.choice(THEMES)}, cụ thể như sau:")
    if code == "TB":
        return (f"Ngày {hyphen_date(met)}, đồng chí {_person(rng)}, Phó Bí thư {w.committee} chủ trì buổi làm việc "
                f"về {rng.choice(THEMES)}. Sau khi nghe báo cáo và ý kiến của các đại biểu, đồng chí kết luận như sau:")
    if code in ("QĐ", "QĐi", "QC"):
        return (f"Căn cứ Điều lệ Đảng Cộng sản Việt Nam; căn cứ Quy chế làm việc của {w.committee}; "
                f"xét đề nghị của Văn phòng {w.committee}, {w.btv()} quyết định ban hành văn bản này với các nội dung sau:")
    if code == "CV":
        return f"Thực hiện {w.any_cite()}, {_organ_name(plan)} đề nghị các cơ quan, đơn vị triển khai thực hiện một số nội dung sau:"
    if code == "CT":
        return (f"Thời gian qua, công tác {rng.choice(THEMES)} trên địa bàn {unit} đã đạt được những kết quả quan trọng, "
                f"góp phần thúc đẩy phát triển kinh tế - xã hội, giữ vững quốc phòng, an ninh.")
    return f"Thực hiện {w.any_cite()}, {_organ_name(plan)} ban hành {plan.doc_type.name.lower()} như sau:"


def _organ_name(plan: Plan) -> str:
    organ = plan.organ
    if organ.department:
        return f"{organ.department.name} {organ.committee}"
    return f"Ban Thường vụ {organ.committee}"


def closing(w: Writer) -> str:
    name = w.plan.doc_type.name
    return w.rng.choice((
        f"{name} này được quán triệt, phổ biến đến chi bộ.",
        f"Giao Văn phòng {w.committee} chủ trì, phối hợp với các cơ quan liên quan theo dõi, đôn đốc, kiểm tra việc thực hiện {name.lower()} này; định kỳ báo cáo {w.btv()}.",
        f"Các cấp ủy, tổ chức đảng căn cứ {name.lower()} này xây dựng kế hoạch triển khai thực hiện phù hợp với tình hình thực tế.",
    ))


def body_paragraphs(w: Writer) -> list[str]:
    rng = w.rng
    real = w.real_sentences(round(rng.triangular(5, 40, 12)))
    party = [w.party_sentence() for _ in range(rng.randint(2, 5))]
    if w.plan.evidence == "districts":  # the evidence must be in the text
        party.append(w.district_sentence() or "")
    sentences = real + [s for s in party if s]
    rng.shuffle(sentences)
    headings = list(rng.choice(SECTION_HEADINGS)) if rng.random() < 0.5 else []
    paragraphs, i, number = [], 0, 1
    while i < len(sentences):
        if headings and rng.random() < 0.2:
            paragraphs.append(headings.pop(0))
        take = rng.randint(1, 3)
        text = " ".join(sentences[i:i + take])
        style = rng.random()
        if style < 0.2:
            text, number = f"{number}. {text}", number + 1
        elif style < 0.35:
            text = f"- {text}"
        paragraphs.append(text)
        i += take
    first = opening(w)
    return [first, *_bch_statement(w, first), *paragraphs, closing(w)]


def _bch_statement(w: Writer, first: str) -> list[str]:
    """For a headerless document placed by "Ban Chấp hành Đảng bộ tỉnh X": make sure the
    opening lines say it, unless the title line or the opening already does."""
    plan = w.plan
    where = named(plan.organ.unit, plan.province)
    if plan.evidence != "bch" or where.upper() in (plan.issuer_line or "") \
            or f"Ban Chấp hành Đảng bộ {where}" in first:
        return []
    return [f"Thực hiện chủ trương của Ban Chấp hành Đảng bộ {where}, các cấp ủy, tổ chức đảng "
            "đã tập trung lãnh đạo, chỉ đạo triển khai thực hiện."]


def recipients(plan: Plan, rng: Random) -> list[str]:
    committee = plan.organ.committee if plan.organ.kind != "district" else "Huyện ủy"
    lower = "tỉnh" if committee == "Tỉnh ủy" else "thành phố" if committee == "Thành ủy" else "huyện"
    items = ["- Ban Bí thư Trung ương Đảng (báo cáo),", "- Văn phòng Trung ương Đảng,",
             f"- Các đồng chí {committee} viên,", "- Các ban đảng, ban cán sự đảng, đảng đoàn,",
             f"- Các sở, ban, ngành, đoàn thể {lower},"]
    items += (["- Các đảng ủy xã, phường, đặc khu,"] if plan.day >= MERGER
              else ["- Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc,"])
    chosen = [item for item in items if rng.random() < 0.7]
    office = f"Văn phòng {committee}" if plan.organ.kind != "department" else plan.organ.department.name
    return ["Nơi nhận:", *chosen, f"- Lưu {office}."]


def signature_lines(plan: Plan, rng: Random, to: list[str]) -> list[str]:
    """The recipients list and the signature block, laid out as the plan says."""
    kind, roles, name = plan.signature, list(plan.roles), plan.signer
    signed = ["(Đã ký)"] if rng.random() < 0.25 else []
    if kind == "none":
        return to if rng.random() < 0.7 else []
    if kind == "name_only":
        return [*to, "(Đã ký)", name]
    if kind == "roles_first":
        return [*roles, *signed, "", name, "", *to]
    if kind == "side_by_side":
        gap = "\t\t\t"
        rows = list(to)
        for k, role in enumerate(roles):
            if k < len(rows):
                rows[k] = f"{rows[k]}{gap}{role}"
            else:
                rows.append(f"{gap}{role}")
        return [*rows, *signed, f"{gap}{name}"]
    return [*to, "", *roles, *signed, "", "", name]


# === assembly =========================================================================


@dataclass
class GeneratedDoc:
    id: str
    text: str
    truth: dict[str, Any]


# A wrapped title can break "Thành ủy" over two lines: any whitespace between the words.
_BTV_OF = re.compile(r"Ban\s+Thường\s+vụ\s+(Tỉnh|Thành)\s+(?:ủy|uỷ)")


def _stated_issuer(plan: Plan, text: str) -> str | None:
    """The issuer the text states, by the project's precedence: an explicit "CỦA BAN
    THƯỜNG VỤ …" title line, then the header's organ, then "CỦA BAN CHẤP HÀNH …", then
    the signature (a standing committee's level only if the text names it). A district
    committee keeps its name, which its header states: "Huyện ủy Kỳ Sơn"."""
    organ = plan.organ
    line = plan.issuer_line or ""
    committee = organ.committee
    if organ.kind == "district":  # never headerless
        committee = f"{organ.committee} {district_name(organ.district)}"
    if line.startswith("CỦA BAN THƯỜNG VỤ") or _caps_title_names_btv(plan):
        return f"Ban Thường vụ {committee}"
    if not plan.headerless:
        if organ.department:
            return f"{organ.department.name} {committee}"
        return committee
    if line.startswith("CỦA BAN CHẤP HÀNH"):
        return organ.committee
    first = plan.roles[0] if plan.roles else ""
    if first.startswith("T/M ") and not first.startswith("T/M BAN"):
        return organ.committee
    if first.startswith(("T/M BAN THƯỜNG VỤ", "T/L BAN THƯỜNG VỤ")):
        levels = {m.group(1) for m in _BTV_OF.finditer(unicodedata.normalize("NFC", text))}
        wanted = organ.committee.split()[0]
        return f"Ban Thường vụ {organ.committee}" if levels == {wanted} else None
    return None


def _caps_title_names_btv(plan: Plan) -> bool:
    """A caps Thông báo title broken as "KẾT LUẬN / CỦA BAN THƯỜNG VỤ TỈNH ỦY VỀ …":
    its second line is an explicit issuer line, as the project reads title blocks."""
    return (plan.variant == "caps" and plan.title.startswith("kết luận của Ban Thường vụ")
            and any(line.startswith("của Ban Thường vụ") for line in plan.title_lines[1:]))


def _stated_province(plan: Plan) -> tuple[str | None, str | None]:
    if plan.evidence == "none":
        return None, None
    if plan.evidence == "districts":  # undated, no name: the 63-list name (Thừa Thiên Huế)
        return plan.old_province, province_2025(plan.old_province)
    return plan.province, province_2025(plan.province) if plan.day < MERGER else plan.province


def render(plan: Plan, rng: Random, pool: Sequence[str],
           body_hook: Callable[[list[str]], list[str]] | None = None) -> GeneratedDoc:
    """``body_hook`` may change the body paragraphs (topics.py plants a topic there)."""
    w = Writer(rng, plan, pool)
    plan.title = make_title(w)
    title_lines = plan.title_lines = wrap_title(rng, plan.title)
    block: list[str] = []
    if plan.doc_type.code != "CV":
        block = ["", type_line(plan, rng)]
        if plan.issuer_line:
            block.append(plan.issuer_line)
        block += title_lines
        if rng.random() < 0.5:
            block.append(rng.choice(("-----", "-------------", "---------------")))
    head = [] if plan.headerless else header_lines(plan, title_lines, rng)
    if plan.variant == "caps":
        head, block = [line.upper() for line in head], [line.upper() for line in block]
    if plan.doc_type.code == "CV":
        block.append("Kính gửi: Các cơ quan, đơn vị trực thuộc.")
    stamp = plan.variant == "stamp" or (plan.headerless and rng.random() < 0.25)
    middle = stamp_lines(plan, rng) if stamp and plan.doc_type.code != "CV" else []
    body = body_paragraphs(w)
    if body_hook is not None:
        body = body_hook(body)
    tail = signature_lines(plan, rng, recipients(plan, rng))
    parts = [head, block, [""], middle, [""], body, [""], tail]
    text = _apply_text_variant(plan, rng, parts)
    plan.cites = w.cites
    return GeneratedDoc(plan.id, text, _truth(plan, text, bool(middle)))


def _apply_text_variant(plan: Plan, rng: Random, parts: list[list[str]]) -> str:
    """Join the parts; NFD and old tone placement apply to the whole text or to parts."""
    if plan.variant in ("nfd", "old_tones"):
        change = nfd if plan.variant == "nfd" else old_style_tones
        if rng.random() < 0.5:
            plan.detail = "whole"
            return change("\n".join(line for part in parts for line in part))
        plan.detail = "parts"
        parts = [[change(line) for line in part] if k == 0 or rng.random() < 0.5 else part
                 for k, part in enumerate(parts)]
    return "\n".join(line for part in parts for line in part)


def _truth(plan: Plan, text: str, stamp: bool) -> dict[str, Any]:
    province, successor = _stated_province(plan)
    headerless = plan.headerless
    return {
        "id": plan.id,
        "number": None if headerless else plan.number,
        "doc_type": plan.doc_type.name,
        "issuer": _stated_issuer(plan, text),
        "province": province,
        "province_2025": successor,
        "date": None if headerless else plan.day.isoformat(),
        "year": None if headerless else plan.day.year,
        "title": " ".join(plan.title.split()),
        "term": plan.term,
        "signer": plan.signer,
        "signer_role": " / ".join(plan.roles) or None,
        "cites": sorted(plan.cites - {plan.number}),
        "variant": plan.variant,
        "variant_detail": plan.detail or None,
        "stamp": stamp,
        "signature": plan.signature,
        "province_evidence": plan.evidence,
        "organ": plan.organ.kind,
        "bytes": len(text.encode("utf-8")),
    }


def generate_documents(count: int, seed: int = 7, pool: SentencePool | None = None,
                       start: int = 0, *, topics: bool = False) -> Iterator[GeneratedDoc]:
    """Documents ``start`` … ``start + count - 1``, one at a time (nothing is kept).

    Each document has its own random stream seeded by (seed, index), so a document does
    not depend on how many were generated before it. ``topics`` plants a topic passage in
    most documents (bench/topics.py) and records it as the truth's ``topic``.
    """
    sentences = (pool or load_sentence_pool(DEFAULT_POOL, seed)).sentences
    for i in range(start, start + count):
        rng = Random(f"party-{seed}-{i}")
        plan = plan_document(rng, f"party-{i:06d}")
        if not topics:
            yield render(plan, rng, sentences)
            continue
        planted: list[str | None] = [None]

        def with_topic(body: list[str], i: int = i) -> list[str]:
            body, planted[0] = plant_topic(body, seed, i)
            return body

        doc = render(plan, rng, sentences, with_topic)
        doc.truth["topic"] = planted[0]
        yield doc


# === output ===========================================================================


def write_corpus(docs: Iterator[GeneratedDoc], out: Path, fmt: str = "jsonl") -> tuple[int, int]:
    """Write documents and truth as they come; (documents, bytes of text) written."""
    out.mkdir(parents=True, exist_ok=True)
    n = size = 0
    with (out / "truth.jsonl").open("w", encoding="utf-8") as truth_file:
        corpus = (out / "party.jsonl").open("w", encoding="utf-8") if fmt == "jsonl" else None
        try:
            for doc in docs:
                if corpus:
                    corpus.write(json.dumps({"id": doc.id, "text": doc.text}, ensure_ascii=False) + "\n")
                else:
                    (out / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8")
                truth_file.write(json.dumps(doc.truth, ensure_ascii=False) + "\n")
                n, size = n + 1, size + doc.truth["bytes"]
        finally:
            if corpus:
                corpus.close()
    return n, size


# === planted relations: citing sentences of known type, and a corpus with a known chain ===
#
# Self-contained (``--relations``): the relation reader (search/relations.py) is measured on
# sentences whose type is planted, and the chain tests index a small corpus whose true
# implementation chain, relations and statuses are known.

_CITED = "{kind} số {number}{date} của {issuer}"
# Sentences per relation type; {c} is a cited document, {c2} a second one (a list).
RELATION_SENTENCES: dict[str, tuple[str, ...]] = {
    "review": ("Tổng kết {years} năm thực hiện {c}.",
               "Sơ kết {years} năm thực hiện {c} và {c2}.",
               "Ban Thường vụ Tỉnh ủy tổ chức tổng kết việc thực hiện {c}.",
               "Báo cáo sơ kết {c}, đề ra nhiệm vụ thời gian tới."),
    "continues": ("Tiếp tục thực hiện {c} trong giai đoạn mới.",
                  "Các cấp ủy tiếp tục thực hiện có hiệu quả {c}."),
    "implements": ("Thực hiện {c}, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch như sau.",
                   "Triển khai {c} đến toàn thể cán bộ, đảng viên.",
                   "Kế hoạch thực hiện {c} được xây dựng sát với thực tế địa phương."),
    "amends": ("Sửa đổi, bổ sung một số điều của {c}.",
               "Quy định này sửa đổi, bổ sung {c}."),
    "replaces": ("Quy định này thay thế {c}.", "Kết luận này thay thế {c} và {c2}."),
    "repeals": ("Bãi bỏ {c}.", "{c} hết hiệu lực kể từ ngày ký."),
    "basis": ("Căn cứ {c};", "Căn cứ {c} và {c2};"),
    "unknown": ("Nội dung {c} đã được phổ biến rộng rãi trong toàn Đảng bộ.",
                "Theo {c}, toàn tỉnh có 12 xã đạt chuẩn.",
                "Các chỉ tiêu của {c} cơ bản hoàn thành."),
}


# Harder sentences, each with the true type of {c} and of {c2}: a cue with a subject
# between the list's numbers, a passive "được thay thế bằng", a cue that is negated, "kết
# quả thực hiện" (a report on the results: a review). A careful reader may decline some
# (unknown); it must not read a type that is not there.
HARD_SENTENCES: tuple[tuple[str, str, str], ...] = (
    ("Tổng kết {c} về phát triển du lịch và {c2} về xây dựng nông thôn mới.", "review", "review"),
    ("{c} đã được thay thế bằng {c2}.", "unknown", "unknown"),
    ("Đến nay Tỉnh ủy chưa tổng kết {c}.", "unknown", ""),
    ("Báo cáo kết quả thực hiện {c} trong năm qua.", "review", ""),
    ("Thực hiện {c}, đồng thời căn cứ {c2}, Ban Thường vụ Tỉnh ủy chỉ đạo như sau.",
     "implements", "basis"),
    ("Căn cứ {c},\nBan Thường vụ Tỉnh ủy ban hành Quy định thay thế {c2}.", "basis", "replaces"),
)


def _cited_text(rng: Random, number: str, day: dt.date | None, issuer: str, kind: str) -> str:
    date = f" ngày {day.day:02d}-{day.month:02d}-{day.year}" if day and rng.random() < 0.7 else ""
    return _CITED.format(kind=kind, number=number, date=date, issuer=issuer)


def _cite_target(rng: Random) -> tuple[str, dt.date | None, str, str]:
    """A cited document: central, state or provincial (number, date, issuer, type name)."""
    pick = rng.random()
    if pick < 0.45:
        kind, number, day, issuer, _what = rng.choice(CENTRAL_CITES)
        return number, day, issuer, kind
    if pick < 0.6:
        number, day, issuer, _what = rng.choice(STATE_CITES)
        return number, day, issuer, "Quyết định"
    code, kind = rng.choice((("NQ", "Nghị quyết"), ("KL", "Kết luận"), ("CT", "Chỉ thị"),
                             ("QĐi", "Quy định")))
    day = random_day(rng, dt.date(2010, 1, 1), dt.date(2022, 12, 31))
    return f"{rng.randint(1, 60):02d}-{code}/TU", day, "Tỉnh ủy", kind


def relation_cases(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` citing sentences, each ``{"text", "relations": [{"number", "type"}]}``
    with the planted type of every number it cites (a list gives both the same type);
    a fifth of them from :data:`HARD_SENTENCES`."""
    for i in range(count):
        rng = Random(f"relations-{seed}-{i}")
        if rng.random() < 0.2:
            template, kind, kind2 = rng.choice(HARD_SENTENCES)
        else:
            kind = rng.choice(sorted(RELATION_SENTENCES))
            template, kind2 = rng.choice(RELATION_SENTENCES[kind]), kind
        first, second = _cite_target(rng), _cite_target(rng)
        while second[0] == first[0]:
            second = _cite_target(rng)
        c = _cited_text(rng, first[0], first[1], first[2], first[3])
        c2 = _cited_text(rng, second[0], second[1], second[2], second[3])
        text = template.format(c=c, c2=c2, years=rng.choice((3, 5, 10, 15)))
        planted = [(first[0], kind)] + ([(second[0], kind2)] if "{c2}" in template else [])
        yield {"id": f"rel-{i:06d}", "text": text[:1].upper() + text[1:],
               "relations": [{"number": n, "type": t} for n, t in planted]}


# The known chain: 43-NQ/TW (central) and each province's own 04-NQ/TU.
CHAIN_PROVINCES = ("Kon Tum", "Cao Bằng", "Hà Giang", "Bắc Ninh", "Lai Châu")
_CENTRAL_43 = ("43-NQ/TW", dt.date(2023, 11, 24))


def _party_text(province: str | None, number: str, day: dt.date, type_line: str, title: str,
                body: list[str]) -> str:
    organ = f"TỈNH ỦY {province.upper()}" if province else "BAN CHẤP HÀNH TRUNG ƯƠNG"
    place = province or "Hà Nội"
    signature = "T/M TỈNH ỦY\nBÍ THƯ\n\nNguyễn Văn An" if province else "T/M BAN CHẤP HÀNH TRUNG ƯƠNG\nTỔNG BÍ THƯ\n\nNguyễn Văn An"
    return (f"{organ}\n*\nSố {number}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
            f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}\n\n"
            f"{type_line}\n{title}\n\n" + "\n".join(body) + f"\n\n{signature}\n")


def chain_corpus(seed: int = 7) -> list[dict[str, Any]]:
    """A small corpus whose implementation chain, relations and statuses are known: each
    document ``{"id", "text", "truth": {number, province, date, relations, status}}``.

    - 43-NQ/TW (central) is implemented by a plan in every province of
      :data:`CHAIN_PROVINCES` but the last (which has no response: "chưa có văn bản");
    - each province has its own 04-NQ/TU (2016), reviewed by a conclusion that cites it
      with its date; Cao Bằng also has a 04-NQ/TU of the previous term (2011), and a
      report that cites "04-NQ/TU" without a date (ambiguous: never resolved);
    - in Kon Tum a rule 09-QĐi/TU replaces 05-QĐi/TU.
    """
    rng = Random(f"chain-{seed}")
    docs: list[dict[str, Any]] = []

    def add(doc_id: str, province: str | None, number: str, day: dt.date, type_line: str,
            title: str, body: list[str], relations: list[dict[str, str]],
            status: str = "Chưa rõ") -> None:
        docs.append({"id": doc_id, "text": _party_text(province, number, day, type_line, title, body),
                     "truth": {"id": doc_id, "number": number, "province": province,
                               "date": day.isoformat(), "relations": relations,
                               "status": status}})

    number_43, day_43 = _CENTRAL_43
    add("tw-43", None, number_43, day_43, "NGHỊ QUYẾT",
        "về tiếp tục phát huy truyền thống, sức mạnh khối đại đoàn kết toàn dân tộc",
        ["Khối đại đoàn kết toàn dân tộc là đường lối chiến lược của cách mạng Việt Nam."], [])
    for k, province in enumerate(CHAIN_PROVINCES):
        key = slug_ascii(province)
        nq_day = dt.date(2016, 3 + k, 10 + k)
        kl_number = f"{230 + k}-KL/TU"
        add(f"{key}-nq04", province, "04-NQ/TU", nq_day, "NGHỊ QUYẾT",
            "về phát triển du lịch giai đoạn 2016 - 2020",
            ["Phát triển du lịch trở thành ngành kinh tế quan trọng của tỉnh."], [],
            status="Đã được tổng kết, sơ kết")
        review = rng.choice(("Tổng kết 5 năm thực hiện", "Sơ kết 5 năm thực hiện"))
        add(f"{key}-kl", province, kl_number, dt.date(2021, 6, 1 + k), "KẾT LUẬN",
            "về tổng kết Nghị quyết phát triển du lịch",
            [f"{review} Nghị quyết số 04-NQ/TU ngày {nq_day.day:02d}-{nq_day.month:02d}-"
             f"{nq_day.year} của Tỉnh ủy về phát triển du lịch, Ban Thường vụ kết luận như sau."],
            [{"number": "04-NQ/TU", "type": "review"}])
        if k < len(CHAIN_PROVINCES) - 1:
            verb = rng.choice(("Thực hiện", "Triển khai"))
            add(f"{key}-kh43", province, f"{150 + k}-KH/TU", dt.date(2024, 2, 5 + k),
                "KẾ HOẠCH", f"thực hiện Nghị quyết số {number_43} của Ban Chấp hành Trung ương",
                [f"{verb} Nghị quyết số {number_43} ngày 24-11-2023 của Ban Chấp hành Trung "
                 f"ương Đảng, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch thực hiện như sau.",
                 "Căn cứ Điều lệ Đảng Cộng sản Việt Nam;"],
                [{"number": number_43, "type": "implements"}])
    add("cao-bang-nq04-2011", "Cao Bằng", "04-NQ/TU", dt.date(2011, 4, 2), "NGHỊ QUYẾT",
        "về phát triển nông nghiệp hàng hóa", ["Phát triển nông nghiệp hàng hóa."], [])
    add("cao-bang-bc", "Cao Bằng", "88-BC/TU", dt.date(2022, 9, 9), "BÁO CÁO",
        "tình hình kinh tế - xã hội",
        ["Sơ kết việc thực hiện Nghị quyết số 04-NQ/TU của Tỉnh ủy, các chỉ tiêu cơ bản đạt."],
        [{"number": "04-NQ/TU", "type": "review"}])
    add("kon-tum-qdi05", "Kon Tum", "05-QĐi/TU", dt.date(2017, 5, 5), "QUY ĐỊNH",
        "về chế độ làm việc", ["Quy định chế độ làm việc của cơ quan."], [],
        status="Đã được thay thế, bãi bỏ")
    add("kon-tum-qdi09", "Kon Tum", "09-QĐi/TU", dt.date(2022, 5, 5), "QUY ĐỊNH",
        "về chế độ làm việc",
        ["Quy định này thay thế Quy định số 05-QĐi/TU ngày 05-5-2017 của Tỉnh ủy."],
        [{"number": "05-QĐi/TU", "type": "replaces"}])
    return docs


def slug_ascii(name: str) -> str:
    """"Cao Bằng" → "cao-bang" (ids of the chain corpus)."""
    folded = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return re.sub(r"[^a-z0-9]+", "-", "".join(c for c in folded if not unicodedata.combining(c)).lower()).strip("-")


def write_relations(out: Path, count: int, seed: int) -> int:
    """``out/relations.jsonl`` (planted sentences) and ``out/chain/`` (the chain corpus as
    .txt files, its truth in ``out/chain-truth.jsonl``); returns the sentences written."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with (out / "relations.jsonl").open("w", encoding="utf-8") as f:
        for case in relation_cases(count, seed):
            f.write(json.dumps(case, ensure_ascii=False) + "\n")
            n += 1
    (out / "chain").mkdir(exist_ok=True)
    with (out / "chain-truth.jsonl").open("w", encoding="utf-8") as f:
        for doc in chain_corpus(seed):
            (out / "chain" / f"{doc['id']}.txt").write_text(doc["text"], encoding="utf-8")
            f.write(json.dumps(doc["truth"], ensure_ascii=False) + "\n")
    return n


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, required=True, help="number of documents")
    parser.add_argument("--relations", action="store_true",
                        help="write planted citing sentences (relations.jsonl, COUNT of them) "
                             "and the chain corpus instead of documents")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("jsonl", "txt"), default="jsonl")
    parser.add_argument("--pool", type=int, default=DEFAULT_POOL,
                        help="corpus sentences kept in memory (default %(default)s)")
    parser.add_argument("--corpus", type=Path, default=PHAPDIEN,
                        help="the pháp điển JSON Lines (.xz) to draw sentences from")
    parser.add_argument("--topics", action="store_true",
                        help="plant a topic passage in most documents (truth: topic)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.relations:
        n = write_relations(args.out, args.count, args.seed)
        print(f"wrote {n:,} planted citing sentences and the chain corpus to {args.out}",
              file=sys.stderr)
        return 0
    started = time.perf_counter()
    pool = load_sentence_pool(args.pool, args.seed, args.corpus)
    print(pool.note(), file=sys.stderr)
    loaded = time.perf_counter()
    docs = generate_documents(args.count, args.seed, pool, topics=args.topics)
    n, size = write_corpus(docs, args.out, args.format)
    done = time.perf_counter()
    print(f"wrote {n:,} documents ({size / 1e6:.1f} MB of text) to {args.out} in "
          f"{done - started:.1f} s (corpus sampling {loaded - started:.1f} s, "
          f"generation {done - loaded:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
