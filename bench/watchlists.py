"""Watchlist matching next to NER: what matching 200 watchlists costs one new article, measured
inside the analysis job that runs both, side by side.

    .venv/bin/python bench/watchlists.py [--watchlists 200] [--corpus 60] [--articles 15]
        [--words 400] [--sqlite] [--db-name NAME]

1. Creates the database `newsnotes_bench_watch` (PostgreSQL; `--sqlite` uses a temporary SQLite
   file instead), migrates it, and imports and analyses a corpus of generated wire-style
   articles (the generator of api_throughput.py), so the team has entities.
2. Creates the watchlists: half saved searches (words, phrases, `or`, exclusions; a third with
   an outlet or date facet), half entity lists of 1-5 entities; half personal (spread over five
   members), half the team's (each hit notifies all five). About 15% are drawn from what the
   generated news mentions and will often match; the rest watch other stories, as most of a
   desk's watchlists do for any one article.
3. For each of `--articles` new articles: imports it (rows only), then runs the analysis job
   (`articles_analyze`) on it, timing inside that one call the NER (`analyze_many`) and the
   matching (`watchlists_match_articles`), with the load average.

Prints the median and p95 of each, in wall and in CPU time, their ratios (target, issue #16:
matching at most 10 % of NER), the matching's statements per article and their wall time, the
hits and notifications per article, and the load average.
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

TARGET = 0.10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchlists", type=int, default=200)
    parser.add_argument("--corpus", type=int, default=60, help="articles analysed beforehand")
    parser.add_argument("--articles", type=int, default=15, help="new articles measured")
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "newsnotes_bench_watch")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# Topics and people the generated news never mentions: most watchlists, like most of a desk's,
# do not match a given article.
OTHER_WORDS = [
    "cholera",
    "Sahel",
    "lithium",
    "Niamey",
    "cocoa",
    "monsoon",
    "Bamako",
    "copper",
    "Khartoum",
    "locusts",
    "refinery",
    "Tigray",
    "bauxite",
    "Caracas",
    "Essequibo",
    "Darfur",
    "wheat futures",
    "Port Sudan",
    "Goma",
    "cobalt",
    "La Paz",
    "election observers",
    "Dhaka",
    "garment workers",
]
OTHER_NAMES = [
    "Ibrahim Traore",
    "Abiy Ahmed",
    "Nicolas Maduro",
    "Felix Tshisekedi",
    "Paul Kagame",
    "Muhammad Yunus",
    "Luis Arce",
    "Mohamed Hamdan Dagalo",
    "William Ruto",
    "Bola Tinubu",
]
MATCHING_SHARE = 0.15  # of the watchlists drawn from what the generated news does mention


def _queries(rng: random.Random) -> list[str]:
    from api_throughput import COUNTRIES, OFFICIALS, PLACES, THINGS

    common = [p.removeprefix("the ") for p in COUNTRIES + PLACES] + THINGS
    other = OTHER_WORDS + OTHER_NAMES

    def query(words: list[str], names: list[str]) -> str:
        shape = rng.randrange(6)
        if shape == 0:
            return rng.choice(words)
        if shape == 1:
            return f"{rng.choice(words)} {rng.choice(words)}"
        if shape == 2:
            return f'"{rng.choice(names)}"'
        if shape == 3:
            return f"{rng.choice(names).split()[-1]} or {rng.choice(names).split()[-1]}"
        if shape == 4:
            return f"{rng.choice(words)} -{rng.choice(common).split()[0]}"
        return f'"{rng.choice(THINGS)}" {rng.choice(words)}'

    out = []
    for _ in range(1000):
        if rng.random() < MATCHING_SHARE:
            out.append(query(common, [n for n, _ in OFFICIALS]))
        else:
            out.append(query(other, OTHER_NAMES))
    return out


def seed(args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    import json

    from api_throughput import generate_article
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Article, Entity, Membership
    from annotations.services.analysis import articles_analyze
    from annotations.services.entities import entity_create
    from annotations.services.imports import import_jsonl
    from annotations.services.teams import membership_set, team_create
    from annotations.services.watchlist_edits import watchlist_create

    users = get_user_model()
    with transaction.atomic():
        team = team_create(name="Bench Watch Desk", owner=None, slug="bench-watch")
        members = []
        for n in range(5):
            user = users.objects.create_user(f"analyst{n}", password="bench-password")
            membership_set(team=team, user=user, role=Membership.Role.ANALYST)
            members.append(user)
    lines = []
    for n in range(args.corpus):
        title, text = generate_article(rng, words=args.words)
        lines.append(
            json.dumps(
                {
                    "title": title,
                    "text": text,
                    "outlet": f"Wire {n % 10}",
                    "published_at": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}T09:00:00Z",
                }
            ).encode()
        )
    started = time.perf_counter()
    report = import_jsonl(team=team, user=members[0], lines=lines, analyze=False)
    articles_analyze(article_ids=report.created)
    entities = list(
        Entity.objects.filter(team=team, merged_into__isnull=True).values_list("pk", flat=True)
    )
    # Entities of other stories (as an analyst adds them, or earlier articles made them).
    unseen = [entity_create(team=team, name=name, kind="PERSON").pk for name in OTHER_NAMES] + [
        entity_create(team=team, name=name, kind="GPE").pk for name in OTHER_WORDS[:12]
    ]
    outlets = sorted(
        set(
            Article.objects.filter(team=team)
            .exclude(outlet=None)
            .values_list("outlet_id", flat=True)
        )
    )
    print(
        f"  corpus: {args.corpus} articles imported and analysed in "
        f"{time.perf_counter() - started:.1f} s; {len(entities)} entities"
    )
    queries = _queries(rng)
    kinds = {"search": 0, "entities": 0}
    for n in range(args.watchlists):
        owner = {"team": team} if n % 2 else {}
        user = members[n % len(members)]
        if n % 4 < 2:
            params: dict[str, Any] = {}
            if n % 3 == 0:
                params = {"outlet": rng.sample(outlets, k=min(3, len(outlets)))}
            elif n % 3 == 1:
                params = {"published_from": "2024-01-01"}
            watchlist_create(
                user=user, name=f"Search {n}", query=queries[n], params=params, **owner
            )
            kinds["search"] += 1
        else:
            pool = entities if rng.random() < MATCHING_SHARE else unseen
            picked = rng.sample(pool, k=min(len(pool), rng.randint(1, 5)))
            watchlist_create(user=user, name=f"Entities {n}", entities=picked, **owner)
            kinds["entities"] += 1
    print(
        f"  {args.watchlists} watchlists: {kinds['search']} saved searches "
        f"and {kinds['entities']} entity lists, half of them the team's; about "
        f"{MATCHING_SHARE:.0%} drawn from what the news mentions"
    )
    return {"team": team, "user": members[0]}


def measure(args: argparse.Namespace, world: dict[str, Any], rng: random.Random) -> None:
    from api_throughput import generate_article
    from django.db import connection

    from annotations.models import Notification, WatchlistHit
    from annotations.services import analysis
    from annotations.services.imports import import_text

    keys = ("ner", "match", "job", "ner_cpu", "match_cpu", "sql", "statements")
    timings: dict[str, list[float]] = {key: [] for key in keys}
    current: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*a, **k)
            finally:
                current[name] = current.get(name, 0.0) + time.perf_counter() - started
                current[f"{name}_cpu"] = current.get(f"{name}_cpu", 0.0) + (
                    time.thread_time() - cpu
                )

        return wrapper

    # The parse of a batch (analyze_many, consumed to a list), in the job's own thread here.
    analysis._Parser._analyze = timed("ner", analysis._Parser._analyze)  # type: ignore[method-assign]

    def statements(execute: Callable[..., Any], *a: Any) -> Any:
        # The matching's statements, and their wall time (round trips included).
        started = time.perf_counter()
        try:
            return execute(*a)
        finally:
            current["sql"] = current.get("sql", 0.0) + time.perf_counter() - started
            current["statements"] = current.get("statements", 0.0) + 1

    matching = timed("match", analysis.watchlists_match_articles)  # type: ignore[attr-defined]

    def match(**kwargs: Any) -> Any:
        with connection.execute_wrapper(statements):
            return matching(**kwargs)

    analysis.watchlists_match_articles = match  # type: ignore[attr-defined]
    hits_before = WatchlistHit.objects.count()
    notes_before = Notification.objects.count()
    loads = []
    for n in range(args.articles + 1):  # the first warms up (caches, plans)
        title, text = generate_article(rng, words=args.words)
        article, _ = import_text(
            team=world["team"],
            user=world["user"],
            text=text,
            title=title,
            outlet_name=f"Wire {n % 10}",
            published_at="2024-11-01T09:00:00Z",
            analyze=False,
        )
        current.clear()
        started = time.perf_counter()
        analysis.articles_analyze(article_ids=[article.pk])
        job = time.perf_counter() - started
        if n == 0:
            hits_before = WatchlistHit.objects.count()
            notes_before = Notification.objects.count()
            continue
        for key in ("ner", "match", "ner_cpu", "match_cpu", "sql", "statements"):
            timings[key].append(current.get(key, 0.0))
        timings["job"].append(job)
        loads.append(os.getloadavg()[0])
    hits = WatchlistHit.objects.count() - hits_before
    notes = Notification.objects.count() - notes_before
    counts = timings.pop("statements")
    ms = {k: [v * 1000 for v in values] for k, values in timings.items()}
    print(f"\n{args.articles} new articles of ~{args.words} words, one analysis job each:")
    for key, label in (
        ("ner", "NER (the parse)"),
        ("match", "matching"),
        ("job", "whole job"),
        ("ner_cpu", "NER, CPU"),
        ("match_cpu", "matching, CPU"),
        ("sql", "matching, in SQL"),
    ):
        print(
            f"  {label:<20} median {statistics.median(ms[key]):7.2f} ms   "
            f"p95 {percentile(ms[key], 0.95):7.2f} ms"
        )
    print(
        f"  matching statements per article: median {statistics.median(counts):.0f}, "
        f"most {max(counts):.0f} (the first article, not counted, loaded the watchlists)"
    )
    ratios = [m / n for m, n in zip(timings["match"], timings["ner"], strict=True)]
    ratio = statistics.median(timings["match"]) / statistics.median(timings["ner"])
    print(
        f"  matching / NER: {ratio:.3f} of the medians (per article: median "
        f"{statistics.median(ratios):.3f}, worst {max(ratios):.3f}); target at most {TARGET}"
        f" -> {'met' if ratio <= TARGET else 'NOT met'}"
    )
    cpu = statistics.median(timings["match_cpu"]) / statistics.median(timings["ner_cpu"])
    print(
        f"  matching / NER in this process's CPU time: {cpu:.3f} (the wall time adds the "
        "database's round trips, which a loaded machine stretches)"
    )
    print(
        f"  {hits / args.articles:.1f} hits and {notes / args.articles:.1f} notifications "
        f"per article; load average during the runs {statistics.mean(loads):.2f} "
        f"(now {load_average()})"
    )


def main() -> int:
    args = parse_args()
    if args.sqlite:
        folder = tempfile.mkdtemp(prefix="newsnotes-bench-watch-")
        database_url = f"sqlite:///{folder}/bench.sqlite3"
    else:
        database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    production_environment(database_url)
    engine = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"NewsNotes watchlists on {engine}: {args.watchlists} watchlists; "
        f"{os.cpu_count()} cores, load average {load_average()}"
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
