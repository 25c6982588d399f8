"""In-process profile of the nested annotation list, for ``bench/api_throughput.py --profile``.

Where the time of ``GET /api/annotations/?article=<id>&page_size=1000`` goes, without assuming
how the view is written:

1. whole requests (test Client) for the nested list, the bare baseline and ``/api/me/``;
2. the SQL of one request, query by query;
3. phases: a few layers are wrapped with timers (SQL execute, psycopg row fetching, Django's
   QuerySet evaluation, prefetch_related, the app's code in annotations/api/serializers.py,
   DRF's serializers, JSON rendering) and each moment of a request is charged to the innermost
   layer running; the rest is request handling (middleware, auth, view, filters, paging);
4. a cProfile of whole requests, own time grouped by package, and the top functions;
5. the cost of CPython's cyclic garbage collector: requests interleaved with the default GC
   thresholds and with a raised young-generation threshold.

Needs Django set up with the benchmark's settings and a seeded database.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CATEGORIES = [
    # (label, substrings of the code's file path), first match wins
    ("psycopg (driver: execute, row decoding)", ("/psycopg/", "/django/db/backends/")),
    ("Django ORM (queries, rows, model instances)", ("/django/db/models/",)),
    ("Django signals (pre/post_init per instance)", ("/django/dispatch/",)),
    ("NewsNotes serializer code", ("/annotations/api/serializers.py",)),
    ("JSON rendering", ("/json/", "/rest_framework/renderers.py", "/rest_framework/utils/")),
    ("DRF (views, serializers, pagination, auth)", ("/rest_framework/",)),
    ("django-filter", ("/django_filters/",)),
    ("NewsNotes other code", ("/annotations/",)),
    ("Django request handling and the rest of Django", ("/django/",)),
]

SQL = "SQL execute (server + transfer)"
FETCH = "psycopg fetch (row decoding)"
ORM = "Django QuerySet evaluation (rows -> instances/dicts)"
PREFETCH = "prefetch_related (Python side)"
APP = "annotations/api/serializers.py code"
DRF_SERIALIZERS = "DRF serializer machinery"
RENDER = "JSON rendering (JSONRenderer)"
REST = "request handling: middleware, auth, view, filters, paging"
PHASES = [SQL, FETCH, ORM, PREFETCH, APP, DRF_SERIALIZERS, RENDER, REST]


def _time(fn: Callable[[], Any], repeats: int) -> tuple[float, float, float]:
    """(min wall, median wall, min CPU of this process) in ms over ``repeats`` calls, after
    one warm-up call. CPU time leaves out PostgreSQL's side and waiting for a busy core."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return min(wall), statistics.median(wall), min(cpu)


def _row(label: str, timing: tuple[float, float, float], width: int = 58) -> str:
    return f"  {label:<{width}} {timing[0]:7.1f} {timing[1]:7.1f} {timing[2]:7.1f}"


def _category(filename: str) -> str:
    for label, needles in CATEGORIES:
        if any(needle in filename for needle in needles):
            return label
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C functions: getattr, setattr, isoformat ...)"
    return "other"


