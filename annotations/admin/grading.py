"""Admiralty grades of sources, read-only: every change is a history row written by
``services/grading.py``."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import SourceGrade


@admin.register(SourceGrade)
class SourceGradeAdmin(ReadOnlyAdmin):
    list_display = ["source_name", "reliability", "team", "created_by", "created_at", "expires_at"]
    list_filter = ["reliability", "team"]
    search_fields = ["entity__name", "outlet__name", "reason"]
    list_select_related = ["entity", "outlet", "team", "created_by"]
