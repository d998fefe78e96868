"""The judged relevance collection (bench/relevance): vnsearch must beat naive Whoosh on
every metric, and answer each query kind's examples with the judged best document."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from search.index import open_index
from search.indexer import build_index
from search.results import SearchRequest

from .conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow  # an index over the relevance set, and a bench run

REL = ROOT / "bench" / "relevance"


def _qrels() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in (REL / "qrels.txt").read_text("utf-8").splitlines():
        if line.strip():
            qid, _z, doc, grade = line.split()
            out.setdefault(qid, {})[doc] = int(grade)
    return out


def _topics() -> list[tuple[str, str, str]]:
    return [tuple(line.split("\t", 2)) for line in (REL / "topics.tsv").read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def rel_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rel") / "ix"
    report = build_index([SEEDS, REL / "docs"], root, workers=1)
    assert not report.failed
    return root


@pytest.mark.parametrize("qid, kind, text", _topics())
def test_first_hit_is_judged_relevant(rel_index, qid, kind, text):
    """Every judged query's first hit is a judged-relevant document (MRR@10 = 1)."""
    judged = _qrels()[qid]
    with open_index(rel_index) as ix:
        hits = ix.search(SearchRequest(q=text, highlight=False)).hits
    assert hits, f"{qid} {text!r} returned nothing"
    assert judged.get(hits[0].id, 0) >= 1, f"{qid} {text!r}: first hit {hits[0].id} not relevant"


def test_beats_naive_whoosh_on_every_metric():
    proc = subprocess.run([sys.executable, str(REL / "run")], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "vnsearch beats naive on every metric: yes" in proc.stdout, proc.stdout
