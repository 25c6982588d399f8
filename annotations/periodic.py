"""The periodic work of the task workers, as data: what runs, and how often.

Each entry names a service function that takes no arguments and is safe to run at any time
(it finds its own due work). The runner (``services/periodic.py``) fires each entry once per
period across any number of workers, with a lease row per entry in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class Periodic:
    name: str  # stable: the lease row's key
    every: timedelta
    function: str  # dotted path of a no-argument service function


PERIODIC: list[Periodic] = [
    # Every minute, or more often when jobs are taken for dead sooner (NEWSNOTES_JOB_TIMEOUT).
    Periodic(
        "jobs.sweep",
        timedelta(seconds=min(60, settings.JOB_TIMEOUT_SECONDS / 2)),
        "annotations.services.jobs.jobs_sweep",
    ),
    # Silent edits: queue the due re-fetches of articles imported from a URL.
    Periodic(
        "refetches.enqueue",
        timedelta(minutes=5),
        "annotations.services.refetches.refetches_enqueue",
    ),
    Periodic("feeds.poll", timedelta(minutes=1), "annotations.services.feeds.feeds_poll_due"),
    Periodic(
        "watchlists.digest",
        timedelta(days=1),
        "annotations.services.watchlist_digests.watchlists_send_digests",
    ),
    Periodic(
        "summaries.dashboards",
        timedelta(minutes=1),
        "annotations.services.summaries.dashboard_snapshots_refresh",
    ),
]
