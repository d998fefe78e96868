"""Older office formats: Word 97 ``.doc``, OpenDocument ``.odt`` and ``.rtf``.

Each reader was chosen by measuring it against the alternatives (README: "Word 97, ODT
and RTF, compared"):

- ``.doc``: the Word 97–2003 piece table read from the file's OLE2 streams (olefile):
  the body, each table cell on its own line, field results without their codes,
  footnotes and endnotes apart, font names from the font table. antiword and catdoc
  drop byte 0xAD, which is TCVN3's "ư". Word 6/95 files and damaged piece tables go to
  LibreOffice when it is installed (optional; ``VNSEARCH_SOFFICE``).
- ``.odt``: ``content.xml`` read with lxml: paragraphs, headings and table cells in
  order, notes (``text:note``) apart, fonts from ``style:font-face``.
- ``.rtf``: striprtf for the text; notes are cut out first (striprtf drops them) and
  converted one by one; fonts from the font table.

Legacy text (``.VnTime``/TCVN3, ``VNI-Times``) comes back unconverted, with the font
names as a hint: :func:`search.ingest.parse.read_file` converts it like every other format's.
A file named ``.doc`` that is really a .docx, RTF or a web page (Word users rename
files, and Word saves all of these under a .doc name) is read as what it is, by its
first bytes, with a warning.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import ReadError
from search.ingest.extracted import Extracted, ReadLimits, check_zip, describe, read_bytes
from search.ingest.readers.docx import read_docx
from search.ingest.readers.html import read_html

__all__ = ["read_doc", "read_odt", "read_rtf"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_RTF = b"{\\rtf"
# Word's "Save as Web Page" keeps the .doc name; these open such a file.
_HTML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype html|html|meta|head)", re.I)


# --- .doc -------------------------------------------------------------------------------
# Word 97–2003 binary (MS-DOC): the text is found through the piece table of the FIB, in
# the OLE2 streams read by olefile. Measured against antiword and catdoc (README): both
# drop byte 0xAD as a soft hyphen, and in a .VnTime (TCVN3) document 0xAD is the letter
# "ư" ("thường", "người"), so they lose it everywhere; reading the pieces keeps every byte.

_FIB_IDENT = 0xA5EC
_F_ENCRYPTED, _F_WHICH_TABLE = 0x0100, 0x0200
# The FIB's character counts, in the order the stories follow each other in the text:
# main text, footnotes, headers, macros, comments, endnotes.
_CCP = {"text": 0x4C, "ftn": 0x50, "hdd": 0x54, "mcr": 0x58, "atn": 0x5C, "edn": 0x60}
_FC_CLX, _LCB_CLX = 0x1A2, 0x1A6
_FC_FONTS, _LCB_FONTS = 0x112, 0x116  # SttbfFfn: the font table
_FFN_NAME = 40  # an FFN's name (UTF-16) follows 40 bytes of size, flags, panose, signature
_COMPRESSED = 0x40000000
_MIN_NFIB = 0x00C1  # Word 97; older Word 6/95 files are laid out differently


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 2], "little")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


Piece = tuple[int, int, int, bool]  # first cp, end cp, file offset, compressed


def _pieces(clx: bytes) -> list[Piece]:
    """The piece table: ``(first cp, end cp, file offset, compressed)`` per piece."""
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


def _characters(word: bytes, pieces: list[Piece], start: int, end: int) -> str:
    """Characters ``start`` … ``end`` of the document's text (all stories in a row)."""
    out = []
    for first, last, fc, compressed in pieces:
        lo, hi = max(first, start), min(last, end)
        if lo >= hi:
            continue
        if compressed:  # 8-bit: Word's "ANSI", cp1252; 0xAD stays U+00AD (TCVN3 "ư")
            at = fc + (lo - first)
            out.append(word[at:at + hi - lo].decode("cp1252", errors="replace"))
        else:
            at = fc + 2 * (lo - first)
            out.append(word[at:at + 2 * (hi - lo)].decode("utf-16-le", errors="replace"))
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


