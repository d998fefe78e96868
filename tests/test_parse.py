"""Readers (search.ingest.parse, search.ingest.readers, search.ingest.jsonl) and legacy encodings (search.text.legacy).

Every fixture is built in tmp_path: .docx with python-docx (footnotes and endnotes
spliced into the package by hand, since python-docx has no API for them), PDFs written
by hand or with pypdf's writer, zips and compressed JSON Lines with the stdlib.
"""

from __future__ import annotations

import gzip
import itertools
import json
import lzma
import struct
import tracemalloc
import unicodedata
import re
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from search.documents import ParsedText
from search.errors import ReadError
from search.text.legacy import (
    convert_legacy,
    detect_legacy,
    fix_legacy,
    is_vietnamese_syllable,
)
from search.ingest.clean import clean_text
from search.ingest.extracted import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TEXT_CHARS
from search.ingest.jsonl import JSONL_SUFFIXES, JsonlRecord, iter_jsonl
from search.ingest.parse import SUPPORTED_SUFFIXES, read_file
from tests.conftest import CORPORA, hand_pdf, party_docx
from tests.conftest import SEEDS as SEEDS_DIR

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))
PHAPDIEN = CORPORA / "phapdien.jsonl.xz"
SEED_004 = SEEDS_DIR / "004_f90f9a51dad2c646.txt"

VIET = "Hội nghị lần thứ 5 Ban Chấp hành Đảng bộ tỉnh khóa XVI đã nghe Tờ trình của Tỉnh ủy."


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read_error(path: Path, **kwargs) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_file(path, **kwargs)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value


# --- public constants ----------------------------------------------------------------


def test_public_constants():
    text = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
    scans = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}  # read by OCR (tests/test_ocr.py)
    assert text | scans <= SUPPORTED_SUFFIXES
    assert JSONL_SUFFIXES == (".jsonl", ".jsonl.gz", ".jsonl.xz")
    assert DEFAULT_MAX_FILE_BYTES == 50 * 1024 * 1024
    assert DEFAULT_MAX_TEXT_CHARS == 5_000_000


# --- seeds ---------------------------------------------------------------------------


def test_five_seeds_present():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_reads_clean(seed: Path):
    parsed = read_file(seed)
    assert parsed.format == "txt" and parsed.encoding == "utf-8"
    assert parsed.converted_from is None and parsed.warnings == []
    assert is_nfc(parsed.text) and is_nfc(parsed.notes)
    assert "[footnoteRef:" not in parsed.text and "**" not in parsed.text
    assert "\r" not in parsed.text and "\n\n\n" not in parsed.text
    assert len(parsed.text) > 5000
    assert "Tỉnh" in parsed.text or "TỈNH" in parsed.text


def test_seed_004_footnotes_move_to_notes():
    raw = SEED_004.read_text(encoding="utf-8")
    assert raw.count("[footnoteRef:") == 29  # the fixture is what we think it is
    parsed = read_file(SEED_004)
    notes = parsed.notes.split("\n")
    assert len(notes) == 29
    assert [int(n.split(".", 1)[0]) for n in notes] == list(range(1, 30))
    assert notes[0] == (
        "1. Nghị quyết số 87/2016/NQ-HĐND, ngày 09-12-2016 của Hội đồng nhân dân tỉnh."
    )
    # "[26: " has a single space after the colon
    assert notes[25].startswith("26. Cụ thể: (1) Dự án hỗ trợ chăm sóc cây cà phê")
    assert notes[28] == (
        "29. Năm 2021 áp dụng theo chuẩn nghèo tiếp cận đa chiều áp dụng cho giai đoạn 2016-2020."
    )
    # footnote text is gone from the body, the paragraph around the markers stays
    assert "87/2016/NQ-HĐND" not in parsed.text
    assert "Thâm canh một số loại cây dưới tán rừng" not in parsed.text
    assert "tiếp cận nghèo đa chiều tỉnh Kon Tum giai đoạn 2016-2020 và các cơ chế" in parsed.text
    assert "đa chiều áp dụng cho giai đoạn" not in parsed.text
    assert "(riêng các huyện nghèo giảm từ 6- 8%/năm)." in parsed.text
    assert not any(f"[{n}:" in parsed.text for n in range(1, 30))


def test_seed_002_bold_markers_keep_word_boundary():
    parsed = read_file(SEEDS_DIR / "002_ddeff8346f0332a1.txt")
    assert "CHỈ THỊ về tăng cường lãnh đạo" in parsed.text


# --- clean_text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "body", "notes"),
    [
        ("a[footnoteRef:1] b", "a b", ""),
        ("a[endnoteRef:12]. b", "a. b", ""),
        ("text.  [1:   Note one. ]  [2:  Note two.]", "text.", "1. Note one.\n2. Note two."),
        ("x [3: see [4] here] y", "x  y", "3. see [4] here"),
        ("**bold** and THỊ**về", "bold and THỊ về", ""),
        ("a\r\nb\rc", "a\nb\nc", ""),
        ("a   \nb\t\n", "a\nb", ""),
        ("a\n\n\n\n\nb", "a\n\nb", ""),
        ("a\n\nb", "a\n\nb", ""),
        ("a\x00b\u200bc\ufeff", "abc", ""),
        ("page1\x0cpage2", "page1\npage2", ""),
        ("Vie\u0323\u0302t", "Việt", ""),  # NFD in, NFC out
        ("[foot[footnoteRef:1]noteRef:2]x", "x", ""),  # removal assembles a new marker
        ("[1: keeps\nnext line]", "", "1. keeps next line"),
        ("[1: stops at\n\nblank line]", "[1: stops at\n\nblank line]", ""),
        ("ratio [2019 : 2020] kept", "ratio [2019 : 2020] kept", ""),
    ],
)
def test_clean_text_table(raw: str, body: str, notes: str):
    assert clean_text(raw) == (body, notes)


_ARTEFACT_PIECES = st.sampled_from(
    ["[footnoteRef:1]", "[endnoteRef:2]", "[", "]", "1", "23", ":", " ", "  ", "*", "**",
     "\r", "\n", "\n\n", "\t", "a", "ệ", "e", "\u0302", "\u0323", "\x00", "\x0c", "\u200b",
     "[3:  note]", "footnote", "Ref", "endnote", "Đ"]
)


