"""Word 97 .doc, .odt and .rtf (search/office.py), on fixtures an office suite wrote.

The fixtures in tests/fixtures/office/ were made by make_fixtures.py there (python-docx,
then LibreOffice's conversion, as an office saves them); two are typed in `.VnTime` with
TCVN3 text, as old provincial offices typed them.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from search.errors import ReadError
from search.index import open_index
from search.indexer import build_index
from search.metadata import extract_metadata
from search.office import _doc_text, _footnotes, _without_field_codes
from search.parse import read_file
from search.results import SearchRequest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "office"

# file → (number, type, date, title, a phrase of the body, legacy encoding)
CASES = {
    "nq-04-kontum.doc": ("04-NQ/TU", "Nghị quyết", "2016-08-19",
                         "về tiếp tục xây dựng các xã đặc biệt khó khăn trong tình hình mới",
                         "kết cấu hạ tầng cho các xã đặc biệt khó khăn", None),
    "ct-05-kontum.odt": ("05-CT/TU", "Chỉ thị", "2017-03-02",
                         "về tăng cường phòng chống cháy rừng mùa khô",
                         "rừng phòng hộ đầu nguồn", None),
    "kl-06-kontum.rtf": ("06-KL/TU", "Kết luận", "2018-05-15",
                         "về phát triển cây dược liệu dưới tán rừng",
                         "sâm Ngọc Linh", None),
    "nq-07-kontum-tcvn3.doc": ("07-NQ/TU", "Nghị quyết", "2019-09-20",
                               "về phát triển giáo dục nghề nghiệp cho thanh niên dân tộc "
                               "thiểu số", "đào tạo nghề cho thanh niên", "tcvn3"),
    "kl-08-kontum-tcvn3.rtf": ("08-KL/TU", "Kết luận", "2019-10-11",
                               "về sắp xếp dân cư vùng sạt lở", "nguy cơ sạt lở đất", "tcvn3"),
}
LEGACY_DEBRIS = ("§¶ng", "TØnh", "ngµy", "QuyÕt", "ñy")


@pytest.mark.parametrize("name", sorted(CASES))
def test_read(name):
    number, _, _, title, phrase, legacy = CASES[name]
    parsed = read_file(FIXTURES / name)
    assert parsed.format == name.rsplit(".", 1)[1]
    assert parsed.converted_from == legacy
    for words in (title, phrase, "TỈNH ỦY KON TUM", "ĐẢNG CỘNG SẢN VIỆT NAM", "BÍ THƯ",
                  "Thủ tướng Chính phủ", "Tỷ lệ hộ nghèo giảm"):
        assert words in parsed.text, words
    assert not any(debris in parsed.text for debris in LEGACY_DEBRIS)
    # the header table: each cell on its own line, like the .docx reader
    lines = parsed.text.split("\n")
    assert "TỈNH ỦY KON TUM" in lines and "ĐẢNG CỘNG SẢN VIỆT NAM" in lines
    assert number.split("-")[0] in parsed.text


@pytest.mark.parametrize("name", sorted(CASES))
def test_metadata(name):
    number, doc_type, date, title, _, _ = CASES[name]
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
    number, _, _, title, _, _ = CASES[name]
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


# --- files that are not what their name says ----------------------------------------------------


def test_docx_renamed_doc_is_read_as_docx(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("TỈNH ỦY KON TUM")
    document.add_paragraph("Nghị quyết về giảm nghèo bền vững")
    document.save(str(tmp_path / "saved.docx"))
    shutil.copy(tmp_path / "saved.docx", tmp_path / "renamed.doc")
    assert "giảm nghèo bền vững" in read_file(tmp_path / "renamed.doc").text


def test_rtf_renamed_doc_is_read_as_rtf(tmp_path):
    shutil.copy(FIXTURES / "kl-06-kontum.rtf", tmp_path / "renamed.doc")
    assert "sâm Ngọc Linh" in read_file(tmp_path / "renamed.doc").text


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("text.doc", "Nghị quyết".encode(), "not a Word 97 .doc (no OLE2 signature"),
        ("empty.doc", b"", "empty file (no text)"),
        ("half.doc", None, "not a valid .doc ("),
        ("broken.odt", b"PK\x03\x04 not really", "not a valid .odt (corrupt or truncated zip)"),
        ("nocontent.odt", "ZIP", "not a valid .odt (no content.xml in the zip)"),
        ("garbage.rtf", b"\x00\x01 not rtf", "not an RTF file (does not start with {\\rtf)"),
    ],
)
def test_bad_office_files(tmp_path, name, data, reason):
    path = tmp_path / name
    if data is None:  # a real .doc cut in half
        whole = (FIXTURES / "nq-04-kontum.doc").read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif data == "ZIP":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    else:
        path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason.startswith(reason), info.value.reason
    assert info.value.path == str(path)


def test_odt_notes_are_kept_apart(tmp_path):
    """A footnote inside a paragraph goes to notes, and the paragraph reads on without it."""
    source = FIXTURES / "ct-05-kontum.odt"
    target = tmp_path / "with-note.odt"
    note = ('<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1'
            '</text:note-citation><text:note-body><text:p>Theo Quyết định số '
            '50/2016/QĐ-TTg.</text:p></text:note-body></text:note>')
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "content.xml":
                data = data.replace("đầu nguồn.".encode(), f"đầu nguồn.{note}".encode(), 1)
            dst.writestr(item, data)
    parsed = read_file(target)
    assert parsed.notes == "1. Theo Quyết định số 50/2016/QĐ-TTg."
    assert "50/2016/QĐ-TTg." not in parsed.text.split("rừng phòng hộ đầu nguồn.")[1][:5]
    assert "rừng phòng hộ đầu nguồn." in parsed.text
