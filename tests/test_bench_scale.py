"""Smoke run of bench/scale: the benchmark keeps working (figures are not asserted)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # a bench run in processes


def test_scale_benchmark_quick_run():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "scale"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for expected in ("## 150 documents", "build:", "vnsearch (library)", "SQLite FTS5",
                     "naive Whoosh", "vnsearch (HTTP)", "HTTP 16 clients", "add one document"):
        assert expected in out, (expected, out[-3000:])
    assert " 0 errors" in out
    if importlib.util.find_spec("tantivy"):  # the `bench` extra: the anchor row, same totals
        totals = re.search(r"totals equal on (\d+)/(\d+) queries", out)
        assert "tantivy build:" in out and totals, out[-3000:]
        assert totals.group(1) == totals.group(2), totals.group(0)
    else:
        assert "tantivy: not installed" in out
    # the build's processes were sampled by name (search/processes.py names them); with
    # one core the build runs in the main process alone
    helpers = r"; vnsearch-reader ×\d+ \d+/\d+ MB; vnsearch-writer ×\d+ \d+/\d+ MB"
    expected = (r"build memory: .*vnsearch ×1 \d+/\d+ MB"
                + (helpers if (os.cpu_count() or 1) >= 2 else "") + r"; all processes")
    assert re.search(expected, out), out[-3000:]


def test_long_documents_benchmark_quick_run():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "long_documents"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 documents of 200,000 characters" in proc.stdout
    assert len(re.findall(r" page +[\d.]+ ms ", proc.stdout)) == 5, proc.stdout


def test_targets_benchmark_quick_run(tmp_path):
    """bench/targets runs bench/scale and bench/load in one go and prints every target of
    issue 17 as a ratio from that run (figures are not asserted, only that each is there)."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "targets"), "--quick",
                           "--work", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = (tmp_path / "targets.txt").read_text("utf-8")
    assert table.startswith("issue 17's targets, one run: 150 documents"), table
    ratio = r" +\d+\.\d\d×"
    for what in ("HTTP throughput 1 → 2 clients", "HTTP requests/s at 16 clients",
                 "p50 against SQLite FTS5", "searches/s with exports \\+ add / alone, workers=1",
                 "a worker's own memory"):
        assert re.search(what + ".*?" + ratio, table), (what, table)
    tantivy_rows = ("p95 against tantivy on our query tree", "p50 against tantivy without boosters",
                    "build CPU against pyvi \\+ tantivy")
    installed = importlib.util.find_spec("tantivy") is not None
    for what in tantivy_rows:
        assert re.search(what + (ratio if installed else r" +n/a"), table), (what, table)
    assert table.count("search errors 0") == 2, table  # both servers' mixed runs
    assert json.loads((tmp_path / "scale.json").read_text("utf-8"))["150"]["vnsearch"]["p50_ms"] > 0
