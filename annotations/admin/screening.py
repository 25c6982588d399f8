"""Batch screenings, read-only: they are written by services/screening.py and its job."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import Screening, ScreeningResult


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "name_count", "team", "created_by", "created_at"]
    list_filter = ["team"]
    search_fields = ["title"]
    list_select_related = ["team", "created_by"]
    exclude = ["names"]  # up to 5,000 names: the API and the page show them with their results


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin):
    list_display = ["screening", "position", "name", "match_kind", "score", "entity_name"]
    list_filter = ["match_kind"]
    search_fields = ["name", "entity_name"]
    list_select_related = ["screening"]
    raw_id_fields = ["entity"]
