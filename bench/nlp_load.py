#!/usr/bin/env python
"""Load time and memory of the NLP pipeline (spaCy model + gazetteer patterns), per process.

Run from the repository root:

    .venv/bin/python bench/nlp_load.py [--rounds 3] [--gazetteer PATH] [--repo DIR ...]

``--repo`` measures other checkouts too (for example ``--repo /work/main --repo .`` for the
figures before and after a change); their rounds alternate, so both see the same load.

Each round starts a fresh Python process (so nothing is cached) that measures:

  * the gazetteer: parse time of the data file, its entries and EntityRuler patterns;
  * get_nlp(): wall and CPU time to load the model and add the patterns;
  * peak resident memory (ru_maxrss) after loading, and after analysing the project's example
    article 20 times (what a worker holds before its first batch of real work);
  * the time per analysis of the example article (best of 20).

The best round is printed (the machine is shared, so the minimum is the least disturbed).
This is a benchmark, not a test: it prints figures and exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
from annotations.nlp.gazetteer import get_gazetteer
g = get_gazetteer()
patterns = len(g.entity_ruler_patterns())
t1 = time.perf_counter()
from annotations.nlp.pipeline import analyze, get_nlp
import spacy  # noqa: F401  (import cost is part of loading)
t2, c2 = time.perf_counter(), time.process_time()
get_nlp()
t3, c3 = time.perf_counter(), time.process_time()
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
text = open(sys.argv[2], encoding="utf-8").read()
best = best_cpu = float("inf")
for _ in range(20):
    s, sc = time.perf_counter(), time.process_time()
    analyze(text)
    best = min(best, time.perf_counter() - s)
    best_cpu = min(best_cpu, time.process_time() - sc)
rss_used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "entries": len(g), "patterns": patterns,
    "gazetteer_s": t1 - t0 - (0.0),
    "import_s": t2 - t1,
    "load_s": t3 - t2, "load_cpu_s": c3 - c2,
    "maxrss_loaded_mb": rss_loaded, "maxrss_used_mb": rss_used,
    "analyze_ms": best * 1000, "analyze_cpu_ms": best_cpu * 1000,
}))
"""


def measure(repo: Path, env: dict[str, str]) -> dict[str, float]:
    text = REPO / "tests" / "data" / "example-article.txt"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(repo), str(text)],
        env=env,
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report(repo: Path, runs: list[dict[str, float]]) -> None:
    best = min(runs, key=lambda r: r["load_cpu_s"])
    print(f"\n{repo} ({len(runs)} rounds, best by CPU time of loading)")
    print(f"gazetteer entries       {best['entries']:>10,.0f}")
    print(f"EntityRuler patterns    {best['patterns']:>10,.0f}")
    print(f"gazetteer parse+patterns{best['gazetteer_s']:>10.2f} s")
    print(f"get_nlp() load          {best['load_s']:>10.2f} s (CPU {best['load_cpu_s']:.2f} s)")
    print(f"peak RSS after load     {best['maxrss_loaded_mb']:>10.0f} MB")
    print(f"peak RSS after analyses {best['maxrss_used_mb']:>10.0f} MB")
    print(
        f"analyze(example)        {best['analyze_ms']:>10.1f} ms "
        f"(CPU {best['analyze_cpu_ms']:.1f} ms; best of 20)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gazetteer", help="another data file (NEWSNOTES_GAZETTEER)")
    parser.add_argument("--repo", action="append", type=Path, help="checkout(s) to measure")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if args.gazetteer:
        env["NEWSNOTES_GAZETTEER"] = str(Path(args.gazetteer).resolve())
    repos = [r.resolve() for r in (args.repo or [REPO])]
    runs: dict[Path, list[dict[str, float]]] = {r: [] for r in repos}
    for _ in range(args.rounds):
        for repo in repos:
            runs[repo].append(measure(repo, env))
    print(f"load average: {os.getloadavg()[0]:.1f}")
    for repo in repos:
        report(repo, runs[repo])


if __name__ == "__main__":
    main()
