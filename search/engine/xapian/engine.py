"""Xapian implementation of :mod:`search.engine.base`, over a :class:`Store`.

What maps to what (README: Xapian engine):

- a token field → terms ``X<FIELD>:<token>`` (one prefix per field), with positions in the
  fields phrases are searched in (:func:`search.fields.phrase_fields`), wdf = occurrences;
- a facet value → a boolean term ``XF<FACET>:<value>`` (filters: OR within a facet, AND
  across, by ``OP_FILTER``) and a value slot counted by ``ValueCountMatchSpy`` over every
  match. A document with several values of one facet keeps them sorted, unique and joined
  by U+001F in its slot; the spy counts each combination once per document and the counts
  are split back per value, so every value is counted once per document, exactly;
- the year → a numeric slot (``sortable_serialise``) for the year range (``OP_VALUE_RANGE``);
- the date → a slot sorted on, with an "undated" slot before it (undated documents last in
  both orders) and the id after it (ties in id order);
- the stored record → the document data (JSON) without its ``text``, which has a slot of
  its own, read only when a caller asks for ``text`` (or for every field);
- ranking → ``BM25PlusWeight(k1=1.2, b=0.75, delta=0)`` (BM25 whose idf stays positive),
  each term scaled (``OP_SCALE_WEIGHT``) so that its idf is Whoosh's, each node's boost
  scaled the same way; scores add up as in Whoosh's BM25F (sums for And/Or/AndMaybe, the
  positive side for Not, a phrase as the sum of its words). One difference stays: Xapian
  normalises by the length of the whole document, Whoosh by the field's (no built-in
  Xapian weight, the only kind remote shards can run, has per-field lengths).

A query node Xapian cannot run exactly is refused with ``query.unsupported``, never dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator, Protocol, Sequence, TypeVar

import xapian

from search import fields as field_table
from search.engine.base import (
    FACET_FIELDS,
    TEXT_FIELDS,
    And,
    AndMaybe,
    Batch,
    Engine,
    EngineHit,
    EngineReader,
    EngineResult,
    Filters,
    IndexDoc,
    MatchAll,
    Not,
    Opened,
    Or,
    Phrase,
    Query,
    Term,
    only,
)
from search.engine.xapian.store import ID_PREFIX, Store, StoreBatch, shard_health_dicts
from search.errors import BadQuery, VnSearchError
from search.messages import INSTALL_CLUSTER, Message

T = TypeVar("T")


class Runner(Protocol):
    """How a reader reaches a database: :meth:`Store.run`, or a batch's pending state."""

    def __call__(self, fn: Callable[["xapian.Database"], T]) -> T: ...


# -- the mapping ----------------------------------------------------------------------------
MAX_TERM_BYTES = 240  # Xapian refuses terms over 245 bytes; longer ones are hashed (below)
FACET_SEPARATOR = "\x1f"  # between the values of a multi-valued facet in its slot
SLOT_ID, SLOT_DATE, SLOT_UNDATED, SLOT_YEAR, SLOT_TEXT = 0, 1, 2, 3, 4
# The date orders' sort keys, made at index time: the remote backend (a cluster) refuses a
# KeyMaker at query time, so a sort must be one value slot.
SLOT_OLDEST, SLOT_NEWEST = 5, 6
FACET_SLOTS = {name: 10 + i for i, name in enumerate(FACET_FIELDS)}
FIELD_PREFIX = {name: f"X{name.upper()}:" for name in TEXT_FIELDS}
FACET_PREFIX = {name: f"XF{name.upper()}:" for name in FACET_FIELDS}
POSITIONAL = frozenset(field_table.phrase_fields())
TEXT_KEY = "text"  # the stored field kept in its own slot (by far the largest)
# Whoosh's BM25F parameters (search.engine.whoosh.evaluate); k3=0: a term repeated in a query
# scores once per occurrence, summed, as Whoosh's sums do; k2=0: no extra length correction.
K1, B = 1.2, 0.75
# An Or needing k of n children is run as an OR of every k-combination (Xapian has no such
# operator); past this many combinations it is refused rather than approximated.
MAX_COMBINATIONS = 500
MAX_TERM_STATS = 50_000  # as the Whoosh engine: callers scan a prefix
STORED_PAGE = 200  # documents read per store call by iter_stored


