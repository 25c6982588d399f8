"""Leases of the periodic work (``annotations/periodic.py``, run by ``services/periodic.py``)."""

from __future__ import annotations

from django.db import models


class PeriodicLease(models.Model):
    """One row per periodic entry: when it is next due, and who fired it last.

    A worker fires an entry by moving ``next_run_at`` forward with one conditional UPDATE
    (``WHERE next_run_at <= now``); only one of any number of workers can win that row."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_worker = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} next {self.next_run_at:%Y-%m-%d %H:%M:%S}"
