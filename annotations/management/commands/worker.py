"""`manage.py worker`: django-tasks-db's db_worker, plus the periodic work.

A background thread ticks every ``--tick-every`` seconds (and once at start): it fires each
entry of ``annotations/periodic.py`` that is due and that this worker wins, once per period
across all workers (``services/periodic.py``). The job sweeper, which rescues jobs that a dead
worker left "running", is one of those entries ("jobs.sweep"); feed polling is another.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from annotations.services.periodic import periodic_tick, worker_name

logger = logging.getLogger(__name__)


def _tick(worker: str) -> None:
    try:
        periodic_tick(worker=worker)
    except Exception:
        logger.exception("periodic tick failed")
    finally:
        close_old_connections()


class Command(DbWorkerCommand):
    help = "Run background jobs (django-tasks-db worker) and the periodic work (sweeper, feeds)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--tick-every",
            type=float,
            default=10.0,
            help="seconds between looks at the periodic work's leases",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options.pop("tick_every")
        worker = worker_name()
        _tick(worker)
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                _tick(worker)

        threading.Thread(target=loop, name="periodic", daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