def _bounded(term: str) -> str:
    """``term`` as stored: one over Xapian's limit keeps a head and a digest of the whole,
    the same at indexing and at query time, so it still matches exactly."""
    raw = term.encode("utf-8")
    if len(raw) <= MAX_TERM_BYTES:
        return term
    digest = hashlib.sha1(raw).hexdigest()
    head = raw[: MAX_TERM_BYTES - len(digest) - 1].decode("utf-8", errors="ignore")
    return f"{head}#{digest}"


def field_term(field: str, token: str) -> str:
    prefix = FIELD_PREFIX.get(field)
    if prefix is None:
        raise BadQuery(Message("query.unsupported", {
            "engine": "xapian", "what": f"the field {field!r}, which no document has"}))
    return _bounded(prefix + token)


def id_term(doc_id: str) -> str:
    """The unique term of a document (a long file name makes a long id)."""
    return _bounded(ID_PREFIX + doc_id)


def facet_term(facet: str, value: str) -> str:
    return _bounded(FACET_PREFIX[facet] + value)


def _unsupported(what: str) -> BadQuery:
    return BadQuery(Message("query.unsupported", {"engine": "xapian", "what": what}))


# -- documents ------------------------------------------------------------------------------
def to_document(doc: IndexDoc) -> "xapian.Document":
    """One engine document as a Xapian document (terms, values, data)."""
    xdoc = xapian.Document()
    xdoc.add_boolean_term(id_term(doc.id))
    for name, tokens in doc.fields.items():
        prefix = FIELD_PREFIX.get(name)
        if prefix is None:  # a field this schema does not know would be lost: say so
            raise VnSearchError(f"the Xapian engine has no field {name!r} (search/fields.py)")
        if name in POSITIONAL:
            for pos, token in enumerate(tokens, start=1):
                xdoc.add_posting(_bounded(prefix + token), pos)
        else:
            for token in tokens:
                xdoc.add_term(_bounded(prefix + token))
    for facet, values in doc.facets.items():
        kept = sorted({v for v in values if v})
        if facet not in FACET_SLOTS:
            raise VnSearchError(f"the Xapian engine has no facet {facet!r} (search/fields.py)")
        if any(FACET_SEPARATOR in v for v in kept):
            raise VnSearchError(f"a {facet} value of {doc.id} contains U+001F")
        for value in kept:
            xdoc.add_boolean_term(facet_term(facet, value))
        if kept:
            xdoc.add_value(FACET_SLOTS[facet], FACET_SEPARATOR.join(kept))
    year = (doc.facets.get("year") or [""])[0]  # the first value, as Whoosh's range uses
    if year.isdigit():
        xdoc.add_value(SLOT_YEAR, xapian.sortable_serialise(int(year)))
    date = doc.sort.get("date") or ""
    if date:
        xdoc.add_value(SLOT_DATE, date)
    else:
        xdoc.add_value(SLOT_UNDATED, "1")  # absent ("") sorts first: dated before undated
    xdoc.add_value(SLOT_ID, doc.id)
    for slot, newest in ((SLOT_OLDEST, False), (SLOT_NEWEST, True)):
        xdoc.add_value(slot, _date_key(date, doc.id, newest))
    stored = dict(doc.stored)
    if TEXT_KEY in stored:
        xdoc.add_value(SLOT_TEXT, json.dumps(stored.pop(TEXT_KEY), ensure_ascii=False))
    xdoc.set_data(json.dumps(stored, ensure_ascii=False))
    return xdoc


