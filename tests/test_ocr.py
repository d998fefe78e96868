"""Scans read by OCR (search/ingest/readers/ocr.py): scanned PDFs, page images, partly scanned PDFs.

The scans are made here: a short Party document drawn as a noisy, skewed page
(bench/scan.py), saved as an image-only PDF, PNG, JPEG or multi-page TIFF, and read back
by the real Tesseract with Vietnamese data. Recognition takes seconds a page, so the
module builds one index over every kind once and the tests read it; the OCR cache keeps
the rest cheap.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.scan import render_pages, save_pdf, save_tiff
from search.errors import ReadError
from search.ingest.extracted import OcrOptions
from search.index import open_index
from search.indexer import add_documents, build_index
from search.ingest.readers.ocr import _lines_from_data
from search.ingest.parse import read_file
from search.results import SearchRequest

# id → (the document's text, what its metadata must say)
DOCS: dict[str, tuple[str, dict[str, Any]]] = {
    "dienbien-nq-scan": (
        "TỈNH ỦY ĐIỆN BIÊN\n*\nSố 15-NQ/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Điện Biên, ngày 12 tháng 3 năm 2022\n\nNGHỊ QUYẾT\n"
        "về phát triển du lịch cộng đồng gắn với giảm nghèo bền vững\n\n"
        "Ban Thường vụ Tỉnh ủy quyết nghị tập trung lãnh đạo phát triển du lịch cộng đồng "
        "tại các bản vùng cao, tạo sinh kế cho hộ nghèo người dân tộc thiểu số.\n",
        {"number": "15-NQ/TU", "doc_type": "Nghị quyết", "province": "Điện Biên",
         "date": "2022-03-12"}),
    "caobang-ct-anh": (
        "TỈNH ỦY CAO BẰNG\n*\nSố 08-CT/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Cao Bằng, ngày 05 tháng 9 năm 2023\n\nCHỈ THỊ\n"
        "về tăng cường trồng rừng sản xuất ở các xã biên giới\n\n"
        "Các cấp ủy đảng chỉ đạo giao đất, giao rừng cho hộ gia đình và hỗ trợ cây giống "
        "cho các xã biên giới.\n",
        {"number": "08-CT/TU", "doc_type": "Chỉ thị", "province": "Cao Bằng",
         "date": "2023-09-05"}),
    "laichau-kl-chup": (
        "TỈNH ỦY LAI CHÂU\n*\nSố 27-KL/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Lai Châu, ngày 20 tháng 6 năm 2021\n\nKẾT LUẬN\n"
        "về chuyển đổi cơ cấu cây trồng trên đất dốc\n\n"
        "Ban Thường vụ Tỉnh ủy kết luận tiếp tục chuyển đổi cây trồng trên đất dốc sang cây "
        "chè và cây ăn quả có giá trị cao.\n",
        {"number": "27-KL/TU", "doc_type": "Kết luận", "province": "Lai Châu",
         "date": "2021-06-20"}),
    "hagiang-bc-tiff": (
        "TỈNH ỦY HÀ GIANG\n*\nSố 112-BC/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Hà Giang, ngày 02 tháng 12 năm 2020\n\nBÁO CÁO\n"
        "kết quả xây dựng nhà đại đoàn kết cho hộ nghèo\n\n"
        + "Năm qua toàn tỉnh xây dựng nhà đại đoàn kết cho hộ nghèo ở các huyện vùng cao "
          "núi đá.\n" * 28
        + "Nơi nhận:\n- Ban Bí thư,\n- Lưu Văn phòng Tỉnh ủy.\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\n",
        {"number": "112-BC/TU", "doc_type": "Báo cáo", "province": "Hà Giang",
         "date": "2020-12-02"}),
}
# The partly scanned PDF: page 1 has a text layer, page 2 is a scan.
MIXED_PAGE_1 = DOCS["dienbien-nq-scan"][0].replace("15-NQ/TU", "16-NQ/TU").replace(
    "du lịch cộng đồng", "chăn nuôi đại gia súc")
MIXED_PAGE_2 = ("Trang hai được quét: các xã biên giới xây dựng hợp tác xã chăn nuôi "
                "trâu bò hàng hóa gắn với bảo vệ rừng phòng hộ.")


def _scan_pdf(text: str, path: Path) -> Path:
    return save_pdf(render_pages(text, dpi=200, seed=1), path)


def _png(text: str, path: Path) -> Path:
    render_pages(text, dpi=200, seed=2, max_pages=1)[0].save(path)
    return path


def _jpeg(text: str, path: Path) -> Path:
    render_pages(text, dpi=200, seed=3, max_pages=1)[0].save(path, quality=80)
    return path


def _tiff(text: str, path: Path) -> Path:
    return save_tiff(render_pages(text, dpi=200, seed=4), path)


def mixed_pdf(path: Path) -> Path:
    """Page 1 typed (a real text layer, written by reportlab), page 2 scanned."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from bench.scan import FONT

    pdfmetrics.registerFont(TTFont("DejaVuSerif", str(FONT)))
    typed = path.with_suffix(".typed.pdf")
    pdf = canvas.Canvas(str(typed), pagesize=A4)
    pdf.setFont("DejaVuSerif", 11)
    y = A4[1] - 72
    for line in MIXED_PAGE_1.split("\n"):
        pdf.drawString(60, y, line)
        y -= 16
    pdf.showPage()
    pdf.save()
    scanned = _scan_pdf(MIXED_PAGE_2, path.with_suffix(".scan.pdf"))
    writer = PdfWriter()
    for part in (typed, scanned):
        for page in PdfReader(part).pages:
            writer.add_page(page)
    with path.open("wb") as fh:
        writer.write(fh)
    typed.unlink()
    scanned.unlink()
    return path


