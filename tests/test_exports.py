"""Exports that do not take the server away from searches (issue 17): one evaluation that
keeps only ids, rows read and written a block at a time (each stored record once), a bound
on exports at once that holds while they stream, and export steps that wait while a search
is in flight in the same process. Counted, never timed."""

from __future__ import annotations

import csv
import gc
import html
import io
import json
import re
import threading
import tracemalloc
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import pytest

from search.engine.base import Filters, MatchAll
from search.engine.whoosh.engine import WhooshReader
from tests.conftest import app_for, fetch, running_server, wait_until
from web import exports
from web.exports import EXPORT_COLUMNS
from web.searches_first import SearchesFirst

BLOCK = 2  # rows per block in these tests (EXPORT_CHUNK_ROWS), so five seeds make three


@pytest.fixture()
def small_blocks(seed_index: Path) -> Iterator[Any]:
    with app_for(seed_index) as app:
        app.config["EXPORT_CHUNK_ROWS"] = BLOCK
        yield app


# -- the same rows as the search ---------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "q=giam+ngheo", "q=ngh%E1%BB%8B+quy%E1%BA%BFt&sort=oldest",
                                   "province=Kon+Tum", "q=04-NQ%2FTU", "q=zzzqqq"])
def test_rows_are_the_hits_the_api_shows(small_blocks: Any, query: str) -> None:
    """Each row's columns are those of the API's hit (read from the stored record a block
    at a time now, not from the search's hits), in the API's order, whatever the blocks."""
    client = small_blocks.test_client()
    rows = client.get(f"/export.json?{query}").get_json()
    hits = client.get(f"/api/search?{query}&per_page=100").get_json()["hits"]
    assert [r["id"] for r in rows] == [h["id"] for h in hits]
    for row, hit in zip(rows, hits):
        assert list(row) == list(EXPORT_COLUMNS)
        for name in EXPORT_COLUMNS:
            if name not in ("passage", "cited_by", "url"):
                assert row[name] == (hit[name] if name != "cites" else hit[name] or []), name
        assert row["url"] == f"http://localhost/documents/{urllib.parse.quote(hit['id'])}"
        if row["passage"] is not None:  # the text's best sentence: the page's first
            assert row["passage"] == html.unescape(re.sub("</?mark>", "", hit["highlights"][0]))
    assert any(r["passage"] for r in rows) == ("q=" in query and bool(rows))


def test_blocks_do_not_change_the_file(seed_index: Path) -> None:
    """The CSV and JSON are the same bytes whatever the block size."""
    bodies = []
    for block in (1, 2, 500):
        with app_for(seed_index) as app:
            app.config["EXPORT_CHUNK_ROWS"] = block
            client = app.test_client()
            bodies.append([client.get(f"/export.{ext}?q=giam+ngheo").get_data()
                           for ext in ("csv", "json")])
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0][0].count(b"\r\n") == 1 + len(json.loads(bodies[0][1]))