def stored_of(xdoc: "xapian.Document", wanted: Sequence[str] | None,
              text_chars: int | None = None) -> dict[str, Any]:
    """The stored record of a document, cut to ``wanted``; the text decoded only if wanted
    (whole, then cut to ``text_chars``: the slot holds it in one piece)."""
    data: dict[str, Any] = json.loads(xdoc.get_data())
    if wanted is None or TEXT_KEY in wanted:
        text = xdoc.get_value(SLOT_TEXT)
        if text:
            # Put back where the indexer had it, so a record reads the same as Whoosh's.
            data = _with_text(data, json.loads(text))
    return only(data, wanted, text_chars)


def _with_text(data: dict[str, Any], text: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "notes" and TEXT_KEY not in out:
            out[TEXT_KEY] = text
        out[key] = value
    out.setdefault(TEXT_KEY, text)
    return out


# -- queries --------------------------------------------------------------------------------
def _scaled(q: "xapian.Query", boost: float) -> "xapian.Query":
    if boost == 1.0:
        return q
    if boost < 0 or not math.isfinite(boost):
        raise _unsupported(f"a boost of {boost} (Xapian scales weights by 0 or more)")
    return xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, boost)


def whoosh_idf_scale(db: "xapian.Database", query: "xapian.Query") -> Callable[[str], float]:
    """Per-term factors that turn Xapian's BM25+ idf, ``log((N+1)/n)``, into Whoosh's,
    ``log(N/(n+1)) + 1`` (N and n over every shard): with them a term scores what it scores
    in Whoosh but for the length normalisation (module doc). Plain BM25's idf is near 0 for
    a word in most documents, where Whoosh's is near 1.

    The n of every term of ``query`` comes from one empty match (its statistics phase: one
    request per remote shard), not from a lookup per term (a request per term and shard)."""
    total = db.get_doccount()
    stats = _enquire(db, query).get_mset(0, 0)

    def scale(term: str) -> float:
        n = stats.get_termfreq(term)
        return (math.log(total / (n + 1)) + 1) / math.log((total + 1) / n) if n and total else 1.0

    return scale


def to_xapian(q: Query, scale: Callable[[str], float] | None = None) -> "xapian.Query":
    """The engine query tree as a Xapian query, scored as Whoosh scores it (see module);
    ``scale`` gives each term's idf correction (:func:`whoosh_idf_scale`)."""
    return _Translator(scale or (lambda term: 1.0)).query(q)