MAKERS: dict[str, tuple[str, Callable[[str, Path], Path]]] = {
    "dienbien-nq-scan": (".pdf", _scan_pdf),
    "caobang-ct-anh": (".png", _png),
    "laichau-kl-chup": (".jpg", _jpeg),
    "hagiang-bc-tiff": (".tiff", _tiff),
}


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scans")
    for doc_id, (suffix, make) in MAKERS.items():
        make(DOCS[doc_id][0], folder / f"{doc_id}{suffix}")
    mixed_pdf(folder / "dienbien-nq-mot-phan-quet.pdf")
    return folder


@pytest.fixture(scope="module")
def built(scans: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    index = tmp_path_factory.mktemp("ocr-index") / "index"
    report = build_index([scans], index, workers=2)
    assert not report.failed, report.failed
    return index, report


@pytest.fixture(scope="module")
def ix(built: tuple[Path, Any]):
    with open_index(built[0]) as index:
        yield index


@pytest.mark.slow  # Tesseract
def test_every_scan_is_indexed_and_recognised(built):
    _, report = built
    assert report.indexed == 5
    # 1 + 1 + 1 + 2 (the TIFF has two pages) + 1 (the scanned half of the mixed PDF)
    assert report.ocr_pages == 6


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_metadata_of_a_scan(ix, doc_id):
    stored = ix.get(doc_id)
    meta = stored["meta"]
    truth = DOCS[doc_id][1]
    for name in ("number", "doc_type", "province"):  # these must be right
        assert meta[name] == truth[name], (name, meta[name])
    # OCR misreads digits now and then (3 → 8): a date may be unknown, never wrong
    assert meta["date"] in (truth["date"], None)
    assert meta["issuer"] == "Tỉnh ủy"
    assert stored["text_source"] == "ocr"
    assert stored["ocr"]["engine"].startswith("tesseract ")
    assert stored["ocr"]["mean_confidence"] > 80
    assert any("OCR" in w for w in meta["warnings"])


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize("doc_id", sorted(DOCS))
def test_found_first_by_its_number(ix, doc_id):
    number = DOCS[doc_id][1]["number"]
    assert ix.search(SearchRequest(q=number)).hits[0].id == doc_id


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize(
    "phrase, doc_id",
    [
        ('"du lịch cộng đồng gắn với giảm nghèo"', "dienbien-nq-scan"),
        ('"trồng rừng sản xuất ở các xã biên giới"', "caobang-ct-anh"),
        ('"chuyển đổi cơ cấu cây trồng trên đất dốc"', "laichau-kl-chup"),
        ('"nhà đại đoàn kết cho hộ nghèo"', "hagiang-bc-tiff"),
        ("chuyen doi co cau cay trong tren dat doc", "laichau-kl-chup"),
    ],
)
def test_found_first_by_its_title(ix, phrase, doc_id):
    hits = ix.search(SearchRequest(q=phrase)).hits
    assert hits and hits[0].id == doc_id
    assert hits[0].text_source == "ocr"


@pytest.mark.slow  # Tesseract
def test_multi_page_tiff_reads_every_page(ix):
    stored = ix.get("hagiang-bc-tiff")
    assert stored["ocr"]["pages"] == [1, 2]
    assert "BÍ THƯ" in stored["text"]  # the signature is on page 2


@pytest.mark.slow  # Tesseract
def test_partly_scanned_pdf_gets_both(ix):
    stored = ix.get("dienbien-nq-mot-phan-quet")
    assert stored["text_source"] == "mixed"
    assert stored["ocr"]["pages"] == [2] and stored["ocr"]["of_pages"] == 2
    assert "chăn nuôi đại gia súc" in stored["text"]  # the text layer, exactly
    assert "hợp tác xã chăn nuôi" in " ".join(stored["text"].split())  # the scanned page
    assert stored["meta"]["number"] == "16-NQ/TU"
    hits = ix.search(SearchRequest(q='"trâu bò hàng hóa"')).hits
    assert [h.id for h in hits] == ["dienbien-nq-mot-phan-quet"]


@pytest.mark.slow  # Tesseract
def test_rebuild_and_add_use_the_ocr_cache(built, scans, tmp_path):
    index, _ = built
    cache = index / "ocr-cache"
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 5  # one per scanned file, whatever its number of pages
    again = build_index([scans], index, workers=1)
    assert again.indexed == 5 and again.ocr_pages == 0
    with open_index(index) as ix:
        assert ix.get("hagiang-bc-tiff")["ocr"]["cached_pages"] == 2
    # an unchanged file under another name: same content, same cache entry
    copy = tmp_path / "ban-sao.png"
    shutil.copy(scans / "caobang-ct-anh.png", copy)
    added = add_documents([copy], index)
    assert added.indexed == 1 and added.ocr_pages == 0


@pytest.mark.slow  # Tesseract
def test_the_cache_is_what_is_read(scans, tmp_path):
    """A cached page is taken as it is: prove it by planting a word in the cache."""
    options = OcrOptions(cache_dir=tmp_path / "cache")
    path = scans / "caobang-ct-anh.png"
    first = read_file(path, ocr=options)
    (entry,) = (tmp_path / "cache").rglob("*.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["pages"]["1"]["text"] += "\nxyzzy"
    entry.write_text(json.dumps(data), encoding="utf-8")
    second = read_file(path, ocr=options)
    assert "xyzzy" not in first.text and "xyzzy" in second.text
    assert second.ocr["cached_pages"] == 1


@pytest.mark.slow  # Tesseract
def test_a_damaged_cache_entry_is_recognised_again(scans, tmp_path):
    options = OcrOptions(cache_dir=tmp_path / "cache")
    path = scans / "laichau-kl-chup.jpg"
    read_file(path, ocr=options)
    (entry,) = (tmp_path / "cache").rglob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    again = read_file(path, ocr=options)
    assert again.ocr["cached_pages"] == 0 and "27-KL/TU" in again.text


# --- limits and a missing Tesseract ------------------------------------------------------


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize(
    "name, options, reason",
    [
        ("hagiang-bc-tiff.tiff", OcrOptions(max_pages=1),
         "2 pages to recognise (OCR), over the 1-page limit (VNSEARCH_MAX_OCR_PAGES)"),
        ("dienbien-nq-scan.pdf", OcrOptions(max_pages=1, dpi=200), None),  # one page: fine
        ("caobang-ct-anh.png", OcrOptions(max_pixels=1_000_000),
         "page 1 is 1654×2338 pixels (4 megapixels), over the 1-megapixel limit"),
        ("dienbien-nq-scan.pdf", OcrOptions(max_pixels=1_000_000),
         "page 1 is 1654×2338 pixels (4 megapixels), over the 1-megapixel limit"),
        ("laichau-kl-chup.jpg", OcrOptions(page_seconds=0.01),
         "OCR of page 1 took over 0.01 s (the per-page limit, VNSEARCH_OCR_PAGE_SECONDS)"),
    ],
)
def test_limits(scans, name, options, reason):
    if reason is None:
        assert read_file(scans / name, ocr=options).text_source == "ocr"
        return
    with pytest.raises(ReadError) as info:
        read_file(scans / name, ocr=options)
    assert info.value.path == str(scans / name)
    assert info.value.reason.startswith(reason)


@pytest.mark.parametrize(
    "env, reason",
    [
        ({"VNSEARCH_TESSERACT": "/nonexistent/tesseract"},
         "OCR needs Tesseract, which is not installed "
         "(apt-get install tesseract-ocr tesseract-ocr-vie)"),
        ({"TESSDATA_PREFIX": "EMPTY"},
         "Tesseract has no Vietnamese data (apt-get install tesseract-ocr-vie)"),
    ],
)
def test_missing_tesseract_or_its_data(scans, tmp_path, monkeypatch, env, reason):
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path) if value == "EMPTY" else value)
    for name in ("caobang-ct-anh.png", "dienbien-nq-scan.pdf"):
        with pytest.raises(ReadError) as info:
            read_file(scans / name)
        assert info.value.reason == reason


