"""Background tasks: ids in, one service call."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task()
def run_job(*, job_id: int) -> dict[str, Any]:
    from annotations.services.jobs import job_run

    return job_run(job_id=job_id)
