"""Batch screening at scale: N names against a team of M entities, on PostgreSQL (pg_trgm
candidates) and on SQLite (the in-memory blocking index), side by side in one run, against
brute force (rapidfuzz scoring every name against every entity name, what the narrowing saves).

    .venv/bin/python bench/screening.py [--names 5000] [--entities 20000] [--articles 2000]
        [--brute 200] [--engine both|postgresql|sqlite]

For each engine a child process (one Django database per process) seeds a fresh database: M
generated person and organisation names (a third with an alias), A articles with ~10 mentions
each and a claim in one article in five, the entities' search rows (``search_index_entities``);
then it screens N names (40 % entity names, 15 % aliases, 25 % misspelt or re-punctuated names,
20 % names that are nowhere) with ``services/screening.py:screening_run`` and reports the time,
names per second, the planted names found (recall) and the load average. The brute-force line
scores ``--brute`` names against all entity names and aliases with rapidfuzz's ``process.extract``
and extrapolates to N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import (
    REPO,
    add_database_arguments,
    load_average,
    production_environment,
    recreate_database,
)

FIRST = [
    "Anna",
    "Boris",
    "Chen",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiroshi",
    "Ivan",
    "Jana",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Petra",
    "Quentin",
    "Rosa",
    "Sergei",
    "Tamar",
    "Uma",
    "Viktor",
    "Wei",
    "Xenia",
    "Yusuf",
    "Zofia",
    "Ahmed",
    "Bianca",
    "Carlos",
    "Daria",
    "Emil",
    "Fatima",
    "Goran",
    "Hana",
    "Igor",
    "Julia",
    "Kamal",
    "Lucia",
    "Marek",
    "Nina",
    "Oleg",
    "Paula",
    "Rashid",
    "Sofia",
    "Tomas",
    "Ursula",
    "Vera",
    "Walid",
    "Yara",
    "Zoran",
    "Amara",
    "Bogdan",
    "Chiara",
    "Dario",
    "Esra",
    "Felix",
    "Gita",
    "Hugo",
    "Irina",
    "Jonas",
]
LAST = [
    "Kowalski",
    "Petrov",
    "Nakamura",
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Novak",
    "Ivanova",
    "Schneider",
    "Rossi",
    "Costa",
    "Yilmaz",
    "Kim",
    "Park",
    "Nguyen",
    "Tanaka",
    "Mensah",
    "Abebe",
    "Silva",
    "Santos",
    "Horvat",
    "Dimitrov",
    "Popescu",
    "Kovac",
    "Fischer",
    "Weber",
    "Becker",
    "Hoffmann",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Kruger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Koch",
    "Bauer",
    "Herrmann",
    "Konig",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Moller",
    "Weiss",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
]
ORG = [
    "Ministry",
    "Agency",
    "Bureau",
    "Council",
    "Institute",
    "Company",
    "Group",
    "Fund",
    "Bank",
    "Committee",
]
FIELD = [
    "Defence",
    "Energy",
    "Trade",
    "Health",
    "Finance",
    "Transport",
    "Mining",
    "Shipping",
    "Water",
    "Grain",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=5000)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--brute", type=int, default=200)
    parser.add_argument("--engine", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "newsnotes_bench_screening")
    return parser.parse_args()


def entity_names(rng: random.Random, count: int) -> list[tuple[str, str, list[str]]]:
    out: dict[str, tuple[str, str, list[str]]] = {}
    while len(out) < count:
        if rng.random() < 0.8:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            middle = rng.choice(FIRST)[0] + ". " if rng.random() < 0.5 else ""
            suffix = f" {rng.randint(1, 999)}" if rng.random() < 0.6 else ""
            name = f"{first} {middle}{last}{suffix}"
            aliases = [f"{last} {first}{suffix}"] if rng.random() < 0.33 else []
            out.setdefault(name, (name, "PERSON", aliases))
        else:
            name = f"{rng.choice(FIELD)} {rng.choice(ORG)} {rng.randint(1, 9999)}"
            aliases = [name.replace(" ", "-", 1)] if rng.random() < 0.33 else []
            out.setdefault(name, (name, "ORG", aliases))
    return list(out.values())


def made_up(rng: random.Random) -> str:
    """A name of random syllables: in no list of the team."""
    syllables = [
        "ba",
        "ko",
        "ri",
        "tu",
        "ne",
        "sha",
        "vol",
        "dri",
        "gan",
        "ex",
        "pli",
        "zor",
        "quim",
        "ath",
        "uvo",
    ]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()

    return f"{word()} {word()}"


def misspell(rng: random.Random, name: str) -> str:
    """One letter changed, doubled or dropped in a long word, or hyphens for spaces."""
    words = name.split()
    if rng.random() < 0.3 and len(words) > 1:
        return "-".join(words)
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    at = rng.randrange(1, len(word))
    choice = rng.random()
    if choice < 0.4:
        word = word[:at] + word[at - 1] + word[at:]  # doubled
    elif choice < 0.7:
        word = word[:at] + word[at + 1 :]  # dropped
    else:
        word = word[:at] + rng.choice("aeiouy") + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def seed(args: argparse.Namespace, rng: random.Random) -> tuple[object, list[tuple[str, int]]]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Annotation, Article, Entity, Membership, Mention, Tag
    from annotations.services.search_index import search_index_entities
    from annotations.services.teams import membership_set, team_create

    started = time.perf_counter()
    with transaction.atomic():
        team = team_create(name="Bench Screening Desk", owner=None, slug="bench-screening")
        analyst = get_user_model().objects.create_user("analyst", password="bench-password")
        membership_set(team=team, user=analyst, role=Membership.Role.ANALYST)
        specs = entity_names(rng, args.entities)
        entities = Entity.objects.bulk_create(
            [Entity(team=team, name=n, kind=k, aliases=a) for n, k, a in specs], batch_size=2000
        )
        search_index_entities(ids=[e.pk for e in entities])
        now = datetime.now(tz=UTC)
        articles = Article.objects.bulk_create(
            [
                Article(
                    team=team,
                    title=f"Article {n}",
                    text=" ".join(f"w{n}x{k}" for k in range(200)),
                    text_sha256=f"{n:064x}",
                    published_at=now - timedelta(days=rng.randint(0, 900)),
                )
                for n in range(args.articles)
            ],
            batch_size=1000,
        )
        mentions = []
        for article in articles:
            for k, entity in enumerate(rng.sample(entities, 10)):
                start = k * 20
                mentions.append(
                    Mention(
                        article=article,
                        entity=entity,
                        start=start,
                        end=start + 5,
                        text="w",
                        label=entity.kind,
                    )
                )
        Mention.objects.bulk_create(mentions, batch_size=5000)
        claim = Tag.objects.get(team=team, slug="claim")
        claims = Annotation.objects.bulk_create(
            [
                Annotation(
                    team=team,
                    article=article,
                    start=0,
                    end=100,
                    exact=article.text[:100],
                    author=analyst,
                    attributed_to_entity=rng.choice(entities),
                )
                for article in articles[::5]
            ]
        )
        Annotation.tags.through.objects.bulk_create(
            [Annotation.tags.through(annotation_id=a.pk, tag_id=claim.pk) for a in claims]
        )
    planted: list[tuple[str, int]] = []  # (query, expected entity id or 0)
    for _ in range(args.names):
        entity = rng.choice(entities)
        roll = rng.random()
        if roll < 0.40:
            planted.append((entity.name, entity.pk))
        elif roll < 0.55 and entity.aliases:
            planted.append((entity.aliases[0], entity.pk))
        elif roll < 0.80:
            planted.append((misspell(rng, entity.name), entity.pk))
        else:
            planted.append((made_up(rng), 0))
    print(f"  seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return team, planted


def child(args: argparse.Namespace) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from rapidfuzz import fuzz, process

    from annotations.formats.screening import names_clean
    from annotations.lib.names import name_fold
    from annotations.models import Entity, Screening, ScreeningResult
    from annotations.services.screening import screening_run

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    team, planted = seed(args, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # no VACUUM: the GIN pending list is left full
    names = names_clean([q for q, _ in planted], field="names")
    expected = {q: pk for q, pk in planted}
    screening = Screening.objects.create(team=team, names=names, name_count=len(names))
    load_before = load_average()
    started = time.perf_counter()
    cpu = time.process_time()
    report = screening_run(screening=screening)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    # The matching alone (candidates and scores, no counts, no writes), as brute force does.
    from annotations.selectors.screening_match import candidates_for, match_names

    match_started = time.perf_counter()
    candidates = candidates_for(team.pk)
    for start in range(0, len(names), 200):
        match_names(names[start : start + 200], candidates)
    matching = time.perf_counter() - match_started
    found: dict[str, set[int]] = {}
    for name, pk in ScreeningResult.objects.filter(screening=screening).values_list(
        "name", "entity_id"
    ):
        found.setdefault(name, set()).add(pk or 0)
    wanted = [n for n in names if expected.get(n)]
    recall = sum(1 for n in wanted if expected[n] in found.get(n, set())) / max(len(wanted), 1)
    false_hits = sum(1 for n in names if not expected.get(n) and found.get(n, {0}) != {0})

    # Brute force: every name scored against every entity name and alias (rapidfuzz in C++).
    forms = []
    for name, aliases in Entity.objects.filter(team=team).values_list("name", "aliases"):
        forms.extend(name_fold(f) for f in (name, *aliases))
    sample = names[: args.brute]
    brute_started = time.perf_counter()
    for name in sample:
        process.extract(name_fold(name), forms, scorer=fuzz.token_sort_ratio, score_cutoff=85)
    brute = (time.perf_counter() - brute_started) / len(sample) * len(names)
    explain = ""
    if connection.vendor == "postgresql":
        from annotations.selectors.screening_match import TrigramCandidates

        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + TrigramCandidates.SQL, [names[:50], team.pk, 50])
            explain = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "engine": connection.vendor,
        "names": len(names),
        "entities": args.entities,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "names_per_second": round(len(names) / elapsed, 1),
        "matched": report["matched"],
        "recall": round(recall, 4),
        "false_hits": false_hits,
        "brute_seconds": round(brute, 1),
        "matching_seconds": round(matching, 2),
        "load_before": load_before,
        "load_after": load_average(),
        "uses_trgm_index": "search_entry_names_trgm" in explain,
        "explain": explain,
    }


def run_child(args: argparse.Namespace, engine: str) -> dict[str, object]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if engine == "postgresql":
            recreate_database(args.pg_url, args.db_name)
            url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
        else:
            url = f"sqlite:///{Path(tmp) / 'screening.sqlite3'}"
        production_environment(url)
        env.update(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        command = [sys.executable, __file__, "--child", *sys.argv[1:]]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"the {engine} run failed")
        if engine == "postgresql" and not args.keep:
            recreate_database(args.pg_url, args.db_name, create=False)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    args = parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return 0
    print(
        f"NewsNotes batch screening: {args.names:,} names against {args.entities:,} entities, "
        f"{args.articles:,} articles; {os.cpu_count()} cores, load average {load_average()}"
    )
    engines = ["postgresql", "sqlite"] if args.engine == "both" else [args.engine]
    for engine in engines:
        r = run_child(args, engine)
        print(
            f"{r['engine']:>10}: {r['seconds']} s ({r['cpu_seconds']} s CPU), "
            f"{r['names_per_second']} names/s; {r['matched']:,} names matched, recall of the "
            f"planted names {r['recall']:.3f}, {r['false_hits']} made-up names matched; "
            f"load average {r['load_before']} -> {r['load_after']}\n"
            f"            matching alone {r['matching_seconds']} s; brute force (every name "
            f"against every entity) ~{r['brute_seconds']} s, "
            f"{r['brute_seconds'] / r['matching_seconds']:.1f} times the matching"
        )
        if r["engine"] == "postgresql":
            print(f"            pg_trgm index used: {r['uses_trgm_index']}")
            print("            " + "\n            ".join(str(r["explain"]).splitlines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
