#!/usr/bin/env python
"""Re-anchoring after an edit: the exact search alone against exact plus approximate.

Run from the repository root:

    .venv/bin/python bench/reanchor.py [--paragraphs 200] [--annotations 1000] [--rounds 3]

An article of ``--paragraphs`` paragraphs (words of the project's example article, no two
paragraphs alike) carries ``--annotations`` quotes of 3 to 12
words. The edit changes one word in every 10th paragraph and deletes every 25th. Both ways
re-anchor every quote (``lib/anchoring.py:find_anchor``, ``approximate`` off and on) in the same
run, alternating rounds; the best round of each is printed, with the ratio, how many quotes each
found, how many the approximate pass recovered, and the load average. A benchmark, not a test:
it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")

import django  # noqa: E402

django.setup()

from common import load_average  # noqa: E402

from annotations.lib.anchoring import find_anchor, quote_context  # noqa: E402

EXAMPLE = (REPO / "tests" / "data" / "example-article.txt").read_text(encoding="utf-8")


def build(paragraphs: int, annotations: int, rng: random.Random):
    # Paragraphs of 25 words drawn from the example article's vocabulary: news-like words,
    # and no two paragraphs alike, so that each quote has one right place.
    vocabulary = sorted({word for word in EXAMPLE.split() if word.isalpha()})
    old_lines = [" ".join(rng.choice(vocabulary) for _ in range(25)) for _ in range(paragraphs)]
    old = "\n".join(old_lines)
    quotes = []
    deleted: list[bool] = []  # the quote's paragraph is deleted: it must be orphaned
    for _ in range(annotations):
        n = rng.randrange(paragraphs)
        words = old_lines[n].split(" ")
        size = rng.randint(3, min(12, len(words) - 1))
        first = rng.randrange(1, len(words) - size + 1)
        exact = " ".join(words[first : first + size])
        start = old.index(old_lines[n]) + old_lines[n].index(exact)
        prefix, suffix = quote_context(old, start, start + len(exact))
        quotes.append((exact, prefix, suffix, start))
        deleted.append(n % 25 == 24)
    new_lines = []
    for n, line in enumerate(old_lines):
        if n % 25 == 24:
            continue  # deleted paragraph
        if n % 10 == 9:
            words = line.split(" ")
            middle = len(words) // 2
            words[middle] = words[middle] + "s"  # one word changed
            line = " ".join(words)
        new_lines.append(line)
    return old, "\n".join(new_lines), quotes, sum(deleted)


def run(new: str, old_length: int, quotes, approximate: bool) -> tuple[float, int, int]:
    found = changed = 0
    began = time.perf_counter()
    for exact, prefix, suffix, start in quotes:
        anchor = find_anchor(
            new,
            exact=exact,
            prefix=prefix,
            suffix=suffix,
            start=start,
            old_length=old_length,
            approximate=approximate,
        )
        if anchor is not None:
            found += 1
            changed += anchor.quote_changed
    return time.perf_counter() - began, found, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--annotations", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    old, new, quotes, gone = build(args.paragraphs, args.annotations, random.Random(7))  # noqa: S311
    best: dict[bool, tuple[float, int, int]] = {}
    for _ in range(args.rounds):
        for approximate in (False, True):
            result = run(new, len(old), quotes, approximate)
            if approximate not in best or result[0] < best[approximate][0]:
                best[approximate] = result
    exact_s, exact_found, _ = best[False]
    approx_s, approx_found, approx_changed = best[True]
    print(f"article: {len(old):,} -> {len(new):,} code points, {len(quotes):,} quotes")
    print(f"exact only:        {exact_s * 1000:8.1f} ms, {exact_found:,} found")
    print(
        f"exact+approximate: {approx_s * 1000:8.1f} ms, {approx_found:,} found "
        f"({approx_changed:,} with a changed quote, recovered by the approximate pass)"
    )
    print(
        f"orphaned: {len(quotes) - exact_found:,} -> {len(quotes) - approx_found:,} "
        f"(quotes in deleted paragraphs: {gone:,})"
    )
    print(f"ratio approximate/exact time: {approx_s / exact_s:.1f}")
    missing = len(quotes) - approx_found
    if missing:
        per = (approx_s - exact_s) / max(1, approx_changed + missing) * 1000
        print(f"cost per quote not found exactly: {per:.2f} ms")
    print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
