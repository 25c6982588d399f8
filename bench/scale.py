"""Pages at scale on PostgreSQL: the time of each page a member opens, for a team of 10,000
annotations and for a team of 1,000,000, measured side by side in one run.

    .venv/bin/python bench/scale.py [--small 10000] [--large 1000000] [--repeats 5]
        [--db-name nn_scale] [--fresh] [--drop] [--explain] [--only dashboard,agreement]

1. Creates the database `nn_scale`, or reuses it when it already holds both teams (the 1M fill
   is made once: --fresh fills anew, --drop drops it at the end). Two teams of the same shape
   are filled with set-based `INSERT ... SELECT generate_series` statements: 100 annotations
   per article (~5% private notes, ~1% in the trash, ~5% pending model suggestions, review
   states in proportion, one tag each), 50 mentions per article over 200 entities (one of
   them in every article: the most-mentioned), a reply on 10% of the annotations, a review on
   every annotation past the draft, an event per 5 annotations, a notification for the
   analyst per 50, 10% blind articles, the analyst's submission on half of them; then
   VACUUM ANALYZE.
2. In-process (the Django test client, production settings, the API list cache off), as the
   team's analyst, times the median of --repeats (after one warm-up) of: the article list page
   and its API; an article's reader and its annotation list (an article with 100
   annotations); the dashboard, the review queue and the agreement page (also as the
   reviewer); the most-mentioned entity's page; the notifications; the first chunk of a
   jsonl export. Pages are timed alternately on the small and the large team, so that the
   load of the shared machine weighs on both alike.
3. Prints each page's time at both sizes, the ratio and the load average; for a page whose
   ratio is over the target (1.5), the slowest statements' EXPLAIN ANALYZE (--explain).

See bench/README.md ("Scale").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import (
    add_database_arguments,
    admin_connect,
    load_average,
    production_environment,
    recreate_database,
)

PER_ARTICLE = 100
MENTIONS_PER_ARTICLE = 50
ENTITIES = 200
TEXTS = 40
TARGET = 1.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="fill anew even if the data is there")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE what misses")
    parser.add_argument("--fill-only", action="store_true", help="fill, measure nothing")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "nn_scale")
    return parser.parse_args()


# --- The fill -------------------------------------------------------------------------------------


def insert_select(model: Any, exprs: dict[str, str], tail: str, params: dict[str, Any]) -> int:
    """INSERT INTO model's table (every concrete column but id) SELECT exprs ... tail: columns
    without an expression get their field's default (a parameter) or NULL. Parameters are
    named (%(name)s), so that their order does not matter."""
    from django.db import connection

    columns, values, args = [], [], dict(params)
    for field in model._meta.concrete_fields:
        if field.column == "id":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in exprs:
            values.append(exprs[field.column])
        elif field.has_default():
            default = field.get_default()
            if isinstance(default, dict | list):
                default = json.dumps(default)
            values.append(f"%(d_{field.column})s")
            args[f"d_{field.column}"] = default
        else:
            values.append("NULL")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {tail}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.rowcount


@dataclass
class Team:
    slug: str
    team_id: int
    annotations: int
    article_id: int = 0  # an article of 100 annotations
    entity_id: int = 0  # the most-mentioned entity


def fill_team(slug: str, annotations: int, rng: random.Random) -> Team:
    from api_throughput import generate_article
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import (
        Annotation,
        Article,
        ArticleSubmission,
        Entity,
        Event,
        Membership,
        Mention,
        Notification,
        Reply,
        Review,
        Tag,
    )
    from annotations.services.teams import membership_set, team_create

    started = time.perf_counter()
    articles = max(1, annotations // PER_ARTICLE)
    users = get_user_model()
    with transaction.atomic():
        team = team_create(name=f"Scale {slug}", owner=None, slug=slug)
        people = {}
        for role in ("owner", "analyst", "analyst2", "reviewer"):
            people[role] = users.objects.create_user(f"{slug}-{role}", password="bench-password")
        membership_set(team=team, user=people["owner"], role=Membership.Role.OWNER)
        membership_set(team=team, user=people["analyst"], role=Membership.Role.ANALYST)
        membership_set(team=team, user=people["analyst2"], role=Membership.Role.ANALYST)
        membership_set(team=team, user=people["reviewer"], role=Membership.Role.REVIEWER)
        Entity.objects.bulk_create(
            Entity(team=team, name=f"Person {n:03d}", kind=Entity.Kind.PERSON)
            for n in range(ENTITIES)
        )
        entity_ids = list(
            Entity.objects.filter(team=team).order_by("id").values_list("pk", flat=True)
        )
        tag_ids = list(Tag.objects.filter(team=team).order_by("id").values_list("pk", flat=True))
    texts = [generate_article(rng, words=400)[1] for _ in range(TEXTS)]
    analyst, analyst2, reviewer = (people[r].pk for r in ("analyst", "analyst2", "reviewer"))
    P = {
        "team": team.pk,
        "slug": slug,
        "texts": texts,
        "ntexts": TEXTS,
        "analyst": analyst,
        "analyst2": analyst2,
        "reviewer": reviewer,
        "articles": articles,
        "entities": entity_ids,
        "nentities": ENTITIES,
        "per": PER_ARTICLE - 1,
        "mentions": MENTIONS_PER_ARTICLE - 1,
        "tags": tag_ids,
        "ntags": len(tag_ids),
    }

    with transaction.atomic():
        n = insert_select(
            Article,
            {
                "team_id": "%(team)s",
                "title": "'Scale article ' || g",
                "url": "'https://example.org/' || %(slug)s || '/' || g",
                "published_at": "now() - g * interval '1 minute'",
                "text": "(%(texts)s::text[])[1 + g %% %(ntexts)s]",
                "text_sha256": "md5(%(slug)s || g) || md5(g || %(slug)s)",
                "imported_by_id": "%(analyst)s",
                "nlp_status": "'done'",
                "blind": "g %% 10 = 0",
                "created_at": "now() - g * interval '1 minute'",
                "updated_at": "now()",
            },
            "FROM generate_series(1, %(articles)s) AS g",
            P,
        )
        # 100 annotations per article: k is the annotation's number on its article.
        n_ann = insert_select(
            Annotation,
            {
                "team_id": "%(team)s",
                "article_id": "a.id",
                "start": "s.start",
                "end": "s.start + 5 + k %% 30",
                "exact": "substr(a.text, s.start + 1, 5 + k %% 30)",
                "prefix": "substr(a.text, greatest(1, s.start - 31), least(s.start, 32))",
                "suffix": "substr(a.text, s.start + 6 + k %% 30, 32)",
                "comment": "CASE WHEN k %% 3 = 0 THEN 'Check the figures.' ELSE '' END",
                "assessment": "(ARRAY['true','false','misleading','unverified'])[1 + k %% 4]",
                "attributed_to_entity_id": (
                    "CASE WHEN k %% 3 = 0 "
                    "THEN (%(entities)s::bigint[])[1 + (a.id + k) %% %(nentities)s] END"
                ),
                "author_id": (
                    "CASE WHEN k %% 10 < 5 THEN %(analyst)s "
                    "WHEN k %% 10 < 9 THEN %(analyst2)s ELSE %(reviewer)s END"
                ),
                "visibility": "CASE WHEN k %% 20 = 7 THEN 'private' ELSE 'team' END",
                "origin": "CASE WHEN k %% 20 = 11 THEN 'model' ELSE 'analyst' END",
                "suggestion_state": "CASE WHEN k %% 20 = 11 THEN 'pending' ELSE '' END",
                "review_state": (
                    "CASE WHEN k %% 20 < 12 THEN 'draft' WHEN k %% 20 < 15 THEN 'submitted' "
                    "WHEN k %% 20 = 15 THEN 'disputed' WHEN k %% 20 = 16 "
                    "THEN 'changes_requested' ELSE 'approved' END"
                ),
                "created_at": "a.created_at + k * interval '1 second'",
                "modified_at": "a.created_at + k * interval '1 second'",
                "deleted_at": "CASE WHEN k = 99 THEN now() END",
                "deleted_by_id": "CASE WHEN k = 99 THEN %(analyst)s END",
            },
            "FROM annotations_article a CROSS JOIN generate_series(0, %(per)s) AS k "
            "CROSS JOIN LATERAL (SELECT ((k * 97 + a.id) %% greatest(1, length(a.text) - 80))"
            "::int AS start) s WHERE a.team_id = %(team)s",
            P,
        )
        through = Annotation.tags.through
        with_connection(
            f"INSERT INTO {through._meta.db_table} (annotation_id, tag_id) "  # noqa: S608
            "SELECT id, (%(tags)s::bigint[])[1 + id %% %(ntags)s] FROM annotations_annotation "
            "WHERE team_id = %(team)s",
            P,
        )
        # Mentions: entity 1 in every article, the others spread.
        insert_select(
            Mention,
            {
                "article_id": "a.id",
                "entity_id": (
                    "(%(entities)s::bigint[])"
                    "[CASE WHEN m = 0 THEN 1 ELSE 1 + (a.id * 7 + m) %% %(nentities)s END]"
                ),
                "start": "m * 40",
                "end": "m * 40 + 12",
                "text": "substr(a.text, m * 40 + 1, 12)",
                "label": "'PERSON'",
                "created_at": "now()",
            },
            "FROM annotations_article a CROSS JOIN generate_series(0, %(mentions)s) AS m "
            "WHERE a.team_id = %(team)s AND length(a.text) > m * 40 + 12",
            P,
        )
        team_ann = "FROM annotations_annotation x WHERE x.team_id = %(team)s"
        insert_select(
            Reply,
            {
                "annotation_id": "x.id",
                "author_id": "%(analyst2)s",
                "text": "'Agreed, see the transcript.'",
                "created_at": "x.created_at",
                "modified_at": "x.created_at",
            },
            team_ann + " AND x.id %% 10 = 3 AND x.visibility = 'team'",
            P,
        )
        insert_select(
            Review,
            {
                "annotation_id": "x.id",
                "reviewer_id": "%(reviewer)s",
                "verdict": (
                    "CASE x.review_state WHEN 'approved' THEN 'approve' "
                    "WHEN 'changes_requested' THEN 'request_changes' ELSE 'dispute' END"
                ),
                "created_at": "x.created_at + interval '1 hour'",
            },
            team_ann + " AND x.review_state NOT IN ('draft', 'submitted') "
            "AND x.visibility = 'team'",
            P,
        )
        insert_select(
            Event,
            {
                "team_id": "x.team_id",
                "article_id": "x.article_id",
                "annotation_id": "x.id",
                "kind": "'annotation.created'",
                "actor_id": "x.author_id",
                "created_at": "x.created_at",
            },
            team_ann + " AND x.id %% 5 = 0",
            P,
        )
        insert_select(
            Notification,
            {
                "user_id": "%(analyst)s",
                "actor_id": "%(analyst2)s",
                "kind": "'reply'",
                "annotation_id": "x.id",
                "text": "'Agreed, see the transcript.'",
                "created_at": "x.created_at",
                "read_at": "CASE WHEN x.id %% 3 = 0 THEN now() END",
            },
            team_ann + " AND x.id %% 50 = 3 AND x.visibility = 'team'",
            P,
        )
        insert_select(
            ArticleSubmission,
            {
                "article_id": "a.id",
                "user_id": "%(analyst)s",
                "nothing_to_add": "false",
                "submitted_at": "now()",
            },
            "FROM annotations_article a WHERE a.team_id = %(team)s AND a.id %% 2 = 0",
            P,
        )
    print(
        f"  {slug}: {n:,} articles, {n_ann:,} annotations filled in "
        f"{time.perf_counter() - started:.1f} s (load {load_average()})"
    )
    return locate(slug)


def with_connection(sql: str, params: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def locate(slug: str) -> Team:
    from django.db.models import Count

    from annotations.models import Annotation, Mention
    from annotations.models import Team as TeamModel

    team = TeamModel.objects.get(slug=slug)
    total = Annotation.objects.filter(team=team).count()
    article_id = (
        Annotation.objects.filter(team=team, article__blind=False)
        .order_by("article_id")
        .values_list("article_id", flat=True)
        .first()
    )
    entity_id = (
        Mention.objects.filter(article__team=team, article_id__lte=(article_id or 0) + 200)
        .values("entity_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("entity_id", flat=True)
        .first()
    )
    return Team(slug, team.pk, total, article_id or 0, entity_id or 0)


def rebuild_summaries() -> None:
    """The summaries the pages read, rebuilt after a bulk fill (the services keep them after)."""
    try:
        from annotations.services.summaries import summaries_rebuild
    except ImportError:  # code without summaries
        return
    started = time.perf_counter()
    summaries_rebuild()
    print(f"  summaries rebuilt in {time.perf_counter() - started:.1f} s")


def database_ready(args: argparse.Namespace) -> bool:
    with admin_connect(args.pg_url) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name])
        return found.fetchone() is not None


# --- The pages ------------------------------------------------------------------------------------


def pages(team: Team) -> dict[str, tuple[str, str]]:
    """name -> (user role, URL)."""
    return {
        "article list": ("analyst", "/"),
        "article list API": ("analyst", f"/api/articles/?team={team.team_id}"),
        "reader": ("analyst", f"/articles/{team.article_id}/"),
        "annotation list API": ("analyst", f"/api/annotations/?article={team.article_id}"),
        "dashboard": ("analyst", "/dashboard/"),
        "dashboard (reviewer)": ("reviewer", "/dashboard/"),
        "dashboard API": ("analyst", f"/api/teams/{team.team_id}/dashboard/"),
        "review queue": ("analyst", "/review/"),
        "review queue (reviewer)": ("reviewer", "/review/"),
        "agreement": ("analyst", "/agreement/"),
        "agreement (reviewer)": ("reviewer", "/agreement/"),
        "entity page": ("analyst", f"/entities/{team.entity_id}/"),
        "notifications API": ("analyst", "/api/notifications/"),
        "export start": ("analyst", f"/api/teams/{team.team_id}/export/?format=jsonl"),
    }


def fetch(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    if response.streaming:
        next(iter(response.streaming_content))  # the export's first chunk
        seconds = time.perf_counter() - started
        response.close()
    else:
        seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return seconds


def clients(team: Team) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    for role in ("analyst", "reviewer"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=f"{team.slug}-{role}"))
        out[role] = client
    return out


def explain(client: Any, url: str) -> None:
    """EXPLAIN ANALYZE the three slowest statements of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        fetch(client, url)
    slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
    with connection.cursor() as cursor:
        for q in slow:
            print(f"    {float(q['time']) * 1000:.0f} ms: {q['sql'][:200]}")
            cursor.execute("EXPLAIN ANALYZE " + q["sql"])
            for (line,) in cursor.fetchall()[:25]:
                print(f"      {line}")


