"""The numpy evaluator gives Whoosh's own answers: same hits, order, scores, totals, facets.

Whoosh (``mode="whoosh"``) is the reference; ``mode="numpy"`` reads the postings sidecar.
Checked on one segment (a fresh build), on several segments with deletions and updates
(``add``/``remove``), and on a segment without a sidecar (the fallback).
"""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.engine.base import Filters
from search.indexer import add_documents, build_index, remove_documents
from search.engine.whoosh.postings import PREFIX
from search.query.build import build_query
from search.query.parse import parse_query
from search.engine.generations import IndexLocation
from search.engine.whoosh.engine import WhooshEngine, open_directory

from .conftest import ROOT, SEEDS

# Each test builds its own indexes (one segment, many, parallel writers) and compares every
# query both ways; the fast loop's search tests already run the numpy engine itself.
pytestmark = pytest.mark.slow

QUERIES = [
    "giảm nghèo",
    "giam ngheo da chieu",
    "xã đặc biệt khó khăn",
    '"xã đặc biệt khó khăn"',
    '"xa dac biet kho khan"',
    "04-NQ/TU",
    "50/2016/QĐ-TTg",
    "tỉnh uỷ Kon Tum",
    "nông thôn mới -miền",
    "tảo hôn OR hôn nhân cận huyết",
    "các tỉnh đã làm gì để giảm tỷ lệ hộ nghèo ở vùng đồng bào dân tộc thiểu số",
    "ma túy",
    "mã số vùng trồng",
    "chè Shan tuyết Hà Giang",
    "qqqzzz không có",
    "hoà bình",
]
FILTERS = [Filters(), Filters({"province": ["Kon Tum", "Hà Giang"]}), Filters(year_from=2016, year_to=2021)]
PAGES = [(10, 0), (3, 0), (4, 4)]


def compare(directory: Path) -> int:
    """Run every query both ways; returns how many (query, filter) pairs were compared."""
    ref = open_directory(directory, "whoosh")
    fast = open_directory(directory, "numpy")
    compared = 0
    try:
        for text in QUERIES:
            for relax in (0, 1):
                q = build_query(parse_query(text), relax=relax)
                # A page, a short page and a later one: the numpy engine checks the boosters'
                # phrases only where a document can reach the page asked for.
                for filters, (limit, offset) in itertools.product(FILTERS, PAGES):
                    a = ref.search(q, filters, limit=limit, offset=offset)
                    b = fast.search(q, filters, limit=limit, offset=offset)
                    assert a.total == b.total, text
                    assert a.facets == b.facets, text
                    assert [h.id for h in a.hits] == [h.id for h in b.hits], text
                    for x, y in zip(a.hits, b.hits):
                        assert math.isclose(x.score, y.score, rel_tol=1e-6), (text, x.id)
                    compared += 1
    finally:
        ref.close()
        fast.close()
    return compared


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("eq") / "corpus"
    shutil.copytree(SEEDS, root / "seeds")
    shutil.copytree(ROOT / "bench" / "relevance" / "docs", root / "rel")
    return root


