"""Older office formats: Word 97 ``.doc``, OpenDocument ``.odt`` and ``.rtf``.

- ``.doc``: the Word 97 piece table read from the file's OLE2 streams (olefile): the
  body, each table cell on its own line, field results without their codes, and the
  footnotes apart.
- ``.odt``: ``content.xml`` read with lxml: paragraphs, headings and table cells in
  order, notes (``text:note``) apart, fonts from ``style:font-face``.
- ``.rtf``: striprtf, with fonts from the font table.

Legacy text (``.VnTime``/TCVN3, ``VNI-Times``) comes back unconverted, with the font
names as a hint: :func:`search.parse.read_file` converts it like every other format's.
A file named ``.doc`` that is really a .docx, an RTF or plain text (Word users rename
files) is read as what it is.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.extracted import Extracted, ReadLimits, check_zip, describe, read_bytes

__all__ = ["read_doc", "read_odt", "read_rtf"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_RTF = b"{\\rtf"


# --- .doc -------------------------------------------------------------------------------
# Word 97–2003 binary (MS-DOC): the text is found through the piece table of the FIB, in
# the OLE2 streams read by olefile. Measured against antiword and catdoc (README): both
# drop byte 0xAD as a soft hyphen, and in a .VnTime (TCVN3) document 0xAD is the letter
# "ư" ("thường", "người"), so they lose it everywhere; reading the pieces keeps every byte.

_FIB_IDENT = 0xA5EC
_F_ENCRYPTED, _F_WHICH_TABLE = 0x0100, 0x0200
_CCP = {"text": 0x4C, "ftn": 0x50, "hdd": 0x54, "atn": 0x5C, "edn": 0x60}
_FC_CLX, _LCB_CLX = 0x1A2, 0x1A6
_COMPRESSED = 0x40000000
_MIN_NFIB = 0x00C1  # Word 97; older Word 6/95 files are laid out differently


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 2], "little")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """The piece table: ``(first cp, last cp, file offset, compressed)`` per piece."""
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: formatting, skipped
        at += 3 + _u16(clx, at + 1)
    if at >= len(clx) or clx[at] != 0x02:
        raise ValueError("no piece table")
    size = _u32(clx, at + 1)
    plc = clx[at + 5:at + 5 + size]
    count = (size - 4) // 12
    cps = [_u32(plc, 4 * i) for i in range(count + 1)]
    pieces = []
    for i in range(count):
        fc = _u32(plc, 4 * (count + 1) + 8 * i + 2)
        compressed = bool(fc & _COMPRESSED)
        pieces.append((cps[i], cps[i + 1], (fc & ~_COMPRESSED) // 2 if compressed else fc,
                       compressed))
    return pieces


def _characters(word: bytes, pieces: list[tuple[int, int, int, bool]], end: int) -> str:
    """Characters 0 … ``end`` of the document (main text, notes, headers follow)."""
    out = []
    for first, last, fc, compressed in pieces:
        if first >= end:
            break
        n = min(last, end) - first
        if compressed:  # 8-bit: Word's "ANSI", cp1252; 0xAD stays U+00AD (TCVN3 "ư")
            out.append(word[fc:fc + n].decode("cp1252", errors="replace"))
        else:
            out.append(word[fc:fc + 2 * n].decode("utf-16-le", errors="replace"))
    return "".join(out)


# Word's control characters: paragraph, cell/row end, line and page break, hyphens. The
# optional hyphen (0x1F) is where Word keeps a typed byte 0xAD: a soft hyphen in Unicode
# text (dropped when the text is cleaned), the letter "ư" in TCVN3 (converted before).
_DOC_CONTROLS = str.maketrans({"\r": "\n", "\x07": "\n", "\x0b": "\n", "\x0c": "\n",
                               "\x1e": "-", "\x1f": "\xad", "\x02": "", "\x01": "",
                               "\x08": "", "\x05": ""})


def _without_field_codes(text: str) -> str:
    """Keep a field's result, drop its instruction: ``\x13 PAGE \x14 3 \x15`` → ``3``."""
    out, stack = [], []  # stack: for each open field, whether we are in its result
    for ch in text:
        if ch == "\x13":
            stack.append(False)
        elif ch == "\x14" and stack:
            stack[-1] = True
        elif ch == "\x15" and stack:
            stack.pop()
        elif all(stack):
            out.append(ch)
    return "".join(out)


