""".pdf, read with pypdf: each page's text layer; scanned pages recognised by OCR.

A page with (almost) no text but an image is a scan: it is rendered and recognised
(:mod:`search.ingest.readers.ocr`) at its own resolution, so a partly scanned PDF gets
both. The base font names of the first pages are the legacy-encoding hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.ingest.extracted import Extracted, OcrOptions, ReadLimits, describe, preview
from search.ingest.readers.ocr import ScanPage, ocr_warning, read_pdf_scans

__all__ = ["read_pdf"]

def _pdf_fonts(reader: Any, max_pages: int = 20) -> tuple[str, ...]:
    """Base font names of the first pages (".VnTime" reveals TCVN3); best effort."""
    fonts: set[str] = set()
    for page in reader.pages[:max_pages]:
        try:
            resources = page.get("/Resources")
            font_dict = resources.get_object().get("/Font") if resources else None
            for ref in (font_dict.get_object().values() if font_dict else ()):
                name = ref.get_object().get("/BaseFont")
                if name:
                    fonts.add(str(name).lstrip("/"))
        except Exception:  # fonts are a hint only; a broken resource dict must not fail the read
            continue
    return tuple(sorted(fonts))


def _open_pdf(path: Path) -> Any:
    from pypdf import PasswordType, PdfReader  # imported late: only for .pdf

    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise ReadError(path, "not a PDF (empty file)")
    if b"%PDF-" not in head:
        raise ReadError(path, f"not a PDF (starts with {preview(head)})")
    try:
        reader = PdfReader(path)
    except Exception as exc:
        reason = describe("PDF", exc).replace("cannot read PDF", "not a valid PDF")
        raise ReadError(path, reason) from exc
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except Exception as exc:  # e.g. AES without the optional crypto package
            raise ReadError(path, f"encrypted PDF (cannot decrypt: {exc})") from exc
        if decrypted == PasswordType.NOT_DECRYPTED:
            raise ReadError(path, "encrypted PDF (password required)")
    return reader


# A page with fewer letters than this in its text layer is a scan if it holds an image
# (a scanner's page, perhaps with a printed page number); without an image it is blank.
_MIN_PAGE_LETTERS = 10


def _xobjects(page: Any) -> list[Any] | None:
    """The page's XObjects (images, forms); ``None`` when its resources are broken."""
    try:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        return [ref.get_object() for ref in (xobjects.get_object().values() if xobjects else ())]
    except Exception:  # a damaged resource dictionary is a hint lost, not a failure
        return None


def _has_image(page: Any) -> bool:
    """Whether the page draws an image (directly or inside a form); best effort."""
    objects = _xobjects(page)
    if objects is None:
        return True  # broken resources: treat the page as possibly scanned
    return any(obj.get("/Subtype") in ("/Image", "/Form") for obj in objects)


def _is_scanned(page: Any, text: str) -> bool:
    return sum(ch.isalpha() for ch in text) < _MIN_PAGE_LETTERS and _has_image(page)


def _pdf_text_layer(path: Path, reader: Any, limits: ReadLimits) -> list[str | None]:
    """Each page's text, or ``None`` for a scanned page (to recognise)."""
    pages: list[str | None] = []
    total = 0
    try:
        for page in reader.pages:
            text = page.extract_text() or ""
            total += len(text)
            if total > limits.max_chars:  # stop early: a small PDF can inflate to gigabytes
                raise ReadError(
                    path,
                    f"extracted text is over the {limits.max_chars:,}-character limit"
                    f" (stopped at page {len(pages) + 1})",
                )
            # pypdf ends a page with "\n"; the join adds one
            pages.append(None if _is_scanned(page, text) else text.rstrip())
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(path, describe("PDF", exc)) from exc
    return pages


# A scan is rendered at its own resolution (upsampling a 200-dpi scan to 300 dpi costs
# time and loses accuracy), kept between these bounds.
_MIN_SCAN_DPI, _MAX_SCAN_DPI = 150, 400


def _scan_dpi(page: Any, default: int) -> int:
    """The resolution of the page's widest image, or ``default`` when it has none."""
    width_pt = float(page.mediabox.width) or 1.0
    try:
        widest = max((int(obj.get("/Width", 0)) for obj in _xobjects(page) or ()
                      if obj.get("/Subtype") == "/Image"), default=0)
    except (TypeError, ValueError):  # a width that is not a number: render at the default
        return default
    if not widest:
        return default
    return max(_MIN_SCAN_DPI, min(_MAX_SCAN_DPI, round(widest * 72 / width_pt)))


def _recognise_pdf_pages(path: Path, reader: Any, pages: list[str | None],
                         limits: ReadLimits) -> dict[str, Any]:
    """Fill the scanned pages with OCR text; return the recognition summary."""
    default = (limits.ocr or OcrOptions()).dpi
    scanned = []
    for index, text in enumerate(pages):
        if text is None:
            page = reader.pages[index]
            box = page.mediabox
            scanned.append(ScanPage(index, float(box.width), float(box.height),
                                    _scan_dpi(page, default)))
    texts, summary = read_pdf_scans(path, scanned, len(pages), limits.ocr)
    for index, text in texts.items():
        pages[index] = text
    return summary


def read_pdf(path: Path, limits: ReadLimits) -> Extracted:
    reader = _open_pdf(path)
    pages = _pdf_text_layer(path, reader, limits)
    summary = None
    if any(text is None for text in pages):
        summary = _recognise_pdf_pages(path, reader, pages, limits)
    text = "\n".join(t or "" for t in pages)
    if not text.strip() and summary is None:
        raise ReadError(path, "no text: the pages are blank (no text layer, no images)")
    if not text.strip():
        assert summary is not None  # no text and no summary was the case above
        raise ReadError(path, f"no text recognised on the {len(summary['pages'])} scanned "
                              "page(s) (OCR found no words)")
    fonts = _pdf_fonts(reader)
    extra: dict[str, Any] = {"pages": len(pages)}
    if fonts:
        extra["fonts"] = list(fonts)
    if summary is None:
        return Extracted(text=text, fonts=fonts, extra=extra)
    source = "ocr" if len(summary["pages"]) == len(pages) else "mixed"
    return Extracted(text=text, fonts=fonts, extra=extra, text_source=source, ocr=summary,
                     warnings=[ocr_warning(summary)])
