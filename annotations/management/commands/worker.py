"""`manage.py worker`: run the background jobs on the configured broker, and the periodic work.

The broker is ``NEWSNOTES_TASKS`` (settings): the database (django-tasks-db's worker loop) by
default, or Redis (an RQ worker of django-tasks-rq). Either way the worker serves the queues
named by ``--queue`` (all of them by default, the light queue first) and, in a background
thread, runs the periodic work every ``--periodic-every`` seconds (the job sweeper, which
re-queues jobs whose worker died). Any number of workers may run, on any number of machines.
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

from annotations.services.jobs import jobs_sweep

logger = logging.getLogger(__name__)


def _periodic() -> None:
    try:
        jobs_sweep()
    except Exception:
        logger.exception("periodic work failed")
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
            "--periodic-every",
            "--sweep-every",
            type=float,
            default=60.0,
            help="seconds between runs of the periodic work (default 60)",
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
        if options["periodic_every"] <= 0:
            raise CommandError("--periodic-every must be a positive number of seconds.")
        stop = threading.Event()
        if not options["no_periodic"]:
            _periodic()
            every = options["periodic_every"]

            def loop() -> None:
                while not stop.wait(every):
                    _periodic()

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
