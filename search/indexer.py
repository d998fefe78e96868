"""Files → parse → metadata → analysis → engine: building and changing an index.

The writer side of the library. :func:`build_index` rebuilds into a fresh directory and
swaps it in atomically; :func:`add_documents` and :func:`remove_documents` change a copy
of the serving generation and swap that in. Reading and analysing (the costly part: pyvi)
run in worker processes feeding the one writer.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from search import __version__
from search.text.analyze import analyze_text, compounds, folded, normalize_number
from search.text.numbers import number_parts
from search.documents import INDEX_FORMAT, Document, Field, Metadata, utc_now
from search.engine.base import FACET_FIELDS, Batch, Engine, EngineReader, IndexDoc
from search.engine.registry import Location, open_engine
from search.errors import IndexCorrupt, ReadError, VnSearchError
from search.messages import Message, build_command
from search.ingest.extracted import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TEXT_CHARS, OcrOptions
from search.ingest.extracted import sha256_of
from search.ingest.files import Found, Skipped, disambiguate, discover, file_doc_id, slug
from search.ingest.metadata import extract_metadata
from search.ingest.jsonl import JsonlRecord, iter_jsonl
from search.ingest.parse import read_file
from search.ingest.readers.ocr import IMAGE_SUFFIXES, set_page_counter
from search.processes import READER_NAME, QuietPool, name_process
from search.related import STATUS_UNKNOWN, relation_tokens, status_changes
from search.relations import document_relations
from search import fields as field_table

# Below this many files a pool costs more than it saves (pyvi loads in ~1 s per worker).
MIN_FILES_FOR_WORKERS = 64
IN_FLIGHT = 64  # documents read but not yet written, at most (bounds a build's memory)
MAX_WRITERS = 4  # one segment per writer process: more would slow every query a little
SCAN_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}  # files that may need OCR


@dataclass(frozen=True)
class Limits:
    """Per-file safety limits (see README: Limits)."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    ocr: OcrOptions = OcrOptions()  # scans: limits, and the cache (set per index)


def limits_for(engine: Engine) -> Limits:
    """The default limits, with the OCR cache of this index location."""
    return replace(Limits(), ocr=OcrOptions(cache_dir=engine.cache_dir()))


@dataclass
class Problem:
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class BuildReport:
    """What a build/add did. ``exit_code``: 0 all indexed, 3 some files failed."""

    index: str
    indexed: int = 0
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    generation: str | None = None
    ids: list[str] = field(default_factory=list)
    ocr_pages: int = 0  # pages recognised by OCR in this run (cached pages not counted)

    @property
    def exit_code(self) -> int:
        return 3 if self.failed else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "generation": self.generation,
            "indexed": self.indexed,
            "skipped": [p.to_dict() for p in self.skipped],
            "failed": [p.to_dict() for p in self.failed],
            "seconds": round(self.seconds, 3),
            "ocr_pages": self.ocr_pages,
        }


# -- loading one document -----------------------------------------------------------------
def load_file(path: Path, doc_id: str, limits: Limits = Limits()) -> Document:
    """Read and interpret one file (raises ReadError)."""
    parsed = read_file(path, max_bytes=limits.max_file_bytes, max_chars=limits.max_text_chars,
                       ocr=limits.ocr)
    st = path.stat()
    meta = extract_metadata(parsed.text, notes=parsed.notes, title_hint=parsed.title,
                            extra=parsed.extra)
    meta.warnings.extend(parsed.warnings)
    return Document(
        id=doc_id, path=str(path.resolve()), text=parsed.text, notes=parsed.notes, meta=meta,
        format=parsed.format, converted_from=parsed.converted_from, size=st.st_size,
        mtime=st.st_mtime, sha256=sha256_of(path), text_source=parsed.text_source,
        ocr=parsed.ocr,
    )


def load_record(record: JsonlRecord, source: Path, doc_id: str) -> Document:
    """Interpret one JSON Lines record (already read and cleaned)."""
    parsed = record.parsed
    meta = extract_metadata(parsed.text, notes=parsed.notes, title_hint=parsed.title,
                            extra=parsed.extra)
    return Document(
        id=doc_id, path=f"{source.resolve()}#L{record.line}", text=parsed.text,
        notes=parsed.notes, meta=meta, format="jsonl", converted_from=parsed.converted_from,
        size=len(parsed.text.encode("utf-8")), source_id=record.id,
    )


