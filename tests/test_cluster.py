"""The Xapian cluster on loopback: real ``xapian-tcpsrv``/``xapian-replicate`` processes.

Each module-scoped fixture starts a 2-shard x 1-replica cluster (``vnsearch cluster
start``'s library function); tests that kill or promote copies get a cluster of their own.
The store's own tests write Xapian documents straight through :class:`ClusterStore`'s
batches (data: the :class:`~search.engine.base.IndexDoc` as JSON); the last ones build the
seeds with `vnsearch build --index cluster.json` (the Xapian engine) and compare with
Whoosh, and run the web app on the cluster.

Needs Debian's xapian-tools and the ``cluster`` extra (``make test`` installs both).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Iterator

import pytest
import xapian

from search.engine.base import IndexDoc
from search.engine.xapian import servers
from search.engine.xapian.cluster import (
    ClusterStore,
    load_config,
    slot_port,
    split_address,
)
from search.engine.xapian.store import ID_PREFIX, shard_of
from search.errors import IndexCorrupt, IndexLocked, IndexUnavailable
from search.index import open_index
from search.results import SearchRequest

from .conftest import CORPORA, SEEDS, app_for, run_cli, wait_until
from .test_xapian_engine import QUERIES as ENGINE_QUERIES
from .test_xapian_engine import VARIANTS, _every_hit, _load_bench

TERM = "xhello"  # every test document has it


# -- Xapian documents written straight through the store ------------------------------------------
def xdoc(doc: IndexDoc) -> xapian.Document:
    out = xapian.Document()
    out.add_boolean_term(ID_PREFIX + doc.id)
    out.add_term(TERM)
    out.set_data(json.dumps(asdict(doc), ensure_ascii=False))
    return out


def all_docs(db: xapian.Database) -> dict[str, IndexDoc]:
    docs = {}
    for item in db.postlist(""):
        doc = IndexDoc(**json.loads(db.get_document(item.docid).get_data().decode("utf-8")))
        docs[doc.id] = doc
    return docs


# -- helpers ---------------------------------------------------------------------------------------
def doc(doc_id: str, words: str = "giam ngheo") -> IndexDoc:
    return IndexDoc(doc_id, {"body": words.split()}, {}, {}, {"id": doc_id, "title": doc_id})


def write(store: ClusterStore, ids: Iterable[str], *, fresh: bool) -> str:
    with store.lock("test"):
        batch = store.begin(fresh=fresh)
        try:
            for doc_id in ids:
                batch.writer_for(doc_id).replace_document(ID_PREFIX + doc_id, xdoc(doc(doc_id)))
            return batch.publish({"built_at": "test", "documents": "written by tests"})
        finally:
            batch.discard()


def ids_in(db: xapian.Database) -> set[str]:
    return set(all_docs(db))


def matches(db: xapian.Database) -> set[str]:
    """The ids of every document a query finds (through Enquire: the query path)."""
    enquire = xapian.Enquire(db)
    enquire.set_query(xapian.Query(TERM))
    return {json.loads(m.document.get_data())["id"] for m in enquire.get_mset(0, 10_000)}


def copy_db(store: ClusterStore, address: str) -> xapian.Database:
    config = store.config()
    host, _ = split_address(address)
    return xapian.remote_open(host, slot_port(address, config.slot or "a"), 5000, 1000)


@contextlib.contextmanager
def local_cluster(root: Path) -> Iterator[Path]:
    path = servers.start(root / "cluster", 2, 1)
    try:
        yield path
    finally:
        servers.stop(path)


IDS = [f"doc-{i}" for i in range(40)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cluster for the tests that only read or write (none kills a copy)."""
    with local_cluster(tmp_path_factory.mktemp("xcluster")) as path:
        write(ClusterStore(path), IDS, fresh=True)
        yield path


@pytest.fixture()
def own_cluster(tmp_path: Path) -> Iterator[Path]:
    """A cluster of the test's own, for killing and promoting copies."""
    with local_cluster(tmp_path) as path:
        write(ClusterStore(path), IDS, fresh=True)
        yield path


