"""Background jobs: enqueue, progress, and the sweeper that rescues jobs whose worker died.

A job row is created with the task enqueued on commit, so a rolled-back request leaves no
orphan task. The task calls ``job_run``, which dispatches on the job's kind.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations.lib.plural import counted
from annotations.models import Article, Job, Team
from annotations.services.teams import IMPORT_ROLES, require_role

logger = logging.getLogger(__name__)

# A running job whose heartbeat is older than this is taken for dead (NEWSNOTES_JOB_TIMEOUT).
JOB_TIMEOUT = timedelta(seconds=settings.JOB_TIMEOUT_SECONDS)

# Kinds whose jobs run for long on the CPU go to the "nlp" queue; the rest to "light", which a
# worker serves first (settings.TASK_QUEUES), so a long import never delays a notification.
HEAVY_KINDS = frozenset({Job.Kind.ANALYZE})
# On the database broker a worker takes the highest priority first: the light queue's.
_LIGHT_PRIORITY = 10


def job_queue(kind: str) -> str:
    return "nlp" if kind in HEAVY_KINDS else "light"


def job_enqueue(
    *,
    team: Team,
    kind: str,
    params: dict[str, Any],
    created_by: User | None,
    total: int = 0,
) -> Job:
    job = Job.objects.create(
        team=team, kind=kind, params=params, created_by=created_by, total=total
    )
    transaction.on_commit(lambda: _enqueue_task(job.pk))
    return job


def _enqueue_task(job_id: int) -> None:
    from annotations.tasks import run_job

    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    if kind is None:
        return  # deleted with its team before the commit hook ran
    queue = job_queue(kind)
    # RQ orders by queue (a worker's queue list); the database broker by priority.
    light_first = queue == "light" and run_job.get_backend().supports_priority
    task = run_job.using(queue_name=queue, priority=_LIGHT_PRIORITY if light_first else 0)
    result = task.enqueue(job_id=job_id)
    # The immediate backend has already run the job (and saved its status) by now.
    Job.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def job_claim(*, job_id: int) -> Job | None:
    """Mark the job running, or None if it is finished or another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in {Job.Status.SUCCEEDED, Job.Status.FAILED}:
            return None
        if (
            job.status == Job.Status.RUNNING
            and job.heartbeat_at
            and now - job.heartbeat_at < JOB_TIMEOUT
        ):
            return None
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
    return job


def job_progress(*, job: Job, done: int, total: int | None = None, message: str = "") -> None:
    job.done = done
    if total is not None:
        job.total = total
    job.total = max(job.total, job.done)
    job.heartbeat_at = timezone.now()
    fields = ["done", "total", "heartbeat_at"]
    if message:
        job.message = message[:500]
        fields.append("message")
    job.save(update_fields=fields)


def job_finish(*, job: Job, result: dict[str, Any], message: str = "") -> None:
    job.status = Job.Status.SUCCEEDED
    job.result = result
    job.message = message[:500]
    job.finished_at = job.heartbeat_at = timezone.now()
    job.done = job.total = max(job.total, job.done)
    job.save(
        update_fields=[
            "status",
            "result",
            "message",
            "finished_at",
            "heartbeat_at",
            "done",
            "total",
        ]
    )


def job_fail(*, job: Job, message: str) -> None:
    job.status = Job.Status.FAILED
    job.message = message[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])


def job_run(*, job_id: int) -> dict[str, Any]:
    """Run a job to completion. Called by the task; safe to call again after a crash."""
    job = job_claim(job_id=job_id)
    if job is None:
        return {"skipped": True}
    try:
        result = _RUNNERS[job.kind](job)
    except Exception as exc:
        logger.exception("job.failed id=%s", job.pk)
        if job.attempts >= job.max_attempts:
            job_fail(job=job, message=f"Failed after {counted(job.attempts, 'attempt')}: {exc}")
        else:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.QUEUED, message=f"Attempt {job.attempts} failed: {exc}"[:500]
            )
            transaction.on_commit(lambda: _enqueue_task(job.pk))
        raise
    if job.status == Job.Status.FAILED:
        return result  # the runner failed it with a reason (bad input): nothing to finish
    job_finish(job=job, result=result, message=result.pop("message", ""))
    return result


