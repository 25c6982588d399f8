"""Import to rows: 1,000 plain 700-word texts into articles, in-process and over HTTP.

    .venv/bin/python bench/import_rows.py [--articles 1000] [--words 700] [--rounds 5]
        [--no-http] [--profile] [--keep] [--pg-url URL] [--db-name NAME]

Issue #20 compares NewsNotes with the peers measured in the same sitting on this kind of
machine: Label Studio imported 1,000 plain 700-word texts in 0.46 s, doccano in 0.51 s (Celery).
This script generates such a file (one JSON object per line, ``{"text": ...}`` only, seeded, every
text distinct), then, each round on a fresh team:

* in-process: ``import_jsonl(team=..., user=..., lines=<the open file>)`` as the API calls it
  (analysis to follow: the rows, the title search rows and the queued analysis job; the job is
  not run);
* over HTTP: ``POST /api/articles/import-jsonl/`` (multipart, token auth) to gunicorn (2 sync
  workers, production settings), from sending the request to reading the report.

It prints each round's wall time, the CPU of this process and of its PostgreSQL backend
(in-process), the load average, the best and median of each, and their ratio to the peers'
figures (peer seconds / NewsNotes seconds: >= 1 is at least as fast). The machine is shared, so
the CPU column is the steadier one. ``--profile`` adds a cProfile of one in-process import.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import (
    Gunicorn,
    add_database_arguments,
    free_port,
    load_average,
    production_environment,
    recreate_database,
)
from export import cpu_seconds  # of a process, from /proc: here the PostgreSQL backend

PEERS = (("Label Studio", 0.46), ("doccano (Celery)", 0.51))  # s per 1,000 texts, issue #20


def write_plain_corpus(path: Path, *, articles: int, words: int, seed: int) -> int:
    """``articles`` lines of ``{"text": ...}``, the news-style texts of ner_throughput.py."""
    from ner_throughput import write_corpus

    with tempfile.TemporaryDirectory() as tmp:
        texts = write_corpus(Path(tmp) / "full.jsonl", articles=articles, words=words, seed=seed)
    with path.open("w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    return sum(len(text.split()) for text in texts)


def multipart(fields: dict[str, str], file_name: str, payload: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"'
        "\r\nContent-Type: application/jsonl\r\n\r\n".encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(url: str, body: bytes, content_type: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1:<port>/, built here
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--words", type=int, default=700)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20241101)
    parser.add_argument("--no-http", action="store_true", help="in-process rounds only")
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process import")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    add_database_arguments(parser, "newsnotes_bench_import_rows")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsnotes-import-"))
    corpus = workdir / "plain.jsonl"
    words = write_plain_corpus(corpus, articles=args.articles, words=args.words, seed=args.seed)
    recreate_database(args.pg_url, args.db_name)
    production_environment(f"{args.pg_url.rstrip('/')}/{args.db_name}")
    import django

    django.setup()
    import logging

    logging.getLogger("annotations").setLevel(logging.WARNING)
    try:
        return _bench(args, corpus, words, workdir)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(args.pg_url, args.db_name, create=False)
        corpus.unlink(missing_ok=True)


def _bench(args: argparse.Namespace, corpus: Path, words: int, workdir: Path) -> int:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import Article, Job
    from annotations.services.imports import import_jsonl
    from annotations.services.teams import team_create
    from annotations.services.tokens import token_create

    n = args.articles
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('server_version')")
        backend_pid, pg_version = cursor.fetchone()
    user = get_user_model().objects.create_user(username="bench-importer", password=None)
    _, token = token_create(user=user, name="bench")
    made = [0]

    def fresh_team() -> Any:
        made[0] += 1
        return team_create(name=f"Import bench {made[0]}", owner=user)

    payload = corpus.read_bytes()
    print("NewsNotes import-to-rows benchmark (bench/import_rows.py)")
    print("=" * 92)
    print(
        f"{n:,} plain texts, {words:,} words ({words / n:,.0f} per text), "
        f"{len(payload) / 2**20:.1f} MiB JSON Lines; PostgreSQL {pg_version.split()[0]}, "
        f"{os.cpu_count()} CPUs; load average {load_average()} at start"
    )

    def check(team: Any, created: int) -> None:
        if created != n or Article.objects.filter(team=team).count() != n:
            raise SystemExit(f"the import created {created} articles, not {n}")
        if not Job.objects.filter(team=team, kind=Job.Kind.ANALYZE).exists():
            raise SystemExit("the import queued no analysis job")

    def in_process() -> tuple[float, float, float]:
        team = fresh_team()
        cpu0, db0 = time.process_time(), cpu_seconds(backend_pid)
        start = time.perf_counter()
        with corpus.open("rb") as lines:
            report = import_jsonl(team=team, user=user, lines=lines)
        wall = time.perf_counter() - start
        cpu, db = time.process_time() - cpu0, cpu_seconds(backend_pid) - db0
        check(team, len(report.created))
        return wall, cpu, db

    print(f"\n  {'round':<26}{'wall s':>8}{'cpu s':>8}{'db cpu s':>10}{'load 1m':>9}")
    in_process()  # warm-up (imports, first queries, caches): not counted
    local: list[tuple[float, float, float]] = []
    for round_no in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        wall, cpu, db = in_process()
        local.append((wall, cpu, db))
        print(f"  {f'in-process {round_no}':<26}{wall:>8.3f}{cpu:>8.3f}{db:>10.3f}{load:>9.2f}")

    remote: list[float] = []
    if not args.no_http:
        port = free_port()
        server = Gunicorn(
            port,
            workdir / "gunicorn.log",
            ready_path="/api/me/",
            ready_headers={"Authorization": f"Token {token}"},
        )
        server.start()
        try:
            url = f"http://127.0.0.1:{port}/api/articles/import-jsonl/"
            for round_no in range(0, args.rounds + 1):  # round 0 warms the workers
                team = fresh_team()
                body, content_type = multipart({"team": str(team.pk)}, "plain.jsonl", payload)
                load = os.getloadavg()[0]
                start = time.perf_counter()
                status, report = post(url, body, content_type, token)
                wall = time.perf_counter() - start
                if status != 200:
                    raise SystemExit(f"HTTP {status}: {report}")
                check(team, report["created"])
                if round_no:
                    remote.append(wall)
                    print(f"  {f'over HTTP {round_no}':<26}{wall:>8.3f}{'':>8}{'':>10}{load:>9.2f}")
        finally:
            server.stop()

    scale = n / 1000
    print(f"\n{'NewsNotes (seconds per ' + format(n, ',') + ' texts)':<44}{'best':>8}{'median':>8}")
    walls = [w for w, _, _ in local]
    cpus = [c + d for _, c, d in local]
    rows = [("in-process, wall", walls), ("in-process, CPU (process + PostgreSQL)", cpus)]
    if remote:
        rows.append(("over HTTP, wall", remote))
    for label, values in rows:
        print(f"  {label:<42}{min(values):>8.3f}{statistics.median(values):>8.3f}")
    print(f"\nPeers (published, issue #20; seconds for {n:,} texts, scaled from 1,000):")
    for name, seconds in PEERS:
        peer = seconds * scale
        ratios = ", ".join(
            f"{label.split(',')[0]} {label.split(', ')[1]} {peer / min(values):.2f}"
            for label, values in rows
        )
        print(f"  {name:<20}{peer:>6.2f} s   ratio peer / NewsNotes (best): {ratios}")
    fastest = min(seconds for _, seconds in PEERS) * scale
    verdict = "PASS" if min(walls) <= fastest else "SLOWER"
    print(
        f"target: in-process at least as fast as the faster peer ({fastest:.2f} s): "
        f"{min(walls):.3f} s best, {statistics.median(walls):.3f} s median: {verdict}"
    )
    print(f"load average at the end: {load_average()}")
    if args.profile:
        profiler = cProfile.Profile()
        team = fresh_team()
        with corpus.open("rb") as lines:
            profiler.runcall(import_jsonl, team=team, user=user, lines=lines)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        print("\ncProfile of one in-process import (own time):")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