@pytest.mark.slow  # hypothesis, many examples
@given(st.one_of(st.text(), st.lists(_ARTEFACT_PIECES).map("".join)))
@settings(max_examples=400, deadline=None)
def test_clean_text_never_raises_and_is_idempotent(text: str):
    body, notes = clean_text(text)
    assert clean_text(body)[0] == body
    assert is_nfc(body) and is_nfc(notes)
    assert "[footnoteRef:" not in body and "**" not in body and "\r" not in body


# --- .txt / .md ----------------------------------------------------------------------


def _cp1258(text: str) -> bytes:
    """Vietnamese in Windows-1258: precomposed base letter + combining tone byte."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            marks = [c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323"]
            base = "".join(c for c in decomposed if c not in marks)
            out += (unicodedata.normalize("NFC", base) + "".join(marks)).encode("cp1258")
    return out


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (VIET.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + VIET.encode("utf-8"), "utf-8-sig"),
        (b"\xff\xfe" + VIET.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + VIET.encode("utf-16-be"), "utf-16-be"),
        (unicodedata.normalize("NFD", VIET).encode("utf-8"), "utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf8-nfd"],
)
def test_txt_encodings_give_same_text(tmp_path: Path, data: bytes, encoding: str):
    parsed = read_file(write(tmp_path / "doc.txt", data))
    assert parsed.text == VIET
    assert parsed.encoding == encoding
    assert parsed.format == "txt"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("café déjà vu".encode("latin-1"), "invalid UTF-8 byte 0xE9 at offset 3"),
        (b"abc \xc3\x28 def", "invalid UTF-8 byte 0xC3 at offset 4"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (bytes(range(1, 9)) * 50 + b"some text", "binary file"),
        (b"\xff\xfe" + b"\x00\xd8", "not valid UTF-16"),  # lone surrogate
        (b"", "empty file (no text)"),
        (b"  \n\t\r\n ", "empty file (no text)"),
        (b"\xef\xbb\xbf", "empty file (no text)"),
    ],
    ids=[
        "latin1", "invalid-utf8", "png", "controls", "bad-utf16", "empty", "blank",
        "bom-only",
    ],
)
def test_txt_bad_input_is_read_error(tmp_path: Path, data: bytes, reason: str):
    err = read_error(write(tmp_path / "bad.txt", data))
    assert reason in err.reason


def test_md_is_read_as_text(tmp_path: Path):
    parsed = read_file(write(tmp_path / "NOTE.MD", "# Tiêu đề\n\nNội dung"))
    assert parsed.format == "md" and parsed.text == "# Tiêu đề\n\nNội dung"


def test_size_limit_checked_before_reading(tmp_path: Path):
    path = write(tmp_path / "big.txt", "a" * 2048)
    err = read_error(path, max_bytes=1024)
    assert err.reason == "file is 2 KB, over the 1 KB limit"
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # sparse: stat says 34 MB, nothing is read
        fh.truncate(34 * 1024 * 1024)
    err = read_error(big, max_bytes=20 * 1024 * 1024)
    assert err.reason == "file is 34 MB, over the 20 MB limit"


def test_char_limit(tmp_path: Path):
    err = read_error(write(tmp_path / "long.txt", "từ " * 10), max_chars=10)
    assert err.reason == "extracted text is 30 characters, over the 10 limit"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("old.doc", "not a Word 97 .doc (no OLE2 signature; is it text or HTML renamed .doc?)"),
        ("OLD.DOC", "not a Word 97 .doc (no OLE2 signature"),
        ("file.rtf", "not an RTF file (does not start with {\\rtf)"),
        ("sheet.xls", "unsupported file type '.xls'"),
        ("noext", "unsupported file type without a suffix"),
        ("data.jsonl", "iter_jsonl"),
    ],
)
def test_unsupported_suffixes(tmp_path: Path, name: str, reason: str):
    err = read_error(write(tmp_path / name, "x"))
    assert reason in err.reason


def test_missing_file_and_directory(tmp_path: Path):
    assert read_error(tmp_path / "nope.txt").reason == "file not found"
    (tmp_path / "dir.txt").mkdir()
    assert "directory" in read_error(tmp_path / "dir.txt").reason


def test_suffix_is_case_insensitive(tmp_path: Path):
    assert read_file(write(tmp_path / "A.TXT", VIET)).text == VIET


_ANY_BYTES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow  # hypothesis, many examples
@given(data=_ANY_BYTES, suffix=st.sampled_from([".txt", ".txt", ".md", ".html", ".pdf", ".docx"]))
@settings(max_examples=400, deadline=None)
def test_read_file_on_any_bytes_returns_or_raises_read_error(
    fuzz_dir: Path, data: bytes, suffix: str
):
    path = write(fuzz_dir / f"fuzz{suffix}", data)
    try:
        parsed = read_file(path)
    except ReadError as err:
        assert err.path == str(path) and err.reason
    else:
        assert isinstance(parsed, ParsedText) and parsed.text and is_nfc(parsed.text)


# --- .docx ---------------------------------------------------------------------------

def test_docx_header_table_body_and_notes(tmp_path: Path):
    parsed = read_file(party_docx(tmp_path))
    assert parsed.format == "docx"
    assert parsed.text.split("\n") == [
        "TỈNH ỦY KON TUM",
        "*",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Số 237-KL/TU",
        "Kon Tum, ngày 08 tháng 11 năm 2021",
        "KẾT LUẬN",
        "Hội nghị đã thông qua Đề án giảm nghèo và các cơ chế, chính sách trên địa bàn tỉnh.",
        "Nơi nhận: Lưu Văn phòng Tỉnh ủy.",
    ]
    assert parsed.notes.split("\n") == [
        "1. Nghị quyết số 87/2016/NQ-HĐND, ngày 09-12-2016.",
        "1. Ghi chú cuối văn bản.",
    ]
    assert "87/2016" not in parsed.text and "----" not in parsed.text
    assert parsed.converted_from is None


def test_docx_image_marker_removed(tmp_path: Path):
    parsed = read_file(party_docx(tmp_path, with_image=True))
    assert "media" not in parsed.text and "----" not in parsed.text
    assert "Nơi nhận" in parsed.text


def test_docx_legacy_vni_with_font_name(tmp_path: Path):
    document = docx.Document()
    for line in ("Ñaûng Coäng saûn Vieät Nam", "Tænh uûy Kon Tum ñaõ hoïp"):
        run = document.add_paragraph().add_run(line)
        run.font.name = "VNI-Times"
    path = tmp_path / "vni.docx"
    document.save(str(path))
    parsed = read_file(path)
    assert parsed.converted_from == "vni"
    assert parsed.text == "Đảng Cộng sản Việt Nam\nTỉnh ủy Kon Tum đã họp"
    assert "converted from VNI" in parsed.warnings
    assert "VNI-Times" in parsed.extra["fonts"]


def _truncated_docx(tmp_path: Path) -> bytes:
    data = party_docx(tmp_path).read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "make",
    [lambda tmp: b"", _truncated_docx, lambda tmp: b"<html><body>not a zip</body></html>"],
    ids=["zero-bytes", "truncated", "html"],
)
def test_docx_not_a_zip(tmp_path: Path, make):
    data = make(tmp_path)
    err = read_error(write(tmp_path / "bad.docx", data))
    assert err.reason == "not a valid .docx (corrupt or truncated zip)"


def test_docx_damaged_entry(tmp_path: Path):
    path = party_docx(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    middle = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[middle : middle + 8] = b"\xff" * 8  # central directory intact, deflate data broken
    path.write_bytes(bytes(data))
    assert read_error(path).reason.startswith("not a valid .docx (")


def test_docx_zip_without_document(tmp_path: Path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "no word/document.xml" in read_error(path).reason


def _zeros_entry(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as entry:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                entry.write(block)
    return path


@pytest.mark.slow  # writes a zip bomb (300 MB of zeros inside)
def test_docx_zip_bomb_refused_without_inflating(tmp_path: Path):
    path = _zeros_entry(tmp_path / "bomb.docx", 300)
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        err = read_error(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.reason.startswith("refused: .docx expands to 300.0 MB") and "zip bomb?" in err.reason
    assert peak < 20 * 1024 * 1024


def test_docx_high_ratio_entry_refused_under_total_limit(tmp_path: Path):
    path = _zeros_entry(tmp_path / "ratio.docx", 30)  # 30 MB < 200 MB, but ~1000:1
    err = read_error(path)
    assert "zip bomb?" in err.reason and "word/document.xml" in err.reason


def test_docx_expansion_limit_follows_max_bytes(tmp_path: Path):
    path = party_docx(tmp_path)
    err = read_error(path, max_bytes=path.stat().st_size, max_docx_expanded=1024)
    assert err.reason.startswith("refused: .docx expands to")


# --- .pdf ----------------------------------------------------------------------------


def test_hand_pdf_is_valid_for_pypdf(tmp_path: Path):
    path = write(tmp_path / "ok.pdf", hand_pdf([["Hello"]]))
    assert PdfReader(path, strict=True).pages[0].extract_text().strip() == "Hello"


def test_pdf_text_layer(tmp_path: Path):
    pdf = hand_pdf([["Resolution No. 04-NQ/TU", "Kon Tum province"], ["Second page"]])
    path = write(tmp_path / "text.pdf", pdf)
    parsed = read_file(path)
    assert parsed.format == "pdf" and parsed.extra["pages"] == 2
    assert parsed.text == "Resolution No. 04-NQ/TU\nKon Tum province\nSecond page"


def test_pdf_tcvn3_text_layer_is_converted(tmp_path: Path):
    pdf = hand_pdf([["Ban ChÊp hµnh §¶ng bé tØnh", "Uû ban nh©n d©n tØnh Kon Tum"]], font=".VnTime")
    parsed = read_file(write(tmp_path / "legacy.pdf", pdf))
    assert parsed.converted_from == "tcvn3"
    assert parsed.text == "Ban Chấp hành Đảng bộ tỉnh\nUỷ ban nhân dân tỉnh Kon Tum"
    assert "converted from TCVN3" in parsed.warnings
    assert parsed.extra["fonts"] == [".VnTime"]


@pytest.mark.parametrize(("font", "expected"), [(".VnTime", "Đảng"), ("Helvetica", "§¶ng")])
def test_pdf_font_name_is_evidence_for_legacy(tmp_path: Path, font: str, expected: str):
    # one word is too little to convert on content alone; a .VnTime font tips it
    parsed = read_file(write(tmp_path / "word.pdf", hand_pdf([["§¶ng"]], font=font)))
    assert parsed.text == expected


def test_pdf_without_text_layer(tmp_path: Path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "blank.pdf"
    writer.write(path)
    assert read_error(path).reason == "no text: the pages are blank (no text layer, no images)"


def test_pdf_that_is_html(tmp_path: Path):
    err = read_error(write(tmp_path / "page.pdf", "<!DOCTYPE html><html><body>404</body></html>"))
    assert err.reason.startswith("not a PDF (starts with '<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "not a PDF (empty file)"), (b"%PDF-1.4\n1 0 obj\n<<", "not a valid PDF")],
    ids=["empty", "truncated"],
)
def test_pdf_broken(tmp_path: Path, data: bytes, reason: str):
    assert read_error(write(tmp_path / "broken.pdf", data)).reason.startswith(reason)


def _encrypted(tmp_path: Path, user: str, owner: str | None) -> Path:
    plain = write(tmp_path / "plain.pdf", hand_pdf([["Secret text"]]))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user, owner)
    path = tmp_path / "locked.pdf"
    writer.write(path)
    return path


def test_pdf_encrypted_with_password(tmp_path: Path):
    err = read_error(_encrypted(tmp_path, "secret", None))
    assert err.reason == "encrypted PDF (password required)"


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path):
    assert read_file(_encrypted(tmp_path, "", "owner")).text == "Secret text"


def test_pdf_char_limit_stops_early(tmp_path: Path):
    path = write(tmp_path / "long.pdf", hand_pdf([["x" * 50]] * 5))
    err = read_error(path, max_chars=60)
    assert err.reason == "extracted text is over the 60-character limit (stopped at page 2)"


# --- .html ---------------------------------------------------------------------------


def test_html_title_body_and_no_script(tmp_path: Path):
    html = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>  Kết luận
    số 237-KL/TU </title><style>p { color: red }</style><script>var x = "secret";</script></head>
    <body><!-- a comment --><h1>KẾT LUẬN</h1><p>Hội nghị <b>lần thứ 5</b> đã nghe.</p>
    <script>alert("no")</script><noscript>enable js</noscript>
    <table><tr><td>TỈNH ỦY KON TUM</td><td>ĐẢNG CỘNG SẢN VIỆT NAM</td></tr></table>
    <p>Dòng một<br>Dòng hai</p></body></html>"""
    parsed = read_file(write(tmp_path / "page.html", html))
    assert parsed.format == "html" and parsed.encoding == "utf-8"
    assert parsed.title == "Kết luận số 237-KL/TU"
    assert parsed.text.split("\n") == [
        "KẾT LUẬN",
        "Hội nghị lần thứ 5 đã nghe.",
        "TỈNH ỦY KON TUM",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Dòng một",
        "Dòng hai",
    ]
    for absent in ("secret", "alert", "color", "comment", "enable js"):
        assert absent not in parsed.text