# Facets the indexer fills from the corpus (the status), not from the document's metadata.
_CORPUS_FACETS = {f.name for f in field_table.FACETS if f.from_corpus}


def to_index_doc(doc: Document, status: str = STATUS_UNKNOWN) -> IndexDoc:
    """Analyse a document into the engine's token fields, facets and stored record.
    ``status`` is what the corpus says of it (:mod:`search.related`): unknown until the
    status pass of the build or add that writes it (:func:`refresh_statuses`)."""
    meta = doc.meta
    title = meta.get("title") or ""
    title_a = analyze_text(title, with_compounds=False)
    body_a = analyze_text(doc.text, with_compounds=False)
    notes_a = analyze_text(doc.notes, with_compounds=False)
    words = compounds(f"{title}\n{doc.text}")
    # Province, type and issuer as searchable words: "chỉ thị Quảng Ngãi" finds a directive
    # whose text never names its province (seed 002); an imported record's own id too.
    meta_words = analyze_text(" ".join([*(str(meta.get(k) or "") for k in
                                          ("province", "doc_type", "issuer")),
                                        doc.source_id or ""]), with_compounds=False)
    number = meta.get("number")
    cites = meta.get("cites") or []
    relations = document_relations(doc.text, doc.notes, number)
    return IndexDoc(
        id=doc.id,
        fields={
            "number": [normalize_number(number)] if number else [],
            "cites": [normalize_number(c) for c in cites],
            "number_parts": number_parts(number) if number else [],
            "cite_parts": sorted({p for c in cites for p in number_parts(c)}),
            "relations": relation_tokens(relations),
            "title": title_a.syllables, "title_f": title_a.folded,
            "body": body_a.syllables, "body_f": body_a.folded,
            "notes": notes_a.syllables, "notes_f": notes_a.folded,
            "meta": meta_words.syllables, "meta_f": meta_words.folded,
            "words": words, "words_f": folded(words),
        },
        # Each facet is filled by the metadata field of its name (search/fields.py), but
        # the status, which the corpus states.
        facets={name: ([status] if name in _CORPUS_FACETS else
                       [str(meta.get(name))] if meta.get(name) else []) for name in FACET_FIELDS},
        sort={"date": meta.get("date") or ""},
        stored={**stored_record(doc), "relations": relations, "status": status},
    )


def stored_record(doc: Document) -> dict[str, Any]:
    """What the index keeps of a document: everything the results and pages show."""
    return {
        "id": doc.id, "path": doc.path, "format": doc.format,
        "converted_from": doc.converted_from, "size": doc.size, "mtime": doc.mtime,
        "sha256": doc.sha256, "meta": doc.meta.to_dict(), "text": doc.text, "notes": doc.notes,
        "text_source": doc.text_source, "ocr": doc.ocr, "source_id": doc.source_id,
        "indexed_at": utc_now(),
    }


def document_of(stored: dict[str, Any]) -> Document:
    """The document a stored record was made from (for re-indexing it unchanged but for its
    status): its text, notes and metadata with their provenance."""
    meta_dict = stored.get("meta", {})
    provenance = meta_dict.get("provenance") or {}
    meta = Metadata(fields={k: Field(meta_dict[k], provenance.get(k) or "record")
                            for k in provenance if meta_dict.get(k) not in (None, [], "")},
                    warnings=list(meta_dict.get("warnings") or []))
    return Document(
        id=stored["id"], path=stored.get("path", ""), text=stored.get("text", ""),
        notes=stored.get("notes") or "", meta=meta, format=stored.get("format") or "txt",
        converted_from=stored.get("converted_from"), size=stored.get("size") or 0,
        mtime=stored.get("mtime") or 0.0, sha256=stored.get("sha256") or "",
        text_source=stored.get("text_source") or "text", ocr=stored.get("ocr"),
        source_id=stored.get("source_id"))