# -- what an export reads ------------------------------------------------------------------------
class Reads:
    """The engine's reads, counted (the real reader, every call passed through)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.searches: list[dict[str, Any]] = []  # each search: its limit and what it loaded
        self.gets = 0
        search, get = WhooshReader.search, WhooshReader.get
        reads = self

        def counted_search(self: WhooshReader, *args: Any, **kwargs: Any) -> Any:
            res = search(self, *args, **kwargs)
            reads.searches.append({"limit": kwargs.get("limit"),
                                   "records": sum(bool(h.stored) for h in res.hits)})
            return res

        def counted_get(self: WhooshReader, *args: Any, **kwargs: Any) -> Any:
            reads.gets += 1
            return get(self, *args, **kwargs)

        monkeypatch.setattr(WhooshReader, "search", counted_search)
        monkeypatch.setattr(WhooshReader, "get", counted_get)


@pytest.mark.parametrize("query", ["q=giam+ngheo", ""])
def test_an_export_reads_each_record_once(small_blocks: Any, monkeypatch: pytest.MonkeyPatch,
                                          query: str) -> None:
    """One evaluation whose hits carry no stored record (the ids are all it keeps), one
    record read per row (metadata and text together), one search per block for the rows'
    citing documents: nothing grows but with the rows, and nothing is read twice."""
    client = small_blocks.test_client()
    client.get("/healthz")  # the index opened before counting
    reads = Reads(monkeypatch)
    response = client.get(f"/export.csv?{query}")
    rows = int(response.headers["X-Export-Rows"])
    assert response.get_data().count(b"\r\n") == 1 + rows
    assert rows == 5 if not query else rows >= 3
    evaluation, *per_block = reads.searches
    assert evaluation == {"limit": exports.EXPORT_MAX_ROWS, "records": 0}
    # the citing documents: a search a block at most (none for a block without numbers)
    assert 0 < len(per_block) <= -(-rows // BLOCK)
    assert all(search["limit"] != exports.EXPORT_MAX_ROWS for search in per_block)
    assert reads.gets == rows


def _sizes(app: Any, path: str) -> tuple[int, int]:
    """(the body's size, the most memory held while it streamed beyond what was held
    before the request): measured once the first block is out (the evaluation's own
    passing peak aside), and at its most from then to the last block. The collector runs
    first: when it last ran otherwise depends on what ran before in the process, and the
    garbage it had not yet freed made this test fail now and then."""
    gc.collect()
    before, _peak = tracemalloc.get_traced_memory()
    response = app.test_client().get(path, buffered=False)
    chunks = iter(response.response)
    size = len(next(chunks))
    after_first, _peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for chunk in chunks:
        size += len(chunk)
    _now, peak = tracemalloc.get_traced_memory()
    response.close()
    return size, max(after_first, peak) - before


ROWS = 1000


@pytest.mark.slow
def test_an_export_holds_a_block_of_rows_not_all(tmp_path: Path) -> None:
    """While an export streams, what it holds is about a block of rows, not the whole
    result (it held every row's record until the last was written)."""
    from search.indexer import build_index

    long_title = " ".join(["giảm nghèo bền vững cho các xã đặc biệt khó khăn"] * 20)
    records = [{"id": f"kl-{i}", "number": f"{i}-KL/TU", "province": "Kon Tum",
                "title": f"Kết luận {i} về {long_title}", "date": "2020-01-02",
                "text": f"Kết luận {i} về giảm nghèo. Các xã đã có nhiều đổi mới."}
               for i in range(ROWS)]
    corpus = tmp_path / "records.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      "utf-8")
    build_index([corpus], tmp_path / "ix", workers=1)
    with app_for(tmp_path / "ix") as app:
        app.config["EXPORT_CHUNK_ROWS"] = 10
        path = "/export.json?q=giam+ngheo"
        app.test_client().get(path).get_data()  # the reader's caches made before measuring
        tracemalloc.start()
        try:
            size, held = _sizes(app, path)
        finally:
            tracemalloc.stop()
    assert size > ROWS * len(long_title)  # every row is there
    # 100 blocks: about one at a time, plus what the export keeps for its whole length
    # (the result's ids, the cited-by cache, the engine's block of records: 0.26-0.29 of
    # this body, measured with the collector run first), not all of them (before: 2.2×)
    assert held < size / 2, (held, size)


# -- the bound on exports at once ---------------------------------------------------------------
def test_the_bound_holds_while_exports_stream(small_blocks: Any) -> None:
    """An export keeps its slot until its body is written (or the client leaves), not only
    while it evaluates: the streaming is most of its work."""
    client = small_blocks.test_client()
    streaming = [client.get("/export.csv?q=giam", buffered=False)
                 for _ in range(exports.EXPORT_CONCURRENCY)]
    assert [r.status_code for r in streaming] == [200] * exports.EXPORT_CONCURRENCY
    busy = client.get("/export.json?q=giam")
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert client.get("/healthz").get_json()["exports"]["running"] == exports.EXPORT_CONCURRENCY
    streaming[0].close()  # the client went away: its slot is free again
    again = client.get("/export.json?q=giam", buffered=False)
    assert again.status_code == 200
    for response in (*streaming[1:], again):
        response.get_data()
        response.close()
    assert client.get("/healthz").get_json()["exports"]["running"] == 0


# -- searches first ------------------------------------------------------------------------------
def _stepping(gate: SearchesFirst) -> tuple[threading.Thread, threading.Event]:
    """An export's step in a thread, and the event set when it has passed."""
    passed = threading.Event()

    def step() -> None:
        gate.step()
        passed.set()

    thread = threading.Thread(target=step)
    thread.start()
    return thread, passed


def test_a_step_waits_while_a_search_is_in_flight() -> None:
    gate = SearchesFirst(max_wait=60)
    assert gate.step() is False  # nothing in flight: no wait
    gate.started()
    thread, passed = _stepping(gate)
    wait_until(lambda: gate.waited == 1, 10, "the step to see the search")
    assert not passed.is_set()  # only the search ending (or 60 s) lets it through
    gate.finished()
    thread.join(timeout=10)
    assert passed.is_set() and gate.figures() == {"running": 0, "steps": 2, "waited": 1}


def test_a_step_waits_a_bounded_time() -> None:
    """Searches that never stop cannot stall an export: a step waits max_wait at most."""
    gate = SearchesFirst(max_wait=0)
    gate.started()  # never finished
    assert gate.step() is True and gate.step() is True
    assert gate.figures()["waited"] == 2


def test_exports_take_turns() -> None:
    """Two exports of a process compute one step at a time: together they take no more of
    the searches' CPU than one."""
    gate = SearchesFirst(max_wait=0)
    second_in = threading.Event()

    def second() -> None:
        with gate.turn():
            second_in.set()

    with gate.turn():
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=0.5)  # it cannot get in while this turn lasts, however long
        assert not second_in.is_set() and gate.steps == 1
    thread.join(timeout=10)
    assert second_in.is_set() and gate.steps == 2


