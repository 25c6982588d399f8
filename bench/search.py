"""Search at scale on PostgreSQL: p50/p95 of typical queries through the search selector and
the API view (in-process), side by side with ranking every match, and the query plans, at N
articles and M annotations.

    .venv/bin/python bench/search.py [--articles 100000] [--annotations 1000000]
        [--repeats 20] [--db-name nn_searchbench] [--rebuild] [--no-baseline]

1. Creates the database `nn_searchbench` unless it already holds a complete corpus of that size
   (--rebuild makes it anew): migrates it and writes with COPY N wire-style articles of ~250
   words (api_throughput.py's generator) that each cite 1-3 people of a pool of 1,768 (8 real
   names, then first x last names, Zipf-distributed: the first are in thousands of articles,
   the last in a few dozen) with their entities and mentions; M annotations (quotes of 2-8
   words, comments that sometimes name a person, tags, assessments, review states, 5% private,
   1% in the trash); one article in 50 (and its annotations) is another team's. Then the
   search rows are written by the services that imports and edits call
   (`services/search_index.py`), and VACUUM ANALYZE. About 8 minutes on a quiet 2-core
   machine.
2. Times each query shape, `--repeats` times after a warm-up, as the team's analyst: the whole
   results page (five kinds, snippets, facet counts) through `selectors.search.search()` and
   through `GET /api/search/` in-process. Side by side, the ranking core alone (the article and
   annotation kinds' count, ranked page and snippets): as search() makes it (capped candidates)
   and as it made it before (count and rank every visible match). Prints p50 and p95, p50 /
   50 ms (the target) and the core's ratio, with the load average.
3. Prints the indexes used by the plan (EXPLAIN) of each kind's query for two windows of object
   ids, and of the fuzzy name lookup.

Targets (issue #16): p50 at most 50 ms, p95 at most 200 ms.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import os
import random
import re
import statistics
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from common import (
    add_database_arguments,
    admin_connect,
    load_average,
    production_environment,
    recreate_database,
)

RARE = "Okonjo-Iweala"
FIRST = (  # noqa: SIM905 (a readable list)
    "Amina Boris Carlos Dmitri Elena Farid Grace Hassan Ingrid Jorge Kateryna Li Mohammed Nadia "
    "Oleksandr Priya Rustam Sofia Tariq Umar Valentina Wei Xenia Yusuf Zainab Andrei Beatriz "
    "Chen Dilnoza Emeka Fatima Goran Hiroshi Irina Jae-won Kwame Leila Mateus Natalia Omar"
).split()
LAST = (  # noqa: SIM905
    "Abdullayev Baranov Castillo Demir Eriksen Fedorov Gonzalez Haddad Ivanenko Jankowski "
    "Kovalenko Lindqvist Mahmoud Nakamura Okafor Petrenko Quispe Rahimov Santos Tkachenko "
    "Usmonov Volkov Wojcik Xu Yilmaz Zhukov Adeyemi Bondarenko Chaudhry Dragomir Estrada Fischer "
    "Grigoryan Horvat Ibragimov Juarez Karimov Lungu Moreno Novak Orlov Park Qureshi Rossi"
).split()
# Real names first: the most cited people of the corpus (the pool is Zipf-distributed).
FAMOUS = [
    "Volodymyr Zelensky",
    "Kim Jong Un",
    "Sergei Lavrov",
    "Ngozi Okonjo-Iweala",
    "Recep Tayyip Erdogan",
    "Ursula von der Leyen",
    "Ferdinand Marcos",
    "Yoon Suk Yeol",
]
PEOPLE_SENTENCES = [
    "{person}, who leads the {country} delegation, {said} the {thing} had not arrived.",
    "Asked about the reports, {person} {said} that {place} remained calm.",
    "{person} met the ambassador of {country} on {month} {day} to discuss the {thing}.",
    "Critics of {person} say the figures for {place} were inflated.",
]
COMMENTS = [
    "",
    "",
    "",
    "Check against the ministry's own figures.",
    "Second source needed before we use this number.",
    "Matches the satellite imagery.",
    "Quote confirmed against the transcript.",
    "Ask {person}'s office to confirm.",
    "{person} said the opposite in {month}.",
    "Compare with the {place} report.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--rebuild", "--fresh", action="store_true", help="seed anew even if the data is there"
    )
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip timing the rank-every-match baseline (seconds per query at this size)",
    )
    add_database_arguments(parser, "nn_searchbench")
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
                "(SELECT count(*) FROM annotations_searchentry WHERE kind = 'annotation'), "
                "(SELECT count(*) FROM auth_user WHERE username = 'seeded')"
            ).fetchone()
    except psycopg.Error:
        return False
    # A run stopped while seeding has no "seeded" marker user.
    return row is not None and row[:2] == (args.articles, args.annotations) and row[3] == 1


def people() -> list[str]:
    """The famous names, then every first x last name: 1,768 people."""
    return FAMOUS + [f"{first} {last}" for last in LAST for first in FIRST]


def seed(args: argparse.Namespace) -> None:
    from api_throughput import COUNTRIES, MONTHS, PLACES, THINGS, VERBS_SAID, generate_article
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations.models import Annotation, Article, Entity, Membership, Mention, Outlet, Tag
    from annotations.services.search_index import (
        search_index_annotations,
        search_index_articles,
        search_index_entities,
    )
    from annotations.services.teams import membership_set, team_create

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    started = time.perf_counter()

    def lap(what: str) -> None:
        print(f"  {what}: {time.perf_counter() - started:.0f} s, load {load_average()}", flush=True)

    users = get_user_model()
    names = people()
    # Zipf weights: the first names are in thousands of articles, the last in a few dozen.
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(names))))
    now = datetime.now(tz=UTC)
    with transaction.atomic():
        team = team_create(name="Bench Search Desk", owner=None, slug="bench-search")
        analyst = users.objects.create_user("analyst", password="bench-password")
        membership_set(team=team, user=analyst, role=Membership.Role.ANALYST)
        other = team_create(name="Other Desk", owner=None, slug="other-desk")
        outlets = [Outlet.objects.create(name=f"Wire {n}") for n in range(1, 41)]
        tags = list(Tag.objects.filter(team=team))

    def copy_rows(model: Any, rows: Iterable[dict[str, Any]]) -> None:
        columns = [f.column for f in model._meta.concrete_fields]
        defaults = {
            f.column: f.get_default() for f in model._meta.concrete_fields if f.has_default()
        }
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"COPY {model._meta.db_table} ({quoted}) FROM STDIN"
        with connection.cursor() as cursor, transaction.atomic(), cursor.cursor.copy(sql) as copy:
            for row in rows:
                values = [{**defaults, **row}.get(c) for c in columns]
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in values])
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )

    copy_rows(
        Entity,
        (
            {
                "id": n,
                "team_id": team.pk,
                "name": name,
                "kind": "PERSON",
                "aliases": json.dumps(["Kim Jong-un"] if name == "Kim Jong Un" else []),
                "created_at": now,
                "updated_at": now,
            }
            for n, name in enumerate(names, start=1)
        ),
    )
    texts: list[str] = []
    cited: list[list[int]] = []  # the people of each article (entity ids)
    mentions: list[tuple[int, int, int, int]] = []  # article, entity, start, end

    def articles() -> Iterator[dict[str, Any]]:
        for n in range(1, args.articles + 1):
            title, text = generate_article(rng, words=250)
            if rng.random() < 0.001:
                text += f" Trade chief Ngozi {RARE} said the talks would resume."
            chosen = sorted(
                {bisect.bisect(cumulative, rng.random() * cumulative[-1]) for _ in range(3)}
            )
            sentences = []
            at = len(text) + 2
            for entity_index in chosen:
                template = rng.choice(PEOPLE_SENTENCES)
                person = names[entity_index]
                sentence = template.format(
                    person=person,
                    country=rng.choice(COUNTRIES),
                    said=rng.choice(VERBS_SAID),
                    thing=rng.choice(THINGS),
                    place=rng.choice(PLACES),
                    month=rng.choice(MONTHS),
                    day=rng.randint(1, 28),
                )
                offset = at + sentence.index(person)
                mentions.append((n, entity_index + 1, offset, offset + len(person)))
                sentences.append(sentence)
                at += len(sentence) + 1
            text = text + "\n\n" + " ".join(sentences)
            texts.append(text)
            cited.append([i + 1 for i in chosen])
            yield {
                "id": n,
                # One article in 50 is another team's: its words must never match.
                "team_id": other.pk if n % 50 == 0 else team.pk,
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
    lap(f"{args.articles:,} articles")
    copy_rows(
        Mention,
        (
            {
                "id": n,
                "article_id": article_id,
                "entity_id": entity_id,
                "start": start,
                "end": end,
                "text": names[entity_id - 1],
                "label": "PERSON",
                "origin": "gazetteer",
                "created_at": now,
            }
            for n, (article_id, entity_id, start, end) in enumerate(mentions, start=1)
        ),
    )
    lap(f"{len(mentions):,} mentions")

    per_article = max(1, args.annotations // args.articles)

    def annotations() -> Iterator[dict[str, Any]]:
        written = 0
        for article_id, text in enumerate(texts, start=1):
            words = text.split(" ")
            for _ in range(per_article if written < args.annotations else 0):
                first = rng.randrange(max(1, len(words) - 8))
                exact = " ".join(words[first : first + rng.randint(2, 8)]).strip() or words[0]
                start = text.find(exact)
                written += 1
                comment = rng.choice(COMMENTS).format(
                    person=names[rng.choice(cited[article_id - 1]) - 1],
                    month=rng.choice(MONTHS),
                    place=rng.choice(PLACES),
                )
                yield {
                    "id": written,
                    "team_id": other.pk if article_id % 50 == 0 else team.pk,
                    "article_id": article_id,
                    "start": start,
                    "end": start + len(exact),
                    "exact": exact,
                    "prefix": text[max(0, start - 32) : start],
                    "suffix": text[start + len(exact) : start + len(exact) + 32],
                    "comment": comment,
                    "assessment": rng.choice(Annotation.Assessment.values),
                    "attributed_to_entity_id": rng.choice(cited[article_id - 1])
                    if rng.random() < 0.3
                    else None,
                    "author_id": analyst.pk,
                    "visibility": "private" if rng.random() < 0.05 else "team",
                    "review_state": "approved" if rng.random() < 0.4 else "draft",
                    # One in 100 is in the trash: never found, never counted.
                    "deleted_at": now if rng.random() < 0.01 else None,
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
        # Fresh statistics, or the services' reads (tags by annotation) plan for empty tables.
        cursor.execute("ANALYZE")
    lap(f"{args.annotations:,} annotations")
    # The index rows, written by the services that imports and edits call.
    search_index_entities(ids=range(1, len(names) + 1))
    search_index_articles(ids=range(1, args.articles + 1))
    lap("articles indexed")
    search_index_annotations(ids=range(1, args.annotations + 1))
    lap("annotations indexed")
    users.objects.create_user("seeded")  # the marker of a complete seed
    connection.close()
    import psycopg

    with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    lap("seeded and analysed")


SHAPES = [
    ("one word", "Kharkiv", {}),
    ("phrase", '"cargo ships"', {}),
    ("name with a typo", "Zelenskyy", {}),
    ("two facets", "ministry", {"assessment": ["supported"], "review": ["approved"]}),
    ("name, middle of the pool", "Kateryna Kovalenko", {}),
    ("rare name (last of the pool)", "Omar Rossi", {}),
    ("word in every article", "said", {}),
]
TARGET_P50, TARGET_P95 = 50.0, 200.0
INDEX_SCAN = re.compile(
    r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def percentiles(run: Any, repeats: int) -> tuple[float, float, Any]:
    result = run()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        result,
    )


SMALL_TABLE = 10_000  # rows: a sequential scan of fewer (memberships, submissions) is right


def plan_summary(plan: str) -> str:
    """The indexes a plan scans, and the tables it reads whole (small ones apart)."""
    from django.db import connection

    indexes = sorted(set(INDEX_SCAN.findall(plan)))
    seq = sorted(set(SEQ_SCAN.findall(plan)))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [seq or [""]]
        )
        sizes = dict(cursor.fetchall())
    big = [t for t in seq if sizes.get(t, 0) >= SMALL_TABLE]
    small = [t.removeprefix("annotations_") for t in seq if t not in big]
    return (
        ", ".join(i.removeprefix("annotations_") for i in indexes)
        + (f"; SEQ SCAN {', '.join(big)}" if big else "")
        + (f" (small: {', '.join(small)})" if small else "")
    )


def ranking_core(user: Any, text: str, filters: Any, *, rank_all: bool) -> None:
    """The article and annotation kinds' count, ranked page and snippets, without the facets
    and details: as search() makes them (the newest visible matches, capped, ranked), or, with
    ``rank_all``, as it made them before (count every visible match, rank every one)."""
    from annotations.lib.searchquery import parse
    from annotations.models import SearchEntry
    from annotations.selectors.search import (
        FACET_KINDS,
        _base,
        _candidates,
        _expand_names,
        _expanded,
        _team_ids,
    )
    from annotations.selectors.search_engines import PostgresEngine

    team_ids = _team_ids(user)
    engine = PostgresEngine(team_ids)
    query = parse(text)
    query = _expanded(query, _expand_names(query, engine, team_ids))
    for kind in ("article", "annotation"):
        if not all(kind in FACET_KINDS[name] for name in filters.set_facets()):
            continue
        if rank_all:
            entries = engine.matching(
                SearchEntry.objects.filter(
                    team_id__in=team_ids, kind=kind, object_id__in=_base(kind, user, filters)
                ),
                query,
            )
            entries.count()
            page = list(engine.ranked(entries, query).values_list("pk", flat=True)[:10])
        else:
            page = [row[0] for row in _candidates(engine, kind, user, filters, team_ids, query)[0]]
        engine.snippets(page[:10], query)


def measure(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.test import APIClient

    from annotations.lib.searchquery import parse
    from annotations.models import SearchEntry
    from annotations.selectors.search import (
        FACET_KINDS,
        FIRST_WINDOW,
        MAX_COUNT,
        Filters,
        _expand_names,
        _expanded,
        search,
        window_query,
    )
    from annotations.selectors.search_engines import NAME_SIMILARITY, PostgresEngine

    user = get_user_model().objects.get(username="analyst")
    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(user)
    print(
        f"\n{'query':28} {'search() p50/p95':>16} {'API p50/p95':>13} {'p50/50':>6} "
        f"{'core p50: capped':>16} {'rank-all':>8} {'ratio':>6}  found (art./ann./ent.)  load"
    )
    for label, text, facets in SHAPES:
        filters = Filters(**facets)
        p50, p95, results = percentiles(lambda: search(user, text, filters=filters), args.repeats)  # noqa: B023
        params = {"q": text, **facets}
        api50, api95, response = percentiles(
            lambda: client.get("/api/search/", params),  # noqa: B023
            args.repeats,
        )
        assert response.status_code == 200, response.content[:300]
        core = {
            every: percentiles(
                lambda: ranking_core(user, text, filters, rank_all=every),  # noqa: B023
                args.repeats if not every else 2,
            )[0]
            if args.baseline or not every
            else float("nan")
            for every in (False, True)
        }
        counts = "/".join(
            f"{results.kinds[k].count:,}{'+' if results.kinds[k].capped else ''}"
            if k in results.kinds
            else "-"
            for k in ("article", "annotation", "entity")
        )
        print(
            f"{label:28} {p50:7.1f} /{p95:7.1f} {api50:6.1f} /{api95:6.1f} "
            f"{max(p50, api50) / TARGET_P50:6.2f} {core[False]:6.1f} {core[True]:8.1f} "
            f"{core[True] / core[False]:6.1f}  "
            f"{counts:37} {load_average()}"
        )
    print("\nIndexes in the plans (EXPLAIN) of each kind's query, for the first window of object")
    print("ids | one 64 times as wide (a rare word's), and of the fuzzy name lookup:")
    windows = {}
    for kind in ("article", "annotation", "entity"):
        top = (
            SearchEntry.objects.filter(kind=kind)
            .order_by("-object_id")
            .values_list("object_id", flat=True)
            .first()
            or 0
        ) + 1
        windows[kind] = [
            (max(0, top - FIRST_WINDOW), top),
            (max(0, top - 64 * FIRST_WINDOW), top),
        ]
    team_ids = [user.memberships.first().team_id]
    engine = PostgresEngine(team_ids)
    for label, text, facets in SHAPES:
        filters = Filters(**facets)
        query = parse(text)
        expansions = _expand_names(query, engine, team_ids)
        query = _expanded(query, expansions)
        kinds = [
            k
            for k in ("article", "annotation", "entity")
            if all(k in FACET_KINDS[name] for name in filters.set_facets())
        ]
        print(f"  {label}{f' (also {expansions})' if expansions else ''}:")
        for kind in kinds:
            plans = [
                plan_summary(
                    window_query(
                        engine, kind, user, filters, team_ids, query, window, MAX_COUNT + 1
                    ).explain()
                )
                for window in windows[kind]
            ]
            print(f"    {kind:10} " + " | ".join(plans))
        word = parse(text).clauses[0].terms[0].words[0]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(NAME_SIMILARITY)],
            )
        plan = (
            SearchEntry.objects.filter(
                team_id__in=team_ids, kind="entity", body__trigram_word_similar=word
            )
            .values_list("body", flat=True)[:50]
            .explain()
        )
        print(f"    {'names':10} {plan_summary(plan)}")
    connection.close()


def main() -> int:
    args = parse_args()
    production_environment(f"{args.pg_url.rstrip('/')}/{args.db_name}")
    print(
        f"NewsNotes search: {args.articles:,} articles, {args.annotations:,} annotations; "
        f"{os.cpu_count()} cores, load average {load_average()}"
    )
    import django

    if args.rebuild or not seeded(args):
        print("seeding:")
        recreate_database(args.pg_url, args.db_name)
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        seed(args)
    else:
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # indexes added since
        print("reusing the seeded database")
    measure(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