def _doc_text(chars: str) -> str:
    return _without_field_codes(chars).translate(_DOC_CONTROLS)


def _footnotes(chars: str) -> list[str]:
    """Each note starts with its reference mark (\x02): one note a line, numbered."""
    notes = [" ".join(_doc_text(part).split()) for part in chars.split("\x02")[1:]]
    return [f"{i}. {note}" for i, note in enumerate(notes, start=1) if note]


def _read_word97(path: Path, limits: ReadLimits) -> tuple[str, list[str]]:
    import olefile  # imported late: only .doc needs it

    try:
        with olefile.OleFileIO(str(path)) as ole:
            word = ole.openstream("WordDocument").read()
            flags = _u16(word, 0x0A)
            if _u16(word, 0) != _FIB_IDENT:
                raise ReadError(path, "not a Word 97 .doc (no Word document inside)")
            if flags & _F_ENCRYPTED:
                raise ReadError(path, "encrypted .doc (password required)")
            if _u16(word, 0x02) < _MIN_NFIB:
                raise ReadError(path, "Word 6/95 .doc (before Word 97) is not supported: "
                                      "save it as .docx")
            table = "1Table" if flags & _F_WHICH_TABLE else "0Table"
            clx_at, clx_len = _u32(word, _FC_CLX), _u32(word, _LCB_CLX)
            clx = ole.openstream(table).read()[clx_at:clx_at + clx_len]
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(path, describe(".doc", exc).replace("cannot read", "not a valid")) from None
    ccp = {name: _u32(word, at) for name, at in _CCP.items()}
    if ccp["text"] + ccp["ftn"] > limits.max_chars:
        raise ReadError(path, f"extracted text is {ccp['text'] + ccp['ftn']:,} characters, "
                              f"over the {limits.max_chars:,} limit")
    try:
        chars = _characters(word, _pieces(clx), ccp["text"] + ccp["ftn"])
    except (ValueError, IndexError) as exc:
        raise ReadError(path, f"damaged .doc ({exc})") from None
    return _doc_text(chars[:ccp["text"]]), _footnotes(chars[ccp["text"]:])


def read_doc(path: Path, limits: ReadLimits) -> Extracted:
    """A Word 97 .doc, or whatever a file named .doc really holds."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP):
        from search.parse import _read_docx  # a .docx renamed .doc

        return _read_docx(path, limits)
    if head.startswith(_RTF):
        return read_rtf(path, limits)  # Word saves "Rich Text" under any name
    if not head:
        raise ReadError(path, "empty file (no text)")
    if not head.startswith(_OLE2):
        raise ReadError(path, "not a Word 97 .doc (no OLE2 signature; is it text or HTML "
                              "renamed .doc?)")
    text, notes = _read_word97(path, limits)
    if not text.strip() and not notes:
        raise ReadError(path, "empty document (no text)")
    return Extracted(text=text, notes="\n".join(notes))


# --- .odt -------------------------------------------------------------------------------

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_BLOCKS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
_NOTE = f"{{{_TEXT}}}note"
_NOTE_BODY = f"{{{_TEXT}}}note-body"
_NOTE_CITATION = f"{{{_TEXT}}}note-citation"


def _inline_text(element: Any, notes: list[str]) -> str:
    """A paragraph's text: spaces (text:s c=N), tabs and line breaks kept; notes taken out."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _NOTE:
            citation = child.findtext(_NOTE_CITATION) or str(len(notes) + 1)
            body = child.find(_NOTE_BODY)
            note = " ".join(_block_texts(body, [])) if body is not None else ""
            notes.append(f"{citation}. {' '.join(note.split())}")
        elif tag == f"{{{_TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1")))
        elif tag == f"{{{_TEXT}}}tab":
            parts.append("\t")
        elif tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        else:
            parts.append(_inline_text(child, notes))
        parts.append(child.tail or "")
    return "".join(parts)


