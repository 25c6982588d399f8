"""The team export at scale: time to first byte, total time, bytes and the gunicorn worker's peak
memory of `GET /api/teams/<id>/export/?format=...` for each format, at 1,000,000 annotations.

    .venv/bin/python bench/export.py [--annotations 1000000] [--db-name NAME] [--seed N]
        [--formats csv,jsonl,jsonld,spacy] [--fresh] [--drop]

1. Creates the PostgreSQL database `newsnotes_bench_export`, or reuses it when it already holds
   the requested data (--fresh seeds it anew): migrates it, imports N/500 generated wire-style
   articles through `import_jsonl` (bulk, no NER), then writes the annotations with COPY, 500
   per article (1-2 tags each through the tags table, ~30% attributed to an entity, ~10% to an
   earlier annotation on the same article, ~5% the analyst's private notes, ~40% approved,
   formula-like comments), and VACUUM ANALYZE.
2. For each format, starts gunicorn with the production configuration
   (newsnotes/gunicorn.conf.py: gthread, tuned GC) and one worker, so that the worker's memory
   is the export's; production settings (NEWSNOTES_ENV=production, DEBUG off).
3. Downloads the export as the analyst, reading it in 64 KiB pieces and throwing them away:
   time to the response headers and first byte, to the first annotation (the first record
   after any header), and to the end; bytes; the worker's CPU time; its resident memory
   before, sampled every 20 ms during the download, and its VmHWM (peak) after.
4. Prints the figures side by side with the load average, against the targets: the first byte
   within 1 s and the worker under 300 MB at 1,000,000 annotations.

See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import (
    Gunicorn,
    add_database_arguments,
    admin_connect,
    free_port,
    load_average,
    production_environment,
    recreate_database,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
FORMATS = ("csv", "jsonl", "jsonld", "spacy")
PER_ARTICLE = 500
TEAM_SLUG = "bench-export"
TARGET_FIRST_BYTE_S = 1.0
TARGET_WORKER_MB = 300.0
PIECE = 64 * 1024

COMMENTS = [
    "",
    "",
    "",
    "Check against the ministry's own figures.",
    "Second source needed before we use this number.",
    '=HYPERLINK("https://evil.example/")',  # guarded in the CSV
    "Quote confirmed against the transcript; “as said”.",
    "Matches the satellite imagery.\nSee the thread.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated, of csv,jsonl,jsonld,spacy"
    )
    add_database_arguments(parser, "newsnotes_bench_export")
    parser.add_argument("--fresh", action="store_true", help="seed anew even if the data is there")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    args.formats = [f for f in args.formats.split(",") if f]
    if unknown := set(args.formats) - set(FORMATS):
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    if args.annotations < PER_ARTICLE:
        parser.error(f"--annotations must be at least {PER_ARTICLE}")
    return args


def configure_environment(database_url: str) -> None:
    """Production settings for this process and for gunicorn (which inherits them)."""
    production_environment(database_url)


# --- The database: reused when it holds the data, else seeded ------------------------------------


@dataclass
class Seeded:
    team_id: int
    token: str
    annotations: int
    articles: int
    seconds: float = 0.0


def existing(args: argparse.Namespace) -> Seeded | None:
    """The seeded data, if the database holds what was asked for."""
    with admin_connect(args.pg_url) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name])
        if found.fetchone() is None:
            return None
    import psycopg

    try:
        with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}") as conn:
            row = conn.execute(
                "SELECT t.id, (SELECT count(*) FROM annotations_annotation a "
                "WHERE a.team_id = t.id), (SELECT count(*) FROM annotations_article r "
                "WHERE r.team_id = t.id) FROM annotations_team t WHERE t.slug = %s",
                [TEAM_SLUG],
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None or row[1] != args.annotations:
        return None
    # Tokens are stored hashed: the run mints its own.
    return Seeded(team_id=row[0], token="", annotations=row[1], articles=row[2])


def analyst_token() -> str:
    """A fresh API token for the seeded analyst (named, expiring in a day)."""
    from django.contrib.auth import get_user_model

    from annotations.services.tokens import token_create

    analyst = get_user_model().objects.get(username="analyst")
    expires = datetime.now(UTC) + timedelta(days=1)
    _, key = token_create(user=analyst, name="bench/export.py", expires_at=expires)
    return key


def spans(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    """``count`` distinct spans of 1-13 words, in reading order."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    out: set[tuple[int, int]] = set()
    while len(out) < count:
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.choice([0, 0, 1, 2, 3, 5, 8, 12]))
        out.add((words[first][0], words[last][1]))
    return sorted(out)


