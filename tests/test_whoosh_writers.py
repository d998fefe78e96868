"""Whoosh's writer, made faster (search/engine/whoosh/writers.py), writes what Whoosh writes."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.formats import Positions

from search.engine.whoosh import postings, writers
from search.engine.whoosh.engine import PHRASE_FIELDS, POSTING_FIELDS, make_schema
from search.engine.whoosh.postings import SidecarBuilder
from search.engine.whoosh.writers import (DirectSegmentWriter, PretokenizedText, _BulkPool,
                                          encode_positions, tune_writer)

from .conftest import SEEDS

_TOKEN = st.text(st.sampled_from("aăâbđeêoôơưyảãạ0123456789-/_.Đ\xa0"), min_size=1, max_size=6)
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", "\r\n"])


def _both(phrase: bool) -> tuple[TEXT, TEXT]:
    tokens = SpaceSeparatedTokenizer()
    return TEXT(analyzer=tokens, phrase=phrase), PretokenizedText(analyzer=tokens, phrase=phrase)


@pytest.mark.parametrize("value", ["", " ", "a", "a a a", "giảm nghèo giảm nghèo bền_vững",
                                   "x\ty\nz\r\nx", "a\xa0b a", " 04-nq/tu  04-nq/tu "])
@pytest.mark.parametrize("phrase", [True, False])
def test_pretokenized_field_indexes_as_text_does(value, phrase):
    whoosh, ours = _both(phrase)
    assert list(ours.index(value)) == list(whoosh.index(value))


@given(st.lists(st.tuples(_TOKEN, _SPACE), max_size=60), st.booleans())
def test_pretokenized_field_indexes_as_text_does_for_any_tokens(parts, phrase):
    value = "".join(tok + sep for tok, sep in parts)
    whoosh, ours = _both(phrase)
    assert list(ours.index(value)) == list(whoosh.index(value))


def _segment_files(directory: Path, schema: Schema, tuned: bool,
                   pool_bytes: int | None = None) -> dict[str, bytes]:
    """The files of one segment written from the seed texts (names without the segment id).
    ``pool_bytes``: spill the posting pool to a sorted run every that many bytes."""
    ix = windex.create_in(str(directory), schema)
    writer = ix.writer(compound=False)
    if tuned:
        writer = tune_writer(writer, 64)
    if pool_bytes is not None:
        writer.pool.limit = pool_bytes
    for i, path in enumerate(sorted(SEEDS.iterdir())):
        text = " ".join(path.read_bytes().decode("utf-8", "replace").lower().split())
        writer.add_document(id=str(i), body=text, body_f=text[::-1], words=text[:2000])
    writer.commit()
    files = {}
    for path in directory.glob("MAIN_*"):
        if path.suffix != ".toc" and "WRITELOCK" not in path.name:
            files[path.name.split(".", 1)[1]] = path.read_bytes()
    return files


# (pool bytes, postings per pickled chunk): no spill; a few runs of several chunks each;
# ~300 runs, more than the 128 Whoosh merges at once (merged in rounds first).
@pytest.mark.parametrize(("pool_bytes", "chunk"), [(None, None), (400_000, 500), (10_000, 7)])
def test_tuned_writer_writes_the_same_segment(tmp_path, monkeypatch, pool_bytes, chunk):
    """Pool spilled in bulk, lengths read once, pre-tokenized fields: the segment's term
    index, postings and columns are byte for byte the ones plain Whoosh writes."""
    if chunk is not None:
        monkeypatch.setattr(_BulkPool, "CHUNK", chunk)
    tokens = SpaceSeparatedTokenizer()
    plain = Schema(id=make_schema()["id"], body=TEXT(analyzer=tokens, phrase=True),
                   body_f=TEXT(analyzer=tokens, phrase=True), words=TEXT(analyzer=tokens, phrase=False))
    ours = make_schema()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _segment_files(tmp_path / "a", plain, tuned=False)
    runs: list[str] = []
    real_add_run = _BulkPool._add_run
    monkeypatch.setattr(_BulkPool, "_add_run", lambda pool, name: (runs.append(name), real_add_run(pool, name)))
    b = _segment_files(tmp_path / "b", ours, tuned=True, pool_bytes=pool_bytes)
    if pool_bytes is None:
        assert not runs
    else:  # the case really spilled: several runs, or more than Whoosh merges at once
        assert len(runs) > (128 if pool_bytes < 100_000 else 2)
    assert {"trm", "pst"} <= {name.rsplit(".", 1)[-1] for name in a}
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name


@pytest.mark.parametrize("field", ["body", "body_f", "title", "words", "words_f"])
def test_schema_text_fields_take_the_direct_path(field, monkeypatch):
    """Our schema's tokenizer qualifies: indexing never falls back to Whoosh's analyzer."""
    def refuse(*args, **kwargs):
        raise AssertionError("fell back to TEXT.index")

    monkeypatch.setattr(TEXT, "index", refuse)
    assert [t[0] for t in make_schema()[field].index("a b a")] == [b"a", b"b"]


# -- the direct writer: token fields counted once, Whoosh's postings written from the sidecar --

def _plain_schema() -> Schema:
    """Our schema with Whoosh's own TEXT where ours has PretokenizedText: the reference."""
    tokens = SpaceSeparatedTokenizer()
    schema = make_schema()
    return Schema(**{name: (TEXT(analyzer=tokens, phrase=type(field.format) is Positions)
                            if isinstance(field, PretokenizedText) else field)
                     for name, field in schema.items()})


