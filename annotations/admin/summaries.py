"""The dashboard snapshots, read-only: services/summaries.py writes them, the periodic refresh
keeps them current."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import DashboardSnapshot


@admin.register(DashboardSnapshot)
class DashboardSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["team", "user", "computed_at", "last_event_id", "seconds"]
    list_filter = ["team"]
    list_select_related = ["team", "user"]
    exclude = ["data"]  # one viewer's dashboard: not for other eyes
