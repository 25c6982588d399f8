"""Search at scale on PostgreSQL: p50/p95 of typical queries through the search selector, and
the query plans, at N articles and M annotations.

    .venv/bin/python bench/search.py [--articles 100000] [--annotations 1000000]
        [--repeats 20] [--db-name NAME] [--fresh]

1. Creates the database `newsnotes_bench_search` (or reuses it when it holds the requested
   data): migrates it, writes N generated wire-style articles of ~250 words (the generator of
   api_throughput.py) and M annotations with COPY (1-2 tags each, ~30% attributed to one of a
   few entities, ~5% private), a few entities, and builds the search index with one set-based
   INSERT ... SELECT per kind (the same rows `search_reindex` writes, built in SQL), then
   VACUUM ANALYZE. A rare name ("Okonjo-Iweala") is planted in 0.1% of the articles.
2. Runs each query shape through `annotations.selectors.search.search()` as the team's analyst
   (all kinds, snippets, facet counts: what one page of results costs), `--repeats` times
   after a warm-up, and prints p50 and p95 with the load average: a rare name, a phrase, a
   misspelt name, a query with two facets, and a word that is in nearly every article (the
   worst case: every match is ranked).
3. Prints EXPLAIN of each shape's article match, and whether it uses the GIN index.

Targets (issue #16): p50 at most 50 ms, p95 at most 200 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import (
    add_database_arguments,
    admin_connect,
    load_average,
    production_environment,
    recreate_database,
)

RARE = "Okonjo-Iweala"
COMMENTS = [
    "",
    "",
    "Check against the ministry's own figures.",
    "Second source needed before we use this number.",
    "Matches the satellite imagery.",
    "Quote confirmed against the transcript.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="seed anew even if the data is there")
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "newsnotes_bench_search")
    return parser.parse_args()


def seeded(args: argparse.Namespace) -> bool:
    import psycopg

    with admin_connect(args.pg_url) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name])
        if found.fetchone() is None:
            return False
    try:
        with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM annotations_article), "
                "(SELECT count(*) FROM annotations_annotation), "
                "(SELECT count(*) FROM annotations_searchentry)"
            ).fetchone()
    except psycopg.Error:
        return False
    # A run stopped while seeding leaves the rows without their index.
    return row is not None and row[:2] == (args.articles, args.annotations) and row[2] > 0


def seed(args: argparse.Namespace) -> None:
    from api_throughput import generate_article
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations.models import Annotation, Article, Membership, Outlet, Tag
    from annotations.services.entities import entity_create
    from annotations.services.teams import membership_set, team_create

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    started = time.perf_counter()
    users = get_user_model()
    with transaction.atomic():
        team = team_create(name="Bench Search Desk", owner=None, slug="bench-search")
        analyst = users.objects.create_user("analyst", password="bench-password")
        membership_set(team=team, user=analyst, role=Membership.Role.ANALYST)
        outlets = [Outlet.objects.create(name=f"Wire {n}") for n in range(1, 21)]
        entities = [
            entity_create(team=team, name=name, kind="PERSON")
            for name in ("Volodymyr Zelensky", "John Kirby", "Ngozi Okonjo-Iweala", "Lin Jian")
        ]
        tags = list(Tag.objects.filter(team=team))

    def copy_rows(model, rows):
        columns = [f.column for f in model._meta.concrete_fields]
        defaults = {
            f.column: f.get_default() for f in model._meta.concrete_fields if f.has_default()
        }
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"COPY {model._meta.db_table} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor, transaction.atomic(), cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([{**defaults, **row}.get(c) for c in columns])

    now = datetime.now(tz=UTC)
    texts: list[str] = []

    def articles():
        for n in range(1, args.articles + 1):
            title, text = generate_article(rng, words=250)
            if rng.random() < 0.001:
                text += f" Trade chief Ngozi {RARE} said the talks would resume."
            texts.append(text)
            yield {
                "id": n,
                "team_id": team.pk,
                "title": title[:500],
                "outlet_id": rng.choice(outlets).pk,
                "url": "",
                "authors": "[]",
                "published_at": now - timedelta(hours=n),
                "language": "en",
                "text": text,
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "imported_by_id": analyst.pk,
                "nlp_status": "done",
                "created_at": now,
                "updated_at": now,
            }

    copy_rows(Article, articles())
    print(f"  {args.articles:,} articles in {time.perf_counter() - started:.0f} s")

    per_article = max(1, args.annotations // args.articles)

    def annotations():
        written = 0
        for article_id, text in enumerate(texts, start=1):
            words = text.split(" ")
            for _ in range(per_article if written < args.annotations else 0):
                first = rng.randrange(max(1, len(words) - 8))
                exact = " ".join(words[first : first + rng.randint(2, 8)]).strip() or words[0]
                start = text.find(exact)
                written += 1
                yield {
                    "id": written,
                    "team_id": team.pk,
                    "article_id": article_id,
                    "start": start,
                    "end": start + len(exact),
                    "exact": exact,
                    "prefix": text[max(0, start - 32) : start],
                    "suffix": text[start + len(exact) : start + len(exact) + 32],
                    "comment": rng.choice(COMMENTS),
                    "assessment": rng.choice(Annotation.Assessment.values),
                    "attributed_to_entity_id": rng.choice(entities).pk
                    if rng.random() < 0.3
                    else None,
                    "author_id": analyst.pk,
                    "visibility": "private" if rng.random() < 0.05 else "team",
                    "review_state": "approved" if rng.random() < 0.4 else "draft",
                    "created_at": now,
                    "modified_at": now,
                }

    copy_rows(Annotation, annotations())
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO annotations_annotation_tags (annotation_id, tag_id) "
            "SELECT a.id, (%s::bigint[])[1 + a.id %% %s] FROM annotations_annotation a",
            [[t.pk for t in tags], len(tags)],
        )
        for table in ("annotations_article", "annotations_annotation"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        print(f"  {args.annotations:,} annotations in {time.perf_counter() - started:.0f} s")
        # The index, as search_reindex builds it, in set-based SQL.
        cursor.execute(
            "INSERT INTO annotations_searchentry "
            "(team_id, kind, object_id, article_id, title, body, config, indexed_at, vector) "
            "SELECT a.team_id, 'article', a.id, a.id, a.title, a.text || E'\\n' || o.name, "
            "'english', now(), setweight(to_tsvector('english', a.title), 'A') || "
            "setweight(to_tsvector('english', a.text || ' ' || o.name), 'B') "
            "FROM annotations_article a JOIN annotations_outlet o ON o.id = a.outlet_id"
        )
        cursor.execute(
            "INSERT INTO annotations_searchentry "
            "(team_id, kind, object_id, article_id, title, body, config, indexed_at, vector) "
            "SELECT a.team_id, 'annotation', a.id, a.article_id, left(a.exact, 500), "
            "a.exact || E'\\n' || a.comment, 'english', now(), "
            "setweight(to_tsvector('english', left(a.exact, 500)), 'A') || "
            "setweight(to_tsvector('english', a.exact || ' ' || a.comment), 'B') "
            "FROM annotations_annotation a"
        )
    from annotations.services.search_index import search_index_entities

    search_index_entities(ids=[e.pk for e in entities])
    connection.close()
    import psycopg

    with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  index built; seeded in {time.perf_counter() - started:.0f} s")


SHAPES = [
    ("rare name", RARE, {}),
    ("phrase", '"cargo ships"', {}),
    ("misspelt name", "Zelenskyy", {}),
    ("two facets", "ministry", {"assessment": ["supported"], "review": ["approved"]}),
    ("common word (worst case)", "said", {}),
]


def measure(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from annotations.lib.searchquery import parse
    from annotations.models import SearchEntry
    from annotations.selectors.search import Filters, search
    from annotations.selectors.search_engines import PostgresEngine

    user = get_user_model().objects.get(username="analyst")
    print(f"\n{'query':28} {'p50 ms':>8} {'p95 ms':>8}  hits (articles/annotations)   load")
    for label, text, facets in SHAPES:
        filters = Filters(**facets)
        search(user, text, filters=filters)  # warm-up
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            results = search(user, text, filters=filters)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        counts = "/".join(
            str(results.kinds[k].count) for k in ("article", "annotation") if k in results.kinds
        )
        print(
            f"{label:28} {statistics.median(times):8.1f} {p95:8.1f}  {counts:28} {load_average()}"
        )
    print("\nPlans of the article match (EXPLAIN):")
    team_ids = [user.memberships.first().team_id]
    engine = PostgresEngine(team_ids)
    for label, text, _ in SHAPES:
        qs = engine.matching(
            SearchEntry.objects.filter(team_id__in=team_ids, kind="article"), parse(text)
        )
        plan = qs.explain()
        uses = "search_entry_vector" in plan
        print(f"  {label}: {'GIN index scan' if uses else 'NO index'}")
        if not uses:
            print("    " + plan.replace("\n", "\n    "))
    connection.close()


def main() -> int:
    args = parse_args()
    production_environment(f"{args.pg_url.rstrip('/')}/{args.db_name}")
    print(
        f"NewsNotes search: {args.articles:,} articles, {args.annotations:,} annotations; "
        f"{os.cpu_count()} cores, load average {load_average()}"
    )
    import django

    if args.fresh or not seeded(args):
        print("seeding:")
        recreate_database(args.pg_url, args.db_name)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        seed(args)
    else:
        django.setup()
        print("reusing the seeded database")
    measure(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
