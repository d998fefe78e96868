"""The citation graph of one document: what it cites in the corpus, and what cites it.

Party numbers restart per committee and term (``04-NQ/TU`` exists in every province), so a
provincial number links only to a document of the same province; central numbers
(``…/TW``, ``…/BTCTW``) and state numbers link anywhere (:mod:`search.text.numbers` owns
the rule).
"""

from __future__ import annotations

from typing import Any

from search.engine.base import EngineReader, Filters, Or, Term
from search.text.numbers import links_across_provinces, normalize_number

MAX_CITED_BY = 200  # documents listed as citing one number, at most
MAX_SAME_NUMBER = 20  # documents that carry one cited number, at most


def related_documents(reader: EngineReader, doc_id: str,
                      stored: dict[str, Any]) -> dict[str, Any]:
    """``{"cites": [{number, documents}], "cited_by": [brief]}`` for the document ``stored``."""
    meta = stored.get("meta", {})
    province = meta.get("province")
    cites = [{"number": num, "documents": _documents_numbered(reader, num, province, doc_id)}
             for num in meta.get("cites") or []]
    cited_by: list[dict[str, Any]] = []
    if meta.get("number"):
        res = reader.search(Term("cites", normalize_number(meta["number"])), Filters(),
                            facets=(), limit=MAX_CITED_BY, fields=("meta",))
        cited_by = [_brief(h.id, h.stored) for h in res.hits
                    if h.id != doc_id and _same_scope(meta["number"], province, h.stored)]
    return {"cites": cites, "cited_by": cited_by}


def _documents_numbered(reader: EngineReader, number: str, province: str | None,
                        exclude: str) -> list[dict[str, Any]]:
    res = reader.search(Term("number", normalize_number(number)), Filters(), facets=(),
                        limit=MAX_SAME_NUMBER, fields=("meta",))
    return [_brief(h.id, h.stored) for h in res.hits
            if h.id != exclude and _same_scope(number, province, h.stored)]


def _same_scope(number: str, province: str | None, stored: dict[str, Any]) -> bool:
    """Whether a citation of ``number`` from a document of ``province`` can mean ``stored``."""
    if links_across_provinces(number):
        return True  # state numbers and central Party numbers are unique enough
    other = stored.get("meta", {}).get("province")
    return province is not None and other == province


def _brief(doc_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    meta = stored.get("meta", {})
    return {"id": doc_id, "number": meta.get("number"), "doc_type": meta.get("doc_type"),
            "date": meta.get("date"), "province": meta.get("province"), "title": meta.get("title")}


# Documents read per batch of cited-by lookups, at most (one search a batch of rows).
MAX_CITING_PER_BATCH = 20_000


def cited_by_numbers(reader: EngineReader, docs: list[tuple[str, str | None, str | None]]
                     ) -> dict[str, list[str]]:
    """For many documents at once (``(id, number, province)``), the numbers of the
    documents that cite each one, under the same scope rule as :func:`related_documents`;
    one search for the whole batch (an export asks this per block of rows). A citing
    document without a number is listed by its id."""
    wanted: dict[str, list[tuple[str, str, str | None]]] = {}
    for doc_id, number, province in docs:
        if number:
            wanted.setdefault(normalize_number(number), []).append((doc_id, number, province))
    out: dict[str, list[str]] = {doc_id: [] for doc_id, _n, _p in docs}
    if not wanted:
        return out
    query = Or(tuple(Term("cites", n) for n in sorted(wanted)))
    res = reader.search(query, Filters(), facets=(), limit=MAX_CITING_PER_BATCH,
                        fields=("meta",))
    for hit in res.hits:
        meta = hit.stored.get("meta", {})
        for cited in {normalize_number(c) for c in meta.get("cites") or []}:
            for doc_id, number, province in wanted.get(cited, []):
                if hit.id != doc_id and _same_scope(number, province, hit.stored):
                    out[doc_id].append(meta.get("number") or hit.id)
    return {doc_id: sorted(set(numbers)) for doc_id, numbers in out.items()}
