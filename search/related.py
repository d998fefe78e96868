"""The citation graph of one document: what it cites in the corpus, and what cites it,
each link typed by its citing sentence (:mod:`search.relations`), and the status that the
corpus states for the document ("đã được tổng kết bởi 237-KL/TU").

Party numbers restart per committee and term (``04-NQ/TU`` exists in every province), so a
provincial number links only to a document of the same province; central numbers
(``…/TW``, ``…/BTCTW``) and state numbers link anywhere (:mod:`search.text.numbers` owns
the rule). A citation is **resolved** to a corpus document only when exactly one document
fits: the same number (its issuer code included), in scope, not issued after the citing
document, of the date the citing sentence writes after the number when it writes one, and,
among several, not of another term ("khóa XV") or issuer ("của Ban Thường vụ Tỉnh ủy")
than the sentence writes. Otherwise it is
``ambiguous`` (several fit), ``absent`` (none in the corpus) or ``no_province`` (a
provincial number cited by a document whose province is unknown), and says so.

**Status.** A document's status is derived only from resolved citations that review,
amend, replace or repeal it; "Chưa rõ" otherwise, never a guess. It depends on *other*
documents, so the indexer recomputes it over the whole pending index at the end of every
build, add and remove (:func:`status_changes`) and rewrites the documents whose status
changed: the status facet is always that of the published corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search.engine.base import EngineReader, Filters, MatchAll, Or, Term
from search.relations import (
    STATUS_TYPES, UNKNOWN, issuer_class, parse_relation_token, relation_token,
)
from search.text.normalize import fold
from search.text.numbers import links_across_provinces, normalize_number

MAX_CITED_BY = 200  # documents listed as citing one number, at most
# Documents of one number (in one province, for a provincial number) a resolution looks at;
# beyond it a citation is ambiguous rather than resolved among some of them.
MAX_SAME_NUMBER = 1000

# -- status ----------------------------------------------------------------------------------
STATUS_UNKNOWN = "Chưa rõ"
STATUS_REPLACED = "Đã được thay thế, bãi bỏ"
STATUS_AMENDED = "Đã được sửa đổi, bổ sung"
STATUS_REVIEWED = "Đã được tổng kết, sơ kết"
STATUS_VALUES = (STATUS_REPLACED, STATUS_AMENDED, STATUS_REVIEWED, STATUS_UNKNOWN)
# The facet value of a relation type; the first of STATUS_VALUES found wins.
_STATUS_OF_TYPE = {"replaces": STATUS_REPLACED, "repeals": STATUS_REPLACED,
                   "amends": STATUS_AMENDED, "review": STATUS_REVIEWED}
_BRIEF_FIELDS = ("meta", "relations")


@dataclass
class Resolution:
    """Which corpus document a citation of ``number`` means, if the corpus says."""

    state: str  # "resolved" | "ambiguous" | "absent" | "no_province"
    documents: list[dict[str, Any]] = field(default_factory=list)  # the candidates left

    @property
    def document(self) -> dict[str, Any] | None:
        return self.documents[0] if self.state == "resolved" else None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "documents": self.documents}


# resolve(number, citing document's meta, the citation's stored relation or {})
Resolver = Callable[[str, dict[str, Any], dict[str, Any]], Resolution]


def resolver(reader: EngineReader, exclude: str | None = None) -> Resolver:
    """``resolve(number, citing_meta, relation)``, with the corpus look-ups cached (a chain
    resolves one number for hundreds of citing documents)."""
    cache: dict[str, list[dict[str, Any]]] = {}

    def resolve(number: str, citing: dict[str, Any], cited: dict[str, Any]) -> Resolution:
        # A provincial number is looked up in the citing province only (04-NQ/TU is in
        # every province: the whole country's would be many, and none of them fit).
        province = None if links_across_provinces(number) else citing.get("province")
        key = f"{normalize_number(number)}\t{province or ''}"
        if key not in cache:
            cache[key] = numbered_documents(reader, number, province)
        if len(cache[key]) >= MAX_SAME_NUMBER:  # some not looked at: none can be the one
            return Resolution("ambiguous", cache[key])
        return resolve_among(number, cache[key], citing, cited, exclude)
    return resolve


def numbered_documents(reader: EngineReader, number: str,
                       province: str | None = None) -> list[dict[str, Any]]:
    """Briefs of the documents whose own number is ``number`` (of ``province`` when given),
    oldest first; :data:`MAX_SAME_NUMBER` at most."""
    filters = Filters({"province": [province]} if province else {})
    res = reader.search(Term("number", normalize_number(number)), filters, facets=(),
                        limit=MAX_SAME_NUMBER, fields=("meta",), sort="oldest")
    return [_brief(h.id, h.stored) for h in res.hits]


def resolve_among(number: str, numbered: list[dict[str, Any]], citing: dict[str, Any],
                  cited: dict[str, Any], exclude: str | None = None) -> Resolution:
    """The rule, on the documents that carry ``number`` (briefs), for a citation that says
    ``cited`` of it (``cited_date``, ``cited_term``, ``cited_issuer``: see
    :class:`search.relations.Mention`)."""
    cited_date = cited.get("cited_date")
    across = links_across_provinces(number)
    province = citing.get("province")
    if not across and not province:
        return Resolution("no_province", [d for d in numbered if d["id"] != exclude])
    fits = [d for d in numbered if d["id"] != exclude
            and (across or d.get("province") == province)]
    if cited_date:  # the sentence names the date: only that document
        fits = [d for d in fits if d.get("date") == cited_date]
    citing_date = citing.get("date")
    if citing_date:  # nothing cites a document issued after it
        fits = [d for d in fits if not d.get("date") or d["date"] <= citing_date]
    if len(fits) > 1:  # the sentence's "khóa XV", "của Ban Thường vụ" may tell them apart
        fits = _narrowed(fits, cited.get("cited_term"), lambda d: d.get("term"))
        fits = _narrowed(fits, cited.get("cited_issuer"),
                         lambda d: issuer_class(d.get("issuer") or ""))
    if not fits:
        return Resolution("absent")
    return Resolution("resolved" if len(fits) == 1 else "ambiguous", fits)


def _narrowed(fits: list[dict[str, Any]], said: str | None,
              value: Callable[[dict[str, Any]], str | None]) -> list[dict[str, Any]]:
    """``fits`` without the documents whose known value contradicts what the sentence
    ``said`` (one whose value is unknown stays: it may be the one)."""
    if not said:
        return fits
    return [d for d in fits if value(d) in (None, said)]


def related_documents(reader: EngineReader, doc_id: str,
                      stored: dict[str, Any]) -> dict[str, Any]:
    """``{"cites": [...], "cited_by": [...], "status": {...}}`` for the document ``stored``.

    ``cites``: each number it cites with the relation its sentence states (type, cue,
    sentence), the documents of the corpus it may mean and the resolution; ``cited_by``:
    the documents that cite its number in scope, each with its relation and whether its
    citation resolves to this document (``resolved``) or cannot tell (``ambiguous``).
    """
    meta = stored.get("meta", {})
    resolve = resolver(reader, exclude=doc_id)
    relations = {normalize_number(r["number"]): r for r in stored.get("relations") or []}
    cites = []
    for num in meta.get("cites") or []:
        rel = relations.get(normalize_number(num), {})
        resolution = resolve(num, meta, rel)
        cites.append({"number": num, "type": rel.get("type", UNKNOWN), "cue": rel.get("cue"),
                      "sentence": rel.get("sentence"), "resolution": resolution.state,
                      "documents": resolution.documents})
    return {"cites": cites, "cited_by": _cited_by(reader, doc_id, meta),
            "status": _status(_status_citers(reader, doc_id, meta))}


def _cited_by(reader: EngineReader, doc_id: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    number = meta.get("number")
    if not number:
        return []
    res = reader.search(Term("cites", normalize_number(number)), Filters(), facets=(),
                        limit=MAX_CITED_BY, fields=_BRIEF_FIELDS, sort="oldest")
    resolve = resolver(reader)
    across = links_across_provinces(number)
    out = []
    for hit in res.hits:
        if hit.id == doc_id or not _same_scope(across, meta.get("province"),
                                               hit.stored.get("meta", {}).get("province")):
            continue
        rel = relation_to(hit.stored, number)
        resolution = resolve(number, hit.stored.get("meta", {}), rel)
        if resolution.state == "absent":  # it means another document of that number
            continue
        out.append({**_brief(hit.id, hit.stored), "type": rel.get("type", UNKNOWN),
                    "cue": rel.get("cue"), "sentence": rel.get("sentence"),
                    "resolved": resolution.state == "resolved"
                    and resolution.documents[0]["id"] == doc_id})
    return out


def relation_to(stored: dict[str, Any], number: str) -> dict[str, Any]:
    """The citing document's stored relation to ``number`` ({} when it has none)."""
    key = normalize_number(number)
    return next((r for r in stored.get("relations") or []
                 if normalize_number(r["number"]) == key), {})