def tags_of(annotation_id: int, tags: list[int]) -> list[int]:
    """1-2 tags, from the id: the links are written after the annotations, with nothing kept."""
    first = tags[annotation_id % len(tags)]
    second = tags[(annotation_id * 7 + 3) % len(tags)]
    return [first, second] if annotation_id % 4 == 0 and second != first else [first]


def seed(args: argparse.Namespace) -> Seeded:
    """Articles through the import service; annotations and their tags with COPY."""
    import json

    from api_throughput import generate_article
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from annotations.models import Annotation, Entity, Membership, Tag
    from annotations.services.imports import import_jsonl
    from annotations.services.teams import membership_set, team_create

    rng = random.Random(args.seed)  # noqa: S311 (reproducible data, not secrets)
    started = time.perf_counter()
    user_model = get_user_model()
    with transaction.atomic():
        team = team_create(name="Bench Export Desk", owner=None, slug=TEAM_SLUG)
        analyst = user_model.objects.create_user("analyst", password="bench-password")
        reviewer = user_model.objects.create_user("reviewer", password="bench-password")
        membership_set(team=team, user=analyst, role=Membership.Role.ANALYST)
        membership_set(team=team, user=reviewer, role=Membership.Role.REVIEWER)
        entities = [
            Entity.objects.create(team=team, name=name, kind=Entity.Kind.PERSON)
            for name in ("John Kirby", "Maria Zakharova", "Rafael Grossi", "Lin Jian")
        ] + [Entity.objects.create(team=team, name="NATO", kind=Entity.Kind.ORG)]
        tags = list(Tag.objects.filter(team=team))

    count = args.annotations
    articles = -(-count // PER_ARTICLE)
    lines = []
    for n in range(articles):
        title, text = generate_article(rng, words=400)
        url = f"https://example.org/news/{n}" if n % 4 else ""  # some known by their text alone
        lines.append(json.dumps({"title": title, "text": text, "url": url}))
    report = import_jsonl(team=team, user=analyst, lines=lines, analyze=False)
    print(f"  {len(report.created):,} articles imported in {time.perf_counter() - started:.1f} s")

    columns = [f.column for f in Annotation._meta.concrete_fields]
    defaults = {
        f.column: f.get_default() for f in Annotation._meta.concrete_fields if f.has_default()
    }
    tag_rows = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM annotations_annotation")
        next_id = cursor.fetchone()[0] + 1
        first_id = next_id
        now = datetime.now(tz=UTC)
        texts = dict(team.articles.values_list("pk", "text"))
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        sql = f"COPY annotations_annotation ({quoted}) FROM STDIN"
        link_sql = "COPY annotations_annotation_tags (annotation_id, tag_id) FROM STDIN"
        tag_ids = [tag.pk for tag in tags]
        raw = cursor.cursor  # psycopg's own cursor: COPY
        with transaction.atomic(), raw.copy(sql) as copy:
            written = 0
            for article_id in sorted(texts):
                text = texts[article_id]
                here: list[int] = []
                for start, end in spans(rng, text, min(PER_ARTICLE, count - written)):
                    if written >= count:
                        break
                    private = rng.random() < 0.05
                    row = {
                        **defaults,
                        "id": next_id,
                        "team_id": team.pk,
                        "article_id": article_id,
                        "start": start,
                        "end": end,
                        "exact": text[start:end],
                        "prefix": text[max(0, start - 32) : start],
                        "suffix": text[end : end + 32],
                        "comment": rng.choice(COMMENTS),
                        "assessment": rng.choice(Annotation.Assessment.values),
                        "attributed_to_id": (
                            rng.choice(here) if here and rng.random() < 0.1 else None
                        ),
                        "attributed_to_entity_id": (
                            rng.choice(entities).pk if rng.random() < 0.3 else None
                        ),
                        "author_id": analyst.pk if private or rng.random() < 0.8 else reviewer.pk,
                        "visibility": "private" if private else "team",
                        "review_state": "approved" if rng.random() < 0.4 else "draft",
                        "created_at": now - timedelta(seconds=count - written),
                        "modified_at": now,
                    }
                    copy.write_row([row.get(column) for column in columns])
                    if not private:
                        here.append(next_id)
                    next_id += 1
                    written += 1
                if written >= count:
                    break
        with transaction.atomic(), raw.copy(link_sql) as copy:
            for annotation_id in range(first_id, next_id):
                for tag_id in tags_of(annotation_id, tag_ids):
                    copy.write_row((annotation_id, tag_id))
                    tag_rows += 1
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('annotations_annotation', 'id'), %s)",
            [next_id - 1],
        )
    connection.close()
    import psycopg

    with psycopg.connect(f"{args.pg_url.rstrip('/')}/{args.db_name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    print(
        f"  {written:,} annotations (ids {first_id:,}-{next_id - 1:,}) and {tag_rows:,} tag links "
        f"written with COPY; seeded in {seconds:.1f} s"
    )
    return Seeded(
        team_id=team.pk, token="", annotations=written, articles=articles, seconds=seconds
    )


