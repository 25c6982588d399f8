"""Background tasks: ids in, one service call."""

from __future__ import annotations

from typing import Any

from django.tasks import task


# Jobs go to the queue of their kind (services/jobs.py: ``job_queue``), given at enqueue time.
@task(queue_name="light")
def run_job(*, job_id: int) -> dict[str, Any]:
    from annotations.services.jobs import job_run

    return job_run(job_id=job_id)


@task(queue_name="light")
def send_email(
    *, subject: str, body: str, from_email: str | None, to: list[str], html: str | None = None
) -> None:
    """An e-mail composed by a request, sent by the worker (password resets: the answer must
    not wait for, or time, the mail server)."""
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
