"""Claim clusters at scale (issue #18), on PostgreSQL: what clustering a new article's claims
costs next to its NER, and how fast a claim page with 500 appearances answers.

    .venv/bin/python bench/claims.py [--articles 10000] [--claims-per-article 5]
        [--new-articles 20] [--page-repeats 30] [--db-name NAME] [--fresh]

1. Creates the database `newsnotes_bench_claims` (or reuses it when it holds the corpus):
   migrates it, writes N generated wire articles, each with a few "<speaker> said <claim>."
   sentences among filler, and their claim annotations (tagged "claim"), then clusters them
   all with `claims_cluster_articles` in batches of 500 articles, as analysis does (then
   ANALYZE, as autovacuum would): the LSH
   band index and the clusters of N x claims-per-article claims. The claims are drawn from
   ~14,000 propositions (subject x verb x place x figure) with a random hedge, so repetitions
   across articles and outlets are common; one proposition is planted in 500 articles.
2. Side by side, for `--new-articles` new articles of the same kind: their analysis
   (`articles_analyze`: spaCy NER, linking, attribution rules, suggestions written) with the
   clustering call switched off, then `claims_cluster_articles` of the suggested claims on
   the N-article index. Prints both, per article, and the ratio (target: at most 0.20).
3. The claim page of the planted claim (500 appearances): GET /claims/<id>/ and
   GET /api/claims/<id>/ in-process (Django's test client, production settings), p50 and p95
   over `--page-repeats` (target: p50 under 100 ms).

Prints the load average with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

from common import add_database_arguments, admin_connect, load_average, production_environment

SPEAKERS = [
    "John Kirby",
    "Lloyd Austin",
    "Antony Blinken",
    "Dmitry Peskov",
    "Sergei Lavrov",
    "Volodymyr Zelensky",
    "Mark Rutte",
    "Kim Yong-hyun",
    "Maria Zakharova",
    "Andrei Belousov",
]
SUBJECTS = [
    "North Korean troops",
    "Russian forces",
    "Ukrainian units",
    "Iranian drones",
    "Chinese engineers",
    "Belarusian battalions",
    "Wagner fighters",
    "NATO instructors",
    "Chechen units",
    "Russian marines",
    "artillery brigades",
    "air defence crews",
    "special forces",
    "mercenaries",
    "naval infantry",
    "border guards",
    "reservists",
    "tank crews",
    "drone operators",
    "military advisers",
]
VERBS = [
    "are now in",
    "have moved into",
    "were deployed to",
    "are fighting in",
    "withdrew from",
    "have been spotted near",
]
PLACES = [
    "the Kursk region",
    "Bakhmut",
    "Avdiivka",
    "Kherson",
    "Zaporizhzhia",
    "Crimea",
    "Belgorod",
    "Donetsk",
    "Luhansk",
    "Kharkiv",
    "Pokrovsk",
    "Vuhledar",
    "Sumy",
    "Odesa",
    "Mariupol",
    "Melitopol",
    "Bryansk",
    "Kupiansk",
    "Toretsk",
    "Chasiv Yar",
]
FIGURES = ["", "1,500 ", "3,000 ", "8,000 ", "10,000 ", "12,000 "]
HEDGES = ["", "", "reportedly ", "an estimated ", "at least ", "possibly "]
FILLER = [
    "A spokesman could not be reached for comment on Thursday.",
    "Officials in Kyiv and Moscow have traded accusations for weeks.",
    "Satellite images published this week show new positions along the front.",
    "The defence ministry gave no further details.",
    "Analysts said the move would change little on the battlefield before winter.",
    "Prices for fuel and food rose again in the region, local media reported.",
]
PLANTED = "at least 8,000 North Korean troops are now in the Kursk region"
BATCH = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--claims-per-article", type=int, default=5)
    parser.add_argument("--new-articles", type=int, default=20)
    parser.add_argument("--page-repeats", type=int, default=30)
    parser.add_argument("--planted", type=int, default=500, help="appearances of the big claim")
    parser.add_argument("--fresh", action="store_true", help="seed anew even if the data is there")
    parser.add_argument("--seed", type=int, default=20261203)
    add_database_arguments(parser, "newsnotes_bench_claims")
    return parser.parse_args()


def claim_text(rng: random.Random) -> str:
    return (
        f"{rng.choice(HEDGES)}{rng.choice(FIGURES)}{rng.choice(SUBJECTS)} "
        f"{rng.choice(VERBS)} {rng.choice(PLACES)}"
    )


def article_text(rng: random.Random, claims: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """An article of filler and "<speaker> said <claim>." sentences; the claims' spans."""
    parts: list[str] = ["KYIV (NewsNotes Bench) - "]
    spans = []
    at = len(parts[0])
    for claim in claims:
        lead = f"{rng.choice(SPEAKERS)} said "
        filler = " ".join(rng.sample(FILLER, 2)) + " "
        sentence = f"{lead}{claim}. {filler}"
        spans.append((at + len(lead), at + len(lead) + len(claim)))
        parts.append(sentence)
        at += len(sentence)
    return "".join(parts).rstrip(), spans


