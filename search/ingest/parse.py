"""Readers: turn a file into :class:`~search.documents.ParsedText`.

One entry point per shape of input:

- :func:`read_file` — one document per file (.txt, .md, .docx, .pdf, .html/.htm);
- :func:`iter_jsonl` — many documents per file (JSON Lines, plain, gzip or xz), streamed.

Every failure becomes a :class:`~search.errors.ReadError` carrying the path and a reason
a user can act on; no library exception escapes. Every reader's text then goes through
the same finish: NFC, legacy-encoding repair (:mod:`search.text.legacy`), :func:`clean_text`
and the size limit.
"""

from __future__ import annotations

import codecs
import gzip
import json
import lzma
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from search.documents import ParsedText
from search.errors import ReadError
from search.ingest.extracted import (
    ZIP_EXPANSION_FACTOR,
    Extracted,
    OcrOptions,
    ReadLimits,
    check_zip,
    describe,
    env_limit,
    human_size,
    preview,
    read_bytes,
    stat_regular_file,
)
from search.text.legacy import ENCODINGS as LEGACY_ENCODINGS
from search.text.legacy import (
    convert_legacy,
    convert_legacy_lines,
    detect_legacy,
    fix_legacy,
    is_vietnamese_syllable,
)
from search.text.normalize import nfc, strip_controls

__all__ = [
    "SUPPORTED_SUFFIXES",
    "JSONL_SUFFIXES",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_TEXT_CHARS",
    "DEFAULT_MAX_DOCX_EXPANDED_BYTES",
    "read_file",
    "clean_text",
    "JsonlRecord",
    "iter_jsonl",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".docx", ".pdf", ".html", ".htm",
                                                ".png", ".jpg", ".jpeg", ".tif", ".tiff",
                                                ".doc", ".odt", ".rtf"})
JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".jsonl.xz")
# Limits per file (README: Limits). Each can be changed with an environment variable,
# read once at start-up: VNSEARCH_MAX_FILE_BYTES, VNSEARCH_MAX_TEXT_CHARS,
# VNSEARCH_MAX_DOCX_EXPANDED_BYTES (whole numbers; "_" allowed: 100_000_000).


DEFAULT_MAX_FILE_BYTES = env_limit("VNSEARCH_MAX_FILE_BYTES", 50 * 1024 * 1024)
DEFAULT_MAX_TEXT_CHARS = env_limit("VNSEARCH_MAX_TEXT_CHARS", 5_000_000)
# A .docx may inflate to at most this much, and to at most DOCX_EXPANSION_FACTOR times
# the file-size limit: a real 5 MB .docx inflates to ~20–60 MB of XML.
DEFAULT_MAX_DOCX_EXPANDED_BYTES = env_limit("VNSEARCH_MAX_DOCX_EXPANDED_BYTES",
                                             200 * 1024 * 1024)
DOCX_EXPANSION_FACTOR = ZIP_EXPANSION_FACTOR


# --- clean_text ----------------------------------------------------------------------

# Apache POI (XWPFWordExtractor) artefacts, seen in the seeds: a reference marker in the
# body and the footnote text inline as "[N:  text]" (one level of [..] allowed inside,
# one line break allowed but never a blank line, so a stray "[3:" cannot eat a page).
_POI_REF = re.compile(r"\[(?:footnote|endnote)Ref:\d+\]")
_POI_NOTE = re.compile(r"\[(\d{1,4}):[ \t]*((?:[^\[\]\n]|\n(?!\n)|\[[^\[\]\n]*\])*)\]")
# "CHỈ THỊ**về …": bold markers glued between words hold a word boundary.
_STARS_BETWEEN_WORDS = re.compile(r"(?<=\w)\*\*(?=\w)")
_STARS = re.compile(r"\*\*")
# A soft hyphen is invisible and splits a word for the index. Removed only here, after the
# legacy repair: in TCVN3 the same byte is the letter "ư".
_SOFT_HYPHEN = "\u00ad"
# \v and \f are line breaks in Word and PDF exports; strip_controls would glue the words.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_SPACE_RUN = re.compile(r"\s+")