def refresh_statuses(batch: Batch) -> int:
    """Recompute every status over the pending index and rewrite the documents whose status
    changed (re-analysed from their stored text); returns how many. Run by build, add and
    remove before they publish: a document that reviews another changes *that* one."""
    with batch.reader() as reader:
        changes = status_changes(reader)
        docs = []
        for doc_id, status in sorted(changes.items()):
            stored = reader.get(doc_id)
            if stored is not None:
                index_doc = to_index_doc(document_of(stored), status)
                index_doc.stored["indexed_at"] = stored.get("indexed_at")
                docs.append(index_doc)
    return batch.add(docs) if docs else 0


# -- tasks: what workers receive ------------------------------------------------------------
Task = tuple[str, str, str, Any]  # (kind, path, doc_id, payload)


def _run_task(task: Task, limits: Limits = Limits()) -> IndexDoc | Problem:
    kind, path, doc_id, payload = task
    try:
        if kind == "file":
            doc = load_file(Path(path), doc_id, limits)
        else:
            doc = load_record(payload, Path(path), doc_id)
        return to_index_doc(doc)
    except ReadError as err:
        return Problem(err.path, err.reason)
    except Exception as err:  # a reader bug must not stop the build: report it per file
        return Problem(path, f"unexpected error: {type(err).__name__}: {err}")


def _init_reader(pages: Any) -> None:
    """A reader process: named, counting recognised pages in the build's shared counter."""
    name_process(READER_NAME)
    set_page_counter(pages)


class _Planner:
    """Turns discovered files into tasks with unique, stable ids."""

    def __init__(self, report: BuildReport, taken: Callable[[str], str | None] | None = None):
        self.report = report
        self.ids: dict[str, str] = {}  # id -> path, within this run
        self.taken = taken  # id -> path already in the index (add), or None (build)

    def assign(self, doc_id: str, identity: str) -> str:
        """``doc_id``, or a variant of it when another document (another file, another
        record) already has it; ``identity`` is what makes a document the same one again
        (a file's path; a record's file and own id, not its line)."""
        owner = self.ids.get(doc_id) or (self.taken(doc_id) if self.taken else None)
        if owner is not None and owner != identity:
            doc_id = disambiguate(doc_id, identity)
        self.ids[doc_id] = identity
        return doc_id

    def tasks(self, found: Iterable[Found | Skipped]) -> Iterator[Task]:
        for item in found:
            if isinstance(item, Skipped):
                self.report.skipped.append(Problem(str(item.path), item.reason))
            elif item.kind == "jsonl":
                yield from self._records(item)
            else:
                path = str(item.path.resolve())
                yield ("file", str(item.path), self.assign(file_doc_id(item.path), path), None)

    def _records(self, item: Found) -> Iterator[Task]:
        base = str(item.path.resolve())
        for rec in iter_jsonl(item.path):
            if isinstance(rec, ReadError):
                self.report.failed.append(Problem(rec.path, rec.reason))
                continue
            doc_id = self.assign(slug(rec.id), record_identity(base, rec.id))
            yield ("record", str(item.path), doc_id, rec)


def _prepared(tasks: Iterable[Task], workers: int, limits: Limits,
              pages: Any) -> Iterator[IndexDoc | Problem]:
    """Read and analyse every task, in ``workers`` processes; ``pages`` counts OCR pages."""
    run = functools.partial(_run_task, limits=limits)
    if workers <= 1:
        set_page_counter(pages)
        try:
            yield from map(run, tasks)
        finally:
            set_page_counter(None)
        return
    ctx = multiprocessing.get_context("fork")
    # Pool.imap reads its input and buffers finished results without limit; when the one
    # writer is slower than the workers, memory would grow with the corpus. A semaphore
    # keeps at most IN_FLIGHT documents between reading and writing.
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    stop = threading.Event()  # set when the writer side ends (done, failed or interrupted)

    def throttled() -> Iterator[Task]:
        for task in tasks:
            while not slots.acquire(timeout=0.2):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            yield task

    with QuietPool(workers, initializer=_init_reader, initargs=(pages,), context=ctx) as pool:
        try:
            # One task at a time: a scan takes seconds a page, so a chunk of four could
            # leave one process recognising while the other idles.
            for result in pool.imap(run, throttled(), chunksize=1):
                slots.release()
                yield result
        finally:
            stop.set()  # lets the pool's feeder thread finish, so the pool can shut down


