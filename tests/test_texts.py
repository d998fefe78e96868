"""The Whoosh engine keeps each document's text and notes apart from its stored record
(search/engine/whoosh/texts.py): they round-trip exactly through every way a segment is
written (build, parallel writers, add with merges, remove, the status pass), a reader asked
for no text reads none, and a prefix read decompresses only the chunks that hold it."""

from __future__ import annotations

import json
import pickle
import shutil
import unicodedata
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex

from search.documents import INDEX_FORMAT
from search.engine.base import Filters, IndexDoc, Term, only
from search.engine.generations import IndexLocation
from search.engine.whoosh import texts as text_store
from search.engine.whoosh.engine import (PHRASE_FIELDS, POSTING_FIELDS, WhooshEngine,
                                         open_directory)
from search.engine.whoosh.postings import PREFIX, sync_sidecars
from search.engine.whoosh.texts import CHUNK_CHARS, SegmentTexts, TextStoreWriter
from search.errors import VnSearchError
from search.highlight import HEAD_CHARS, PASSAGE_CHARS

from .conftest import index_texts

C = CHUNK_CHARS
VIET = unicodedata.normalize("NFC", "Nghị quyết về giảm nghèo bền vững ở Hà Giang, Đắk Lắk; ")


def _long(n: int, seed: str = VIET) -> str:
    return (seed * (n // len(seed) + 1))[:n]


# Texts at and around the chunk boundaries, empty, Vietnamese NFC, several megabytes.
TEXTS = {
    "empty": "",
    "one char": "ạ",
    "vietnamese": VIET,
    "chunk - 1": _long(C - 1),
    "chunk": _long(C),
    "chunk + 1": _long(C + 1),
    "two chunks": _long(2 * C),
    "astral": _long(C + 3, "𝔸ấ\n"),
    "3 MB": _long(3_000_000),
}


def _doc(doc_id: str, text: str, notes: str = "", word: str = "nghèo") -> IndexDoc:
    return IndexDoc(id=doc_id, fields={"body": [word, doc_id]}, facets={}, sort={},
                    stored={"id": doc_id, "path": f"/x/{doc_id}.txt", "meta": {"title": doc_id},
                            "text": text, "notes": notes, "status": "unknown"})


def _publish(engine: WhooshEngine, docs: list[IndexDoc] | None = None, remove: list[str] = (),
             fresh: bool = False) -> None:
    with engine.lock("test"), engine.begin(fresh=fresh) as batch:
        if docs:
            batch.add(docs)
        if remove:
            batch.remove(remove)
        batch.publish({"engine": "whoosh", "format": INDEX_FORMAT})


def _records(engine: WhooshEngine) -> dict[str, dict[str, Any]]:
    opened = engine.open()
    try:
        records = {r["id"]: r for r in opened.reader.iter_stored()}
        for doc_id, record in records.items():  # by id too: the live copy, never a deleted one
            assert opened.reader.get(doc_id) == record
        return records
    finally:
        opened.reader.close()


def _segments(engine: WhooshEngine) -> int:
    ix = windex.open_dir(str(engine.store.current()))
    try:
        return len(ix._segments())
    finally:
        ix.close()


@pytest.mark.slow
@pytest.mark.parametrize("writers", [1, 2])
def test_texts_round_trip_through_build_add_merge_and_remove(tmp_path: Path, writers: int) -> None:
    engine = WhooshEngine(tmp_path / "ix", writers=writers, batch=2)
    docs = [_doc(name.replace(" ", "-"), text, notes=text[:100]) for name, text in TEXTS.items()]
    _publish(engine, docs, fresh=True)
    want = {d.id: d.stored for d in docs}
    assert _records(engine) == want
    # Adds, each a small segment, until Whoosh merges some (its MERGE_SMALL policy).
    most = _segments(engine)
    k = 0
    while _segments(engine) >= most:
        most = max(most, _segments(engine))
        k += 1
        doc = _doc(f"add-{k}", _long(C + k, "Điều khoản thi hành. "), notes=f"ghi chú {k}")
        replaced = _doc("chunk", _long(C + k, "Văn bản thay thế. "))  # an update each time
        _publish(engine, [doc, replaced])
        want[doc.id], want["chunk"] = doc.stored, replaced.stored
        assert k < 30, "Whoosh never merged"
    assert _records(engine) == want
    _publish(engine, remove=["chunk", "add-1"])
    del want["chunk"], want["add-1"]
    records = _records(engine)
    assert records == want
    assert [list(r) for r in records.values()] == [list(want[i]) for i in records]  # key order
    # Deleted copies never come back: every store holds exactly its segment's documents.
    directory = engine.store.current()
    ix = windex.open_dir(str(directory))
    with ix.reader() as reader:
        for segreader, _off in reader.leaf_readers():
            store = SegmentTexts(directory, segreader.segment().segment_id())
            assert store.doc_count == segreader.doc_count_all()
    ix.close()


def test_a_merged_segment_without_its_sources_is_an_error(tmp_path: Path) -> None:
    """A live document whose text is in no store fails the sync, never an empty text."""
    engine = WhooshEngine(tmp_path / "ix")
    _publish(engine, [_doc("a", "Văn bản A.")], fresh=True)
    _publish(engine, [_doc("b", "Văn bản B.")])
    work = tmp_path / "work"
    shutil.copytree(engine.store.current(), work)
    ix = windex.open_dir(str(work))
    ix.writer().commit(optimize=True)  # one merged segment, no store yet
    for drop_sources in (True, False):
        if drop_sources:
            kept = tmp_path / "kept"
            kept.mkdir()
            for path in work.glob(f"{PREFIX}*.texts.*"):
                shutil.move(path, kept / path.name)
        with ix.reader() as reader:
            if drop_sources:
                with pytest.raises(text_store.TextsNotFound):
                    sync_sidecars(work, reader, POSTING_FIELDS, PHRASE_FIELDS)
                for path in kept.iterdir():
                    shutil.move(path, work / path.name)
            else:
                sync_sidecars(work, reader, POSTING_FIELDS, PHRASE_FIELDS)
    ix.close()
    reader = open_directory(work)
    try:
        assert {r["id"]: r["text"] for r in reader.iter_stored()} == {"a": "Văn bản A.",
                                                                       "b": "Văn bản B."}
    finally:
        reader.close()


@pytest.fixture(scope="module")
def five_million(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    engine = WhooshEngine(tmp_path_factory.mktemp("five") / "ix")
    _publish(engine, [_doc("long", _long(5_000_000)), _doc("short", VIET)], fresh=True)
    opened = engine.open()
    yield opened.reader
    opened.reader.close()


HIT_FIELDS = ("meta", "path", "status")


@pytest.mark.parametrize("fields, text_chars, chunks", [
    (HIT_FIELDS, None, 0),  # metadata only: no text chunk at all
    ((), None, 0),
    ((*HIT_FIELDS, "text"), 0, 0),
    ((*HIT_FIELDS, "text"), 1, 1),
    ((*HIT_FIELDS, "text"), C, 1),
    ((*HIT_FIELDS, "text"), C + 1, 2),
    ((*HIT_FIELDS, "text"), PASSAGE_CHARS, -(-PASSAGE_CHARS // C)),
    (("text",), None, -(-5_000_000 // C)),  # the whole text: every chunk, once
])
def test_a_reader_decompresses_only_the_chunks_asked_for(five_million, fields, text_chars,
                                                         chunks) -> None:
    reader = five_million
    for how in ("search", "get"):
        before = reader.chunks_decompressed()
        if how == "search":
            res = reader.search(Term("body", "long"), Filters(), fields=fields,
                                text_chars=text_chars)
            stored = res.hits[0].stored
        else:
            stored = reader.get("long", fields=fields, text_chars=text_chars)
        assert reader.chunks_decompressed() - before == chunks
        assert set(stored) == set(fields)
        if "text" in fields:
            full = _long(5_000_000)
            assert stored["text"] == (full if text_chars is None else full[:text_chars])


def test_whooshs_record_holds_no_text(five_million) -> None:
    """The record Whoosh unpickles for every hit is as small for 5 million characters as
    for 60."""
    searcher = five_million.searcher
    sizes = {searcher.stored_fields(d)["id"]: len(pickle.dumps(searcher.stored_fields(d)))
             for d in range(2)}
    assert sizes["long"] < 1_000 and abs(sizes["long"] - sizes["short"]) < 50


@pytest.mark.parametrize("filler, chunks", [
    # The query's words all through the head: its first chunk is all a hit reads.
    ("Các xã giảm nghèo bền vững. ", 1),
    # Only at the top (too few passages in the head): then as far as passages look.
    ("Các xã thực hiện chương trình. ", 1 + -(-PASSAGE_CHARS // C)),
])
def test_a_result_page_with_passages_reads_a_bounded_head(tmp_path: Path, filler: str,
                                                          chunks: int) -> None:
    from search.index import open_index
    from search.results import SearchRequest

    index = index_texts(tmp_path, {"long": "TỈNH ỦY KON TUM\nNghị quyết về giảm nghèo.\n"
                                           + _long(2_000_000, filler)})
    with open_index(index) as ix:
        reader = ix.reader
        before = reader.chunks_decompressed()
        result = ix.search(SearchRequest(q="giảm nghèo", highlight=True))
        assert result.hits and result.hits[0].highlights
        assert reader.chunks_decompressed() - before == chunks
        before = reader.chunks_decompressed()
        ix.search(SearchRequest(q="giảm nghèo", highlight=False))
        assert reader.chunks_decompressed() == before


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=40), max_size=6), chunk=st.integers(1, 9),
       limit=st.one_of(st.none(), st.integers(0, 50)))
def test_any_text_round_trips_and_a_prefix_reads_only_its_chunks(tmp_path_factory, texts, chunk,
                                                                 limit) -> None:
    """Whatever the texts and the chunk size: written, copied into another store (a merge),
    read whole or as a prefix, each is itself, and a prefix decompresses ceil(n / chunk)."""
    directory = tmp_path_factory.mktemp("store")
    writer = TextStoreWriter(directory, chunk)
    for text in texts:
        writer.add({"text": text, "notes": text[::-1]})
    writer.finish(directory, "a")
    copy = TextStoreWriter(directory, chunk)
    first = SegmentTexts(directory, "a")
    for doc in reversed(range(len(texts))):
        copy.copy(first, doc)
    copy.finish(directory, "b")
    second = SegmentTexts(directory, "b")
    for doc, text in enumerate(reversed(texts)):
        assert second.read("notes", doc) == text[::-1]
        assert second.key(doc) == text_store.text_key({"text": text, "notes": text[::-1]})
        before = second.decompressed
        assert second.read("text", doc, limit) == (text if limit is None else text[:limit])
        read = len(text) if limit is None else min(limit, len(text))
        assert second.decompressed - before == -(-read // chunk)


@pytest.mark.parametrize("stored, fields, text_chars, want", [
    ({"text": "abcdef", "meta": {}}, None, 3, {"text": "abc", "meta": {}}),
    ({"text": "abcdef", "meta": {}}, ("meta",), 3, {"meta": {}}),
    ({"text": "abc", "meta": {}}, ("text",), 10, {"text": "abc"}),
    ({"text": "abc"}, ("text",), 0, {"text": ""}),
    ({"text": "abc"}, ("text",), None, {"text": "abc"}),
])
def test_engines_that_keep_the_text_whole_cut_it(stored, fields, text_chars, want) -> None:
    """What the Xapian and in-memory engines do with ``text_chars`` (search.engine.base.only)."""
    assert only(stored, fields, text_chars) == want


@pytest.mark.parametrize("older", range(1, INDEX_FORMAT))
def test_an_index_with_texts_in_its_records_says_rebuild(tmp_path: Path, older: int) -> None:
    from search.index import open_index

    index = index_texts(tmp_path, {"a": "Nghị quyết về giảm nghèo."})
    manifest = index / "current" / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    manifest.write_text(json.dumps({**data, "format": older}), "utf-8")
    with pytest.raises(VnSearchError) as info:
        open_index(index)
    assert info.value.message is not None and info.value.message.code == "index.outdated"


@pytest.mark.slow
def test_the_status_pass_keeps_every_text(tmp_path: Path) -> None:
    """A build whose status pass rewrites documents (the seeds review one another) into a
    new segment, with parallel writers, then an add: every text is the file's."""
    from search.indexer import add_documents, build_index, load_file

    from .conftest import ROOT, SEEDS

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus / "seeds")
    shutil.copytree(ROOT / "bench" / "relevance" / "docs", corpus / "rel")
    extra = tmp_path / "extra"
    shutil.copytree(ROOT / "bench" / "relevance" / "docs", extra)
    build_index([corpus], WhooshEngine(tmp_path / "ix", writers=2, batch=4), workers=2)
    add_documents([extra], tmp_path / "ix")
    reader = open_directory(IndexLocation(tmp_path / "ix").current())
    try:
        records = list(reader.iter_stored())
        assert len(records) == len(list(corpus.rglob("*.*"))) + len(list(extra.rglob("*.*")))
        for record in records:
            path = Path(record["path"])
            assert record["text"] == load_file(path, record["id"]).text, record["id"]
            assert record["notes"] == load_file(path, record["id"]).notes
    finally:
        reader.close()


@pytest.mark.parametrize("at", [100, PASSAGE_CHARS - 2_000, PASSAGE_CHARS - 8, PASSAGE_CHARS - 3,
                                PASSAGE_CHARS + 10, None])
def test_passages_of_the_head_are_the_passages_of_the_whole(at: int | None) -> None:
    """What lets a page read only PASSAGE_CHARS of a text: passages() reads no further
    (a match before, across or after the cut; none at all)."""
    from search.highlight import passages
    from search.index import query_terms

    filler = _long(PASSAGE_CHARS + 20_000, "Các xã thực hiện chương trình. ")
    text = filler if at is None else filler[:at] + " giảm nghèo bền vững. " + filler[at:]
    terms = query_terms("giảm nghèo")
    whole = passages(text, terms)
    assert passages(text[:PASSAGE_CHARS], terms) == whole
    assert passages(text[:HEAD_CHARS], terms, rest=lambda: text[:PASSAGE_CHARS]) == whole