class _Translator:
    def __init__(self, scale: Callable[[str], float]) -> None:
        self.scale = scale

    def term(self, field: str, token: str, boost: float = 1.0) -> "xapian.Query":
        term = field_term(field, token)
        factor = self.scale(term)
        q = xapian.Query(term)
        return q if factor == 1.0 else xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, factor)

    def query(self, q: Query) -> "xapian.Query":
        if isinstance(q, Term):
            return _scaled(self.term(q.field, q.text), q.boost)
        if isinstance(q, Phrase):
            return self.phrase(q)
        if isinstance(q, And):
            return self.compound(xapian.Query.OP_AND, q.children, q.boost)
        if isinstance(q, Or):
            if q.min_match > 1 and len(q.children) > 1:
                return self.at_least(q)
            return self.compound(xapian.Query.OP_OR, q.children, q.boost)
        if isinstance(q, Not):
            return xapian.Query(xapian.Query.OP_AND_NOT, self.query(q.positive),
                                self.query(q.negative))
        if isinstance(q, AndMaybe):
            return xapian.Query(xapian.Query.OP_AND_MAYBE, self.query(q.required),
                                self.query(q.optional))
        if isinstance(q, MatchAll):
            # Every document, scoring nothing (as Whoosh's Every does in the engine's sums).
            return xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query.MatchAll, 0.0)
        raise _unsupported(f"the query node {type(q).__name__}")

    def phrase(self, q: Phrase) -> "xapian.Query":
        if len(q.words) == 1:
            return self.query(Term(q.field, q.words[0], q.boost))
        if q.field not in POSITIONAL:  # Xapian would match nothing, silently
            raise _unsupported(f"a phrase in {q.field}, which keeps no positions")
        # Matched by the phrase (its words bare: OP_PHRASE takes only terms), scored as the
        # sum of its words, as Whoosh scores a phrase, each with its idf correction.
        bare = [xapian.Query(field_term(q.field, w)) for w in q.words]
        matcher = xapian.Query(xapian.Query.OP_SCALE_WEIGHT,
                               xapian.Query(xapian.Query.OP_PHRASE, bare, len(q.words)), 0.0)
        words = [self.term(q.field, w) for w in q.words]
        return _scaled(xapian.Query(xapian.Query.OP_AND, [matcher, *words]), q.boost)

    def compound(self, op: int, children: tuple[Query, ...], boost: float) -> "xapian.Query":
        if not children:
            return xapian.Query.MatchNothing
        if len(children) == 1:  # Whoosh ignores a one-child compound's own boost
            return self.query(children[0])
        return _scaled(xapian.Query(op, [self.query(c) for c in children]), boost)

    def at_least(self, q: Or) -> "xapian.Query":
        """k of n children: matched by an OR of every k-combination (scoring nothing),
        scored by the plain OR of the children, as Whoosh sums the children that match."""
        n, k = len(q.children), q.min_match
        if k > n:
            return xapian.Query.MatchNothing
        if math.comb(n, k) > MAX_COMBINATIONS:
            raise _unsupported(f"{k} of {n} alternatives ({math.comb(n, k)} combinations, "
                               f"{MAX_COMBINATIONS} at most)")
        parts = [self.query(c) for c in q.children]
        groups = [xapian.Query(xapian.Query.OP_AND, list(c)) for c in combinations(parts, k)]
        matcher = xapian.Query(xapian.Query.OP_SCALE_WEIGHT,
                               xapian.Query(xapian.Query.OP_OR, groups), 0.0)
        scored = xapian.Query(xapian.Query.OP_AND_MAYBE, matcher,
                              xapian.Query(xapian.Query.OP_OR, parts))
        return _scaled(scored, q.boost)


def _year_range(filters: Filters) -> "xapian.Query | None":
    lo, hi = filters.year_from, filters.year_to
    if lo is None and hi is None:
        return None
    if hi is None:
        return xapian.Query(xapian.Query.OP_VALUE_GE, SLOT_YEAR, xapian.sortable_serialise(lo))
    if lo is None:
        return xapian.Query(xapian.Query.OP_VALUE_LE, SLOT_YEAR, xapian.sortable_serialise(hi))
    return xapian.Query(xapian.Query.OP_VALUE_RANGE, SLOT_YEAR, xapian.sortable_serialise(lo),
                        xapian.sortable_serialise(hi))


def _filtered(query: "xapian.Query", filters: Filters, skip: str | None = None) -> "xapian.Query":
    """``query`` limited by the filters (OR within a facet, AND across), leaving out the
    facet ``skip`` (its values and, for the year, the range)."""
    parts = []
    for facet, values in filters.values.items():
        if facet == skip or not values:
            continue
        if facet not in FACET_PREFIX:
            raise _unsupported(f"a filter on {facet!r}, which is not a facet")
        parts.append(xapian.Query(xapian.Query.OP_OR, [xapian.Query(facet_term(facet, v))
                                                       for v in values]))
    year = _year_range(filters) if skip != "year" else None
    if year is not None:
        parts.append(year)
    if not parts:
        return query
    return xapian.Query(xapian.Query.OP_FILTER, query, xapian.Query(xapian.Query.OP_AND, parts))


def _own_filter(facet: str, filters: Filters) -> bool:
    if filters.values.get(facet):
        return True
    return facet == "year" and (filters.year_from is not None or filters.year_to is not None)


