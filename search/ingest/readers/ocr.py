"""Scans: page images and PDF pages without text, recognised by Tesseract in Vietnamese.

Tesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-vie``) is driven through
pytesseract, which gives each word with its confidence in one run and kills a page that
runs over its time limit. PDF pages are rendered with pypdfium2; images are opened with
Pillow (every frame of a multi-page TIFF is a page).

Recognised pages are cached by the file's SHA-256 (one JSON file per scanned file, in
``OcrOptions.cache_dir``, beside the index), page by page, so a rebuild or an ``add`` of
an unchanged file never recognises it again, and a build killed half-way through a long
scan resumes where it stopped. An entry is used only if it was made with the same
Tesseract version, language and resolution.

Limits (pages per file, pixels per page, seconds per page) fail the file with a named
reason; a missing Tesseract or missing Vietnamese data fails it with the package to
install.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.ingest.extracted import Extracted, OcrOptions, ReadLimits, sha256_of

__all__ = ["IMAGE_SUFFIXES", "OCR_LANG", "OcrPage", "ScanReader", "read_image",
           "ScanPage", "read_pdf_scans", "set_page_counter"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
OCR_LANG = "vie"
CACHE_FORMAT = 1
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
# The Tesseract command; a test or an unusual install can point elsewhere.
TESSERACT_ENV = "VNSEARCH_TESSERACT"
# Tesseract words below this confidence are kept (the text is all there is) but do not
# count towards the mean: they are mostly stamp and signature debris.
_MIN_WORD_CONF = 0


@dataclass(frozen=True)
class OcrPage:
    """One recognised page: its text, mean word confidence (0–100) and word count."""

    number: int  # 1-based, in the file
    text: str
    confidence: float
    words: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": self.confidence, "words": self.words}


# --- progress: pages recognised, counted across the build's reader processes -----------

_page_counter: Any = None  # a multiprocessing.Value, inherited by forked readers


def set_page_counter(counter: Any) -> None:
    """Count every recognised page in ``counter`` (a shared ``multiprocessing.Value``)."""
    global _page_counter
    _page_counter = counter


def _count_page() -> None:
    if _page_counter is not None:
        with _page_counter.get_lock():
            _page_counter.value += 1


# --- Tesseract ----------------------------------------------------------------------------


def _pytesseract() -> Any:
    import pytesseract  # imported late: only scans need it

    pytesseract.pytesseract.tesseract_cmd = os.environ.get(TESSERACT_ENV) or "tesseract"
    # Tesseract's OpenMP threads spin against each other: one 200-dpi page took 5.4 s
    # with them and 1.06 s with one thread here. A build runs a reader per core instead.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return pytesseract


@cache
def _engine(command: str, data_dir: str | None) -> str:
    """``tesseract 5.3.0``, after checking the program and its Vietnamese data exist.

    Cached per command and data folder (``TESSDATA_PREFIX``): the check runs once per
    process, not once per page.
    """
    pytesseract = _pytesseract()
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError):
        raise _Missing(f"OCR needs Tesseract, which is not installed ({INSTALL_HINT})") from None
    except Exception as exc:  # a broken install: say what it said
        raise _Missing(f"Tesseract does not run ({' '.join(str(exc).split())[:160]})") from None
    if OCR_LANG not in languages:
        raise _Missing("Tesseract has no Vietnamese data (apt-get install tesseract-ocr-vie)")
    return f"tesseract {version}"


class _Missing(Exception):
    """Tesseract or its data is missing: the same reason for every scanned file."""


def engine_name() -> str:
    """The Tesseract in use (``tesseract 5.3.0``); raises ``_Missing`` when it is absent."""
    return _engine(os.environ.get(TESSERACT_ENV) or "tesseract",
                   os.environ.get("TESSDATA_PREFIX"))


def _lines_from_data(data: dict[str, list[Any]]) -> tuple[str, list[float]]:
    """Text (a line per Tesseract line, a blank line between blocks) and word confidences."""
    lines: list[str] = []
    confidences: list[float] = []
    current: tuple[int, int, int] | None = None
    block: int | None = None
    words: list[str] = []
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current:
            if words:
                lines.append(" ".join(words))
            if block is not None and key[0] != block:
                lines.append("")
            current, block, words = key, key[0], []
        words.append(word)
        conf = float(data["conf"][i])
        if conf >= _MIN_WORD_CONF:
            confidences.append(conf)
    if words:
        lines.append(" ".join(words))
    return "\n".join(lines), confidences


def _recognise(image: Any, number: int, options: OcrOptions, where: Path) -> OcrPage:
    text, confidences = _run_tesseract(image, number, options, where)
    if not confidences:
        # A nearly empty page (the signature block alone) drowns in scanner specks and
        # Tesseract's layout analysis finds nothing; a 3×3 median filter removes the
        # specks and keeps the strokes. Only then: it costs a second run.
        from PIL import ImageFilter

        text, confidences = _run_tesseract(image.filter(ImageFilter.MedianFilter(3)),
                                           number, options, where)
    _count_page()
    mean = round(sum(confidences) / len(confidences), 1) if confidences else 0.0
    return OcrPage(number, text, mean, len(confidences))


def _run_tesseract(image: Any, number: int, options: OcrOptions,
                   where: Path) -> tuple[str, list[float]]:
    pytesseract = _pytesseract()
    try:
        data = pytesseract.image_to_data(image, lang=OCR_LANG, timeout=options.page_seconds,
                                         output_type=pytesseract.Output.DICT)
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise ReadError(where, f"OCR of page {number} took over {options.page_seconds} s "
                                   "(the per-page limit, VNSEARCH_OCR_PAGE_SECONDS)") from None
        raise ReadError(where, f"OCR failed on page {number} ({str(exc)[:160]})") from None
    except pytesseract.TesseractError as exc:
        raise ReadError(where, f"OCR failed on page {number} ({exc.message[:160]})") from None
    return _lines_from_data(data)


# --- the cache ------------------------------------------------------------------------------



class _Cache:
    """One scanned file's recognised pages, read and written as ``<sha256>.json``."""

    def __init__(self, options: OcrOptions, path: Path, engine: str, dpi: int) -> None:
        self.file = None
        self.pages: dict[str, Any] = {}
        self.key = {"format": CACHE_FORMAT, "engine": engine, "lang": OCR_LANG, "dpi": dpi}
        self.hits = 0
        if options.cache_dir is None:
            return
        sha = sha256_of(path)
        self.file = Path(options.cache_dir) / sha[:2] / f"{sha}.json"
        self.pages = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            entry = json.loads(self.file.read_text(encoding="utf-8"))  # type: ignore[union-attr]
        except (OSError, ValueError):
            return {}  # absent or damaged: recognise again
        if not isinstance(entry, dict) or entry.get("key") != self.key:
            return {}
        pages = entry.get("pages")
        return pages if isinstance(pages, dict) else {}

    def get(self, number: int) -> OcrPage | None:
        page = self.pages.get(str(number))
        if not isinstance(page, dict) or not isinstance(page.get("text"), str):
            return None
        self.hits += 1
        return OcrPage(number, page["text"], float(page.get("confidence", 0.0)),
                       int(page.get("words", 0)))

    def put(self, page: OcrPage) -> None:
        self.pages[str(page.number)] = page.to_json()
        if self.file is not None:
            self._save()

    def _save(self) -> None:
        """Write atomically (a temporary file renamed), so readers never see half a file."""
        assert self.file is not None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": self.key, "pages": self.pages}, fh, ensure_ascii=False)
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written costs time, never the document