def _take_note(match: re.Match[str], notes: list[str]) -> str:
    text = _SPACE_RUN.sub(" ", match.group(2)).strip()
    if text:
        notes.append(f"{int(match.group(1))}. {text}")
    return ""


def _remove_artefacts(text: str, notes: list[str]) -> str:
    text = _LINE_BREAKS.sub("\n", text)
    text = strip_controls(text)
    text = _POI_REF.sub("", text)
    text = _POI_NOTE.sub(lambda m: _take_note(m, notes), text)
    text = _STARS_BETWEEN_WORDS.sub(" ", text)
    text = _STARS.sub("", text).replace(_SOFT_HYPHEN, "")
    return nfc(text)


def clean_text(text: str) -> tuple[str, str]:
    """NFC, controls stripped, reader artefacts removed: ``(body, notes)``.

    POI's ``[footnoteRef:N]`` markers and stray ``**`` are deleted; POI's inline
    footnotes ``[N:  text]`` move to ``notes`` as ``N. text``, one per line. Line breaks
    become ``\\n``, trailing spaces go, and two or more blank lines become one.
    Idempotent on the body.
    """
    notes: list[str] = []
    # Removing one artefact can assemble another ("[foot[footnoteRef:1]noteRef:2]",
    # "*\x00*", a combining mark meeting its base), so repeat to a fixed point. Only
    # deletions can trigger another change, and each one shortens the text, so this ends.
    previous = None
    while text != previous:
        previous = text
        text = _remove_artefacts(text, notes)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_RUN.sub("\n\n", text).strip("\n")
    return text, "\n".join(notes)


# --- shared plumbing -----------------------------------------------------------------

def _too_long(n: int, limit: int, what: str = "extracted text") -> str:
    return f"{what} is {n:,} characters, over the {limit:,} limit"


def _suffix(path: Path) -> str:
    return path.suffix.lower()










# --- .txt / .md ----------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0/C1 controls other than tab and line breaks: text has almost none, binaries many.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_RATIO = 0.05


