"""The task brokers with real worker processes: `manage.py worker` on the database broker and on
Redis (RQ), against the test database. A killed worker loses nothing and duplicates nothing; two
workers on one queue run each job once; a worker serves the light queue first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from annotations.models import Article, Job, Mention
from annotations.services.jobs import articles_queue_analysis, job_queue
from tests.factories import SEED_ARTICLE, make_article
from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[2]
BROKERS = ["db", "rq"]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def broker(request, redis_url, settings) -> str:
    """The broker under test, configured in this process (which enqueues) as in the workers."""
    name = request.param
    settings.TASKS_BROKER = name
    if name == "rq":
        settings.RQ_QUEUES = {q: {"URL": redis_url} for q in settings.TASK_QUEUES}
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": settings.TASK_QUEUES}
        }
        import django_rq

        django_rq.get_connection("light").flushdb()
    else:
        settings.TASKS = {
            "default": {
                "BACKEND": "django_tasks_db.DatabaseBackend",
                "QUEUES": settings.TASK_QUEUES,
            }
        }
    return name


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _worker(broker: str, redis_url: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "NEWSNOTES_TASKS": broker,
        "NEWSNOTES_REDIS_URL": redis_url,
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "-v", "0", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    try:
        _, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"the worker did not finish: {err.decode()[-2000:]}") from None
    assert process.returncode == 0, err.decode()[-2000:]


def _articles(team, count: int) -> list[int]:
    # The seed article's first paragraphs: names, places and reported speech, parsed quickly.
    text = SEED_ARTICLE.read_text(encoding="utf-8")[:1200]
    return [
        make_article(team=team, title=f"Copy {n}", text=f"{text}\n\nCopy number {n}.").pk
        for n in range(count)
    ]


def _duplicate_mentions() -> int:
    return (
        Mention.objects.values("article_id", "start", "end")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


def test_analysis_goes_to_the_nlp_queue_and_the_rest_to_the_light_one():
    assert job_queue(Job.Kind.ANALYZE) == "nlp"
    assert job_queue(Job.Kind.IMPORT_URL) == "light"


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_run_each_job_once(broker, redis_url, team_a, alice):
    ids = _articles(team_a, 6)
    jobs = [articles_queue_analysis(team=team_a, article_ids=[pk], actor=alice) for pk in ids]
    workers = [
        _worker(broker, redis_url, "--burst", "--no-periodic", "--name", f"w{n}-{os.getpid()}")
        for n in (1, 2)
    ]
    for worker in workers:
        _wait(worker)

    finished = Job.objects.filter(pk__in=[job.pk for job in jobs if job])
    assert sorted(finished.values_list("status", "attempts")) == [(Job.Status.SUCCEEDED, 1)] * 6
    assert set(Article.objects.filter(pk__in=ids).values_list("nlp_status", flat=True)) == {
        Article.NlpStatus.DONE
    }
    assert Mention.objects.filter(article_id__in=ids).exists()
    assert _duplicate_mentions() == 0
    if broker == "rq":
        import django_rq
        from rq.registry import FailedJobRegistry, FinishedJobRegistry

        queue = django_rq.get_queue("nlp")
        assert FinishedJobRegistry(queue=queue).count == 6
        assert FailedJobRegistry(queue=queue).count == 0


@pytest.mark.parametrize("broker", BROKERS, indirect=True)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    broker, redis_url, team_a, alice
):
    ids = _articles(team_a, 128)  # four batches of 32
    job = articles_queue_analysis(team=team_a, article_ids=ids, actor=alice)
    assert job is not None
    first = _worker(broker, redis_url, "--no-periodic", "--name", f"first-{os.getpid()}")
    deadline = time.monotonic() + 120
    while True:  # kill it once a batch is written and before the last one
        job.refresh_from_db()
        if 0 < job.done < job.total:
            break
        assert job.status != Job.Status.SUCCEEDED, "the job finished before it could be killed"
        assert first.poll() is None, "the worker stopped"
        assert time.monotonic() < deadline, "the job did not start"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    half_done = Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE).count()
    assert 0 < half_done < len(ids)

    # A second worker's sweeper takes the silent job for dead and re-queues it; it finishes it.
    second = _worker(
        broker,
        redis_url,
        "--periodic-every",
        "0.5",
        "--name",
        f"second-{os.getpid()}",
        NEWSNOTES_JOB_TIMEOUT="2",
    )
    try:
        deadline = time.monotonic() + 180
        while job.status != Job.Status.SUCCEEDED:
            assert job.status != Job.Status.FAILED, job.message
            assert second.poll() is None, second.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the re-queued job did not finish"
            time.sleep(0.2)
            job.refresh_from_db()
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert job.attempts == 2
    assert job.result["articles"] == len(ids) - half_done  # the rest, not all again
    assert set(Article.objects.filter(pk__in=ids).values_list("nlp_status", flat=True)) == {
        Article.NlpStatus.DONE
    }
    assert _duplicate_mentions() == 0


@pytest.mark.parametrize("broker", ["rq"], indirect=True)
@pytest.mark.django_db(transaction=True)
def test_a_worker_serves_the_light_queue_before_the_nlp_queue(broker, redis_url, team_a, alice):
    import django_rq
    from django_tasks_rq.backend import Job as TaskJob

    from annotations.tasks import send_email

    ids = _articles(team_a, 2)
    articles_queue_analysis(team=team_a, article_ids=ids, actor=alice)  # queued first
    mail = send_email.enqueue(subject="s", body="b", from_email=None, to=["a@example.org"])
    _wait(_worker(broker, redis_url, "--burst", "--no-periodic"))

    connection_ = django_rq.get_connection("light")
    sent = TaskJob.fetch(mail.id, connection=connection_)
    analysis = Job.objects.get(kind=Job.Kind.ANALYZE)
    assert analysis.status == Job.Status.SUCCEEDED
    assert sent.ended_at is not None
    assert analysis.started_at is not None
    assert sent.ended_at.timestamp() <= analysis.started_at.timestamp()