def _run_analyze(job: Job) -> dict[str, Any]:
    from annotations.services.analysis import articles_analyze

    ids = [int(pk) for pk in job.params.get("article_ids", [])]
    report = articles_analyze(
        article_ids=ids,
        on_progress=lambda done, total: job_progress(job=job, done=done, total=total),
    )
    return {
        "articles": report.articles,
        "skipped": report.skipped,
        "mentions": report.mentions,
        "suggestions": report.suggestions,
        "message": f"{counted(report.articles, 'article')} analysed, "
        f"{counted(report.mentions, 'mention')}, {counted(report.suggestions, 'suggestion')}",
    }


def _run_import_url(job: Job) -> dict[str, Any]:
    from django.core.exceptions import ValidationError

    from annotations.services.imports import import_url

    user = job.created_by
    job_progress(job=job, done=0, total=1, message="Fetching the page")
    try:
        article, created = import_url(team=job.team, user=user, url=job.params["url"])
    except ValidationError as exc:
        # Bad input is final: retrying will not make a private address public.
        job_fail(job=job, message="; ".join(exc.messages))
        return {"message": "; ".join(exc.messages)}
    return {
        "article_id": article.pk,
        "created": created,
        "message": "Imported" if created else "Already in the team",
    }


def _run_refetch(job: Job) -> dict[str, Any]:
    from annotations.services.refetches import refetch_run

    return refetch_run(job)


_RUNNERS: dict[str, Callable[[Job], dict[str, Any]]] = {
    Job.Kind.ANALYZE: _run_analyze,
    Job.Kind.IMPORT_URL: _run_import_url,
    Job.Kind.REFETCH: _run_refetch,  # silent edits (services/refetches.py)
}


@dataclass(frozen=True)
class SweepReport:
    requeued: list[int]
    failed: list[int]


def jobs_sweep(*, timeout: timedelta = JOB_TIMEOUT) -> SweepReport:
    """Re-queue running jobs whose heartbeat stopped, up to their attempt limit; fail the rest."""
    cutoff = timezone.now() - timeout
    stale = Q(status=Job.Status.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True)
    )
    requeued, failed = [], []
    with transaction.atomic():
        for job in Job.objects.select_for_update(skip_locked=True).filter(stale):
            if job.attempts >= job.max_attempts:
                job_fail(
                    job=job,
                    message=f"The worker stopped responding {counted(job.attempts, 'time')}; "
                    "giving up.",
                )
                failed.append(job.pk)
            else:
                job.status = Job.Status.QUEUED
                job.message = (
                    f"Re-queued after attempt {job.attempts}: the worker stopped responding."
                )
                job.save(update_fields=["status", "message"])
                requeued.append(job.pk)
                transaction.on_commit(functools.partial(_enqueue_task, job.pk))
    if requeued or failed:
        logger.warning("jobs.swept requeued=%s failed=%s", requeued, failed)
    return SweepReport(requeued=requeued, failed=failed)


@transaction.atomic
def articles_queue_analysis(
    *,
    team: Team,
    article_ids: list[int],
    actor: User | None,
    enqueue: bool = True,
) -> Job | None:
    """Mark a team's articles for (re-)analysis, and queue a job that a worker runs.

    ``actor`` is checked for a role that may analyse (None: a command run by an operator).
    With ``enqueue=False`` the articles are only marked pending, for a caller that runs
    ``articles_analyze`` itself. Analysts' corrections survive the re-analysis."""
    if actor is not None:
        require_role(user=actor, team=team, roles=IMPORT_ROLES, action="analyse articles")
    ids = list(Article.objects.filter(team=team, pk__in=article_ids).values_list("pk", flat=True))
    Article.objects.filter(pk__in=ids).update(nlp_status=Article.NlpStatus.PENDING)
    if not enqueue or not ids:
        return None
    return job_enqueue(
        team=team,
        kind=Job.Kind.ANALYZE,
        params={"article_ids": ids},
        created_by=actor,
        total=len(ids),
    )
