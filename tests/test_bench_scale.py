"""Smoke run of bench/scale: the benchmark keeps working (figures are not asserted)."""

from __future__ import annotations

import importlib.util
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