def _font_names(table: bytes) -> list[str]:
    """The font table (SttbfFfn): each FFN's name, for the legacy hint (``.VnTime``)."""
    names, at = [], 4  # cData (2 bytes), cbExtra (2 bytes, 0)
    for _ in range(_u16(table, 0)):
        if at >= len(table):
            break
        size = table[at] + 1
        raw = table[at + _FFN_NAME:at + size]
        name = raw.decode("utf-16-le", errors="replace").split("\x00")[0].strip()
        if name:
            names.append(name)
        at += size
    return names


class _TryOffice(Exception):
    """Our reader cannot read this .doc; LibreOffice, when installed, may."""

    def __init__(self, reason: str, needed: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.needed = needed  # the file is fine, only LibreOffice reads it (Word 6/95)


@dataclass
class _Word97:
    word: bytes  # the WordDocument stream: FIB and (in Word 97) the text itself
    clx: bytes  # the piece table's part of the table stream
    fonts: bytes  # the font table's part of it


def _open_word97(path: Path) -> _Word97:
    """The streams of a Word 97–2003 file, or a ReadError saying what it is instead."""
    import olefile  # imported late: only .doc needs it

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("WordDocument"):
                raise ReadError(path, "not a Word .doc (an OLE2 file without a Word "
                                      "document: Excel or PowerPoint renamed .doc?)")
            word = ole.openstream("WordDocument").read()
            flags = _u16(word, 0x0A)
            if _u16(word, 0) != _FIB_IDENT:
                raise ReadError(path, "not a Word 97 .doc (no Word document inside)")
            if flags & _F_ENCRYPTED:
                raise ReadError(path, "encrypted .doc (password required)")
            if _u16(word, 0x02) < _MIN_NFIB:
                raise _TryOffice("Word 6/95 .doc (before Word 97)", needed=True)
            table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
            if not ole.exists(table_name):
                raise ReadError(path, f"damaged .doc (no {table_name} stream)")
            table = ole.openstream(table_name).read()
    except (ReadError, _TryOffice):
        raise
    # olefile: OSError for "not an OLE2 structured storage file" and truncation; a damaged
    # header also raises ValueError (a huge sector size), struct.error, IndexError …
    except Exception as exc:
        raise ReadError(path, describe(".doc", exc).replace("cannot read", "not a valid")) from None
    clx_at, fonts_at = _u32(word, _FC_CLX), _u32(word, _FC_FONTS)
    return _Word97(word, table[clx_at:clx_at + _u32(word, _LCB_CLX)],
                   table[fonts_at:fonts_at + _u32(word, _LCB_FONTS)])


def _read_word97(path: Path, limits: ReadLimits) -> Extracted:
    doc = _open_word97(path)
    ccp = {name: _u32(doc.word, at) for name, at in _CCP.items()}
    wanted = ccp["text"] + ccp["ftn"] + ccp["edn"]
    if wanted > limits.max_chars:  # known from the FIB before anything is decoded
        raise ReadError(path, f"extracted text is {wanted:,} characters, "
                              f"over the {limits.max_chars:,} limit")
    edn = ccp["text"] + ccp["ftn"] + ccp["hdd"] + ccp["mcr"] + ccp["atn"]
    try:
        pieces = _pieces(doc.clx)
        body = _characters(doc.word, pieces, 0, ccp["text"])
        notes = _footnotes(_characters(doc.word, pieces, ccp["text"], ccp["text"] + ccp["ftn"]))
        notes += _footnotes(_characters(doc.word, pieces, edn, edn + ccp["edn"]))
        fonts = tuple(sorted(set(_font_names(doc.fonts))))
    except (ValueError, IndexError) as exc:
        raise _TryOffice(f"damaged .doc ({exc})", needed=False) from None
    return Extracted(text=_doc_text(body), notes="\n".join(notes), fonts=fonts,
                     extra={"fonts": list(fonts)} if fonts else {})


# --- LibreOffice, optional: Word 6/95 files and damaged piece tables --------------------
# Too heavy to require (~200 MB, ~1 s a file), so it is used only when installed and only
# for the .doc files our reader cannot read. It converts to .odt, read by read_odt: notes
# stay apart and the zip guard applies. VNSEARCH_SOFFICE names another program (tests);
# set it empty to never use LibreOffice.

SOFFICE_SECONDS = 60  # a .doc converts in ~1 s; a hung conversion is killed after this
_SOFFICE_PACKAGE = "libreoffice-writer-nogui"
_STDERR_BYTES = 4096  # what is kept of the converter's complaints


def _soffice() -> str | None:
    name = os.environ.get("VNSEARCH_SOFFICE", "soffice")
    return shutil.which(name) if name else None


def _run_soffice(program: str, source: Path, outdir: Path) -> tuple[int, str]:
    """Run one conversion to .odt; ``(exit status, last stderr)``, killed after the limit."""
    # A profile of its own: parallel readers sharing ~/.config/libreoffice would block on
    # its lock, and a user's open LibreOffice would swallow the request.
    profile = (outdir / "profile").as_uri()
    command = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               "--convert-to", "odt", "--outdir", str(outdir), str(source)]
    with tempfile.TemporaryFile() as err:
        # Its own session: soffice starts soffice.bin, and a timeout must kill both.
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
        try:
            status = proc.wait(timeout=SOFFICE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # it may just have ended
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        err.seek(max(0, err.seek(0, os.SEEK_END) - _STDERR_BYTES))
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return status, lines[-1][:200] if lines else ""


def _read_with_soffice(path: Path, limits: ReadLimits, reason: str, needed: bool) -> Extracted:
    program = _soffice()
    if program is None:
        if needed:
            raise ReadError(path, f"{reason}: reading it needs LibreOffice (apt-get install "
                                  f"{_SOFFICE_PACKAGE}), or save it as .docx")
        raise ReadError(path, reason)
    with tempfile.TemporaryDirectory(prefix="vnsearch-doc-") as tmp:
        # A name of our own: a path starting with "-" would read as an option.
        source = Path(tmp, "source.doc")
        shutil.copyfile(path, source)
        try:
            status, complaint = _run_soffice(program, source, Path(tmp))
        except subprocess.TimeoutExpired:
            raise ReadError(path, f"{reason}; LibreOffice took over {SOFFICE_SECONDS} s "
                                  "converting it, stopped") from None
        except OSError as exc:
            raise ReadError(path, f"{reason}; cannot run LibreOffice "
                                  f"({exc.strerror or exc})") from None
        converted = Path(tmp, "source.odt")
        if status != 0 or not converted.is_file():
            detail = f": {complaint}" if complaint else ""
            raise ReadError(path, f"{reason}; LibreOffice could not convert it either "
                                  f"(exit {status}{detail})")
        try:
            extracted = read_odt(converted, limits)
        except ReadError as err:
            raise ReadError(path, f"{reason}; LibreOffice's conversion: {err.reason}") from None
    extracted.warnings.append(f"{reason}: read through LibreOffice")
    return extracted


def _read_renamed(path: Path, head: bytes, limits: ReadLimits) -> Extracted:
    """A web page saved under a .doc name (Word's "Save as Web Page" keeps it): read as
    HTML. Anything else without the OLE2 signature is an error: text renamed .doc is
    too rare to guess at, and a corrupt .doc would read as garbage text."""
    if not _HTML.search(head):
        raise ReadError(path, "not a Word 97 .doc (no OLE2 signature; is it text or HTML "
                              "renamed .doc?)")
    extracted = read_html(path, limits)
    extracted.warnings.append("a web page (HTML) named .doc, read as what it is")
    return extracted


def read_doc(path: Path, limits: ReadLimits) -> Extracted:
    """A Word 97 .doc, or whatever a file named .doc really holds (by its magic bytes)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)  # enough for every signature below
    except OSError as exc:
        raise ReadError(path, f"cannot read file ({exc.strerror or exc})") from None
    if head.startswith(_ZIP):
        extracted, kind = read_docx(path, limits), "a .docx"
    elif head.lstrip().startswith(_RTF):
        extracted, kind = read_rtf(path, limits), "RTF"  # Word saves RTF under any name
    else:
        return _read_binary_doc(path, head, limits)
    extracted.warnings.append(f"{kind} named .doc, read as what it is")
    return extracted


def _read_binary_doc(path: Path, head: bytes, limits: ReadLimits) -> Extracted:
    if not head:
        raise ReadError(path, "empty file (no text)")
    if not head.startswith(_OLE2):
        return _read_renamed(path, head, limits)
    try:
        extracted = _read_word97(path, limits)
    except _TryOffice as why:
        return _read_with_soffice(path, limits, why.reason, why.needed)
    if not extracted.text.strip() and not extracted.notes:
        raise ReadError(path, "empty document (no text)")
    return extracted


# --- .odt -------------------------------------------------------------------------------

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
_BLOCKS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
_NOTE = f"{{{_TEXT}}}note"
_NOTE_BODY = f"{{{_TEXT}}}note-body"
_NOTE_CITATION = f"{{{_TEXT}}}note-citation"
# ODF encryption (a password set in LibreOffice) is declared per entry in the manifest;
# content.xml is then ciphertext.
_MANIFEST = "META-INF/manifest.xml"


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


def _odt_fonts(root: Any) -> tuple[str, ...]:
    """Font families declared in ``style:font-face`` (``svg:font-family``, quotes off;
    ``style:name`` is only the style's handle, e.g. "DejaVu Sans1")."""
    fonts = set()
    for face in root.iter(f"{{{_STYLE}}}font-face"):
        family = face.get(f"{{{_SVG}}}font-family") or face.get(f"{{{_STYLE}}}name") or ""
        fonts.add(family.strip().strip("'\"").strip())
    return tuple(sorted(fonts - {""}))


def read_odt(path: Path, limits: ReadLimits) -> Extracted:
    """An OpenDocument text: body in order, notes apart, font names as a legacy hint."""
    from lxml import etree

    names = check_zip(path, limits, ".odt", "content.xml")
    try:
        with zipfile.ZipFile(path) as archive:
            if _MANIFEST in names and b"encryption-data" in archive.read(_MANIFEST):
                raise ReadError(path, "encrypted .odt (password required)")
            xml = archive.read("content.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except ReadError:
        raise
    # A damaged entry; zipfile raises NotImplementedError for an unknown compression or
    # zip version, RuntimeError for a zip-encrypted entry.
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise ReadError(path, describe(".odt", exc).replace("cannot read", "not a valid")) from None
    except etree.XMLSyntaxError as exc:
        raise ReadError(path, f"not a valid .odt (content.xml: {str(exc)[:160]})") from None
    fonts = _odt_fonts(root)
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
# A note is a group: {\footnote …} or {\*\footnote …}; \ftnalt in it makes it an endnote.
_RTF_NOTE = re.compile(r"\{(?:\\\*)?\\footnote(?![a-z])")
_RTF_BRACE = re.compile(r"\\[{}\\]|[{}]")
# Word writes its cp1252 punctuation (“ ” – …) as \'93 … ; Latin-1, used so that a
# .VnTime document's escaped TCVN3 bytes stay the letters the legacy tables read, would
# make those C1 controls. The legacy tables use no code point in 0x80–0x9F.
_C1_AS_CP1252 = {i: bytes([i]).decode("cp1252") for i in range(0x80, 0xA0)
                 if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _group_end(raw: str, start: int) -> int:
    """The index just past the group opening at ``raw[start] == "{"`` (escapes skipped)."""
    depth = 0
    for match in _RTF_BRACE.finditer(raw, start):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    return len(raw)  # unclosed: the note runs to the end, as a reader would take it


def _split_notes(raw: str) -> tuple[str, list[str], list[str]]:
    """``(body RTF, footnote groups, endnote groups)``: striprtf drops every note (a
    destination it skips), so each is cut out and converted on its own."""
    body: list[str] = []
    footnotes: list[str] = []
    endnotes: list[str] = []
    at = 0
    for match in _RTF_NOTE.finditer(raw):
        if match.start() < at:
            continue  # a note inside a note
        end = _group_end(raw, match.start())
        body.append(raw[at:match.start()])
        inner = raw[match.end():end - 1 if raw[end - 1:end] == "}" else end]
        (endnotes if "\\ftnalt" in inner[:40] else footnotes).append(inner)
        at = end
    body.append(raw[at:])
    return "".join(body), footnotes, endnotes


def _rtf_lines(text: str) -> list[str]:
    """striprtf ends each table cell with "|": each cell becomes a line."""
    lines: list[str] = []
    for line in text.split("\n"):
        if line.endswith("|"):
            lines.extend(cell.strip() for cell in line.split("|") if cell.strip())
        else:
            lines.append(line)
    return lines


def _rtf_encoding(raw: str) -> str:
    # Only the fallback: striprtf itself decodes \'xx by the file's \ansicpg and each
    # font's \fcharset (Word and LibreOffice write both; cp1252 and Latin-1 agree on the
    # 0xA0–0xFF bytes that TCVN3/VNI text uses). Without \ansicpg, Latin-1 keeps escaped
    # legacy bytes the letters the legacy tables read (C1 bytes are mapped as cp1252
    # afterwards); another code page named there is decoded as declared.
    codepage = _RTF_CODEPAGE.search(raw[:4096])
    if codepage and codepage.group(1) != "1252":
        return f"cp{codepage.group(1)}"
    return "latin-1"


def _rtf_text(rtf: str, encoding: str) -> str:
    from striprtf.striprtf import rtf_to_text  # imported late: only for .rtf

    text = str(rtf_to_text(rtf, encoding=encoding, errors="replace"))  # type: ignore[no-untyped-call]
    return text.translate(_C1_AS_CP1252) if encoding == "latin-1" else text


def _rtf_notes(groups: list[str], encoding: str) -> list[str]:
    notes = [" ".join(_rtf_text("{\\rtf1\\ansi " + group + "}", encoding).split())
             for group in groups]
    return [f"{i}. {note}" for i, note in enumerate(notes, start=1) if note]


def read_rtf(path: Path, limits: ReadLimits) -> Extracted:
    """Rich Text: ``\\uN`` and ``\\'xx`` escapes decoded, table cells one a line, notes
    apart, font names from the font table as the legacy hint."""
    data = read_bytes(path)
    if not data.lstrip().startswith(_RTF):
        raise ReadError(path, "not an RTF file (does not start with {\\rtf)")
    raw = data.decode("latin-1")  # RTF is 7-bit; 8-bit text is escaped as \'xx
    encoding = _rtf_encoding(raw)
    body_rtf, footnotes, endnotes = _split_notes(raw)
    try:
        text = _rtf_text(body_rtf, encoding)
        notes = _rtf_notes(footnotes, encoding) + _rtf_notes(endnotes, encoding)
    except (LookupError, ValueError, IndexError) as exc:
        raise ReadError(path, describe(".rtf", exc)) from None
    if len(text) > limits.max_chars:
        raise ReadError(path, f"extracted text is {len(text):,} characters, over the "
                              f"{limits.max_chars:,} limit")
    body = "\n".join(_rtf_lines(text))
    if not body.strip() and not notes:
        raise ReadError(path, "empty document (no text)")
    fonts = tuple(sorted(set(f.strip() for f in _RTF_FONT.findall(raw[:65536]))))
    return Extracted(text=body, notes="\n".join(notes), fonts=fonts,
                     extra={"fonts": list(fonts)} if fonts else {})