@pytest.mark.slow  # Tesseract
def test_missing_tesseract_fails_each_scan_and_keeps_the_rest(scans, tmp_path, monkeypatch,
                                                              seeds_dir):
    monkeypatch.setenv("VNSEARCH_TESSERACT", "/nonexistent/tesseract")
    folder = tmp_path / "mixed-folder"
    shutil.copytree(seeds_dir, folder)
    shutil.copy(scans / "caobang-ct-anh.png", folder)
    shutil.copy(scans / "dienbien-nq-scan.pdf", folder)
    report = build_index([folder], tmp_path / "index", workers=1)
    assert report.indexed == 5
    assert sorted(Path(p.path).name for p in report.failed) == [
        "caobang-ct-anh.png", "dienbien-nq-scan.pdf"]
    assert all("apt-get install tesseract-ocr" in p.reason for p in report.failed)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("not-an-image.png", b"<html>404</html>", "not a .png image (unrecognised data)"),
        ("empty.jpg", b"", "not a .jpg image (unrecognised data)"),
    ],
)
def test_bad_images(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason == reason


def test_truncated_image(scans, tmp_path):
    data = (scans / "caobang-ct-anh.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ReadError) as info:
        read_file(path)
    assert info.value.reason.startswith("damaged image (")


# --- the text made of Tesseract's words -----------------------------------------------------

_WORD = st.text(alphabet="abcđêôơưạảấ0123456789-/", min_size=1, max_size=8)


@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 3), _WORD,
                          st.floats(-1, 100)), max_size=40))
