"""Network page: a graph of 2,000 entities and 20,000 links, from navigation to interactive, in
headless Chromium against gunicorn in production settings (target: under 1.5 s).

    .venv/bin/python bench/network.py [--nodes 2000] [--edges 20000] [--runs 5] [--keep]

1. Creates a fresh PostgreSQL database, migrates it, and seeds one team, an analyst, 400
   articles over a year and N entities of mixed kinds. The co-occurrence rows
   (``EntityPair``, kind ``sentence``) are written in bulk, as the analysis job would leave
   them: E distinct pairs drawn with a heavy tail (a few hubs, many entities with a few
   links), some repeated in several sentences so that the weights vary. A second team holds a
   small graph of 100 entities and 300 links, the reference measured in the same run.
2. Serves the app with gunicorn (2 gthread workers, WhiteNoise, production settings); the
   browser is signed in with a SessionStore cookie.
3. Loads /network/ for the large graph and the small one in alternation, a fresh page each
   time (one discarded load each first), and reads the page's "network-ready" performance
   mark: set after the graph is laid out and two frames have been drawn, so the page answers
   clicks. Also times GET /api/network/ alone (the server's share).
4. Checks that the page drew every node and link (the count in the heading), clicks a link in
   the list and times its side panel; prints medians, ratios and the load average.

See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    Gunicorn,
    add_database_arguments,
    free_port,
    http_get,
    load_average,
    production_environment,
    recreate_database,
)
from ui_render import CHROMIUM, CHROMIUM_ARGS, chromium_version, collectstatic, session_cookies

TARGET_S = 1.5
VIEWPORT = {"width": 1280, "height": 900}
KINDS = ["PERSON"] * 5 + ["ORG"] * 2 + ["GPE"] * 2 + ["NORP", "LOC", "EVENT", "FAC"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20241101)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    add_database_arguments(parser, "newsnotes_bench_network")
    return parser.parse_args()


def seed_graph(team: Any, rng: random.Random, nodes: int, edges: int, articles: int) -> int:
    """N entities, E distinct co-occurring pairs with a heavy-tailed degree; rows written."""
    from datetime import UTC, datetime, timedelta

    from annotations.models import Entity, EntityPair
    from annotations.services.articles import article_create

    made = [
        article_create(
            team=team,
            text=f"Dispatch {i}. " + "Officials met again on the matter. " * 20,
            title=f"Dispatch {i}",
            outlet_name=f"Wire {i % 7}",
            published_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i % 366),
        )
        for i in range(articles)
    ]
    entities = Entity.objects.bulk_create(
        Entity(team=team, name=f"Entity {team.slug} {i:04d}", kind=rng.choice(KINDS))
        for i in range(nodes)
    )
    ids = [e.pk for e in entities]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(nodes)]  # a few hubs, a long tail
    pairs: set[tuple[int, int]] = set()
    for i in range(1, nodes):  # connected: each entity links to an earlier one
        j = rng.choices(range(i), weights=weights[:i])[0]
        pairs.add((min(ids[i], ids[j]), max(ids[i], ids[j])))
    while len(pairs) < edges:
        a, b = rng.choices(ids, weights=weights, k=2)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    rows = []
    for a, b in pairs:
        for _ in range(rng.choice([1, 1, 1, 1, 2, 2, 3, 5])):
            article = rng.choice(made)
            start = rng.randrange(0, 600)
            rows.append(
                EntityPair(
                    team=team,
                    article=article,
                    left_id=a,
                    right_id=b,
                    kind="sentence",
                    start=start,
                    end=start + 35,
                )
            )
    EntityPair.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def seed(args: argparse.Namespace) -> dict[str, Any]:
    import logging

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Membership
    from annotations.services.teams import membership_set, team_create

    logging.getLogger("annotations").setLevel(logging.WARNING)
    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    with transaction.atomic():
        users = get_user_model().objects
        out: dict[str, Any] = {}
        for name, nodes, edges, articles in (
            ("large", args.nodes, args.edges, 400),
            ("small", 100, 300, 40),
        ):
            user = users.create_user(f"analyst-{name}", f"{name}@example.org", "bench-pass")
            team = team_create(name=f"Desk {name}", owner=None, slug=name)
            membership_set(team=team, user=user, role=Membership.Role.ANALYST)
            out[name] = {"user": user.pk, "team": team.pk}
            out[f"{name}_rows"] = seed_graph(team, rng, nodes, edges, articles)
    return out


def measure(page: Any, url: str) -> tuple[float, str]:
    page.goto(url)
    page.wait_for_selector("#network[data-ready='1']", timeout=60_000)
    mark = page.evaluate(
        "() => performance.getEntriesByName('network-ready')[0]?.startTime ?? null"
    )
    return float(mark) / 1000, page.inner_text("#network-count")


def main() -> int:
    args = parse_args()
    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    workdir = Path(tempfile.mkdtemp(prefix="newsnotes-network-"))
    production_environment(database_url, STATIC_ROOT=str(workdir / "static"))
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    print(f"== NewsNotes network page benchmark ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    print(
        f"   machine: {os.cpu_count()} cores, load average {load_average()} at the start; "
        f"Chromium {chromium_version()}"
    )
    recreate_database(args.pg_url, args.db_name)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    t0 = time.monotonic()
    seeded = seed(args)
    print(
        f"   seeded in {time.monotonic() - t0:.1f} s: {args.nodes:,} entities, {args.edges:,} "
        f"links ({seeded['large_rows']:,} sentence rows); reference: 100 entities, 300 links"
    )
    collectstatic(workdir / "static")
    cookies = {name: session_cookies(seeded[name]["user"]) for name in ("large", "small")}
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = Gunicorn(
        port, workdir / "gunicorn.log", ready_path="/login/", workers=2, worker_class="gthread"
    )
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {"large": [], "small": [], "api": [], "api_small": []}
    counts: dict[str, str] = {}
    try:
        server.start()
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            contexts = {}
            for name in ("large", "small"):
                contexts[name] = browser.new_context(viewport=VIEWPORT)
                contexts[name].add_cookies(
                    [
                        {"name": k, "value": v, "domain": "127.0.0.1", "path": "/"}
                        for k, v in cookies[name].items()
                    ]
                )
            for run in range(args.runs + 1):
                for name in ("large", "small"):
                    page = contexts[name].new_page()
                    seconds, count = measure(page, f"{base}/network/")
                    counts[name] = count
                    if run:
                        results[name].append(seconds)
                    if name == "large" and run == args.runs:
                        start = time.perf_counter()
                        page.locator("#network-links summary").click()
                        page.locator("#network-links tbody button").first.click()
                        page.wait_for_selector("#network-panel:not([hidden]) .passages li")
                        results["panel"] = [time.perf_counter() - start]
                    page.close()
                for name, key in (("large", "api"), ("small", "api_small")):
                    header = "; ".join(f"{k}={v}" for k, v in cookies[name].items())
                    start = time.perf_counter()
                    status, body = http_get(f"{base}/api/network/", {"Cookie": header})
                    if status != 200:
                        raise SystemExit(f"/api/network/ answered {status}: {body[:300]!r}")
                    if run:
                        results[key].append(time.perf_counter() - start)
            browser.close()
    finally:
        server.stop()
    large = statistics.median(results["large"])
    small = statistics.median(results["small"])
    api = statistics.median(results["api"])
    print(f"   load average after the runs: {load_average()}")
    print(f"   drawn: large '{counts.get('large')}', small '{counts.get('small')}'")
    print(f"{'':4}{'':34}{'median':>9}{'best':>9}")
    for label, key in (
        ("large: navigation -> ready", "large"),
        ("small: navigation -> ready", "small"),
        ("large: GET /api/network/", "api"),
        ("small: GET /api/network/", "api_small"),
    ):
        values = results[key]
        print(f"    {label:34}{statistics.median(values):8.3f}s{min(values):8.3f}s")
    print(f"    large: click a link -> passages    {results['panel'][0]:8.3f}s")
    print(
        f"   ratios: large/small {large / small:.2f}; large/target {large / TARGET_S:.2f} "
        f"(target {TARGET_S} s: {'met' if large < TARGET_S else 'NOT met'}); "
        f"server share {api / large:.2f}"
    )
    connections.close_all()
    if not args.keep:
        recreate_database(args.pg_url, args.db_name, create=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
