"""What the benchmark scripts share: their PostgreSQL database, free ports, the load average,
and a gunicorn server for the app.

The scripts run as `.venv/bin/python bench/<script>.py`, so this folder is on sys.path and they
import it as `common`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def admin_connect(pg_url: str) -> Any:
    """An autocommit connection to the server's `postgres` database (pg_url has no db name)."""
    import psycopg

    return psycopg.connect(f"{pg_url.rstrip('/')}/postgres", autocommit=True)


def recreate_database(pg_url: str, name: str, *, create: bool = True) -> None:
    """Drop the database (closing its connections) and, unless create=False, create it anew."""
    from psycopg import sql

    with admin_connect(pg_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def http_get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, bytes]:
    # Only ever http://127.0.0.1:<port>/..., built by the scripts.
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Gunicorn:
    """The app under gunicorn on 127.0.0.1, started when `ready_path` answers 200.

    `worker_class=None` leaves the worker class (and the application) to the config file:
    newsnotes/gunicorn.conf.py serves newsnotes.asgi under uvicorn workers."""

    def __init__(
        self,
        port: int,
        log_path: Path,
        *,
        ready_path: str,
        ready_headers: dict[str, str] | None = None,
        workers: int = 2,
        worker_class: str | None = "sync",
        threads: int = 1,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        app: str = "newsnotes.wsgi:application",
    ) -> None:
        self.port = port
        self.log_path = log_path
        self.ready_path = ready_path
        self.ready_headers = ready_headers
        self.worker_count = workers
        self.worker_class = worker_class
        self.threads = threads
        self.config = config
        self.app = app
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def describe(self) -> str:
        if self.worker_class == "gthread":
            return f"{self.worker_count} gthread workers x {self.threads} threads"
        if self.worker_class is None:
            return f"{self.worker_count} workers as {self.config} says"
        return f"{self.worker_count} {self.worker_class} workers"

    def start(self) -> None:
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.worker_count),
                *(["--worker-class", self.worker_class] if self.worker_class else []),
                *(["--threads", str(self.threads)] if self.worker_class == "gthread" else []),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(REPO),
                "--log-level",
                "warning",
                *(["--config", str(self.config)] if self.config else []),
                self.app,
            ],
            cwd=REPO,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early:\n{self.log_path.read_text()}")
            with contextlib.suppress(OSError):
                if http_get(url, self.ready_headers, timeout=2)[0] == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def add_database_arguments(parser: argparse.ArgumentParser, db_name: str) -> None:
    """--pg-url (the server, BENCH_PG_URL by default) and --db-name (the bench's database)."""
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (without a database name)",
    )
    parser.add_argument("--db-name", default=db_name)


def production_environment(
    database_url: str, *, settings_module: str = "newsnotes.settings", **extra: str
) -> None:
    """Production settings (DEBUG off, a random secret key, plain http on the loopback) for this
    process and for the servers it starts, which inherit them; ``extra`` adds variables."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": database_url,
            "NEWSNOTES_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",  # plain http on the loopback
            "NEWSNOTES_DEBUG": "0",
            **extra,
        }
    )
    repo = str(Path(__file__).resolve().parent.parent)
    if repo not in sys.path:
        sys.path.insert(0, repo)
