"""Per-segment postings as numpy arrays, beside each Whoosh segment (the "sidecar").

Whoosh's own matcher is the cost at tens of thousands of documents (``../shared/whoosh-speed.md``):
evaluating a query means walking pickled, compressed posting blocks in Python. The sidecar
keeps, for every segment and every text field, each term's document numbers (int32) and
term frequencies (float32) as flat arrays, and for the phrase fields each occurrence's
position (int32), memory-mapped at open, so a query is evaluated with numpy instead
(:mod:`search.engine.whoosh.evaluate`).

Files (flat, so that :meth:`search.engine.generations.IndexLocation.clone_current`
hard-links them), per segment ``S`` and field ``F``::

    _vn_S.json              which fields (the rows of lengths.npy), how many documents,
                            format version; written last: a sidecar without it is incomplete
    _vn_S.lengths.npy       float32 [fields, docs]: field lengths as Whoosh quantises them
    _vn_S__F.terms          the terms, one per line, sorted
    _vn_S__F.offsets.npy    int64 [terms + 1]: term i's postings are [offsets[i], offsets[i+1])
    _vn_S__F.docs.npy       int32 segment-local document numbers, ascending per term
    _vn_S__F.tf.npy         float32 term frequency (Whoosh's posting weight)
    _vn_S__F.pos.npy        int32 positions, phrase fields only: posting j's tf[j] positions
                            in a row, the postings in the order of docs.npy
    _vn_S__F.posstart.npy   int64 [terms + 1]: where term i's run of positions starts

Two ways to write them: :class:`SidecarBuilder` from the analysed tokens while a fresh
segment is written (cheap: the counts are at hand), and :func:`build_from_segment` through
Whoosh's public postings API for any segment without one (after a merge or an ``add``).
Whoosh never deletes these files (its cleaner only matches its own ``MAIN_*`` names); stale
ones are removed by :func:`sync_sidecars`.
"""

from __future__ import annotations

import json
from array import array
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import numpy as np

from search.engine.whoosh import texts as text_store

FORMAT = 2  # 2: each segment's texts kept beside it (search.engine.whoosh.texts)
PREFIX = "_vn_"
CHUNK_POSTINGS = 1_000_000  # tokens buffered per field before spilling (4 MB; ~40 MB counting them)
RANGE_POSTINGS = 1_000_000  # postings sorted in memory at once when a field's spool finishes


def _stem(directory: Path, segment_id: str, field: str | None = None) -> Path:
    # "__" separates: Whoosh segment ids themselves contain "_" (MAIN_abc…).
    return directory / (f"{PREFIX}{segment_id}" + (f"__{field}" if field else ""))


def _segment_of(filename: str) -> str:
    return filename[len(PREFIX):].split("__", 1)[0].split(".", 1)[0]


def has_sidecar(directory: Path, segment_id: str) -> bool:
    return Path(f"{_stem(directory, segment_id)}.json").is_file()


def _write_field(directory: Path, segment_id: str, field: str, terms: list[str],
                 offsets: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                 positions: np.ndarray | None = None) -> None:
    stem = _stem(directory, segment_id, field)
    Path(f"{stem}.terms").write_text("\n".join(terms), "utf-8")
    np.save(f"{stem}.offsets.npy", offsets.astype(np.int64))
    np.save(f"{stem}.docs.npy", docs.astype(np.int32))
    np.save(f"{stem}.tf.npy", tfs.astype(np.float32))
    if positions is not None:
        # Posting i's positions are the next tf[i] values; a term's run starts at
        # posstart[term] (the total tf of the terms before it).
        np.save(f"{stem}.pos.npy", positions.astype(np.int32))
        posstart = np.concatenate([[0], np.cumsum(tfs.astype(np.int64))])[offsets]
        np.save(f"{stem}.posstart.npy", posstart.astype(np.int64))


