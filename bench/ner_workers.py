"""NER ingest throughput with one and with two task workers on the Redis broker (issue #20).

    .venv/bin/python bench/ner_workers.py [--articles 400] [--job-size 25] \
        [--database-url postgres://postgres@127.0.0.1:5432/nn_nerworkers]

Fills a fresh team with ``--articles`` copies of the example article (each made distinct),
queues their analysis as jobs of ``--job-size`` articles on the "nlp" queue, and runs the real
worker (`manage.py worker --burst`, NEWSNOTES_TASKS=rq, a private redis-server) once with one
process and once with two, from the same pending state. Prints each run's wall time, articles
per second (from the first job's start to the last job's end, so each worker's model loading
counts), the ratio of two workers to one, and the load average. Target: 2 workers >= 1.6 x one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fill(count: int) -> list[int]:
    from django.contrib.auth import get_user_model

    from annotations.models import Article, Team
    from annotations.services.articles import article_create
    from annotations.services.teams import team_create

    text = (ROOT / "tests" / "data" / "example-article.txt").read_text(encoding="utf-8")
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    team = Team.objects.filter(slug="ner-workers").first() or team_create(
        name="NER workers", slug="ner-workers", owner=owner
    )
    have = list(Article.objects.filter(team=team).order_by("pk").values_list("pk", flat=True))
    for n in range(len(have), count):
        have.append(
            article_create(team=team, title=f"Copy {n}", text=f"{text}\n\nCopy number {n}.").pk
        )
    return have[:count]


def _reset(ids: list[int]) -> None:
    from annotations.models import Article, Job, Mention

    Mention.objects.filter(article_id__in=ids).exclude(origin=Mention.Origin.ANALYST).delete()
    Article.objects.filter(pk__in=ids).update(nlp_status=Article.NlpStatus.PENDING, nlp_revision=0)
    Job.objects.filter(team__slug="ner-workers").delete()


def _run(ids: list[int], *, workers: int, job_size: int, redis_url: str) -> tuple[float, float]:
    from annotations.models import Job, Team
    from annotations.services.jobs import articles_queue_analysis

    _reset(ids)
    team = Team.objects.get(slug="ner-workers")
    for offset in range(0, len(ids), job_size):
        articles_queue_analysis(team=team, article_ids=ids[offset : offset + job_size], actor=None)
    env = {**os.environ, "NEWSNOTES_TASKS": "rq", "NEWSNOTES_REDIS_URL": redis_url}
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--burst",
                "--no-periodic",
                "-v",
                "0",
                "--queue",
                "nlp",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.wait() == 0
    wall = time.monotonic() - started
    jobs = list(Job.objects.filter(team=team).values_list("status", "started_at", "finished_at"))
    assert all(status == Job.Status.SUCCEEDED for status, _, _ in jobs), jobs
    span = (max(f for _, _, f in jobs) - min(s for _, s, _ in jobs)).total_seconds()
    return wall, span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--job-size", type=int, default=25)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/nn_nerworkers"
    )
    args = parser.parse_args()
    if args.database_url.startswith("postgres"):
        import psycopg

        name = args.database_url.rsplit("/", 1)[1]
        with psycopg.connect(
            args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True
        ) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    from tests.redis_server import redis_server

    rates = {}
    with redis_server() as redis_url:
        # This process enqueues on the private Redis, as a web process would.
        os.environ.update(NEWSNOTES_TASKS="rq", NEWSNOTES_REDIS_URL=redis_url)
        _setup(args.database_url)
        ids = _fill(args.articles)
        print(f"{len(ids)} articles, jobs of {args.job_size}, load average {os.getloadavg()}")
        for workers in (1, 2):
            wall, span = _run(ids, workers=workers, job_size=args.job_size, redis_url=redis_url)
            rates[workers] = len(ids) / span
            print(
                f"{workers} worker(s): wall {wall:.1f} s, jobs {span:.1f} s, "
                f"{rates[workers]:.1f} articles/s"
            )
    print(f"ratio 2 workers / 1: {rates[2] / rates[1]:.2f} (target >= 1.6)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
