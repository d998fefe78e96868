"""Typed relations: what a citing sentence says a document does to the one it cites.

"Tổng kết 10 năm thực hiện Nghị quyết số 04-NQ/TU" reviews 04-NQ/TU; "Căn cứ Quy định số
12-QĐi/TU" takes it as its basis. The reader works on one sentence at a time (a clause
ends at ``.``, ``;``, ``:`` or a line break), on the folded text (:func:`fold_aligned`, so
"Tổng kết", "TỔNG KẾT" and "tong ket" are one cue) and decides for each cited number:

- the cue that governs a number is the last cue between the previous number of the
  sentence (or its start) and this one: "Căn cứ 12-KH/TU thực hiện 43-NQ/TW" is basis for
  12-KH/TU and implements for 43-NQ/TW;
- "thực hiện" / "triển khai" after a review cue is the review's object, not a cue of its
  own: "Sơ kết 5 năm thực hiện Nghị quyết 04-NQ/TU" is a review;
- a number that only continues a list ("04-NQ/TU và 05-NQ/TU", "Nghị quyết số 04-NQ/TU
  ngày 1/2/2021 của Tỉnh ủy và Kết luận số 10-KL/TU") takes the type of the number
  before it (between them only a date, "của" and an issuer, a joiner, a type and "số");
- "hết hiệu lực" after a number (in the same sentence, no number between) repeals it;
- a negated or passive cue ("chưa tổng kết", "được thay thế bằng") types nothing, nor
  does a cue in the title of the number before ("Kết luận số 956-KL/TU về sơ kết việc
  thực hiện Nghị quyết số 06-NQ/TU": what 956-KL/TU does, not this document);
- anything else is ``unknown``: never a guess (a sentence without a cue is never typed).

One document's relation to a number is its strongest typed mention (:data:`STRENGTH`):
a plan that cites 43-NQ/TW as its basis and then implements it implements it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from search.ingest.metadata import find_cite_spans
from search.text.normalize import fold, fold_aligned, nfc
from search.text.numbers import normalize_number

__all__ = ["RelationType", "RELATION_TYPES", "TYPE_NAMES", "UNKNOWN", "STATUS_TYPES",
           "Mention", "read_mentions", "document_relations", "relation_token",
           "parse_relation_token", "relation_type", "issuer_class", "MAX_SENTENCE"]


@dataclass(frozen=True)
class RelationType:
    """One relation a citing sentence can state, its cues and its words on the page."""

    name: str
    cues: tuple[str, ...]  # folded cue phrases (fold_aligned of the Vietnamese)
    label: str  # Vietnamese, from the citing document ("Tổng kết")
    inverse: str  # Vietnamese, from the cited document ("Được tổng kết bởi")


UNKNOWN = "unknown"
# The table: cue phrases → type. Longer cues are tried first ("tiếp tục thực hiện" before
# "thực hiện", "kế hoạch thực hiện" before "thực hiện").
RELATION_TYPES: tuple[RelationType, ...] = (
    RelationType("review", ("tong ket", "so ket", "ket qua thuc hien", "danh gia ket qua",
                            "danh gia tinh hinh"), "Tổng kết, sơ kết",
                 "Được tổng kết, sơ kết bởi"),
    RelationType("continues", ("tiep tuc trien khai thuc hien", "tiep tuc thuc hien",
                               "tiep tuc trien khai"), "Tiếp tục thực hiện",
                 "Được tiếp tục thực hiện bởi"),
    RelationType("implements", ("ke hoach thuc hien", "thuc hien", "trien khai", "cu the hoa"),
                 "Thực hiện",
                 "Được thực hiện bởi"),
    RelationType("amends", ("sua doi, bo sung", "sua doi bo sung", "sua doi"), "Sửa đổi, bổ sung",
                 "Được sửa đổi, bổ sung bởi"),
    RelationType("replaces", ("thay the",), "Thay thế", "Được thay thế bởi"),
    RelationType("repeals", ("bai bo", "het hieu luc", "cham dut thuc hien", "cham dut hieu luc"),
                 "Bãi bỏ, chấm dứt", "Bị bãi bỏ, chấm dứt bởi"),
    RelationType("basis", ("can cu",), "Căn cứ", "Là căn cứ của"),
    RelationType(UNKNOWN, (), "Dẫn chiếu", "Được dẫn chiếu bởi"),
)
TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in RELATION_TYPES)
_BY_NAME = {t.name: t for t in RELATION_TYPES}
# Which mention of a number stands for the document's relation to it: the one that says
# the most (a document that replaces a number may also cite it as its basis).
STRENGTH: dict[str, int] = {name: rank for rank, name in enumerate(
    ("replaces", "repeals", "amends", "review", "continues", "implements", "basis", UNKNOWN))}
# Relations that change what the cited document is now (its status).
STATUS_TYPES = ("replaces", "repeals", "amends", "review")
MAX_SENTENCE = 400  # characters of a citing sentence kept (the page shows it whole)

_CUES = sorted(((cue, t.name) for t in RELATION_TYPES for cue in t.cues),
               key=lambda c: len(c[0]), reverse=True)
# "Sau 05 năm (triển khai) thực hiện Nghị quyết …" opens a review (the seeds' reviews
# all do): the one cue with a number in it, so a pattern beside the table's phrases.
_AFTER_YEARS = r"sau\s+\d{1,2}\s+nam\s+(?:trien\s+khai\s+)?thuc\s+hien"
_CUE_RE = re.compile(r"(?<!\w)(?:" + _AFTER_YEARS + "|"
                     + "|".join(re.escape(c) for c, _ in _CUES) + r")(?!\w)")
_CUE_TYPE = dict(_CUES)


def _cue_type(cue: str) -> str:
    return _CUE_TYPE.get(cue) or "review"  # not in the table: the "sau N năm" pattern
_AFTER_CUES = ("het hieu luc",)  # cues that follow the number they govern
_SUBORDINATE = ("implements", "continues")  # "tổng kết 10 năm thực hiện …" is a review
# A clause ends at ";", "!", "?"; at "." or a line break only before a capital, a digit, a
# bullet or the end: "1.800" stays whole, and so does a sentence a text file wrapped
# ("thực hiện Nghị quyết\nsố 04-NQ/TU").
_SENTENCE_END = re.compile(r"[;!?]|\.(?=\s)|\n")
_NEW_SENTENCE = re.compile(r"\s*(?:$|[-+•*\d]|(?=[^\W\d_])(?P<letter>\w))")
# What may stand between two numbers of one list (folded): a date, "của" and an issuer, a
# joiner, the type of the next one ("và Kết luận số"); anything else starts a new clause.
_DATE = r"(?:,?\s*ngay\s+\d{1,2}(?:\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}|\s+thang\s+\d{1,2}\s+nam\s+\d{4}))"
_DOC_TYPE = (r"(?:nghi quyet|ket luan|chi thi|quyet dinh|quy dinh|ke hoach|chuong trinh"
             r"(?: hanh dong)?|huong dan|thong tri|thong bao|de an|bao cao|cong van|nghi dinh"
             r"|thong tu|luat)")
# The issuer of the first ("… của Ban Chấp hành Trung ương Đảng và …"): a few words, no
# digits; a cue among them was already taken by the rule before this one.
_OF_ISSUER = r"(?:,?\s*cua\s+[^\W\d_]+(?:\s+[^\W\d_]+){0,7})"
_LIST_GAP = re.compile(rf"\s*(?:\s*\(?{_DATE}\)?)?{_OF_ISSUER}?\s*(?:,|va|cung|hoac|,\s*va)\s*"
                       rf"(?:cac\s+)?(?:{_DOC_TYPE}\s+)?(?:so\s+)?", re.IGNORECASE)
# A cue negated ("chưa tổng kết", "không thay thế") or passive ("đã được thay thế bằng",
# "bị bãi bỏ") says nothing this document does to the number: unknown, not a type.
_NOT_THIS_DOCUMENT = re.compile(r"(?<!\w)(?:chua|khong|chang|duoc|bi)\s+$")
# "về" after a number opens that document's title ("Kết luận số 956-KL/TU … “về sơ kết
# việc thực hiện Nghị quyết số 06-NQ/TU …”"): a cue in it says what *that* one does.
_ABOUT = re.compile(r"(?<!\w)ve(?!\w)")
_TITLE_START = re.compile(r"(?<!\w)ve(?!\w)|[“”\"«;]")
_CITED_TERM = re.compile(r"(?<!\w)khoa\s+([ivxl]+)(?!\w)")
_COMMITTEE = re.compile(r"(?<!\w)cua\s+(?:ban chap hanh dang bo|(?:tinh|thanh) uy)(?!\w)"
                        r"|^(?:tinh|thanh) uy$|^ban chap hanh dang bo")
_CITED_DATE = re.compile(r"^\s*,?\s*(?:ngay|ngay)\s+(\d{1,2})\s*(?:[-/.]\s*|\s+thang\s+)(\d{1,2})"
                         r"\s*(?:[-/.]\s*|\s+nam\s+)(\d{4})")


@dataclass(frozen=True)
class Mention:
    """One citation of a number in a text, with the relation its sentence states."""

    number: str  # as ``cites`` records it
    type: str  # a name of RELATION_TYPES
    cue: str | None  # the cue phrase as written ("Sơ kết"), None for unknown
    sentence: str  # the citing sentence, trimmed
    cited_date: str | None  # ISO date written right after the number ("ngày 19-8-2016")
    start: int  # offset of the number in the text
    # What the words after the number say of the cited document: its committee's term
    # ("khóa XV") and its issuer, "btv" (Ban Thường vụ) or "bch" (the Tỉnh ủy itself).
    cited_term: str | None = None
    cited_issuer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "type": self.type, "cue": self.cue,
                "sentence": self.sentence, "cited_date": self.cited_date,
                "cited_term": self.cited_term, "cited_issuer": self.cited_issuer}


def read_mentions(text: str) -> list[Mention]:
    """Every cited number of ``text`` with its relation type, in order.

    >>> [(m.number, m.type) for m in read_mentions(
    ...     "Sơ kết 5 năm thực hiện Nghị quyết số 04-NQ/TU và 05-NQ/TU; căn cứ 12-KH/TU.")]
    [('04-NQ/TU', 'review'), ('05-NQ/TU', 'review'), ('12-KH/TU', 'basis')]
    """
    text = nfc(text)
    folded = fold_aligned(text)
    out: list[Mention] = []
    for start, end in _sentences(text):
        spans = [(s + start, e + start, n) for s, e, n in find_cite_spans(text[start:end])]
        out.extend(_sentence_mentions(text, folded, start, end, spans))
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, at = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.group(0) in ".\n":
            after = _NEW_SENTENCE.match(text, m.end())
            if not after or (after.group("letter") and not after.group("letter").isupper()):
                continue
        bounds.append((at, m.start()))
        at = m.end()
    bounds.append((at, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def _sentence_mentions(text: str, folded: str, start: int, end: int,
                       spans: list[tuple[int, int, str]]) -> list[Mention]:
    sentence = " ".join(text[start:end].split())[:MAX_SENTENCE]
    typed: list[tuple[str, str | None]] = []
    previous_end = start
    for i, (s, e, _number) in enumerate(spans):
        cue = _cue_before(text, folded, previous_end, s, after_number=i > 0)
        if cue is None and i and _LIST_GAP.fullmatch(folded[previous_end:s]):
            cue = typed[-1]  # the list goes on: "04-NQ/TU và 05-NQ/TU"
        if cue is None:
            following = spans[i + 1][0] if i + 1 < len(spans) else end
            cue = _cue_after(text, folded, e, following)
        typed.append(cue or (UNKNOWN, None))
        previous_end = e
    out = []
    for i, ((at, after, number), (kind, said)) in enumerate(zip(spans, typed)):
        tail = folded[after:spans[i + 1][0] if i + 1 < len(spans) else end]
        out.append(Mention(number, kind, said, sentence, _cited_date(folded, after, end), at,
                           *_cited_term_and_issuer(tail)))
    return out


def _cue_before(text: str, folded: str, lo: int, hi: int, *, after_number: bool = False
                ) -> tuple[str, str | None] | None:
    """The type and cue that govern a number at ``hi``, from the cues in ``[lo, hi)``
    (``lo`` the end of the sentence's previous number, when ``after_number``)."""
    cues = [(m, _cue_type(m.group(0))) for m in _CUE_RE.finditer(folded, lo, hi)
            if m.group(0) not in _AFTER_CUES]
    if not cues:
        return None
    last, kind = cues[-1]
    if kind in _SUBORDINATE:
        review = [(m, k) for m, k in cues if k == "review"]
        if review:  # "tổng kết 10 năm thực hiện …": the review governs
            last, kind = review[-1]
    if _NOT_THIS_DOCUMENT.search(folded, max(lo, last.start() - 16), last.start()):
        return UNKNOWN, None  # "chưa tổng kết", "được thay thế bằng": not what this one does
    if after_number and _ABOUT.search(folded, lo, last.start()):
        return UNKNOWN, None  # "Kết luận số 956-KL/TU về sơ kết …": that one's title
    return kind, text[last.start():last.end()]


def _cue_after(text: str, folded: str, lo: int, hi: int) -> tuple[str, str | None] | None:
    for m in _CUE_RE.finditer(folded, lo, hi):
        if m.group(0) in _AFTER_CUES:
            return _cue_type(m.group(0)), text[m.start():m.end()]
    return None


def _cited_date(folded: str, at: int, end: int) -> str | None:
    m = _CITED_DATE.match(folded[at:min(end, at + 40)])
    if not m:
        return None
    day, month, year = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cited_term_and_issuer(tail: str) -> tuple[str | None, str | None]:
    """Term and issuer class from the folded words after a number, up to its title ("về",
    a quotation mark): "ngày 19-8-2016 của Ban Thường vụ Tỉnh ủy (khóa XV) về …"."""
    head = _TITLE_START.split(tail[:160], 1)[0]
    term = _CITED_TERM.search(head)
    return (term.group(1).upper() if term else None), issuer_class(head)


def issuer_class(text: str) -> str | None:
    """"btv" for a Ban Thường vụ, "bch" for the committee itself (Tỉnh ủy, Thành ủy, Ban
    Chấp hành Đảng bộ), None otherwise; on an issuer or the words after "của"."""
    folded = fold(text)
    if "ban thuong vu" in folded:
        return "btv"
    if _COMMITTEE.search(folded):
        return "bch"
    return None


def document_relations(text: str, notes: str = "", own: str | None = None) -> list[dict[str, Any]]:
    """A document's relation to each number it cites: its strongest mention (see
    :data:`STRENGTH`; of equals, one that dates the number), as stored in the index, in the order the numbers are first cited.
    ``own`` (the document's own number) is left out."""
    own_key = normalize_number(own) if own else None
    best: dict[str, Mention] = {}
    for m in [*read_mentions(text), *read_mentions(notes)]:
        key = normalize_number(m.number)
        if key == own_key:
            continue
        if key not in best or _rank(m) < _rank(best[key]):
            best[key] = m
    return [m.to_dict() for m in sorted(best.values(), key=lambda m: m.start)]


def _rank(m: Mention) -> tuple[int, bool]:
    """Strongest type first; of two equal, the sentence that dates the number (it says which
    document it means, and reads better than a title)."""
    return STRENGTH[m.type], m.cited_date is None


def relation_token(kind: str, number: str) -> str:
    """The index token of one relation ("review:04-nq/tu"): who reviews 04-NQ/TU is a
    term query."""
    return f"{kind}:{normalize_number(number)}"


def parse_relation_token(token: str) -> tuple[str, str]:
    kind, _, number = token.partition(":")
    return kind, number


def relation_type(name: str) -> RelationType:
    return _BY_NAME[name]
