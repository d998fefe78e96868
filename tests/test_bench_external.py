"""Smoke run of bench/relevance/external/run: the three systems are measured, figures in [0, 1]
(the figures themselves are not asserted: they are in bench/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # builds three small indexes in processes

SCRIPT = ROOT / "bench" / "relevance" / "external" / "run"
SYSTEMS = ("vnsearch", "naive Whoosh", "BM25 (pyvi)")
METRICS = ("nDCG@10", "MRR@10", "recall@100", "zero-result")


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("external")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--limit", "20", "--sample", "300", "--work", str(work)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _rows(out: str, section: str) -> dict[str, dict[str, float]]:
    """{system: {metric: value}} of the block that starts with ``section``."""
    block = out.split(section, 1)[1].split("\n\n", 1)[0]
    rows = {}
    for name in SYSTEMS:
        line = next(line for line in block.splitlines() if line.strip().startswith(name))
        rows[name] = {m: float(re.search(rf"{re.escape(m)} ([0-9.]+)", line).group(1)) for m in METRICS}
    return rows


def test_says_it_is_known_item(output: str) -> None:
    assert "one relevant document per query" in output
    assert "queries: 20 " in output


@pytest.mark.parametrize("section", ["all 20 queries:", "heading (", "sentence (", "untoned (", "keywords ("])
def test_three_systems_with_figures_in_unit_range(output: str, section: str) -> None:
    rows = _rows(output, section)
    assert set(rows) == set(SYSTEMS)
    for name, figures in rows.items():
        for metric, value in figures.items():
            assert 0.0 <= value <= 1.0, (section, name, metric, value)


def test_latency_for_each_system(output: str) -> None:
    block = output.split("all 20 queries:", 1)[1].split("\n\n", 1)[0]
    for name in SYSTEMS:
        line = next(line for line in block.splitlines() if line.strip().startswith(name))
        assert re.search(r"latency p50 [0-9.]+ ms  p95 [0-9.]+ ms", line), line
