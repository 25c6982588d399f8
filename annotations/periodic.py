"""The periodic work of the task workers, as data: what runs, and how often.

Each entry names a service function that takes no arguments and is safe to run at any time
(it finds its own due work). The runner (``services/periodic.py``) fires each entry once per
period across any number of workers, with a lease row per entry in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Periodic:
    name: str  # stable: the lease row's key
    every: timedelta
    function: str  # dotted path of a no-argument service function


PERIODIC: list[Periodic] = [
    Periodic("jobs.sweep", timedelta(minutes=1), "annotations.services.jobs.jobs_sweep"),
    Periodic(
        "summaries.dashboards",
        timedelta(minutes=1),
        "annotations.services.summaries.dashboard_snapshots_refresh",
    ),
]