def measure(args: argparse.Namespace, small: Team, large: Team) -> list[tuple[str, float, float]]:
    rows = []
    c_small, c_large = clients(small), clients(large)
    only = {p for p in args.only.split(",") if p}
    small_pages, large_pages = pages(small), pages(large)
    for name in small_pages:
        if only and name not in only:
            continue
        role, url_small = small_pages[name]
        url_large = large_pages[name][1]
        fetch(c_small[role], url_small)  # warm-up
        fetch(c_large[role], url_large)
        times_small, times_large = [], []
        for _ in range(args.repeats):
            times_small.append(fetch(c_small[role], url_small))
            times_large.append(fetch(c_large[role], url_large))
        s, m = statistics.median(times_small), statistics.median(times_large)
        rows.append((name, s, m))
        ratio = m / s
        print(
            f"  {name:26} {s * 1000:8.0f} ms {m * 1000:9.0f} ms {ratio:6.2f}"
            f"{'' if ratio <= TARGET else '  MISSES'}   load {load_average()}",
            flush=True,
        )
        if args.explain and ratio > TARGET:
            explain(c_large[role], url_large)
    return rows


def main() -> int:
    args = parse_args()
    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    static_root = Path(tempfile.mkdtemp(prefix="newsnotes-bench-scale-"))
    production_environment(database_url, NEWSNOTES_LIST_CACHE_MB="0", STATIC_ROOT=str(static_root))
    subprocess.run(  # the production pages name hashed static files
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    print(f"NewsNotes pages at scale: {args.small:,} and {args.large:,} annotations")
    print(f"database {args.db_name}; {os.cpu_count()} cores, load average {load_average()}")

    import django

    fresh = args.fresh or not database_ready(args)
    if fresh:
        recreate_database(args.pg_url, args.db_name)
    django.setup()
    import logging

    from django.core.management import call_command
    from django.db import connection

    logging.getLogger("annotations").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0, interactive=False)
    from annotations.models import Team as TeamModel

    sizes = {"scale-small": args.small, "scale-large": args.large}
    teams = {}
    rng = random.Random(args.seed)  # noqa: S311 (reproducible data)
    for slug, size in sizes.items():
        found = TeamModel.objects.filter(slug=slug).first()
        if found is not None:
            team = locate(slug)
            if team.annotations == size:
                print(f"  reusing {slug}: {team.annotations:,} annotations")
                teams[slug] = team
                continue
            raise SystemExit(f"{slug} holds {team.annotations:,} annotations: use --fresh")
        print("filling:", flush=True)
        teams[slug] = fill_team(slug, size, rng)
    if fresh:
        connection.close()
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            started = time.perf_counter()
            conn.execute("VACUUM ANALYZE")
            print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    if args.fill_only:
        return 0
    rebuild_summaries()

    small, large = teams["scale-small"], teams["scale-large"]
    print()
    print(
        f"  {'page':26} {f'{small.annotations:,}':>11} {f'{large.annotations:,}':>12} "
        f"{'ratio':>6}   (median of {args.repeats}; target ratio <= {TARGET})"
    )
    try:
        rows = measure(args, small, large)
    finally:
        if args.drop:
            connection.close()
            recreate_database(args.pg_url, args.db_name, create=False)
    missed = [name for name, s, m in rows if m / s > TARGET]
    print(f"load average at the end: {load_average()}")
    print(
        f"target (each page at most {TARGET} x): {'met' if not missed else 'missed by'} "
        f"{', '.join(missed)}"
    )
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
