"""The data that flows from the readers to the index.

``ParsedText`` is what a reader returns (text only, no interpretation); ``Metadata`` is
what :mod:`search.ingest.metadata` extracts from it, every field with its provenance; a
``Document`` joins both with a stable id and where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Where a metadata value came from: "header", "title_line", "body", "signature", "record"
# (a key of an import record), or "inferred: <from what>", built with inferred().

METADATA_FIELDS = (
    "number",
    "doc_type",
    "issuer",
    "province",
    "province_2025",
    "date",
    "year",
    "title",
    "term",
    "signer",
    "signer_role",
    "cites",
)


# What an index holds, by version: 2 added the typed relations (the ``relations`` token
# field and stored list) and the ``status`` facet; 3 keeps the Whoosh engine's texts apart
# from its stored records (search/engine/whoosh/texts.py). An older index is refused with
# "rebuild it" (search.indexer.check_format), not failed on the first search.
INDEX_FORMAT = 3


def inferred(what: str) -> str:
    """Provenance for a value that the text does not state but implies."""
    return f"inferred: {what}"


@dataclass(frozen=True)
class Field:
    """One metadata value with its provenance (``header``, ``body``, ``inferred: …``)."""

    value: Any
    source: str


@dataclass
class Metadata:
    """Extracted fields; a missing key means unknown (``null`` in JSON), never a guess."""

    fields: dict[str, Field] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def get(self, name: str) -> Any:
        f = self.fields.get(name)
        return None if f is None else f.value

    def set(self, name: str, value: Any, source: str) -> None:
        if name not in METADATA_FIELDS:
            raise KeyError(f"unknown metadata field {name!r}")
        if value is None or value == [] or value == "":
            self.fields.pop(name, None)
        else:
            self.fields[name] = Field(value, source)

    def values(self) -> dict[str, Any]:
        """Every field name → value (``None`` when unknown)."""
        return {name: self.get(name) for name in METADATA_FIELDS}

    def provenance(self) -> dict[str, str | None]:
        return {
            name: (self.fields[name].source if name in self.fields else None)
            for name in METADATA_FIELDS
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.values(), "provenance": self.provenance(), "warnings": list(self.warnings)}


@dataclass
class ParsedText:
    """What a reader returns: NFC text with reader artefacts removed.

    ``text`` is the body in reading order (header table included, footnotes excluded);
    ``notes`` holds footnotes/endnotes, one per line; ``title`` is set only by formats that
    carry one explicitly (JSON Lines, HTML ``<title>``); ``extra`` holds other metadata
    keys from such formats; ``converted_from`` names a legacy encoding (``tcvn3``,
    ``vni``) the text was converted from.
    """

    text: str
    notes: str = ""
    format: str = "txt"
    encoding: str | None = None
    converted_from: str | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # "text" (the file's own text), "ocr" (recognised from page images) or "mixed".
    text_source: str = "text"
    ocr: dict[str, Any] | None = None  # the recognition summary when OCR was used


@dataclass
class Document:
    """A document ready for analysis: id, origin, text and metadata."""

    id: str
    path: str
    text: str
    notes: str
    meta: Metadata
    format: str = "txt"
    converted_from: str | None = None
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""
    text_source: str = "text"
    ocr: dict[str, Any] | None = None
    # An imported record's own id, as the record gives it (the index id is its ASCII slug,
    # made unique): what the record is, whatever line of its file it moves to.
    source_id: str | None = None


def utc_now() -> str:
    """Now, as the index records times (``indexed_at``, ``built_at``, the lock holder)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