def _reorder_runs(values: np.ndarray, lengths: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Reorder variable-length runs (``lengths[i]`` values each) by ``order``."""
    starts = np.cumsum(lengths) - lengths
    lens = lengths[order]
    if not lens.sum():
        return values[:0]
    shift = np.repeat(starts[order] - (np.cumsum(lens) - lens), lens)
    return values[shift + np.arange(int(lens.sum()))]


def _write_meta(directory: Path, segment_id: str, doc_count: int, fields: Iterable[str]) -> None:
    # Written last: its presence means the sidecar is complete.
    meta = {"format": FORMAT, "segment": segment_id, "doc_count": doc_count,
            "fields": list(fields)}  # the order of the rows of lengths.npy
    tmp = Path(f"{_stem(directory, segment_id)}.json.tmp")
    tmp.write_text(json.dumps(meta), "utf-8")
    os.replace(tmp, f"{_stem(directory, segment_id)}.json")


class _Vocab(dict[str, int]):
    """Term → id, a new term getting the next id: ``map(vocab.__getitem__, tokens)`` numbers
    a whole token list in C (only a new term runs :meth:`__missing__`)."""

    def __missing__(self, term: str) -> int:
        tid = self[term] = len(self)
        return tid


class _FieldSpool:
    """(term id, doc, tf[, positions]) of one field, spilled to disk in chunks, and sorted
    into the sidecar's term order a range of terms at a time: memory stays bounded by
    the chunk and range sizes and the vocabulary, not by the corpus.

    Documents are added as token lists and kept as one term id per token (4 bytes) until
    a chunk is full; the chunk's postings (one per document and term, with its positions)
    are then counted with numpy at once, instead of a dict of positions per document in
    Python."""

    def __init__(self, spool_dir: Path, field: str, positions: bool) -> None:
        self.dir = spool_dir
        self.field = field
        self.with_positions = positions
        self.vocab: dict[str, int] = _Vocab()
        self.chunks: list[Path] = []
        self._reset()

    def _reset(self) -> None:
        # Each token's term id, documents in order; each document's number and first token.
        self._tok, self._docs, self._starts = array("i"), array("i"), array("q")

    def add(self, doc: int, tokens: list[str]) -> None:
        self._docs.append(doc)
        self._starts.append(len(self._tok))
        self._tok.extend(map(self.vocab.__getitem__, tokens))
        if len(self._tok) >= CHUNK_POSTINGS:
            self._spill()

    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The buffered tokens as postings: term ids, docs, tfs, positions (each posting's
        run, ascending), ordered by document, then term id."""
        tok = np.frombuffer(self._tok, np.int32)
        starts = np.frombuffer(self._starts, np.int64)
        n = len(tok)
        per_doc = np.diff(np.append(starts, n))
        local = np.repeat(np.arange(len(starts), dtype=np.int64), per_doc)
        # Stable: a (document, term)'s tokens keep their order, so positions ascend.
        key = local * max(1, len(self.vocab)) + tok
        order = np.argsort(key, kind="stable")
        key = key[order]
        first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if n else \
            np.zeros(0, np.int64)
        tfs = np.diff(np.append(first, n))
        docs = np.frombuffer(self._docs, np.int32)[local[order[first]]]
        pos = (order - starts[local[order]]).astype(np.int32) if self.with_positions else \
            np.zeros(0, np.int32)
        return tok[order[first]].astype(np.int64), docs, tfs.astype(np.float32), pos

    def _spill(self) -> None:
        if not self._docs:
            return
        stem = self.dir / f"{self.field}.{len(self.chunks)}"
        for key, values in zip("tdfp", self._postings()):
            np.save(f"{stem}.{key}.npy", values)
        self.chunks.append(stem)
        self._reset()

    def _chunk(self, stem: Path) -> dict[str, np.ndarray]:
        return {k: np.load(f"{stem}.{k}.npy", mmap_mode="r") for k in "tdfp"}

    def finish(self, directory: Path, segment_id: str) -> None:
        self._spill()
        # Postings ordered by term (alphabetically, as in the .terms file), then by document.
        terms = sorted(self.vocab)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[[self.vocab[t] for t in terms]] = np.arange(len(terms))
        counts = np.zeros(len(terms), dtype=np.int64)
        poscounts = np.zeros(len(terms), dtype=np.int64)
        chunks = [self._chunk(stem) for stem in self.chunks]  # mapped once: each range reads all
        for c in chunks:
            r = rank[c["t"]]
            counts += np.bincount(r, minlength=len(terms))
            poscounts += np.bincount(r, weights=c["f"], minlength=len(terms)).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        posstart = np.concatenate([[0], np.cumsum(poscounts)])
        stem = _stem(directory, segment_id, self.field)
        Path(f"{stem}.terms").write_text("\n".join(terms), "utf-8")
        np.save(f"{stem}.offsets.npy", offsets)
        out_docs = _open_out(f"{stem}.docs.npy", np.int32, int(offsets[-1]))
        out_tf = _open_out(f"{stem}.tf.npy", np.float32, int(offsets[-1]))
        out_pos = (_open_out(f"{stem}.pos.npy", np.int32, int(posstart[-1]))
                   if self.with_positions else None)
        for lo, hi in _rank_ranges(offsets, RANGE_POSTINGS):
            self._write_range(lo, hi, chunks, rank, offsets, posstart, out_docs, out_tf, out_pos)
        for out in (out_docs, out_tf, out_pos):
            if isinstance(out, np.memmap):
                out.flush()
        del out_docs, out_tf, out_pos
        if self.with_positions:
            np.save(f"{stem}.posstart.npy", posstart)  # [terms + 1], as _write_field writes it
        for chunk in self.chunks:
            for key in "tdfp":
                Path(f"{chunk}.{key}.npy").unlink(missing_ok=True)

    def _write_range(self, lo: int, hi: int, chunks: list[dict[str, np.ndarray]],
                     rank: np.ndarray, offsets: np.ndarray,
                     posstart: np.ndarray, out_docs: np.ndarray, out_tf: np.ndarray,
                     out_pos: np.ndarray | None) -> None:
        """Sort the postings of term ranks [lo, hi) from every chunk into place."""
        ranks, docs, tfs, pos = [], [], [], []
        for c in chunks:
            r = rank[c["t"]]
            keep = (r >= lo) & (r < hi)
            if not keep.any():
                continue
            f = np.asarray(c["f"])
            if keep.all():  # the whole chunk is in this range (small segments)
                ranks.append(r)
                docs.append(np.asarray(c["d"]))
                tfs.append(f)
                if out_pos is not None:
                    pos.append(np.asarray(c["p"]))
                continue
            ranks.append(r[keep])
            docs.append(np.asarray(c["d"])[keep])
            tfs.append(f[keep])
            if out_pos is not None:
                pos.append(_reorder_runs(np.asarray(c["p"]), f.astype(np.int64), np.flatnonzero(keep)))
        if not ranks:
            return
        r = np.concatenate(ranks)
        # Chunks hold documents in ascending order, so a stable sort by term keeps each
        # term's postings in document order.
        order = np.argsort(r, kind="stable")
        a, b = int(offsets[lo]), int(offsets[hi])
        out_docs[a:b] = np.concatenate(docs)[order]
        t = np.concatenate(tfs)
        out_tf[a:b] = t[order]
        if out_pos is not None:
            out_pos[int(posstart[lo]):int(posstart[hi])] = _reorder_runs(
                np.concatenate(pos), t.astype(np.int64), order)


def _open_out(path: str, dtype: Any, n: int) -> np.ndarray:
    """A new .npy file of ``n`` values, written in place (an empty one cannot be mapped)."""
    if n == 0:
        np.save(path, np.zeros(0, dtype))
        return np.zeros(0, dtype)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(n,))
    _reserve(path)
    return out


