"""Writing one Whoosh index with several writer processes, each with its own sidecar.

One Whoosh writer is a single core's work: adding a document costs about as much as
analysing it, and at commit the writer sorts and writes every posting alone while the
analysis workers have nothing left to do (about 40 % of the build at 50,000 documents).
Whoosh's :class:`~whoosh.multiproc.MpWriter` with ``multisegment=True`` runs several
sub-writers, each writing its own segment and committing it in parallel. Each sub-writer
here also feeds a :class:`~search.engine.whoosh.postings.SidecarBuilder` with the tokens of the documents
it adds, in the order it numbers them, and writes its segment's sidecar when it finishes,
so no segment needs its sidecar rebuilt from Whoosh's postings afterwards.

Sub-writers are forked: they inherit nothing that holds the index lock (see
:mod:`search.engine.generations`), and they exit when the parent dies, whatever kills it.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import pickle
import queue
import sys
import types
from array import array
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

from whoosh.analysis import RegexTokenizer
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.writing import PostingPool, SegmentWriter

from search.errors import VnSearchError
from search.engine.whoosh.postings import SidecarBuilder
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
        writer = self.writer = tune_writer(SegmentWriter(ix, _lk=False, **self.kwargs),
                                           self.kwargs["limitmb"])
        builder = self.builder = SidecarBuilder(self.fields, self.directory, self.positional)
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
            segment = writer._finalize_segment()
        except BaseException:
            builder.discard()
            with contextlib.suppress(Exception):
                writer.cancel()
            raise
        # No result unless the sidecar is written too: the parent then fails the build.
        if segment.doc_count_all() == builder.count:
            builder.finish(self.directory, segment.segment_id())
        else:  # cannot happen with one writer numbering in order; rebuilt from Whoosh then
            builder.discard(keep_texts_in=self.directory)
        self.resultqueue.put((None, fieldnames, segment), timeout=30)

    def _process_file(self, filename: str, doc_count: int) -> None:
        writer = self.writer
        tempstorage = writer.temp_storage()
        fields_of_sidecar = self.fields
        assert self.builder is not None
        with tempstorage.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                code, args = pickle.load(f)
                assert code == 0
                writer.add_document(**args)
                # The same tokens Whoosh's whitespace tokenizer sees, in the same doc order.
                # and the texts kept apart (which Whoosh ignores: PASS_KEY starts with "_").
                self.builder.add({name: args[name].split(" ") for name in fields_of_sidecar
                                  if name in args}, args.get(PASS_KEY))
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