def _counts(spy: "xapian.ValueCountMatchSpy") -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in spy.values():
        key = item.term.decode("utf-8") if isinstance(item.term, bytes) else item.term
        for value in key.split(FACET_SEPARATOR):
            if value:
                counts[value] = counts.get(value, 0) + int(item.termfreq)
    return counts


def _enquire(db: "xapian.Database", query: "xapian.Query") -> "xapian.Enquire":
    enquire = xapian.Enquire(db)
    enquire.set_query(query)
    # BM25+ with delta 0 is BM25 with an idf that stays positive (log((N+1)/n)); no
    # minimum normalised length, as Whoosh has none.
    enquire.set_weighting_scheme(xapian.BM25PlusWeight(K1, 0, 0, B, 0.0, 0.0))
    return enquire


def _date_key(date: str, doc_id: str, newest: bool) -> bytes:
    """The key a date order sorts by, as Xapian's MultiValueKeyMaker would make it from
    (undated flag, date (reversed for newest), id): dated before undated in both orders,
    ISO dates as text, the id breaking ties. Made at index time because the remote backend
    (a cluster) accepts no KeyMaker at query time."""
    return (_key_part(b"" if date else b"1", False) + _key_part(date.encode(), newest)
            + doc_id.encode("utf-8"))


def _key_part(value: bytes, reverse: bool) -> bytes:
    """One non-final part of a MultiValueKeyMaker key: escaped, terminated, so the parts
    compare one after another (reversed: every byte inverted)."""
    out = bytearray()
    for byte in value:
        if reverse:
            out.append(255 - byte)
            if byte == 0:
                out.append(0)
        else:
            out.append(byte)
            if byte == 0:
                out.append(255)
    out += b"\xff\xff" if reverse else b"\x00\x00"
    return bytes(out)


def _text(term: Any) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)


