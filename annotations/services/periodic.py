"""The runner of the workers' periodic work (``annotations/periodic.py``).

Each entry has a lease row (``PeriodicLease``). A worker fires an entry by moving the row's
``next_run_at`` from the past to ``now + every`` with ONE conditional UPDATE; the database
lets exactly one UPDATE match the row, so however many workers tick at once, each entry fires
once per period. The winner runs the entry's function at once, in its own thread (each
function is short: it finds its due work and enqueues jobs for it, or sweeps). A worker that
dies while running an entry loses nothing: the entry fires again next period, and the work
it enqueued is in ``Job`` rows that the job sweeper rescues.

Why a lease row rather than a scheduler library (APScheduler, Celery beat, django-q's
schedule): see docs/architecture.md, "Periodic work".
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.module_loading import import_string

from annotations.models import PeriodicLease
from annotations.periodic import PERIODIC, Periodic

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """Who fired an entry, for the lease row: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def periodic_claim(*, entry: Periodic, worker: str, now: datetime | None = None) -> bool:
    """Take the entry's lease for this period; True for the one worker that wins it.

    A new entry's row is created due (``bulk_create(ignore_conflicts=True)``: two workers
    creating it at once both succeed, and then race on the UPDATE like any other period)."""
    now = now or timezone.now()
    PeriodicLease.objects.bulk_create(
        [PeriodicLease(name=entry.name, next_run_at=now)], ignore_conflicts=True
    )
    won = PeriodicLease.objects.filter(name=entry.name, next_run_at__lte=now).update(
        next_run_at=now + entry.every, last_run_at=now, last_worker=worker
    )
    return won == 1


@dataclass
class TickReport:
    fired: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def periodic_tick(
    *,
    worker: str | None = None,
    now: datetime | None = None,
    entries: Iterable[Periodic] = PERIODIC,
) -> TickReport:
    """Fire every due entry that this worker wins, and run it. An entry that raises is logged
    and reported; the others still run. Called every few seconds by ``manage.py worker``."""
    worker = worker or worker_name()
    report = TickReport()
    for entry in entries:
        if not periodic_claim(entry=entry, worker=worker, now=now):
            continue
        report.fired.append(entry.name)
        try:
            import_string(entry.function)()
        except Exception:
            logger.exception("periodic.failed name=%s", entry.name)
            report.failed.append(entry.name)
    return report
