"""Documents like this one (search/similar.py): the most similar documents of *other*
provinces by content, not by the boilerplate every Party document shares.

A hand-written table where the boilerplate and the topic point different ways, properties
of the lists on a generated corpus with planted topics (bench/generate.py --topics), and
the bench script's smoke run.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, settings, strategies as st

from search.index import Index, open_index
from search.indexer import build_index
from search.similar import content_text, similar_documents
from search.text.normalize import normalize
from tests.conftest import CORPORA, ROOT, index_texts

sys.path.insert(0, str(ROOT / "bench"))
import corpus_common  # noqa: E402
import generate  # noqa: E402
import topics  # noqa: E402


def party_text(province: str, number: str, title: str, body: str) -> str:
    """A Party document with the header, recipients and signature all of them share."""
    return f"""TỈNH ỦY {province.upper()}
*
Số {number}
ĐẢNG CỘNG SẢN VIỆT NAM
{province}, ngày 12 tháng 3 năm 2022

NGHỊ QUYẾT
{title}

Ban Chấp hành Đảng bộ tỉnh quyết nghị. Các cấp ủy, tổ chức đảng tăng cường lãnh đạo, chỉ
đạo, kiểm tra, giám sát; phát huy vai trò tiên phong, gương mẫu của cán bộ, đảng viên.
{body}
Nghị quyết này được quán triệt, phổ biến đến chi bộ.

Nơi nhận:
- Ban Bí thư Trung ương Đảng (báo cáo),
- Văn phòng Trung ương Đảng,
- Các đồng chí Tỉnh ủy viên,
- Các sở, ban, ngành, đoàn thể tỉnh,
- Lưu Văn phòng Tỉnh ủy.
T/M BAN THƯỜNG VỤ
BÍ THƯ
"""


DIGITAL = ("Đẩy mạnh chuyển đổi số, xây dựng chính quyền số và hạ tầng số. Phát triển nền "
           "tảng số, dữ liệu số dùng chung; chuyển đổi số trong các cơ quan đảng; nâng cao "
           "kỹ năng số cho cán bộ.")
TOURISM = ("Phát triển du lịch cộng đồng, sản phẩm du lịch đặc thù và cơ sở lưu trú; xúc tiến "
           "du lịch sinh thái, tăng lượng khách du lịch đến các khu du lịch.")
# name → (province, number, title, body)
DOCS = {
    "a-kontum-digital": ("Kon Tum", "04-NQ/TU", "về chuyển đổi số", DIGITAL),
    "b-quangngai-digital": ("Quảng Ngãi", "07-NQ/TU", "về chính quyền số",
                            "Tập trung chuyển đổi số; xây dựng chính quyền số, hạ tầng số, "
                            "nền tảng số và dữ liệu số dùng chung; kỹ năng số cho người dân."),
    "c-quangngai-tourism": ("Quảng Ngãi", "08-NQ/TU", "về du lịch", TOURISM),
    "d-kontum-digital": ("Kon Tum", "09-NQ/TU", "về hạ tầng số", DIGITAL),
    "e-gialai-tourism": ("Gia Lai", "03-NQ/TU", "về du lịch cộng đồng", TOURISM),
}


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Index, dict[str, str]]]:
    root = tmp_path_factory.mktemp("similar-hand")
    path = index_texts(root, {name: party_text(*fields) for name, fields in DOCS.items()})
    with open_index(path) as index:
        ids = {}
        for stored in index.reader.iter_stored():
            ids[Path(str(stored["path"])).stem] = str(stored["id"])
        yield index, ids


@pytest.mark.slow
@pytest.mark.parametrize(("name", "first", "never"), [
    # The same boilerplate as C (the same header, recipients, signature), another topic.
    ("a-kontum-digital", "b-quangngai-digital", {"a-kontum-digital", "d-kontum-digital"}),
    ("c-quangngai-tourism", "e-gialai-tourism", {"c-quangngai-tourism", "b-quangngai-digital"}),
    ("e-gialai-tourism", "c-quangngai-tourism", {"e-gialai-tourism"}),
])
def test_the_most_similar_is_the_same_topic_elsewhere(
        hand: tuple[Index, dict[str, str]], name: str, first: str, never: set[str]) -> None:
    index, ids = hand
    names = {v: k for k, v in ids.items()}
    found = [names[d["id"]] for d in index.similar(ids[name])["similar"]]
    assert found and found[0] == first, found
    assert not never & set(found), found  # itself, and its own province, never
    # Only the same topic at all: the shared boilerplate alone makes no match.
    topic = "digital" if "digital" in name else "tourism"
    assert all(topic in f for f in found), found


@pytest.mark.slow
def test_the_same_kind_side_by_side_has_a_passage_on_the_topic(
        hand: tuple[Index, dict[str, str]]) -> None:
    index, ids = hand
    same = index.similar(ids["a-kontum-digital"])["same_kind"]
    assert [d["province"] for d in same] == ["Quảng Ngãi"]
    row = same[0]
    assert row["doc_type"] == "Nghị quyết" and row["number"] == "07-NQ/TU"
    assert row["date"] == "2022-03-12" and "<mark>" in row["passage"]
    assert "số" in row["passage"]


@given(st.text(alphabet=st.sampled_from("aăâbcđNơi nhận:T/M\n -ỦY"), max_size=300))
@settings(max_examples=200, deadline=None)
def test_content_text_only_blanks_or_cuts(text: str) -> None:
    """What is kept of a text is the text itself, its header lines blanked and its tail
    cut: never a character that was not there."""
    kept = content_text(text)
    assert len(kept) <= len(text)
    assert all(k == t or k == " " for k, t in zip(kept, text))


# -- a generated corpus with planted topics ------------------------------------------------------
@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Index, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("similar-planted")
    pool = corpus_common.load_sentence_pool(2000, seed=7, path=CORPORA / "phapdien.jsonl.xz")
    docs = list(generate.generate_documents(150, seed=7, pool=pool, topics=True))
    generate.write_corpus(iter(docs), root / "corpus")
    build_index([root / "corpus" / "party.jsonl"], root / "ix", workers=1)
    truth = {d.id: d.truth for d in docs}
    with open_index(root / "ix") as index:
        yield index, truth


def _topics(index: Index, truth: dict[str, Any]) -> dict[str, str | None]:
    return {str(s["id"]): truth[s["source_id"]].get("topic") for s in index.reader.iter_stored()}


@pytest.mark.slow
def test_generated_topics_are_planted_and_recorded(planted: tuple[Index, dict[str, Any]]) -> None:
    _index, truth = planted
    topics = Counter(t.get("topic") for t in truth.values())
    assert topics[None] and len(topics) > 5  # some unplanted, most of the ten topics


def test_planting_changes_only_the_planted_documents_body() -> None:
    """A document without a topic is the same with --topics as without; a planted one
    keeps everything and gains its topic's passage."""
    pool = corpus_common.SentencePool(corpus_common.BUILTIN_SENTENCES, "builtin")
    plain = list(generate.generate_documents(40, seed=3, pool=pool))
    planted = list(generate.generate_documents(40, seed=3, pool=pool, topics=True))
    assert any(d.truth["topic"] for d in planted) and any(not d.truth["topic"] for d in planted)
    for before, after in zip(plain, planted):
        topic = after.truth.pop("topic")
        if topic is None:
            assert (before.text, before.truth) == (after.text, after.truth)
        else:
            assert len(after.text) > len(before.text)
            assert {k: v for k, v in before.truth.items() if k != "bytes"} == \
                {k: v for k, v in after.truth.items() if k != "bytes"}
            # NFD and old tone placement variants change the whole text: compare normalised.
            text, was = normalize(after.text), normalize(before.text)
            assert any(normalize(term) in text and normalize(term) not in was
                       for term in topics.TOPICS[topic])


