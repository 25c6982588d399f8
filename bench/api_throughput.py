"""Throughput of the annotation list API: the nested list (with and without its page cache)
vs a bare DRF baseline.

    .venv/bin/python bench/api_throughput.py [--annotations 1000] [--duration 10] [--runs 2]
        [--warmup 3] [--keep] [--profile] [-v]

1. Creates a fresh PostgreSQL database, migrates it and seeds one team (an analyst and a
   reviewer), one generated article of about 1,500 words and N annotations on it through the
   services (tags, attributions, replies, reviews).
2. Serves the app with gunicorn (2 sync workers) in production settings, plus a bare baseline
   endpoint (bench/api_throughput_urls.py); a second gunicorn serves the same app with the
   annotation list's page cache off (NEWSNOTES_LIST_CACHE_MB=0).
3. Runs wrk (4 connections, 2 threads) against the three endpoints, in turn, after a warm-up.
4. Counts the SQL queries of one request to each endpoint, in-process.
5. Prints req/s, p50/p95, the CPU time per request of the app and of PostgreSQL (from /proc),
   the nested/bare ratio and the comparison with peer tools.
6. Stops gunicorn and drops the database (unless --keep); --profile then profiles the nested
   request in-process (bench/api_throughput_profile.py).

See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    Gunicorn,
    add_database_arguments,
    admin_connect,
    free_port,
    http_get,
    load_average,
    production_environment,
    recreate_database,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "api_throughput.lua"
SETTINGS_MODULE = "bench.api_throughput_settings"

NESTED_PATH = "/api/annotations/"
BARE_PATH = "/api/bench/annotations-bare/"

# Peers measured on this kind of machine (2 cores) listing the same 1,000 spans.
PEERS = {"doccano": 32.0, "Label Studio": 45.0}
DOCCANO_P50_MS = 100.0
TARGET_RPS = 180.0  # the design target: 4x the peers' list throughput
TARGET_RATIO = 0.7  # nested req/s over bare req/s

WRK_CONNECTIONS = 4
WRK_THREADS = 2
GUNICORN_WORKERS = 2
ENDPOINTS = ("nested", "uncached", "bare")


# --- Command line and environment --------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1000, help="annotations to seed")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--runs", type=int, default=2, help="measured runs per endpoint")
    add_database_arguments(parser, "newsnotes_bench_api_throughput")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed for the data")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (and print how to reuse it)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="afterwards, profile the nested request in-process (bench/api_throughput_profile.py)",
    )
    parser.add_argument("--profile-repeats", type=int, default=20)
    parser.add_argument(
        "--tune-gc",
        action="store_true",
        help="what-if: gunicorn workers freeze the GC and raise its threshold "
        "(bench/api_throughput_gc.py)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print the SQL queries")
    args = parser.parse_args()
    if args.annotations < 1:
        parser.error("--annotations must be at least 1")
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    return args


def configure_environment(database_url: str) -> None:
    """Production-like settings for this process and for gunicorn (which inherits them)."""
    production_environment(database_url, settings_module=SETTINGS_MODULE)


# --- A realistic article -------------------------------------------------------------------------

OFFICIALS = [
    ("John Kirby", "the White House national security spokesman"),
    ("Maria Zakharova", "the Russian foreign ministry spokeswoman"),
    ("Rafael Grossi", "the head of the International Atomic Energy Agency"),
    ("Jens Stoltenberg", "the former NATO secretary-general"),
    ("Lin Jian", "a Chinese foreign ministry spokesman"),
    ("Kaja Kallas", "the European Union's foreign policy chief"),
    ("Antonio Guterres", "the United Nations secretary-general"),
    ("Enrique Manalo", "the Philippine foreign secretary"),
]
COUNTRIES = [
    "Russia",
    "Ukraine",
    "China",
    "the Philippines",
    "North Korea",
    "South Korea",
    "Japan",
    "Iran",
    "Turkey",
    "Poland",
    "Finland",
    "Vietnam",
    "India",
    "Taiwan",
    "Moldova",
]
PLACES = [
    "Vladivostok",
    "Kharkiv",
    "the South China Sea",
    "Second Thomas Shoal",
    "the Black Sea",
    "Kaliningrad",
    "Zaporizhzhia",
    "the Yellow Sea",
    "Pyongyang",
    "Odesa",
    "the Baltic Sea",
    "Manila",
    "Seoul",
    "Kyiv",
    "the Taiwan Strait",
]
ORGS = [
    "the Institute for the Study of War",
    "Reuters",
    "the Pentagon",
    "the Kremlin",
    "NATO",
    "the United Nations Security Council",
    "the European Commission",
    "Yonhap",
    "the Philippine coast guard",
    "satellite imagery firm Maxar",
    "Ukraine's military intelligence",
]
THINGS = [
    "artillery shells",
    "ballistic missiles",
    "drones",
    "troops",
    "armoured vehicles",
    "tonnes of grain",
    "air-defence systems",
    "cargo ships",
    "fighter jets",
    "munitions",
]
VERBS_SAID = ["said", "told reporters", "said in a statement", "wrote on social media", "added"]

SENTENCES = [
    "{official}, {role}, {said} that {country} had sent about {n:,} {thing} to {place} "
    "since {month}.",
    "\u201cWe have seen no evidence of that,\u201d {official} {said}, calling the reports "
    "\u201cdeliberate disinformation.\u201d",
    "According to {org}, at least {n} {thing} crossed into {place} over the past {k} weeks.",
    "{country} denied the accusation and said its forces in {place} were conducting routine "
    "exercises.",
    "The claim could not be independently verified, and {org} declined to comment on the figures.",
    "Satellite images reviewed by {org} showed {k} {ships} docked near {place} on {month} {day}.",
    "Officials in {country} estimated the losses at {n:,} {thing}, a figure disputed by {org}.",
    "{official} said the shipments violated United Nations sanctions and warned of "
    "\u201cserious consequences\u201d for anyone involved.",
    "Analysts at {org} said the deployment suggested {country} was preparing for a longer "
    "campaign in {place}.",
    "In a separate development, {country} summoned the ambassador of {country2} over what it "
    "called provocations near {place}.",
    "The defence ministry in {country} said {k} of its {thing} had been intercepted over {place} "
    "overnight, without giving details.",
    "{country2} has repeatedly rejected such reports as fabricated, most recently on "
    "{month} {day}.",
    "A senior official, speaking on condition of anonymity, said the transfers began in {month} "
    "and involved at least {k} flights a week.",
    "The figures, first reported by {org}, are roughly {k} times higher than earlier estimates.",
    "Talks between {country} and {country2} are scheduled to resume in {place} next month, "
    "{official} {said}.",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def generate_article(rng: random.Random, words: int = 1500) -> tuple[str, str]:
    """A wire-style news article of about ``words`` words: title and text."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            official, role = rng.choice(OFFICIALS)
            country, country2 = rng.sample(COUNTRIES, 2)
            sentence = rng.choice(SENTENCES).format(
                official=official,
                role=role,
                said=rng.choice(VERBS_SAID),
                country=country,
                country2=country2,
                place=rng.choice(PLACES),
                org=rng.choice(ORGS),
                thing=rng.choice(THINGS),
                ships=rng.choice(["warships", "cargo ships", "submarines", "landing craft"]),
                n=rng.choice(
                    [rng.randint(12, 99), rng.randint(100, 999), rng.randint(1000, 90000)]
                ),
                k=rng.randint(2, 12),
                month=rng.choice(MONTHS),
                day=rng.randint(1, 28),
            )
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence)
            count += len(sentence.split())
        paragraphs.append(" ".join(sentences))
    country, country2 = rng.sample(COUNTRIES, 2)
    title = f"{country} accuses {country2} of sending {rng.choice(THINGS)} to {rng.choice(PLACES)}"
    return title, "\n\n".join(paragraphs)