@pytest.mark.parametrize(
    ("head", "body_bytes", "expected"),
    [
        ('<meta charset="windows-1252">', "café".encode("cp1252"), "café"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
            b"na\xefve",
            "naïve",
        ),
        ("", "Tỉnh ủy".encode("utf-8"), "Tỉnh ủy"),
        ('<meta charset="no-such-charset">', "Tỉnh ủy".encode("utf-8"), "Tỉnh ủy"),
    ],
    ids=["meta-charset", "http-equiv", "default-utf8", "unknown-charset"],
)
def test_html_charset(tmp_path: Path, head: str, body_bytes: bytes, expected: str):
    data = f"<html><head>{head}</head><body><p>".encode() + body_bytes + b"</p></body></html>"
    assert read_file(write(tmp_path / "page.htm", data)).text == expected


def test_html_xml_declaration_and_empty(tmp_path: Path):
    xhtml = '<?xml version="1.0" encoding="utf-8"?><html><body><p>Đảng bộ</p></body></html>'
    assert read_file(write(tmp_path / "x.html", xhtml)).text == "Đảng bộ"
    assert "empty" in read_error(write(tmp_path / "empty.html", "")).reason
    nul = write(tmp_path / "nul.html", "<p>Tỉnh\x00 ủy\ufffe</p>")  # XML-invalid for lxml
    assert read_file(nul).text == "Tỉnh ủy"
    blank = write(tmp_path / "blank.html", "<html><body> </body></html>")
    assert "empty" in read_error(blank).reason


