"""A desk's worth of open readers costs the server no thread and no database connection each:
streams are coroutines under the ASGI server, woken through one LISTEN connection per process.
(Under the old gthread layout, 2 workers x 16 threads, the 33rd open reader page stalled every
other request.) PostgreSQL only: elsewhere there is no stream.

bench/streams.py measures the same at 1,000 streams."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from annotations.api import livehub
from annotations.models import Event
from annotations.services import annotations as annotation_services
from annotations.services.tokens import token_create
from tests.sse import SSEReader, session_cookie

ROOT = Path(__file__).resolve().parents[2]
STREAMS = 40  # more than the 16 threads of one worker of the old layout, or 32 of two

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="streams need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def backends(application_name: str | None = None) -> int:
    """Connections to the test database, all or of one application."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    params: list[str] = []
    if application_name is not None:
        sql += " AND application_name = %s"
        params.append(application_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def timed_get(url: str, path: str, token: str) -> tuple[int, float]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    started = time.monotonic()
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def open_streams(url: str, article_id: int, credentials: list[dict[str, str]]) -> list[SSEReader]:
    after = last_event_id()
    readers = []
    for index in range(STREAMS):
        reader = SSEReader(
            f"{url}/api/articles/{article_id}/stream/?after={after}",
            **credentials[index % len(credentials)],
        )
        readers.append(reader)
        assert reader.response.status == 200, (index, reader.response.read()[:300])
        assert next(reader.frames()) == {"retry": "2000"}
    return readers


def broadcast_reaches_all(readers: list[SSEReader], article, author) -> float:
    started = time.monotonic()
    written = annotation_services.annotation_create(
        article=article, author=author, start=0, end=8, comment="To everyone"
    )
    for reader in readers:
        assert reader.next_data()["annotation"] == written.pk
    return time.monotonic() - started


def settle(measure, limit: int, wait: float = 5.0) -> int:
    """``measure()`` once it is at most ``limit`` (threads of released requests take a moment
    to end), or its value after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while (value := measure()) > limit and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_open_streams_share_one_listen_connection_and_hold_no_thread_or_connection(
    asgi_server, article, alice, bob
):
    token = token_create(user=alice, name="tests")[1]
    credentials = [{"cookie": session_cookie(bob)}, {"token": token}]
    # A first stream starts the hub (its LISTEN connection and reading threads) and the pool.
    first = SSEReader(
        f"{asgi_server.url}/api/articles/{article.pk}/stream/", cookie=credentials[0]["cookie"]
    )
    assert next(first.frames()) == {"retry": "2000"}
    threads_before = threading.active_count()
    pool = DatabaseWrapper._connection_pools["default"]

    readers = open_streams(asgi_server.url, article.pk, credentials)
    try:
        assert asgi_server.call(lambda: livehub.hub().streams) == STREAMS + 1
        # No thread each: only what the hub itself uses may be added (its reading threads).
        threads = settle(threading.active_count, threads_before + livehub.READ_THREADS)
        assert threads <= threads_before + livehub.READ_THREADS, (threads_before, threads)
        # No database connection each: one LISTEN connection for the process, and no pooled
        # connection lent out but this test's own.
        assert backends(livehub.APPLICATION_NAME) == 1
        stats = pool.get_stats()
        assert stats["pool_size"] - stats["pool_available"] <= 1, stats
        assert backends() <= stats["pool_max"] + 1
        # Ordinary requests go on as usual.
        status, seconds = timed_get(
            asgi_server.url, f"/api/annotations/?article={article.pk}", token
        )
        assert status == 200
        assert seconds < 2.0, f"an ordinary read took {seconds:.1f} s beside {STREAMS} streams"
        # And a change reaches every stream within two seconds.
        assert broadcast_reaches_all([first, *readers], article, alice) < 2.0
    finally:
        for reader in [first, *readers]:
            reader.close()


def test_the_production_server_serves_more_streams_than_it_has_threads(article, alice, tmp_path):
    """The documented command (`gunicorn -c newsnotes/gunicorn.conf.py`, production settings),
    one worker: 40 open streams, and an ordinary read still answers at once."""
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    database_url = (
        f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "NEWSNOTES_ENV": "production",
        "SECRET_KEY": "test-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "NEWSNOTES_WORKERS": "1",
        "STATIC_ROOT": str(tmp_path),
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "newsnotes/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    token = token_create(user=alice, name="tests")[1]
    readers: list[SSEReader] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if timed_get(url, "/api/me/", token)[0] == 200:
                    break
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        readers = open_streams(url, article.pk, [{"token": token}])
        status, seconds = timed_get(url, f"/api/annotations/?article={article.pk}", token)
        assert status == 200
        assert seconds < 2.0, f"an ordinary read took {seconds:.1f} s beside {STREAMS} streams"
        assert backends(livehub.APPLICATION_NAME) == 1  # one worker, one LISTEN connection
        assert broadcast_reaches_all(readers, article, alice) < 2.0
    finally:
        for reader in readers:
            reader.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
