"""Faults (issue 6): a build killed at random points, two writers, a server swapping
generations under load, and a missing or corrupt index.

Real processes throughout (`vnsearch build`, `vnsearch add`, `vnsearch serve` on
loopback). Nothing waits a fixed time for something to happen: conditions are polled with
a deadline. The random kill delays come from a seeded generator, so a failure can be
replayed.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import lzma
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.errors import IndexCorrupt, IndexMissing, VnSearchError
from search.index import open_index
from search.indexer import add_documents, build_index
from search.results import SearchRequest
from search.engine.generations import IndexLocation
from tests.conftest import (CORPORA, ROOT, SEED_IDS, SEEDS, VNSEARCH, app_for, fetch,
                            running_server, wait_until)


RELEVANCE_DOCS = ROOT / "bench" / "relevance" / "docs"
QUERY = "xa dac biet kho khan"
BIG_DOCS = 250  # a build of these takes several seconds: long enough to be killed mid-way
KILL_SEED = 20261123
KILLS = 4
# A document with every facet (number, type, issuer, province, date); the test at the end
# checks a document without them added to an index.
NEW_DOC = ("TỈNH ỦY KON TUM\nSố 99-KL/TU\nKon Tum, ngày 05 tháng 3 năm 2025\nKẾT LUẬN\n"
           "của Ban Thường vụ Tỉnh ủy về chuyển đổi số cấp xã\n")


# -- helpers ------------------------------------------------------------------------------------
def _generated_corpus(target: Path, count: int) -> Path:
    """``count`` documents made of the seeds' paragraphs (when the shared corpus is absent)."""
    paragraphs = [p.strip() for seed in sorted(SEEDS.glob("*.txt"))
                  for p in seed.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    rng = random.Random(count)
    target.mkdir()
    for i in range(count):
        body = "\n".join(rng.sample(paragraphs, 6))
        (target / f"gen-{i:04d}.txt").write_text(f"TỈNH ỦY KON TUM\nSố {i + 1}-NQ/TU\n{body}\n",
                                                encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first BIG_DOCS records of the shared pháp điển corpus as a .jsonl, else as many
    documents generated from the seeds."""
    root = tmp_path_factory.mktemp("big-corpus")
    source = CORPORA / "phapdien.jsonl.xz"
    if not source.is_file():
        return _generated_corpus(root / "docs", BIG_DOCS)
    target = root / "phapdien-head.jsonl"
    with lzma.open(source, "rt", encoding="utf-8") as lines:
        target.write_text("".join(itertools.islice(lines, BIG_DOCS)), encoding="utf-8")
    return target


def _ids(index: Path, query: str = QUERY) -> list[str]:
    with open_index(index) as ix:
        return [h.id for h in ix.search(SearchRequest(q=query, per_page=20)).hits]


def _leftovers(index: Path) -> list[str]:
    return sorted(p.name for p in index.iterdir()
                  if p.name.startswith((".build-", ".current-")))


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL what is left of a build we started in its own session (orphaned workers)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _phase(index: Path) -> str:
    """What the build was doing when it was killed, for the failure message."""
    builds = [p for p in index.glob(".build-*") if p.is_dir()]
    if not builds:
        return "starting or publishing"
    files = {f.suffix for f in builds[0].iterdir()}
    return "writing segments" if files else "reading documents"


# -- SIGKILL at random points -----------------------------------------------------------------------
@pytest.mark.slow  # vnsearch build processes
def test_build_killed_at_random_points_leaves_the_serving_index_intact(
        tmp_path: Path, big_corpus: Path) -> None:
    index = tmp_path / "index"
    build_index([SEEDS], index, workers=1)
    expected = _ids(index)
    serving = IndexLocation(index).generation_id()
    assert expected[0] == SEED_IDS["kontum_kl"]
    long_lived = open_index(index)  # a reader open through all the kills (a server's view)
    rng = random.Random(KILL_SEED)
    delays = [rng.uniform(0.3, 4.5) for _ in range(KILLS)]
    seen: list[str] = []
    try:
        for delay in delays:
            proc = subprocess.Popen([str(VNSEARCH), "build", str(big_corpus), "--index", str(index)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            try:
                try:
                    proc.wait(timeout=delay)  # the build may end first: then nothing to kill
                    finished = True
                except subprocess.TimeoutExpired:
                    finished = False
                    seen.append(f"{delay:.2f}s: {_phase(index)}")
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
                # At once, with nothing cleaned up: the serving index answers as before, or
                # (a kill just after the swap, while old generations were being removed) the
                # new one serves complete.
                if IndexLocation(index).generation_id() != serving:
                    assert proc.returncode == 0 or not finished, seen
                    with open_index(index) as ix:
                        assert ix.reader.doc_count() == BIG_DOCS
                    serving = IndexLocation(index).generation_id()
                    expected = _ids(index)
                else:
                    assert IndexLocation(index).generation_id() == serving, seen
                    assert _ids(index) == expected, seen
                long_lived.search(SearchRequest(q=QUERY))  # and an open reader keeps working
            finally:
                _kill_group(proc)
        # The next build, started at once (orphaned workers of the last kill may still be
        # exiting), succeeds without any manual cleanup and leaves nothing behind.
        result = subprocess.run([str(VNSEARCH), "build", str(SEEDS), "--index", str(index),
                                 "--json"], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, (seen, result.stderr[-2000:])
        assert json.loads(result.stdout)["indexed"] == 5
        assert _leftovers(index) == [], seen
        assert len(list(index.glob("gen-*"))) <= 2
        assert _ids(index)[0] == SEED_IDS["kontum_kl"]
        assert long_lived.reader.doc_count() == 5  # the open reader followed the swap
    finally:
        long_lived.close()


# -- two writers, and the lock of a dead writer -----------------------------------------------------
@pytest.mark.slow  # vnsearch build processes
def test_second_writer_is_refused_and_a_killed_writers_lock_is_recovered(
        tmp_path: Path, big_corpus: Path) -> None:
    index = tmp_path / "index"
    build_index([SEEDS], index, workers=1)
    lock = index / ".lock"
    proc = subprocess.Popen([str(VNSEARCH), "build", str(big_corpus), "--index", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_until(lambda: f"pid {proc.pid} " in lock.read_text("utf-8", "replace"), 60,
                   "the build to take the lock")
        for args in (["add", str(SEEDS / f"{SEED_IDS['kontum_kl']}.txt")], ["build", str(SEEDS)]):
            second = CliRunner().invoke(cli, [*args, "--index", str(index)])
            assert second.exit_code == 1, (args, second.output)
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1 and second.stdout == ""
            assert re.fullmatch(rf"error: index {re.escape(str(index))} is locked by pid "
                                rf"{proc.pid} on \S+ \(build, since [0-9T:+-]+\)", lines[0]), lines
        assert proc.poll() is None, "the build ended before the second writers were tried"
        assert _ids(index)[0] == SEED_IDS["kontum_kl"]  # readers are never locked out
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        _kill_group(proc)
    # The dead writer's lock file is still there, naming it; the lock itself is free.
    assert f"pid {proc.pid} " in lock.read_text("utf-8")
    new_doc = tmp_path / "moi.txt"
    new_doc.write_text(NEW_DOC, encoding="utf-8")
    third = CliRunner().invoke(cli, ["add", str(new_doc), "--index", str(index)])
    assert third.exit_code == 0, third.output
    assert _ids(index, "chuyen doi so cap xa")[0] == "moi"
    assert _leftovers(index) == []


# -- a server swapping generations under load ---------------------------------------------------------
CLIENT_URLS = [
    "/api/search?q=giam+ngheo",
    f"/?q={QUERY.replace(' ', '+')}",
    f"/documents/{SEED_IDS['kontum_kl']}?q=xa+dac+biet",
    "/api/facets?q=tinh+uy",
    "/api/search?q=&sort=newest&per_page=50",
    f"/api/documents/{SEED_IDS['caobang_nq']}",
    "/export.csv?q=nong+thon",
    "/healthz",
]


def _documents(base: str) -> int | None:
    status, _headers, body = fetch(base + "/healthz")
    return json.loads(body)["documents"] if status == 200 else None


@pytest.mark.slow  # a real server and build processes
def test_server_follows_build_and_add_without_failing_requests(tmp_path: Path) -> None:
    index = tmp_path / "index"
    build_index([SEEDS], index, workers=1)
    new_doc = tmp_path / "added" / "ket-luan-moi.txt"
    new_doc.parent.mkdir()
    new_doc.write_text(NEW_DOC, encoding="utf-8")
    more = tmp_path / "more"
    more.mkdir()
    for doc in sorted(RELEVANCE_DOCS.glob("*.txt"))[:3]:
        shutil.copy(doc, more)
    counts = {"ok": 0}
    failures: list[tuple[str, object]] = []
    stop = threading.Event()
    guard = threading.Lock()

    def client(offset: int) -> None:
        for url in itertools.cycle(CLIENT_URLS[offset:] + CLIENT_URLS[:offset]):
            if stop.is_set():
                return
            try:
                status, _headers, _body = fetch(srv.base + url)
            except Exception as err:  # a refused or reset connection is a failure too
                status = f"{type(err).__name__}: {err}"
            with guard:
                if status == 200:
                    counts["ok"] += 1
                else:
                    failures.append((url, status))

    def served(at_least: int) -> bool:
        with guard:
            return counts["ok"] >= at_least

    with running_server(index) as srv:
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(3)]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: served(20), 60, "the clients to get going")
            rebuilt = subprocess.run([str(VNSEARCH), "build", str(SEEDS), str(more), "--index",
                                      str(index)], capture_output=True, text=True, timeout=300)
            assert rebuilt.returncode == 0, rebuilt.stderr
            wait_until(lambda: _documents(srv.base) == 8, 30, "the rebuilt index")
            mark = counts["ok"]
            added = subprocess.run([str(VNSEARCH), "add", str(new_doc), "--index", str(index)],
                                   capture_output=True, text=True, timeout=300)
            assert added.returncode == 0, added.stderr
            wait_until(lambda: _documents(srv.base) == 9, 30, "the added document")
            wait_until(lambda: served(mark + 20), 60, "more requests after the swaps")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert failures == [], failures[:10]
        status, _headers, body = fetch(srv.url("/api/search?q=chuyen+doi+so+cap+xa"))
        assert status == 200 and json.loads(body)["hits"][0]["id"] == "ket-luan-moi"
        assert srv.process.poll() is None  # one process throughout, never restarted


def test_a_search_in_flight_finishes_on_the_generation_it_started_on(seed_index: Path,
                                                                      tmp_path: Path) -> None:
    """A request holds the reader it started with; a swap (seen first by another request)
    must not close it under it. The previous reader is closed at the swap after next."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)
    new_doc = tmp_path / "moi.txt"
    new_doc.write_text(NEW_DOC, encoding="utf-8")
    with open_index(index) as ix:
        in_flight = ix.reader  # what search() holds while it ranks and reads hits
        add_documents([new_doc], index)
        assert ix.refresh() is True  # another request notices the swap
        assert ix.reader is not in_flight and ix.reader.doc_count() == 6
        assert in_flight.doc_count() == 5 and in_flight.get(SEED_IDS["kontum_kl"]) is not None
        assert ix.search(SearchRequest(q="chuyen doi so cap xa")).hits[0].id == "moi"


# -- a missing or corrupt index ----------------------------------------------------------------------
def _cli_search(index: Path) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, ["search", "giam ngheo", "--index", str(index)])
    return result.exit_code, result.stderr.strip().splitlines(), result.stdout


def test_missing_index_gives_503_healthz_reason_and_cli_hint(tmp_path: Path) -> None:
    index = tmp_path / "never-built"
    with app_for(index) as app:
        client = app.test_client()
        page = client.get("/?q=giam+ngheo")
        html = page.get_data(as_text=True)
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert "Chỉ mục chưa sẵn sàng" in html and "Chưa có chỉ mục tại" in html
        assert f"vnsearch build PATHS --index {index}" in html and "build one with" not in html
        assert page.headers["Retry-After"] == "30"
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"ok": False, "status": 503, "code": "index.missing",
                                     "params": {"location": str(index), "command":
                                                f"vnsearch build PATHS --index {index}"},
                                     "error":
                                     f"no index at {index}: build one with "
                                     f"`vnsearch build PATHS --index {index}`"}
        assert client.get("/api/search?q=x").status_code == 503
    code, stderr, stdout = _cli_search(index)
    assert code == 1 and stdout == ""
    assert stderr == [f"error: no index at {index}: build one with "
                      f"`vnsearch build PATHS --index {index}`"]


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(path.name)
    for i in range(min(len(data), 4096)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _one(directory: Path, pattern: str) -> Path:
    (found,) = list(directory.glob(pattern))
    return found


CORRUPTIONS = {
    "toc-truncated": lambda gen: _truncate(_one(gen, "*.toc")),
    "toc-garbled": lambda gen: _garble(_one(gen, "*.toc")),
    "toc-deleted": lambda gen: _one(gen, "*.toc").unlink(),
    "segment-truncated": lambda gen: _truncate(_one(gen, "MAIN_*.trm")),
    "segment-garbled": lambda gen: _garble(_one(gen, "MAIN_*.trm")),
    "segment-deleted": lambda gen: _one(gen, "MAIN_*.trm").unlink(),
    "postings-truncated": lambda gen: _truncate(_one(gen, "MAIN_*.pst")),
    "stored-deleted": lambda gen: _one(gen, "MAIN_*_stored.col").unlink(),
    "sidecar-truncated": lambda gen: _truncate(_one(gen, "_vn_*__body.docs.npy")),
    "sidecar-deleted": lambda gen: _one(gen, "_vn_*__body.pos.npy").unlink(),
    "manifest-garbled": lambda gen: (gen / "manifest.json").write_text("{\"documents\": 5,"),
    "generation-deleted": lambda gen: shutil.rmtree(gen),
}


@pytest.fixture()
def corrupt_index(request: pytest.FixtureRequest, seed_index: Path, tmp_path: Path) -> Path:
    """A private copy of the seed index whose serving generation is damaged."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)  # files copied, not linked
    CORRUPTIONS[request.param]((index / "current").resolve())
    return index


@pytest.mark.parametrize("corrupt_index", list(CORRUPTIONS), indirect=True)
def test_corrupt_index_503_healthz_and_cli_say_how_to_rebuild(corrupt_index: Path) -> None:
    index = corrupt_index
    hint = f"`vnsearch build PATHS --index {index}`"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises((IndexCorrupt, IndexMissing)) as info:
            open_index(index)
        del info  # the traceback must not be what keeps a file open
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    with app_for(index) as app:
        client = app.test_client()
        page = client.get("/?q=giam+ngheo")
        html = page.get_data(as_text=True)
        assert page.status_code == 503 and "Traceback" not in html
        assert "bị hỏng" in html and f"vnsearch build PATHS --index {index}" in html
        health = client.get("/healthz")
        data = health.get_json()
        assert health.status_code == 503 and data["ok"] is False and data["status"] == 503
        assert "rebuild it with `vnsearch build" in data["error"]
        assert data["code"] == "index.damaged" and data["params"]["location"] == str(index)
        api = client.get("/api/search?q=giam")
        assert api.status_code == 503 and api.get_json()["error"] == data["error"]
        code, stderr, stdout = _cli_search(index)
        assert code == 1 and stdout == "" and len(stderr) == 1, stderr
        assert stderr[0] == f"error: {data['error']}"
        assert stderr[0].startswith(f"error: index at {index} is damaged")
        assert stderr[0].endswith(hint)


@pytest.mark.slow  # vnsearch build processes
@pytest.mark.parametrize("corrupt_index", ["segment-truncated", "generation-deleted"],
                         indirect=True)
def test_corrupt_index_rebuilt_in_place_is_served_without_restart(corrupt_index: Path) -> None:
    with app_for(corrupt_index) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 503
        result = subprocess.run([str(VNSEARCH), "build", str(SEEDS), "--index",
                                 str(corrupt_index)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr  # no manual cleanup needed
        assert client.get("/healthz").get_json()["documents"] == 5
        page = client.get("/?q=xa+dac+biet+kho+khan")
        assert page.status_code == 200 and "237-KL/TU" in page.get_data(as_text=True)


def test_add_of_a_document_without_metadata_keeps_search_working(seed_index: Path,
                                                                 tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index, index, symlinks=True)
    bare = tmp_path / "bare.txt"
    bare.write_text("Ghi chú về chuyển đổi số cấp xã, không có phần đầu văn bản.",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["add", str(bare), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "bare" in _ids(index, "chuyen doi so cap xa")[:2]  # searching works, and finds it


# -- a writer process that dies ---------------------------------------------------------------------
@pytest.mark.slow  # forked writer processes
def test_a_writer_process_that_dies_fails_the_build_and_publishes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from search.engine.whoosh.engine import WhooshEngine
    from search.engine.whoosh.writers import _SidecarSubWriter

    index = tmp_path / "index"
    build_index([SEEDS], index, workers=1)
    serving = IndexLocation(index).generation_id()
    expected = _ids(index)

    def dies(self, filename, doc_count):  # runs in the forked writer process
        os._exit(9)

    def too_slow(signum, frame):
        raise TimeoutError("the build waited forever on dead writer processes")

    monkeypatch.setattr(_SidecarSubWriter, "_process_file", dies)
    old = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(120)
    try:
        # Few jobs (they fit the job queue): the parent sees the loss when it counts.
        with pytest.raises(VnSearchError, match=r"writer process failed: 0 of 5 documents"):
            build_index([SEEDS], WhooshEngine(index, writers=2, batch=2), workers=2)
        # More jobs than the queue holds: the parent must not wait forever to hand them out.
        many = tmp_path / "many"
        shutil.copytree(SEEDS, many / "seeds")
        shutil.copytree(ROOT / "bench" / "relevance" / "docs", many / "rel")
        with pytest.raises(VnSearchError, match=r"writer process failed \(exit code 9\)"):
            build_index([many], WhooshEngine(index, writers=2, batch=1), workers=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert IndexLocation(index).generation_id() == serving
    assert _ids(index) == expected
    assert _leftovers(index) == []


# -- lazy reader parts under concurrent first use ---------------------------------------------------
def _waiting_for_a_lock(thread: threading.Thread) -> bool:
    """True when ``thread`` is blocked in a lock acquisition inside a lazy attribute."""
    frame = sys._current_frames().get(thread.ident or -1)
    names = []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return bool(names) and names[0] in ("_lazy", "__get__", "__enter__")


@pytest.mark.parametrize("part", ["columns", "evaluator", "live", "_years"])
def test_first_use_of_a_reader_part_from_two_threads_does_not_deadlock(seed_index: Path,
                                                                       part: str) -> None:
    """A search holds the reader's lock and builds a part on first use while another
    thread (a facet list, say) builds the same part: with functools.cached_property's
    shared per-attribute lock (Python 3.11) that was a lock-order deadlock."""
    from search.engine.whoosh.engine import open_directory

    reader = open_directory(IndexLocation(seed_index).current())
    entered = threading.Event()
    results: list[object] = []

    def other() -> None:
        entered.set()
        results.append(getattr(reader, part))

    def searching() -> None:
        with reader._lock:  # as WhooshReader.search does
            helper = threading.Thread(target=other, daemon=True)
            helper.start()
            entered.wait(10)
            # On: the helper is inside the lazy attribute, waiting for a lock.
            wait_until(lambda: _waiting_for_a_lock(helper), 10, "the helper to wait on a lock")
            results.append(getattr(reader, part))
        helper.join(10)

    main = threading.Thread(target=searching, daemon=True)
    main.start()
    main.join(30)
    try:
        assert not main.is_alive(), "deadlock"
        assert len(results) == 2 and results[0] is results[1]
    finally:
        if not main.is_alive():
            reader.close()


# -- a full disk ------------------------------------------------------------------------------
@contextlib.contextmanager
def _small_disk(where: Path, size: str) -> Any:
    """A tmpfs of ``size`` mounted at ``where`` (the tests run as root: `make test` installs
    Debian packages too), unmounted afterwards whatever happens."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs (run as root): {mounted.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path, spare: int = 0) -> None:
    """Fill the disk to the last byte but ``spare`` bytes (so a build gets that far)."""
    (disk / "spare").write_bytes(b"\0" * spare)
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for block in (65536, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * block):
                    pass
    finally:
        os.close(fd)
    (disk / "spare").unlink()


@pytest.mark.slow  # vnsearch processes
@pytest.mark.parametrize("command", [
    ["add", "{extra}"],
    ["build", "{many}", "--workers", "1"],
    ["build", "{many}", "--workers", "2"],   # writer processes: a full disk in a child
])
# Free space left: none, or enough to get to the postings arrays (memory-mapped: writing
# a page of a sparse file on a full disk was a SIGBUS) or into the writer processes.
@pytest.mark.parametrize("spare", [0, 400_000])
def test_a_full_disk_is_one_line_and_the_index_keeps_serving(tmp_path: Path,
                                                           command: list[str],
                                                           spare: int) -> None:
    """A build or add that runs out of disk says so in one line (no traceback from any
    process, no SIGBUS from a memory-mapped write), exits 1, and the index that was
    serving still serves."""
    many = tmp_path / "many"
    many.mkdir()
    text = (SEEDS / "000_7deaedef5e058121.txt").read_text("utf-8")
    for i in range(80):
        (many / f"d{i}.txt").write_text(text.replace("237-KL/TU", f"{i}-KL/TU"), "utf-8")
    extra = tmp_path / "extra.txt"
    extra.write_text((SEEDS / "003_f630ab64a90e327c.txt").read_text("utf-8"), "utf-8")
    with _small_disk(tmp_path / "disk", "6m") as disk:
        index = disk / "ix"
        assert subprocess.run([str(VNSEARCH), "build", str(SEEDS), "--index", str(index)],
                              capture_output=True).returncode == 0
        serving = os.readlink(index / "current")
        _fill(disk, spare)
        args = [a.format(extra=extra, many=many) for a in command]
        done = subprocess.run([str(VNSEARCH), *args, "--index", str(index)],
                              capture_output=True, text=True, timeout=300)
        # It fits (then it is published), or it is one line and nothing changed: never a
        # signal (SIGBUS), never a traceback.
        assert done.returncode in ((1,) if spare == 0 else (0, 1)), (done.returncode,
                                                                      done.stderr)
        if done.returncode == 1:
            assert done.stderr.splitlines() == [
                "error: no space left on the device: free some space and run the command "
                "again; the serving index was left as it was"], done.stderr
            assert os.readlink(index / "current") == serving
        else:
            assert os.readlink(index / "current") != serving and "Traceback" not in done.stderr
        assert not list(index.glob(".build-*"))
        with open_index(index) as ix:
            assert ix.search(SearchRequest(q="giảm nghèo")).total > 0


@pytest.mark.slow  # vnsearch processes
@pytest.mark.parametrize(("size", "workers"), [
    ("1500k", "1"),  # the postings arrays were memory-mapped sparse files: SIGBUS, silently
    ("3000k", "2"),  # a writer process died with a traceback, then a second error line
])
def test_a_first_build_onto_a_small_disk_fails_in_one_line(tmp_path: Path, size: str,
                                                          workers: str) -> None:
    many = tmp_path / "many"
    many.mkdir()
    text = (SEEDS / "000_7deaedef5e058121.txt").read_text("utf-8")
    for i in range(80):
        (many / f"d{i}.txt").write_text(text.replace("237-KL/TU", f"{i}-KL/TU"), "utf-8")
    with _small_disk(tmp_path / "disk", size) as disk:
        done = subprocess.run([str(VNSEARCH), "build", str(many if workers == "2" else SEEDS),
                               "--workers", workers, "--index", str(disk / "ix")],
                              capture_output=True, text=True, timeout=300)
        assert (done.returncode, done.stderr.splitlines()) == (1, [
            "error: no space left on the device: free some space and run the command "
            "again; the serving index was left as it was"]), (done.returncode, done.stderr)
        assert sorted(p.name for p in (disk / "ix").iterdir()) == [".lock"]