# -- configuration ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, problem", [
    ("{not json", "JSONDecodeError"),
    ("[1, 2]", "not a cluster configuration"),
    ('{"engine": "whoosh"}', "not a cluster configuration"),
    ('{"engine": "xapian"}', "shards"),
    ('{"engine": "xapian", "shards": [{"replicas": []}]}', "shards"),
    ('{"engine": "xapian", "shards": [{"primary": "h:x"}]}', "shards"),
    ('{"engine": "xapian", "shards": [{"primary": "h:1"}], "serving": {"slot": "c"}}', "slot"),
])
def test_a_bad_configuration_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "cluster.json"
    path.write_text(text)
    with pytest.raises(IndexCorrupt) as info:
        load_config(path)
    assert info.value.message is not None and info.value.message.code == "index.bad_config"
    assert problem in info.value.message.params["problem"]


# -- start / status / stop -------------------------------------------------------------------------
def test_status_shows_every_copy_alive_and_the_primaries_serving(cluster: Path) -> None:
    result = run_cli("cluster", "status", "--index", str(cluster), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    config = load_config(cluster)
    assert data["available"] and data["generation"] == config.generation
    for shard, want in zip(data["shards"], config.shards):
        assert [c["address"] for c in shard["copies"]] == list(want.copies)
        assert [(c["role"], c["alive"], c["serving"]) for c in shard["copies"]] == [
            ("primary", True, True), ("replica", True, False)]
        assert all(c["processes"] for c in shard["copies"])
    text = run_cli("cluster", "status", "--dir", str(cluster.parent))
    assert text.exit_code == 0 and "alive, serving" in text.output


@pytest.mark.slow
def test_start_stop_and_start_again_keeps_the_data(tmp_path: Path) -> None:
    root = tmp_path / "c"
    started = run_cli("cluster", "start", "--shards", "2", "--replicas", "1", "--dir", str(root))
    assert started.exit_code == 0, started.output
    path = root / "cluster.json"
    write(ClusterStore(path), IDS, fresh=True)
    stopped = run_cli("cluster", "stop", "--dir", str(root))
    assert stopped.exit_code == 0 and "7" not in stopped.output.split("(")[0]
    down = run_cli("cluster", "status", "--dir", str(root), "--json")
    assert down.exit_code == 3  # done, but the cluster is not whole: no shard answers
    assert not any(c["alive"] for s in json.loads(down.output)["shards"] for c in s["copies"])
    again = run_cli("cluster", "start", "--shards", "2", "--replicas", "1", "--dir", str(root))
    assert again.exit_code == 0, again.output
    try:
        assert ClusterStore(path).run(matches) == set(IDS)
        twice = run_cli("cluster", "start", "--shards", "2", "--replicas", "1", "--dir", str(root))
        assert twice.exit_code == 1 and "already running" in twice.output
    finally:
        servers.stop(path)


def test_missing_xapian_tools_name_the_package(tmp_path: Path) -> None:
    result = run_cli("cluster", "start", "--dir", str(tmp_path / "c"),
                     env={"PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert "apt-get install -y xapian-tools" in result.output


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("cluster", "start", "--dir", str(tmp_path / "c"),
                         "--base-port", str(port))
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is taken" in result.output and "--base-port" in result.output


@pytest.mark.parametrize("args, exit_code, says", [
    (("promote", "7"), 1, "no shard 7"),
    (("promote", "0", "--replica", "127.0.0.1:1"), 1, "is not a replica of shard 0"),
    (("status",), 2, "--dir D"),
])
def test_cluster_command_errors(cluster: Path, args: tuple[str, ...], exit_code: int,
                                says: str) -> None:
    where = () if args == ("status",) else ("--index", str(cluster))
    result = run_cli("cluster", *args, *where, env={"VNSEARCH_INDEX": ""})
    assert result.exit_code == exit_code and says in result.output


# -- writes ----------------------------------------------------------------------------------------
def test_writes_are_routed_by_id(cluster: Path) -> None:
    store = ClusterStore(cluster)
    for number, shard in enumerate(store.config().shards):
        held = ids_in(copy_db(store, shard.primary))
        assert held == {i for i in IDS if shard_of(i, 2) == number}
    assert store.run(matches) == set(IDS)


def test_replication_reaches_every_replica(cluster: Path) -> None:
    store = ClusterStore(cluster)
    for shard in store.config().shards:
        want = ids_in(copy_db(store, shard.primary))
        for replica in shard.replicas:
            assert ids_in(copy_db(store, replica)) == want


@pytest.mark.slow
def test_add_and_remove_are_invisible_until_published(cluster: Path) -> None:
    store = ClusterStore(cluster)
    before = store.generation()
    with store.lock("test"):
        batch = store.begin(fresh=False)
        batch.writer_for("extra").replace_document(ID_PREFIX + "extra", xdoc(doc("extra")))
        batch.writer_for(IDS[0]).delete_document(ID_PREFIX + IDS[0])
        assert matches(batch.reader()) == set(IDS[1:]) | {"extra"}  # the pending state
        assert store.run(matches) == set(IDS)  # readers: unchanged
        batch.discard()
    assert store.run(matches) == set(IDS) and store.generation() == before
    with store.lock("test"):
        batch = store.begin(fresh=False)
        batch.writer_for("extra").replace_document(ID_PREFIX + "extra", xdoc(doc("extra")))
        batch.publish({"built_at": "test"})
    assert store.generation() != before
    assert store.run(matches) == set(IDS) | {"extra"}
    write_removal(store, "extra")
    assert store.run(matches) == set(IDS)


def write_removal(store: ClusterStore, doc_id: str) -> None:
    with store.lock("test"):
        batch = store.begin(fresh=False)
        batch.writer_for(doc_id).delete_document(ID_PREFIX + doc_id)
        batch.publish({"built_at": "test"})


def test_one_writer_at_a_time(cluster: Path) -> None:
    store = ClusterStore(cluster)
    with store.lock("first"), pytest.raises(IndexLocked) as info:
        with ClusterStore(cluster).lock("second"):
            pass
    assert info.value.message is not None and "first" in info.value.message.params["holder"]


def test_a_rebuild_is_not_read_before_it_is_published(cluster: Path) -> None:
    """A fresh build writes the slot nobody reads: even committed (as Xapian does by itself
    every 10,000 documents), readers see the serving index until publish."""
    store = ClusterStore(cluster)
    with store.lock("test"):
        batch = store.begin(fresh=True)
        try:
            batch.writer_for("only").replace_document(ID_PREFIX + "only", xdoc(doc("only")))
            for writer in batch.writers():
                writer.commit()
            assert matches(batch.reader()) == {"only"}
            assert store.run(matches) == set(IDS)
        finally:
            batch.discard()
    assert store.run(matches) == set(IDS)


@pytest.mark.slow
def test_a_rebuild_is_never_seen_partial(cluster: Path) -> None:
    """Readers loop while a fresh build of a different set is written and published: each
    answer is the whole old set or the whole new one, never a part or a mix."""
    store = ClusterStore(cluster)
    new = [f"new-{i}" for i in range(60)]
    seen: list[frozenset[str]] = []
    stop = threading.Event()

    def read() -> None:
        reader = ClusterStore(cluster)
        while not stop.is_set():
            seen.append(frozenset(reader.run(matches)))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        wait_until(lambda: len(seen) > 5, 30, "the first reads")
        write(store, new, fresh=True)
        count = len(seen)
        wait_until(lambda: len(seen) > count + 5, 30, "reads after the swap")
    finally:
        stop.set()
        thread.join()
    assert set(seen) == {frozenset(IDS), frozenset(new)}
    assert seen[-1] == frozenset(new)
    write(store, IDS, fresh=True)  # as the other tests expect it


# -- failover --------------------------------------------------------------------------------------
def query_loop(path: Path, want: set[str]) -> tuple[threading.Event, threading.Thread,
                                                    dict[str, int]]:
    """Queries through ClusterStore.run in a thread until the event is set: counts of the
    answers, the complete ones, and the failed."""
    counts = {"queries": 0, "complete": 0, "failed": 0}
    stop = threading.Event()
    store = ClusterStore(path)

    def loop() -> None:
        while not stop.is_set():
            try:
                found = store.run(matches)
            except Exception:  # noqa: BLE001 - any failure is what the test counts
                counts["failed"] += 1
            else:
                counts["complete"] += found == want
            counts["queries"] += 1

    thread = threading.Thread(target=loop)
    thread.start()
    return stop, thread, counts


def test_a_dropped_connection_is_not_a_dead_copy(cluster: Path) -> None:
    """A server may close a connection (its idle timeout) and live on: the store reconnects
    to the same copy instead of failing over, let alone calling the shard unavailable."""
    store = ClusterStore(cluster)
    assert store.run(matches) == set(IDS)
    primary = store.config().shards[0].primary
    leader = load_config(cluster).local["pids"][primary][0]  # slot a's xapian-tcpsrv
    children = subprocess.run(["pgrep", "-P", str(leader)], capture_output=True, text=True)
    for pid in map(int, children.stdout.split()):  # the processes serving connections
        os.kill(pid, signal.SIGKILL)
    assert children.stdout.split(), "no connection was being served"
    assert store.run(matches) == set(IDS)
    assert not store._is_dead(primary)
    assert store.health()[0].copies[0].serving


@pytest.mark.slow
def test_killing_a_primary_loses_no_query(own_cluster: Path) -> None:
    stop, thread, counts = query_loop(own_cluster, set(IDS))
    try:
        wait_until(lambda: counts["queries"] > 20, 30, "queries before the kill")
        primary = load_config(own_cluster).shards[0].primary
        servers.stop_copy(own_cluster, primary, signal.SIGKILL)  # as a lost host
        killed_at = counts["queries"]
        wait_until(lambda: counts["queries"] > killed_at + 50, 30, "queries after the kill")
    finally:
        stop.set()
        thread.join()
    assert counts["failed"] == 0 and counts["complete"] == counts["queries"]
    health = ClusterStore(own_cluster).health()
    assert [(c.alive, c.serving) for c in health[0].copies] == [(False, False), (True, True)]


@pytest.mark.slow
def test_promote_then_write(own_cluster: Path) -> None:
    store = ClusterStore(own_cluster)
    old = load_config(own_cluster).shards[0]
    servers.stop_copy(own_cluster, old.primary, signal.SIGKILL)
    # Writes need every primary: refused, naming the command that fixes it.
    with pytest.raises(IndexUnavailable) as info:
        store.begin(fresh=False)
    assert info.value.message is not None and info.value.message.code == "index.no_primary"
    assert "vnsearch cluster promote 0" in str(info.value)
    result = run_cli("cluster", "promote", "0", "--index", str(own_cluster))
    assert result.exit_code == 0, result.output
    new = load_config(own_cluster).shards[0]
    assert new.primary == old.replicas[0] and new.replicas == (old.primary,)
    extra = next(f"x{i}" for i in range(100) if shard_of(f"x{i}", 2) == 0)
    write(store, [extra], fresh=False)
    assert store.run(matches) == set(IDS) | {extra}
    # the old primary rejoined as a replica and has the write
    assert extra in ids_in(copy_db(store, old.primary))
    assert [c.alive for c in store.health()[0].copies] == [True, True]


@pytest.mark.slow
def test_a_shard_with_no_live_copy_is_unavailable(own_cluster: Path) -> None:
    store = ClusterStore(own_cluster)
    shard = load_config(own_cluster).shards[1]
    for address in shard.copies:
        servers.stop_copy(own_cluster, address, signal.SIGKILL)
    with pytest.raises(IndexUnavailable) as info:
        store.run(matches)
    message = info.value.message
    assert message is not None and message.code == "index.unavailable"
    assert message.params["shard"] == 1 and list(message.params["copies"]) == list(shard.copies)
    assert [s.available for s in store.health()] == [True, False]


# -- the real engine on the cluster: the seeds through `vnsearch build`, then the web app ---------
QUERIES = ["giảm nghèo", "giam ngheo", '"nông thôn mới"', "04-NQ/TU", "tỉnh ủy OR huyện ủy",
           'loai:"Nghị quyết" nghèo', "nông thôn -Kon", "xyzzy", ""]


@pytest.fixture(scope="module")
def seeded_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The seeds built into a cluster by `vnsearch build --index cluster.json` (the registry
    picks the Xapian engine from the file's "engine")."""
    with local_cluster(tmp_path_factory.mktemp("seeded")) as path:
        result = run_cli("build", str(SEEDS), "--index", str(path), "--workers", "1")
        assert result.exit_code == 0, result.output
        yield path


@pytest.mark.slow
@pytest.mark.parametrize("q", QUERIES)
def test_the_cluster_finds_what_whoosh_finds(seeded_cluster: Path, seed_index: Path,
                                             q: str) -> None:
    """Same matches, totals and facet counts as the Whoosh engine (ranking is Xapian's own:
    see tests/test_xapian_engine.py for how much it differs)."""
    with open_index(str(seeded_cluster)) as got, open_index(seed_index) as want:
        assert got.engine.name == "xapian"
        a = got.search(SearchRequest(q=q, per_page=100))
        b = want.search(SearchRequest(q=q, per_page=100))
    assert a.total == b.total and {h.id for h in a.hits} == {h.id for h in b.hits}
    assert a.facets == b.facets


ORDERS = {
    "newest": {"sort": "newest"},
    "oldest": {"sort": "oldest"},
    "filters": {"filters": {"province": ["Kon Tum", "Cao Bằng"], "doc_type": ["Nghị quyết"]}},
    "years": {"year_from": 2016, "year_to": 2023, "sort": "oldest"},
}


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(ORDERS))
def test_date_orders_and_filters_on_the_cluster(seeded_cluster: Path, seed_index: Path,
                                                variant: str) -> None:
    """Date orders are Whoosh's, hit for hit (the remote backend takes no KeyMaker: the
    engine sorts by a value slot); filters and year ranges match the same documents."""
    with open_index(str(seeded_cluster)) as got, open_index(seed_index) as want:
        a = got.search(SearchRequest(q="", per_page=100, **ORDERS[variant]))
        b = want.search(SearchRequest(q="", per_page=100, **ORDERS[variant]))
    assert a.total == b.total and a.facets == b.facets
    assert [h.id for h in a.hits] == [h.id for h in b.hits]


# -- generated documents: the engine tests' query table, through a cluster ------------------------
GENERATED = 120  # besides the seeds: enough for pages, facets over provinces and years


@pytest.fixture(scope="module")
def generated_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The seeds and GENERATED documents built by `vnsearch build` into a 2 × 1 cluster and
    into a Whoosh directory."""
    root = tmp_path_factory.mktemp("generated-cluster")
    common, generate = _load_bench("corpus_common"), _load_bench("generate")
    pool = common.load_sentence_pool(1000, seed=11, path=CORPORA / "phapdien.jsonl.xz")
    generate.write_corpus(generate.generate_documents(GENERATED, seed=11, pool=pool), root / "gen")
    corpus = [str(SEEDS), str(root / "gen" / "party.jsonl")]
    whoosh = root / "whoosh"
    assert run_cli("build", *corpus, "--index", str(whoosh), "--workers", "1").exit_code == 0
    with local_cluster(root) as path:
        result = run_cli("build", *corpus, "--index", str(path), "--workers", "1")
        assert result.exit_code == 0, result.output
        yield path, whoosh


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("q", ENGINE_QUERIES)
def test_generated_documents_on_the_cluster_as_whoosh(generated_pair: tuple[Path, Path], q: str,
                                                      variant: str) -> None:
    """Every page's ids, totals, facet counts and messages equal Whoosh's over the remote
    shards (global statistics, value slots for facets and date order, all over the network)."""
    cluster_path, whoosh = generated_pair
    with open_index(str(cluster_path)) as cluster, open_index(whoosh) as ref:
        got, got_ids = _every_hit(cluster, q, VARIANTS[variant])
        want, want_ids = _every_hit(ref, q, VARIANTS[variant])
    assert got.total == want.total and sorted(got_ids) == sorted(want_ids)
    assert got.facets == want.facets and got.messages == want.messages
    if VARIANTS[variant].get("sort") in ("newest", "oldest"):
        assert got_ids == want_ids


@pytest.mark.slow
def test_the_cluster_is_searched_from_the_cli(seeded_cluster: Path) -> None:
    result = run_cli("search", "giảm nghèo", "--index", str(seeded_cluster), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] > 0


@pytest.mark.slow
def test_add_and_remove_on_the_cluster_from_the_cli(tmp_path: Path) -> None:
    new = tmp_path / "quyet-dinh-moi.txt"
    new.write_text("Quyết định về phát triển cây mắc ca ở vùng cao xyzmacca", "utf-8")
    with local_cluster(tmp_path) as path:
        assert run_cli("build", str(SEEDS), "--index", str(path), "--workers", "1").exit_code == 0

        def found() -> int:
            result = run_cli("search", "xyzmacca", "--index", str(path), "--json")
            assert result.exit_code == 0, result.output
            return int(json.loads(result.output)["total"])

        assert found() == 0
        added = run_cli("add", str(new), "--index", str(path))
        assert added.exit_code == 0, added.output
        assert found() == 1
        removed = run_cli("remove", "quyet-dinh-moi", "--index", str(path))
        assert removed.exit_code == 0, removed.output
        assert found() == 0


@pytest.mark.slow
def test_the_web_app_reports_shards_and_a_dead_one_is_a_503(tmp_path: Path) -> None:
    with local_cluster(tmp_path) as path:
        assert run_cli("build", str(SEEDS), "--index", str(path), "--workers", "1").exit_code == 0
        with app_for(path) as app:
            client = app.test_client()
            health = client.get("/healthz")
            assert health.status_code == 200, health.get_json()
            shards = health.get_json()["shards"]
            assert [s["available"] for s in shards] == [True, True]
            assert [[c["serving"] for c in s["copies"]] for s in shards] == [[True, False]] * 2
            assert client.get("/api/search?q=giam+ngheo").get_json()["total"] > 0
            for address in load_config(path).shards[1].copies:
                servers.stop_copy(path, address, signal.SIGKILL)
            for url in ("/healthz", "/api/search?q=giam+ngheo"):
                answer = client.get(url)
                body = answer.get_json()
                assert answer.status_code == 503, (url, body)
                assert body["code"] == "index.unavailable" and body["params"]["shard"] == 1
            page = client.get("/?q=giam+ngheo")
            text = page.get_data(as_text=True)
            assert page.status_code == 503
            assert "Phân mảnh 1" in text and "không còn bản sao nào hoạt động" in text


@pytest.mark.slow
def test_the_cluster_benchmark_quick_run(tmp_path: Path) -> None:
    """Smoke run of bench/cluster (figures are not asserted): it keeps working."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(root / "bench" / "cluster"), "--size", "150",
                           "--passes", "1", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| Whoosh (one directory) |" in proc.stdout
    assert re.search(r"\| Xapian cluster 2×1 \(127\.0\.0\.1\) \| .* per node \d+: \d+ MB",
                     proc.stdout), proc.stdout[-2000:]
