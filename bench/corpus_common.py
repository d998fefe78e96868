"""Helpers shared by the bench scripts: the real-text corpus, and report headers.

The corpus (``shared/corpora/phapdien.jsonl.xz``, 27,036 real legal articles) lives
outside the repository and is always streamed, never copied in. Benchmarks use it; the
tests fall back to :data:`BUILTIN_SENTENCES` when it is absent, and say so.
"""

from __future__ import annotations

import json
import lzma
import os
import platform
import random
import re
import shlex
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

__all__ = [
    "CORPORA_DIR",
    "UPPER",
    "PHAPDIEN",
    "BUILTIN_SENTENCES",
    "SentencePool",
    "iter_articles",
    "article_sentences",
    "is_usable_sentence",
    "reservoir_sample",
    "load_sentence_pool",
    "machine_lines",
    "markdown_table",
]

# bench/ → main/ → work/: the corpora sit next to the repository, never inside it.
CORPORA_DIR = Path(os.environ.get("VNSEARCH_CORPORA")
                   or Path(__file__).resolve().parents[2] / "shared" / "corpora")
PHAPDIEN = CORPORA_DIR / "phapdien.jsonl.xz"

# A handful of sentences in the register of the corpus, for tests on a machine without
# it. They pass :func:`is_usable_sentence`, so the generator treats them like real ones.
BUILTIN_SENTENCES: tuple[str, ...] = (
    "Cơ quan, tổ chức, cá nhân có trách nhiệm phối hợp thực hiện các nhiệm vụ được giao theo quy định của pháp luật.",
    "Nhà nước có chính sách hỗ trợ đồng bào dân tộc thiểu số phát triển sản xuất, nâng cao đời sống vật chất và tinh thần.",
    "Việc quản lý, sử dụng kinh phí phải bảo đảm đúng mục đích, công khai, minh bạch và có hiệu quả.",
    "Người đứng đầu cơ quan, đơn vị chịu trách nhiệm tổ chức thực hiện và kiểm tra việc thực hiện các quy định này.",
    "Ủy ban nhân dân các cấp có trách nhiệm bố trí nguồn lực để thực hiện chương trình, kế hoạch đã được phê duyệt.",
    "Hằng năm, cơ quan chủ trì tổng hợp, đánh giá kết quả thực hiện và báo cáo cơ quan có thẩm quyền.",
    "Việc lựa chọn đối tượng thụ hưởng phải bảo đảm dân chủ, công khai, đúng đối tượng và có sự tham gia của người dân.",
    "Các chính sách hỗ trợ được thực hiện lồng ghép với các chương trình mục tiêu và dự án khác trên địa bàn.",
    "Kinh phí thực hiện được bảo đảm từ ngân sách nhà nước, nguồn vốn huy động hợp pháp và sự đóng góp của cộng đồng.",
    "Cơ quan có thẩm quyền thực hiện kiểm tra, giám sát định kỳ hoặc đột xuất việc thực hiện chính sách.",
    "Tổ chức, cá nhân vi phạm quy định thì tùy theo tính chất, mức độ vi phạm mà bị xử lý kỷ luật hoặc xử phạt vi phạm hành chính.",
    "Việc đào tạo nghề cho lao động nông thôn phải gắn với nhu cầu thị trường lao động và quy hoạch phát triển kinh tế - xã hội.",
    "Hộ gia đình được hỗ trợ một lần để phát triển sản xuất, chuyển đổi nghề và tạo việc làm ổn định.",
    "Trẻ em, người cao tuổi, người khuyết tật và phụ nữ có thai được ưu tiên tiếp cận các dịch vụ y tế cơ bản.",
    "Cơ sở giáo dục có trách nhiệm bảo đảm điều kiện học tập cho học sinh vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn.",
    "Thông tin về kết quả thực hiện được công bố công khai trên cổng thông tin điện tử của cơ quan, đơn vị.",
)

# Upper-case Latin letters, Vietnamese included ("À-Ỹ" as a range would take lower case too).
UPPER = "".join(c for c in map(chr, range(0x41, 0x1EFA))
                if c.isupper() and unicodedata.name(c, "").startswith("LATIN"))