@pytest.mark.slow
def test_similar_lists_keep_their_rules_on_a_generated_corpus(
        planted: tuple[Index, dict[str, Any]]) -> None:
    index, truth = planted
    topics = _topics(index, truth)
    precision, chance = [], []
    for doc_id, topic in sorted(topics.items())[:40]:
        stored = index.get(doc_id)
        province = stored["meta"].get("province")
        found = similar_documents(index.reader, doc_id, stored)
        ids = [d["id"] for d in found["similar"]]
        assert doc_id not in ids and len(set(ids)) == len(ids)
        assert all(d["province"] and d["province"] != province for d in found["similar"])
        same = found["same_kind"]
        assert len({d["province"] for d in same}) == len(same)
        assert all(d["doc_type"] == stored["meta"]["doc_type"] for d in same)
        if topic and ids:
            precision.append(sum(topics[i] == topic for i in ids[:5]) / min(5, len(ids)))
            chance.append(sum(t == topic for t in topics.values()) / len(topics))
    # Far better than picking documents at random (the figures are in bench/README.md).
    assert sum(precision) / len(precision) > 2 * sum(chance) / len(chance)


@pytest.mark.slow
def test_the_bench_script_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "similar" / "run"), "--count", "60",
         "--sample", "8", "--pool", "1000", "--work", str(tmp_path)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    for method in ("distinctive", "all-terms", "frequent-25"):
        assert f"\n{method} " in result.stdout and "P@5 " in result.stdout