class PhaseClock:
    """Charges wall and CPU time to the innermost instrumented layer that is running."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self.mark = (0.0, 0.0)

    def _charge(self) -> None:
        now = (time.perf_counter(), time.process_time())
        if self.stack:
            label = self.stack[-1]
            self.wall[label] += now[0] - self.mark[0]
            self.cpu[label] += now[1] - self.mark[1]
        self.mark = now

    @contextmanager
    def layer(self, label: str) -> Iterator[None]:
        self._charge()
        self.stack.append(label)
        try:
            yield
        finally:
            self._charge()
            self.stack.pop()

    def wrap(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        stack = self.stack

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if stack and stack[-1] == label:  # already charged to this layer: stay cheap
                return fn(*args, **kwargs)
            with self.layer(label):
                return fn(*args, **kwargs)

        wrapper.__wrapped_by_phaseclock__ = True
        return wrapper

    def reset(self) -> None:
        self.wall.clear()
        self.cpu.clear()
        self.stack.clear()


@contextmanager
def instrumented(clock: PhaseClock) -> Iterator[None]:
    """Wrap the layers for the duration of the block; restore everything afterwards."""
    import psycopg
    from django.db import connection
    from django.db.models import query
    from rest_framework import renderers
    from rest_framework import serializers as drf_serializers

    from annotations.api import serializers as app_serializers

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, label: str) -> None:
        original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name)
        if original is None or getattr(original, "__wrapped_by_phaseclock__", False):
            return
        if isinstance(original, staticmethod | classmethod):
            return
        patches.append((owner, name, original))
        setattr(owner, name, clock.wrap(original, label))

    for name in ("fetchone", "fetchmany", "fetchall"):
        patch(psycopg.Cursor, name, FETCH)
    patch(query.QuerySet, "_fetch_all", ORM)
    patch(query, "prefetch_related_objects", PREFETCH)
    patch(renderers.JSONRenderer, "render", RENDER)
    for cls in (drf_serializers.Serializer, drf_serializers.ListSerializer):
        patch(cls, "to_representation", DRF_SERIALIZERS)
    # The app's serializer module: its functions, and the methods of the classes it defines.
    module_name = app_serializers.__name__
    for name, value in list(vars(app_serializers).items()):
        if getattr(value, "__module__", None) != module_name:
            continue
        if isinstance(value, type):
            for attr, member in list(vars(value).items()):
                if callable(member) and not attr.startswith("__") and not isinstance(member, type):
                    patch(value, attr, APP)
        elif callable(value):
            patch(app_serializers, name, APP)

    def sql_wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        with clock.layer(SQL):
            return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(sql_wrapper):
            yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def phases(client: Any, path: str, repeats: int) -> None:
    clock = PhaseClock()
    per_request: list[tuple[float, float, dict[str, float], dict[str, float]]] = []
    with instrumented(clock):
        client.get(path)
        for _ in range(repeats):
            clock.reset()
            started, started_cpu = time.perf_counter(), time.process_time()
            with clock.layer(REST):
                client.get(path)
            wall = time.perf_counter() - started
            cpu = time.process_time() - started_cpu
            per_request.append((wall, cpu, dict(clock.wall), dict(clock.cpu)))
    # The request with the least CPU: the least disturbed by other processes and by the GC.
    wall, cpu, walls, cpus = min(per_request, key=lambda item: item[1])
    print(
        f"phases of the least-CPU request of {repeats} (each moment charged to the innermost "
        "layer; wrappers add a little):"
    )
    print(f"  {'':<58} {'wall ms':>7} {'CPU ms':>7} {'CPU %':>6}")
    for label in PHASES:
        print(
            f"  {label:<58} {walls.get(label, 0) * 1000:7.1f} {cpus.get(label, 0) * 1000:7.1f} "
            f"{cpus.get(label, 0) / cpu:6.0%}"
        )
    print(f"  {'whole request':<58} {wall * 1000:7.1f} {cpu * 1000:7.1f}")


def gc_cost(client: Any, path: str, repeats: int) -> None:
    """Interleave requests under the default GC thresholds and under a raised threshold."""
    default = gc.get_threshold()
    samples: dict[str, list[float]] = {"default": [], "raised": []}
    client.get(path)
    try:
        for index in range(repeats * 2):
            mode = "default" if index % 2 == 0 else "raised"
            gc.set_threshold(*(default if mode == "default" else (50_000, 20, 100)))
            started = time.process_time()
            client.get(path)
            samples[mode].append((time.process_time() - started) * 1000)
    finally:
        gc.set_threshold(*default)
    print(
        f"CPython GC, {repeats} requests each, interleaved "
        "(CPU ms per request, min / median / mean):"
    )
    for mode, label in (
        ("default", f"default thresholds {default}"),
        ("raised", "gc.set_threshold(50_000, 20, 100)"),
    ):
        values = samples[mode]
        print(
            f"  {label:<58} {min(values):7.1f} {statistics.median(values):7.1f} "
            f"{statistics.mean(values):7.1f}"
        )
    print(f"  objects tracked by the GC in this process: {len(gc.get_objects()):,}")


def profile(*, article_id: int, token: str, repeats: int = 20) -> None:
    """Profiles the nested list as it is built: with its page cache off (a hit only reads the
    stored bytes)."""
    from django.test import override_settings

    with override_settings(NEWSNOTES_LIST_CACHE_MB=0):
        _profile(article_id=article_id, token=token, repeats=repeats)


def _profile(*, article_id: int, token: str, repeats: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Token {token}"})
    path = f"/api/annotations/?article={article_id}&page_size=1000"
    bare_path = f"/api/bench/annotations-bare/?article={article_id}&page_size=1000"

    print(f"\n== In-process profile of GET {path} (page cache off), {repeats} repeats ==")
    print(f"  {'ms per request':<58} {'wall min':>7} {'median':>7} {'CPU min':>7}")
    print(_row("nested (test Client)", _time(lambda: client.get(path), repeats)))
    print(_row("bare baseline", _time(lambda: client.get(bare_path), repeats)))
    print(_row("/api/me/ (token auth + 1 query)", _time(lambda: client.get("/api/me/"), repeats)))

    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    print(f"SQL of one nested request: {len(captured.captured_queries)} queries")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:4.0f} ms  {query['sql'][:96]}...")

    phases(client, path, repeats)

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_category: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        by_category[_category(filename)] += tottime
    overall = sum(by_category.values())
    print(f"cProfile of {repeats} requests, own time by package (profiler overhead included):")
    for label, seconds in sorted(by_category.items(), key=lambda item: -item[1]):
        print(f"  {label:<58} {seconds / repeats * 1000:7.1f} ms/req {seconds / overall:5.0%}")
    print("top functions by own time:")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:12]
    for (filename, line, name), (_, calls, tottime, _cumtime, _) in rows:
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        print(
            f"  {tottime / repeats * 1000:6.1f} ms/req {calls // repeats:7d} calls/req  "
            f"{short}:{line}({name})"
        )

    gc_cost(client, path, repeats)
