"""The library's messages in Vietnamese, for the web pages.

The library says *what* happened as a code with parameters (:mod:`search.messages`);
this table says it in Vietnamese, one wording per code, with the parameters in
Vietnamese too: facets named as the page names them, values quoted „…”, numbers grouped
with dots. URL parameter names (``page``, ``year_from``…) are kept as typed: they are what
the user sees in the address bar and must correct there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search import fields
from search.messages import Message, Params

# Facets as the page labels them (the table of fields), in the middle of a sentence.
FACET_NAMES_VI = {f.name: f.label[:1].lower() + f.label[1:] for f in fields.FACETS}
SORT_NAMES_VI = {"relevance": "liên quan nhất", "newest": "mới nhất", "oldest": "cũ nhất"}
# What each integer URL parameter is, said after its name: "page (số trang)".
PARAM_NAMES_VI = {"page": "số trang", "per_page": "số kết quả mỗi trang", "headers": "tiêu đề cột",
                  "year_from": "từ năm", "year_to": "đến năm"}


def quoted(value: Any) -> str:
    return f"„{value}”"


def visible(text: str, limit: int = 80) -> str:
    """``text`` as a user typed it, with control and format characters (NUL, ESC, a
    right-to-left override) shown as escapes rather than acting on the page."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:limit])


def number(value: int) -> str:
    """``1000`` → ``1.000`` (Vietnamese groups thousands with dots)."""
    return f"{value:,}".replace(",", ".")


