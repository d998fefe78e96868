"""The implementation chain of one document number: who in the corpus responds to it.

For ``43-NQ/TW`` (or ``35-CT/TW``, ``2405/QĐ-TTg``, ``04-NQ/TU`` …): every document that
cites the number, with the relation its citing sentence states (:mod:`search.relations`),
grouped by province as issued (with the province after the 1 July 2025 merger) and ordered
by date; and, for a central or state number, the provinces with no response in the corpus.

A provincial number (``04-NQ/TU``) is a different document in every province and term, so
each province's group lists the province's own documents of that number (``target``: one,
``resolved``; several, ``ambiguous``, from other terms; none, ``absent``), and each
response says which of them its citation means (``resolved_to``) when the issuer code (part
of the number: ``/TU``), the province and the dates make it unambiguous, and ``ambiguous``
when they do not
(:func:`search.related.resolve_among`). The one data function for the page, the API and the
CLI (``vnsearch chain``).
"""

from __future__ import annotations

from typing import Any

from search.engine.base import EngineReader, Filters, Term
from search.errors import BadQuery
from search.ingest.provinces import MERGER_DATE, province_2025, provinces
from search.messages import Message
from search.related import Resolver, brief, numbered_documents, relation_to, resolver
from search.relations import UNKNOWN, relation_type
from search.text.normalize import fold
from search.text.numbers import (
    Scope, display_number, is_number_token, normalize_number, number_scope, strip_so,
)

MAX_RESPONSES = 2000  # documents citing one number, at most (43-NQ/TW: one or a few per province)


def chain_number(text: str) -> str:
    """The number a chain is asked for, as typed ("số 43-NQ/TW", " 43-nq/tw "); BadQuery
    (``chain.not_a_number``) when it is no document number."""
    typed = strip_so(" ".join(text.split()))
    if not is_number_token(typed) or number_scope(typed) is None:
        raise BadQuery(Message("chain.not_a_number", {"number": text.strip()[:80]}))
    return display_number(typed)


def implementation_chain(reader: EngineReader, number: str) -> dict[str, Any]:
    """The chain of ``number`` (see the module): ``number``, ``scope``, ``documents`` (the
    corpus documents carrying it), ``total`` responses, ``provinces`` (groups), ``missing``
    (provinces with none; central and state numbers only)."""
    typed = chain_number(number)
    key = normalize_number(typed)
    scope = number_scope(typed)
    numbered = numbered_documents(reader, typed)
    citing = reader.search(Term("cites", key), Filters(), facets=(), limit=MAX_RESPONSES,
                           fields=("meta", "relations"), sort="oldest")
    resolve = resolver(reader)  # a provincial number: looked up in each citing province
    responses = [_response(h.id, h.stored, typed, resolve) for h in citing.hits]
    groups = _groups(responses, typed, resolve, scope)
    return {
        "number": _shown_number(typed, numbered),
        "scope": scope.value if scope else None,
        "documents": numbered,
        "total": citing.total,
        "listed": len(responses),
        "provinces": groups,
        "missing": _missing(responses) if scope in (Scope.CENTRAL, Scope.STATE) else [],
    }


def _response(doc_id: str, stored: dict[str, Any], number: str,
              resolve: Resolver) -> dict[str, Any]:
    meta = stored.get("meta", {})
    rel = relation_to(stored, number)
    kind = rel.get("type", UNKNOWN)
    resolution = resolve(number, meta, rel)
    return {**brief(doc_id, stored), "province_2025": meta.get("province_2025"),
            "type": kind, "type_label": relation_type(kind).label, "cue": rel.get("cue"),
            "sentence": rel.get("sentence"), "resolution": resolution.state,
            "resolved_to": resolution.document}


def _groups(responses: list[dict[str, Any]], number: str, resolve: Resolver,
            scope: Scope | None) -> list[dict[str, Any]]:
    by_province: dict[str | None, list[dict[str, Any]]] = {}
    for r in responses:
        by_province.setdefault(r["province"], []).append(r)
    groups = []
    for province, docs in sorted(by_province.items(),
                                 key=lambda kv: (kv[0] is None, fold(kv[0] or ""))):
        docs.sort(key=lambda d: (d["date"] is None, d["date"] or ""))
        group: dict[str, Any] = {"province": province,
                                 "province_2025": _successor(province, docs),
                                 "documents": docs, "target": None}
        if scope is Scope.PROVINCIAL:  # the province's own documents of that number
            target = resolve(number, {"province": province}, {})
            group["target"] = target.to_dict()
        groups.append(group)
    return groups


def _successor(province: str | None, docs: list[dict[str, Any]]) -> str | None:
    if province is None:
        return None
    known = next((d["province_2025"] for d in docs if d.get("province_2025")), None)
    return known or province_2025(province)


def _missing(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 63 provinces (as before the merger) with no response in the corpus: none issued
    by the province, nor, after 1 July 2025, by the province it became part of."""
    issued = {r["province"] for r in responses if r["province"]}
    merged = {r["province_2025"] for r in responses
              if r["province_2025"] and r["date"] and r["date"] >= MERGER_DATE.isoformat()}
    return [{"province": p, "province_2025": province_2025(p)} for p in provinces()
            if p not in issued and province_2025(p) not in merged]


def _shown_number(typed: str, numbered: list[dict[str, Any]]) -> str:
    """The number as the corpus writes it (case: "QĐi", "TTg"), else as typed."""
    for d in numbered:
        if d["number"]:
            return str(d["number"])
    return typed


__all__ = ["implementation_chain", "chain_number", "MAX_RESPONSES"]
