"""A document's text with the matches of the query that led to it, as data.

``/api/documents/<id>?q=...`` returns it and the document page renders its HTML from the
same segments, so the API marks exactly what the page marks. Segments rather than HTML:
a program can render them however it likes; joined, they give the text back.
"""

from __future__ import annotations

from typing import Any

from search.errors import BadQuery
from search.highlight import Terms, segments
from search.query.parse import parse_query
from search.text.normalize import nfc

NO_TERMS = Terms(frozenset(), frozenset())


def highlight_terms(q: str) -> Terms:
    """What to mark in a document for the query that led to it (nothing if it is bad)."""
    try:
        exact, folded, phrases = parse_query(q).highlight_terms()
    except BadQuery:
        return NO_TERMS
    return Terms(frozenset(exact), frozenset(folded), tuple(phrases))


def marked_segments(text: str, terms: Terms) -> list[dict[str, Any]]:
    """``text`` (NFC) as ``{"text": ..., "match": bool}`` runs, the matches of ``terms``
    apart."""
    return [{"text": s.text, "match": s.match} for s in segments(nfc(text), terms)]


def match_count(parts: list[dict[str, Any]]) -> int:
    return sum(1 for part in parts if part["match"])


def document_highlight(doc: dict[str, Any], q: str) -> dict[str, Any] | None:
    """The document's text and notes with the matches of ``q`` marked (None without ``q``).

    ``matches`` counts the marks of the text, ``note_matches`` those of the notes.
    """
    if not q:
        return None
    terms = highlight_terms(q)
    text = marked_segments(doc.get("text") or "", terms)
    notes = marked_segments(doc.get("notes") or "", terms)
    return {"query": q, "matches": match_count(text), "text": text,
            "note_matches": match_count(notes), "notes": notes}
