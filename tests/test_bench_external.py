"""Smoke run of bench/relevance/external/run: the three systems are measured, figures in [0, 1]
(the figures themselves are not asserted: they are in bench/README.md)."""

from __future__ import annotations

import json
import lzma
import re
import subprocess
import sys
from pathlib import Path

import pytest

from search.text.normalize import fold

from .conftest import ROOT

pytestmark = pytest.mark.slow  # builds three small indexes in processes

SCRIPT = ROOT / "bench" / "relevance" / "external" / "run"
SYSTEMS = ("vnsearch", "naive Whoosh", "BM25 (pyvi)")
METRICS = ("nDCG@10", "MRR@10", "recall@100", "zero-result")


# A small corpus in the pháp điển shape, written here so the smoke run needs nothing outside
# the checkout (the real one is ../shared/corpora, on the project machine only).
TOPICS = ["giảm nghèo bền vững", "xây dựng nông thôn mới", "đồng bào dân tộc thiểu số",
          "bảo hiểm y tế", "đất đai nông nghiệp", "giáo dục nghề nghiệp", "phòng chống thiên tai",
          "an toàn thực phẩm", "quản lý rừng", "giao thông nông thôn"]
ACTS = ["phạm vi điều chỉnh", "đối tượng áp dụng", "nguyên tắc thực hiện", "trách nhiệm của cơ quan",
        "kinh phí thực hiện", "tổ chức thực hiện"]


def _small_corpus(where: Path) -> tuple[Path, Path]:
    articles, queries = [], ["# qid\tkind\tanswer\tquery"]
    for i, (topic, act) in enumerate((t, a) for t in TOPICS for a in ACTS):
        title = f"Điều {i + 1}. {act.capitalize()} về {topic}"
        text = (f"Điều này quy định {act} trong lĩnh vực {topic}. Ủy ban nhân dân các cấp bảo đảm "
                f"{topic} theo kế hoạch số {i + 10}/KH-UBND; văn bản {i}.")
        articles.append({"id": f"pd-{i:04}", "title": title, "text": text})
        if i < 24:
            kind = ("heading", "sentence", "untoned", "keywords")[i % 4]
            query = {"heading": f"{act} về {topic}", "sentence": f"quy định {act} lĩnh vực {topic}",
                     "untoned": fold(f"{act} {topic}"), "keywords": f"{topic} {act} {i + 10}"}[kind]
            queries.append(f"q{i:03}\t{kind}\tpd-{i:04}\t{query}")
    corpus = where / "small.jsonl.xz"
    with lzma.open(corpus, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    (where / "queries.tsv").write_text("\n".join(queries) + "\n", encoding="utf-8")
    return corpus, where / "queries.tsv"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("external")
    corpus, queries = _small_corpus(work)
    proc = subprocess.run([sys.executable, str(SCRIPT), "--limit", "20", "--sample", "300",
                           "--work", str(work / "cache"), "--corpus", str(corpus),
                           "--queries", str(queries)],
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
