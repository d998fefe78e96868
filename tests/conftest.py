"""Shared fixtures: the seed corpus, and one index built from it per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"

SEED_IDS = {
    "kontum_kl": "000_7deaedef5e058121",
    "caobang_nq": "001_a86c2459fc375615",
    "quangngai_ct": "002_ddeff8346f0332a1",
    "dienbien_kl": "003_f630ab64a90e327c",
    "kontum_bc": "004_f90f9a51dad2c646",
}


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds, built once with the real pipeline (read-only for tests)."""
    from search.indexer import build_index

    root = tmp_path_factory.mktemp("seed-index") / "index"
    report = build_index([SEEDS], root, workers=1)
    assert report.indexed == 5 and not report.failed, report.to_dict()
    return root


@pytest.fixture()
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the seed files, for tests that change files."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target
