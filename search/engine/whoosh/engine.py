"""Whoosh implementation of :mod:`search.engine.base`.

Whoosh stores the documents and their postings; it never analyses text: every text field
uses a whitespace tokenizer over the tokens that :mod:`search.text.analyze` produced. Facet
counting and filtering are done with numpy over the facet columns, loaded once per
reader, so counts are exact over all matches whatever the page size.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import os
import threading
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator, Sequence, TypeVar

import numpy as np
from whoosh import index as windex
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.scoring import BM25F

from search import fields
from search.engine.generations import IndexLocation
from search.errors import IndexCorrupt, VnSearchError
from search.messages import Message, build_command
from search.engine.whoosh.evaluate import Evaluator
from search.engine.whoosh.postings import SidecarBuilder, segment_id_of, sync_sidecars
from search.engine.whoosh.query import to_whoosh
from search.engine.whoosh import texts as text_store
from search.engine.whoosh.texts import KEY_FIELD, PASS_KEY, SegmentTexts, TextStoreWriter
from search.engine.whoosh.writers import (DirectSegmentWriter, PretokenizedText, SidecarMpWriter,
                                          tune_writer, writer_failure)

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

_MISSING = object()
_T = TypeVar("_T")
_Counts = dict[str, dict[str, int]]
WRITER_LIMIT_MB = 256
WRITER_BATCH = 100
MAX_TERM_STATS = 50_000  # terms listed per term_stats() call at most
# Fields whose postings go into the numpy sidecar: every token field; positions for the
# fields phrases are searched in (both from the table of fields).
POSTING_FIELDS = tuple(TEXT_FIELDS)
PHRASE_FIELDS = fields.phrase_fields()


def _token_field(spec: fields.TokenField, tokens: SpaceSeparatedTokenizer) -> Any:
    # Whole values (numbers) are keywords; running words are pre-tokenized text, with
    # positions only where phrases are searched.
    if spec.kind == "keyword":
        return KEYWORD(scorable=True)
    return PretokenizedText(analyzer=tokens, phrase=spec.positions)


def make_schema(token_fields: tuple[fields.TokenField, ...] = fields.TOKEN_FIELDS,
                facets: tuple[fields.Facet, ...] = fields.FACETS,
                sortable: tuple[fields.SortField, ...] = fields.SORTABLE_FIELDS) -> Schema:
    """The one schema: token fields, facet columns, one stored record per document
    (without its texts, kept apart: :mod:`search.engine.whoosh.texts`, found by the key
    in ``texts``).

    Generated from the table of fields (:mod:`search.fields`); only the id, the path, the
    stored record and its texts' key are the engine's own.
    """
    tokens = SpaceSeparatedTokenizer()
    columns = [f.name for f in facets] + [s.name for s in sortable]
    return Schema(
        id=ID(unique=True, stored=True),
        path=ID(),
        **{t.name: _token_field(t, tokens) for t in token_fields},
        **{name: ID(sortable=True) for name in columns},
        data=STORED(),
        **{KEY_FIELD: STORED()},
    )


def _fields_of(doc: IndexDoc) -> dict[str, Any]:
    """What the Whoosh writer is given: the record without its texts, their key, and the
    texts themselves under ``PASS_KEY`` (Whoosh ignores it; the sidecar's writers read it)."""
    record, texts = text_store.split_record(doc.stored)
    out: dict[str, Any] = {"id": doc.id, "data": record, PASS_KEY: texts,
                           KEY_FIELD: (text_store.text_key(texts).hex(), tuple(texts))}
    if doc.stored.get("path"):
        out["path"] = doc.stored["path"]
    for name, toks in doc.fields.items():
        if toks:
            out[name] = " ".join(toks)
    for name, values in doc.facets.items():
        if values:
            out[name] = values[0]
    for name, value in doc.sort.items():
        if value:
            out[name] = value
    return out


class _DirectoryWriter:
    """Writes Whoosh indexes in plain directories: a fresh one, or changes to a copy."""

    def __init__(self, limitmb: int, writers: int, batch: int) -> None:
        self.limitmb = limitmb
        self.writers = writers  # > 1: a fresh index is written by that many processes
        self.batch = batch  # documents handed to a writer process at a time

    def _writer(self, ix: windex.Index) -> Any:
        # compound=False: Whoosh reads a compound segment by copying each of its files into
        # a BytesIO at open (the whole postings file, ~450 MB at 50k documents, resident in
        # anonymous memory); separate files are read on demand instead.
        return tune_writer(ix.writer(limitmb=self.limitmb, compound=False), self.limitmb)

    def create(self, directory: Path, docs: Iterable[IndexDoc]) -> int:
        ix = windex.create_in(str(directory), make_schema())
        if self.writers > 1:
            return self._create_parallel(ix, directory, docs)
        # One segment, its token fields counted once for its postings and its sidecar.
        builder = SidecarBuilder(POSTING_FIELDS, directory, PHRASE_FIELDS)
        try:
            writer = DirectSegmentWriter(ix, builder, directory, limitmb=self.limitmb,
                                         compound=False)
        except BaseException:
            builder.discard()
            raise
        count = self._write(ix, docs, replace=False, writer=writer)
        self.sync(directory)  # nothing to build: drops nothing either (one segment, its own)
        return count

    def _create_parallel(self, ix: windex.Index, directory: Path, docs: Iterable[IndexDoc]) -> int:
        """One segment per writer process, each committed in parallel with its sidecar."""
        writer = SidecarMpWriter(ix, directory, POSTING_FIELDS, PHRASE_FIELDS, procs=self.writers,
                                 batchsize=self.batch, compound=False,
                                 limitmb=max(32, self.limitmb // self.writers))
        count = self._write(ix, docs, replace=False, writer=writer)
        # MpWriter drops the segment of a writer process that died; never publish that.
        ix = windex.open_dir(str(directory))
        written = ix.doc_count_all()
        ix.close()
        if written != count:
            failure = writer_failure(writer.tasks)
            if isinstance(failure, OSError):
                raise failure  # a full disk, said as such (the CLI words it)
            raise VnSearchError(f"a writer process failed: {written} of {count} documents were "
                                "written; nothing was published")
        self.sync(directory)  # a sidecar for any segment that has none
        return count

    def add(self, directory: Path, docs: Iterable[IndexDoc]) -> int:
        # The added documents' texts go to a pending store first: the segment Whoosh writes
        # (with any it merges) gets its own store at the sync, found by key.
        pending = TextStoreWriter(directory)
        try:
            count = self._write(windex.open_dir(str(directory)), docs, replace=True,
                                pending=pending)
            pending.finish_pending(directory)
        finally:
            pending.discard()
        self.sync(directory)
        return count

    def remove(self, directory: Path, ids: Iterable[str]) -> list[str]:
        """Delete by id in one commit; the ids that existed."""
        ix = windex.open_dir(str(directory))
        writer = self._writer(ix)
        removed: list[str] = []
        try:
            for doc_id in dict.fromkeys(ids):  # each id once, in order
                if writer.delete_by_term("id", doc_id):
                    removed.append(doc_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        self.sync(directory)
        return removed

    def sync(self, directory: Path) -> None:
        """Sidecars for new (merged or added) segments; none left for gone ones."""
        ix = windex.open_dir(str(directory))
        with ix.reader() as reader:
            sync_sidecars(directory, reader, POSTING_FIELDS, PHRASE_FIELDS)
        ix.close()

    def _write(self, ix: windex.Index, docs: Iterable[IndexDoc], *, replace: bool,
               writer: Any = None, pending: TextStoreWriter | None = None) -> int:
        writer = writer if writer is not None else self._writer(ix)
        count = 0
        try:
            for doc in docs:
                fields = _fields_of(doc)
                if replace:
                    writer.update_document(**fields)
                else:
                    writer.add_document(**fields)
                if pending is not None:
                    pending.add(fields[PASS_KEY])
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        return count


def open_directory(directory: Path, mode: str = "numpy") -> "WhooshReader":
    """A reader of the Whoosh index in ``directory`` (one generation)."""
    return WhooshReader(windex.open_dir(str(directory)), directory, mode)


class WhooshEngine(Engine):
    """Whoosh generations in a directory (:mod:`search.engine.generations`); numpy postings
    beside each segment for evaluation.

    ``mode="whoosh"`` evaluates with Whoosh's own matchers instead (the reference the
    equivalence test compares against, and the fallback). ``writers`` fixes how many
    processes write a fresh index (by default the number :meth:`begin` is given).
    """

    name = "whoosh"

    def __init__(self, root: str | os.PathLike[str], *, limitmb: int = WRITER_LIMIT_MB,
                 mode: str = "numpy", writers: int | None = None,
                 batch: int = WRITER_BATCH) -> None:
        self.store = IndexLocation(root)
        self.limitmb = limitmb
        self.mode = mode
        self.writers = writers
        self.batch = batch

    @property
    def location(self) -> str:
        return str(self.store.root)

    def generation(self) -> str | None:
        return self.store.generation_id()

    def open(self) -> Opened:
        directory = self.store.current()  # IndexMissing with a hint
        manifest = self.store.manifest(directory)  # IndexCorrupt with a hint
        self.store.verify_files(directory, manifest)  # IndexCorrupt too
        try:
            _check_whoosh_files(directory)
            reader = open_directory(directory, self.mode)
        except VnSearchError:
            raise
        except Exception as err:
            raise IndexCorrupt(Message("index.damaged", {
                "location": str(self.store.root),
                "detail": f"cannot be opened: {type(err).__name__}: {_short(err)}",
                "command": build_command(str(self.store.root))})) from None
        return Opened(reader, directory.name, manifest)

    def manifest(self) -> dict[str, Any]:
        return self.store.manifest()

    def lock(self, command: str) -> ContextManager[None]:
        return self.store.lock(command)

    def begin(self, *, fresh: bool, writers: int = 1) -> "WhooshBatch":
        writer = _DirectoryWriter(self.limitmb, self.writers or writers, self.batch)
        directory = self.store.new_build_dir() if fresh else self.store.clone_current()
        return WhooshBatch(self.store, directory, writer, self.mode, empty=fresh)

    def cache_dir(self) -> Path:
        return self.store.ocr_cache_dir()


class WhooshBatch(Batch):
    """A build directory (fresh) or a hard-linked copy of the serving generation, changed in
    place and renamed into a generation on publish."""

    def __init__(self, store: IndexLocation, directory: Path, writer: _DirectoryWriter,
                 mode: str, *, empty: bool) -> None:
        self.store = store
        self.directory = directory
        self.writer = writer
        self.mode = mode
        self._empty = empty  # no Whoosh index in the directory yet
        self._finished = False

    def _ensure_index(self) -> None:
        if self._empty:
            self._empty = False
            self.writer.create(self.directory, ())

    def add(self, docs: Iterable[IndexDoc]) -> int:
        if self._empty:  # the first documents of a fresh index: written in parallel
            self._empty = False
            return self.writer.create(self.directory, docs)
        return self.writer.add(self.directory, docs)

    def remove(self, ids: Iterable[str]) -> list[str]:
        self._ensure_index()
        return self.writer.remove(self.directory, ids)

    def reader(self) -> "WhooshReader":
        self._ensure_index()
        return open_directory(self.directory, self.mode)

    def publish(self, manifest: dict[str, Any]) -> str:
        self._ensure_index()
        generation = self.store.publish(self.directory, manifest).name
        self._finished = True
        return generation

    def discard(self) -> None:
        if not self._finished:
            self._finished = True
            self.store.discard(self.directory)


def _short(err: BaseException) -> str:
    return " ".join(str(err).split())[:160]


def _check_whoosh_files(directory: Path) -> None:
    """Open the Whoosh index in ``directory`` once, through a storage that remembers every
    file it opens, and close them all, whatever happens.

    Whoosh leaves the TOC or segment file open when it fails on a damaged one (and retries
    a failing segment ten times), so a corrupt index would leak open files on every
    attempt; this way a damaged index fails here, with nothing left open.
    """
    opened: list[Any] = []

    class _Storage(FileStorage):  # type: ignore[misc]
        def open_file(self, name: str, **kwargs: Any) -> Any:
            handle = super().open_file(name, **kwargs)
            opened.append(handle)
            return handle

    try:
        _Storage(str(directory), readonly=True).open_index().reader().close()
    finally:
        for handle in opened:
            if not getattr(handle, "is_closed", False):
                with contextlib.suppress(Exception):
                    handle.close()


class _FacetColumns:
    """Facet values of every document as int codes (one numpy array per facet)."""

    def __init__(self, reader: Any, facets: Sequence[str], doc_count_all: int) -> None:
        self.labels: dict[str, list[str]] = {}
        self.codes: dict[str, np.ndarray] = {}
        for facet in facets:
            values = _column_values(reader, facet)
            labels, codes = np.unique(np.array([_text(v) for v in values], dtype=object),
                                      return_inverse=True)
            self.labels[facet] = [str(x) for x in labels]
            self.codes[facet] = codes.astype(np.int32)

    def mask(self, facet: str, values: Sequence[str]) -> np.ndarray:
        wanted = [i for i, label in enumerate(self.labels[facet]) if label in set(values)]
        return np.isin(self.codes[facet], wanted)

    def count(self, facet: str, docs: np.ndarray) -> dict[str, int]:
        counts = np.bincount(self.codes[facet][docs], minlength=len(self.labels[facet]))
        labels = self.labels[facet]
        return {labels[i]: int(c) for i, c in enumerate(counts) if c and labels[i]}


def top_k(scores: np.ndarray, allowed: np.ndarray, k: int) -> list[int]:
    """Doc numbers of the ``k`` best allowed documents: score descending, then doc number
    ascending (Whoosh's order for ties)."""
    docs = np.flatnonzero(allowed)
    if not len(docs) or k <= 0:
        return []
    s = scores[docs]
    if len(docs) > k:
        kth = np.partition(-s, k - 1)[k - 1]
        keep = -s <= kth  # every document tied with the k-th stays a candidate
        docs, s = docs[keep], s[keep]
    order = np.lexsort((docs, -s))[:k]
    return docs[order].tolist()


def _column_values(reader: Any, facet: str) -> list[Any]:
    """A facet column for every document, segment by segment: a segment whose documents
    all lack the facet has no column at all, and must count as empty, not be skipped."""
    values: list[Any] = []
    for segreader, _offset in reader.leaf_readers():
        n = segreader.doc_count_all()
        if segreader.has_column(facet):
            values.extend(segreader.column_reader(facet))
        else:
            values.extend([b""] * n)
    return values


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")


class WhooshReader(EngineReader):
    """One open generation. The sidecar and the facet columns load on first use, so that
    looking a document up (``show``, ``add``) stays cheap on a large index."""

    def __init__(self, ix: windex.Index, directory: Path, mode: str = "numpy") -> None:
        self.ix = ix
        self.mode = mode
        self.directory = Path(directory)
        self.searcher = ix.searcher(weighting=BM25F(B=0.75, K1=1.2))
        self.n = self.searcher.doc_count_all()
        # One search at a time per reader: Whoosh's file handles and the evaluator's
        # per-query state are not thread-safe (waitress serves with several threads).
        self._lock = threading.RLock()
        self._cache: dict[str, Any] = {}
        self._open_texts()

    def _open_texts(self) -> None:
        """Open the segments' text stores now (a small file and memory maps each): a reader
        held after its generation's directory was removed (an export streaming while adds
        are published) still reads them, as it reads Whoosh's files it holds open."""
        for segment_id in self._segments[1]:
            if segment_id is not None:
                with contextlib.suppress(FileNotFoundError):  # said when a text is read
                    self._lazy(f"texts:{segment_id}",
                               functools.partial(SegmentTexts, self.directory, segment_id))

    # Lazy parts, built once under the reader's lock. Not functools.cached_property: on
    # Python 3.11 it holds one lock per attribute shared by every instance, so a search
    # holding this reader's lock and another thread building the same attribute for a
    # reader (taking that lock, then this reader's) could deadlock after a swap.
    def _lazy(self, name: str, make: Callable[[], _T]) -> _T:
        value = self._cache.get(name, _MISSING)
        if value is _MISSING:
            with self._lock:
                value = self._cache.get(name, _MISSING)
                if value is _MISSING:
                    value = self._cache[name] = make()
        return value  # type: ignore[no-any-return,unused-ignore]  # what make() made it

    @property
    def evaluator(self) -> Evaluator | None:
        return self._lazy("evaluator", lambda: Evaluator(self.searcher, self.directory)
                          if self.mode == "numpy" else None)

    @property
    def columns(self) -> _FacetColumns:
        return self._lazy("columns", lambda: _FacetColumns(self.searcher.reader(),
                                                           (*FACET_FIELDS, "date"), self.n))

    @property
    def live(self) -> np.ndarray:
        def make() -> np.ndarray:
            live = np.zeros(self.n, dtype=bool)
            live[list(self.searcher.reader().all_doc_ids())] = True
            return live

        return self._lazy("live", make)

    @property
    def _years(self) -> np.ndarray:
        def make() -> np.ndarray:
            labels = self.columns.labels["year"]
            return np.array([int(y) if y.isdigit() else -1 for y in labels], dtype=np.int64)

        return self._lazy("years", make)

    # -- matching ---------------------------------------------------------------------
    def _whoosh_mask(self, q: Query) -> np.ndarray:
        if isinstance(q, (Term, Phrase)):
            mask = np.zeros(self.n, dtype=bool)
            mask[list(self.searcher.docs_for_query(to_whoosh(q)))] = True
            return mask & self.live
        if isinstance(q, And):
            if not q.children:
                return np.zeros(self.n, dtype=bool)
            return np.logical_and.reduce([self._whoosh_mask(c) for c in q.children])
        if isinstance(q, Or):
            if not q.children:
                return np.zeros(self.n, dtype=bool)
            counts = np.sum([self._whoosh_mask(c) for c in q.children], axis=0)
            return counts >= max(1, q.min_match)
        if isinstance(q, Not):
            return self._whoosh_mask(q.positive) & ~self._whoosh_mask(q.negative)
        if isinstance(q, AndMaybe):
            return self._whoosh_mask(q.required)
        if isinstance(q, MatchAll):
            return self.live.copy()
        raise TypeError(f"unsupported query node {type(q).__name__}")

    def _filter_mask(self, filters: Filters, skip: str | None = None) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        for facet, values in filters.values.items():
            if facet != skip and values:
                mask &= self.columns.mask(facet, values)
        if (filters.year_from is not None or filters.year_to is not None) and skip != "year":
            year = self._years[self.columns.codes["year"]]
            lo = filters.year_from if filters.year_from is not None else 0
            hi = filters.year_to if filters.year_to is not None else 10_000
            mask &= (year >= lo) & (year <= hi)
        return mask

    def search(
        self,
        query: Query,
        filters: Filters,
        *,
        facets: Sequence[str] = FACET_FIELDS,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        fields: Sequence[str] | None = None,
        text_chars: int | None = None,
    ) -> EngineResult:
        with self._lock:
            total, ranked, counts = self._search(query, filters, facets, limit, offset, sort)
            hits = [self._hit(d, score, fields, text_chars) for d, score in ranked]
        return EngineResult(total=total, hits=hits, facets=counts)

    def _search(self, query: Query, filters: Filters, facets: Sequence[str], limit: int,
                offset: int, sort: str) -> tuple[int, list[tuple[int, float]], _Counts]:
        """(total, the page's (document number, score), facet counts)."""
        filtered = self._filter_mask(filters)
        if self.evaluator is not None:
            # Scores only need to be exact where they can reach the page asked for.
            top = offset + limit if sort == "relevance" and limit else None
            matched, scores = self.evaluator.evaluate(query, top=top, allowed=filtered)
        else:
            matched, scores = self._whoosh_mask(query), None
        allowed = matched & filtered
        total = int(allowed.sum())
        counts = {
            f: self.columns.count(f, np.flatnonzero(matched & self._filter_mask(filters, skip=f)))
            for f in facets
        }
        ranked = self._ranked(query, allowed, scores, limit, offset, sort) if total and limit else []
        return total, ranked, counts

    def _ranked(self, query: Query, allowed: np.ndarray, scores: np.ndarray | None, limit: int,
                offset: int, sort: str) -> list[tuple[int, float]]:
        """(document number, score) of the page's hits, in order."""
        if sort in ("newest", "oldest"):
            return self._by_date(allowed, limit, offset, newest=(sort == "newest"))
        if scores is not None:
            return [(d, float(scores[d])) for d in top_k(scores, allowed, offset + limit)[offset:]]
        # limit=None: Whoosh's top-N collector can miss the best document (whoosh-speed.md).
        results = self.searcher.search(to_whoosh(query), limit=None,
                                       filter=set(np.flatnonzero(allowed).tolist()))
        return [(hit.docnum, float(hit.score or 0.0)) for hit in results[offset : offset + limit]]

    def _by_date(self, allowed: np.ndarray, limit: int, offset: int,
                 newest: bool) -> list[tuple[int, float]]:
        """Date order (ISO dates sort as text); undated documents last either way."""
        docs = np.flatnonzero(allowed)
        codes = self.columns.codes["date"][docs].astype(np.int64)
        undated = np.array([lab == "" for lab in self.columns.labels["date"]])[codes]
        key = np.where(undated, np.iinfo(np.int64).max, -codes if newest else codes)
        order = docs[np.lexsort((docs, key))][offset : offset + limit]
        return [(int(d), 0.0) for d in order]

    # -- stored records ---------------------------------------------------------------
    def _hit(self, docnum: int, score: float, fields: Sequence[str] | None,
             text_chars: int | None) -> EngineHit:
        doc_id, record = self._record(docnum, fields, text_chars)
        return EngineHit(id=doc_id, score=score, stored=record)

    def _record(self, docnum: int, fields: Sequence[str] | None,
                text_chars: int | None) -> tuple[str, dict[str, Any]]:
        """(id, stored record cut to ``fields``) of a document: Whoosh's record, and the
        texts kept apart read only if asked for (the body's first ``text_chars``)."""
        stored = self.searcher.stored_fields(docnum)
        record = only(stored["data"], fields)
        _key, apart = text_store.record_key(stored.get(KEY_FIELD))
        wanted = [f for f in apart if f in record]
        if wanted:
            record = dict(record)
            store, local = self._texts_of(docnum)
            for field in wanted:
                record[field] = store.read(field, local, text_chars if field == "text" else None)
        return stored["id"], record

    @property
    def _segments(self) -> tuple[list[int], list[str | None]]:
        """Each segment's first document number and id, in order."""
        def make() -> tuple[list[int], list[str | None]]:
            leaves = self.searcher.reader().leaf_readers()
            return [off for _r, off in leaves], [segment_id_of(r) for r, _off in leaves]

        return self._lazy("segments", make)

    def _texts_of(self, docnum: int) -> tuple[SegmentTexts, int]:
        """The text store of the segment holding ``docnum``, and the number there."""
        offsets, ids = self._segments
        i = bisect.bisect_right(offsets, docnum) - 1
        segment_id = ids[i]
        assert segment_id is not None
        store = self._lazy(f"texts:{segment_id}", lambda: SegmentTexts(self.directory, segment_id))
        return store, docnum - offsets[i]

    def chunks_decompressed(self) -> int:
        """Text chunks decompressed by this reader so far (what the tests count)."""
        return sum(v.decompressed for k, v in list(self._cache.items()) if k.startswith("texts:"))

    # -- lookup -----------------------------------------------------------------------
    def get(self, doc_id: str, fields: Sequence[str] | None = None,
            text_chars: int | None = None) -> dict[str, Any] | None:
        with self._lock:
            docnum = self.searcher.document_number(id=doc_id)
            return None if docnum is None else self._record(docnum, fields, text_chars)[1]

    def iter_stored(self, fields: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        for docnum in self.searcher.reader().all_doc_ids():
            with self._lock:
                record = self._record(docnum, fields, None)[1]
            yield record

    def doc_count(self) -> int:
        return int(self.searcher.doc_count())

    def doc_frequency(self, field: str, token: str) -> int:
        with self._lock:
            return int(self.searcher.doc_frequency(field, token))

    def facet_values(self, facet: str) -> list[str]:
        return [label for label in self.columns.labels.get(facet, []) if label]

    def term_stats(self, field: str, prefix: str = "") -> Iterator[tuple[str, int]]:
        reader = self.searcher.reader()
        if field not in reader.indexed_field_names():
            return iter(())
        with self._lock:  # read under the lock, in one go (capped: callers scan a prefix)
            terms = [(_text(t), info.doc_frequency())
                     for t, info in itertools.islice(reader.iter_prefix(field, prefix), MAX_TERM_STATS)]
        return iter(terms)

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()