def test_lines_keep_every_word_in_order(rows):
    rows.sort(key=lambda r: r[:3])
    data = {"block_num": [r[0] for r in rows], "par_num": [r[1] for r in rows],
            "line_num": [r[2] for r in rows], "text": [r[3] for r in rows],
            "conf": [r[4] for r in rows]}
    text, confidences = _lines_from_data(data)
    assert text.split() == [r[3] for r in rows]
    assert len([line for line in text.split("\n") if line]) == len({r[:3] for r in rows})
    assert confidences == [r[4] for r in rows if r[4] >= 0]


@pytest.mark.slow  # Tesseract
def test_a_nearly_empty_page_is_still_read(tmp_path):
    """A last page holding only the signature: specks hide it from the layout analysis."""
    text = "\n".join(["Nơi nhận:", "- Lưu Văn phòng Tỉnh ủy.", ""] + [""] * 40
                     + ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "", "Rơ Mah Tuân"])
    pages = render_pages(text, dpi=200, seed=3)
    pages[-1].save(tmp_path / "last.png")
    parsed = read_file(tmp_path / "last.png")
    assert "BÍ THƯ" in parsed.text and "Rơ Mah Tuân" in parsed.text


# --- metadata from misread text -------------------------------------------------------------


@pytest.mark.parametrize(
    "date_line, date, year",
    [
        ("Cao Bằng, ngày 05 tháng 9 năm 2023", "2023-09-05", 2023),
        ("Cao Bằng, ngày 05 tháng 9 năm 2028", None, None),  # 2023 misread: after today
        ("Cao Bằng, ngày 05 tháng 9 năm 2098", None, None),
    ],
)
def test_a_date_after_today_is_unknown(date_line, date, year):
    from search.ingest.metadata import extract_metadata

    meta = extract_metadata(f"TỈNH ỦY CAO BẰNG\nSố 08-CT/TU\n{date_line}\nCHỈ THỊ\n"
                            "về trồng rừng\nCác cấp ủy chỉ đạo trồng rừng.")
    assert (meta.get("date"), meta.get("year")) == (date, year)
    assert meta.get("number") == "08-CT/TU"
    assert any("after today" in w for w in meta.warnings) == (date is None)


