"""Word 97 .doc, .odt and .rtf (search/ingest/readers/office.py), on fixtures an office suite wrote.

The fixtures in tests/fixtures/office/ were made by make_fixtures.py there (python-docx
with a real Word footnote, then LibreOffice's conversion, as an office saves them); four
are typed in `.VnTime` (TCVN3) or `VNI-Times` (VNI), as old provincial offices typed
them. LibreOffice is not needed here: its optional use is tested with a stand-in.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

import olefile
import pytest

from search.ingest.readers import office
from search.errors import ReadError
from search.ingest.extracted import ReadLimits
from search.index import open_index
from search.indexer import build_index
from search.ingest.metadata import extract_metadata
from search.ingest.readers.office import _doc_text, _footnotes, _split_notes, _without_field_codes
from search.ingest.parse import read_file
from search.results import SearchRequest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "office"
FOOTNOTE = "1. Theo Quyết định số 50/2016/QĐ-TTg, ngày 03-11-2016 của Thủ tướng Chính phủ."
ENDNOTE = "1. Tờ trình số 22-TTr/TU ngày 22-9-2021 của Ban Thường vụ Tỉnh ủy."

# file → (number, type, date, title, a phrase of the body, legacy encoding, its font)
CASES = {
    "nq-04-kontum.doc": ("04-NQ/TU", "Nghị quyết", "2016-08-19",
                         "về tiếp tục xây dựng các xã đặc biệt khó khăn trong tình hình mới",
                         "kết cấu hạ tầng cho các xã đặc biệt khó khăn", None, None),
    "ct-05-kontum.odt": ("05-CT/TU", "Chỉ thị", "2017-03-02",
                         "về tăng cường phòng chống cháy rừng mùa khô",
                         "rừng phòng hộ đầu nguồn", None, None),
    "kl-06-kontum.rtf": ("06-KL/TU", "Kết luận", "2018-05-15",
                         "về phát triển cây dược liệu dưới tán rừng",
                         "sâm Ngọc Linh", None, None),
    "nq-07-kontum-tcvn3.doc": ("07-NQ/TU", "Nghị quyết", "2019-09-20",
                               "về phát triển giáo dục nghề nghiệp cho thanh niên dân tộc "
                               "thiểu số", "đào tạo nghề cho thanh niên", "tcvn3", ".VnTime"),
    "kl-08-kontum-tcvn3.rtf": ("08-KL/TU", "Kết luận", "2019-10-11",
                               "về sắp xếp dân cư vùng sạt lở", "nguy cơ sạt lở đất", "tcvn3",
                               ".VnTime"),
    "nq-09-kontum-vni.doc": ("09-NQ/TU", "Nghị quyết", "2019-12-05",
                             "về phát triển du lịch cộng đồng gắn với bảo tồn văn hóa",
                             "làng đồng bào dân tộc thiểu số có nhà rông", "vni", "VNI-Times"),
    "ct-10-kontum-tcvn3.odt": ("10-CT/TU", "Chỉ thị", "2020-01-16",
                               "về tăng cường công tác phòng chống dịch bệnh",
                               "chủ động phòng chống dịch bệnh", "tcvn3", ".VnTime"),
}
# What TCVN3 and VNI text looks like unconverted ("Đảng", "Tỉnh", "ngày", "người").
LEGACY_DEBRIS = ("§¶ng", "TØnh", "ngµy", "QuyÕt", "ñy", "ng­êi", "Ñaûng", "Tænh", "ngaøy")


@pytest.mark.parametrize("name", sorted(CASES))
def test_read(name):
    number, _, _, title, phrase, legacy, font = CASES[name]
    parsed = read_file(FIXTURES / name)
    assert parsed.format == name.rsplit(".", 1)[1]
    assert parsed.converted_from == legacy
    for words in (title, phrase, "TỈNH ỦY KON TUM", "ĐẢNG CỘNG SẢN VIỆT NAM", "BÍ THƯ",
                  "Đời sống của người dân được nâng lên", "Tỷ lệ hộ nghèo giảm",
                  "Số xã thoát khỏi diện đặc biệt khó khăn"):
        assert words in parsed.text, words
    assert not any(debris in parsed.text + parsed.notes for debris in LEGACY_DEBRIS)
    # the header table: each cell on its own line, like the .docx reader
    lines = parsed.text.split("\n")
    assert "TỈNH ỦY KON TUM" in lines and "ĐẢNG CỘNG SẢN VIỆT NAM" in lines
    assert number in parsed.text
    if font:
        assert font in parsed.extra["fonts"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_notes_are_kept_apart(name):
    parsed = read_file(FIXTURES / name)
    expected = [FOOTNOTE, ENDNOTE] if name == "nq-04-kontum.doc" else [FOOTNOTE]
    assert parsed.notes.split("\n") == expected  # "ư" of "Thủ tướng" kept, too
    assert "50/2016/QĐ-TTg" not in parsed.text and "22-TTr/TU" not in parsed.text


@pytest.mark.parametrize("name", sorted(CASES))
def test_metadata(name):
    number, doc_type, date, title, _, _, _ = CASES[name]
    meta = extract_metadata(read_file(FIXTURES / name).text)
    assert meta.get("number") == number
    assert meta.get("doc_type") == doc_type
    assert meta.get("date") == date
    assert meta.get("province") == "Kon Tum"
    assert meta.get("issuer") == "Tỉnh ủy"
    assert meta.get("title") == title


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("office")
    for name in CASES:
        shutil.copy(FIXTURES / name, corpus / name)
    index = tmp_path_factory.mktemp("office-index") / "index"
    report = build_index([corpus], index, workers=1)
    assert report.indexed == len(CASES) and not report.failed, report.to_dict()
    with open_index(index) as opened:
        yield opened


@pytest.mark.parametrize("name", sorted(CASES))
def test_found_first_by_number_and_by_title(ix, name):
    number, _, _, title, _, _, _ = CASES[name]
    doc_id = name.rsplit(".", 1)[0]
    assert ix.search(SearchRequest(q=number)).hits[0].id == doc_id
    phrase = " ".join(title.split()[1:6])
    assert ix.search(SearchRequest(q=f'"{phrase}"')).hits[0].id == doc_id


# --- what Word's binary text holds ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw, text",
    [
        ("Trang \x13 PAGE \x143\x15 của 5", "Trang 3 của 5"),
        ("\x13 HYPERLINK \"x\" \x14\x13 REF a \x14xã\x15 khó khăn\x15.", "xã khó khăn."),
        ("\x13 TOC \x15Mục lục", "Mục lục"),  # a field without a result
        ("a\x07b\x07\x07", "a\nb\n\n"),  # table cells and row end
        ("dòng\x0bmới\rđoạn", "dòng\nmới\nđoạn"),
        ("giảm\x1enghèo", "giảm-nghèo"),
        ("x\x02ã", "xã"),  # a footnote reference mark
    ],
)
def test_word_control_characters(raw, text):
    assert _doc_text(raw) == text


def test_optional_hyphen_is_kept_for_the_legacy_repair():
    # Word keeps a typed 0xAD as its optional hyphen; in TCVN3 that byte is "ư"
    assert _doc_text("Th\x1f\xedng") == "Th\xad\xedng"


@pytest.mark.parametrize(
    "chars, notes",
    [
        ("\x02 Quyết định 50/2016/QĐ-TTg.\r\x02 Ghi chú hai.\r",
         ["1. Quyết định 50/2016/QĐ-TTg.", "2. Ghi chú hai."]),
        ("", []),
        ("\x02\r", []),
    ],
)
def test_footnotes(chars, notes):
    assert _footnotes(chars) == notes


def test_unclosed_field_keeps_nothing_after_it():
    assert _without_field_codes("a\x13 b") == "a"


# --- RTF notes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, body, footnotes, endnotes",
    [
        (r"{\rtf1 a{\footnote b}c}", r"{\rtf1 ac}", [" b"], []),
        (r"{\rtf1 a{\*\footnote {\i b}\}c} d}", r"{\rtf1 a d}", [r" {\i b}\}c"], []),
        (r"{\rtf1 a{\footnote\ftnalt e}b}", r"{\rtf1 ab}", [], [r"\ftnalt e"]),
        (r"{\rtf1 \footnotesize x}", r"{\rtf1 \footnotesize x}", [], []),  # not a note
        (r"{\rtf1 a{\footnote b", r"{\rtf1 a", [" b"], []),  # unclosed: runs to the end
    ],
)
def test_rtf_notes_are_cut_out(raw, body, footnotes, endnotes):
    assert _split_notes(raw) == (body, footnotes, endnotes)


def test_rtf_cp1252_punctuation_and_notes(tmp_path):
    path = tmp_path / "quotes.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg1252 \'93Ngh\u7883?\u8203? quy\u7871?t\'94 "
                     rb"\'96 x\u227?{\footnote\pard 1 Ghi ch\'fa.}\par}")
    parsed = read_file(path)
    assert parsed.text == "“Nghị quyết” – xã"
    assert parsed.notes == "1. 1 Ghi chú."


# --- files that are not what their name says ----------------------------------------------------


def test_docx_renamed_doc_is_read_as_docx(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("TỈNH ỦY KON TUM")
    document.add_paragraph("Nghị quyết về giảm nghèo bền vững")
    document.save(str(tmp_path / "saved.docx"))
    shutil.copy(tmp_path / "saved.docx", tmp_path / "renamed.doc")
    parsed = read_file(tmp_path / "renamed.doc")
    assert "giảm nghèo bền vững" in parsed.text
    assert "a .docx named .doc, read as what it is" in parsed.warnings


@pytest.mark.parametrize(
    "data, text, warning",
    [
        ((FIXTURES / "kl-06-kontum.rtf").read_bytes(), "sâm Ngọc Linh", "RTF named .doc"),
        ('<html><head><meta charset="utf-8"></head><body><p>Nghị quyết về giảm nghèo</p>'
         "</body></html>".encode(), "Nghị quyết về giảm nghèo", "a web page (HTML) named .doc"),
    ],
)
def test_other_formats_named_doc_are_read_as_what_they_are(tmp_path, data, text, warning):
    path = tmp_path / "renamed.doc"
    path.write_bytes(data)
    parsed = read_file(path)
    assert text in parsed.text
    assert any(w.startswith(warning) for w in parsed.warnings), parsed.warnings


def _patched(tmp_path: Path, name: str, find: bytes, replace: bytes, at: int = 0) -> Path:
    """The Unicode .doc fixture with ``find`` (``at`` bytes in) replaced."""
    data = bytearray((FIXTURES / "nq-04-kontum.doc").read_bytes())
    where = data.find(find)
    assert where >= 0
    data[where + at:where + at + len(replace)] = replace
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def _fib(tmp_path: Path, name: str, offset: int, value: int) -> Path:
    """The fixture with one 16-bit FIB field changed."""
    with olefile.OleFileIO(str(FIXTURES / "nq-04-kontum.doc")) as ole:
        fib = ole.openstream("WordDocument").read(64)
    return _patched(tmp_path, name, fib, value.to_bytes(2, "little"), offset)


@pytest.fixture()
def no_soffice(monkeypatch):
    monkeypatch.setenv("VNSEARCH_SOFFICE", "")


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("binary.doc", lambda p: p.write_bytes(b"\x00\x01\x02 binary"),
         "not a Word 97 .doc (no OLE2 signature; is it text or HTML renamed .doc?)"),
        ("text.doc", lambda p: p.write_bytes("Nghị quyết".encode()),
         "not a Word 97 .doc (no OLE2 signature; is it text or HTML renamed .doc?)"),
        ("empty.doc", lambda p: p.write_bytes(b""), "empty file (no text)"),
        ("half.doc", lambda p: p.write_bytes((FIXTURES / "nq-04-kontum.doc").read_bytes()[:9000]),
         "not a valid .doc ("),
        ("broken.odt", lambda p: p.write_bytes(b"PK\x03\x04 not really"),
         "not a valid .odt (corrupt or truncated zip)"),
        ("garbage.rtf", lambda p: p.write_bytes(b"\x00\x01 not rtf"),
         "not an RTF file (does not start with {\\rtf)"),
    ],
)
def test_bad_office_files(tmp_path, no_soffice, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason.startswith(reason), info.value.reason
    assert info.value.path == str(path)


def test_odt_without_content_xml(tmp_path):
    path = tmp_path / "nocontent.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(ReadError, match=r"not a valid \.odt \(no content\.xml in the zip\)"):
        read_file(path)


@pytest.mark.parametrize(
    "name, offset, value, reason",
    [
        ("encrypted.doc", 0x0A, 0x0100 | 0x0200, "encrypted .doc (password required)"),
        ("word6.doc", 0x02, 0x0065, "Word 6/95 .doc (before Word 97): reading it needs "
                                    "LibreOffice (apt-get install libreoffice-writer-nogui)"),
    ],
)
def test_doc_the_fib_refuses(tmp_path, no_soffice, name, offset, value, reason):
    path = _fib(tmp_path, name, offset, value)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason.startswith(reason), info.value.reason


def test_ole2_file_that_is_not_word(tmp_path):
    # Excel or PowerPoint renamed .doc: an OLE2 file with no WordDocument stream
    path = _patched(tmp_path, "sheet.doc", "WordDocument".encode("utf-16-le"),
                    "WordDocumenX".encode("utf-16-le"))
    with pytest.raises(ReadError, match=r"OLE2 file without a Word document"):
        read_file(path)


def test_doc_over_the_text_limit_fails_before_decoding(tmp_path):
    with pytest.raises(ReadError, match=r"over the 100 limit"):
        read_file(FIXTURES / "nq-04-kontum.doc", max_chars=100)


# --- LibreOffice, optional, for Word 6/95 -------------------------------------------------------


def _stand_in(tmp_path: Path, behaviour: str) -> Path:
    """A program that answers like ``soffice --convert-to odt --outdir D F``."""
    script = tmp_path / f"soffice-{behaviour}"
    script.write_text(
        f"#!{sys.executable}\n"
        "import shutil, signal, sys\n"
        "args = sys.argv[1:]\n"
        f"behaviour = {behaviour!r}\n"
        "assert '--headless' in args and args[args.index('--convert-to') + 1] == 'odt'\n"
        "if behaviour == 'hang':\n"
        "    signal.pause()  # hangs until killed\n"
        "if behaviour == 'fail':\n"
        "    sys.stderr.write('Error: source file could not be loaded\\n')\n"
        "    sys.exit(1)\n"
        "out = args[args.index('--outdir') + 1]\n"
        f"shutil.copy({str(FIXTURES / 'ct-05-kontum.odt')!r}, out + '/source.odt')\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize(
    "behaviour, outcome",
    [
        ("convert", "Word 6/95 .doc (before Word 97): read through LibreOffice"),
        ("fail", "Word 6/95 .doc (before Word 97); LibreOffice could not convert it either "
                 "(exit 1: Error: source file could not be loaded)"),
        ("hang", "Word 6/95 .doc (before Word 97); LibreOffice took over 1 s converting it"),
        ("missing", "Word 6/95 .doc (before Word 97): reading it needs LibreOffice"),
    ],
)
def test_word6_goes_to_libreoffice_when_installed(tmp_path, monkeypatch, behaviour, outcome):
    program = tmp_path / "nowhere" if behaviour == "missing" else _stand_in(tmp_path, behaviour)
    monkeypatch.setenv("VNSEARCH_SOFFICE", str(program))
    monkeypatch.setattr(office, "SOFFICE_SECONDS", 1)
    path = _fib(tmp_path, "word6.doc", 0x02, 0x0065)
    if behaviour == "convert":
        parsed = read_file(path)
        assert "rừng phòng hộ đầu nguồn" in parsed.text and parsed.notes == FOOTNOTE
        assert outcome in parsed.warnings
        return
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason.startswith(outcome), info.value.reason


def test_damaged_piece_table_is_an_error_without_libreoffice(tmp_path, no_soffice):
    with olefile.OleFileIO(str(FIXTURES / "nq-04-kontum.doc")) as ole:
        fib = ole.openstream("WordDocument").read(0x1AA)
    # point the piece table (fcClx) past the end of the table stream
    path = _patched(tmp_path, "damaged.doc", fib, (0x7FFFFFFF).to_bytes(4, "little"), 0x1A2)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason == "damaged .doc (no piece table)"


def test_odt_notes_inside_a_paragraph(tmp_path):
    """A note in the middle of a paragraph goes to notes; the paragraph reads on."""
    parsed = read_file(FIXTURES / "ct-05-kontum.odt")
    assert "rừng phòng hộ đầu nguồn." in parsed.text.split("\n")[6]
    limits = ReadLimits(10**6, 10**6, 10**8)
    assert office.read_odt(FIXTURES / "ct-05-kontum.odt", limits).notes == FOOTNOTE


# --- what the fixtures do not hold ----------------------------------------------------------------

_ODT_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _odt(path: Path, body: str, manifest: str = "") -> Path:
    """A minimal .odt whose office:text holds ``body``."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", (
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            f'office:1.0" xmlns:text="{_ODT_TEXT}"><office:body><office:text>{body}'
            "</office:text></office:body></office:document-content>"))
        if manifest:
            archive.writestr("META-INF/manifest.xml", manifest)
    return path


