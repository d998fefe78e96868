"""Writing one Whoosh index with several writer processes, each with its own sidecar.

One Whoosh writer is a single core's work: adding a document costs about as much as
analysing it, and at commit the writer sorts and writes every posting alone while the
analysis workers have nothing left to do (about 40 % of the build at 50,000 documents).
Whoosh's :class:`~whoosh.multiproc.MpWriter` with ``multisegment=True`` runs several
sub-writers, each writing its own segment and committing it in parallel. Each sub-writer
here is a :class:`DirectSegmentWriter`: it counts the tokens of every token field once, into a
:class:`~search.engine.whoosh.postings.SidecarBuilder`, and at commit writes its segment's
sidecar first and Whoosh's postings of those fields from it, so no segment needs its sidecar
rebuilt from Whoosh's postings afterwards, and no token posting goes through Whoosh's
per-posting pool.

Sub-writers are forked: they inherit nothing that holds the index lock (see
:mod:`search.engine.generations`), and they exit when the parent dies, whatever kills it.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import operator
import os
import pickle
import queue
import sys
import types
from array import array
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from whoosh.analysis import RegexTokenizer
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from search.errors import VnSearchError
from search.engine.whoosh.postings import FieldArrays, SidecarBuilder, _rank_ranges, read_field
from search.engine.whoosh.texts import PASS_KEY
from search.processes import WRITER_NAME, die_with_parent, name_process

PARENT_POLL_S = 1.0  # how often a waiting sub-writer checks that its parent is alive


class PretokenizedText(TEXT):  # type: ignore[misc]
    """A TEXT field over tokens :mod:`search.text.analyze` already made, joined by spaces.

    Whoosh indexes a field by running its analyzer, one Token object per token, about a
    quarter of a writer's CPU. The tokens are final here, so :meth:`index` counts them
    directly, splitting with the field's own tokenizer expression, and yields what
    ``TEXT.index`` yields: the same terms, frequencies, weights and encoded positions, byte
    for byte (tested). Any other analyzer or format goes through Whoosh's own path.
    """

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        fmt, tokenizer = self.format, self.analyzer
        if (not isinstance(value, str) or type(fmt) not in (Positions, Frequency)
                or type(tokenizer) is not RegexTokenizer or tokenizer.gaps
                or tokenizer.expression.groups):
            yield from super().index(value, **kwargs)
            return
        fb = fmt.field_boost
        words = tokenizer.expression.findall(value)
        if type(fmt) is Frequency:
            for w, freq in Counter(words).items():
                yield w.encode("utf-8"), freq, float(freq) * fb, pack_uint(freq)
            return
        poses: dict[str, list[int]] = {}
        for pos, w in enumerate(words):
            poses.setdefault(w, []).append(pos)
        encode = fmt.encode
        for w, poslist in poses.items():
            yield w.encode("utf-8"), len(poslist), float(len(poslist)) * fb, encode(poslist)


class _LengthsOnce:
    """A new segment's per-document reader that reads each field's lengths once.

    Whoosh's ``add_postings`` asks for the document's field length once per posting, each
    a seek and read in the lengths column (1.4 million for 2,000 documents, a sixth of a
    writer's CPU); the answers are the reader's own, kept in an array per field.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        # 4 bytes a document and field (a list of ints would be ~36: it grew with the corpus)
        self._columns: dict[str, array[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        col = self._columns.get(fieldname)
        if col is None:
            col = self._columns[fieldname] = array("I", (
                self._reader.doc_field_length(d, fieldname, 0) or 0  # None: no such field
                for d in range(self._reader.doc_count_all())))
        return col[docnum] or default  # as Whoosh: a zero length byte gives the default

    def close(self) -> None:
        self._reader.close()


def _flush_segment(writer: SegmentWriter) -> None:
    """``SegmentWriter._flush_segment`` (Whoosh 2.7.5) with :class:`_LengthsOnce`."""
    writer.perdocwriter.close()
    pdr = _LengthsOnce(writer.per_document_reader()) if writer.codec.length_stats else None
    writer.fieldwriter.add_postings(writer.schema, pdr, writer.pool.iter_postings())
    writer.fieldwriter.close()
    if pdr:
        pdr.close()


class _BulkPool(PostingPool):  # type: ignore[misc]
    """Whoosh's posting pool, spilling its sorted runs a chunk of postings per pickle call.

    Whoosh pickles (and at commit unpickles) every posting with its own call: about a sixth
    of a build's CPU at 50,000 documents. The runs are temporary files of this pool alone,
    so their layout is free; the postings, their order and the segment are unchanged.

    At commit Whoosh merges every run at once (up to 128; more are first merged 128 at a
    time), holding one unpickled chunk of each in memory: the chunk size times 128 bounds
    that memory whatever the corpus size (2,000 postings are ~0.4 MB). At 20,000 it grew
    with the number of runs (bench/README.md, "Build memory").
    """

    CHUNK = 2_000

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        it = iter(items)
        while chunk := list(itertools.islice(it, self.CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Any:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def tune_writer(writer: SegmentWriter, limitmb: int) -> SegmentWriter:
    """Give a fresh Whoosh writer the bulk-spilling pool (before any document is added) and
    a flush that reads each field's lengths once."""
    assert not writer.pool.current and not writer.pool.runs
    writer.pool = _BulkPool(writer.temp_storage(), writer.newsegment, limitmb=limitmb)
    writer._flush_segment = types.MethodType(_flush_segment, writer)
    return writer


# -- one count of every token field, for Whoosh's postings and the sidecar alike -------------

WRITE_RANGE_POSTINGS = 200_000  # postings (positions) of a field encoded at once for Whoosh
_PICKLE_LIST = b"\x80\x02]q\x00"  # pickle.dumps(list, 2): protocol 2, empty list, memo 0
_PICKLE_BATCH = 1_000  # pickle appends a list's items in batches of this many


def counted_kind(field: Any) -> str | None:
    """``"positions"`` or ``"frequency"`` when a field's postings are a plain count of its
    tokens (Whoosh's own regex tokenizer, weight 1 a token, length = tokens), so they can be
    counted once for both Whoosh and the sidecar; ``None`` when Whoosh must index it."""
    fmt, tokenizer = field.format, field.analyzer
    if (type(fmt) not in (Positions, Frequency) or fmt.field_boost != 1.0
            or type(tokenizer) is not RegexTokenizer or tokenizer.gaps
            or tokenizer.expression.groups or not field.scorable or field.vector
            or field.separate_spelling()):
        return None
    return "positions" if type(fmt) is Positions else "frequency"


def encode_positions(tfs: np.ndarray, positions: np.ndarray) -> list[bytes]:
    """``Positions.encode`` of every posting at once: posting ``j``'s ``tfs[j]`` positions
    are the next run of ``positions``. Whoosh packs the count (4 bytes, big-endian) and
    pickles the list of deltas with protocol 2; the same bytes are laid out here with numpy
    (each int as pickle writes it: ``K`` + 1 byte below 256, ``M`` + 2 below 65,536, else
    ``J`` + 4) and cut into one bytes object a posting. Lists longer than pickle's batch
    of 1,000 go through Whoosh's own encoder."""
    n = len(tfs)
    if n == 0:
        return []
    tf = tfs.astype(np.int64)
    pos = positions.astype(np.int64)
    starts = np.cumsum(tf) - tf  # each posting's first position
    deltas = pos.copy()
    deltas[1:] -= pos[:-1]
    deltas[starts] = pos[starts]
    size = np.where(deltas < 256, 2, np.where(deltas < 65_536, 3, 5))
    multi = tf > 1  # "(" items "e" (MARK … APPENDS); one item: item "a" (APPEND)
    length = 4 + len(_PICKLE_LIST) + np.add.reduceat(size, starts) + multi + 2
    pstart = np.cumsum(length) - length
    pend = pstart + length
    buf = np.zeros(int(pend[-1]), np.uint8)
    buf[pstart[:, None] + np.arange(4)] = tf.astype(">u4").view(np.uint8).reshape(-1, 4)
    head = np.frombuffer(_PICKLE_LIST, np.uint8)
    buf[pstart[:, None] + 4 + np.arange(len(head))] = head
    buf[pstart[multi] + 4 + len(head)] = ord("(")
    owner = np.repeat(np.arange(n), tf)
    before = np.cumsum(size) - size
    at = pstart[owner] + 4 + len(head) + multi[owner] + (before - before[starts][owner])
    buf[at] = np.where(size == 2, ord("K"), np.where(size == 3, ord("M"), ord("J")))
    le = deltas.astype("<u4").view(np.uint8).reshape(-1, 4)
    buf[at + 1] = le[:, 0]
    wide = size >= 3
    buf[at[wide] + 2] = le[wide, 1]
    wide = size == 5
    buf[at[wide] + 3] = le[wide, 2]
    buf[at[wide] + 4] = le[wide, 3]
    buf[pend - 2] = np.where(multi, ord("e"), ord("a"))
    buf[pend - 1] = ord(".")
    raw = buf.tobytes()
    out = [raw[a:b] for a, b in zip(pstart.tolist(), pend.tolist())]
    fmt = Positions()
    for j in np.flatnonzero(tf > _PICKLE_BATCH).tolist():
        a = int(starts[j])
        out[j] = fmt.encode(pos[a:a + int(tf[j])].tolist())
    return out


def _block_starts(counts: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each block of at most ``limit`` postings starts (terms of ``counts`` postings
    each, laid end to end), and how many blocks each term has."""
    nblocks = (counts + limit - 1) // limit
    term = np.repeat(np.arange(len(counts)), nblocks)
    first_block = np.cumsum(nblocks) - nblocks
    term_start = np.cumsum(counts) - counts
    return term_start[term] + (np.arange(int(nblocks.sum())) - first_block[term]) * limit, nblocks


def write_counted_field(fieldwriter: Any, fieldname: str, fieldobj: Any, arrays: FieldArrays,
                        lengths: np.ndarray) -> None:
    """Whoosh's postings of one field from its sidecar arrays: what ``add_postings`` writes
    from the sorted pool, byte for byte (tested), ``lengths`` being each document's field
    length as Whoosh's length column gives it back.

    Whoosh's own writer takes one posting at a time; here a block of up to ``blocklimit``
    postings is handed to its postings writer at once (its ids, weights, values and
    statistics, as ``add_posting`` would have left them), and Whoosh encodes and writes it.
    A field writer other than Whoosh 2.7's own gets the postings one by one."""
    terms, offsets, docs, tfs, positions, posstart = arrays
    if not terms:
        return
    fieldwriter.start_field(fieldname, fieldobj)
    by_block = type(fieldwriter) is W3FieldWriter
    # Ranges of about WRITE_RANGE_POSTINGS postings (positions, in a phrase field): what is
    # encoded at once, so memory stays bounded (but for one term with more on its own).
    for lo, hi in _rank_ranges(offsets if posstart is None else posstart, WRITE_RANGE_POSTINGS):
        a, b = int(offsets[lo]), int(offsets[hi])
        d = np.asarray(docs[a:b], dtype=np.uint32)
        t = np.asarray(tfs[a:b], dtype=np.float32)
        lens = lengths[d]
        packed = b""
        if positions is not None and posstart is not None:
            values = encode_positions(t.astype(np.int64),
                                      positions[int(posstart[lo]):int(posstart[hi])])
        else:  # Frequency: pack_uint(tf) each; a block's values are joined (fixed size 4)
            packed = t.astype(">u4").tobytes()
            values = []
        rel = (np.asarray(offsets[lo:hi + 1], dtype=np.int64) - a).tolist()
        if not by_block or not (lens > 0).all():
            if positions is None:
                values = [packed[4 * j:4 * j + 4] for j in range(b - a)]
            _add_one_by_one(fieldwriter, terms, lo, hi, rel, d.tolist(), t.tolist(), values,
                            lens.tolist())
            continue
        limit = fieldwriter._codec._blocklimit
        where, nblocks = _block_starts(np.diff(np.asarray(rel, dtype=np.int64)), limit)
        stats = (np.maximum.reduceat(t, where).tolist(), np.minimum.reduceat(lens, where).tolist(),
                 np.maximum.reduceat(lens, where).tolist())
        starts = where.tolist()
        dbytes, tbytes = d.tobytes(), t.tobytes()
        block = 0
        for i in range(lo, hi):
            fieldwriter.start_term(terms[i].encode("utf-8"))
            pw = fieldwriter._postwriter
            end = rel[i - lo + 1]
            count = int(nblocks[i - lo])
            for k in range(count):
                s = starts[block + k]
                e = min(s + limit, end)
                ids, weights = array("I"), array("f")
                ids.frombytes(dbytes[4 * s:4 * e])
                weights.frombytes(tbytes[4 * s:4 * e])
                pw._ids, pw._weights = ids, weights
                pw._values = values[s:e] if positions is not None else [packed[4 * s:4 * e]]
                pw._maxweight, pw._minlength, pw._maxlength = (
                    stats[0][block + k], stats[1][block + k], stats[2][block + k])
                if e < end:  # the last block is written by finish_term, marked last
                    pw._write_block()
            block += count
            fieldwriter.finish_term()
    fieldwriter.finish_field()


def _add_one_by_one(fieldwriter: Any, terms: list[str], lo: int, hi: int, rel: list[int],
                    docs: list[int], tfs: list[float], values: list[bytes],
                    lengths: list[int]) -> None:
    for i in range(lo, hi):
        fieldwriter.start_term(terms[i].encode("utf-8"))
        for j in range(rel[i - lo], rel[i - lo + 1]):
            fieldwriter.add(docs[j], tfs[j], values[j], lengths[j])
        fieldwriter.finish_term()


def _quantized(raw: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh's length column gives them back (``doc_field_length``)."""
    uniq, inverse = np.unique(raw, return_inverse=True)
    return np.array([byte_to_length(length_to_byte(int(n))) for n in uniq],
                    dtype=np.int64)[inverse].reshape(raw.shape)


class DirectSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A writer of one fresh segment and its sidecar that counts each token field once.

    Whoosh's writer indexes a token field by making a posting per document and term,
    pickling each into sorted runs on disk and merging them at commit, one Python call per
    posting at every step; the sidecar builder counted the same tokens again. Here the
    fields whose postings are a plain count of their tokens (:func:`counted_kind`: all of
    our token fields) are split once and handed to the :class:`SidecarBuilder` only; at
    commit the sidecar is written first and Whoosh's postings of those fields are written
    from its sorted arrays (:func:`write_counted_field`), a block at a time. Every other
    field (id, path, facets) goes through Whoosh's own path and pool. The segment is the
    one Whoosh's standard writer writes, file for file (tests/test_whoosh_writers.py).

    Documents only (no ``_boost``/``_stored_`` keywords, no term vectors or separate
    spelling in the schema): what :mod:`search.engine.whoosh.engine` writes.
    """

    def __init__(self, ix: Any, builder: SidecarBuilder, directory: Path, **kwargs: Any) -> None:
        if any(f.vector or f.separate_spelling() for _, f in ix.schema.items()):
            raise ValueError("DirectSegmentWriter writes no term vectors or spelling fields")
        super().__init__(ix, **kwargs)
        self.pool = _BulkPool(self.temp_storage(), self.newsegment,
                              limitmb=kwargs.get("limitmb", 128))
        self.builder = builder
        self.sidecar_dir = Path(directory)
        self.counted: dict[str, Any] = {}  # field → its tokenizer's findall
        for name, spool in builder.spools.items():
            kind = counted_kind(self.schema[name]) if name in self.schema else None
            if kind is not None and (kind == "positions") == spool.with_positions:
                self.counted[name] = self.schema[name].analyzer.expression.findall

    def add_document(self, **fields: Any) -> None:
        # SegmentWriter.add_document (Whoosh 2.7.5), the counted fields going to the builder.
        self._check_state()
        texts = fields.pop(PASS_KEY, None)  # the texts kept apart: the sidecar's, not Whoosh's
        if any(name.startswith("_") for name in fields):
            raise ValueError("DirectSegmentWriter takes no _boost or _stored_ keywords")
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        tokens: dict[str, list[str]] = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                findall = self.counted.get(fieldname)
                if findall is not None:
                    if not isinstance(value, str):
                        raise TypeError(f"field {fieldname}: a string of tokens, not {value!r}")
                    words = tokens[fieldname] = findall(value)
                    length = len(words)
                else:
                    length = self._index_field(fieldname, field, value, docnum)
                    if fieldname in self.builder.spools and isinstance(value, str):
                        tokens[fieldname] = value.split(" ")
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self.builder.add(tokens, texts)
        self._added = True
        self.docnum += 1

    def _index_field(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """Whoosh's own indexing of one field into the pool; its length."""
        length = 0
        if field.indexed:
            add_post = self.pool.add
            scorable = field.scorable
            for tbytes, freq, weight, vbytes in field.index(value):
                weight *= 1.0  # as Whoosh: weight times the field's (absent) boost
                if scorable:
                    length += freq
                add_post((fieldname, tbytes, docnum, weight, vbytes))
        return int(length)

    def _flush_segment(self) -> None:
        # The sidecar first: Whoosh's postings of the counted fields are read from it.
        self.perdocwriter.close()
        self.builder.finish(self.sidecar_dir, self.newsegment.segment_id())
        pdr = _LengthsOnce(self.per_document_reader()) if self.codec.length_stats else None
        try:
            self._write_postings(pdr)
        finally:
            if pdr:
                pdr.close()
        self.fieldwriter.close()

    def _write_postings(self, pdr: "_LengthsOnce | None") -> None:
        """Every field's postings, in field order: the pool's through ``add_postings``, the
        counted ones from the sidecar."""
        pending = sorted(self.counted)
        segment_id = self.newsegment.segment_id()

        def counted_before(name: str | None) -> None:
            while pending and (name is None or pending[0] < name):
                field = pending.pop(0)
                arrays = read_field(self.sidecar_dir, segment_id, field)
                if arrays.terms:
                    self.pool.fieldnames.add(field)
                raw = self.builder.raw_lengths(field)
                lengths = _quantized(raw) if pdr is not None else np.zeros(len(raw), np.int64)
                write_counted_field(self.fieldwriter, field, self.schema[field], arrays, lengths)

        for fieldname, postings in itertools.groupby(self.pool.iter_postings(),
                                                     key=operator.itemgetter(0)):
            counted_before(fieldname)
            self.fieldwriter.add_postings(self.schema, pdr, postings)
        counted_before(None)

    def _close_segment(self) -> None:
        super()._close_segment()
        self.builder.discard()  # written by then, or not wanted (cancelled, nothing added)


class _SidecarSubWriter(SubWriterTask):  # type: ignore[misc]
    """Whoosh's sub-writer process, plus the sidecar of the segment it writes."""

    def __init__(self, *args: Any, directory: Path, fields: tuple[str, ...],
                 positional: tuple[str, ...]) -> None:
        super().__init__(*args)
        self.directory = directory
        self.fields = fields
        self.positional = positional
        self.parent = os.getpid()
        self.builder: SidecarBuilder | None = None

    def run(self) -> None:
        """Write, or exit with a status that says why: an error of the machine (a full disk)
        exits with its errno, which the parent reports as that error, in one line; anything
        else exits with 1 after one line on stderr (never a traceback per process)."""
        try:
            self._run()
        except OSError as err:
            raise SystemExit(err.errno if err.errno in OS_EXIT_CODES else 1) from None
        except Exception as err:  # a bug: say what, once
            sys.stderr.write(f"{WRITER_NAME}: {type(err).__name__}: {err}\n")
            raise SystemExit(1) from None

    def _run(self) -> None:
        # SubWriterTask.run with multisegment=True, plus the sidecar and the parent watch.
        die_with_parent(self.parent)
        name_process(WRITER_NAME)
        ix = self.storage.open_index(self.indexname)
        builder = self.builder = SidecarBuilder(self.fields, self.directory, self.positional)
        try:
            writer = self.writer = DirectSegmentWriter(ix, builder, self.directory, _lk=False,
                                                       **self.kwargs)
        except BaseException:
            builder.discard()
            raise
        try:
            while True:
                try:
                    jobinfo = self.jobqueue.get(timeout=PARENT_POLL_S)
                except queue.Empty:
                    if os.getppid() != self.parent:
                        raise SystemExit(1)
                    continue
                if jobinfo is None:
                    break
                self._process_file(*jobinfo)
            fieldnames = writer.pool.fieldnames
            # No result unless the sidecar is written too: it is, before Whoosh's postings.
            segment = writer._finalize_segment()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()  # discards the sidecar's spool too
            raise
        self.resultqueue.put((None, fieldnames, segment), timeout=30)

    def _process_file(self, filename: str, doc_count: int) -> None:
        writer = self.writer
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                code, args = pickle.load(f)
                assert code == 0
                # feeds the sidecar builder, and the texts kept apart (PASS_KEY)
                writer.add_document(**args)
        tempstorage.delete_file(filename)


# Errors of the machine a writer process passes on as its exit status (errno values are
# small positive numbers, distinct from 1, a bug): the parent raises the same OSError.
OS_EXIT_CODES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})


def writer_failure(tasks: Iterable[Any], exitcode: int | None = None) -> Exception:
    """Why the writer processes failed: the OSError one of them exited with, or a
    VnSearchError naming the exit status."""
    codes = [t.exitcode for t in tasks if t.exitcode] or [exitcode]
    for code in codes:
        if code in OS_EXIT_CODES:
            return OSError(code, os.strerror(code))
    return VnSearchError(f"a writer process failed (exit code {codes[0]}); nothing was "
                         "published")


class _WatchedQueue:
    """The parent's side of the job queue: a put that gives up when a writer has died.

    The queue is bounded (Whoosh's backpressure); with its readers dead, a plain put would
    wait forever.
    """

    def __init__(self, jobs: Any, tasks: list[Any]) -> None:
        self.jobs = jobs
        self.tasks = tasks

    def put(self, item: Any) -> None:
        while True:
            try:
                self.jobs.put(item, timeout=PARENT_POLL_S)
                return
            except queue.Full:
                for task in self.tasks:
                    if task.exitcode is not None:
                        raise writer_failure(self.tasks, task.exitcode)


class SidecarMpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multiprocessing writer (one segment per sub-writer) with sidecars."""

    def __init__(self, ix: Any, directory: Path, fields: Iterable[str], positional: Iterable[str],
                 procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._sidecar = (Path(directory), tuple(fields), tuple(positional))
        self._jobs: Any = getattr(self, "jobqueue")  # what the writer processes read
        self.jobqueue = _WatchedQueue(self._jobs, self.tasks)  # what MpWriter puts into

    def cancel(self) -> None:
        # MpWriter.cancel only flags its own copies of the task objects; stop the processes.
        for task in self.tasks:
            task.terminate()
            task.join()
        SegmentWriter.cancel(self)

    def _new_task(self) -> SubWriterTask:
        directory, fields, positional = self._sidecar
        task = _SidecarSubWriter(self.storage, self.indexname, self._jobs, self.resultqueue,
                                 self.subargs, self.multisegment, directory=directory,
                                 fields=fields, positional=positional)
        task.daemon = True  # never outlive a parent that exits without committing
        self.tasks.append(task)
        task.start()
        return task