# --- reading scans --------------------------------------------------------------------------

PageImage = Callable[[], Any]  # renders or loads one page image on demand


class ScanReader:
    """Recognise some pages of one file, with its cache, limits and summary.

    ``pages`` maps a 1-based page number to a function that produces its image (so a
    cached page is never rendered).
    """

    def __init__(self, path: Path, options: OcrOptions | None, dpi: int) -> None:
        self.path = path
        self.options = options or OcrOptions()
        try:
            self.engine = engine_name()
        except _Missing as exc:
            raise ReadError(path, str(exc)) from None
        self.cache = _Cache(self.options, path, self.engine, dpi)
        self.results: list[OcrPage] = []

    def check_page_count(self, count: int) -> None:
        if count > self.options.max_pages:
            raise ReadError(self.path, f"{count} pages to recognise (OCR), over the "
                                       f"{self.options.max_pages}-page limit "
                                       "(VNSEARCH_MAX_OCR_PAGES)")

    def check_pixels(self, number: int, width: int, height: int) -> None:
        pixels = width * height
        if pixels > self.options.max_pixels:
            raise ReadError(self.path, f"page {number} is {width}×{height} pixels "
                                       f"({pixels / 1e6:.0f} megapixels), over the "
                                       f"{self.options.max_pixels / 1e6:.0f}-megapixel limit "
                                       "(VNSEARCH_MAX_OCR_PIXELS)")

    def page(self, number: int, image: PageImage) -> OcrPage:
        found = self.cache.get(number)
        if found is None:
            found = _recognise(image(), number, self.options, self.path)
            self.cache.put(found)
        self.results.append(found)
        return found

    def summary(self, total_pages: int) -> dict[str, Any]:
        """What the document records of its recognition (stored, shown on its page)."""
        words = sum(p.words for p in self.results)
        mean = sum(p.confidence * p.words for p in self.results) / words if words else 0.0
        return {
            "engine": self.engine,
            "lang": OCR_LANG,
            "pages": [p.number for p in self.results],
            "of_pages": total_pages,
            "mean_confidence": round(mean, 1),
            "words": words,
            "cached_pages": self.cache.hits,
        }


