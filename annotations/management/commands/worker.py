"""`manage.py worker`: django-tasks-db's db_worker, plus the job sweeper.

The sweeper runs once at start (rescuing jobs a dead worker left "running") and then every
``--sweep-every`` seconds in a background thread.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from annotations.services.jobs import jobs_sweep

logger = logging.getLogger(__name__)


def _sweep() -> None:
    try:
        jobs_sweep()
    except Exception:
        logger.exception("job sweep failed")
    finally:
        close_old_connections()


class Command(DbWorkerCommand):
    help = "Run background jobs (django-tasks-db worker) and sweep jobs whose worker died."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep-every", type=float, default=60.0, help="seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        every = options.pop("sweep_every")
        _sweep()
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                _sweep()

        threading.Thread(target=loop, name="job-sweeper", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
