"""The Xapian engine (search/engine/xapian) against the Whoosh engine, on the same documents
built by the real indexer: the seeds and a generated corpus (bench/generate.py), into a
local Xapian index of one shard and of three.

Matching is the engine-independent part (the same query tree over the same tokens), so
totals, the matching ids, facet counts, date orders, stored documents and messages must be
equal. Ranking is each engine's own (Xapian normalises BM25 by the whole document's length,
Whoosh by the field's): the top-10 overlap is measured and held above a floor.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import threading
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest
import xapian  # the optional extra (`pip install -e '.[cluster]'`), which CI installs
from hypothesis import given
from hypothesis import strategies as st

from search.engine.base import (FACET_FIELDS, And, Filters, IndexDoc, MatchAll, Not, Or,
                                Phrase, Term)
from search.engine.registry import ENGINES, engine_class, engine_name_at, open_engine
from search.engine.xapian.engine import (MAX_COMBINATIONS, MAX_TERM_BYTES, XapianEngine,
                                         to_xapian)
from search.engine.xapian.local import LocalStore, shard_dirs
from search.engine.xapian.store import ID_PREFIX, shard_of
from search.errors import BadQuery, IndexCorrupt, VnSearchError
from search.index import open_index
from search.indexer import add_documents, build_index, remove_documents
from search.results import SearchRequest

from .conftest import CORPORA, ROOT, SEEDS, app_for, run_cli


GENERATED = 300  # generated documents besides the five seeds

# Queries of every kind the parser makes: toned and untoned words, numbers whole and in
# part, phrases, sentences, exclusions, OR, filters typed in the query, title only.
QUERIES = [
    "giảm nghèo",
    "giam ngheo",
    "xã đặc biệt khó khăn",
    '"nông thôn mới"',
    '"nong thon moi"',
    "nông thôn -Kon",
    "-đảng",
    "04-NQ/TU",
    "NQ 04",
    "nghị quyết 04",
    "04/TU",
    "tỉnh ủy OR huyện ủy",
    "đồng bào dân tộc thiểu số vùng đặc biệt khó khăn được hỗ trợ",
    "tăng cường sự lãnh đạo của Đảng đối với công tác phòng chống tham nhũng",
    'loai:"Nghị quyết" nghèo',
    'tieude:"giảm nghèo"',
    "giam ngheo nam:2020-2022",
    "chuyển đổi số",
    "ban chap hanh",
    "xyzzy",
    "",
]
# Request variants: date orders, filters combined (OR within, AND across), year ranges.
VARIANTS: dict[str, dict[str, Any]] = {
    "relevance": {},
    "newest": {"sort": "newest"},
    "oldest": {"sort": "oldest"},
    "filters": {"filters": {"province": ["Kon Tum", "Cao Bằng"], "doc_type": ["Nghị quyết"]}},
    "years": {"year_from": 2020, "year_to": 2023, "filters": {"year": ["2021", "2019"]}},
    "from-year": {"year_from": 2022, "sort": "oldest"},
}
# Relevance queries whose top 10 is compared (those with at least one hit).
RANKED = [q for q in QUERIES if q and q not in ("xyzzy", "-đảng")] + [
    "phát triển du lịch", "kiểm tra giám sát", "công tác tuyên giáo", "thu ngân sách",
    "hội nghị", "quốc phòng an ninh", "cán bộ", "Ban Thường vụ", "kinh tế xã hội năm 2024",
]
# Measured: mean top-10 overlap 0.86 over RANKED (1 and 3 shards alike); the floor leaves
# room for corpus noise, not for a scoring bug (plain BM25's idf measured 0.76).
OVERLAP_FLOOR = 0.8


def _load_bench(name: str) -> ModuleType:
    bench = ROOT / "bench"
    if str(bench) not in sys.path:
        sys.path.insert(0, str(bench))  # generate.py imports corpus_common next to it
    spec = importlib.util.spec_from_file_location(f"xapian_test_{name}", bench / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seeds and GENERATED documents as a JSON Lines file."""
    common, generate = _load_bench("corpus_common"), _load_bench("generate")
    pool = common.load_sentence_pool(2000, seed=7, path=CORPORA / "phapdien.jsonl.xz")
    out = tmp_path_factory.mktemp("generated")
    generate.write_corpus(generate.generate_documents(GENERATED, seed=7, pool=pool), out)
    return [SEEDS, out / "party.jsonl"]