@pytest.mark.parametrize("path, counted", [
    ("/", True), ("/api/search", True), ("/documents/x", True), ("/feed.atom", True),
    ("/export.csv", False), ("/export.json", False), ("/healthz", False),
])
def test_which_requests_an_export_waits_for(path: str, counted: bool) -> None:
    gate = SearchesFirst(max_wait=0)
    seen: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(gate.step())  # an export's step, taken while this request is computed
        return [b""]

    gate.wrap(app)({"PATH_INFO": path}, lambda *a: None)
    assert seen == [counted]
    assert gate.step() is False  # and nothing is left in flight after it


@pytest.mark.slow
def test_exports_give_way_to_searches_in_a_real_server(seed_index: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """In a real server process, an export's blocks wait while searches are in flight
    there (/healthz counts the steps that did), and every export still completes."""
    monkeypatch.setenv("VNSEARCH_EXPORT_CHUNK_ROWS", "1")  # a step per row
    stop = threading.Event()
    exported: list[int] = []
    with running_server(seed_index, extra=("--workers", "1")) as server:
        def search() -> None:
            while not stop.is_set():
                assert fetch(server.url("/api/search?q=giam+ngheo"))[0] == 200

        def export() -> None:
            while not stop.is_set():
                status, headers, body = fetch(server.url("/export.csv?q=giam+ngheo"))
                if status == 200:
                    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
                    assert len(rows) == 1 + int(headers["X-Export-Rows"])
                    exported.append(len(rows) - 1)

        def figures() -> dict[str, int]:
            return json.loads(fetch(server.url("/healthz"))[2])["exports"]

        threads = [threading.Thread(target=search) for _ in range(2)]
        threads.append(threading.Thread(target=export))
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: figures()["waited"] > 0 and exported, 60,
                       "an export step that waited for a search")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        seen = figures()
    assert seen["steps"] > seen["waited"] > 0 and seen["running"] == 0
    assert exported and all(n == exported[0] for n in exported)


# -- the citing documents, a block at a time ----------------------------------------------------
@pytest.mark.parametrize("kept", [0, 3, 50_000])
def test_cited_by_is_the_same_in_blocks_and_searches_each_number_once(small_index: Path,
                                                                     kept: int) -> None:
    """Asked a block at a time, the citing numbers are those of one batch of everything
    (whatever is forgotten in between); a number already looked up is not searched again."""
    from search.index import open_index
    from search.related import CitedBy, cited_by_numbers

    with open_index(small_index) as index:  # two documents, one citing the other
        reader = index.reader
        docs = [(h.id, h.stored["meta"].get("number"), h.stored["meta"].get("province"))
                for h in reader.search(MatchAll(), Filters(), facets=(), limit=100,
                                       fields=("meta",)).hits]
        docs += [(f"{doc_id}-again", number, province) for doc_id, number, province in docs]
        whole = cited_by_numbers(reader, docs)
        assert any(whole.values())
        cited_by = CitedBy(reader, kept=kept)
        blocks = [docs[i:i + 1] for i in range(len(docs))]
        assert {k: v for block in blocks for k, v in cited_by.numbers(block).items()} == whole
        numbers = {n for _i, n, _p in docs if n}
        # the second half repeats the first's numbers: searched again only once forgotten
        assert cited_by.searches == (len(numbers) if kept >= 3 else 2 * len(numbers))
