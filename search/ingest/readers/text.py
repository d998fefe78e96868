""".txt and .md: UTF-8 (BOM optional), UTF-16 with a BOM, or 8-bit Vietnamese.

Bytes that are not UTF-8 are tried, line by line, as TCVN3 or VNI bytes (returned as the
Latin-1 text the legacy tables read; :func:`search.ingest.parse.read_file` converts it)
or as Windows-1258; anything else is an error naming what was tried.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from search.errors import ReadError
from search.ingest.extracted import Extracted, ReadLimits, read_bytes
from search.text.legacy import ENCODINGS as LEGACY_ENCODINGS
from search.text.legacy import convert_legacy, detect_legacy, is_vietnamese_syllable
from search.text.normalize import nfc

__all__ = ["BOMS", "read_text"]

BOMS = (
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
    for bom, encoding in BOMS:
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
    bytes as Latin-1 code points (``read_file``'s finish converts it). Windows-1258 decodes to
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


# The encoding 8-bit bytes were found to be, handed to ``read_file``'s legacy detection as
# the font such a file is typed in: the bytes already showed what they are, and a short
# file may hold too few signature characters to show it again from its text alone.
_BYTES_FONT = {"tcvn3 bytes": ".VnTime", "vni bytes": "VNI-Times"}


def read_text(path: Path, limits: ReadLimits) -> Extracted:
    text, encoding = _decode_text(path, read_bytes(path))
    _reject_binary(path, text)
    if not text.strip():
        raise ReadError(path, "empty file (no text)")
    font = _BYTES_FONT.get(encoding.removeprefix("utf-8 and "))
    return Extracted(text=text, encoding=encoding, fonts=(font,) if font else ())
