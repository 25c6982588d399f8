"""The many-process layout, driven end to end: the commands of newsnotes/Procfile (what
`make cluster` runs) as separate processes on the test database (PostgreSQL) and a Redis
broker, each on a free port. A write through the WSGI web process reaches a stream on the ASGI
one within a second and refreshes its list page cache; a job killed on one worker finishes on
the other."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from annotations.models import Article, Event, Job
from annotations.services.jobs import articles_queue_analysis
from annotations.services.tokens import token_create
from tests.factories import SEED_ARTICLE, make_article
from tests.sse import SSEReader

ROOT = Path(__file__).resolve().parents[2]
QUOTE = "the US believes the soldiers spent several weeks"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the layout streams through PostgreSQL's LISTEN/NOTIFY; CI's PostgreSQL pass "
        "runs it",
    ),
]


def _procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "newsnotes" / "Procfile").read_text().splitlines():
        match = re.match(r"^(\w+):\s*(.+)$", line)
        if match:
            entries[match[1]] = match[2]
    return entries


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, token: str = "") -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.read()


def _post(url: str, token: str, payload: dict) -> dict:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.status == 201
        return json.loads(response.read())


class Cluster:
    def __init__(self) -> None:
        db = connection.settings_dict
        self.web = f"http://127.0.0.1:{_free_port()}"
        self.stream = f"http://127.0.0.1:{_free_port()}"
        redis_port = _free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            ),
            "NEWSNOTES_TASKS": "rq",
            "NEWSNOTES_REDIS_PORT": str(redis_port),
            "NEWSNOTES_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "NEWSNOTES_WEB_PORT": self.web.rsplit(":", 1)[1],
            "NEWSNOTES_STREAM_PORT": self.stream.rsplit(":", 1)[1],
            "NEWSNOTES_DB_POOL_SIZE": "4",
            # A worker whose job stops beating this long is taken for dead by the other's sweeper.
            "NEWSNOTES_JOB_TIMEOUT": "3",
        }
        self.commands = _procfile()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *extra: str) -> None:
        command = self.commands[name] + "".join(f" {arg}" for arg in extra)
        self.processes[name] = subprocess.Popen(
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(30)

    def wait_for(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{url}/login/")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{url} did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)


@pytest.fixture
def cluster(settings) -> Iterator[Cluster]:
    layout = Cluster()
    # This process enqueues as the web processes do: on the cluster's Redis.
    settings.TASKS_BROKER = "rq"
    settings.RQ_QUEUES = {
        q: {"URL": layout.env["NEWSNOTES_REDIS_URL"]} for q in settings.TASK_QUEUES
    }
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
    }
    try:
        layout.start("redis")
        layout.start("web")
        layout.start("stream")
        layout.wait_for(layout.web)
        layout.wait_for(layout.stream)
        yield layout
    finally:
        layout.stop()


def test_a_write_through_one_web_process_reaches_a_stream_and_the_list_of_the_other(
    cluster, article, alice, bob, tags_a
):
    alice_token = token_create(user=alice, name="cluster")[1]
    bob_token = token_create(user=bob, name="cluster")[1]
    listing = f"{cluster.stream}/api/annotations/?article={article.pk}&page_size=1000"
    status, body = _get(listing, bob_token)
    assert (status, json.loads(body)["results"]) == (200, [])  # the stream process caches it

    after = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    reader = SSEReader(
        f"{cluster.stream}/api/articles/{article.pk}/stream/?after={after}", token=bob_token
    )
    try:
        assert reader.response.status == 200
        assert next(reader.frames()) == {"retry": "2000"}
        time.sleep(0.3)  # the hub's LISTEN is set up with the first stream
        start = article.text.index(QUOTE)
        started = time.monotonic()
        created = _post(
            f"{cluster.web}/api/annotations/",
            alice_token,
            {
                "article": article.pk,
                "start": start,
                "end": start + len(QUOTE),
                "exact": QUOTE,
                "tags": [tags_a["claim"].pk],
            },
        )
        data = json.loads(reader.next_event()["data"])
        latency = time.monotonic() - started
    finally:
        reader.close()
    assert (data["kind"], data["annotation"]) == ("annotation.created", created["id"])
    assert latency < 1.0, f"delivered after {latency:.3f} s"
    print(f"\nweb -> stream process: {latency * 1000:.0f} ms")

    # The stream process's page cache is keyed by the database's stamps: it sees the write.
    status, body = _get(listing, bob_token)
    assert status == 200
    assert [row["id"] for row in json.loads(body)["results"]] == [created["id"]]


def test_a_job_killed_on_one_worker_finishes_on_the_other(cluster, team_a, alice):
    text = SEED_ARTICLE.read_text(encoding="utf-8")[:1200]
    ids = [
        make_article(team=team_a, title=f"Copy {n}", text=f"{text}\n\nCopy {n}.").pk
        for n in range(128)
    ]
    cluster.start("worker1")
    job = articles_queue_analysis(team=team_a, article_ids=ids, actor=alice)
    assert job is not None
    deadline = time.monotonic() + 120
    while True:
        job.refresh_from_db()
        if 0 < job.done < job.total:
            break
        assert job.status != Job.Status.SUCCEEDED, "the job finished before it could be killed"
        assert time.monotonic() < deadline, "worker 1 did not start the job"
        time.sleep(0.02)
    cluster.start("worker2", "--periodic-every", "0.5")
    cluster.kill("worker1")

    deadline = time.monotonic() + 180
    while job.status != Job.Status.SUCCEEDED:
        assert job.status != Job.Status.FAILED, job.message
        assert time.monotonic() < deadline, "worker 2 did not finish the job"
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.attempts == 2
    assert set(Article.objects.filter(pk__in=ids).values_list("nlp_status", flat=True)) == {
        Article.NlpStatus.DONE
    }