def _decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """``(text, encoding)`` for UTF-8 (BOM optional), UTF-16 with a BOM, or 8-bit
    Vietnamese (TCVN3, VNI, Windows-1258) when the bytes are not UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            codec = "utf-8" if encoding == "utf-8-sig" else encoding
            try:
                return body.decode(codec), encoding
            except UnicodeDecodeError as exc:
                label = "UTF-8" if codec == "utf-8" else "UTF-16"
                raise ReadError(
                    path, f"not valid {label} text ({exc.reason} at offset {exc.start + len(bom)})"
                ) from None
    if b"\x00" in data:
        raise ReadError(path, "binary file, not text (contains NUL bytes; UTF-16 needs a BOM)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        legacy = _decode_legacy_bytes(data)
        if legacy is not None:
            return legacy
        byte = data[exc.start]
        raise ReadError(
            path,
            "not UTF-8 or UTF-16 text, and not Vietnamese in TCVN3, VNI or Windows-1258"
            f" (invalid UTF-8 byte 0x{byte:02X} at offset {exc.start}); save it as UTF-8",
        ) from None


# Of the words with a letter outside ASCII, this share must be Vietnamese syllables for
# a Windows-1258 reading to count as Vietnamese (French or German text is far below).
_MIN_VIETNAMESE_SHARE = 0.8
_MIN_VIETNAMESE_WORDS = 2


def _decode_legacy_bytes(data: bytes) -> tuple[str, str] | None:
    """An 8-bit Vietnamese file: ``(text, "tcvn3 bytes" | "vni bytes" | "cp1258")``.

    Line by line: a line that is valid UTF-8 is UTF-8 (a file of UTF-8 lines and legacy
    lines, pasted together, keeps both; its encoding is then ``"utf-8 and tcvn3 bytes"``),
    any other line is 8-bit. TCVN3 and VNI text is what the legacy tables read: their
    bytes as Latin-1 code points (``_finish`` converts it). Windows-1258 decodes to
    Unicode with combining tone marks. Whatever does not read as Vietnamese is ``None``
    (the caller's error).
    """
    lines: list[str | bytes] = []  # str: a UTF-8 line; bytes: an 8-bit one
    for raw in data.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw)
    utf8 = "utf-8 and " if any(isinstance(x, str) and not x.isascii() for x in lines) else ""
    eight_bit = [x for x in lines if isinstance(x, bytes)]
    encoding = detect_legacy("\n".join(map(_legacy_byte_text, eight_bit)), from_bytes=True)
    if encoding is not None:
        text = "\n".join(x if isinstance(x, str) else _legacy_byte_text(x) for x in lines)
        return text, f"{utf8}{encoding} bytes"
    as_cp1258 = b"\n".join(eight_bit).decode("cp1258", errors="replace")
    # Windows-1258 writes most tones as combining marks (its bytes 0xCC, 0xEC, 0xD2,
    # 0xDE, 0xF2); without them a few toned Latin-1 words ("bé") may as well be TCVN3.
    marks = sum(as_cp1258.count(m) for m in "\u0300\u0301\u0303\u0309\u0323")
    if marks >= _MIN_VIETNAMESE_WORDS and "\ufffd" not in as_cp1258 and _reads_as_vietnamese(
            nfc(as_cp1258)) and not _reads_as_legacy_too(eight_bit, nfc(as_cp1258)):
        text = "\n".join(x if isinstance(x, str) else x.decode("cp1258") for x in lines)
        return nfc(text), f"{utf8}cp1258"
    return None


def _reads_as_legacy_too(eight_bit: list[bytes], as_cp1258: str) -> bool:
    """Whether TCVN3 or VNI reads the bytes as well as Windows-1258 does: a short TCVN3
    file ("chiÒu chiÒu") can read as Windows-1258 too ("chỉu chỉu"); then neither wins."""
    as_latin1 = "\n".join(map(_legacy_byte_text, eight_bit))
    cp1258_valid = _vietnamese_words(as_cp1258)[0]
    return any(_vietnamese_words(convert_legacy(as_latin1, name))[0] >= cp1258_valid
               for name in LEGACY_ENCODINGS)


# The legacy tables use only Latin-1 letters (0xA0–0xFF: viparse's TCVN3 and VNI tables
# have no code point in 0x80–0x9F); the bytes 0x80–0x9F a Windows editor saves are its
# cp1252 punctuation: “ ” ‘ ’ – — … (the five bytes cp1252 leaves undefined stay C1).
_C1_AS_CP1252 = {i: bytes([i]).decode("cp1252", errors="replace") for i in range(0x80, 0xA0)}


def _legacy_byte_text(data: bytes) -> str:
    return data.decode("latin-1").translate(
        {code: ch for code, ch in _C1_AS_CP1252.items() if ch != "\ufffd"})


def _vietnamese_words(text: str) -> tuple[int, int]:
    """``(Vietnamese syllables, words)`` among the words with a letter outside ASCII."""
    words = [w.strip(".,;:!?()[]\"'“”-") for w in text.split()]
    marked = [w for w in words if w and not w.isascii()]
    return sum(is_vietnamese_syllable(w) for w in marked), len(marked)


def _reads_as_vietnamese(text: str) -> bool:
    valid, marked = _vietnamese_words(text)
    return valid >= _MIN_VIETNAMESE_WORDS and valid >= _MIN_VIETNAMESE_SHARE * marked


def _reject_binary(path: Path, text: str) -> None:
    if "\x00" in text:
        raise ReadError(path, "binary file, not text (contains NUL characters)")
    controls = len(_BINARY_CONTROLS.findall(text))
    if controls and controls > _MAX_CONTROL_RATIO * len(text):
        share = 100 * controls / len(text)
        raise ReadError(path, f"binary file, not text ({share:.0f}% control characters)")


# The encoding 8-bit bytes were found to be, handed to ``_finish``'s legacy detection as
# the font such a file is typed in: the bytes already showed what they are, and a short
# file may hold too few signature characters to show it again from its text alone.
_BYTES_FONT = {"tcvn3 bytes": ".VnTime", "vni bytes": "VNI-Times"}


def _read_text(path: Path, limits: ReadLimits) -> Extracted:
    text, encoding = _decode_text(path, read_bytes(path))
    _reject_binary(path, text)
    if not text.strip():
        raise ReadError(path, "empty file (no text)")
    font = _BYTES_FONT.get(encoding.removeprefix("utf-8 and "))
    return Extracted(text=text, encoding=encoding, fonts=(font,) if font else ())


# --- .docx ---------------------------------------------------------------------------

# docx2python's inline markers: note references, images, alt text, failed checkboxes,
# symbol-font glyphs (bullets drawn from Wingdings/Symbol).
_DOCX_MARKERS = re.compile(
    r"----(?:footnote|endnote)-?\d+----"
    r"|----Image alt text---->[^<\n]*<"
    r"|----checkbox failed----"
    r"|----[^\s]*?\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf|svg|webp|jfif)----"
    r"|<span style=font-family:[^>]*>&#x[0-9A-Fa-f]+;</span>",
    re.IGNORECASE,
)
_DOCX_LINK = re.compile(r'<a href="[^"]*">(.*?)</a>', re.DOTALL)
_DOCX_MATH = re.compile(r"<latex>(.*?)</latex>", re.DOTALL)
_DOCX_NOTE_PREFIX = re.compile(r"^(?:footnote|endnote)(-?\d+)\)\t\s*")
_DOCX_FONT = re.compile(rb'w:(?:ascii|hAnsi|cs)="([^"]{1,64})"')


def _strip_docx_markers(text: str) -> str:
    text = _DOCX_MARKERS.sub("", text)
    text = _DOCX_LINK.sub(r"\1", text)
    return _DOCX_MATH.sub(r"\1", text)


def _check_docx_zip(path: Path, limits: ReadLimits) -> list[str]:
    """Refuse corrupt zips and zip bombs before anything is inflated; return entry names."""
    return check_zip(path, limits, ".docx", "word/document.xml")


def _docx_fonts(path: Path, names: list[str]) -> tuple[str, ...]:
    """Run font names (w:rFonts) from the body and styles, for legacy-font detection."""
    fonts: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        for name in ("word/document.xml", "word/styles.xml"):
            if name in names:
                found = _DOCX_FONT.findall(archive.read(name))
                fonts.update(m.decode("utf-8", "replace") for m in found)
    return tuple(sorted(fonts))


def _docx_body_lines(body: list[Any]) -> list[str]:
    # docx2python nests tables > rows > cells > paragraphs; paragraphs outside tables come
    # as 1×1 tables. One paragraph per line keeps each header-table cell on its own line.
    return [par for table in body for row in table for cell in row for par in cell]


def _docx_note_lines(notes: list[Any]) -> list[str]:
    lines = []
    for table in notes:
        for row in table:
            for cell in row:
                text = " ".join(p.strip() for p in cell if p.strip())
                if not text:
                    continue  # separator "notes"
                text = _strip_docx_markers(text)
                prefix = _DOCX_NOTE_PREFIX.match(text)
                lines.append(f"{prefix.group(1)}. {text[prefix.end():]}" if prefix else text)
    return lines


def _read_docx(path: Path, limits: ReadLimits) -> Extracted:
    from docx2python import docx2python  # imported late: heavy, only for .docx

    names = _check_docx_zip(path, limits)
    try:
        with docx2python(path, duplicate_merged_cells=False) as doc:
            body = _docx_body_lines(doc.body)
            notes = _docx_note_lines(doc.footnotes) + _docx_note_lines(doc.endnotes)
        fonts = _docx_fonts(path, names)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # damaged entry data
        reason = describe(".docx", exc).replace("cannot read .docx", "not a valid .docx")
        raise ReadError(path, reason) from exc
    except Exception as exc:  # docx2python raises KeyError/AttributeError on odd XML
        raise ReadError(path, describe(".docx", exc)) from exc
    text = _strip_docx_markers("\n".join(body))
    if not text.strip() and not notes:
        raise ReadError(path, "empty document (no text)")
    extra = {"fonts": list(fonts)} if fonts else {}
    return Extracted(text=text, notes="\n".join(notes), fonts=fonts, extra=extra)


# --- .pdf ----------------------------------------------------------------------------


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
    from search.ingest.ocr import ScanPage, read_pdf_scans  # imported late: only scans need them

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


def _read_pdf(path: Path, limits: ReadLimits) -> Extracted:
    reader = _open_pdf(path)
    pages = _pdf_text_layer(path, reader, limits)
    summary = None
    if any(text is None for text in pages):
        summary = _recognise_pdf_pages(path, reader, pages, limits)
    text = "\n".join(t or "" for t in pages)
    if not text.strip() and summary is None:
        raise ReadError(path, "no text: the pages are blank (no text layer, no images)")
    if not text.strip():
        raise ReadError(path, f"no text recognised on the {len(summary['pages'])} scanned "
                              "page(s) (OCR found no words)")
    fonts = _pdf_fonts(reader)
    extra: dict[str, Any] = {"pages": len(pages)}
    if fonts:
        extra["fonts"] = list(fonts)
    if summary is None:
        return Extracted(text=text, fonts=fonts, extra=extra)
    from search.ingest.ocr import ocr_warning

    source = "ocr" if len(summary["pages"]) == len(pages) else "mixed"
    return Extracted(text=text, fonts=fonts, extra=extra, text_source=source, ocr=summary,
                     warnings=[ocr_warning(summary)])


# --- .html / .htm --------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Browsers read "latin-1"/"ascii" pages as windows-1252 (WHATWG); so do we.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252"}
_HTML_DROP = ("script", "style", "noscript", "template", "head")
_HTML_BLOCKS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption"
    " figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section"
    " summary table tbody td tfoot th thead tr ul".split()
)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HTML_LEGACY_FONT = re.compile(r"\.Vn[A-Za-z]+|VNI[- ][A-Za-z]+")


def _html_charset(data: bytes) -> tuple[str, str | None]:
    """``(codec, declared name)``: BOM, then <meta charset>/XML declaration, else UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, encoding
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not match:
        return "utf-8", None
    declared = match.group(1).decode("ascii").lower()
    return _CHARSET_ALIASES.get(declared, declared), declared


def _decode_html(data: bytes) -> tuple[str, str, list[str]]:
    codec, declared = _html_charset(data)
    warnings: list[str] = []
    try:
        codecs.lookup(codec)
    except LookupError:
        warnings.append(f"unknown charset {declared!r}, read as UTF-8")
        codec = "utf-8"
    try:
        return data.decode(codec), codec, warnings
    except UnicodeDecodeError as exc:
        # Web pages are often slightly broken; keep the text and say so.
        warnings.append(f"invalid {codec} bytes replaced (first at offset {exc.start})")
        return data.decode(codec, errors="replace"), codec, warnings


def _html_text(root: Any) -> str:
    from lxml import etree

    parts: list[str] = []
    in_pre = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            in_pre += tag == "pre"
            if tag in _HTML_BLOCKS or tag == "br":
                parts.append("\n")
            if element.text:
                parts.append(element.text if in_pre else _HTML_SPACE.sub(" ", element.text))
        else:
            in_pre -= tag == "pre"
            if tag in _HTML_BLOCKS:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail if in_pre else _HTML_SPACE.sub(" ", element.tail))
    # One block per line, like the .docx reader: no blank lines between blocks.
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _read_html(path: Path, limits: ReadLimits) -> Extracted:
    import lxml.html  # imported late: only for .html
    from lxml import etree

    data = read_bytes(path)
    text, codec, warnings = _decode_html(data)
    # lxml refuses str input that still declares an encoding, or holds XML-invalid code
    # points (NUL and other C0 controls, U+FFFE/U+FFFF).
    text = _XML_INVALID.sub("", _XML_DECL.sub("", text, count=1))
    if not text.strip():
        raise ReadError(path, "empty file (no text)")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(path, describe("HTML", exc)) from exc
    title_text = root.findtext("head/title") or root.findtext(".//title")
    title = " ".join(title_text.split()) if title_text else None
    doomed = [el for tag in _HTML_DROP for el in root.iter(tag)]
    doomed += list(root.iter(etree.Comment, etree.ProcessingInstruction))
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text
    fonts = tuple(sorted(set(_HTML_LEGACY_FONT.findall(text))))
    return Extracted(text=_html_text(root), title=title or None, encoding=codec,
                      fonts=fonts, warnings=warnings)