def seeded(args: argparse.Namespace) -> bool:
    import psycopg

    with admin_connect(args.pg_url) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name])
        if found.fetchone() is None:
            return False
    try:
        with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}") as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM annotations_article WHERE title LIKE 'Bench %%'), "
                "(SELECT count(*) FROM annotations_claimappearance c JOIN annotations_annotation a "
                "ON a.id = c.annotation_id JOIN annotations_article r ON r.id = a.article_id "
                "WHERE r.title LIKE 'Bench %%')"
            ).fetchone()
    except psycopg.Error:
        return False
    expected = args.articles * args.claims_per_article
    return row is not None and row[0] == args.articles and row[1] == expected


def seed(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from annotations.models import Annotation, Article, Outlet, Tag
    from annotations.services.claim_clusters import claims_cluster_articles
    from annotations.services.teams import team_create

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)  # noqa: S311 - test data
    user = User.objects.create_user("bench", password=None)
    team = team_create(name="Bench desk", slug="bench", owner=user)
    tag = Tag.objects.get(team=team, slug="claim")
    outlets = Outlet.objects.bulk_create(
        [Outlet(name=f"Outlet {i}", domain=f"outlet{i}.example") for i in range(60)]
    )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    planted = set(rng.sample(range(args.articles), min(args.planted, args.articles)))
    started = time.perf_counter()
    for first in range(0, args.articles, BATCH):
        articles, spans = [], []
        for i in range(first, min(first + BATCH, args.articles)):
            claims = [claim_text(rng) for _ in range(args.claims_per_article)]
            if i in planted:
                claims[0] = rng.choice(["", "reportedly ", "it is believed "]) + PLANTED
            text, where = article_text(rng, claims)
            articles.append(
                Article(
                    team=team,
                    title=f"Bench {i}",
                    outlet=rng.choice(outlets),
                    published_at=start + timedelta(minutes=37 * i),
                    text=text,
                    text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                    nlp_status=Article.NlpStatus.DONE,
                )
            )
            spans.append(where)
        Article.objects.bulk_create(articles)
        rows = [
            Annotation(
                team=team,
                article=article,
                start=s,
                end=e,
                exact=article.text[s:e],
                author=user,
            )
            for article, where in zip(articles, spans, strict=True)
            for s, e in where
        ]
        Annotation.objects.bulk_create(rows, batch_size=2000)
        Annotation.tags.through.objects.bulk_create(
            [Annotation.tags.through(annotation_id=a.pk, tag_id=tag.pk) for a in rows],
            batch_size=5000,
        )
        claims_cluster_articles(article_ids=[a.pk for a in articles])
        done = min(first + BATCH, args.articles)
        print(f"  seeded {done:,} articles, {time.perf_counter() - started:.0f} s", flush=True)


def new_articles(args: argparse.Namespace) -> list[int]:
    from annotations.models import Article, Team
    from annotations.services.articles import article_create

    rng = random.Random(args.seed + 1)  # noqa: S311 - test data
    team = Team.objects.get(slug="bench")
    ids = []
    stamp = time.time_ns()
    for i in range(args.new_articles):
        claims = [claim_text(rng) for _ in range(args.claims_per_article)]
        if i % 4 == 0:
            claims[0] = PLANTED
        text, _ = article_text(rng, claims)
        article = article_create(
            team=team, text=f"{text} ({stamp}-{i})", title=f"New {stamp} {i}", language="en"
        )
        ids.append(article.pk)
    assert Article.objects.filter(pk__in=ids).count() == len(ids)
    return ids


