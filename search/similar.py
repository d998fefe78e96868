"""Documents like this one: the most similar documents of *other* provinces, by content.

Party documents share a lot of text that says nothing about their subject: the header
("ĐẢNG CỘNG SẢN VIỆT NAM", "TỈNH ỦY …"), the recipients ("Nơi nhận: …"), the signature
("T/M BAN THƯỜNG VỤ"), and stock phrases ("các cấp ủy, tổ chức đảng", "triển khai thực
hiện"). Matching on all of a document's words finds the documents with the same
boilerplate. So this is a more-like-this query over the *distinctive* terms of the body:

1. the header block and everything from "Nơi nhận" on are cut off (:func:`content_text`);
2. the terms of what is left (pyvi compounds and syllables, as the index holds them) that
   the document repeats are ranked by tf-idf, the document frequency read from the engine;
   a term found in more than MAX_DF_SHARE of the corpus is boilerplate and dropped, and so
   is a term only this document has (it can match nothing else);
3. the TOP_TERMS best, boosted by their weight, make one :class:`~search.engine.base.Or`
   that must match at least MIN_MATCH (one) of them, through the engine interface only (any
   engine answers it);
4. hits of this document's own province, and of an unknown province, are dropped: the
   question is "what did *other* provinces decide about this?".

The same kind of document (same type) across provinces is the same query filtered by type,
the best document of each province, side by side with the passage on the shared topic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from search.engine.base import EngineReader, Filters, Or, Query, Term
from search.highlight import HEAD_CHARS, PASSAGE_CHARS, Terms, header_lines, passages
from search.text.analyze import analyze_text, compounds

TOP_TERMS = 50  # distinctive terms in the query
MIN_TF = 2  # times the document must use a term for it to say what the document is about
# Of them a similar document must share. 1, not 2: "at least 2 of 50" is not a query every
# engine can run (Xapian has no such operator and refuses it: query.unsupported), and on the
# planted-topic bench 1 to 4 gave the same precision (bench/README.md), since the ranking by
# the boosted Or already puts documents sharing more terms first.
MIN_MATCH = 1
MIN_REPEATED = 2  # repeated terms needed before only repeated terms are used
MAX_DF_SHARE = 0.5  # a term in more of the corpus than this is boilerplate
MIN_DOCS_FOR_SHARE = 20  # below this, a share says nothing: df weighting alone
SIMILAR_LIMIT = 8  # similar documents shown
SAME_KIND_LIMIT = 8  # provinces shown side by side
CANDIDATES = 50  # hits read to fill the lists once same-province hits are dropped
PASSAGE_TERMS = 15  # the best terms mark the passage (a shorter pattern, the same sentence)
SIMILAR_FIELDS = ("words", "body")  # compounds first: "chuyển_đổi" says more than "đổi"
_RECIPIENTS = re.compile(r"^\s*N[ơo]i\s+nh[ậa]n\s*:?", re.IGNORECASE | re.MULTILINE)
_TOKEN_CHARS = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class WeightedTerm:
    field: str
    token: str
    weight: float


def content_text(text: str) -> str:
    """``text`` without its header block and without the recipients and signature (from
    the last "Nơi nhận" on): what the document is about, not who sent it to whom."""
    cut = text
    found = list(_RECIPIENTS.finditer(cut))
    if found and found[-1].start() > len(cut) // 3:  # a "Nơi nhận" at the top is no tail
        cut = cut[:found[-1].start()]
    head = header_lines(cut)
    if head:
        # Blank out the header's lines (offsets stay valid: same length, nothing shifts).
        chars = list(cut)
        for start, end in head:
            chars[start:end] = " " * (end - start)
        cut = "".join(chars)
    return cut


def _usable(token: str) -> bool:
    """A word, not a number or a punctuation mark (numbers are the citation graph's job)."""
    return (len(token) > 1 and _TOKEN_CHARS.search(token) is not None
            and not any(c.isdigit() for c in token))


def distinctive_terms(reader: EngineReader, text: str, title: str = "",
                      *, top: int = TOP_TERMS) -> list[WeightedTerm]:
    """The ``top`` terms of ``text`` (its content, :func:`content_text`) that say most about
    it, as Lucene's more-like-this picks them: terms the document repeats (MIN_TF), ranked
    by tf-idf with the engine's document frequencies, boilerplate (in more than
    MAX_DF_SHARE of the corpus) and terms no other document has dropped. Each term's
    weight is ``1 + log tf`` only: the engine's BM25 weighs it by its idf again, and idf
    twice over lets one rare word of an unrelated sentence outweigh the topic (measured:
    bench/similar/run). A short document that repeats too few terms falls back to all.
    """
    content = f"{title}\n{content_text(text)}"
    counts = {"words": Counter(t for t in compounds(content) if _usable(t)),
              "body": Counter(t for t in analyze_text(content, with_compounds=False).syllables
                              if _usable(t))}
    total = max(1, reader.doc_count())
    ceiling = total * MAX_DF_SHARE if total >= MIN_DOCS_FOR_SHARE else total
    ranked: list[tuple[float, int, WeightedTerm]] = []
    for name in SIMILAR_FIELDS:
        for token, tf in counts[name].items():
            df = reader.doc_frequency(name, token)
            if df <= 1 or df >= ceiling:
                continue
            tf_weight = 1 + math.log(tf)
            ranked.append((tf_weight * math.log(total / df), tf,
                           WeightedTerm(name, token, tf_weight)))
    repeated = [r for r in ranked if r[1] >= MIN_TF]
    chosen = repeated if len(repeated) >= MIN_REPEATED else ranked
    chosen.sort(key=lambda r: (-r[0], r[2].field, r[2].token))
    return [r[2] for r in chosen[:top]]


def all_terms(text: str, title: str = "", *, top: int | None = None) -> list[WeightedTerm]:
    """The baseline the bench compares with: every word of the whole text (boilerplate
    included), weighted by how often it occurs, no document frequency; ``top`` most
    frequent ones if given."""
    counts = Counter(t for t in compounds(f"{title}\n{text}") if _usable(t))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [WeightedTerm("words", t, float(n)) for t, n in ranked[:top]]


def similarity_query(terms: Sequence[WeightedTerm], min_match: int = MIN_MATCH) -> Query | None:
    """One Or of the terms, each boosted by its weight; None without terms."""
    if not terms:
        return None
    top = max(t.weight for t in terms)
    children = tuple(Term(t.field, t.token, boost=t.weight / top) for t in terms)
    return Or(children, min_match=min(min_match, len(children)))


def passage_terms(terms: Sequence[WeightedTerm]) -> Terms:
    """What to mark in a passage: compounds as phrases of their syllables, syllables alone."""
    phrases = tuple(tuple(t.token.split("_")) for t in terms if t.field == "words")
    exact = frozenset(t.token for t in terms if t.field != "words")
    return Terms(exact | frozenset(w for p in phrases for w in p), frozenset(), phrases)


def _province(stored: dict[str, Any]) -> str | None:
    province = stored.get("meta", {}).get("province")
    return str(province) if province else None


def _entry(reader: EngineReader, hit_id: str, score: float, stored: dict[str, Any],
           marks: Terms | None) -> dict[str, Any]:
    """A document of a list; with ``marks``, its passage on the shared topic (the text
    read for the documents shown only, not for every candidate)."""
    meta = stored.get("meta", {})
    found: list[str] = []
    if marks is not None:
        # The head passages read first, more only if it holds no passage: the rest of a
        # long text is never decompressed.
        def prefix(chars: int) -> str:
            return str((reader.get(hit_id, fields=("text",), text_chars=chars) or {}).get("text") or "")

        found = passages(prefix(HEAD_CHARS), marks, count=1, rest=lambda: prefix(PASSAGE_CHARS))
    return {"id": hit_id, "score": round(score, 4), "number": meta.get("number"),
            "doc_type": meta.get("doc_type"), "date": meta.get("date"),
            "province": meta.get("province"), "province_2025": meta.get("province_2025"),
            "title": meta.get("title"), "passage": found[0] if found else None}


def other_provinces(reader: EngineReader, query: Query, filters: Filters, doc_id: str,
                     province: str | None) -> list[tuple[str, float, dict[str, Any]]]:
    """Hits of other (known) provinces than ``province``, best first."""
    res = reader.search(query, filters, facets=(), limit=CANDIDATES, fields=("meta",))
    return [(h.id, h.score, h.stored) for h in res.hits
            if h.id != doc_id and _province(h.stored) is not None
            and _province(h.stored) != province]


def similar_documents(reader: EngineReader, doc_id: str, stored: dict[str, Any],
                      *, limit: int = SIMILAR_LIMIT,
                      same_kind_limit: int = SAME_KIND_LIMIT) -> dict[str, Any]:
    """``{"terms", "similar", "same_kind"}`` for the document ``stored``:

    - ``terms``: the distinctive terms the similarity was computed from (why these);
    - ``similar``: the ``limit`` most similar documents of other provinces, best first;
    - ``same_kind``: documents of the same type, the best one of each other province (at
      most ``same_kind_limit``), best first; each with the passage on the shared topic
      (``passage``, null in ``similar``).
    """
    meta = stored.get("meta", {})
    terms = distinctive_terms(reader, stored.get("text", ""), meta.get("title") or "")
    query = similarity_query(terms)
    out: dict[str, Any] = {"terms": [t.token.replace("_", " ") for t in terms],
                           "similar": [], "same_kind": []}
    if query is None:
        return out
    marks = passage_terms(terms[:PASSAGE_TERMS])
    province = _province(stored)
    hits = other_provinces(reader, query, Filters(), doc_id, province)
    # The list names the documents; the side-by-side table quotes them (passages cost
    # most of the time: one pattern over each text).
    out["similar"] = [_entry(reader, i, s, st, None) for i, s, st in hits[:limit]]
    doc_type = meta.get("doc_type")
    if doc_type:
        same = other_provinces(reader, query, Filters({"doc_type": [doc_type]}), doc_id,
                                province)
        best: dict[str, tuple[str, float, dict[str, Any]]] = {}
        for hit in same:
            best.setdefault(_province(hit[2]) or "", hit)
        out["same_kind"] = [_entry(reader, i, s, st, marks) for i, s, st in
                            list(best.values())[:same_kind_limit]]
    return out