# --- Seeding -------------------------------------------------------------------------------------


@dataclass
class Seeded:
    article_id: int
    token: str
    words: int
    chars: int
    annotations: int
    tagged: int
    with_entity: int
    with_source: int
    replies: int
    submitted: int
    reviews: int
    private: int


def spans(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    """``count`` spans of 1-16 words, spread evenly over the text with some jitter."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    out = []
    for i in range(count):
        base = int(i * len(words) / count)
        first = min(len(words) - 1, max(0, base + rng.randint(-3, 3)))
        length = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 16])
        last = min(len(words) - 1, first + length - 1)
        start, end = words[first][0], words[last][1]
        while end - 1 > start and text[end - 1] in ".,;:\u201d":
            end -= 1  # highlights rarely take the trailing punctuation
        out.append((start, end))
    return out


COMMENTS = [
    "",
    "",
    "Check against the ministry's own figures.",
    "Unsourced; the agency has not published this.",
    "Second source needed before we use this number.",
    "Matches the satellite imagery from last week.",
    "Quote confirmed against the press conference transcript.",
    "This contradicts what the same official said in March.",
]
REPLIES = [
    "Agreed, flagging for the desk.",
    "I found the original statement, linking it in the notes.",
    "The number changed in the updated version of the wire copy.",
    "Can we get a second source on this?",
]


def seed(args: argparse.Namespace) -> Seeded:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Annotation, Entity, Membership, Review
    from annotations.services import annotations as annotation_services
    from annotations.services.annotations import annotation_create, reply_create, review_create
    from annotations.services.imports import import_text
    from annotations.services.teams import membership_set, team_create
    from annotations.services.tokens import token_create

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    User = get_user_model()
    with transaction.atomic():
        team = team_create(name="Bench Desk", owner=None, slug="bench-desk")
        analyst = User.objects.create_user(
            "analyst", "analyst@example.org", "bench-password", first_name="Ana", last_name="Lyst"
        )
        reviewer = User.objects.create_user(
            "reviewer", "reviewer@example.org", "bench-password", first_name="Rev", last_name="Iew"
        )
        membership_set(team=team, user=analyst, role=Membership.Role.ANALYST)
        membership_set(team=team, user=reviewer, role=Membership.Role.REVIEWER)
        _, token_key = token_create(user=analyst, name="bench")

        title, text = generate_article(rng)
        article, _ = import_text(
            team=team,
            user=analyst,
            text=text,
            title=title,
            url="https://example.org/news/bench-article",
            outlet_name="Bench Wire",
            analyze=False,
        )
        article.refresh_from_db()
        entities = [
            Entity.objects.create(team=team, name=name, kind=Entity.Kind.PERSON)
            for name, _ in OFFICIALS
        ] + [
            Entity.objects.create(team=team, name=name, kind=Entity.Kind.ORG)
            for name in ("Reuters", "NATO", "the Kremlin", "the Pentagon")
        ]
        tags = list(team.tags.all())

        created: list[Annotation] = []
        counts = dict(
            tagged=0, with_entity=0, with_source=0, replies=0, submitted=0, reviews=0, private=0
        )
        for start, end in spans(rng, article.text, args.annotations):
            chosen = rng.sample(tags, rng.choice([1, 1, 1, 2]))
            entity = rng.choice(entities) if rng.random() < 0.3 else None
            source = rng.choice(created[-20:]) if created and rng.random() < 0.1 else None
            private = rng.random() < 0.05  # the analyst's own: still in their list
            annotation = annotation_create(
                article=article,
                author=analyst,
                start=start,
                end=end,
                tags=chosen,
                comment=rng.choice(COMMENTS),
                assessment=rng.choice(Annotation.Assessment.values),
                attributed_to=source if source and source.visibility == "team" else None,
                attributed_to_entity=entity,
                visibility="private" if private else "team",
            )
            created.append(annotation)
            counts["tagged"] += 1
            counts["with_entity"] += entity is not None
            counts["with_source"] += annotation.attributed_to_id is not None
            counts["private"] += private
            if not private and rng.random() < 0.2:
                for _ in range(rng.randint(1, 3)):
                    reply_create(
                        annotation=annotation,
                        author=rng.choice([analyst, reviewer]),
                        text=rng.choice(REPLIES),
                    )
                    counts["replies"] += 1
            if not private and rng.random() < 0.25:
                # Reviewers review submitted work, where the app has that workflow.
                submit = getattr(annotation_services, "annotation_submit", None)
                if submit is not None:
                    submit(annotation=annotation, actor=analyst)
                    counts["submitted"] += 1
                if rng.random() < 0.6:
                    verdict = rng.choice(Review.Verdict.values)
                    review_create(
                        annotation=annotation,
                        reviewer=reviewer,
                        verdict=verdict,
                        note="" if verdict == Review.Verdict.APPROVE else "See the thread.",
                    )
                    counts["reviews"] += 1
    return Seeded(
        article_id=article.pk,
        token=token_key,
        words=len(article.text.split()),
        chars=len(article.text),
        annotations=len(created),
        **counts,
    )


# --- In-process checks: SQL queries --------------------------------------------------------------


@dataclass
class QueryCount:
    queries: int
    sql_ms: float
    statements: list[str] = field(default_factory=list)


def count_queries(path: str, token: str, *, page_cache: bool = True) -> QueryCount:
    """The SQL of a request after a first one (which opens the connection and, for the nested
    list with its page cache on, stores the page)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from annotations.api import listcache

    listcache.pages.clear()
    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Token {token}"})
    overrides = {} if page_cache else {"NEWSNOTES_LIST_CACHE_MB": 0}
    with override_settings(**overrides):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"In-process GET {path} answered {response.status_code}")
    return QueryCount(
        queries=len(captured.captured_queries),
        sql_ms=sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        statements=[q["sql"] for q in captured.captured_queries],
    )