# Corpus sentences must not carry anything the metadata extractor reads, or the truth
# (which only knows the generated parts) would be wrong: document numbers, places,
# Party organs, conference terms, signature markers, date lines.
_REJECT = re.compile(
    r"\d[ \t]?[-/][ \t]?[A-ZĐ]"            # 04-NQ/TU, 1719/QĐ-TTg
    r"|\d/\d{4}/"                          # 50/2016/QĐ-TTg, 08/2007/QH12
    r"|\b(?:tỉnh|thành phố|huyện|quận|thị xã|thị trấn|TP\.?|Tỉnh|Thành phố|Huyện|Quận|Thị xã)"
    rf"[ \t]+[{UPPER}]"                     # a named place
    r"|(?i:\b(?:tỉnh|thành|huyện|quận|thị|đảng)[ \t]+(?:ủy|uỷ))"  # committees
    r"|Ban Thường vụ|Ban [Cc]hấp hành|Hội nghị|[Kk]hóa [IVXLC]|[Kk]hoá [IVXLC]"
    r"|T/M|K/T|T/L|Nơi nhận|V/v|ĐẾN"
    r"|tháng\s+\d{1,2}\s+năm\s+\d{4}\s*[.)]?\s*$"  # could pass for a place/date line
)
_LIST_PREFIX = re.compile(r"^(?:\d+(?:\.\d+)*[.)]|[a-zđ][)]|[-+–•])\s+")
_SENTENCE_END = re.compile(rf"(?<=[.!?])\s+(?=[{UPPER}])")
MIN_SENTENCE, MAX_SENTENCE = 40, 400
# Usable sentences in phapdien.jsonl.xz (149,487 of 185,754, measured): a small pool reads
# every k-th article only, so a 50-document smoke run does not split the whole corpus.
USABLE_SENTENCES = 149_487


@dataclass(frozen=True)
class SentencePool:
    """Sentences to draw document bodies from, and where they came from."""

    sentences: tuple[str, ...]
    source: str
    fallback: bool = False

    def note(self) -> str:
        if self.fallback:
            return (f"NOTE: corpus not found at {PHAPDIEN}; using {len(self.sentences)} "
                    "built-in sentences (fine for tests, not for benchmarks)")
        return f"sentences: {len(self.sentences):,} sampled from {self.source}"


def iter_articles(path: Path = PHAPDIEN, limit: int | None = None,
                  stride: int = 1) -> Iterator[str]:
    """The text of every ``stride``-th corpus article, streamed from the xz file."""
    with lzma.open(path, "rt", encoding="utf-8") as stream:
        for n, line in enumerate(stream):
            if limit is not None and n >= limit:
                return
            if n % stride:
                continue
            text = json.loads(line).get("text")
            if isinstance(text, str):
                yield text


def article_sentences(text: str) -> Iterator[str]:
    """Body sentences of one article: list markers dropped, the closing citation line
    ("(Điều 1 Luật số …)") skipped, clauses ending in ";" or ":" closed with a full stop."""
    for line in unicodedata.normalize("NFC", text).splitlines():
        line = _LIST_PREFIX.sub("", line.strip())
        if not line or line.startswith("("):
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip().rstrip(";:,")
            if sentence and sentence[-1] not in ".!?":
                sentence += "."
            yield sentence


def is_usable_sentence(sentence: str) -> bool:
    """Mixed-case prose of a sensible length that names no document, place or organ."""
    return (MIN_SENTENCE <= len(sentence) <= MAX_SENTENCE
            and sentence[0].isupper()
            and not sentence.isupper()
            and _REJECT.search(sentence) is None)


_T = TypeVar("_T")


def reservoir_sample(items: Iterable[_T], k: int, rng: random.Random) -> list[_T]:
    """A uniform sample of ``k`` items from a stream, in O(k) memory (Algorithm R)."""
    sample: list[_T] = []
    for n, item in enumerate(items):
        if n < k:
            sample.append(item)
        else:
            j = rng.randrange(n + 1)
            if j < k:
                sample[j] = item
    return sample


def _usable_sentences(path: Path, limit: int | None, stride: int) -> Iterator[str]:
    for text in iter_articles(path, limit, stride):
        for sentence in article_sentences(text):
            if is_usable_sentence(sentence):
                yield sentence


def load_sentence_pool(size: int, seed: int, path: Path | None = None,
                       max_articles: int | None = None,
                       allow_fallback: bool = True) -> SentencePool:
    """``size`` sentences sampled by streaming the corpus once (deterministic per seed).

    :param max_articles: read only the first articles (fast tests).
    :param allow_fallback: use :data:`BUILTIN_SENTENCES` when the corpus is missing.
    """
    path = path or PHAPDIEN
    if not path.exists():
        if not allow_fallback:
            raise FileNotFoundError(f"corpus not found: {path}")
        return SentencePool(BUILTIN_SENTENCES, "built-in", fallback=True)
    rng = random.Random(f"pool-{seed}")
    stride = max(1, USABLE_SENTENCES // (2 * size))  # read about twice what is kept
    sample = reservoir_sample(_usable_sentences(path, max_articles, stride), size, rng)
    # Sorting then shuffling with the seed makes the pool independent of reservoir order.
    sample.sort()
    rng.shuffle(sample)
    return SentencePool(tuple(sample), str(path))


# --- report helpers ----------------------------------------------------------------------


def machine_lines(argv: Sequence[str]) -> list[str]:
    """Date, machine and command, for the top of a benchmark's output."""
    import datetime as dt

    return [
        f"date: {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        f"command: {shlex.join(argv)}",
    ]


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


if __name__ == "__main__":  # a quick look at what the pool holds
    pool = load_sentence_pool(int(sys.argv[1]) if len(sys.argv) > 1 else 10, seed=7)
    print(pool.note())
    for s in pool.sentences[:10]:
        print("-", s)
