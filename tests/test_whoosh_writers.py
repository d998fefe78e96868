"""Whoosh's writer, made faster (search/engine/whoosh/writers.py), writes what Whoosh writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import TEXT, Schema

from search.engine.whoosh.engine import make_schema
from search.engine.whoosh.writers import PretokenizedText, _BulkPool, tune_writer

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
