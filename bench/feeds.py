"""Feed polling at scale: one worker polls 500 feeds of 20 items each from a news site on the
loopback interface, most of them unchanged.

    .venv/bin/python bench/feeds.py [--feeds 500] [--items 20] [--unchanged-200 0.15]
        [--new 0.05] [--db-name NAME] [--drop]

`--drop` drops the database and the archive folder (var/bench-feeds-archive/) at the end.

1. Creates the PostgreSQL database `newsnotes_bench_feeds` anew and migrates it; development
   settings with DEBUG off and the loopback fetch setting on (production refuses it).
2. Starts the news site (tests/feedserver.py) in a child process, so that the worker's CPU
   time is the worker's alone: 500 RSS feeds of 20 items, each with an ETag.
3. Seeds one team following the 500 feeds, every item already known (a FeedItem row each):
   - most feeds kept the ETag of their last poll: the site answers 304;
   - `--unchanged-200` of them (15%) kept none: the site sends the whole feed, parsed, and
     every item is known;
   - `--new` of them (5%) list one new item on top: its page is fetched, archived (WARC),
     extracted and imported as an article, and its analysis queued (not run: the target
     excludes the analysis of new items).
   One page is imported before the clock starts, as a long-running worker has loaded
   trafilatura and the language detector already.
4. Times what a worker does: the "feeds.poll" periodic entry (queues a poll job per due feed)
   and then every poll job, one after the other, through `job_run` (the task's body). Prints
   wall and CPU time, the load average, per-kind poll times side by side and the ratio to
   the target (60 s for the 500 feeds).

See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from common import add_database_arguments, load_average, recreate_database

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 60.0
ARCHIVE_DIR = REPO / "var" / "bench-feeds-archive"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--unchanged-200", type=float, default=0.15)
    parser.add_argument("--new", type=float, default=0.05)
    add_database_arguments(parser, "newsnotes_bench_feeds")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    return parser.parse_args()


def kind_of(index: int, args: argparse.Namespace) -> str:
    """Which group feed ``index`` is in: "new", "full" (200, all known) or "304"."""
    new = round(args.feeds * args.new)
    full = round(args.feeds * args.unchanged_200)
    if index < new:
        return "new"
    if index < new + full:
        return "full"
    return "304"


def build_site(args: argparse.Namespace, site):
    for i in range(args.feeds):
        slugs = [f"f{i}-item{j}" for j in range(args.items)]
        if kind_of(i, args) == "new":
            slugs = [f"f{i}-new", *slugs]
        site.add_feed(f"f{i}", slugs, title=f"Outlet {i}")
    return site


def serve_site(args: argparse.Namespace, conn) -> None:
    from tests.feedserver import FeedSite, serve

    with serve(FeedSite()) as running:
        build_site(args, running)  # the URLs in the documents carry the port
        conn.send(running.port)
        conn.recv()  # until the parent is done


def etag_of(document: str) -> str:
    return '"' + hashlib.sha256(document.encode()).hexdigest()[:16] + '"'


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(REPO))
    # The site's process is forked before Django opens any connection.
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_site, args=(args, child), daemon=True)
    server.start()
    port = parent.recv()

    recreate_database(args.pg_url, args.db_name)
    if os.environ.get("BENCH_ASYNC_COMMIT"):
        from common import admin_connect

        with admin_connect(args.pg_url) as conn:
            conn.execute(f"ALTER DATABASE {args.db_name} SET synchronous_commit = off")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsnotes.settings",
            "DATABASE_URL": f"{args.pg_url.rstrip('/')}/{args.db_name}",
            "NEWSNOTES_DEBUG": "0",
            "NEWSNOTES_URLFETCH_ALLOW_LOOPBACK": "1",
            "NEWSNOTES_FEEDS_PER_TEAM": str(args.feeds),
            "NEWSNOTES_FEED_ITEMS_PER_POLL": "30",
            "NEWSNOTES_ARCHIVE_DIR": str(ARCHIVE_DIR),
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from annotations.models import Article, Feed, FeedItem, Team
    from annotations.services.feeds import feeds_poll_due, item_key
    from annotations.services.imports import import_html
    from annotations.services.jobs import job_run
    from tests.feedserver import article_html

    call_command("migrate", verbosity=0)
    from tests.feedserver import FeedSite

    site = build_site(args, FeedSite(port=port))  # the child's documents, for their ETags
    team = Team.objects.create(name="Bench feeds", slug="bench-feeds")
    warm = Team.objects.create(name="Warm-up", slug="warm-up")
    import_html(team=warm, user=None, html=article_html("warm-up"), url="", analyze=False)
    feeds = Feed.objects.bulk_create(
        Feed(
            team=team,
            url=site.url(f"/feeds/f{i}.xml"),
            title=f"Outlet {i}",
            etag=etag_of(site.feeds[f"/feeds/f{i}.xml"]) if kind_of(i, args) == "304" else "",
            next_poll_at=timezone.now(),
        )
        for i in range(args.feeds)
    )

    class Entry(dict):
        pass

    FeedItem.objects.bulk_create(
        FeedItem(
            feed=feed,
            key=item_key(Entry(id=f"urn:f{i}-item{j}")),
            url=site.url(f"/articles/f{i}-item{j}"),
        )
        for i, feed in enumerate(feeds)
        for j in range(args.items)
    )

    print(f"feeds: {args.feeds} of {args.items} items; load average {load_average()}")
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    job_ids = feeds_poll_due()
    t_enqueue = time.perf_counter() - t0
    per_kind: dict[str, list[float]] = {"304": [], "full": [], "new": []}
    for job_id in job_ids:
        start = time.perf_counter()
        result = job_run(job_id=job_id)
        kind = "304" if result["not_modified"] else ("new" if result["imported"] else "full")
        per_kind[kind].append(time.perf_counter() - start)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)

    imported = Article.objects.filter(team=team).count()
    failed = Feed.objects.filter(team=team).exclude(last_error="").count()
    print(f"queued {len(job_ids)} poll jobs in {t_enqueue:.2f} s (the feeds.poll entry)")
    print(f"worker time: {wall:.2f} s wall, {cpu:.2f} s CPU; load average {load_average()}")
    print(f"target {TARGET_S:.0f} s: {wall / TARGET_S:.3f} of it ({TARGET_S / wall:.1f}x under)")
    print(f"articles imported: {imported}; feeds with an error: {failed}")
    base = sum(per_kind["304"]) / max(len(per_kind["304"]), 1)
    for kind, label in (
        ("304", "304 Not Modified"),
        ("full", "200, every item known"),
        ("new", "200, one new item imported"),
    ):
        times = per_kind[kind]
        if not times:
            continue
        mean = sum(times) / len(times)
        print(
            f"  {label:28} {len(times):4} polls, mean {mean * 1000:7.1f} ms, "
            f"total {sum(times):6.2f} s, {mean / base:5.1f}x a 304 poll"
        )
    parent.send("done")
    server.join(timeout=5)
    if args.drop:
        from django.db import connections

        connections.close_all()
        recreate_database(args.pg_url, args.db_name, create=False)
        shutil.rmtree(ARCHIVE_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
