from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotations.models import Article, Job, Mention
from annotations.services import analysis
from annotations.services.jobs import job_enqueue, job_run, jobs_sweep
from tests.factories import make_article


def _stale_running_job(team, *, attempts: int, article_ids=()) -> Job:
    return Job.objects.create(
        team=team,
        kind=Job.Kind.ANALYZE,
        params={"article_ids": list(article_ids)},
        status=Job.Status.RUNNING,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )


def test_sweeper_requeues_a_job_whose_worker_died_and_the_job_then_finishes(
    team_a, django_capture_on_commit_callbacks
):
    article = make_article(team=team_a, text="Kirby said the troops moved to Kursk.")
    job = _stale_running_job(team_a, attempts=1, article_ids=[article.pk])
    with django_capture_on_commit_callbacks(execute=True):
        report = jobs_sweep()
    assert report.requeued == [job.pk]
    job.refresh_from_db()
    # The immediate backend ran the re-queued task at once.
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2
    assert (job.done, job.total) == (1, 1)
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.DONE


def test_sweeper_fails_a_job_out_of_retries_with_the_reason(team_a):
    job = _stale_running_job(team_a, attempts=3)
    report = jobs_sweep()
    assert report.failed == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped responding" in job.message


def test_sweeper_leaves_live_jobs_alone(team_a):
    job = _stale_running_job(team_a, attempts=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert jobs_sweep() == type(jobs_sweep())(requeued=[], failed=[])
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_sweep_jobs_command(team_a):
    _stale_running_job(team_a, attempts=3)
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "failed 1" in out.getvalue()


def test_finished_job_is_not_run_twice(team_a):
    job = Job.objects.create(team=team_a, kind=Job.Kind.ANALYZE, status=Job.Status.SUCCEEDED)
    assert job_run(job_id=job.pk) == {"skipped": True}


def test_job_killed_half_way_finishes_on_rerun_without_duplicate_mentions(
    team_a, seed_text, monkeypatch
):
    articles = [
        make_article(team=team_a, text=f"Dispatch {n}.\n{seed_text}", title=f"A{n}")
        for n in range(5)
    ]
    ids = [a.pk for a in articles]
    real = analysis.analyze_many
    calls = {"n": 0}

    def dies_on_second_batch(texts, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # what a SIGTERM'd worker looks like mid-batch
        return real(texts, **kwargs)

    monkeypatch.setattr(analysis, "analyze_many", dies_on_second_batch)
    job = Job.objects.create(team=team_a, kind=Job.Kind.ANALYZE, params={"article_ids": ids})
    with pytest.raises(SystemExit):
        analysis.articles_analyze(article_ids=ids, batch_size=2)
    done_first = Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE).count()
    assert done_first == 2
    mentions_first = Mention.objects.filter(article_id__in=ids).count()
    assert mentions_first > 0

    monkeypatch.setattr(analysis, "analyze_many", real)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["skipped"] == 2
    assert Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE).count() == 5
    per_article = {pk: Mention.objects.filter(article_id=pk).count() for pk in ids}
    # Identical texts (but for the first line) give identical mention counts: nothing doubled.
    assert len(set(per_article.values())) == 1
    # And running everything again changes nothing.
    before = sorted(
        Mention.objects.filter(article_id__in=ids).values_list("article_id", "start", "end")
    )
    Article.objects.filter(pk__in=ids).update(nlp_status=Article.NlpStatus.PENDING)
    analysis.articles_analyze(article_ids=ids)
    after = sorted(
        Mention.objects.filter(article_id__in=ids).values_list("article_id", "start", "end")
    )
    assert before == after


def test_import_queues_an_analysis_job_that_records_progress(
    team_a, alice, django_capture_on_commit_callbacks
):
    from annotations.services.imports import import_text

    with django_capture_on_commit_callbacks(execute=True):
        article, _ = import_text(
            team=team_a, user=alice, text="Putin said images reflect something."
        )
    job = Job.objects.get(team=team_a)
    assert job.kind == Job.Kind.ANALYZE
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (1, 1)
    assert job.created_by == alice
    assert job.task_id
    assert Mention.objects.filter(article=article, text="Putin").exists()


def test_enqueue_inside_a_rolled_back_transaction_runs_nothing(
    team_a, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                job_enqueue(
                    team=team_a, kind=Job.Kind.ANALYZE, params={"article_ids": []}, created_by=None
                )
                raise RuntimeError("request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Job.objects.exists()
