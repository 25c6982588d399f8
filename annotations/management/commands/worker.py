"""`manage.py worker`: run the background jobs on the configured broker, and the periodic work.

The broker is ``NEWSNOTES_TASKS`` (settings): the database (django-tasks-db's worker loop) by
default, or Redis (an RQ worker of django-tasks-rq). Either way the worker serves the queues
named by ``--queue`` (all of them by default, the light queue first). A background thread
ticks every ``--tick-every`` seconds (and once at start): it fires each entry of
``annotations/periodic.py`` that is due and that this worker wins, once per period across all
workers (``services/periodic.py``): the job sweeper, which re-queues jobs whose worker died,
feed polls, re-fetches. Any number of workers may run, on any number of machines.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from annotations.services.periodic import periodic_tick, worker_name

logger = logging.getLogger(__name__)


def _tick(worker: str) -> None:
    try:
        periodic_tick(worker=worker)
    except Exception:
        logger.exception("periodic tick failed")
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = "Run background jobs (database or Redis broker) and the periodic work."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue",
            action="append",
            choices=settings.TASK_QUEUES,
            help="a queue to serve (repeatable; default: all, the light queue first)",
        )
        parser.add_argument(
            "--tick-every",
            "--periodic-every",
            type=float,
            default=10.0,
            help="seconds between looks at the periodic work's leases (default 10)",
        )
        parser.add_argument(
            "--no-periodic", action="store_true", help="serve jobs only; no periodic work"
        )
        parser.add_argument(
            "--burst", action="store_true", help="run what is queued, then exit (for scripts)"
        )
        parser.add_argument("--name", default=None, help="the worker's name (default: random)")
        parser.add_argument(
            "--no-startup-delay",
            action="store_false",
            dest="startup_delay",
            help="database broker: start polling at once",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = options["queue"] or list(settings.TASK_QUEUES)
        if options["tick_every"] <= 0:
            raise CommandError("--tick-every must be a positive number of seconds.")
        stop = threading.Event()
        if not options["no_periodic"]:
            worker = options["name"] or worker_name()
            _tick(worker)
            every = options["tick_every"]

            def loop() -> None:
                while not stop.wait(every):
                    _tick(worker)

            threading.Thread(target=loop, name="periodic", daemon=True).start()
        try:
            if settings.TASKS_BROKER == "rq":
                self._work_rq(
                    queues,
                    burst=options["burst"],
                    name=options["name"],
                    quiet=options["verbosity"] == 0,
                )
            else:
                kwargs: dict[str, Any] = {
                    "queue_name": ",".join(queues),
                    "batch": options["burst"],
                    "reload": False,
                    "startup_delay": options["startup_delay"],
                    "verbosity": options["verbosity"],
                }
                if options["name"]:
                    kwargs["worker_id"] = options["name"]
                call_command("db_worker", **kwargs)
        finally:
            stop.set()

    def _work_rq(
        self, queue_names: list[str], *, burst: bool, name: str | None, quiet: bool
    ) -> None:
        import django_rq
        from django_tasks_rq.backend import Job as TaskJob
        from rq.worker import SimpleWorker

        # A SimpleWorker runs each job in this process, as the database worker does: the NLP
        # models stay loaded across jobs (a forking worker would load them once per job).
        queues = [django_rq.get_queue(q, job_class=TaskJob) for q in queue_names]
        worker = SimpleWorker(queues, connection=queues[0].connection, job_class=TaskJob, name=name)
        worker.work(burst=burst, logging_level="WARNING" if quiet else "INFO")