# --- Measuring a download -------------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pid(master: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                return int(entry.name)
    raise SystemExit("no gunicorn worker found")


class Sampler(threading.Thread):
    """The largest VmRSS of a process, read every 20 ms until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak_kb = max(self.peak_kb, _status(self.pid).get("VmRSS", 0))
            time.sleep(0.02)


@dataclass
class Download:
    fmt: str
    status: int
    first_byte_s: float
    first_record_s: float
    total_s: float
    bytes: int
    filename: str
    media_type: str
    cpu_s: float
    rss_before_mb: float
    rss_peak_sampled_mb: float
    hwm_mb: float
    load: str


def first_record_at(fmt: str, head: bytes) -> int | None:
    """Where the first annotation starts in the first bytes of a download, if it is there."""
    marker = {"csv": b"\r\n", "jsonl": b"{", "jsonld": b'"items": [', "spacy": b"{"}[fmt]
    at = head.find(marker)
    if at < 0:
        return None
    rest = head[at + len(marker) :] if fmt in ("csv", "jsonld") else head[at:]
    return at if rest.strip() else None


def download(port: int, team_id: int, token: str, fmt: str, worker: int) -> Download:
    before = _status(worker).get("VmRSS", 0)
    cpu_before = cpu_seconds(worker)
    sampler = Sampler(worker)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request(
        "GET",
        f"/api/teams/{team_id}/export/?format={fmt}",
        headers={"Authorization": f"Token {token}"},
    )
    response = conn.getresponse()
    piece = response.read1(PIECE)
    first_byte = time.perf_counter() - started
    head = piece
    first_record = first_byte if first_record_at(fmt, head) is not None else None
    size = len(piece)
    while piece:
        piece = response.read1(PIECE)
        size += len(piece)
        if first_record is None:
            head += piece
            if first_record_at(fmt, head) is not None or len(head) > 1_000_000:
                first_record = time.perf_counter() - started
    total = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    conn.close()
    return Download(
        fmt=fmt,
        status=response.status,
        first_byte_s=first_byte,
        first_record_s=first_record if first_record is not None else total,
        total_s=total,
        cpu_s=cpu_seconds(worker) - cpu_before,
        bytes=size,
        filename=response.getheader("Content-Disposition", ""),
        media_type=response.getheader("Content-Type", ""),
        rss_before_mb=before / 1024,
        rss_peak_sampled_mb=sampler.peak_kb / 1024,
        hwm_mb=_status(worker).get("VmHWM", 0) / 1024,
        load=load_average(),
    )


def serve_and_download(args: argparse.Namespace, data: Seeded, fmt: str, logdir: Path) -> Download:
    port = free_port()
    server = Gunicorn(
        port,
        logdir / f"gunicorn-{fmt}.log",
        ready_path="/api/teams/",
        ready_headers={"Authorization": f"Token {data.token}"},
        workers=1,  # the export's memory is this one worker's
        worker_class="gthread",
        threads=4,
        config=REPO / "newsnotes" / "gunicorn.conf.py",
    )
    server.start()
    try:
        assert server.process is not None
        worker = worker_pid(server.process.pid)
        return download(port, data.team_id, data.token, fmt, worker)
    finally:
        server.stop()


def main() -> int:
    args = parse_args()
    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    configure_environment(database_url)
    print(f"NewsNotes team export: {args.annotations:,} annotations, formats {args.formats}")
    print(f"database {args.db_name}; {os.cpu_count()} cores, load average {load_average()}")

    import django

    data = None if args.fresh else existing(args)
    if data is None:
        print("seeding:")
        recreate_database(args.pg_url, args.db_name)
        django.setup()
        import logging

        from django.core.management import call_command

        logging.getLogger("annotations").setLevel(logging.WARNING)
        call_command("migrate", verbosity=0, interactive=False)
        data = seed(args)
    else:
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # the code may be newer
        print(
            f"reusing the seeded data: {data.annotations:,} annotations, {data.articles:,} articles"
        )
    data.token = analyst_token()

    logdir = Path(tempfile.mkdtemp(prefix="newsnotes-bench-export-"))
    results = []
    try:
        for fmt in args.formats:
            result = serve_and_download(args, data, fmt, logdir)
            results.append(result)
            print(
                f"  {fmt:6} {result.status} first byte {result.first_byte_s:.3f} s, first record "
                f"{result.first_record_s:.3f} s, total {result.total_s:.1f} s, "
                f"{result.bytes / 2**20:,.1f} MiB; worker RSS {result.rss_before_mb:.0f} MB "
                f"before, peak {result.hwm_mb:.0f} MB (sampled {result.rss_peak_sampled_mb:.0f}); "
                f"load {result.load}"
            )
    finally:
        if args.drop:
            recreate_database(args.pg_url, args.db_name, create=False)

    print()
    print(
        f"{'format':7} {'status':>6} {'1st byte':>9} {'1st rec':>8} {'total':>8} {'CPU':>7} "
        f"{'MiB':>8} {'RSS0':>6} {'peak':>6}  load average"
    )
    for r in results:
        print(
            f"{r.fmt:7} {r.status:>6} {r.first_byte_s:>8.3f}s {r.first_record_s:>7.3f}s "
            f"{r.total_s:>7.1f}s {r.cpu_s:>6.1f}s {r.bytes / 2**20:>8.1f} "
            f"{r.rss_before_mb:>6.0f} {r.hwm_mb:>6.0f}  {r.load}"
        )
    ok = all(
        r.status == 200 and r.first_byte_s <= TARGET_FIRST_BYTE_S and r.hwm_mb <= TARGET_WORKER_MB
        for r in results
    )
    print(
        f"targets: first byte within {TARGET_FIRST_BYTE_S:.0f} s and worker peak under "
        f"{TARGET_WORKER_MB:.0f} MB: {'met' if ok else 'NOT met'}"
    )
    print(f"gunicorn logs in {logdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