# --- JSON Lines ----------------------------------------------------------------------

_GOOD = [
    {
        "id": "a-1",
        "title": "Điều 1. Phạm vi",
        "text": "Luật này quy định[footnoteRef:1] **về**",
        "law": "08/2007/QH12",
    },
    {"id": 2, "text": unicodedata.normalize("NFD", "Tiếng Việt có dấu")},
]
_LINES = [
    json.dumps(_GOOD[0], ensure_ascii=False),
    "",  # blank: skipped
    "{not json",
    "[1, 2]",
    json.dumps({"text": "no id"}),
    json.dumps({"id": "", "text": "empty id"}),
    json.dumps({"id": "x", "text": 5}),
    json.dumps({"id": "y"}),
    json.dumps({"id": "z", "text": "   "}),
    json.dumps(_GOOD[1]),
]
_BAD = {3: "invalid JSON", 4: "not a JSON object (got array)", 5: 'missing or empty "id"',
        6: 'missing or empty "id"', 7: '"text" is not a string (got number)', 8: 'missing "text"',
        9: 'empty "text"'}


def _jsonl_line(i: int, text: str) -> str:
    return json.dumps({"id": str(i), "text": text}, ensure_ascii=False)


def _write_jsonl(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    elif path.name.endswith(".xz"):
        data = lzma.compress(data)
    return write(path, data)


@pytest.mark.parametrize("suffix", JSONL_SUFFIXES)
def test_jsonl_good_and_bad_lines(tmp_path: Path, suffix: str):
    path = _write_jsonl(tmp_path / f"docs{suffix}", _LINES)
    results = list(iter_jsonl(path))
    records = [r for r in results if isinstance(r, JsonlRecord)]
    errors = [r for r in results if isinstance(r, ReadError)]
    assert [(r.line, r.id) for r in records] == [(1, "a-1"), (10, "2")]
    first = records[0].parsed
    assert first.text == "Luật này quy định về" and first.title == "Điều 1. Phạm vi"
    assert first.format == "jsonl" and first.extra == {"law": "08/2007/QH12"}
    assert records[1].parsed.text == "Tiếng Việt có dấu" and records[1].parsed.title is None
    # "invalid JSON (Expecting … at column 2)": the detail is the json module's wording
    reasons = {e.path: e.reason.split(" (")[0] if "JSON (" in e.reason else e.reason
               for e in errors}
    assert reasons == {f"{path}:{n}": reason for n, reason in _BAD.items()}


def test_jsonl_record_over_char_limit_and_bad_utf8(tmp_path: Path):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(
        json.dumps({"id": "long", "text": "x" * 100}).encode() + b"\n"
        + b'{"id": "bad", "text": "caf\xe9"}\n'
        + json.dumps({"id": "ok", "text": "ngắn"}, ensure_ascii=False).encode() + b"\n"
    )
    results = list(iter_jsonl(path, max_chars=50))
    assert isinstance(results[0], ReadError) and "over the 50 limit" in results[0].reason
    assert isinstance(results[1], ReadError)
    assert results[1].reason.startswith("not UTF-8 (invalid byte 0xE9")
    assert isinstance(results[2], JsonlRecord) and results[2].parsed.text == "ngắn"


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.xz"])
def test_jsonl_truncated_stream_yields_one_error_and_stops(tmp_path: Path, suffix: str):
    lines = [_jsonl_line(i, f"văn bản số {i} " * 20) for i in range(2000)]
    full = _write_jsonl(tmp_path / f"full{suffix}", lines).read_bytes()
    path = write(tmp_path / f"cut{suffix}", full[: len(full) // 2])
    results = list(iter_jsonl(path))
    assert all(isinstance(r, JsonlRecord) for r in results[:-1])
    assert isinstance(results[-1], ReadError) and results[-1].path == str(path)
    assert "corrupt or truncated" in results[-1].reason


def test_jsonl_garbage_compressed_and_missing(tmp_path: Path):
    garbage = write(tmp_path / "junk.jsonl.gz", b"this is not gzip at all")
    (only,) = list(iter_jsonl(garbage))
    assert isinstance(only, ReadError) and "corrupt or truncated" in only.reason
    (missing,) = list(iter_jsonl(tmp_path / "none.jsonl"))
    assert isinstance(missing, ReadError) and missing.reason == "file not found"


def test_jsonl_streams_without_loading_the_file(tmp_path: Path):
    lines = [_jsonl_line(i, "nội dung điều luật " * 100) for i in range(8000)]
    path = _write_jsonl(tmp_path / "big.jsonl.gz", lines)  # ~20 MB uncompressed
    tracemalloc.start()
    try:
        first = list(itertools.islice(iter_jsonl(path), 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.id for r in first] == [str(i) for i in range(20)]
    assert peak < 5 * 1024 * 1024


_JSONL_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(_LINES + ["{}", "null", '{"id": 1e999, "text": "x"}', "\x00"]))
    .map(lambda lines: "\n".join(lines).encode("utf-8")),
)


@pytest.mark.slow  # hypothesis, many examples
@given(data=_JSONL_BYTES, suffix=st.sampled_from(JSONL_SUFFIXES), compress=st.booleans())
@settings(max_examples=300, deadline=None)
def test_iter_jsonl_on_any_bytes_yields_records_or_errors(
    fuzz_dir: Path, data: bytes, suffix: str, compress: bool
):
    if compress and suffix == ".jsonl.gz":
        data = gzip.compress(data)
    elif compress and suffix == ".jsonl.xz":
        data = lzma.compress(data)
    path = write(fuzz_dir / f"fuzz{suffix}", data)
    for item in iter_jsonl(path):
        assert isinstance(item, (JsonlRecord, ReadError))
        if isinstance(item, JsonlRecord):
            assert item.id and item.parsed.text and is_nfc(item.parsed.text)


@pytest.mark.skipif(
    not PHAPDIEN.exists(),
    reason="shared corpus phapdien.jsonl.xz exists only on the project machine",
)
def test_phapdien_first_records():
    records = list(itertools.islice(iter_jsonl(PHAPDIEN), 50))
    assert len(records) == 50
    assert [r for r in records if isinstance(r, ReadError)] == []
    assert [r.line for r in records] == list(range(1, 51))
    for record in records:
        assert record.id.startswith("pd-")
        assert is_nfc(record.parsed.text) and record.parsed.text
        assert record.parsed.title and is_nfc(record.parsed.title)
        assert record.parsed.converted_from is None
    assert records[0].parsed.title == "Điều 40.1.LQ.1. Phạm vi điều chỉnh"


# --- legacy encodings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "encoding", "unicode"),
    [
        ("TØnh ñy", "tcvn3", "Tỉnh ủy"),
        ("§¶ng", "tcvn3", "Đảng"),
        ("Uû ban nh©n d©n", "tcvn3", "Uỷ ban nhân dân"),
        ("Ban ChÊp hµnh §¶ng bé tØnh", "tcvn3", "Ban Chấp hành Đảng bộ tỉnh"),
        ("Tænh uûy", "vni", "Tỉnh ủy"),
        ("Ñaûng Coäng saûn Vieät Nam", "vni", "Đảng Cộng sản Việt Nam"),
        ("KÕT LUËN cña Ban th\xadêng vô", "tcvn3", "KẾT LUẬN của Ban thường vụ"),  # .VnTimeH caps
        ("NGHÞ QUYÕT §¹I HéI", "tcvn3", "NGHỊ QUYẾT ĐẠI HỘI"),
        ("§¶NG Bé TØNH", "tcvn3", "ĐẢNG BỘ TỈNH"),
    ],
)
def test_convert_legacy_samples(legacy: str, encoding: str, unicode: str):
    assert convert_legacy(legacy, encoding) == unicode


def test_convert_legacy_unknown_encoding():
    with pytest.raises(ValueError):
        convert_legacy("x", "viqr")


def _encode_legacy(text: str, encoding: str) -> str:
    """Unicode → legacy with the library's own table run backwards."""
    from viparse.normalize.encodings import get_charmap

    reverse: dict[str, str] = {}
    for sequence, letter in get_charmap(encoding).pairs:
        reverse.setdefault(letter, sequence)
    if encoding == "vni":  # VNI writes ì and í as themselves
        reverse.pop("ì"), reverse.pop("í")
    return "".join(reverse.get(ch, ch) for ch in text)


SENTENCES = [
    "Hội nghị lần thứ năm Ban chấp hành Đảng bộ tỉnh đã nghe và cho ý kiến đối với tờ trình"
    " của ban thường vụ tỉnh ủy",
    "Thực hiện chương trình công tác năm 2021, ban thường vụ tỉnh ủy báo cáo tổng kết thực hiện"
    " nghị quyết về giảm nghèo",
    "Đảng Cộng sản Việt Nam",
    "Uỷ ban nhân dân tỉnh Kon Tum",
    "Tỉnh ủy Điện Biên chỉ đạo các huyện miền núi xây dựng nông thôn mới",
]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
@pytest.mark.parametrize("sentence", SENTENCES, ids=lambda s: s[:20])
def test_legacy_round_trip_and_detection(sentence: str, encoding: str):
    legacy = _encode_legacy(sentence, encoding)
    assert legacy != sentence
    assert detect_legacy(legacy) == encoding
    assert convert_legacy(legacy, encoding) == sentence
    assert fix_legacy(legacy) == (sentence, encoding)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TØnh ñy", "tcvn3"),
        ("Uû ban nh©n d©n", "tcvn3"),
        ("Ban ChÊp hµnh §¶ng bé tØnh", "tcvn3"),
        ("Tænh uûy", "vni"),
        ("Ñaûng Coäng saûn Vieät Nam", "vni"),
        ("§¶ng", None),  # one word is too little evidence on its own…
        ("Hello world, plain ASCII text.", None),
        ("El niño comió mañana; señor, ¿qué pasó en España?", None),
        ("Müller schön für Größe, Äpfel und Öl. Übung daß", None),
        ("Ça a été très façon élève garçon où déjà Noël", None),
        ("© 2021 Công ty dân dụng · Bản quyền", None),
        # two German words become syllables (Maß → mào) but the rest stays foreign
        ("Das Maß ist groß, daß wir schnell laufen müssen und Äpfel essen", None),
        # Unicode Vietnamese inside Latin-1: the conversion breaks as many words as it fixes
        ("Tây Nguyên có cà phê, bánh mì và chè, TØnh ñy", None),
        (VIET, None),
    ],
)
def test_detect_legacy_table(text: str, expected: str | None):
    assert detect_legacy(text) == expected


