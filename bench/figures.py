#!/usr/bin/env python
"""Figure extraction cost per article, next to the NER time of the same articles.

Run from the repository root:

    .venv/bin/python bench/figures.py [--articles 300] [--words 700] [--rounds 3]

It generates the NER benchmark's deterministic corpus (``ner_throughput.write_corpus``:
wire-style articles with troop numbers, money, percentages and dates), then in one process:

  a. NER: ``analyze_many(texts, batch_size=32)``, the project's whole pipeline (what the
     analysis job runs before it writes), timed once;
  b. figures: ``extract_figures(text, mentions)`` on every article with the mentions that (a)
     found, as ``services/figures.py`` calls it, best of ``--rounds``;
  c. b / a per article, against the issue's budget for work added after analysis (20 %).

It also prints what the extraction finds in the project's own articles (the demo articles and
the example article). The database writes of ``figures_extract`` (one read of the batch's
mentions, claims and figures, one delete and one insert per batch) are not in (b).

This is a benchmark, not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET = 0.20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241101)
    args = parser.parse_args()
    if args.articles < 1 or args.rounds < 1:
        parser.error("need at least 1 article and 1 round")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from ner_throughput import write_corpus

    from annotations.nlp.figures import MentionRef, extract_figures
    from annotations.nlp.pipeline import analyze_many

    print(
        f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)"
    )
    with tempfile.TemporaryDirectory(prefix="newsnotes-figures-") as tmp:
        texts = write_corpus(
            Path(tmp) / "articles.jsonl", articles=args.articles, words=args.words, seed=args.seed
        )
    chars = sum(len(t) for t in texts)
    print(f"corpus: {len(texts)} articles, {chars / len(texts):,.0f} characters each on average")

    # warm the pipeline (model load) outside the timing
    list(analyze_many(texts[:2], batch_size=32))
    started = time.perf_counter()
    analyses = list(analyze_many(texts, batch_size=32))
    ner = time.perf_counter() - started

    keys: dict[str, int] = {}
    mentions = [
        [
            MentionRef(m.start, m.end, keys.setdefault(m.key, len(keys) + 1), m.label)
            for m in analysis.mentions
        ]
        for analysis in analyses
    ]
    best = float("inf")
    found: list[list] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        found = [extract_figures(t, m) for t, m in zip(texts, mentions, strict=True)]
        best = min(best, time.perf_counter() - started)
    figures = [f for article in found for f in article]
    kinds = Counter(f.kind for f in figures)

    per_ner = ner / len(texts) * 1000
    per_fig = best / len(texts) * 1000
    print(f"a. NER (analyze_many):        {per_ner:8.2f} ms per article ({ner:.2f} s in all)")
    print(
        f"b. figures (extract_figures): {per_fig:8.3f} ms per article "
        f"({best:.3f} s, best of {args.rounds})"
    )
    print(f"c. b / a:                     {per_fig / per_ner:8.2%} (budget {BUDGET:.0%})")
    print(
        f"   {len(figures)} figures ({len(figures) / len(texts):.1f} per article), "
        f"{sum(f.subject is not None for f in figures)} with a subject, "
        f"{sum(f.flagged for f in figures)} flagged; kinds: "
        + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    )

    own = [json.loads(line)["text"] for line in (REPO / "annotations/demo/articles.jsonl").open()]
    own.append((REPO / "tests/data/example-article.txt").read_text(encoding="utf-8"))
    own_analyses = list(analyze_many(own, batch_size=32))
    print("the project's own articles (5 demo articles and the example article):")
    for text, analysis in zip(own, own_analyses, strict=True):
        refs = [MentionRef(m.start, m.end, hash(m.key), m.label) for m in analysis.mentions]
        print(
            "   "
            + "; ".join(
                f"{f.text}{' [flagged]' if f.flagged else ''}" for f in extract_figures(text, refs)
            )
            or "   (none)"
        )
    print(
        f"load average at end: {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