@pytest.fixture(scope="module")
def built(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("engines")
    build_index(corpus, root / "whoosh", workers=1)
    build_index(corpus, XapianEngine(root / "x1"), workers=1)
    build_index(corpus, XapianEngine(root / "x3", shards=3), workers=1)
    return {"whoosh": root / "whoosh", "x1": root / "x1", "x3": root / "x3"}


def _every_hit(index: Any, q: str, variant: dict[str, Any]) -> tuple[Any, list[str]]:
    """The first page's result and the ids of every page, in order."""
    first = index.search(SearchRequest(q=q, per_page=100, **variant))
    ids = [h.id for h in first.hits]
    page = 2
    while len(ids) < first.total:
        ids += [h.id for h in index.search(SearchRequest(q=q, per_page=100, page=page,
                                                         **variant)).hits]
        page += 1
    return first, ids


@pytest.fixture(scope="module")
def indexes(built: dict[str, Path]) -> Iterator[dict[str, Any]]:
    opened = {name: open_index(path) for name, path in built.items()}
    yield opened
    for index in opened.values():
        index.close()


# -- the same answers as Whoosh ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("shards", ["x1", "x3"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("q", QUERIES)
def test_same_matches_totals_facets_and_messages_as_whoosh(indexes, q, variant, shards):
    got, got_ids = _every_hit(indexes[shards], q, VARIANTS[variant])
    want, want_ids = _every_hit(indexes["whoosh"], q, VARIANTS[variant])
    assert got.total == want.total and sorted(got_ids) == sorted(want_ids)
    assert got.facets == want.facets
    assert got.messages == want.messages and got.relaxed == want.relaxed
    if VARIANTS[variant].get("sort") in ("newest", "oldest"):
        assert got_ids == want_ids  # undated last, ties in the same order


@pytest.mark.slow
def test_the_query_table_finds_something(indexes):
    """The table is worth comparing: most queries match, with more than a page."""
    totals = [indexes["whoosh"].search(SearchRequest(q=q)).total for q in QUERIES]
    assert sum(t > 0 for t in totals) >= len(QUERIES) - 2 and max(totals) > 100


@pytest.mark.slow
@pytest.mark.parametrize("shards", ["x1", "x3"])
def test_same_stored_documents_and_stats(indexes, shards):
    mine, ref = indexes[shards], indexes["whoosh"]
    want = {s["id"]: s for s in ref.reader.iter_stored()}
    got = {s["id"]: s for s in mine.reader.iter_stored()}
    assert [dict(s) for s in mine.reader.iter_stored(fields=("id", "path"))] == \
        [{"id": s["id"], "path": s["path"]} for s in mine.reader.iter_stored()]
    assert set(got) == set(want) and len(want) == GENERATED + 5
    strip = lambda s: dict(s, indexed_at=None)  # noqa: E731 - built a moment apart
    assert all(strip(got[i]) == strip(want[i]) for i in want)
    some = sorted(want)[::50]
    for doc_id in some:
        assert strip(mine.get(doc_id)) == strip(ref.get(doc_id))
        assert mine.reader.get(doc_id, fields=("path", "meta")) == \
            ref.reader.get(doc_id, fields=("path", "meta"))
        for chars in (0, 7, 10**9):  # a prefix of the text, as passages read it
            assert mine.reader.get(doc_id, fields=("text", "meta"), text_chars=chars) == \
                ref.reader.get(doc_id, fields=("text", "meta"), text_chars=chars)
        assert mine.related(doc_id) == ref.related(doc_id)
    stats, ref_stats = mine.stats(), ref.stats()
    assert stats["engine"] == "xapian" and stats["documents"] == ref_stats["documents"]
    assert stats["facets"] == ref_stats["facets"]
    for facet in FACET_FIELDS:
        assert mine.reader.facet_values(facet) == ref.reader.facet_values(facet)


@pytest.mark.slow
@pytest.mark.parametrize("field, prefix", [("body_f", "ngh"), ("words", "giảm"),
                                           ("number", ""), ("title", "x"), ("nope", "")])
def test_same_term_statistics(indexes, field, prefix):
    mine, ref = indexes["x3"].reader, indexes["whoosh"].reader
    assert list(mine.term_stats(field, prefix)) == list(ref.term_stats(field, prefix))
    for token, df in list(ref.term_stats(field, prefix))[:20]:
        assert mine.doc_frequency(field, token) == df


@pytest.mark.slow
def test_ranking_overlap_with_whoosh(indexes, capsys):
    """Top 10 of each ranked query: the share of Whoosh's ten that Xapian also has."""
    figures = {}
    for shards in ("x1", "x3"):
        overlaps = []
        for q in RANKED:
            want = [h.id for h in indexes["whoosh"].search(SearchRequest(q=q)).hits]
            got = [h.id for h in indexes[shards].search(SearchRequest(q=q)).hits]
            assert want, q
            overlaps.append(len(set(got) & set(want)) / len(want))
        figures[shards] = sum(overlaps) / len(overlaps)
    with capsys.disabled():
        print(f"\nXapian top-10 overlap with Whoosh over {len(RANKED)} queries: "
              + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    assert min(figures.values()) >= OVERLAP_FLOOR, figures


@pytest.mark.slow
def test_shards_share_global_statistics(indexes):
    """Three shards rank as one database does (Xapian combines their statistics)."""
    for q in RANKED[:8]:
        one = indexes["x1"].search(SearchRequest(q=q))
        three = indexes["x3"].search(SearchRequest(q=q))
        assert [round(h.score, 6) for h in one.hits] == [round(h.score, 6) for h in three.hits]


@pytest.mark.slow
@pytest.mark.parametrize("shards", [1, 3])
def test_every_document_is_in_the_shard_its_id_routes_to(built, shards):
    directory = (built[f"x{shards}"] / "current").resolve()
    dirs = shard_dirs(directory)
    assert len(dirs) == shards
    for i, path in enumerate(dirs):
        db = xapian.Database(str(path))
        ids = [t.term.decode()[len(ID_PREFIX):] for t in db.allterms(ID_PREFIX)]
        assert ids and all(shard_of(doc_id, shards) == i for doc_id in ids)


# -- the web app and the command line ----------------------------------------------------------
@pytest.fixture(scope="module")
def seed_xapian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seed-xapian") / "index"
    report = build_index([SEEDS], XapianEngine(root, shards=2), workers=1)
    assert report.indexed == 5 and not report.failed
    return root


def test_the_web_app_serves_the_page_and_the_api(seed_xapian, seed_index):
    with app_for(seed_xapian) as app, app_for(seed_index) as ref_app:
        got = app.test_client().get("/api/search?q=giam+ngheo&per_page=50").get_json()
        want = ref_app.test_client().get("/api/search?q=giam+ngheo&per_page=50").get_json()
        page = app.test_client().get("/?q=giam+ngheo&province=Kon+Tum")
        doc = app.test_client().get("/documents/000_7deaedef5e058121")
        api_doc = app.test_client().get("/api/documents/000_7deaedef5e058121").get_json()
    assert got["total"] == want["total"] > 0
    assert {h["id"] for h in got["hits"]} == {h["id"] for h in want["hits"]}
    assert got["facets"] == want["facets"]
    assert page.status_code == 200 and "giảm nghèo" in page.get_data(as_text=True).lower()
    assert doc.status_code == 200 and api_doc["id"] == "000_7deaedef5e058121"


@pytest.mark.slow
def test_the_command_line_builds_searches_adds_removes_and_checks(tmp_path):
    index = str(tmp_path / "ix")
    built = run_cli("build", str(SEEDS), "--index", index, "--engine", "xapian")
    assert built.exit_code == 0, built.output
    assert engine_name_at(index) == "xapian"
    found = run_cli("search", "giảm nghèo", "--index", index, "--json")
    assert found.exit_code == 0 and json.loads(found.output)["total"] > 0
    (tmp_path / "new.txt").write_bytes((SEEDS / "003_f630ab64a90e327c.txt").read_bytes())
    added = run_cli("add", str(tmp_path / "new.txt"), "--index", index)
    assert added.exit_code == 0 and "added 1 document" in added.output
    rebuilt = run_cli("build", str(SEEDS), "--index", index)  # the engine it was built with
    assert rebuilt.exit_code == 0 and engine_name_at(index) == "xapian"
    assert run_cli("add", str(tmp_path / "new.txt"), "--index", index).exit_code == 0
    removed = run_cli("remove", "new", "--index", index)
    assert removed.exit_code == 0 and "removed 1 document" in removed.output
    checked = run_cli("check", "--index", index, "--json")
    assert checked.exit_code == 0 and json.loads(checked.output)["documents"] == 5
    stats = run_cli("stats", "--index", index, "--json")
    assert json.loads(stats.output)["engine"] == "xapian"


# -- changes through the interface ----------------------------------------------------------
def _doc(doc_id: str, words: str, **facets: list[str]) -> IndexDoc:
    tokens = words.split()
    return IndexDoc(id=doc_id, fields={"body": tokens, "body_f": tokens},
                    facets={f: facets.get(f, []) for f in FACET_FIELDS},
                    sort={"date": ""}, stored={"id": doc_id, "text": words, "notes": ""})


@pytest.fixture()
def small(tmp_path: Path) -> XapianEngine:
    engine = XapianEngine(tmp_path / "ix", shards=3)
    with engine.lock("test"), engine.begin(fresh=True) as batch:
        batch.add([_doc(f"d{i}", f"lúa gạo {i}", province=["A"]) for i in range(9)])
        batch.publish({"engine": "xapian"})
    return engine


def test_add_and_remove_through_the_interface(tmp_path):
    engine = XapianEngine(tmp_path / "ix", shards=3)
    build_index([SEEDS / "000_7deaedef5e058121.txt"], engine, workers=1)
    (tmp_path / "b.txt").write_bytes((SEEDS / "003_f630ab64a90e327c.txt").read_bytes())
    assert add_documents([tmp_path / "b.txt"], engine).indexed == 1
    with open_index(engine) as index:
        assert index.stats()["documents"] == 2
        generation = index.generation
    assert remove_documents(["b", "nope"], engine) == (["b"], ["nope"])
    with open_index(engine) as index:
        assert index.stats()["documents"] == 1 and index.generation != generation
        assert index.reader.get("b") is None


def test_a_rebuild_keeps_the_number_of_shards(tmp_path):
    one = SEEDS / "000_7deaedef5e058121.txt"
    build_index([one], XapianEngine(tmp_path / "ix", shards=3), workers=1)
    build_index([one], tmp_path / "ix", workers=1)  # through the registry: shards unsaid
    assert len(shard_dirs((tmp_path / "ix" / "current").resolve())) == 3
    assert open_engine(tmp_path / "ix").manifest()["shards"] == 3


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_after_the_first_continue_the_order(small, sort):
    """Pages are slices of one order (a page after the first once crashed the binding's
    MSet.fetch)."""
    reader, query = small.open().reader, Or((Term("body", "lúa"), Term("body", "3")))
    whole = [h.id for h in reader.search(query, Filters(), limit=9, sort=sort).hits]
    pages = [h.id for offset in (0, 4, 8)
             for h in reader.search(query, Filters(), limit=4, offset=offset, sort=sort).hits]
    assert pages == whole and len(whole) == 9


def test_a_replaced_document_stays_one_document(small):
    with small.lock("test"), small.begin(fresh=False) as batch:
        batch.add([_doc("d1", "cà phê", province=["B"])])
        batch.publish({"engine": "xapian"})
    reader = small.open().reader
    assert reader.doc_count() == 9 and reader.get("d1")["text"] == "cà phê"
    res = reader.search(Term("body", "lúa"), Filters(), limit=20)
    assert res.total == 8 and res.facets["province"] == {"A": 8}


@pytest.mark.slow
def test_searches_in_threads_while_changes_are_published(small):
    """Each search reads the generation serving when it starts; one retired under it (the
    store keeps two open) is not closed in the middle of a search."""
    reader = small.open().reader
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        try:
            while not done.is_set():
                seen.append(reader.search(Term("body", "lúa"), Filters(), limit=3).total)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for k in range(6):
            with small.lock("test"), small.begin(fresh=False) as batch:
                batch.add([_doc(f"x{k}", "lúa mì")])
                batch.publish({"engine": "xapian"})
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert not errors and seen and set(seen) <= set(range(9, 16))
    assert reader.search(Term("body", "lúa"), Filters()).total == 15


@pytest.mark.parametrize("fresh", [False, True])
def test_a_discarded_batch_leaves_the_index_as_it_was(small, fresh):
    before = small.generation()
    with small.lock("test"):
        with small.begin(fresh=fresh) as batch:
            batch.add([_doc("new", "cà phê")])
            assert batch.remove(["d1", "d2", "zzz"]) == ([] if fresh else ["d1", "d2"])
            with batch.reader() as pending:
                assert pending.get("new") is not None
        # left without publish: discarded
    reader = small.open().reader
    assert small.generation() == before and reader.doc_count() == 9
    assert reader.get("new") is None and reader.get("d1") is not None
    assert not list(Path(small.location).glob(".build-*"))


def test_a_failed_write_is_one_clear_error_and_changes_nothing(small):
    before = small.generation()
    with pytest.raises(VnSearchError, match="cannot write the Xapian index.*left as it was"):
        with small.lock("test"), small.begin(fresh=False) as batch:
            batch.batch.writers()[0].close()  # a shard's database gone under the batch
            batch.add([_doc(f"n{i}", "cà phê") for i in range(12)])
    reader = small.open().reader
    assert small.generation() == before and reader.doc_count() == 9
    assert not list(Path(small.location).glob(".build-*"))


def test_multi_valued_facets_are_counted_once_per_value(tmp_path):
    engine = XapianEngine(tmp_path / "ix")
    with engine.lock("test"), engine.begin(fresh=True) as batch:
        batch.add([_doc("a", "lúa", province=["Huế", "Quảng Trị"]),
                   _doc("b", "lúa", province=["Huế"]),
                   _doc("c", "lúa", province=["Quảng Trị", "Huế", "Huế"])])
        batch.publish({"engine": "xapian"})
    reader = engine.open().reader
    res = reader.search(MatchAll(), Filters({"province": ["Quảng Trị"]}))
    assert res.total == 2 and res.facets["province"] == {"Huế": 3, "Quảng Trị": 2}
    assert reader.facet_values("province") == ["Huế", "Quảng Trị"]


def test_a_term_longer_than_xapian_allows_still_matches_exactly(tmp_path):
    long_word = "a" * 400
    engine = XapianEngine(tmp_path / "ix")
    with engine.lock("test"), engine.begin(fresh=True) as batch:
        batch.add([_doc("long", f"{long_word} b"), _doc("other", f"{long_word}x b")])
        batch.publish({"engine": "xapian"})
    reader = engine.open().reader
    assert len(next(iter(reader.term_stats("body", "a")))[0].encode()) <= MAX_TERM_BYTES
    assert [h.id for h in reader.search(Term("body", long_word), Filters()).hits] == ["long"]


def test_a_long_id_is_added_found_and_removed(tmp_path):
    long_id = "văn-bản-" * 40  # a long file name makes a long id (over Xapian's term limit)
    engine = XapianEngine(tmp_path / "ix", shards=2)
    with engine.lock("test"), engine.begin(fresh=True) as batch:
        batch.add([_doc(long_id, "lúa"), _doc(long_id[:-1], "gạo")])
        batch.publish({"engine": "xapian"})
    assert engine.open().reader.get(long_id)["text"] == "lúa"
    with engine.lock("test"), engine.begin(fresh=False) as batch:
        assert batch.remove([long_id]) == [long_id]
        batch.publish({"engine": "xapian"})
    reader = engine.open().reader
    assert reader.get(long_id) is None and reader.get(long_id[:-1])["text"] == "gạo"


# -- queries Xapian cannot run, said -----------------------------------------------------------
@pytest.mark.parametrize("query, what", [
    (Or(tuple(Term("body", f"w{i}") for i in range(40)), min_match=2), "2 of 40"),
    (Phrase("words", ("giảm_nghèo", "bền_vững")), "a phrase in words"),
    (Term("body", "a", boost=-1.0), "boost of -1.0"),
    (Term("nope", "a"), "'nope'"),
])
def test_a_query_xapian_cannot_run_is_refused(query, what):
    with pytest.raises(BadQuery) as err:
        to_xapian(query)
    assert err.value.message.code == "query.unsupported" and what in str(err.value)


def test_at_least_k_of_n_matches_as_whoosh_does(seed_xapian, seed_index):
    words = ("kon", "bang", "thi", "luan", "tum")  # in 2 to 4 of the five seeds each
    query = Or(tuple(Term("body_f", w) for w in words), min_match=3)
    also = Not(And((Or(tuple(Term("body_f", w) for w in words), min_match=4),
                    Term("body_f", "ngheo"))), Term("body_f", "xyz"))
    with open_index(seed_xapian) as mine, open_index(seed_index) as ref:
        for q in (query, also):
            got = mine.reader.search(q, Filters(), limit=10)
            want = ref.reader.search(q, Filters(), limit=10)
            assert {h.id for h in got.hits} == {h.id for h in want.hits}
            assert got.total == want.total and 0 < got.total < 5


def test_the_combinations_limit_is_what_the_message_says():
    ok = Or(tuple(Term("body", f"w{i}") for i in range(10)), min_match=3)  # 120
    to_xapian(ok)
    assert MAX_COMBINATIONS >= 120


# -- the location, the registry, damage ----------------------------------------------------------
def test_the_registry_opens_a_xapian_directory_by_its_manifest(seed_xapian):
    assert engine_name_at(seed_xapian) == "xapian" and "xapian" in ENGINES
    engine = open_engine(seed_xapian)
    assert isinstance(engine, XapianEngine) and isinstance(engine.store, LocalStore)
    health = engine.health()
    assert health is not None and len(health) == 2 and all(h["available"] for h in health)


def test_an_engine_whose_binding_is_missing_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(ENGINES, "ghost", "search.engine.ghost_binding:Ghost")
    with pytest.raises(VnSearchError) as err:
        engine_class("ghost", tmp_path)
    assert err.value.message is not None and err.value.message.code == "engine.not_installed"
    assert "pip install" in str(err.value)


def test_a_damaged_shard_is_reported_with_the_command_to_rebuild(seed_xapian, tmp_path):
    copy = tmp_path / "ix"
    shutil.copytree(seed_xapian, copy, symlinks=True)
    shard = shard_dirs((copy / "current").resolve())[1]
    (shard / "postlist.glass").write_bytes(b"\0" * 100)
    with pytest.raises(IndexCorrupt) as err:
        with open_index(copy) as index:
            index.search(SearchRequest(q="giảm nghèo"))
    assert err.value.message is not None and err.value.message.code == "index.damaged"
    assert not LocalStore(copy).health()[1].available


# -- routing ------------------------------------------------------------------------------------
@given(st.text(min_size=1, max_size=40), st.integers(min_value=1, max_value=64))
def test_routing_is_a_stable_function_of_the_id(doc_id, shards):
    shard = shard_of(doc_id, shards)
    assert 0 <= shard < shards and shard == shard_of(doc_id, shards)
    # The same in every process and Python version: CRC-32 of the UTF-8 id, never hash().
    assert shard == (zlib.crc32(doc_id.encode("utf-8")) % shards if shards > 1 else 0)


@pytest.mark.parametrize("doc_id, shards, expected", [
    # Pinned: an index written by one process is read and changed by others, and a
    # cluster's documents stay where they were written, so these must never change.
    ("000_7deaedef5e058121", 3, 1),
    ("party-000001", 2, 1),
    ("party-000002", 5, 2),
    ("Nghị quyết", 7, 6),
    ("anything", 1, 0),
])
def test_routing_table(doc_id, shards, expected):
    assert shard_of(doc_id, shards) == expected
