"""The synthetic Party document generator (bench/generate.py) and the extraction benchmark.

The generator's truth is only worth something if it states what the text states, so the
checks here read the generated text back with plain string tests (never with the
extractor under test). The corpus is read from ``../shared/corpora`` when it is there; the
generator falls back to built-in sentences otherwise, and the tests say so.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import subprocess
import sys
import tracemalloc
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from search.text.normalize import normalize, normalize_tones
from tests.conftest import CORPORA, ROOT

BENCH = ROOT / "bench"


def _load(name: str, path: Path) -> ModuleType:
    sys.path.insert(0, str(BENCH))  # generate.py imports corpus_common next to it
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus_common = _load("corpus_common", BENCH / "corpus_common.py")
generate = _load("bench_generate", BENCH / "generate.py")


@pytest.fixture(scope="module")
def pool() -> Any:
    # A small pool reads every k-th article only: about a second on the real corpus.
    found = corpus_common.load_sentence_pool(2000, seed=7, path=CORPORA / "phapdien.jsonl.xz")
    if found.fallback:
        print(f"\n{found.note()}")
    return found


@pytest.fixture(scope="module")
def docs(pool: Any) -> list[Any]:
    return list(generate.generate_documents(500, seed=7, pool=pool))


def _flat(text: str) -> str:
    """NFC, upper case, no whitespace: "Số: 12 - NQ/TU" and "12-NQ/TU" meet."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text)).upper()


# --- determinism, count, laziness ---------------------------------------------------------


def test_same_seed_same_documents_other_seed_others(pool: Any) -> None:
    first = [(d.id, d.text, d.truth) for d in generate.generate_documents(30, 11, pool)]
    again = [(d.id, d.text, d.truth) for d in generate.generate_documents(30, 11, pool)]
    other = [d.text for d in generate.generate_documents(30, 12, pool)]
    assert first == again
    assert [text for _, text, _ in first] != other


def test_a_document_does_not_depend_on_those_before_it(pool: Any) -> None:
    tail = list(generate.generate_documents(5, 7, pool, start=20))
    whole = list(generate.generate_documents(25, 7, pool))[20:]
    assert [d.text for d in tail] == [d.text for d in whole]


@pytest.mark.parametrize(("fmt", "count"), [("jsonl", 40), ("txt", 12)])
def test_cli_writes_the_requested_count(tmp_path: Path, fmt: str, count: int) -> None:
    out = tmp_path / "out"
    assert generate.main(["--count", str(count), "--out", str(out), "--format", fmt,
                          "--pool", "2000", "--corpus", str(CORPORA / "phapdien.jsonl.xz")]) == 0
    truth = [json.loads(line) for line in (out / "truth.jsonl").read_text("utf-8").splitlines()]
    assert len(truth) == count
    if fmt == "jsonl":
        records = [json.loads(line) for line in (out / "party.jsonl").read_text("utf-8").splitlines()]
        assert len(records) == count
        # No key the extractor could take metadata from ("extra"), only id and text.
        assert all(set(r) == {"id", "text"} for r in records)
        assert [r["id"] for r in records] == [t["id"] for t in truth]
    else:
        assert sorted(p.stem for p in out.glob("*.txt")) == sorted(t["id"] for t in truth)


@pytest.mark.slow  # memory measured over a large generation
def test_generation_streams_one_document_at_a_time(pool: Any) -> None:
    documents = generate.generate_documents(3000, 7, pool)
    assert inspect.isgenerator(documents)
    tracemalloc.start()
    try:
        total = sum(len(doc.text) for doc in documents)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 3,000 documents of ~5 KB held in a list would take well over 15 MB.
    assert total > 3000 * 2000
    assert peak < 3_000_000, f"peak {peak / 1e6:.1f} MB while generating"


# --- variants -------------------------------------------------------------------------------


def test_every_variant_appears_in_500_documents(docs: list[Any]) -> None:
    assert set(Counter(d.truth["variant"] for d in docs)) == set(generate.VARIANTS)
    assert set(Counter(d.truth["signature"] for d in docs)) == set(generate.SIGNATURE_KINDS)
    evidence = Counter(d.truth["province_evidence"] for d in docs)
    assert set(evidence) == {"header", *generate.HEADERLESS_EVIDENCE}


def test_variant_shares_are_near_the_documented_proportions(docs: list[Any]) -> None:
    counts = Counter(d.truth["variant"] for d in docs)
    for variant, share in generate.VARIANTS.items():
        assert abs(counts[variant] / len(docs) - share) < 0.06, (variant, counts[variant])