def _reserve(path: str) -> None:
    """Allocate the whole file now. open_memmap makes a sparse file, and writing a page of
    it on a full disk kills the process with SIGBUS (no message, no cleanup); reserved,
    a full disk is an OSError (ENOSPC) here, which the build reports and cleans up."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def _rank_ranges(offsets: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Consecutive term-rank ranges of about ``size`` postings each (at least one term)."""
    n = len(offsets) - 1
    out = []
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(offsets, offsets[lo] + size, side="right")) - 1
        hi = min(n, max(hi, lo + 1))
        out.append((lo, hi))
        lo = hi
    return out


class SidecarBuilder:
    """Collects postings from analysed tokens while a fresh segment is written.

    Documents must be added in the order the Whoosh writer numbers them (0, 1, 2, …), which
    holds for a writer that starts a fresh segment: the single writer of a new index, or
    each sub-writer of :mod:`search.engine.whoosh.writers` (one segment each).
    """

    def __init__(self, fields: Iterable[str], work_dir: Path,
                 positional: Iterable[str] = ()) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix=".spool-", dir=work_dir)
        spool = Path(self._tmp.name)
        self.fields = list(fields)
        with_pos = set(positional)
        self.spools = {f: _FieldSpool(spool, f, f in with_pos) for f in self.fields}
        self.lengths = {f: array("I") for f in self.fields}
        self.texts = text_store.TextStoreWriter(work_dir)
        self.count = 0

    def add(self, tokens: dict[str, list[str]], texts: dict[str, str] | None = None) -> None:
        """A document's tokens and its texts kept apart (``None``: it has none)."""
        doc = self.count
        for field in self.fields:
            toks = tokens.get(field) or []
            self.lengths[field].append(len(toks))
            if toks:
                self.spools[field].add(doc, toks)
        self.texts.add(texts or {})
        self.count += 1

    def finish(self, directory: Path, segment_id: str) -> None:
        try:
            for spool in self.spools.values():
                spool.finish(directory, segment_id)
            raw = np.array([np.frombuffer(self.lengths[f], np.uint32) for f in self.fields],
                           dtype=np.int64).reshape(len(self.fields), self.count)
            np.save(f"{_stem(directory, segment_id)}.lengths.npy", quantize_lengths(raw))
            self.texts.finish(directory, segment_id)
            _write_meta(directory, segment_id, self.count, self.fields)
        finally:
            self.texts.discard()
            self._tmp.cleanup()

    def raw_lengths(self, field: str) -> np.ndarray:
        """Each document's number of tokens in ``field`` (before Whoosh's quantising)."""
        return np.frombuffer(self.lengths[field], np.uint32)

    def discard(self, keep_texts_in: Path | None = None) -> None:
        """Drop what was collected; with ``keep_texts_in``, keep the texts there as a
        pending store (the segment's sidecar is then built from Whoosh's postings, and its
        texts from that store)."""
        try:
            if keep_texts_in is not None:
                self.texts.finish_pending(keep_texts_in)
        finally:
            self.texts.discard()
            self._tmp.cleanup()