# -- reading --------------------------------------------------------------------------------
class XapianReader(EngineReader):
    """Reads through ``run``: every call asks the store for its database again, so a
    store that fails over (a cluster) can hand the next call another copy."""

    def __init__(self, run: Runner, on_close: Callable[[], None] | None = None) -> None:
        self._run = run
        self._on_close = on_close

    def search(self, query: Query, filters: Filters, *, facets: Sequence[str] = FACET_FIELDS,
               limit: int = 10, offset: int = 0, sort: str = "relevance",
               fields: Sequence[str] | None = None,
               text_chars: int | None = None) -> EngineResult:
        # Built once before the store is asked, so a query Xapian cannot run fails at once
        # (and is not retried on another copy); built again with the idf corrections
        # against the database the store hands over.
        bare = to_xapian(query)
        _filtered(bare, filters)
        own = [f for f in facets if _own_filter(f, filters)]
        wanted = list(fields) if fields is not None else None
        sorted_by_date = sort in ("newest", "oldest")

        def run(db: "xapian.Database") -> EngineResult:
            xq = bare
            if limit and not sorted_by_date:  # scores are wanted
                xq = to_xapian(query, whoosh_idf_scale(db, bare))
            others = {f: _filtered(bare, filters, skip=f) for f in own}  # counts: no scores
            return self._search(db, _filtered(xq, filters), others, facets, limit, offset,
                                sort, wanted, text_chars)

        return self._run(run)

    def _search(self, db: "xapian.Database", filtered: "xapian.Query",
                others: dict[str, "xapian.Query"], facets: Sequence[str], limit: int,
                offset: int, sort: str, wanted: list[str] | None,
                text_chars: int | None = None) -> EngineResult:
        every = max(1, db.get_doccount())  # every match seen: exact totals and counts
        enquire = _enquire(db, filtered)
        # The enquire keeps a bare pointer to its spies: they are held here until it is
        # done with them. (Date orders sort by a value slot: the remote backend takes no
        # key maker.)
        sorted_by_value = sort in ("newest", "oldest")
        if sorted_by_value:
            enquire.set_weighting_scheme(xapian.BoolWeight())
            enquire.set_sort_by_value(SLOT_NEWEST if sort == "newest" else SLOT_OLDEST, False)
        spies = {f: xapian.ValueCountMatchSpy(FACET_SLOTS[f]) for f in facets if f not in others}
        # Over remote shards, spies on an enquire sorted by value count some documents twice
        # (129 of 125 on a 2-shard cluster, tests/test_cluster.py): a date order's counts
        # come from an unsorted match of the same query.
        counter = _enquire(db, filtered) if sorted_by_value else enquire
        if sorted_by_value:
            counter.set_weighting_scheme(xapian.BoolWeight())
        for spy in spies.values():
            counter.add_matchspy(spy)
        if sorted_by_value and spies:
            counter.get_mset(0, 0, every)
        mset = enquire.get_mset(offset, limit, every)
        # No mset.fetch() (one request for the page's documents): in the 1.4.26 binding it
        # crashes the process on a page after the first (offset > 0); each document is read
        # as the hits are made instead.
        total = int(mset.get_matches_estimated())
        hits = [EngineHit(_text(item.document.get_value(SLOT_ID)),
                          float(item.weight) if sort not in ("newest", "oldest") else 0.0,
                          stored_of(item.document, wanted, text_chars))
                for item in mset]
        counts = {f: _counts(spy) for f, spy in spies.items()}
        for facet, query in others.items():  # counted as if its own filter were not set
            spy = xapian.ValueCountMatchSpy(FACET_SLOTS[facet])
            own = _enquire(db, query)
            own.set_weighting_scheme(xapian.BoolWeight())
            own.add_matchspy(spy)
            own.get_mset(0, 0, every)
            counts[facet] = _counts(spy)
        del spies, enquire, counter  # only now
        return EngineResult(total=total, hits=hits, facets={f: counts[f] for f in facets})

    def get(self, doc_id: str, fields: Sequence[str] | None = None,
            text_chars: int | None = None) -> dict[str, Any] | None:
        wanted = list(fields) if fields is not None else None

        def fetch(db: "xapian.Database") -> dict[str, Any] | None:
            for posting in db.postlist(id_term(doc_id)):
                return stored_of(db.get_document(posting.docid), wanted, text_chars)
            return None

        return self._run(fetch)

    def iter_stored(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        start = 0
        wanted = list(fields) if fields is not None else None
        while True:
            page = self._run(lambda db: _stored_page(db, start, wanted))
            yield from page
            if len(page) < STORED_PAGE:
                return
            start += len(page)

    def doc_count(self) -> int:
        return int(self._run(lambda db: db.get_doccount()))

    def doc_frequency(self, field: str, token: str) -> int:
        if field not in FIELD_PREFIX:
            return 0
        term = field_term(field, token)
        return int(self._run(lambda db: db.get_termfreq(term)))

    def facet_values(self, facet: str) -> list[str]:
        prefix = FACET_PREFIX.get(facet)
        if prefix is None:
            return []
        return self._run(lambda db: [_text(t.term)[len(prefix):] for t in db.allterms(prefix)])

    def term_stats(self, field: str, prefix: str = "") -> Iterator[tuple[str, int]]:
        head = FIELD_PREFIX.get(field)
        if head is None:
            return iter(())

        def read(db: "xapian.Database") -> list[tuple[str, int]]:
            out = []
            for item in db.allterms(head + prefix):
                out.append((_text(item.term)[len(head):], int(item.termfreq)))
                if len(out) >= MAX_TERM_STATS:
                    break
            return out

        return iter(self._run(read))

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


def _stored_page(db: "xapian.Database", start: int,
                 wanted: list[str] | None = None) -> list[dict[str, Any]]:
    """A page of stored records in docid order (a match-all query without weights, so
    Xapian pages it; a replica has the same docids, so a failover keeps the order)."""
    enquire = xapian.Enquire(db)
    enquire.set_query(xapian.Query.MatchAll)
    enquire.set_weighting_scheme(xapian.BoolWeight())
    return [stored_of(item.document, wanted) for item in enquire.get_mset(start, STORED_PAGE)]


# -- writing --------------------------------------------------------------------------------
class XapianBatch(Batch):
    def __init__(self, batch: StoreBatch, location: str) -> None:
        self.batch = batch
        self.location = location
        self._finished = False

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A failed write (a full disk, a shard that stopped answering) as one clear error;
        the batch is discarded by its owner, so the serving index stays as it was."""
        try:
            yield
        except xapian.Error as err:
            raise VnSearchError(f"cannot write the Xapian index at {self.location} "
                                f"({type(err).__name__}: {err.get_msg()}); the serving index "
                                "was left as it was") from None

    def add(self, docs: Iterable[IndexDoc]) -> int:
        count = 0
        with self._writing():
            for doc in docs:
                self.batch.writer_for(doc.id).replace_document(id_term(doc.id), to_document(doc))
                count += 1
        return count

    def remove(self, ids: Iterable[str]) -> list[str]:
        removed = []
        with self._writing():
            for doc_id in dict.fromkeys(ids):
                writer, term = self.batch.writer_for(doc_id), id_term(doc_id)
                if writer.term_exists(term):
                    writer.delete_document(term)
                    removed.append(doc_id)
        return removed

    def reader(self) -> XapianReader:
        db = self.batch.reader()

        def run(fn: Callable[["xapian.Database"], T]) -> T:
            return fn(db)

        return XapianReader(run, on_close=db.close)

    def publish(self, manifest: dict[str, Any]) -> str:
        with self._writing():
            generation = self.batch.publish(manifest)
        self._finished = True
        return generation

    def discard(self) -> None:
        if not self._finished:
            self._finished = True
            self.batch.discard()


# -- the engine -----------------------------------------------------------------------------
class XapianEngine(Engine):
    """A Xapian index: a directory of generations on this machine (``LocalStore``), or a
    cluster described by a configuration file (``ClusterStore``)."""

    name = "xapian"

    def __init__(self, location: str | os.PathLike[str], *, store: Store | None = None,
                 shards: int | None = None, **options: Any) -> None:
        self.store: Store = store if store is not None else open_store(location, shards=shards)

    @property
    def location(self) -> str:
        return self.store.location

    def generation(self) -> str | None:
        return self.store.generation()

    def open(self) -> Opened:
        manifest = self.store.manifest()  # IndexMissing / IndexCorrupt with a hint
        generation = self.store.generation() or ""
        self.store.run(lambda db: db.get_doccount())  # fails here, not at the first search
        return Opened(XapianReader(self.store.run), generation, manifest)

    def manifest(self) -> dict[str, Any]:
        return self.store.manifest()

    def lock(self, command: str) -> ContextManager[None]:
        return self.store.lock(command)

    def begin(self, *, fresh: bool, writers: int = 1) -> XapianBatch:
        return XapianBatch(self.store.begin(fresh=fresh), self.store.location)

    def cache_dir(self) -> Path:
        return self.store.cache_dir()

    def health(self) -> list[dict[str, Any]] | None:
        """Every shard's copies (``/healthz``): a cluster's servers, a local store's
        directories."""
        return shard_health_dicts(self.store.health())


def open_store(location: str | os.PathLike[str], *, shards: int | None = None) -> Store:
    """A configuration file names a cluster; anything else is a local directory."""
    path = Path(location)
    if path.is_file():
        try:
            from search.engine.xapian.cluster import ClusterStore
        except ImportError as err:
            raise VnSearchError(Message("engine.not_installed", {
                "engine": "xapian cluster", "location": str(path),
                "problem": f"{type(err).__name__}: {err}", "command": INSTALL_CLUSTER})) from None
        cluster: Store = ClusterStore(path)
        return cluster
    from search.engine.xapian.local import LocalStore

    return LocalStore(path, shards=shards)
