"""Feeds, their items, the archive's records and the periodic leases: read-only (their rules
live in ``services/feeds.py``, ``services/archive.py`` and ``services/periodic.py``)."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import ArchiveRecord, Feed, FeedItem, PeriodicLease


@admin.register(Feed)
class FeedAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "status", "paused", "last_poll_at", "next_poll_at"]
    list_filter = ["status", "paused"]
    search_fields = ["url", "title"]
    list_select_related = ["team"]


@admin.register(FeedItem)
class FeedItemAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "feed", "article", "duplicate", "error", "created_at"]
    list_filter = ["duplicate"]
    list_select_related = ["feed", "article"]


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdmin):
    list_display = ["final_url", "team", "article", "fetched_at", "sha256", "size", "truncated"]
    search_fields = ["url", "final_url", "sha256"]
    list_select_related = ["team", "article"]


@admin.register(PeriodicLease)
class PeriodicLeaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "next_run_at", "last_run_at", "last_worker"]