def _seed_docs() -> list[dict[str, str]]:
    """Every kind of field of our schema, from the seed texts (some fields left out)."""
    docs = []
    for i, path in enumerate(sorted(SEEDS.iterdir())):
        text = " ".join(path.read_bytes().decode("utf-8", "replace").lower().split())
        words = text.split(" ")
        doc = {"id": f"d{i}", "path": str(path), "body": text, "body_f": text[::-1],
               "words": " ".join(w for w in words if len(w) > 3), "title": " ".join(words[:12]),
               "number": f"{i % 7}-nq/tw", "cites": " ".join(f"{j}-nq/tw" for j in range(i % 4)),
               "province": ["hà nội", "huế"][i % 2], "year": str(2000 + i % 3), "data": {"n": i}}
        docs.append({k: v for k, v in doc.items() if v != ""})
    return docs * 3  # common words reach several blocks of 128 postings


def _write_segment(directory: Path, schema: Schema, docs: list[dict[str, Any]], direct: bool,
                   limitmb: int = 64) -> dict[str, bytes]:
    """The files of one segment (names without the segment id); the direct writer's sidecar
    too, its ``.json`` left out (it names the segment)."""
    ix = windex.create_in(str(directory), schema)
    if direct:
        builder = SidecarBuilder(POSTING_FIELDS, directory, PHRASE_FIELDS)
        writer = DirectSegmentWriter(ix, builder, directory, limitmb=limitmb, compound=False)
    else:
        writer = ix.writer(compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    files = {}
    for path in directory.iterdir():
        if path.name.startswith(("MAIN_", "_vn_")) and path.suffix not in (".toc", ".json"):
            files[re.sub(r"MAIN_[a-z0-9]+", "S", path.name)] = path.read_bytes()
    return files


def _same_segment(tmp_path: Path, docs: list[dict[str, Any]]) -> dict[str, bytes]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _write_segment(tmp_path / "a", _plain_schema(), docs, direct=False)
    b = _write_segment(tmp_path / "b", make_schema(), docs, direct=True)
    whoosh_files = {name for name in b if not name.startswith("_vn_")}
    assert {"S.trm", "S.pst"} <= whoosh_files and a.keys() == whoosh_files
    for name in a:
        assert a[name] == b[name], name
    return b


# (tokens per spool chunk, postings per sidecar range, postings per Whoosh range, one by one,
# documents)
@pytest.mark.slow
@pytest.mark.parametrize(("chunk", "span", "write_span", "one_by_one", "count"), [
    (1_000_000, 1_000_000, 200_000, False, None),  # as built: nothing spilled
    (1_000, 700, 500, False, None),  # spilled every few documents, written a few hundred at a time
    (50, 7, 3, False, 12),  # every document spilled, a few terms a range
    (1_000_000, 1_000_000, 200_000, True, None),  # postings handed to Whoosh one at a time
])
def test_direct_writer_writes_the_same_segment(tmp_path, monkeypatch, chunk, span, write_span,
                                               one_by_one, count):
    """Token fields counted once (spooled, sorted into the sidecar, written to Whoosh a block
    at a time) and every other field through Whoosh: the segment's term index, postings,
    lengths, stored records and columns are byte for byte plain Whoosh's, and the sidecar
    equals the one read back from Whoosh's postings."""
    monkeypatch.setattr(postings, "CHUNK_POSTINGS", chunk)
    monkeypatch.setattr(postings, "RANGE_POSTINGS", span)
    monkeypatch.setattr(writers, "WRITE_RANGE_POSTINGS", write_span)
    if one_by_one:
        monkeypatch.setattr(writers, "W3FieldWriter", type("NotWhooshs", (), {}))
    buffered: list[int] = []
    real_add = postings._FieldSpool.add

    def add(spool, doc, tokens):
        real_add(spool, doc, tokens)
        buffered.append(len(spool._tok))

    monkeypatch.setattr(postings._FieldSpool, "add", add)
    spilled: list[str] = []
    real_spill = postings._FieldSpool._spill
    monkeypatch.setattr(postings._FieldSpool, "_spill",
                        lambda spool: (spilled.append(spool.field), real_spill(spool)))
    docs = _seed_docs()[:count]
    files = _same_segment(tmp_path, docs)
    # The memory bound: never more than a chunk of tokens buffered between documents.
    assert buffered and max(buffered) < chunk
    if chunk < 1_000_000:
        assert spilled.count("body") > (len(docs) - 1 if chunk == 50 else 5)
    _sidecar_equals_whoosh(tmp_path / "b", files)


def _sidecar_equals_whoosh(directory: Path, files: dict[str, bytes]) -> None:
    ref = directory.parent / "ref"
    ref.mkdir()
    for path in directory.iterdir():
        if path.name.startswith("MAIN_") or path.suffix == ".toc":
            shutil.copy(path, ref / path.name)
    ix = windex.open_dir(str(ref))
    with ix.reader() as reader:
        assert postings.sync_sidecars(ref, reader, POSTING_FIELDS, PHRASE_FIELDS)
    ix.close()
    for path in ref.glob("_vn_*"):
        name = re.sub(r"MAIN_[a-z0-9]+", "S", path.name)
        if path.suffix == ".npy":
            ours = np.load(io.BytesIO(files[name]))
            assert np.array_equal(ours.astype(np.float64), np.load(path).astype(np.float64)), name
        elif path.suffix != ".json":
            assert files[name] == path.read_bytes(), name


_WORD = st.sampled_from(["a", "b", "giảm", "nghèo", "04-nq/tw", "đ", "x" * 30, "ơ", "z"])


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional={
    "body": st.lists(_WORD, min_size=1, max_size=400), "words": st.lists(_WORD, min_size=1, max_size=50),
    "number": st.lists(_WORD, min_size=1, max_size=3), "province": _WORD}), min_size=1, max_size=40))
