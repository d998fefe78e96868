"""A second engine with no directory plugs in without touching parsing, metadata, query
understanding, results or the web: the in-memory engine of ``tests/memory_engine.py``
builds the seeds through the real indexer and answers the real ``search()``.

Matching is the engine-independent part (the same query tree over the same tokens), so
totals, facet counts and the set of matching documents must equal Whoosh's; ranking is
each engine's own (this one's BM25 is simpler), so only the best document is compared on
queries with one clear answer.
"""

from __future__ import annotations

import pytest

from search.index import open_index
from search.indexer import add_documents, build_index, remove_documents
from search.results import SearchRequest

from .conftest import SEEDS
from .memory_engine import PUBLISHED, MemoryEngine

QUERIES = [
    "giảm nghèo",
    "giam ngheo",
    "xã đặc biệt khó khăn",
    '"nông thôn mới"',
    "nông thôn -Kon",
    "04-NQ/TU",
    "tỉnh ủy OR huyện ủy",
    "đồng bào dân tộc thiểu số vùng đặc biệt khó khăn được hỗ trợ",
    "loai:\"Nghị quyết\" nghèo",
    "",
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory, seed_index):
    memory = MemoryEngine(f"seeds-{id(tmp_path_factory)}")
    build_index([SEEDS], memory, workers=1)
    yield memory, seed_index
    PUBLISHED.pop(memory.key, None)


def _ids(index, q, **kw):
    res = index.search(SearchRequest(q=q, per_page=100, **kw))
    return res, {h.id for h in res.hits}


@pytest.mark.parametrize("q", QUERIES)
def test_same_matches_totals_and_facets_as_whoosh(engines, q):
    memory, whoosh_path = engines
    with open_index(memory) as mem, open_index(whoosh_path) as ref:
        got, got_ids = _ids(mem, q)
        want, want_ids = _ids(ref, q)
    assert got.total == want.total and got_ids == want_ids
    assert got.facets == want.facets
    assert got.messages == want.messages and got.relaxed == want.relaxed


@pytest.mark.parametrize("q, filters", [
    ("nghèo", {"province": ["Kon Tum"]}),
    ("nghèo", {"year": ["2022", "2023"]}),
    ("", {"doc_type": ["Kết luận"]}),
])
def test_same_filtered_results(engines, q, filters):
    memory, whoosh_path = engines
    with open_index(memory) as mem, open_index(whoosh_path) as ref:
        got, got_ids = _ids(mem, q, filters=filters)
        want, want_ids = _ids(ref, q, filters=filters)
    assert got_ids == want_ids and got.facets == want.facets


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_same_date_order(engines, sort):
    memory, whoosh_path = engines
    with open_index(memory) as mem, open_index(whoosh_path) as ref:
        got = [h.id for h in mem.search(SearchRequest(q="", sort=sort, per_page=50)).hits]
        want = [h.id for h in ref.search(SearchRequest(q="", sort=sort, per_page=50)).hits]
    assert got == want


def test_documents_related_and_stats_through_the_interface(engines):
    memory, whoosh_path = engines
    with open_index(memory) as mem, open_index(whoosh_path) as ref:
        for stored in ref.reader.iter_stored():
            mine = dict(mem.get(stored["id"]), indexed_at=None)  # built a moment apart
            assert mine == dict(stored, indexed_at=None)
            assert mem.related(stored["id"]) == ref.related(stored["id"])
        assert mem.stats()["documents"] == ref.stats()["documents"]
        assert mem.stats()["facets"] == ref.stats()["facets"]
        assert mem.stats()["engine"] == "memory"


def test_add_and_remove_through_the_interface(tmp_path):
    memory = MemoryEngine(f"changes-{id(tmp_path)}")
    try:
        first = SEEDS / "000_7deaedef5e058121.txt"
        build_index([first], memory, workers=1)
        (tmp_path / "b.txt").write_bytes((SEEDS / "003_f630ab64a90e327c.txt").read_bytes())
        report = add_documents([tmp_path / "b.txt"], memory)
        assert report.indexed == 1
        with open_index(memory) as index:
            assert index.stats()["documents"] == 2
            generation = index.generation
        assert remove_documents(["b", "nope"], memory) == (["b"], ["nope"])
        with open_index(memory) as index:
            assert index.stats()["documents"] == 1 and index.generation != generation
    finally:
        PUBLISHED.pop(memory.key, None)


def test_the_web_app_serves_from_it(engines):
    """The Flask app, given the engine instead of a path, serves the page and the API."""
    from web import create_app

    memory, whoosh_path = engines
    mem_app = create_app({"INDEX": memory, "TESTING": True})
    ref_app = create_app({"INDEX": str(whoosh_path), "TESTING": True})
    try:
        got = mem_app.test_client().get("/api/search?q=giam+ngheo&per_page=50").get_json()
        want = ref_app.test_client().get("/api/search?q=giam+ngheo&per_page=50").get_json()
        page = mem_app.test_client().get("/?q=giam+ngheo")
    finally:
        for app in (mem_app, ref_app):
            app.extensions["vnsearch"].close()
    assert got["total"] == want["total"] > 0
    assert {h["id"] for h in got["hits"]} == {h["id"] for h in want["hits"]}
    assert page.status_code == 200 and "giảm nghèo" in page.get_data(as_text=True).lower()
