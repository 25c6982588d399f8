"""Live-update streams at a desk's scale: 1,000 open Server-Sent Events streams against the
production server layout, while ordinary API reads run.

    .venv/bin/python bench/streams.py [--streams 1000] [--users 10] [--annotations 50]
        [--reads 300] [--read-clients 2] [--broadcasts 3] [--keep]

1. Creates a fresh PostgreSQL database, migrates it and seeds one team of analysts (each with
   an API token), one generated article and N annotations on it through the services.
2. Serves the app as documented for production: `gunicorn -c newsnotes/gunicorn.conf.py`
   (2 uvicorn workers, newsnotes.asgi, production settings) on 127.0.0.1.
3. Measures ordinary reads (`GET /api/annotations/?article=N`, --read-clients processes of
   --reads requests each, one keep-alive connection per process) with no stream open: p50/p95.
4. Opens --streams streams (`GET /api/articles/N/stream/`, the analysts' tokens in turn) from
   raw asyncio sockets in this process, and waits for each one's first frame; meanwhile it
   samples pg_stat_activity every 20 ms (pooled connections busy at once).
5. With them open: the PostgreSQL connections of the database by application (the LISTEN ones
   are `newsnotes-live`) and those busy over 3 quiet seconds (what the streams hold); the
   workers' resident memory and threads against before (memory per stream); the same reads
   again; then --broadcasts writes through the API, each timed until every stream has it.
6. Closes the streams and measures the reads once more (the p95 with streams is compared with
   the mean of the two without, which brackets it in time).
7. Prints the figures, the ratios and the targets (reads p95 at most 2x; at most 4 PostgreSQL
   connections for streaming; every stream within 2 s), with the load average; stops the
   server and drops the database (unless --keep). Exit status 1 when a target is missed.

Loopback only; every wait is bounded. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from api_throughput import children, cpu_delta, cpu_seconds, generate_article, spans
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
CONFIG = REPO / "newsnotes" / "gunicorn.conf.py"
WORKERS = 2
TARGET_READ_RATIO = 2.0
TARGET_CONNECTIONS = 4
TARGET_DELIVERY_S = 2.0
OPEN_AT_ONCE = 100  # streams being opened concurrently
LISTEN_NAME = "newsnotes-live"  # the LISTEN connections' application_name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10, help="analysts the streams belong to")
    parser.add_argument("--annotations", type=int, default=50, help="annotations on the article")
    parser.add_argument("--reads", type=int, default=300, help="reads per client per phase")
    parser.add_argument("--read-clients", type=int, default=2, help="reading processes")
    parser.add_argument("--broadcasts", type=int, default=3, help="writes to time")
    add_database_arguments(parser, "newsnotes_bench_streams")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--read-worker", nargs=3, metavar=("URL", "TOKEN", "COUNT"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


def raise_open_file_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- Seeding (in this process, through the services) -------------------------------------------


@dataclass
class Seeded:
    article_id: int
    text: str
    tokens: list[str]
    annotations: int


def seed(args: argparse.Namespace) -> Seeded:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Membership
    from annotations.services.annotations import annotation_create
    from annotations.services.imports import import_text
    from annotations.services.teams import membership_set, team_create
    from annotations.services.tokens import token_create

    rng = random.Random(20261203)  # noqa: S311 (reproducible data, not secrets)
    User = get_user_model()
    with transaction.atomic():
        team = team_create(name="Bench Desk", owner=None, slug="bench-desk")
        users = []
        for n in range(args.users):
            user = User.objects.create_user(
                f"analyst{n}", f"analyst{n}@example.org", "bench-password"
            )
            membership_set(team=team, user=user, role=Membership.Role.ANALYST)
            users.append(user)
        tokens = [token_create(user=user, name="bench")[1] for user in users]
        title, text = generate_article(rng, words=800)
        article, _ = import_text(
            team=team, user=users[0], text=text, title=title, url="", outlet_name="", analyze=False
        )
        article.refresh_from_db()
        tags = list(team.tags.all())
        for n, (start, end) in enumerate(spans(rng, article.text, args.annotations)):
            annotation_create(
                article=article,
                author=users[n % len(users)],
                start=start,
                end=end,
                tags=rng.sample(tags, 1),
                comment="Second source needed." if n % 3 == 0 else "",
            )
    return Seeded(article.pk, article.text, tokens, args.annotations)


# --- Ordinary reads (in separate processes, so this one's streams do not slow them) --------------


def read_worker(url: str, token: str, count: int) -> None:
    """Prints the latencies (ms) of ``count`` GETs of ``url`` over one keep-alive connection."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, port = host_port.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Token {token}"}
    latencies, failures = [], 0
    for n in range(count + 10):  # ten to warm up
        started = time.perf_counter()
        conn.request("GET", "/" + path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if n >= 10:
            latencies.append(elapsed)
            failures += response.status != 200
    conn.close()
    print(json.dumps({"latencies": latencies, "failures": failures}))


@dataclass
class Reads:
    count: int
    failures: int
    p50: float
    p95: float
    seconds: float


def run_reads(args: argparse.Namespace, url: str, tokens: list[str]) -> Reads:
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--read-worker",
                url,
                tokens[n % len(tokens)],
                str(args.reads),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(args.read_clients)
    ]
    latencies: list[float] = []
    failures = 0
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        if worker.returncode != 0:
            raise SystemExit("a read worker failed")
        result = json.loads(out)
        latencies += result["latencies"]
        failures += result["failures"]
    cuts = statistics.quantiles(latencies, n=100)
    return Reads(
        len(latencies), failures, statistics.median(latencies), cuts[94], time.monotonic() - started
    )


