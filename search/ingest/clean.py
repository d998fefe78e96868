"""The cleaning every reader's text goes through: NFC, controls, reader artefacts.

Used by :func:`search.ingest.parse.read_file`'s finish and by each JSON Lines record
(:mod:`search.ingest.jsonl`).
"""

from __future__ import annotations

import re

from search.text.normalize import nfc, strip_controls

__all__ = ["clean_text"]

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
