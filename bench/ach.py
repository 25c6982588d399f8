"""ACH matrix recomputation: a matrix of 20 hypotheses x 300 evidence rows (every cell rated),
recomputed on the server as each write answers it, against the 50 ms target (issue #19).

    .venv/bin/python bench/ach.py [--hypotheses 20] [--evidence 300] [--runs 30] [--sqlite]
        [--db-name NAME]

1. Creates the database `newsnotes_bench_ach` (PostgreSQL; `--sqlite`: a temporary SQLite
   file), migrates it, and builds one analysis of that size through the services (a third of
   the rows are claim annotations of the team, with Admiralty grades; ratings drawn at random).
2. Times, side by side in the same run:
   - **server**: `selectors/ach.py: analysis_matrix` (the reads of the hypotheses, rows,
     claims and 6,000 ratings, then the scores, diagnosticity and sensitivity): what
     `GET /matrix/` and every write spend beyond the write itself;
   - **write**: `rating_set` of one cell (lock, check, history row) followed by that matrix;
   - **scoring**: `lib/ach.py: score` alone on the same rows, and a naive sensitivity that
     re-sums the whole matrix for each removed row (what `score` avoids), for the ratio.

Prints the median and p95 of each, the ratio to the target and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from common import add_database_arguments, load_average, production_environment, recreate_database

TARGET_MS = 50.0
RATINGS = ("CC", "C", "N", "I", "II", "NA")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hypotheses", type=int, default=20)
    parser.add_argument("--evidence", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "newsnotes_bench_ach")
    return parser.parse_args()


CPU: dict[str, list[float]] = {}


def timed(function: Callable[[], Any], runs: int, name: str = "") -> list[float]:
    """Wall-clock milliseconds per run; this process' CPU milliseconds go to ``CPU[name]`` (on
    a loaded machine the wall clock also counts the time spent waiting for a core)."""
    function()  # warm caches and connections
    out = []
    cpu = CPU.setdefault(name, [])
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        out.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return out


def describe(name: str, values: list[float], cpu: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(values)
    return (
        f"  {name:<38} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
        f"({median / TARGET_MS:.2f} of the {TARGET_MS:g} ms target); "
        f"CPU of this process median {statistics.median(cpu):6.2f} ms"
    )


def seed(args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    from annotations.models import Analysis, Evidence, Hypothesis, Membership, Rating, Tag
    from annotations.services.ach import ach_create
    from annotations.services.annotations import annotation_create
    from annotations.services.articles import article_create
    from annotations.services.teams import team_create
    from tests.factories import UserFactory

    user = UserFactory(username="bench-ach")
    team = team_create(name="Bench ACH", slug="bench-ach", owner=user)
    assert Membership.objects.filter(team=team, user=user).exists()
    claim_tag = Tag.objects.filter(team=team, kind=Tag.Kind.CLAIM).first()
    sentence = "The ministry said the convoy crossed the border at night. "
    article = article_create(team=team, text=sentence * 120, title="Bench article")
    claims = [
        annotation_create(
            article=article,
            author=user,
            start=i * len(sentence),
            end=i * len(sentence) + len(sentence) - 1,
            tags=[claim_tag] if claim_tag else [],
        )
        for i in range(args.evidence // 3)
    ]
    analysis = ach_create(
        user=user,
        team=team,
        question="Who moved the convoy?",
        hypotheses=[f"Hypothesis {i + 1}" for i in range(args.hypotheses)],
    )
    rows = []
    for i in range(args.evidence):
        claim = claims[i] if i < len(claims) else None
        rows.append(
            Evidence(
                analysis=analysis,
                annotation=claim,
                note="" if claim else f"Evidence {i + 1}",
                credibility=rng.choice([None, 1, 2, 3, 4, 5, 6]),
                reliability=rng.choice(["", "A", "B", "C", "D", "E", "F"]),
                weight=rng.choice([None, None, None, 0.5, 2.0]),
                position=i,
            )
        )
    Evidence.objects.bulk_create(rows)
    hypotheses = list(Hypothesis.objects.filter(analysis=analysis))
    Rating.objects.bulk_create(
        [
            Rating(evidence=e, hypothesis=h, value=rng.choice(RATINGS))
            for e in Evidence.objects.filter(analysis=analysis)
            for h in hypotheses
        ]
    )
    return {
        "user": user,
        "analysis": Analysis.objects.get(pk=analysis.pk),
        "hypotheses": hypotheses,
    }


def naive_sensitivity(hypotheses: list[int], rows: list[Any]) -> list[list[int]]:
    from annotations.lib.ach import INCONSISTENCY, rank

    out = []
    for removed in rows:
        totals = dict.fromkeys(hypotheses, 0.0)
        for row in rows:
            if row is removed:
                continue
            for h, value in row.ratings.items():
                totals[h] += INCONSISTENCY.get(value, 0.0) * row.weight
        out.append(rank(hypotheses, totals))
    return out


def measure(args: argparse.Namespace, world: dict[str, Any], rng: random.Random) -> None:
    from annotations.lib.ach import Row, score
    from annotations.models import Evidence
    from annotations.selectors.ach import analysis_matrix
    from annotations.services.ach import rating_set

    user, analysis, hypotheses = world["user"], world["analysis"], world["hypotheses"]
    matrix = analysis_matrix(user, analysis)
    cells = sum(len(r["ratings"]) for r in matrix["evidence"])
    print(
        f"  matrix: {len(matrix['hypotheses'])} hypotheses x {len(matrix['evidence'])} rows, "
        f"{cells} rated cells; ranking top {matrix['ranking'][:3]}"
    )
    h_ids = [h["id"] for h in matrix["hypotheses"]]
    rows = [
        Row(
            id=r["id"],
            weight=r["effective_weight"],
            ratings={int(k): v for k, v in r["ratings"].items()},
        )
        for r in matrix["evidence"]
    ]
    loads = [load_average()]
    server = timed(lambda: analysis_matrix(user, analysis), args.runs, "server")
    loads.append(load_average())
    evidence_ids = list(Evidence.objects.filter(analysis=analysis).values_list("pk", flat=True))

    def one_write() -> None:
        rating_set(
            analysis=analysis,
            actor=user,
            evidence=rng.choice(evidence_ids),
            hypothesis=rng.choice(hypotheses).pk,
            value=rng.choice(RATINGS),
        )
        analysis_matrix(user, analysis)

    write = timed(one_write, args.runs, "write")
    loads.append(load_average())
    scoring = timed(lambda: score(h_ids, rows), args.runs, "scoring")
    naive = timed(lambda: naive_sensitivity(h_ids, rows), max(5, args.runs // 3), "naive")
    loads.append(load_average())
    assert naive_sensitivity(h_ids, rows) == [r.ranking_without for r in score(h_ids, rows).rows]
    print(describe("server recompute (analysis_matrix)", server, CPU["server"]))
    print(describe("one rating write + recompute", write, CPU["write"]))
    print(describe("scoring alone (lib/ach.py score)", scoring, CPU["scoring"]))
    print(describe("naive sensitivity (re-sum per row)", naive, CPU["naive"]))
    print(
        f"  scoring is {statistics.median(scoring) / statistics.median(server):.0%} of the server "
        f"recompute; the naive sensitivity would take "
        f"{statistics.median(naive) / statistics.median(scoring):.1f} times the scoring"
    )
    print(f"  load average during the runs: {'; '.join(loads)}")


def main() -> int:
    args = parse_args()
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="newsnotes-bench-ach-")
        database_url = f"sqlite:///{folder}/bench.sqlite3"
    else:
        database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    production_environment(database_url)
    engine = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"NewsNotes ACH on {engine}: {args.hypotheses} hypotheses x {args.evidence} evidence "
        f"rows, {args.runs} runs; {os.cpu_count()} cores, load average {load_average()}"
    )
    if not args.sqlite:
        recreate_database(args.pg_url, args.db_name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    world = seed(args, rng)
    measure(args, world, rng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