# --- the page and the download ---------------------------------------------------------------


@pytest.fixture()
def client(built):
    from web import create_app
    from web.state import EXTENSION

    app = create_app({"INDEX": str(built[0]), "TESTING": True})
    try:
        yield app.test_client()
    finally:
        app.extensions[EXTENSION].close()


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize(
    "doc_id, notice",
    [
        ("dienbien-nq-scan", "Văn bản nhận dạng từ ảnh quét"),
        ("dienbien-nq-mot-phan-quet", "Một phần văn bản nhận dạng từ ảnh quét (trang 2 trên 2)"),
    ],
)
def test_the_page_says_the_text_was_recognised(client, doc_id, notice):
    html = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert notice in " ".join(html.split())
    assert "độ tin cậy trung bình" in html


@pytest.mark.slow  # Tesseract
def test_results_mark_recognised_documents(client):
    # only the document with a scanned page carries the mark
    html = client.get("/?q=trâu+bò+hàng+hóa").get_data(as_text=True)
    assert html.count("badge-ocr") == 1
    api = client.get("/api/search?q=trâu+bò+hàng+hóa").get_json()
    assert [h["text_source"] for h in api["hits"]] == ["mixed"]


@pytest.mark.slow  # Tesseract
@pytest.mark.parametrize("doc_id, name", [("dienbien-nq-scan", "dienbien-nq-scan.pdf"),
                                          ("hagiang-bc-tiff", "hagiang-bc-tiff.tiff")])
def test_download_gives_the_original_scan(client, scans, doc_id, name):
    response = client.get(f"/documents/{doc_id}/download")
    try:
        assert response.status_code == 200
        assert response.data == (scans / name).read_bytes()
    finally:
        response.close()
    api = client.get(f"/api/documents/{doc_id}").get_json()
    assert api["text_source"] == "ocr" and api["ocr"]["lang"] == "vie"