def measure_clustering(args: argparse.Namespace) -> None:
    from annotations.models import Annotation, ClaimAppearance
    from annotations.nlp import get_nlp
    from annotations.services import analysis

    get_nlp()  # loaded before timing, as in a running worker
    warm = new_articles(argparse.Namespace(**{**vars(args), "new_articles": 2}))
    analysis.articles_analyze(article_ids=warm)
    ids = new_articles(args)
    # One analysis run, as a worker does it; the clustering call it makes once per batch,
    # inside the batch's transaction, is timed apart: NER time = the rest.
    spent: list[float] = []
    real = analysis.claims_cluster_articles

    def timed(**kwargs: object) -> int:
        began = time.perf_counter()
        try:
            return real(**kwargs)  # type: ignore[arg-type]
        finally:
            spent.append(time.perf_counter() - began)

    with mock.patch.object(analysis, "claims_cluster_articles", timed):
        started = time.perf_counter()
        report = analysis.articles_analyze(article_ids=ids)
        total = time.perf_counter() - started
    cluster = sum(spent)
    ner = total - cluster
    claims = Annotation.objects.filter(article_id__in=ids, tags__kind="claim").count()
    clustered = ClaimAppearance.objects.filter(annotation__article_id__in=ids).count()
    joined = ClaimAppearance.objects.filter(
        annotation__article_id__in=ids, score__isnull=False
    ).count()
    n = len(ids)
    print(f"\nNew articles: {n} ({report.suggestions} suggestions, {claims} claims)")
    print(
        f"  analysis without clustering (NER, linking, rules, rows): {ner:.3f} s, "
        f"{1000 * ner / n:.1f} ms/article"
    )
    print(
        f"  clustering their claims ({len(spent)} calls, in the batch transactions): "
        f"{cluster:.3f} s, {1000 * cluster / n:.1f} ms/article "
        f"({clustered} claims, {joined} joined a cluster)"
    )
    print(f"  ratio clustering / NER: {cluster / ner:.3f} (target <= 0.20)")


def measure_page(args: argparse.Namespace) -> None:
    from django.contrib.auth.models import User
    from django.test import Client

    from annotations.models import ClaimAppearance
    from annotations.selectors.claims import clusters_for

    user = User.objects.get(username="bench")
    biggest = (
        clusters_for(user)
        .filter(canonical__icontains="North Korean troops are now in the Kursk region")
        .order_by("-n_appearances")
        .first()
    )
    if biggest is None:
        print("No planted claim found.")
        return
    count = ClaimAppearance.objects.filter(cluster=biggest).count()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for label, url in (
        ("claim page", f"/claims/{biggest.pk}/"),
        ("API detail", f"/api/claims/{biggest.pk}/"),
    ):
        client.get(url)  # warm
        times = []
        for _ in range(args.page_repeats):
            started = time.perf_counter()
            response = client.get(url)
            times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"  {label} ({count} appearances, {len(response.content) // 1024} KiB): "
            f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (target p50 < 100 ms)"
        )


def main() -> None:
    args = parse_args()
    from common import recreate_database

    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    production_environment(database_url)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    print(f"Load average before: {load_average()}")
    fresh = args.fresh or not seeded(args)
    if fresh:
        recreate_database(args.pg_url, args.db_name)
    django.setup()
    from django.conf import settings

    # Production settings, but static URLs without collectstatic's manifest (not built here).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if fresh:
        print(
            f"Seeding {args.articles:,} articles x {args.claims_per_article} claims "
            f"(clustered in batches of {BATCH})"
        )
        started = time.perf_counter()
        seed(args)
        print(f"  seeded and clustered in {time.perf_counter() - started:.0f} s")
    from django.db import connection

    from annotations.models import ClaimAppearance, ClaimBand, ClaimCluster

    # Fresh statistics, as autovacuum keeps them in a running system: without them the planner
    # reads the band index by team only, not by (team, key).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    print(
        f"Corpus: {ClaimAppearance.objects.count():,} claims in "
        f"{ClaimCluster.objects.count():,} clusters, {ClaimBand.objects.count():,} band rows"
    )
    measure_clustering(args)
    print("\nClaim page:")
    measure_page(args)
    print(f"\nLoad average after: {load_average()}")


if __name__ == "__main__":
    sys.exit(main())