def test_detect_legacy_uses_font_hint():
    assert detect_legacy("§¶ng", fonts=[".VnTime"]) == "tcvn3"  # …but with the font it is
    assert detect_legacy("§¶ng", fonts=["Times New Roman"]) is None


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seeds_are_not_legacy(seed: Path):
    text = seed.read_text(encoding="utf-8")
    assert detect_legacy(text) is None
    assert fix_legacy(text) == (text, None)


def test_fix_legacy_converts_only_legacy_lines_of_mixed_text():
    unicode_line = "Tỉnh ủy Kon Tum báo cáo công tác dân vận"
    legacy_line = _encode_legacy("Ban chấp hành Đảng bộ tỉnh đã họp và thống nhất", "tcvn3")
    text, encoding = fix_legacy(f"{unicode_line}\n{legacy_line}\n{unicode_line}")
    assert encoding == "tcvn3"
    converted = "Ban chấp hành Đảng bộ tỉnh đã họp và thống nhất"
    assert text.split("\n") == [unicode_line, converted, unicode_line]


def test_txt_with_tcvn3_mojibake_is_converted(tmp_path: Path):
    legacy = _encode_legacy(SENTENCES[0], "tcvn3")
    parsed = read_file(write(tmp_path / "old.txt", legacy))
    assert (parsed.text, parsed.converted_from) == (SENTENCES[0], "tcvn3")
    assert parsed.warnings == ["converted from TCVN3"]