def _either(words: list[str]) -> str:
    """``a, b hoặc c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " hoặc " + words[-1]


def _param(name: str) -> str:
    label = PARAM_NAMES_VI.get(name)
    return f"{name} ({label})" if label else name


def _hint(p: Params) -> str:
    """What a valid value of an integer URL parameter looks like."""
    if p["name"] == "page":
        return f"dùng số trang từ {number(p['min'])}"
    if p["name"] == "per_page":
        return f"dùng số kết quả mỗi trang từ {number(p['min'])} đến {number(p['max'])}"
    return f"một năm như 2016 (từ {p['min']} đến {p['max']})"


def _browse(p: Params, start: str) -> str:
    what = "mọi văn bản"
    if p["excluded"]:
        what += " không chứa các từ bị loại trừ"
    if p["filtered"]:
        what += " và khớp bộ lọc" if p["excluded"] else " khớp bộ lọc"
    order = "cũ nhất trước" if p["order"] == "oldest" else "mới nhất trước"
    return f"{start}: đang hiển thị {what}, {order}."


def _and_more(more: int, what: str) -> str:
    return f" (và {number(more)} {what} khác)" if more else ""


def _no_match(p: Params) -> str:
    values = ", ".join(quoted(v) for v in p["values"])
    facet = FACET_NAMES_VI.get(p["facet"], p["facet"])
    return f"Không văn bản nào có {facet} {values}{_and_more(p['more'], 'giá trị')}."


def _unknown_params(p: Params) -> str:
    names = ", ".join(quoted(n) for n in p["names"])
    return f"Bỏ qua tham số không hợp lệ: {names}{_and_more(p['more'], 'tham số')}."


VI: dict[str, Callable[[Params], str]] = {
    "query.cut_chars": lambda p: f"Truy vấn quá dài: chỉ dùng {number(p['limit'])} ký tự đầu.",
    "query.cut_terms": lambda p: f"Truy vấn quá dài: chỉ dùng {number(p['limit'])} từ đầu.",
    "query.wildcards": lambda p: "Dấu * và ? không phải ký tự đại diện: mỗi từ được so khớp "
                                 "trọn vẹn, có dấu hoặc không dấu.",
    "query.unclosed_quote": lambda p: "Thiếu dấu ngoặc kép đóng: cụm từ được tính đến hết "
                                      "truy vấn.",
    "query.parentheses": lambda p: "Dấu ngoặc đơn không nhóm các từ: dùng OR giữa các lựa chọn.",
    "query.bad_year": lambda p: f"{quoted('nam:' + str(p['value']))} không phải một năm hay "
                                f"một khoảng năm (ví dụ nam:2021, nam:2016-2021).",
    "query.years_reversed": lambda p: f"{quoted('nam:' + str(p['value']))}: năm đầu sau năm "
                                      f"cuối (hãy viết nam:{p['year_to']}-{p['year_from']}).",
    "search.no_words": lambda p: _browse(p, "Không có từ khóa để tìm"),
    "search.nothing_to_search": lambda p: _browse(
        p, f"Không có từ khóa để tìm trong {quoted(p['text'])}"),
    "search.relaxed": lambda p: "Không văn bản nào có đủ mọi từ đã nhập; đang hiển thị các "
                                "văn bản có một phần số từ.",
    "search.untoned": lambda p: "Không văn bản nào có các từ đúng dấu như đã nhập; đang "
                                "hiển thị các kết quả khớp khi bỏ dấu.",
    "filter.no_match": _no_match,
    "request.unknown_sort": lambda p: (
        f"Không có cách sắp xếp {quoted(p['sort'])} (tham số sort): dùng "
        + _either([f"{c} ({SORT_NAMES_VI.get(c, c)})" for c in p["choices"]]) + "."),
    "request.out_of_range": lambda p: f"Tham số {_param(p['name'])} phải từ {number(p['min'])} "
                                      f"đến {number(p['max'])}.",
    "request.years_reversed": lambda p: f"Khoảng năm bị ngược: năm bắt đầu {p['year_from']} "
                                        f"(year_from) sau năm kết thúc {p['year_to']} (year_to).",
    "request.too_many_values": lambda p: (
        f"Tối đa {number(p['max'])} giá trị cho bộ lọc {_param(p['name'])} "
        f"({number(p['given'])} giá trị đã gửi)."),
    "request.unknown_filter": lambda p: (
        f"Không có bộ lọc {quoted(p['name'])}: dùng "
        + _either([FACET_NAMES_VI.get(c, c) for c in p["choices"]]) + "."),
    "param.unknown": _unknown_params,
    "param.not_integer": lambda p: f"Tham số {_param(p['name'])} phải là số nguyên, không phải "
                                   f"{quoted(p['value'])}: {_hint(p)}.",
    "param.too_large": lambda p: f"Tham số {_param(p['name'])} quá lớn "
                                 f"({quoted(str(p['value']) + '…')}): {_hint(p)}.",
    "param.not_flag": lambda p: f"Tham số {_param(p['name'])} chỉ nhận {p['on']} (bật) hoặc "
                                f"{p['off']} (tắt), không phải {quoted(p['value'])}.",
    "param.bad_choice": lambda p: f"Tham số {_param(p['name'])} chỉ nhận "
                                  + _either([quoted(c) for c in p["choices"]])
                                  + f", không phải {quoted(p['value'])}.",
    "param.bad_year": lambda p: f"Tham số {_param(p['name'])} phải là {_hint(p)}, không phải "
                                f"{p['value']}.",
    # For the administrator: the command to run stays as typed.
    "index.missing": lambda p: f"Chưa có chỉ mục tại {p['location']}. Quản trị viên cần dựng "
                               f"chỉ mục bằng lệnh: {p['command']}",
    "index.damaged": lambda p: f"Chỉ mục tại {p['location']} bị hỏng ({p['detail']}). Quản "
                               f"trị viên cần dựng lại bằng lệnh: {p['command']}",
    "index.outdated": lambda p: (f"Chỉ mục tại {p['location']} được dựng bằng phiên bản cũ "
                                 f"(định dạng {p['format']}, cần {p['expected']}: thiếu quan hệ "
                                 f"giữa các văn bản và tình trạng). Quản trị viên cần dựng lại "
                                 f"bằng lệnh: {p['command']}"),
    "index.bad_config": lambda p: f"Không đọc được tệp cấu hình chỉ mục {p['path']} "
                                  f"({p['problem']}).",
    "index.locked": lambda p: f"Chỉ mục {p['location']} đang được ghi ({p['holder']}); hãy "
                              f"thử lại sau.",
    "index.unavailable": lambda p: (f"Phân mảnh {p['shard']} của chỉ mục {p['location']} "
                                    f"không còn bản sao nào hoạt động (đã thử "
                                    f"{', '.join(p['copies'])}). Kết quả sẽ không đầy đủ nên "
                                    "tạm thời không tìm kiếm được; quản trị viên cần khởi "
                                    "động lại một bản sao."),
    "index.no_primary": lambda p: (f"Bản chính của phân mảnh {p['shard']} (chỉ mục "
                                   f"{p['location']}, {p['address']}) không phản hồi "
                                   f"({p['problem']}); chưa có gì bị thay đổi. Hãy nâng một "
                                   f"bản sao lên làm bản chính: {p['command']}"),
    "engine.not_installed": lambda p: (f"Chỉ mục tại {p['location']} cần bộ máy tìm kiếm "
                                       f"{p['engine']} nhưng bản cài đặt này chưa có "
                                       f"({p['problem']}). Quản trị viên cần cài bằng "
                                       f"lệnh: {p['command']}"),
    "query.unsupported": lambda p: (f"Bộ máy tìm kiếm {p['engine']} không chạy được truy vấn "
                                    f"này ({p['what']}); hãy rút gọn truy vấn."),
    "document.not_found": lambda p: (f"Không có văn bản nào mang mã {quoted(visible(p['id']))} "
                                     "trong chỉ mục."),
    "chain.not_a_number": lambda p: (f"{quoted(visible(p['number']))} không phải là số hiệu văn "
                                     "bản: hãy nhập một số hiệu như 43-NQ/TW hoặc 04-NQ/TU."),
}


def word_vi(message: Message) -> str:
    """The Vietnamese wording of ``message`` (every code of the catalogue has one)."""
    return VI[message.code](message.params)