# --- Streams (raw asyncio sockets) -------------------------------------------------------------


@dataclass
class Stream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    received: dict[int, float] = field(default_factory=dict)  # annotation id -> when
    task: asyncio.Task[None] | None = None
    ended: str = ""


async def _chunks(reader: asyncio.StreamReader):
    """The body of a chunked HTTP/1.1 response, chunk by chunk."""
    while True:
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            return
        data = await reader.readexactly(size)
        await reader.readexactly(2)
        yield data


async def open_stream(port: int, path: str, token: str) -> Stream:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Token {token}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"stream refused: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    stream = Stream(reader, writer)
    hello = asyncio.get_running_loop().create_future()
    stream.task = asyncio.create_task(follow(stream, hello))
    await asyncio.wait_for(hello, 30)
    return stream


async def follow(stream: Stream, hello: asyncio.Future[None]) -> None:
    buffer = b""
    try:
        async for chunk in _chunks(stream.reader):
            buffer += chunk
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                if frame.startswith(b"retry:") and not hello.done():
                    hello.set_result(None)
                for line in frame.split(b"\n"):
                    if line.startswith(b"data: "):
                        annotation = json.loads(line[6:]).get("annotation")
                        stream.received.setdefault(annotation, time.monotonic())
        stream.ended = "ended by the server"
    except (OSError, asyncio.IncompleteReadError) as error:
        stream.ended = repr(error)
    finally:
        if not hello.done():
            hello.set_exception(RuntimeError(f"no first frame: {stream.ended}"))


async def open_streams(port: int, path: str, tokens: list[str], count: int) -> list[Stream]:
    gate = asyncio.Semaphore(OPEN_AT_ONCE)

    async def one(n: int) -> Stream:
        async with gate:
            return await open_stream(port, path, tokens[n % len(tokens)])

    return list(await asyncio.gather(*(one(n) for n in range(count))))


@dataclass
class Delivery:
    last: float  # seconds from the write's start until every stream had it
    median: float
    first: float
    answered: float  # the write's own response time
    missed: int  # streams without it after 10 s
    cpu_ms: float  # the workers' CPU time from the write's start to the last delivery


async def broadcast(
    port: int,
    token: str,
    article_id: int,
    span: tuple[int, int],
    streams: list[Stream],
    workers: list[int],
) -> Delivery:
    """POST one shared annotation and wait until every stream has it (10 s at most)."""
    body = json.dumps({"article": article_id, "start": span[0], "end": span[1]})
    cpu_before = cpu_seconds(workers)
    started = time.monotonic()
    status = await asyncio.to_thread(post, port, token, body)
    answered = time.monotonic() - started
    if status[0] != 201:
        raise SystemExit(f"the write answered {status}")
    annotation = status[1]["id"]
    deadline = started + 10
    while time.monotonic() < deadline and any(annotation not in s.received for s in streams):
        await asyncio.sleep(0.005)
    cpu_ms = cpu_delta(cpu_before, cpu_seconds(workers)) * 1000
    times = [s.received[annotation] - started for s in streams if annotation in s.received]
    return Delivery(
        last=max(times) if times else float("inf"),
        median=statistics.median(times or [0]),
        first=min(times or [0]),
        answered=answered,
        missed=len(streams) - len(times),
        cpu_ms=cpu_ms,
    )