def _open_image(path: Path) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        return Image.open(path)
    except UnidentifiedImageError:
        raise ReadError(path, f"not a {path.suffix.lower()} image (unrecognised data)") from None
    except Image.DecompressionBombError as exc:
        raise ReadError(path, f"refused: {exc}") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read image ({' '.join(str(exc).split())[:160]})") from None


def _frames(image: Any) -> Iterator[tuple[int, Any]]:
    from PIL import ImageSequence

    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        yield number, frame


def _grey(frame: Any) -> Any:
    """A loaded greyscale copy: Tesseract reads L best, and it drops any alpha."""
    frame.load()
    return frame.convert("L")


def read_image(path: Path, limits: ReadLimits) -> Extracted:
    """A page image (.png, .jpg, .tif; every frame of a multi-page TIFF is a page)."""
    image = _open_image(path)
    with image:
        total = getattr(image, "n_frames", 1)
        reader = ScanReader(path, limits.ocr, dpi=0)  # images are read at their own size
        reader.check_page_count(total)
        texts = []
        try:
            for number, frame in _frames(image):
                reader.check_pixels(number, *frame.size)
                texts.append(reader.page(number, functools.partial(_grey, frame)).text)
        except ReadError:
            raise
        except (OSError, ValueError, SyntaxError) as exc:  # a truncated or damaged image
            raise ReadError(path, f"damaged image ({' '.join(str(exc).split())[:160]})") from None
    text = "\n\n".join(t for t in texts if t.strip())
    if not text.strip():
        raise ReadError(path, "no text recognised in the image (OCR found no words)")
    summary = reader.summary(total)
    return Extracted(text=text, text_source="ocr", ocr=summary,
                     extra={"pages": total}, warnings=[ocr_warning(summary)])


def ocr_warning(summary: dict[str, Any]) -> str:
    """The warning a document carries when some of its text was recognised."""
    pages = len(summary["pages"])
    return (f"text recognised from {pages} scanned page(s) by OCR "
            f"(mean word confidence {summary['mean_confidence']:.0f}%)")


# --- PDF pages --------------------------------------------------------------------------------


def render_pdf_page(path: Path, index: int, dpi: int) -> Any:
    """Page ``index`` (0-based) of a PDF as a greyscale PIL image at ``dpi``."""
    import pypdfium2 as pdfium  # imported late: only scanned PDFs need it

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_pil()
        page.close()
        return image.convert("L")
    finally:
        pdf.close()


@dataclass(frozen=True)
class ScanPage:
    """A PDF page to recognise: 0-based index, size in points, resolution to render at."""

    index: int
    width_pt: float
    height_pt: float
    dpi: int

    def pixels(self) -> tuple[int, int]:
        return round(self.width_pt * self.dpi / 72), round(self.height_pt * self.dpi / 72)


def read_pdf_scans(path: Path, pages: list[ScanPage], total: int,
                   options: OcrOptions | None) -> tuple[dict[int, str], dict[str, Any]]:
    """Recognise the given PDF pages; return each page's text by index, and the summary.

    Limits are checked for every page before the first is rendered, so a file over a
    limit costs no OCR time.
    """
    options = options or OcrOptions()
    reader = ScanReader(path, options, dpi=options.dpi)
    reader.check_page_count(len(pages))
    for page in pages:
        reader.check_pixels(page.index + 1, *page.pixels())
    texts = {}
    for page in pages:
        image = (lambda p=page: render_pdf_page(path, p.index, p.dpi))
        texts[page.index] = reader.page(page.index + 1, image).text
    return texts, reader.summary(total)