class FieldArrays(NamedTuple):
    """One field of a written sidecar: its sorted terms and postings (memory-mapped)."""

    terms: list[str]
    offsets: np.ndarray  # int64 [terms + 1]
    docs: np.ndarray  # int32
    tfs: np.ndarray  # float32
    positions: np.ndarray | None  # int32, phrase fields only
    posstart: np.ndarray | None  # int64 [terms + 1]


def read_field(directory: Path, segment_id: str, field: str) -> FieldArrays:
    """A field of a sidecar as :class:`SidecarBuilder` or :func:`build_from_segment` wrote it."""
    stem = _stem(directory, segment_id, field)
    text = Path(f"{stem}.terms").read_text("utf-8")
    has_pos = Path(f"{stem}.pos.npy").is_file()
    return FieldArrays(text.split("\n") if text else [], _mapped(f"{stem}.offsets.npy"),
                       _mapped(f"{stem}.docs.npy"), _mapped(f"{stem}.tf.npy"),
                       _mapped(f"{stem}.pos.npy") if has_pos else None,
                       _mapped(f"{stem}.posstart.npy") if has_pos else None)


def _matcher_postings(matcher: Any, positions: bool) -> tuple[list[int], list[float], list[int]]:
    ids: list[int] = []
    weights: list[float] = []
    pos: list[int] = []
    while matcher.is_active():
        ids.append(matcher.id())
        if positions:
            p = matcher.value_as("positions")
            weights.append(float(len(p)))
            pos.extend(p)
        else:
            weights.append(matcher.weight())
        matcher.next()
    return ids, weights, pos


def build_from_segment(directory: Path, segreader: Any, fields: Iterable[str],
                       positional: Iterable[str] = (), sources: Any = None) -> None:
    """Write the sidecar of one segment through Whoosh's public reader API, and its texts
    from the stores on disk (``sources``, :func:`search.engine.whoosh.texts.sources`).

    Deleted documents keep their postings (Whoosh does too until a merge); the evaluator
    masks them out.
    """
    segment_id = segreader.segment().segment_id()
    n = segreader.doc_count_all()
    text_store.build_segment_texts(
        directory, segment_id,
        ((text_store.record_key(segreader.stored_fields(d).get(text_store.KEY_FIELD))[0],
          not segreader.is_deleted(d)) for d in range(n)),
        sources)
    with_pos = set(positional)
    done = []
    for field in fields:
        terms: list[str] = []
        offsets = [0]
        docs: list[int] = []
        tfs: list[float] = []
        pos: list[int] = []
        has_pos = field in with_pos
        if field in segreader.indexed_field_names():
            for term in segreader.lexicon(field):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                ids, weights, positions = _matcher_postings(segreader.postings(field, term), has_pos)
                terms.append(text)
                docs.extend(ids)
                tfs.extend(weights)
                pos.extend(positions)
                offsets.append(len(docs))
        _write_field(directory, segment_id, field, terms, np.array(offsets),
                     np.array(docs, dtype=np.int32), np.array(tfs, dtype=np.float32),
                     np.array(pos, dtype=np.int32) if has_pos else None)
        done.append(field)
    lengths = np.array([[segreader.doc_field_length(d, f) or 0 for d in range(n)] for f in done],
                       dtype=np.float32).reshape(len(done), n)
    np.save(f"{_stem(directory, segment_id)}.lengths.npy", lengths)
    _write_meta(directory, segment_id, n, done)


def segment_id_of(segreader: Any) -> str | None:
    segment = segreader.segment() if hasattr(segreader, "segment") else None
    return None if segment is None else segment.segment_id()


