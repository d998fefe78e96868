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