def post(port: int, token: str, body: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/annotations/",
            body=body,
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


# --- Server-side measures ----------------------------------------------------------------------


def connections(pg_url: str, db_name: str) -> list[tuple[str, str]]:
    """(application name, state) of each client connection to the database."""
    with admin_connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT application_name, coalesce(state, '') FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [db_name],
        ).fetchall()
    return [(name or "(none)", state) for name, state in rows]


def by_application(rows: list[tuple[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, _ in rows:
        out[name] = out.get(name, 0) + 1
    return out


def busy_pooled(rows: list[tuple[str, str]]) -> int:
    """Connections doing something (not idle), the LISTEN ones left out."""
    return sum(1 for name, state in rows if name != LISTEN_NAME and state != "idle")


class ConnectionSampler:
    """The most pooled connections busy at once, sampled every 20 ms in a thread."""

    def __init__(self, pg_url: str, db_name: str) -> None:
        self.pg_url, self.db_name = pg_url, db_name
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with admin_connect(self.pg_url) as conn:
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT application_name, coalesce(state, '') FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend'",
                    [self.db_name],
                ).fetchall()
                self.peak = max(self.peak, busy_pooled([(n or "", st) for n, st in rows]))
                time.sleep(0.02)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def threads(pids: list[int]) -> int:
    return sum(len(list(Path(f"/proc/{pid}/task").iterdir())) for pid in pids)


# --- Main --------------------------------------------------------------------------------------


def describe(reads: Reads, label: str) -> None:
    print(
        f"reads, {label}: {reads.count} in {reads.seconds:.1f} s, p50 {reads.p50:.1f} ms, "
        f"p95 {reads.p95:.1f} ms, {reads.failures} failed; load average {load_average()}"
    )


async def measure(args: argparse.Namespace, server: Gunicorn, data: Seeded, port: int) -> int:
    base = f"http://127.0.0.1:{port}"
    reads_url = f"{base}/api/annotations/?article={data.article_id}"
    workers = children(server.process.pid)
    print(f"server: gunicorn -c newsnotes/gunicorn.conf.py, {len(workers)} workers {workers}")

    quiet = [await asyncio.to_thread(run_reads, args, reads_url, data.tokens)]
    describe(quiet[0], "no stream open")
    before = connections(args.pg_url, args.db_name)
    rss_before, threads_before = rss_kib(workers), threads(workers)

    path = f"/api/articles/{data.article_id}/stream/"
    cpu_before = cpu_seconds(workers)
    started = time.monotonic()
    with ConnectionSampler(args.pg_url, args.db_name) as opening:
        streams = await open_streams(port, path, data.tokens, args.streams)
    opened = time.monotonic() - started
    open_cpu = cpu_delta(cpu_before, cpu_seconds(workers)) * 1000 / len(streams)
    print(
        f"opened {len(streams)} streams in {opened:.1f} s ({len(data.tokens)} analysts' tokens), "
        f"{open_cpu:.1f} ms of the workers' CPU each, at most {opening.peak} pooled connections "
        f"busy at once; load average {load_average()}"
    )

    try:
        await asyncio.sleep(2)  # the released request threads end
        with ConnectionSampler(args.pg_url, args.db_name) as idle:
            await asyncio.sleep(3)
        held = connections(args.pg_url, args.db_name)
        rss_open, threads_open = rss_kib(workers), threads(workers)
        busy = await asyncio.to_thread(run_reads, args, reads_url, data.tokens)
        describe(busy, f"{len(streams)} streams open")
        deliveries = []
        rng = random.Random(7)  # noqa: S311
        with ConnectionSampler(args.pg_url, args.db_name) as broadcasting:
            for _ in range(args.broadcasts):
                span = spans(rng, data.text, 1)[0]
                deliveries.append(
                    await broadcast(port, data.tokens[0], data.article_id, span, streams, workers)
                )
                await asyncio.sleep(0.5)
        alive = sum(1 for s in streams if not s.ended)
        threads_end = threads(workers)
    finally:
        for stream in streams:
            stream.writer.close()
            if stream.task:
                stream.task.cancel()
        await asyncio.gather(*(s.task for s in streams if s.task), return_exceptions=True)
    await asyncio.sleep(2)
    quiet.append(await asyncio.to_thread(run_reads, args, reads_url, data.tokens))
    describe(quiet[1], "the streams closed again")

    listen = by_application(held).get(LISTEN_NAME, 0)
    streaming = listen + idle.peak  # what the open streams hold: LISTEN + busy pooled ones
    baseline = statistics.mean(q.p95 for q in quiet)
    ratio = busy.p95 / baseline
    worst = max(d.last for d in deliveries)
    missing = sum(d.missed for d in deliveries)
    per_stream = (rss_open - rss_before) / len(streams)

    print()
    print(
        f"Streams: {len(streams)} open over {len(workers)} workers "
        f"({alive} still open after the broadcasts)"
    )
    print(
        f"  reads p95: {quiet[0].p95:.1f} ms before the streams and {quiet[1].p95:.1f} ms after, "
        f"{busy.p95:.1f} ms with them: ratio {ratio:.2f} to the mean of the two "
        f"(target <= {TARGET_READ_RATIO}) {'PASS' if ratio <= TARGET_READ_RATIO else 'FAIL'}"
    )
    print(
        f"  PostgreSQL connections to the database: {by_application(before)} before the "
        f"streams, {by_application(held)} with them open"
    )
    print(
        f"  used for streaming: {streaming} = {listen} LISTEN (one per worker) + {idle.peak} "
        f"pooled ones busy while the streams were open (target <= {TARGET_CONNECTIONS}) "
        f"{'PASS' if streaming <= TARGET_CONNECTIONS else 'FAIL'}; pooled ones busy at once, "
        f"shared with ordinary requests: at most {opening.peak} while the streams were set up, "
        f"{broadcasting.peak} during the broadcasts (the write included)"
    )
    for n, d in enumerate(deliveries, 1):
        print(
            f"  broadcast {n}: the write answered in {d.answered * 1000:.0f} ms; the streams had "
            f"it after {d.first * 1000:.0f} (first) / {d.median * 1000:.0f} (median) / "
            f"{d.last * 1000:.0f} ms (last), {d.missed} missed; workers' CPU {d.cpu_ms:.0f} ms"
        )
    print(
        f"  slowest delivery {worst * 1000:.0f} ms (target <= {TARGET_DELIVERY_S * 1000:.0f} ms, "
        f"all streams) {'PASS' if worst <= TARGET_DELIVERY_S and missing == 0 else 'FAIL'}"
    )
    print(
        f"  workers' memory: {rss_before / 1024:.0f} MiB -> {rss_open / 1024:.0f} MiB: "
        f"{per_stream:.1f} KiB per stream; threads {threads_before} -> {threads_open} "
        f"({threads_end} after the broadcasts: the hub's reading threads)"
    )
    print(f"  load average {load_average()}")
    ok = ratio <= TARGET_READ_RATIO and streaming <= TARGET_CONNECTIONS
    return 0 if ok and worst <= TARGET_DELIVERY_S and missing == 0 else 1


def main() -> int:
    args = parse_args()
    if args.read_worker:
        url, token, count = args.read_worker
        read_worker(url, token, int(count))
        return 0
    limit = raise_open_file_limit(args.streams + 1024)
    if limit < args.streams + 64:
        raise SystemExit(f"open file limit {limit} is too low for {args.streams} streams")
    database_url = f"{args.pg_url.rstrip('/')}/{args.db_name}"
    production_environment(database_url, GUNICORN_CMD_ARGS="--no-control-socket")
    print(f"NewsNotes live streams: {args.streams:,} streams, {args.users} analysts")
    print(f"machine: {os.cpu_count()} cores, load average {load_average()}; open files {limit}")
    recreate_database(args.pg_url, args.db_name)
    workdir = Path(tempfile.mkdtemp(prefix="newsnotes-bench-streams-"))
    server = None
    try:
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connections

        logging.getLogger("annotations").setLevel(logging.WARNING)
        call_command("migrate", verbosity=0, interactive=False)
        data = seed(args)
        connections.close_all()
        print(f"seeded article {data.article_id} with {data.annotations} annotations")
        port = free_port()
        server = Gunicorn(
            port,
            workdir / "gunicorn.log",
            ready_path="/api/me/",
            ready_headers={"Authorization": f"Token {data.tokens[0]}"},
            workers=WORKERS,
            worker_class=None,
            config=CONFIG,
            app="newsnotes.asgi:application",
            env={"STATIC_ROOT": str(workdir / "static")},
        )
        server.start()
        return asyncio.run(measure(args, server, data, port))
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            recreate_database(args.pg_url, args.db_name, create=False)


if __name__ == "__main__":
    sys.exit(main())