def _docs_only(
    results: Iterable[IndexDoc | Problem], report: BuildReport, progress: Any
) -> Iterator[IndexDoc]:
    for res in results:
        if isinstance(res, Problem):
            report.failed.append(res)
        else:
            report.ids.append(res.id)
            yield res
        if progress is not None:
            progress.update(1)


def _progress_bar(enabled: bool, desc: str) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(desc=desc, unit=" docs", dynamic_ncols=True, leave=False)


@contextlib.contextmanager
def _progress(enabled: bool, desc: str) -> Iterator[tuple[Any, Any]]:
    """``(bar or None, page counter)``: documents done, and pages recognised by OCR.

    The counter is shared with the reader processes; while they recognise a long scan,
    a ticker thread shows its pages on the bar, so the bar moves between documents.
    """
    pages = multiprocessing.get_context("fork").Value("q", 0)
    bar = _progress_bar(enabled, desc)
    stop = threading.Event()
    ticker = None
    if bar is not None:
        ticker = threading.Thread(target=_tick, args=(bar, pages, stop), daemon=True)
        ticker.start()
    try:
        yield bar, pages
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
        if bar is not None:
            bar.close()


def _tick(bar: Any, pages: Any, stop: threading.Event) -> None:
    shown = 0
    while not stop.wait(0.5):
        if pages.value != shown:
            shown = pages.value
            bar.set_postfix_str(f"{shown} page(s) OCR", refresh=True)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


# -- the commands --------------------------------------------------------------------------
def build_index(
    paths: Sequence[str | os.PathLike[str]],
    index: Location,
    *,
    workers: int | None = None,
    progress: bool = False,
) -> BuildReport:
    """Rebuild the whole index from ``paths`` and swap it in atomically.

    ``index`` is a location (its engine chosen by :mod:`search.engine.registry`) or an
    engine bound to one. Raises VnSearchError (and leaves the serving index untouched)
    when nothing could be indexed; otherwise per-file failures are listed in the report.
    """
    engine = open_engine(index)
    report = BuildReport(index=engine.location)
    start = time.perf_counter()
    with engine.lock("build"):
        found = list(discover(list(paths)))  # cheap: JSONL records are streamed later
        n_workers = _choose_workers(workers, found)
        tasks = _Planner(report).tasks(found)
        # As many writer processes as workers: the writers' commit runs in parallel too.
        with engine.begin(fresh=True, writers=min(n_workers, MAX_WRITERS)) as batch:
            with _progress(progress, "indexing") as (bar, pages):
                prepared = _prepared(tasks, n_workers, limits_for(engine), pages)
                report.indexed = batch.add(_docs_only(prepared, report, bar))
                report.ocr_pages = pages.value
            if report.indexed == 0:
                raise NothingIndexed(_nothing_indexed(report), report)
            refresh_statuses(batch)
            report.generation = batch.publish(_manifest(engine, paths, report))
    report.seconds = time.perf_counter() - start
    return report


def _choose_workers(workers: int | None, found: list[Found | Skipped]) -> int:
    if workers is not None:
        return max(1, workers)
    big = any(isinstance(f, Found) and f.kind == "jsonl" for f in found)
    # Scans take seconds a page to recognise: worth a process per core from two files.
    scans = sum(isinstance(f, Found) and f.path.suffix.lower() in SCAN_SUFFIXES for f in found)
    if big or len(found) >= MIN_FILES_FOR_WORKERS or scans >= 2:
        return default_workers()
    return 1


class NothingIndexed(VnSearchError):
    """A build found nothing it could index; ``report`` lists every failure and skip."""

    def __init__(self, message: str, report: BuildReport) -> None:
        super().__init__(message)
        self.report = report


def _nothing_indexed(report: BuildReport, verb: str = "indexed") -> str:
    """The one-line error; the CLI lists every failure and skip (``report``) before it."""
    left = "the serving index was left as it was"
    if report.failed:
        first = report.failed[0]
        more = f" and {len(report.failed) - 1} more" if len(report.failed) > 1 else ""
        return (f"nothing {verb}: all {len(report.failed)} document(s) failed "
                f"({first.path}: {first.reason}{more}); {left}")
    skipped = f" ({len(report.skipped)} skipped)" if report.skipped else ""
    return f"nothing {verb}: no readable documents found{skipped}; {left}"


