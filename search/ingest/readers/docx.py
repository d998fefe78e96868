""".docx, read with docx2python: body and tables in reading order, notes apart.

The zip is checked for corruption and bombs before anything is inflated; the run fonts
(``w:rFonts``) come back as the legacy-encoding hint (``.VnTime`` is TCVN3).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.ingest.extracted import Extracted, ReadLimits, check_zip, describe

__all__ = ["read_docx"]

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


_RELATIONSHIPS_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_TAG = re.compile(rb"(<[A-Za-z_][\w.-]*:[\w.-]+)(?=[\s/>])")


def _declaring_relationships(path: Path) -> io.BytesIO:
    """The .docx in memory with the ``r:`` namespace declared on every part's root.

    docx2python looks the prefix up in each element's namespace map, and a valid file
    that never uses ``r:`` (written by other tools than Word) need not declare it; the
    zip has passed the size checks, so holding it in memory is bounded.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("word/") and item.filename.endswith(".xml") \
                    and b"xmlns:r=" not in data[:4096]:
                data = _ROOT_TAG.sub(rb'\1 xmlns:r="' + _RELATIONSHIPS_NS + b'"', data, count=1)
            dst.writestr(item, data)
    out.seek(0)
    return out


def _docx2python_lines(source: Path | io.BytesIO) -> tuple[list[str], list[str]]:
    from docx2python import docx2python  # imported late: heavy, only for .docx

    with docx2python(source, duplicate_merged_cells=False) as doc:
        body = _docx_body_lines(doc.body)
        notes = _docx_note_lines(doc.footnotes) + _docx_note_lines(doc.endnotes)
    return body, notes


def read_docx(path: Path, limits: ReadLimits) -> Extracted:
    names = _check_docx_zip(path, limits)
    try:
        try:
            body, notes = _docx2python_lines(path)
        except KeyError as missing:
            if missing.args != ("r",):
                raise
            body, notes = _docx2python_lines(_declaring_relationships(path))
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