# --- page images (.png, .jpg, .tif) ---------------------------------------------------


def _read_image(path: Path, limits: ReadLimits) -> Extracted:
    from search.ingest.ocr import read_image  # imported late: only scans need Tesseract

    return read_image(path, limits.ocr)


# --- .doc, .odt, .rtf --------------------------------------------------------------------


def _read_office(path: Path, limits: ReadLimits) -> Extracted:
    from search.ingest import office  # imported late: only these formats need it

    suffix = _suffix(path)
    if suffix == ".doc":
        return office.read_doc(path, limits, {".docx": _read_docx, ".html": _read_html})
    return {".odt": office.read_odt, ".rtf": office.read_rtf}[suffix](path, limits)


# --- read_file -----------------------------------------------------------------------

_Reader = Callable[[Path, ReadLimits], Extracted]
_READERS: dict[str, tuple[str, _Reader]] = {
    ".txt": ("txt", _read_text),
    ".md": ("md", _read_text),
    ".docx": ("docx", _read_docx),
    ".pdf": ("pdf", _read_pdf),
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".png": ("image", _read_image),
    ".jpg": ("image", _read_image),
    ".jpeg": ("image", _read_image),
    ".tif": ("image", _read_image),
    ".tiff": ("image", _read_image),
    ".doc": ("doc", _read_office),
    ".odt": ("odt", _read_office),
    ".rtf": ("rtf", _read_office),
}
assert frozenset(_READERS) == SUPPORTED_SUFFIXES