def _block_texts(root: Any, notes: list[str]) -> list[str]:
    """Every paragraph and heading under ``root``, in order (tables, lists, sections)."""
    out = []
    for child in root:
        if child.tag in _BLOCKS:
            out.append(_inline_text(child, notes))  # its notes go to ``notes``
        elif isinstance(child.tag, str):
            out.extend(_block_texts(child, notes))
    return out


def read_odt(path: Path, limits: ReadLimits) -> Extracted:
    """An OpenDocument text: body in order, notes apart, font names as a legacy hint."""
    from lxml import etree

    check_zip(path, limits, ".odt", "content.xml")
    try:
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("content.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ReadError(path, describe(".odt", exc).replace("cannot read", "not a valid")) from None
    except etree.XMLSyntaxError as exc:
        raise ReadError(path, f"not a valid .odt (content.xml: {str(exc)[:160]})") from None
    fonts = tuple(sorted({f.get(f"{{{_STYLE}}}name") or "" for f in
                          root.iter(f"{{{_STYLE}}}font-face")} - {""}))
    notes: list[str] = []
    body = root.find(".//{urn:oasis:names:tc:opendocument:xmlns:office:1.0}text")
    lines = _block_texts(body if body is not None else root, notes)
    text = "\n".join(lines)
    if not text.strip() and not notes:
        raise ReadError(path, "empty document (no text)")
    extra = {"fonts": list(fonts)} if fonts else {}
    return Extracted(text=text, notes="\n".join(notes), fonts=fonts, extra=extra)


# --- .rtf -------------------------------------------------------------------------------

_RTF_FONT = re.compile(r"\{\\f\d+[^{};]*?\s([^{};\\]+);")
_RTF_CODEPAGE = re.compile(r"\\ansicpg(\d+)")


def _rtf_lines(text: str) -> list[str]:
    """striprtf ends each table cell with "|": each cell becomes a line."""
    lines = []
    for line in text.split("\n"):
        if line.endswith("|"):
            lines.extend(cell.strip() for cell in line.split("|") if cell.strip())
        else:
            lines.append(line)
    return lines


def read_rtf(path: Path, limits: ReadLimits) -> Extracted:
    """Rich Text: ``\\uN`` and ``\\'xx`` escapes decoded, table cells one a line."""
    from striprtf.striprtf import rtf_to_text  # imported late: only for .rtf

    data = read_bytes(path)
    if not data.lstrip().startswith(_RTF):
        raise ReadError(path, "not an RTF file (does not start with {\\rtf)")
    raw = data.decode("latin-1")  # RTF is 7-bit; 8-bit text is escaped as \'xx
    codepage = _RTF_CODEPAGE.search(raw[:4096])
    # A .VnTime document declares cp1252 and escapes its TCVN3 bytes: Latin-1 keeps them
    # the letters the legacy tables read; other code pages are decoded as declared.
    encoding = f"cp{codepage.group(1)}" if codepage and codepage.group(1) != "1252" else "latin-1"
    try:
        text = rtf_to_text(raw, encoding=encoding, errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise ReadError(path, describe(".rtf", exc)) from None
    if len(text) > limits.max_chars:
        raise ReadError(path, f"extracted text is {len(text):,} characters, over the "
                              f"{limits.max_chars:,} limit")
    body = "\n".join(_rtf_lines(text))
    if not body.strip():
        raise ReadError(path, "empty document (no text)")
    fonts = tuple(sorted(set(f.strip() for f in _RTF_FONT.findall(raw[:65536]))))
    return Extracted(text=body, fonts=fonts, extra={"fonts": list(fonts)} if fonts else {})
