"""Smoke run of bench/load (figures in bench/README.md, "Load"): a short run must work and
fail no request. Nothing here is a timing: only the error count, the add in the middle
and that the RSS was sampled."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a 5-second load run with a server

LOAD = ROOT / "bench" / "load"


def test_load_smoke_run_has_no_errors() -> None:
    result = subprocess.run([sys.executable, str(LOAD), "--clients", "2", "--seconds", "5",
                             "--json"], capture_output=True, text=True, timeout=300)
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    assert result.returncode == 0, (figures.get("error_samples"), figures.get("writers"),
                                    result.stderr[-2000:])
    assert figures["errors"] == 0 and figures["requests"] > 0
    assert set(figures["by_kind"]) >= {"keywords", "untoned", "number", "phrase", "filtered",
                                       "sentence", "facets", "document", "export"}
    assert [(w["what"], w["exit"]) for w in figures["writers"]] == [("add", 0)]
    assert figures["documents_after"] == figures["documents_before"] + 1
    assert figures["rss_mb"]["samples"] >= 3 and figures["rss_mb"]["max"] > 0


def test_load_is_executable_and_documents_its_options() -> None:
    assert LOAD.stat().st_mode & 0o111
    result = subprocess.run([sys.executable, str(LOAD), "--help"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--clients", "--seconds", "--index", "--rebuild"):
        assert option in result.stdout


def test_compare_run_has_both_servers_side_by_side() -> None:
    """--compare: a server of one process and one of two workers, the same steps on each,
    then searches + exports + an add; no request fails, every process's memory is read."""
    result = subprocess.run([sys.executable, str(LOAD), "--compare", "--workers", "2",
                             "--steps", "1,2", "--seconds", "2", "--exports", "1", "--json"],
                            capture_output=True, text=True, timeout=600)
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    assert result.returncode == 0, (lines[-1:], result.stderr[-2000:])
    [run] = figures["rounds"]
    assert set(run) == {"1", "2"}
    for workers, served in run.items():
        assert served["errors"] == 0 and set(served["steps"]) == {"1", "2"}
        assert all(step["requests"] > 0 for step in served["steps"].values())
        mixed = served["mixed"]
        assert mixed["searches_errors"] == 0 and mixed["searches"]["requests"] > 0
        assert mixed["add"]["exit"] == 0 and mixed["documents_after"] == served["documents"] + 1
        roles = sorted(row["role"] for row in mixed["memory_after"])
        assert roles == (["server"] if workers == "1" else ["supervisor", "worker", "worker"])
        assert all(row["pss_mb"] > 0 for row in mixed["memory_after"])