@pytest.mark.parametrize(
    ("word", "valid"),
    [("tỉnh", True), ("Đảng", True), ("nghiêng", True), ("khuya", True), ("quý", True),
     ("được", True), ("chấp", True), ("chap", False), ("tØnh", False), ("ñy", False),
     ("niño", False), ("strength", False), ("hoàà", False), ("ả̀", False)],
)
def test_is_vietnamese_syllable(word: str, valid: bool):
    assert is_vietnamese_syllable(word) is valid


_UNICODE_WORDS = sorted(
    {w for seed in SEEDS for w in seed.read_text(encoding="utf-8").split() if w.isalpha()}
)


@given(st.lists(st.sampled_from(_UNICODE_WORDS), min_size=1, max_size=60))
@settings(max_examples=200, deadline=None)
def test_unicode_vietnamese_is_never_detected(words: list[str]):
    assert detect_legacy(" ".join(words)) is None


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_fix_legacy_never_raises(text: str):
    fixed, encoding = fix_legacy(text)
    assert encoding in (None, "tcvn3", "vni")
    assert encoding is not None or fixed == text


# --- legacy 8-bit text files ------------------------------------------------------------


def _legacy_encoder(name: str) -> dict[str, str]:
    """Unicode letter → its TCVN3/VNI form (the inverse of viparse's table, which lacks
    VNI's ẳ: a + 0xFA, like ắ a + 0xE9)."""
    from viparse.normalize.encodings import get_charmap

    table = {uni: seq for seq, uni in get_charmap(name).pairs if len(uni) == 1}
    return table | ({"ẳ": "aú", "Ẳ": "AÚ"} if name == "vni" else {})


def to_legacy_bytes(text: str, name: str) -> bytes:
    """Encode NFC text as a .VnTime (TCVN3) or VNI-Times file saves it."""
    table = _legacy_encoder(name)
    if name == "tcvn3":  # TCVN3 has no accented capitals: .VnTimeH draws lowercase ones
        text = "".join(ch if ch in table or ch.isascii() else ch.lower() for ch in text)
    legacy = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFC", text))
    # letters are Latin-1; quotes and dashes are what a Windows editor saves: cp1252
    return b"".join(ch.encode("latin-1") if ord(ch) < 256 else ch.encode("cp1252")
                    for ch in legacy)


SEED_KT = SEEDS_DIR / "000_7deaedef5e058121.txt"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("tcvn3", "tcvn3 bytes"), ("vni", "vni bytes")],
)
def test_legacy_byte_text_files_are_converted(tmp_path: Path, name: str, encoding: str):
    text = "Hội nghị lần thứ 5 Ban Chấp hành Đảng bộ tỉnh đã nghe Tờ trình của Tỉnh ủy."
    parsed = read_file(write(tmp_path / "old.txt", to_legacy_bytes(text, name)))
    assert parsed.text == text
    assert (parsed.encoding, parsed.converted_from) == (encoding, name)
    assert f"converted from {name.upper()}" in parsed.warnings


def test_windows_1258_text_file(tmp_path: Path):
    parsed = read_file(write(tmp_path / "cp1258.txt", _cp1258(VIET)))
    assert parsed.text == VIET
    assert parsed.encoding == "cp1258" and parsed.converted_from is None


@pytest.mark.parametrize("name", ["tcvn3", "vni"])
def test_a_real_seed_saved_in_a_legacy_encoding(tmp_path: Path, name: str):
    from search.ingest.metadata import extract_metadata

    original = read_file(SEED_KT)
    parsed = read_file(write(tmp_path / "kl237.txt", to_legacy_bytes(original.text, name)))
    assert parsed.converted_from == name
    meta = extract_metadata(parsed.text)
    assert meta.get("number") == "237-KL/TU" and meta.get("province") == "Kon Tum"
    assert meta.get("date") == "2021-11-08"
    for word in ("xã đặc biệt khó khăn", "Ban Chấp hành Đảng bộ tỉnh"):
        assert word in parsed.text


@pytest.mark.parametrize(
    "data",
    [
        "Größe und Übermaß für Bäume".encode("latin-1"),
        "Le café déjà prêt à côté".encode("cp1252"),
        bytes(range(0xA0, 0x100)) * 4,
    ],
    ids=["german", "french", "high-bytes"],
)
def test_8bit_text_that_is_not_vietnamese_is_an_error(tmp_path: Path, data: bytes):
    err = read_error(write(tmp_path / "other.txt", data))
    assert err.reason.startswith("not UTF-8 or UTF-16 text, and not Vietnamese in TCVN3, VNI"
                                 " or Windows-1258 (invalid UTF-8 byte 0x")
    assert err.reason.endswith("save it as UTF-8")


