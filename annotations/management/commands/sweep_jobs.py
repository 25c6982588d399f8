"""`manage.py sweep_jobs`: re-queue jobs whose worker died; fail those out of retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from annotations.services.jobs import JOB_TIMEOUT, jobs_sweep


class Command(BaseCommand):
    help = "Re-queue background jobs whose heartbeat stopped (their worker died)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=int,
            default=int(JOB_TIMEOUT.total_seconds()),
            help="seconds without a heartbeat after which a running job is taken for dead",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = jobs_sweep(timeout=timedelta(seconds=options["timeout"]))
        self.stdout.write(f"re-queued {len(report.requeued)}, failed {len(report.failed)}")