def _status_citers(reader: EngineReader, doc_id: str,
                   meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Every document whose citation review, amends, replaces or repeals this one and
    resolves to it (looked up by its relation token, so none is missed however many
    documents cite the number), oldest first."""
    number = meta.get("number")
    if not number:
        return []
    resolve = resolver(reader)
    out = []
    for kind in STATUS_TYPES:
        res = reader.search(Term("relations", relation_token(kind, number)), Filters(),
                            facets=(), limit=max(1, reader.doc_count()), fields=_BRIEF_FIELDS)
        for hit in res.hits:
            if hit.id == doc_id:
                continue
            rel = relation_to(hit.stored, number)
            target = resolve(number, hit.stored.get("meta", {}), rel).document
            if target and target["id"] == doc_id:
                out.append({**_brief(hit.id, hit.stored), "type": kind, "cue": rel.get("cue")})
    return sorted(out, key=lambda d: (d["date"] is None, d["date"] or "", d["id"]))


def _status(by: list[dict[str, Any]]) -> dict[str, Any]:
    """The status the corpus states (:func:`_status_citers`); ``text`` reads "Đã được tổng
    kết bởi 237-KL/TU"."""
    value = next((v for v in STATUS_VALUES
                  if any(_STATUS_OF_TYPE[d["type"]] == v for d in by)), STATUS_UNKNOWN)
    parts = [f"{_status_verb(d['type'], d.get('cue'))} bởi {d['number'] or d['id']}"
             for d in by]
    text = "; ".join(parts) if parts else STATUS_UNKNOWN
    return {"value": value, "text": text[:1].upper() + text[1:],
            "by": [{k: d[k] for k in ("id", "number", "date", "type", "cue")} for d in by]}


def _status_verb(kind: str, cue: str | None) -> str:
    folded = fold(cue or "")
    if kind == "review":
        return "đã được sơ kết" if folded == "so ket" else "đã được tổng kết"
    if kind == "repeals":
        if folded.startswith("cham dut"):
            return "được chấm dứt thực hiện"
        return "hết hiệu lực theo văn bản" if folded == "het hieu luc" else "bị bãi bỏ"
    return {"replaces": "được thay thế", "amends": "được sửa đổi, bổ sung"}[kind]


def document_status(reader: EngineReader, doc_id: str, stored: dict[str, Any]) -> str:
    """The status facet value of one document, from the corpus ``reader`` sees."""
    return str(_status(_status_citers(reader, doc_id, stored.get("meta", {})))["value"])


def status_changes(reader: EngineReader) -> dict[str, str]:
    """Document id → new status, for every document whose stored status is not the one the
    corpus now states: those some document reviews, amends, replaces or repeals, and those
    that had a status (their reviewer may be gone)."""
    candidates: dict[str, dict[str, Any]] = {}
    total = max(1, reader.doc_count())
    resolve = resolver(reader)
    for token, _count in reader.term_stats("relations"):
        kind, number = parse_relation_token(token)
        if kind not in STATUS_TYPES:
            continue
        # Only the documents these citations resolve to can have gained a status.
        citing = reader.search(Term("relations", token), Filters(), facets=(), limit=total,
                               fields=("meta", "relations"))
        for hit in citing.hits:
            rel = relation_to(hit.stored, number)
            target = resolve(number, hit.stored.get("meta", {}), rel).document
            if target and target["id"] not in candidates:
                candidates[target["id"]] = reader.get(target["id"], ("meta", "status")) or {}
    statused = [v for v in STATUS_VALUES if v != STATUS_UNKNOWN]
    res = reader.search(MatchAll(), Filters({"status": statused}), facets=(), limit=total,
                        fields=("meta", "status"))
    candidates.update({h.id: h.stored for h in res.hits})
    changes = {}
    for doc_id, stored in candidates.items():
        status = document_status(reader, doc_id, stored)
        if status != (stored.get("status") or STATUS_UNKNOWN):
            changes[doc_id] = status
    return changes


def relation_tokens(relations: list[dict[str, Any]]) -> list[str]:
    """The index tokens of a document's relations (:func:`search.relations.relation_token`)."""
    return [relation_token(r["type"], r["number"]) for r in relations]


def _same_scope(across: bool, province: str | None, other: str | None) -> bool:
    """Whether a citation from a document of ``province`` can mean a document of province
    ``other`` (the rule is symmetric); ``across``: ``links_across_provinces`` of the
    number (state and central Party numbers are unique enough), computed once by callers
    that ask for many documents."""
    return across or (province is not None and other == province)


def _brief(doc_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    meta = stored.get("meta", {})
    return {"id": doc_id, "number": meta.get("number"), "doc_type": meta.get("doc_type"),
            "date": meta.get("date"), "province": meta.get("province"), "title": meta.get("title"),
            "issuer": meta.get("issuer"), "term": meta.get("term")}


def brief(doc_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The few fields a list of documents shows (id, number, type, date, province, title)."""
    return _brief(doc_id, stored)


# Documents read per batch of cited-by lookups, at most (one search a batch of rows).
MAX_CITING_PER_BATCH = 20_000
# Citing documents a CitedBy keeps, at most (an export's, across its blocks): beyond it
# the numbers looked up longest ago are forgotten (and searched again if they come back).
MAX_CITING_KEPT = 50_000


class CitedBy:
    """The numbers of the documents citing each of many documents, asked a batch at a
    time (an export asks it per block of rows), under the same scope rule as
    :func:`related_documents`. A document citing itself is not listed; a citing
    document without a number is listed by its id.

    Each cited number is searched once, whatever the batches it comes back in ("01-NQ/TU"
    is the number of a document in every province: its citing documents are read once per
    export, not once per block), with one search per batch for the numbers not seen yet;
    what is kept of a citing document is its id, province and number."""

    def __init__(self, reader: EngineReader, kept: int = MAX_CITING_KEPT) -> None:
        self.reader = reader
        self.kept = kept
        # normalised number -> (id, province, number or id) of each document citing it
        self._citing: dict[str, list[tuple[str, str | None, str]]] = {}
        self._size = 0
        self.searches = 0  # what the tests count

    def numbers(self, docs: list[tuple[str, str | None, str | None]]) -> dict[str, list[str]]:
        """``{id: [citing numbers, sorted]}`` for ``docs`` as ``(id, number, province)``."""
        wanted = {doc_id: normalize_number(number) for doc_id, number, _p in docs if number}
        needed = set(wanted.values())
        self._look_up(sorted(needed - set(self._citing)))
        for key in needed:  # the most recently used are kept longest
            self._citing[key] = self._citing.pop(key)
        self._forget(keep=needed)
        out: dict[str, list[str]] = {}
        for doc_id, number, province in docs:
            cited = wanted.get(doc_id)
            if cited is None:
                out[doc_id] = []
                continue
            across = links_across_provinces(number or "")
            out[doc_id] = sorted({shown for citing_id, citing_province, shown in self._citing[cited]
                                  if citing_id != doc_id
                                  and _same_scope(across, province, citing_province)})
        return out

    def _look_up(self, numbers: list[str]) -> None:
        """One search for the documents citing any of ``numbers``, kept by number."""
        if not numbers:
            return
        found: dict[str, list[tuple[str, str | None, str]]] = {n: [] for n in numbers}
        res = self.reader.search(Or(tuple(Term("cites", n) for n in numbers)), Filters(),
                                 facets=(), limit=MAX_CITING_PER_BATCH, fields=("meta",))
        self.searches += 1
        for hit in res.hits:
            meta = hit.stored.get("meta", {})
            citing = (hit.id, meta.get("province"), meta.get("number") or hit.id)
            for cited in {normalize_number(c) for c in meta.get("cites") or []}:
                if cited in found:
                    found[cited].append(citing)
        self._citing.update(found)
        self._size += sum(map(len, found.values()))

    def _forget(self, keep: set[str]) -> None:
        """The numbers used longest ago forgotten while more than ``kept`` citing
        documents are kept (never those of the batch at hand)."""
        for key in list(self._citing):
            if self._size <= self.kept:
                break
            if key not in keep:
                self._size -= len(self._citing.pop(key))


def cited_by_numbers(reader: EngineReader, docs: list[tuple[str, str | None, str | None]]
                     ) -> dict[str, list[str]]:
    """For many documents at once (``(id, number, province)``), the numbers of the
    documents that cite each one (:class:`CitedBy`, for one batch)."""
    return CitedBy(reader).numbers(docs)


__all__ = ["Resolution", "resolver", "resolve_among", "numbered_documents", "related_documents", "relation_to",
           "document_status", "status_changes", "relation_tokens", "brief", "STATUS_VALUES",
           "STATUS_UNKNOWN", "cited_by_numbers", "CitedBy"]