def _unsupported(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "JSON Lines holds many documents: read it with iter_jsonl"
    kind = f"'{_suffix(path)}'" if _suffix(path) else "without a suffix"
    return f"unsupported file type {kind} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"


def _clean_notes(notes: str) -> str:
    body, inline = clean_text(notes)
    return "\n".join(part for part in (body, inline) if part)


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    return " ".join(nfc(strip_controls(title)).split()) or None


def _finish(path: Path, fmt: str, ex: Extracted, max_chars: int) -> ParsedText:
    """The common tail of every reader: limit, legacy repair, clean."""
    length = len(ex.text) + len(ex.notes)
    if length > max_chars:
        raise ReadError(path, _too_long(length, max_chars))
    text, encoding = fix_legacy(nfc(ex.text), fonts=ex.fonts)
    notes, title, warnings = nfc(ex.notes), ex.title, list(ex.warnings)
    if encoding is not None:
        notes = convert_legacy_lines(notes, encoding)
        title = convert_legacy_lines(title, encoding) if title else title
        warnings.append(f"converted from {encoding.upper()}")
    body, inline_notes = clean_text(text)
    notes = "\n".join(part for part in (_clean_notes(notes), inline_notes) if part)
    if not body and not notes:
        raise ReadError(path, "empty file (no text)")
    return ParsedText(
        text=body,
        notes=notes,
        format=fmt,
        encoding=ex.encoding,
        converted_from=encoding,
        title=_clean_title(title),
        extra=ex.extra,
        warnings=warnings,
        text_source=ex.text_source,
        ocr=ex.ocr,
    )


def read_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_chars: int = DEFAULT_MAX_TEXT_CHARS,
    max_docx_expanded: int = DEFAULT_MAX_DOCX_EXPANDED_BYTES,
    ocr: OcrOptions | None = None,
) -> ParsedText:
    """Read one document; raise :class:`ReadError` (path + reason) on any failure.

    Dispatches on the suffix, case-insensitively. The size limit is checked with
    ``stat`` before anything is read; the character limit right after extraction.
    """
    p = Path(os.fspath(path))
    entry = _READERS.get(_suffix(p))
    if entry is None:
        raise ReadError(p, _unsupported(p))
    fmt, reader = entry
    size = stat_regular_file(p).st_size
    if size > max_bytes:
        raise ReadError(p, f"file is {human_size(size)}, over the {human_size(max_bytes)} limit")
    limits = ReadLimits(max_bytes, max_chars, max_docx_expanded, ocr)
    try:
        extracted = reader(p, limits)
        return _finish(p, fmt, extracted, max_chars)
    except ReadError:
        raise
    except Exception as exc:  # last line of defence: no library exception escapes
        raise ReadError(p, describe(f".{fmt}", exc)) from exc


