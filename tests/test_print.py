"""The document page printed: a clean A4 record (metadata table first, then the full text,
then the citations both ways), without the search box, buttons or the similar documents.

In Debian's chromium through Playwright against a real server: the print media's layout
(what is shown, in which order) and the PDF chromium prints (its page size, read back
with pypdf, and its text in order).
"""

from __future__ import annotations

import io
from typing import Any, Iterator

import pytest
from pypdf import PdfReader

from tests.conftest import SEED_IDS, Server
from tests.test_browser import CHROMIUM_ARGS, TIMEOUT_MS, browser  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow  # chromium and a real server process

A4_POINTS = (595.3, 841.9)  # 210 × 297 mm
HIDDEN = [".site-header", "input#q", ".crumbs", ".doc-actions", ".similar", ".site-footer",
          ".button-link"]
SHOWN = [".meta-box .meta-table", ".doc-body .fulltext", ".related", ".file-box"]


@pytest.fixture()
def printed(browser: Any, seed_server: Server) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(seed_server.url(f"/documents/{SEED_IDS['kontum_kl']}?q=giam+ngheo"))
    page.emulate_media(media="print")
    try:
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("selector", HIDDEN)
def test_what_is_not_the_record_is_not_printed(printed: Any, selector: str) -> None:
    assert printed.locator(selector).count() >= 1, selector  # it is on the screen page
    assert all(not el.is_visible() for el in printed.locator(selector).all()), selector


@pytest.mark.parametrize("selector", SHOWN)
def test_the_record_is_printed(printed: Any, selector: str) -> None:
    assert printed.locator(selector).first.is_visible(), selector


def test_metadata_first_then_text_then_relations(printed: Any) -> None:
    tops = [printed.locator(s).first.bounding_box()["y"]
            for s in (".meta-box", ".doc-body", ".related")]
    assert tops == sorted(tops), tops
    # One column: the text is as wide as the metadata table, not squeezed beside it.
    widths = [printed.locator(s).first.bounding_box()["width"] for s in (".meta-box", ".doc-body")]
    assert abs(widths[0] - widths[1]) < 2, widths


def test_the_pdf_is_a4_and_reads_in_record_order(printed: Any) -> None:
    pdf = PdfReader(io.BytesIO(printed.pdf(prefer_css_page_size=True)))
    width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
    assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2
    text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    order = [text.find(w) for w in ("Thông tin văn bản", "Toàn văn",
                                    "Văn bản được dẫn chiếu")]
    assert -1 not in order and order == sorted(order), order
    for absent in ("Tìm kiếm", "Tải tệp gốc", "Văn bản tương tự", "Đến chỗ khớp"):
        assert absent not in text, absent
