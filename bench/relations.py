#!/usr/bin/env python3
"""The relation reader (search/relations.py) on citing sentences of planted type.

    python bench/relations.py [--count 4000] [--seed 7]

Sentences come from ``bench/generate.py``'s ``relation_cases`` (a type, one or two cited
numbers: central, state or provincial, with or without a date). For every planted
(number, type) the reader's type is **right**, **wrong** (another type) or **unknown**
(the reader declined: no cue it is sure of governs the number). Printed per planted type,
and the confusion of the wrong ones. Nothing is asserted here; tests/test_relations.py
holds the rules.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from generate import relation_cases  # noqa: E402
from search.relations import TYPE_NAMES, UNKNOWN, read_mentions  # noqa: E402
from search.text.numbers import normalize_number  # noqa: E402


def measure(count: int, seed: int) -> tuple[dict[str, Counter[str]], Counter[tuple[str, str]]]:
    """Per planted type, Counter of right / wrong / unknown; and (planted, read) of wrongs."""
    by_type: dict[str, Counter[str]] = {t: Counter() for t in TYPE_NAMES}
    confusion: Counter[tuple[str, str]] = Counter()
    for case in relation_cases(count, seed):
        read = {normalize_number(m.number): m.type for m in read_mentions(case["text"])}
        for rel in case["relations"]:
            planted, got = rel["type"], read.get(normalize_number(rel["number"]), "missed")
            if got == planted:
                by_type[planted]["right"] += 1
            elif got in (UNKNOWN, "missed"):
                by_type[planted]["unknown"] += 1
            else:
                by_type[planted]["wrong"] += 1
                confusion[(planted, got)] += 1
    return by_type, confusion


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    by_type, confusion = measure(args.count, args.seed)
    print(f"{'planted':<11} {'n':>5} {'right':>6} {'wrong':>6} {'unknown':>8}")
    total: Counter[str] = Counter()
    for kind, counts in by_type.items():
        n = sum(counts.values())
        if n:
            total.update(counts)
            print(f"{kind:<11} {n:>5} {counts['right']:>6} {counts['wrong']:>6} "
                  f"{counts['unknown']:>8}")
    n = sum(total.values())
    print(f"{'all':<11} {n:>5} {total['right']:>6} {total['wrong']:>6} {total['unknown']:>8}"
          f"   (right {total['right'] / n:.1%}, wrong {total['wrong'] / n:.1%})")
    for (planted, got), k in confusion.most_common():
        print(f"  wrong: planted {planted}, read {got}: {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