@pytest.fixture
def single_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build without its status pass. The status pass (search.indexer.refresh_statuses)
    rewrites the documents whose status the corpus states (the seeds review one another) into
    one more segment, leaving their first postings in the earlier segment's sidecar, masked
    as deleted; the tests of the sidecar *files* (one segment per writer, Whoosh's postings
    file for file) are about a single writing pass. Search over the rewritten index is what
    test_one_segment compares with Whoosh."""
    import search.indexer

    monkeypatch.setattr(search.indexer, "refresh_statuses", lambda batch: 0)


def test_the_status_pass_rewrites_into_one_more_segment(corpus, tmp_path):
    """Why the tests below take ``single_pass``: on this corpus the pass does rewrite."""
    build_index([corpus], WhooshEngine(tmp_path / "ix", writers=2, batch=4), workers=2)
    reader = open_directory(IndexLocation(tmp_path / "ix").current())
    try:
        assert len(reader.evaluator.segments) == 3
    finally:
        reader.close()


def test_one_segment(corpus, tmp_path):
    build_index([corpus], tmp_path / "ix", workers=1)
    directory = IndexLocation(tmp_path / "ix").current()
    assert list(directory.glob(f"{PREFIX}*.json"))
    assert compare(directory) == len(QUERIES) * 2 * len(FILTERS) * len(PAGES)


def test_segments_with_deletions_and_updates(corpus, tmp_path):
    build_index([corpus / "seeds"], tmp_path / "ix", workers=1)
    add_documents([corpus / "rel"], tmp_path / "ix")
    changed = corpus / "rel" / "r01_hagiang_nq.txt"
    changed.write_text(changed.read_text("utf-8") + "\nGiảm nghèo đa chiều, xã đặc biệt khó khăn.\n",
                       "utf-8")
    add_documents([changed], tmp_path / "ix")  # update = delete + add in a new segment
    remove_documents(["r05_laichau_nq", "000_7deaedef5e058121"], tmp_path / "ix")
    directory = IndexLocation(tmp_path / "ix").current()
    reader = open_directory(directory)
    try:
        assert len(reader.evaluator.segments) >= 2 and reader.evaluator.complete
    finally:
        reader.close()
    assert compare(directory) > 0


def test_segment_without_sidecar_falls_back(corpus, tmp_path):
    build_index([corpus / "seeds"], tmp_path / "ix", workers=1)
    directory = IndexLocation(tmp_path / "ix").current()
    for path in directory.glob(f"{PREFIX}*"):
        if ".texts." not in path.name:  # the postings only: the texts live nowhere else
            path.unlink()
    reader = open_directory(directory)
    try:
        assert not reader.evaluator.complete
    finally:
        reader.close()
    assert compare(directory) > 0


def test_segments_written_by_parallel_writers(corpus, tmp_path, single_pass):
    """Several writer processes, each writing a segment and its sidecar from the tokens."""
    build_index([corpus], WhooshEngine(tmp_path / "ix", writers=2, batch=4), workers=2)
    directory = IndexLocation(tmp_path / "ix").current()
    reader = open_directory(directory)
    try:
        assert reader.doc_count() == len(list(corpus.rglob("*.*")))
        assert len(reader.evaluator.segments) == 2 and reader.evaluator.complete
    finally:
        reader.close()
    assert compare(directory) == len(QUERIES) * 2 * len(FILTERS) * len(PAGES)


@pytest.mark.parametrize("chunk, span", [(1_000_000, 2_000_000), (500, 700), (1, 1)])
def test_sidecar_from_tokens_equals_sidecar_from_whoosh(corpus, tmp_path, monkeypatch, chunk, span,
                                                      single_pass):
    """The arrays written from the analysed tokens (spilled in chunks, sorted a range of
    terms at a time) are the ones Whoosh's own postings give, file for file; and each
    segment's text store, rebuilt from other stores by key (as after a merge), is the
    one the writer wrote from the texts, byte for byte."""
    import numpy as np
    from whoosh import index as windex

    from search.engine.whoosh import postings
    from search.engine.whoosh.engine import PHRASE_FIELDS, POSTING_FIELDS

    monkeypatch.setattr(postings, "CHUNK_POSTINGS", chunk)
    monkeypatch.setattr(postings, "RANGE_POSTINGS", span)
    build_index([corpus / "seeds"] if chunk == 1 else [corpus], tmp_path / "ix", workers=1)
    built = IndexLocation(tmp_path / "ix").current()
    ref = tmp_path / "ref"
    shutil.copytree(built, ref)
    for path in ref.glob(f"{PREFIX}*"):
        if ".texts." in path.name:  # kept, under a name no segment has: a merge's sources
            path.rename(ref / path.name.replace(PREFIX, f"{PREFIX}old", 1))
        else:
            path.unlink()
    ix = windex.open_dir(str(ref))
    with ix.reader() as reader:
        postings.sync_sidecars(ref, reader, POSTING_FIELDS, PHRASE_FIELDS)
    ix.close()
    names = sorted(p.name for p in built.glob(f"{PREFIX}*"))
    assert names == sorted(p.name for p in ref.glob(f"{PREFIX}*")) and len(names) > 20
    for name in names:
        a, b = built / name, ref / name
        if name.endswith(".npy"):
            x, y = np.load(a), np.load(b)
            assert x.shape == y.shape and np.array_equal(x.astype(np.float64), y.astype(np.float64)), name
        else:
            assert a.read_bytes() == b.read_bytes(), name


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_occurrence_keys_are_whooshs_positions(corpus, tmp_path, fraction, single_pass):
    """The sidecar's ``doc << 32 | position`` keys, for any set of wanted documents (few:
    gathered one by one; most: read whole and masked), are Whoosh's own positions."""
    import numpy as np
    from whoosh import index as windex

    from search.engine.whoosh.postings import SegmentPostings, segment_id_of

    build_index([corpus], tmp_path / "ix", workers=1)
    directory = IndexLocation(tmp_path / "ix").current()
    ix = windex.open_dir(str(directory))
    rng = np.random.default_rng(7)
    checked = 0
    with ix.reader() as reader:
        sidecar = SegmentPostings(directory, segment_id_of(reader))
        wanted = rng.random(reader.doc_count_all()) < fraction
        for word in ("cua", "ngheo", "xa", "dac", "biet", "kho", "khan", "tinh", "qqqzzz"):
            expected = []
            if ("body_f", word) in reader:
                m = reader.postings("body_f", word)
                while m.is_active():
                    if wanted[m.id()]:
                        expected += [(m.id() << 32) | p for p in m.value_as("positions")]
                    m.next()
            got = sidecar.occurrence_keys("body_f", word, wanted)
            assert got is not None and got.tolist() == expected, word
            checked += len(expected)
    ix.close()
    assert checked > 0 or fraction == 0.0


@given(st.lists(st.integers(0, 5000), max_size=300), st.lists(st.integers(0, 5000), max_size=3000))
def test_intersect_sorted_is_set_intersection(a, b):
    """Both ways of intersecting (merge of similar sizes, binary search of a lopsided pair)."""
    import numpy as np

    from search.engine.whoosh.evaluate import _intersect_sorted

    x, y = np.unique(np.array(a, np.int64)), np.unique(np.array(b, np.int64))
    small, large = sorted((x, y), key=len)
    assert _intersect_sorted(small, large).tolist() == np.intersect1d(x, y).tolist()