def sync_sidecars(directory: Path, reader: Any, fields: Iterable[str],
                  positional: Iterable[str] = ()) -> list[str]:
    """Give every segment of ``reader`` a sidecar and delete the sidecars of gone segments.

    Returns the ids of the segments whose sidecar was built here.
    """
    fields = list(fields)
    live: set[str] = set()
    built: list[str] = []
    # Texts of new segments come from the stores still on disk: the merged segments' and
    # the pending store of the documents just added (deleted below, with the gone ones).
    sources = text_store.sources(directory)
    for segreader, _offset in reader.leaf_readers():
        segment_id = segment_id_of(segreader)
        if segment_id is None:  # an empty index has a reader without a segment
            continue
        live.add(segment_id)
        if not has_sidecar(directory, segment_id):
            build_from_segment(directory, segreader, fields, positional, sources)
            built.append(segment_id)
    for path in directory.glob(f"{PREFIX}*"):
        if _segment_of(path.name) not in live:
            path.unlink(missing_ok=True)
    return built


def quantize_lengths(raw: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh stores them: one byte each, so scores match Whoosh's."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    uniq, inverse = np.unique(raw, return_inverse=True)
    values = np.array([byte_to_length(length_to_byte(int(n))) for n in uniq], dtype=np.float32)
    return values[inverse].reshape(raw.shape)


def _mapped(path: str) -> np.ndarray:
    """A memory-mapped array as a plain ndarray over the same pages: a slice of an
    ``np.memmap`` runs Python code (``__array_finalize__``), and a query takes thousands."""
    return np.asarray(np.load(path, mmap_mode="r"))


class SegmentPostings:
    """The memory-mapped sidecar of one segment."""

    def __init__(self, directory: Path, segment_id: str) -> None:
        meta = json.loads(Path(f"{_stem(directory, segment_id)}.json").read_text("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"sidecar format {meta.get('format')} != {FORMAT}")
        self.doc_count = int(meta["doc_count"])
        lengths = np.load(f"{_stem(directory, segment_id)}.lengths.npy")
        self.lengths = {f: lengths[i] for i, f in enumerate(meta["fields"])}
        self.fields: dict[str, tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]] = {}
        self.positions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for field in meta["fields"]:
            stem = _stem(directory, segment_id, field)
            text = Path(f"{stem}.terms").read_text("utf-8")
            terms = text.split("\n") if text else []
            self.fields[field] = (
                {t: i for i, t in enumerate(terms)},
                np.load(f"{stem}.offsets.npy"),
                _mapped(f"{stem}.docs.npy"),
                _mapped(f"{stem}.tf.npy"),
            )
            if Path(f"{stem}.pos.npy").is_file():
                self.positions[field] = (np.load(f"{stem}.posstart.npy"), _mapped(f"{stem}.pos.npy"))

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docs, tfs) of ``term`` in ``field``; None if the field is not in the sidecar."""
        entry = self.fields.get(field)
        if entry is None:
            return None
        index, offsets, docs, tfs = entry
        i = index.get(term)
        if i is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        start, stop = offsets[i], offsets[i + 1]
        return docs[start:stop], tfs[start:stop]

    def occurrence_keys(self, field: str, term: str, wanted: np.ndarray) -> np.ndarray | None:
        """``doc << 32 | position`` of every occurrence of ``term`` in the documents where
        ``wanted[doc]`` is True, ascending; None if the sidecar has no positions for ``field``."""
        if field not in self.positions or field not in self.fields:
            return None
        index, offsets, docs, tfs = self.fields[field]
        i = index.get(term)
        if i is None:
            return np.zeros(0, np.int64)
        posstart, pos = self.positions[field]
        start, stop = offsets[i], offsets[i + 1]
        tdocs = np.asarray(docs[start:stop])
        lens = np.asarray(tfs[start:stop]).astype(np.int64)
        first = int(posstart[i])
        keep = wanted[tdocs]
        lens_k = lens[keep]
        total = int(lens_k.sum())
        if not total:
            return np.zeros(0, np.int64)
        doc_keys = np.repeat(tdocs[keep].astype(np.int64) << 32, lens_k)
        run_len = int(lens.sum())
        if total * 4 >= run_len:
            # Most of the term's run is wanted: read it whole (one sequential slice of the
            # memory map) and drop the rest, cheaper than computing an index per position.
            run = np.asarray(pos[first : first + run_len])
            return doc_keys | (run if total == run_len else run[np.repeat(keep, lens)])
        run_start = np.cumsum(lens) - lens  # within this term's run of positions
        starts_k = run_start[keep]
        idx = np.repeat(starts_k - (np.cumsum(lens_k) - lens_k), lens_k) + np.arange(total)
        return doc_keys | pos[first + idx]