# --- JSON Lines ----------------------------------------------------------------------


@dataclass
class JsonlRecord:
    """One good line of a JSON Lines file."""

    line: int
    id: str
    parsed: ParsedText


# A JSON-escaped character takes up to 6 bytes ("\\u1ea1"); beyond that a line cannot
# hold an acceptable record, and reading it whole would only waste memory.
_JSON_BYTES_PER_CHAR = 6
_JSON_LINE_SLACK = 64 * 1024
_STREAM_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _open_jsonl(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)``; ``None`` for a line over ``limit`` (skipped unread)."""
    number = 0
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        number += 1
        if len(chunk) >= limit and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(limit)
            yield number, None
        else:
            yield number, chunk


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean",
               int: "number", float: "number", type(None): "null"}


def _type_name(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _check_record(obj: Any) -> str | None:
    """Why a decoded line is not a usable record, or ``None``."""
    if not isinstance(obj, dict):
        return f"not a JSON object (got {_type_name(obj)})"
    rid = obj.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        return 'missing or empty "id"'
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        return f'"id" is not a string (got {_type_name(rid)})'
    if "text" not in obj:
        return 'missing "text"'
    if not isinstance(obj["text"], str):
        return f'"text" is not a string (got {_type_name(obj["text"])})'
    if not obj["text"].strip():
        return 'empty "text"'
    if obj.get("title") is not None and not isinstance(obj["title"], str):
        return f'"title" is not a string (got {_type_name(obj["title"])})'
    return None


def _parse_line(
    where: str, number: int, raw: bytes, max_chars: int
) -> JsonlRecord | ReadError | None:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = raw[exc.start]
        return ReadError(where, f"not UTF-8 (invalid byte 0x{byte:02X} at offset {exc.start})")
    line = line.lstrip("\ufeff")
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return ReadError(where, f"invalid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return ReadError(where, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
        return ReadError(where, f"invalid JSON ({exc})")
    problem = _check_record(obj)
    if problem:
        return ReadError(where, problem)
    text: str = obj["text"]
    if len(text) > max_chars:
        return ReadError(where, _too_long(len(text), max_chars, '"text"'))
    text, encoding = fix_legacy(nfc(text))
    body, notes = clean_text(text)
    if not body:
        return ReadError(where, 'empty "text"')
    title = obj.get("title")
    parsed = ParsedText(
        text=body,
        notes=notes,
        format="jsonl",
        encoding="utf-8",
        converted_from=encoding,
        title=nfc(title) if title else None,
        extra={k: v for k, v in obj.items() if k not in ("id", "text", "title")},
        warnings=[f"converted from {encoding.upper()}"] if encoding else [],
    )
    return JsonlRecord(line=number, id=str(obj["id"]), parsed=parsed)


def iter_jsonl(
    path: str | os.PathLike[str], *, max_chars: int = DEFAULT_MAX_TEXT_CHARS
) -> Iterator[JsonlRecord | ReadError]:
    """Stream the records of a ``.jsonl`` / ``.jsonl.gz`` / ``.jsonl.xz`` file.

    Yields a :class:`JsonlRecord` per good line and a :class:`ReadError` (``path:line``
    and reason) per bad line, then carries on; blank lines are skipped. A file that
    cannot be opened, or a corrupt or truncated compressed stream, yields one
    ``ReadError`` for the file and stops.
    """
    p = Path(os.fspath(path))
    limit = _JSON_BYTES_PER_CHAR * max_chars + _JSON_LINE_SLACK
    try:
        stat_regular_file(p)
        stream = _open_jsonl(p)
    except ReadError as err:
        yield err
        return
    except OSError as exc:
        yield ReadError(p, f"cannot open file ({exc.strerror or exc})")
        return
    with stream:
        try:
            for number, raw in _lines(stream, limit):
                where = f"{p}:{number}"
                if raw is None:
                    yield ReadError(where, f"line is over {human_size(limit)}, too long for one record")
                    continue
                result = _parse_line(where, number, raw, max_chars)
                if result is not None:
                    yield result
        except _STREAM_ERRORS as exc:
            kind = "".join(p.suffixes[-1:]) or "file"
            yield ReadError(p, f"corrupt or truncated {kind} stream ({_describe_stream(exc)})")


def _describe_stream(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