def test_odt_spaces_tabs_and_line_breaks(tmp_path):
    path = _odt(tmp_path / "spaces.odt",
                "<text:h>NGHỊ QUYẾT</text:h><text:p>Số<text:s text:c=\"3\"/>04-NQ/TU"
                "<text:tab/>Kon Tum<text:line-break/>ngày 19 tháng 8</text:p>"
                "<text:p>xã<text:s/>đặc biệt</text:p>")
    extracted = office.read_odt(path, ReadLimits(10**6, 10**6, 10**8))
    assert extracted.text == "NGHỊ QUYẾT\nSố   04-NQ/TU\tKon Tum\nngày 19 tháng 8\nxã đặc biệt"


def test_encrypted_odt(tmp_path):
    path = _odt(tmp_path / "secret.odt", "", manifest=(
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
        "</manifest:file-entry></manifest:manifest>"))
    with pytest.raises(ReadError, match=r"encrypted \.odt \(password required\)"):
        read_file(path)


def test_odt_needing_a_newer_zip_version(tmp_path):
    # zipfile raises NotImplementedError ("zip file version 19.4") for such an entry
    path = _odt(tmp_path / "future.odt", "<text:p>x</text:p>")
    data = path.read_bytes()
    at = data.find(b"PK\x01\x02", data.find(b"content.xml"))  # content.xml's central entry
    at = data.rfind(b"PK\x01\x02", 0, data.find(b"content.xml", at))
    path.write_bytes(data[:at + 6] + b"\xc2\x00" + data[at + 8:])
    with pytest.raises(ReadError) as info:
        office.read_odt(path, ReadLimits(10**6, 10**6, 10**8))
    assert info.value.reason == "not a valid .odt (unsupported zip: zip file version 19.4)"


def test_doc_with_a_damaged_ole2_header(tmp_path):
    # a sector shift of 0xFFFF: olefile raises ValueError, not OSError
    data = bytearray((FIXTURES / "nq-04-kontum.doc").read_bytes())
    data[0x1E:0x20] = b"\xff\xff"
    path = tmp_path / "header.doc"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as info:
        office.read_doc(path, ReadLimits(10**6, 10**6, 10**8))
    assert info.value.reason.startswith("not a valid .doc ("), info.value.reason


def test_rtf_without_a_code_page(tmp_path):
    # striprtf decodes by \ansicpg when there is one; without it, Latin-1 + cp1252 C1
    path = tmp_path / "nocp.rtf"
    path.write_bytes(rb"{\rtf1\ansi \'93Ngh\u7883? quy\u7871?t\'94 \'96 x\u227?\par}")
    assert read_file(path).text == "“Nghị quyết” – xã"