def _manifest(engine: Engine, paths: Iterable[Any], report: BuildReport) -> dict[str, Any]:
    now = utc_now()
    return {
        "format": INDEX_FORMAT,
        "engine": engine.name,
        "vnsearch": __version__,
        "built_at": now,
        "updated_at": now,
        "sources": [str(Path(p).resolve()) for p in paths],
        "documents": report.indexed,
        "failed": [p.to_dict() for p in report.failed],
        "skipped": [p.to_dict() for p in report.skipped],
    }


def add_documents(
    paths: Sequence[str | os.PathLike[str]],
    index: Location,
    *,
    progress: bool = False,
) -> BuildReport:
    """Add or replace documents in the live index (one batch, published at once)."""
    engine = open_engine(index)
    report = BuildReport(index=engine.location)
    start = time.perf_counter()
    with engine.lock("add"):
        # The serving index says which ids are taken; under the lock it is what the batch
        # starts from, and it is never changed while the batch writes its own copy.
        serving = engine.open()
        try:
            check_format(serving.manifest, engine.location)
        except IndexCorrupt:
            serving.reader.close()
            raise
        with serving.reader as reader, engine.begin(fresh=False) as batch:
            planner = _Planner(report, taken=lambda i: _identity_of(reader, i))
            # Streamed, as a build is: read, analyse and write one document after another,
            # never the whole input in memory (10k records held 1.26 GB).
            tasks = planner.tasks(discover(list(paths)))
            with _progress(progress, "adding") as (bar, pages):
                prepared = _prepared(tasks, 1, limits_for(engine), pages)
                report.indexed = batch.add(_docs_only(prepared, report, bar))
                report.ocr_pages = pages.value
            if not report.indexed:  # every file failed or was skipped: nothing changes
                raise NothingIndexed(_nothing_indexed(report, "added"), report)
            refresh_statuses(batch)
            report.generation = batch.publish(_updated(serving.manifest, batch))
    report.seconds = time.perf_counter() - start
    return report


def check_format(manifest: dict[str, Any], location: str) -> None:
    """IndexCorrupt (``index.outdated``, "rebuild it") for an index an older vnsearch built:
    it lacks fields this one searches and writes."""
    found = manifest.get("format", 1)
    if not isinstance(found, int) or found < INDEX_FORMAT:
        raise IndexCorrupt(Message("index.outdated", {
            "location": location, "format": found, "expected": INDEX_FORMAT,
            "command": build_command(location)}))


def _identity_of(reader: EngineReader, doc_id: str) -> str | None:
    """The identity (see ``_Planner.assign``) of the document stored under ``doc_id``."""
    stored = reader.get(doc_id, fields=("path", "source_id"))
    if stored is None:
        return None
    path = str(stored.get("path") or "")
    if stored.get("source_id") is not None:
        return record_identity(path.rsplit("#L", 1)[0], stored["source_id"])
    return path  # a file, or a record indexed before records kept their own id


def record_identity(file: str, source_id: str) -> str:
    return f"{file}#id={source_id}"


def _updated(manifest: dict[str, Any], batch: Batch) -> dict[str, Any]:
    with batch.reader() as reader:
        count = reader.doc_count()
    return {**manifest, "documents": count, "updated_at": utc_now()}


def remove_documents(ids: Iterable[str], index: Location) -> tuple[list[str], list[str]]:
    """Remove documents by id in one change; returns (removed ids, ids not in the index).
    When none of the ids is in the index, nothing is published."""
    engine = open_engine(index)
    wanted = list(dict.fromkeys(ids))
    with engine.lock("remove"):
        manifest = engine.manifest()
        check_format(manifest, engine.location)
        with engine.begin(fresh=False) as batch:
            removed = batch.remove(wanted)
            if removed:
                refresh_statuses(batch)
                batch.publish(_updated(manifest, batch))
    gone = set(removed)
    return removed, [i for i in wanted if i not in gone]