_SYLLABLES = ["tỉnh", "ủy", "đảng", "bộ", "nghị", "quyết", "xã", "hội", "giảm", "nghèo",
              "nông", "thôn", "mới", "dân", "tộc", "thiểu", "số", "khó", "khăn", "đặc",
              "biệt", "phát", "triển", "bền", "vững", "của", "về", "các", "năm", "ưu", "tiên"]


@given(st.lists(st.sampled_from(_SYLLABLES), min_size=3, max_size=30),
       st.sampled_from(["tcvn3", "vni"]))
def test_any_vietnamese_text_round_trips_through_legacy_bytes(words, name):
    import tempfile

    text = " ".join(words)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            parsed = read_file(write(Path(tmp) / "t.txt", to_legacy_bytes(text, name)))
        except ReadError as err:
            # too little evidence in a few words may be refused, never garbled
            assert err.reason.startswith("not UTF-8 or UTF-16 text, and not Vietnamese")
            return
    assert parsed.text == text


# --- legacy 8-bit text files: tables ------------------------------------------------------


def _reason_8bit(data: bytes) -> str:
    """The error for bytes that are neither UTF-8 nor 8-bit Vietnamese."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ("not UTF-8 or UTF-16 text, and not Vietnamese in TCVN3, VNI or Windows-1258"
                f" (invalid UTF-8 byte 0x{data[exc.start]:02X} at offset {exc.start});"
                " save it as UTF-8")
    raise AssertionError("valid UTF-8")


UTF8_LINE = "Tỉnh ủy Kon Tum báo cáo kết quả thực hiện nghị quyết về giảm nghèo."
LEGACY_SENTENCE = "Ban Chấp hành Đảng bộ tỉnh đã thống nhất ban hành Kết luận về xây dựng nông thôn mới."


@pytest.mark.parametrize(
    ("data", "text", "encoding", "converted_from"),
    [
        (to_legacy_bytes(VIET, "tcvn3"), VIET, "tcvn3 bytes", "tcvn3"),
        (to_legacy_bytes(VIET, "vni"), VIET, "vni bytes", "vni"),
        # VNI's ẳ (a + 0xFA), missing from viparse's table
        (to_legacy_bytes("Chẳng hạn, thẳng thắn phê bình và tự phê bình trong Đảng.", "vni"),
         "Chẳng hạn, thẳng thắn phê bình và tự phê bình trong Đảng.", "vni bytes", "vni"),
        # cp1252 punctuation (0x80–0x9F) around TCVN3 letters (0xA0–0xFF)
        (to_legacy_bytes(f"“{VIET}” – …", "tcvn3"), f"“{VIET}” – …", "tcvn3 bytes", "tcvn3"),
        (to_legacy_bytes(f"‘{VIET}’ — …", "vni"), f"‘{VIET}’ — …", "vni bytes", "vni"),
        # Windows line ends
        (to_legacy_bytes(f"{VIET}\r\n{LEGACY_SENTENCE}\r\n", "vni"), f"{VIET}\n{LEGACY_SENTENCE}",
         "vni bytes", "vni"),
        # a short file with a single signature byte (ø) still reads: the bytes are not UTF-8
        (to_legacy_bytes("chiếm diễn nhiều tế cứng kèm", "tcvn3"),
         "chiếm diễn nhiều tế cứng kèm", "tcvn3 bytes", "tcvn3"),
        # mixed: UTF-8 lines and legacy lines pasted into one file keep both
        (f"{UTF8_LINE}\n".encode() + to_legacy_bytes(LEGACY_SENTENCE, "tcvn3")
         + f"\n{UTF8_LINE}".encode(), f"{UTF8_LINE}\n{LEGACY_SENTENCE}\n{UTF8_LINE}",
         "utf-8 and tcvn3 bytes", "tcvn3"),
        (to_legacy_bytes(LEGACY_SENTENCE, "vni") + f"\n{UTF8_LINE}".encode(),
         f"{LEGACY_SENTENCE}\n{UTF8_LINE}", "utf-8 and vni bytes", "vni"),
        (_cp1258(VIET), VIET, "cp1258", None),
        (f"{UTF8_LINE}\n".encode() + _cp1258(VIET), f"{UTF8_LINE}\n{VIET}", "utf-8 and cp1258",
         None),
    ],
    ids=["tcvn3", "vni", "vni-a-breve-hook", "tcvn3-cp1252-quotes", "vni-cp1252-quotes",
         "vni-crlf", "tcvn3-one-signature", "mixed-utf8-tcvn3", "mixed-vni-utf8", "cp1258",
         "mixed-utf8-cp1258"],
)
def test_8bit_vietnamese_text_files(tmp_path: Path, data: bytes, text: str, encoding: str,
                                    converted_from: str | None):
    parsed = read_file(write(tmp_path / "old.txt", data))
    assert parsed.text == text
    assert (parsed.encoding, parsed.converted_from) == (encoding, converted_from)
    if converted_from:
        assert parsed.warnings == [f"converted from {converted_from.upper()}"]


@pytest.mark.parametrize(
    "data",
    [
        "Le café déjà prêt à côté de l'hôtel, où l'élève a mangé une crêpe".encode("latin-1"),
        "« Où êtes-vous ? » – Être ou ne pas être, voilà la question…".encode("cp1252"),
        "Größe und Übermaß für Bäume, schön daß Müller Äpfel aß".encode("latin-1"),
        "El niño comió mañana; señor, ¿qué pasó en España?".encode("cp1252"),
        bytes(range(0xA0, 0x100)) * 4,
        bytes(range(0x80, 0x100)) * 4,
        # UTF-8 with one stray Windows quote: not Vietnamese in any 8-bit encoding
        f"{UTF8_LINE} ".encode() + b"\x93trich\x94",
        # TCVN3 bytes that Windows-1258 reads as Vietnamese too ("chỉu"): neither wins
        to_legacy_bytes("chiều chiều chiều chiều", "tcvn3"),
        # a legacy word or two is too little evidence
        to_legacy_bytes("Tờ", "tcvn3"),
    ],
    ids=["latin1-french", "cp1252-french", "latin1-german", "cp1252-spanish", "high-bytes",
         "c1-and-high-bytes", "utf8-stray-cp1252", "tcvn3-or-cp1258", "one-word"],
)
def test_8bit_text_that_is_not_vietnamese_is_a_clear_error(tmp_path: Path, data: bytes):
    assert read_error(write(tmp_path / "other.txt", data)).reason == _reason_8bit(data)


@pytest.mark.parametrize(
    "data",
    [to_legacy_bytes(VIET, "tcvn3") + b"\x00", b"\x00" + to_legacy_bytes(VIET, "vni")],
    ids=["tcvn3-nul", "vni-nul"],
)
def test_8bit_text_with_nul_bytes_stays_binary(tmp_path: Path, data: bytes):
    err = read_error(write(tmp_path / "nul.txt", data))
    assert err.reason == "binary file, not text (contains NUL bytes; UTF-16 needs a BOM)"


@pytest.mark.parametrize("name", ["tcvn3", "vni"])
def test_every_legacy_byte_round_trips(name: str):
    """viparse's tables map Latin-1 code points 0xA0–0xFF only (none in 0x80–0x9F, which
    a Windows editor fills with cp1252 punctuation): each sequence's bytes, read back as
    8-bit text, are the sequence again."""
    from viparse.normalize.encodings import get_charmap

    from search.ingest.readers.text import _legacy_byte_text

    sequences = [seq for seq, _ in get_charmap(name).pairs]
    assert all(ch.isascii() or 0xA0 <= ord(ch) <= 0xFF for seq in sequences for ch in seq)
    for seq in sequences:
        assert _legacy_byte_text(seq.encode("latin-1")) == seq
    c1 = bytes(range(0x80, 0xA0))
    assert _legacy_byte_text(c1) == "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in c1)


@pytest.mark.parametrize(
    ("text", "from_bytes", "expected"),
    [
        ("chiÕm diÔn nhiÒu tÕ cøng kÌm", False, None),  # one signature (ø): could be Unicode
        ("chiÕm diÔn nhiÒu tÕ cøng kÌm", True, "tcvn3"),  # …but 8-bit bytes cannot be
        ("caáp cuûa khaùc raãy chuùc", True, "vni"),
        ("Größe und Übermaß für Bäume, schön daß Müller Äpfel aß", True, None),
        ("Le café déjà prêt à côté de l'hôtel, où l'élève a mangé", True, None),
        ("Das Maß ist groß, daß wir schnell laufen müssen und Äpfel essen", True, None),
        ("§¶ng", True, None),  # one word: too little evidence still
    ],
)
def test_detect_legacy_from_bytes(text: str, from_bytes: bool, expected: str | None):
    assert detect_legacy(text, from_bytes=from_bytes) == expected


def _without_superscripts(text: str) -> str:
    # "¹" is byte 0xB9, which TCVN3 reads as "ạ": a .VnTime file cannot hold it
    return text.translate(str.maketrans("¹²³", "123"))


@pytest.mark.parametrize("name", ["tcvn3", "vni"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_every_seed_saved_as_legacy_bytes_reads_back_with_its_metadata(tmp_path: Path,
                                                                       seed: Path, name: str):
    from search.ingest.metadata import extract_metadata

    original = read_file(write(tmp_path / "u.txt", _without_superscripts(read_file(seed).text)))
    parsed = read_file(write(tmp_path / "old.txt", to_legacy_bytes(original.text, name)))
    assert (parsed.encoding, parsed.converted_from) == (f"{name} bytes", name)
    if name == "vni":
        assert parsed.text == original.text
    else:  # TCVN3 has no accented capitals: "Ủy" is saved, and read back, as "ủy"
        assert parsed.text.lower() == original.text.lower()
    assert extract_metadata(parsed.text).values() == extract_metadata(original.text).values()


# --- legacy 8-bit text files: properties ------------------------------------------------------

_SEED_TEXTS = [" ".join(_without_superscripts(read_file(seed).text).split()) for seed in SEEDS]
_SEED_SYLLABLES = sorted({w.lower() for text in _SEED_TEXTS for w in text.split()
                          if is_vietnamese_syllable(w)})


def _read_legacy(text: str, name: str) -> ParsedText:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return read_file(write(Path(tmp) / "t.txt", to_legacy_bytes(text, name)))


@pytest.mark.slow  # hypothesis, many examples
@given(st.data(), st.sampled_from(["tcvn3", "vni"]))
@settings(max_examples=150, deadline=None)
def test_any_passage_saved_as_legacy_bytes_reads_back_the_same(data, name):
    """Any run of 20+ words of real Vietnamese, saved as TCVN3 (lowercase: TCVN3 has no
    accented capitals) or VNI bytes, reads back as the same text."""
    words = _SEED_TEXTS[data.draw(st.sampled_from(range(len(_SEED_TEXTS))))].split()
    size = data.draw(st.integers(20, 80))
    start = data.draw(st.integers(0, max(0, len(words) - size)))
    text = " ".join(words[start:start + size])
    if name == "tcvn3":
        text = text.lower()
    parsed = _read_legacy(text, name)
    assert parsed.text == text and parsed.converted_from == name


@pytest.mark.slow  # hypothesis, many examples
@given(st.lists(st.sampled_from(_SEED_SYLLABLES), min_size=1, max_size=40),
       st.sampled_from(["tcvn3", "vni"]))
@settings(max_examples=200, deadline=None)
def test_any_syllables_saved_as_legacy_bytes_read_back_or_fail_never_garbled(words, name):
    text = " ".join(words)
    try:
        parsed = _read_legacy(text, name)
    except ReadError as err:
        assert err.reason == _reason_8bit(to_legacy_bytes(text, name))
        return
    assert parsed.text == text


@pytest.mark.parametrize("parts", [("word/document.xml",),
                                   ("word/document.xml", "word/styles.xml")])
def test_a_docx_that_never_declares_the_r_namespace_is_read(tmp_path, parts):
    """Valid OOXML need not declare xmlns:r when it never uses it (other tools than Word
    write such files); docx2python looked the prefix up and failed with KeyError: 'r'."""
    import docx

    made = tmp_path / "made.docx"
    document = docx.Document()
    document.add_paragraph("Nghị quyết về giảm nghèo bền vững ở các xã đặc biệt khó khăn.")
    document.save(made)
    path = tmp_path / "no-r.docx"
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename in parts:
                assert b"r:id" not in data and b"r:embed" not in data  # r: is unused
                data = re.sub(rb'\s+xmlns:r="[^"]+"', b"", data)
            dst.writestr(item, data)
    assert read_file(path).text == "Nghị quyết về giảm nghèo bền vững ở các xã đặc biệt khó khăn."