def test_direct_writer_equals_whoosh_for_any_token_streams(tmp_path_factory, docs):
    """Any documents of any tokens (repeated, long runs, absent fields): Whoosh's bytes."""
    fields = [{"id": f"d{i}", **{k: (" ".join(v) if isinstance(v, list) else v) for k, v in d.items()}}
              for i, d in enumerate(docs)]
    _same_segment(tmp_path_factory.mktemp("w"), fields)


def _deltas_to_runs(runs: list[list[int]]) -> list[list[int]]:
    out = []
    for deltas in runs:
        pos, run = 0, []
        for k, d in enumerate(deltas):
            pos += d if k == 0 else max(1, d)
            run.append(pos)
        out.append(run)
    return out


_DELTA = st.one_of(st.integers(0, 300), st.integers(250, 70_000), st.integers(65_000, 2**24))


@pytest.mark.slow
@given(st.lists(st.lists(_DELTA, min_size=1, max_size=40), min_size=1, max_size=30))
def test_positions_encoded_at_once_as_whoosh_encodes_each(runs):
    """Counts, pickled deltas of every size pickle distinguishes (1, 2, 4 bytes)."""
    runs = _deltas_to_runs(runs)
    _check_encoding(runs)


@pytest.mark.parametrize("sizes", [[1], [999, 1], [1000], [1001], [1, 2000, 3], [2001, 1000]])
def test_positions_encoded_at_once_around_pickles_batch(sizes):
    """Lists of more than 1,000 positions (pickle writes them in batches): still Whoosh's."""
    _check_encoding([list(range(0, 3 * n, 3)) for n in sizes])


def _check_encoding(runs: list[list[int]]) -> None:
    fmt = Positions()
    tfs = np.array([len(r) for r in runs])
    flat = np.array([p for r in runs for p in r], dtype=np.int32)
    assert encode_positions(tfs, flat) == [fmt.encode(r) for r in runs]
