""".html and .htm, read with lxml: the declared charset honoured, scripts and styles dropped.

One block element per line, like the .docx reader; the ``<title>`` is the title, and
legacy font names in the markup (``.VnTime``, ``VNI-Times``) are the legacy hint.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.ingest.extracted import Extracted, ReadLimits, describe, read_bytes
from search.ingest.readers.text import BOMS

__all__ = ["read_html"]

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
    for bom, encoding in BOMS:
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


def read_html(path: Path, limits: ReadLimits) -> Extracted:
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