def test_nfd_and_old_tone_variants_change_the_text(docs: list[Any]) -> None:
    for doc in docs:
        variant = doc.truth["variant"]
        is_nfc = unicodedata.is_normalized("NFC", doc.text)
        assert is_nfc == (variant != "nfd"), doc.id
        if variant == "old_tones":
            assert re.search("uỷ|UỶ|oà|oá|oả|oạ", doc.text), doc.id
        elif variant == "caps":
            first = next(line for line in doc.text.splitlines() if line.strip())
            assert first.strip().isupper(), doc.id


def test_old_style_tones_is_the_inverse_of_the_projects_tone_placement() -> None:
    text = "Tỉnh ủy Hòa Bình, Thanh Hóa, khỏe, Thụy, quý, hoàng, TỈNH ỦY KHÁNH HÒA"
    old = generate.old_style_tones(text)
    assert old == "Tỉnh uỷ Hoà Bình, Thanh Hoá, khoẻ, Thuỵ, quý, hoàng, TỈNH UỶ KHÁNH HOÀ"
    assert normalize_tones(old) == text


# --- truth states only what the text states ---------------------------------------------------

_NUMBER_LINE = re.compile(r"^\s*(?:Số|SỐ)\s*:?\s*\d+\s*-", re.M)


def test_number_and_date_are_in_the_text_exactly_when_the_truth_has_them(docs: list[Any]) -> None:
    for doc in docs:
        t, flat = doc.truth, _flat(doc.text)
        headerless = t["variant"] == "headerless"
        assert (t["number"] is None) == headerless == (t["date"] is None), doc.id
        if headerless:
            assert not _NUMBER_LINE.search(unicodedata.normalize("NFC", doc.text)), doc.id
            continue
        assert _flat("Số" + t["number"]) in flat.replace("SỐ:", "SỐ"), doc.id
        y, m, d = (int(x) for x in t["date"].split("-"))
        month = f"{m:02d}" if m < 3 else str(m)
        assert _flat(f"ngày {d:02d} tháng {month} năm {y}") in flat, doc.id
        assert t["year"] == y


def test_signer_cites_and_title_are_in_the_text(docs: list[Any]) -> None:
    for doc in docs:
        t = doc.truth
        text = normalize(" ".join(doc.text.split()))
        if t["signer"]:
            assert normalize(t["signer"]) in text, doc.id
        assert (t["signer"] is None) == (t["signature"] == "none"), doc.id
        for cite in t["cites"]:
            assert _flat(cite) in _flat(doc.text), (doc.id, cite)
        assert normalize(t["title"]) in text, doc.id
        if t["term"]:
            assert f"khóa {t['term'].lower()}" in text, doc.id


def test_a_headerless_province_is_stated_as_its_evidence_says(docs: list[Any]) -> None:
    seen = Counter()
    for doc in docs:
        t = doc.truth
        evidence, text = t["province_evidence"], unicodedata.normalize("NFC", doc.text)
        seen[evidence] += 1
        if evidence == "header":
            continue
        province = t["province"]
        if evidence == "none":
            assert province is None and t["province_2025"] is None, doc.id
            upper = corpus_common.UPPER
            assert not re.search(rf"Đảng bộ (?:tỉnh|thành phố|Thành phố) [{upper}]", text), doc.id
            assert not re.search(rf"\b(?:tỉnh|thành phố) [{upper}]", text), doc.id
            continue
        named = generate.named("thành phố" if province in generate.CITIES else "tỉnh", province)
        if evidence == "bch":
            assert f"Ban Chấp hành Đảng bộ {named}".upper() in text.upper(), doc.id
        else:  # districts: at least two of the province's own districts, no province name
            own = [d.name for d in generate.unambiguous_districts(province) if d.name in text]
            assert len(own) >= 2 and named not in text, doc.id
    assert seen["bch"] and seen["districts"] and seen["none"]


# --- the benchmark runs --------------------------------------------------------------------------


def test_pool_falls_back_to_builtin_sentences_with_a_note(tmp_path: Path) -> None:
    fallback = corpus_common.load_sentence_pool(100, seed=7, path=tmp_path / "absent.jsonl.xz")
    assert fallback.fallback and fallback.sentences == corpus_common.BUILTIN_SENTENCES
    assert fallback.note().startswith("NOTE: corpus not found")
    assert all(corpus_common.is_usable_sentence(s) for s in fallback.sentences)


@pytest.mark.slow  # a bench run in a process
def test_extraction_benchmark_smoke_run() -> None:
    done = subprocess.run([sys.executable, str(BENCH / "extraction"), "--count", "50"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "| field " in done.stdout and "| number " in done.stdout
    assert "documents: 50 " in done.stdout
    assert "wrong rate per field:" in done.stdout