# --- CPU accounting from /proc -----------------------------------------------------------------
# The machine is shared by the load generator, the app and the database, and possibly by other
# jobs: CPU seconds per request are steadier than req/s when the cores are contended.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()  # fields from "state" (3rd) on


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            out[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return out


def children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry.name))
    return pids


def postgres_backends(pg_url: str, db_name: str) -> list[int]:
    with admin_connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend'",
            [db_name],
        ).fetchall()
    return [row[0] for row in rows]


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two samples by the processes alive at both."""
    return sum(after[pid] - before[pid] for pid in before if pid in after)


# --- wrk -----------------------------------------------------------------------------------------


@dataclass
class Run:
    endpoint: str
    rps: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    non_2xx: int
    app_cpu_ms: float = 0.0  # per request, gunicorn workers
    db_cpu_ms: float = 0.0  # per request, PostgreSQL backends of the benchmark database
    wrk_cpu_ms: float = 0.0  # per request, the load generator
    load: str = ""


def wrk(url: str, token: str, duration: int) -> Run:
    command = [
        "wrk",
        "-t",
        str(WRK_THREADS),
        "-c",
        str(WRK_CONNECTIONS),
        "-d",
        f"{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        "-H",
        f"Authorization: Token {token}",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    number = {key: float(value) for key, value in (item.split("=") for item in line.split()[1:])}
    errors = int(number["connect"] + number["read"] + number["write"] + number["timeout"])
    return Run(
        endpoint=url,
        rps=number["requests"] / (number["duration_us"] / 1e6),
        requests=int(number["requests"]),
        p50_ms=number["p50_us"] / 1000,
        p95_ms=number["p95_us"] / 1000,
        p99_ms=number["p99_us"] / 1000,
        errors=errors,
        non_2xx=int(number["status"]),
    )


def measured_wrk(
    url: str, token: str, duration: int, server: Gunicorn, pg_url: str, db_name: str
) -> Run:
    """A wrk run, with the CPU time the app, the database and wrk spent per request."""
    workers = children(server.process.pid) if server.process else []
    backends = postgres_backends(pg_url, db_name)
    load = load_average()
    app_before, db_before = cpu_seconds(workers), cpu_seconds(backends)
    wrk_before = os.times()
    run = wrk(url, token, duration)
    wrk_after = os.times()
    app_after, db_after = cpu_seconds(workers), cpu_seconds(backends)
    requests = max(run.requests, 1)
    run.app_cpu_ms = cpu_delta(app_before, app_after) / requests * 1000
    run.db_cpu_ms = cpu_delta(db_before, db_after) / requests * 1000
    wrk_cpu = (wrk_after.children_user + wrk_after.children_system) - (
        wrk_before.children_user + wrk_before.children_system
    )
    run.wrk_cpu_ms = wrk_cpu / requests * 1000
    run.load = load
    return run


# --- Main ----------------------------------------------------------------------------------------


def verify(url: str, token: str, expected_rows: int) -> tuple[int, int]:
    status, body = http_get(url, {"Authorization": f"Token {token}"})
    if status != 200:
        raise SystemExit(f"GET {url} answered {status}: {body[:500]!r}")
    rows = len(json.loads(body)["results"])
    if rows != expected_rows:
        raise SystemExit(f"GET {url} returned {rows} rows, expected {expected_rows}")
    return rows, len(body)


def report(
    runs: dict[str, list[Run]],
    sizes: dict[str, tuple[int, int]],
    counts: dict[str, QueryCount],
) -> None:
    best = {name: max(measured, key=lambda r: r.rps) for name, measured in runs.items()}
    print()
    header = (
        f"{'endpoint':<40} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'rows/req':>8} "
        f"{'KiB/req':>8} {'SQL':>4} {'CPU ms/req app+db':>18}"
    )
    print(header)
    print("-" * len(header))
    labels = {
        "nested": f"nested GET {NESTED_PATH}",
        "uncached": "nested, page cache off",
        "bare": f"bare   GET {BARE_PATH}",
    }
    for name in ENDPOINTS:
        run = best[name]
        app = statistics.median(r.app_cpu_ms for r in runs[name])
        db = statistics.median(r.db_cpu_ms for r in runs[name])
        print(
            f"{labels[name]:<40} {run.rps:7.1f} {run.p50_ms:7.1f} {run.p95_ms:7.1f} "
            f"{sizes[name][0]:8d} {sizes[name][1] / 1024:8.0f} {counts[name].queries:4d} "
            f"{app:9.1f} + {db:5.1f}"
        )
    print(
        "req/s: best of the runs, p50/p95 of that run; SQL: queries per request (in-process; "
        + ", ".join(f"{name} {counts[name].sql_ms:.1f} ms" for name in ENDPOINTS)
        + " of SQL); CPU: median over the runs of gunicorn workers' + PostgreSQL backends' CPU "
        "time. The cached page is rebuilt after every write to the team (services/stamps.py); "
        "'page cache off' is the cost of each rebuild."
    )
    print()
    nested, uncached, bare = (best[name].rps for name in ENDPOINTS)
    for name, rps in (("nested", nested), ("nested, page cache off,", uncached)):
        ratio = rps / bare if bare else 0.0
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(f"{name} / bare req/s: {ratio:.2f}  ({verdict} the target of >= {TARGET_RATIO})")
    for peer, rps in PEERS.items():
        print(
            f"vs {peer} ({rps:.0f} req/s): nested {nested / rps:.2f}x, page cache off "
            f"{uncached / rps:.2f}x"
        )
    p50 = best["nested"].p50_ms
    speedup = f"{DOCCANO_P50_MS / p50:.2f}x" if p50 else "n/a"
    print(f"nested p50 {p50:.1f} ms vs doccano's {DOCCANO_P50_MS:.0f} ms: {speedup}")
    verdict = "meets" if nested >= TARGET_RPS else "BELOW"
    print(
        f"design target, 4x the peers (>= {TARGET_RPS:.0f} req/s): nested {nested:.1f} req/s, "
        f"{nested / TARGET_RPS:.0%} of it ({verdict})"
    )
    cores = os.cpu_count() or 1
    for name in ENDPOINTS:
        app = statistics.median(r.app_cpu_ms for r in runs[name])
        db = statistics.median(r.db_cpu_ms for r in runs[name])
        if not app + db:
            continue
        print(
            f"CPU ceiling, {name}: {app + db:.1f} ms of CPU per request (app {app:.1f} + "
            f"PostgreSQL {db:.1f}), so {cores} cores serve at most "
            f"~{cores * 1000 / (app + db):.0f} req/s even with nothing else running (wrk used "
            f"{statistics.median(r.wrk_cpu_ms for r in runs[name]):.1f} ms/req on top)"
        )


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    configure_environment(database_url)

    print(f"NewsNotes API throughput: {args.annotations:,} annotations, one article")
    print(
        f"database: {args.db_name} on {args.pg_url}; machine: {os.cpu_count()} cores, "
        f"load average {load_average()}"
    )
    recreate_database(args.pg_url, args.db_name)
    servers: list[Gunicorn] = []
    workdir = Path(tempfile.mkdtemp(prefix="newsnotes-bench-"))
    try:
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connections

        logging.getLogger("annotations").setLevel(logging.WARNING)  # 1 line per annotation
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        data = seed(args)
        with connections["default"].cursor() as cursor:
            # Planner statistics, as autovacuum would have them on a live database.
            cursor.execute("VACUUM ANALYZE")
        seeded = time.perf_counter()
        print(
            f"migrate {migrated - started:.1f} s, seed {seeded - migrated:.1f} s: "
            f"article {data.article_id} ({data.words:,} words, {data.chars:,} characters), "
            f"{data.annotations:,} annotations ({data.with_entity} attributed to an entity, "
            f"{data.with_source} to a source annotation, {data.private} private), "
            f"{data.replies} replies, {data.submitted} submitted for review, "
            f"{data.reviews} reviews"
        )

        query = f"?article={data.article_id}&page_size=1000"
        expected_rows = min(data.annotations, 1000)
        counts = {
            "nested": count_queries(NESTED_PATH + query, data.token),
            "uncached": count_queries(NESTED_PATH + query, data.token, page_cache=False),
            "bare": count_queries(BARE_PATH + query, data.token),
        }
        connections.close_all()
        if args.verbose:
            for name, counted in counts.items():
                print(f"SQL of one {name} request:")
                for statement in counted.statements:
                    print(f"  {statement[:300]}")

        port = free_port()
        served = {
            "ready_path": "/api/me/",
            "ready_headers": {"Authorization": f"Token {data.token}"},
            "workers": GUNICORN_WORKERS,
            "config": BENCH_DIR / "api_throughput_gc.py" if args.tune_gc else None,
        }
        server = Gunicorn(port, workdir / "gunicorn.log", **served)
        servers.append(server)
        server.start()
        uncached_port = free_port()
        uncached_server = Gunicorn(
            uncached_port,
            workdir / "gunicorn-uncached.log",
            env={"NEWSNOTES_LIST_CACHE_MB": "0"},
            **served,
        )
        servers.append(uncached_server)
        uncached_server.start()
        base = f"http://127.0.0.1:{port}"
        endpoints = {
            "nested": base + NESTED_PATH + query,
            "uncached": f"http://127.0.0.1:{uncached_port}" + NESTED_PATH + query,
            "bare": base + BARE_PATH + query,
        }
        serving = {"nested": server, "uncached": uncached_server, "bare": server}
        sizes = {}
        for name, url in endpoints.items():
            sizes[name] = verify(url, data.token, expected_rows)
            print(
                f"verified {name}: 200, {sizes[name][0]} rows, {sizes[name][1] / 1024:.0f} KiB  "
                f"{url}"
            )
        print(
            f"gunicorn: {GUNICORN_WORKERS} sync workers on 127.0.0.1:{port} (and on "
            f"{uncached_port} with the page cache off)"
            f"{' with the GC tuned (what-if)' if args.tune_gc else ''}; "
            f"wrk: {WRK_CONNECTIONS} connections, {WRK_THREADS} threads, "
            f"{args.duration} s per run, warm-up {args.warmup} s per endpoint"
        )
        for url in endpoints.values():
            wrk(url, data.token, args.warmup)
        runs: dict[str, list[Run]] = {name: [] for name in ENDPOINTS}
        for index in range(args.runs):
            for name, url in endpoints.items():
                run = measured_wrk(
                    url, data.token, args.duration, serving[name], args.pg_url, args.db_name
                )
                runs[name].append(run)
                print(
                    f"  run {index + 1} {name:<8} {run.rps:6.1f} req/s  p50 {run.p50_ms:6.1f}  "
                    f"p95 {run.p95_ms:6.1f}  p99 {run.p99_ms:6.1f} ms  "
                    f"CPU/req app {run.app_cpu_ms:5.1f} db {run.db_cpu_ms:4.1f} "
                    f"wrk {run.wrk_cpu_ms:4.1f} ms  {run.requests} req, "
                    f"{run.errors} socket errors, {run.non_2xx} non-2xx; load before {run.load}"
                )
        for running in servers:
            running.stop()
        report(runs, sizes, counts)
        one_minute = os.getloadavg()[0]
        if one_minute > (os.cpu_count() or 1) * 1.5:
            print(
                f"NOTE: load average {one_minute:.2f} at the end; the benchmark itself keeps "
                "about 4 processes busy, so much more means other jobs shared the cores."
            )
        failed = any(
            r.errors or r.non_2xx or not r.requests for measured in runs.values() for r in measured
        )
        if failed:
            print("WARNING: some runs failed or completed no request (see the runs above)")
        if args.profile:
            from bench.api_throughput_profile import profile

            profile(article_id=data.article_id, token=data.token, repeats=args.profile_repeats)
        return 1 if failed else 0
    finally:
        for running in servers:
            running.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django may not be set up yet)
            pass
        if args.keep:
            print(
                f"kept database {args.db_name}: DATABASE_URL={database_url} "
                f"DJANGO_SETTINGS_MODULE={SETTINGS_MODULE}"
            )
        else:
            recreate_database(args.pg_url, args.db_name, create=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
