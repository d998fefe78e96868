"""The engine boundary: a registry picks the engine from the index location, the engine
owns its storage and lifecycle (lock, batch of adds and removes, publish), and readers
return only the stored fields asked for."""

from __future__ import annotations

import json
import os

import pytest

from search.documents import INDEX_FORMAT
from search.engine.base import Batch, Engine, Filters, IndexDoc, MatchAll, Term
from search.engine.registry import ENGINES, engine_name_at, open_engine
from search.engine.whoosh.engine import WhooshEngine
from search.errors import IndexMissing, VnSearchError
from search.index import open_index
from search.indexer import build_index, remove_documents

from .conftest import SEEDS


def _doc(doc_id: str, words: str) -> IndexDoc:
    return IndexDoc(id=doc_id, fields={"body": words.split(), "number": []},
                    facets={"province": ["Kon Tum"]}, sort={"date": "2020-01-01"},
                    stored={"id": doc_id, "text": words, "meta": {"title": doc_id}, "path": "p"})


def _publish_docs(engine: Engine, docs: list[IndexDoc]) -> str:
    with engine.lock("test"), engine.begin(fresh=True) as batch:
        batch.add(docs)
        return batch.publish({"engine": engine.name, "format": INDEX_FORMAT})


@pytest.mark.parametrize("setup, expected", [
    ("nothing", "whoosh"),                      # a new location: the default engine
    ("manifest-whoosh", "whoosh"),
    ("manifest-other", "cluster-x"),            # what the manifest says, not assumed
    ("manifest-without-engine", "whoosh"),      # written before engines were named
    ("config-file", "cluster-x"),               # a file: an engine's configuration
])
def test_engine_name_comes_from_the_location(tmp_path, setup, expected):
    location = tmp_path / "ix"
    if setup.startswith("manifest"):
        (location / "gen-1").mkdir(parents=True)
        os.symlink("gen-1", location / "current")
        manifest = {"whoosh": {"engine": "whoosh"}, "other": {"engine": "cluster-x"},
                    "without-engine": {}}[setup.removeprefix("manifest-")]
        (location / "gen-1" / "manifest.json").write_text(json.dumps(manifest))
    elif setup == "config-file":
        location = tmp_path / "cluster.json"
        location.write_text(json.dumps({"engine": "cluster-x", "shards": []}))
    assert engine_name_at(location) == expected


def test_an_engine_this_install_lacks_is_a_clear_error(tmp_path):
    config = tmp_path / "cluster.json"
    config.write_text(json.dumps({"engine": "cluster-x"}))
    with pytest.raises(VnSearchError, match="engine 'cluster-x'.*known: whoosh"):
        open_engine(config)


def test_a_registered_engine_is_chosen_from_the_manifest(tmp_path, monkeypatch):
    """Registering a class under the manifest's name is all it takes to plug one in."""

    class Tagged(WhooshEngine):
        name = "tagged"

    monkeypatch.setitem(ENGINES, "tagged", f"{__name__}:_TAGGED")
    monkeypatch.setitem(globals(), "_TAGGED", Tagged)
    _publish_docs(Tagged(tmp_path / "ix"), [_doc("a", "xã khó khăn")])
    engine = open_engine(tmp_path / "ix")
    assert type(engine) is Tagged
    with open_index(tmp_path / "ix") as index:
        assert index.engine.name == "tagged" and index.stats()["engine"] == "tagged"


def test_an_engine_instance_passes_through(tmp_path):
    engine = WhooshEngine(tmp_path / "ix")
    assert open_engine(engine) is engine


@pytest.mark.parametrize("fields, keys", [
    (None, {"id", "text", "meta", "path"}),
    (("meta",), {"meta"}),
    (("meta", "path", "missing"), {"meta", "path"}),
    ((), set()),
])
def test_readers_return_only_the_fields_asked_for(tmp_path, fields, keys):
    engine = WhooshEngine(tmp_path / "ix")
    _publish_docs(engine, [_doc("a", "xã khó khăn"), _doc("b", "xã nghèo")])
    with engine.open().reader as reader:
        res = reader.search(Term("body", "xã"), Filters(), fields=fields)
        assert res.total == 2 and all(set(h.stored) == keys for h in res.hits)
        assert set(reader.get("a", fields=fields) or {"id": 1, "text": 1, "meta": 1,
                                                      "path": 1}) >= keys


def test_a_batch_is_invisible_until_published_and_discarded_on_error(tmp_path):
    engine = WhooshEngine(tmp_path / "ix")
    first = _publish_docs(engine, [_doc("a", "một")])
    with pytest.raises(RuntimeError), engine.lock("test"):
        with engine.begin(fresh=False) as batch:
            batch.add([_doc("b", "hai")])
            with batch.reader() as pending:
                assert pending.doc_count() == 2  # the batch sees its own change
            with engine.open().reader as serving:
                assert serving.doc_count() == 1  # nobody else does
            raise RuntimeError("the build failed")
    assert engine.generation() == first
    assert not list((tmp_path / "ix").glob(".build-*"))  # the work copy is gone


def test_removing_many_ids_is_one_change(tmp_path):
    from whoosh import index as windex

    def whoosh_generation(engine: WhooshEngine) -> int:
        opened = engine.open()
        with opened.reader as reader:
            ix = windex.open_dir(str(reader.directory))
            try:
                return int(ix.latest_generation())
            finally:
                ix.close()

    engine = WhooshEngine(tmp_path / "ix")
    _publish_docs(engine, [_doc(i, "chữ") for i in "abcdef"])
    before = whoosh_generation(engine)
    removed, unknown = remove_documents(["a", "zz", "c", "e", "a"], engine)
    assert removed == ["a", "c", "e"] and unknown == ["zz"]
    # one Whoosh commit for the three ids (a commit per id would add three generations)
    assert whoosh_generation(engine) == before + 1
    opened = engine.open()
    with opened.reader as reader:
        assert reader.doc_count() == 3 and opened.manifest["documents"] == 3


def test_an_empty_location_is_missing_not_created(tmp_path):
    engine = WhooshEngine(tmp_path / "nothing")
    assert engine.generation() is None
    with pytest.raises(IndexMissing, match="vnsearch build"):
        engine.open()


def test_search_hits_carry_the_text_only_when_highlighting(tmp_path, monkeypatch):
    """The full text (by far the largest stored field) is fetched only for passages."""
    from search.results import SearchRequest

    build_index([SEEDS], tmp_path / "ix", workers=1)
    asked: list[object] = []
    with open_index(tmp_path / "ix") as index:
        reader = index.reader
        original = reader.search

        def spy(*args, **kwargs):
            asked.append(kwargs.get("fields"))
            return original(*args, **kwargs)

        monkeypatch.setattr(reader, "search", spy)
        with_passages = index.search(SearchRequest(q="giảm nghèo"))
        without = index.search(SearchRequest(q="giảm nghèo", highlight=False))
    assert "text" in asked[0] and "text" not in asked[-1]
    assert with_passages.hits[0].highlights and not without.hits[0].highlights
    assert [h.id for h in with_passages.hits] == [h.id for h in without.hits]


def test_the_interface_names_no_storage():
    """Engine and Batch methods take no directory: a networked engine has none."""
    import inspect

    for cls in (Engine, Batch):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            params = inspect.signature(member).parameters
            assert not any(p in ("directory", "path") for p in params), (cls.__name__, name)
    assert MatchAll() == MatchAll()
