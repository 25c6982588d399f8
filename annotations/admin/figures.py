"""Figures, read-only: extraction writes them and analysts resolve them through the service."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import Figure


@admin.register(Figure)
class FigureAdmin(ReadOnlyAdmin):
    list_display = ["text", "kind", "low", "high", "bound", "subject", "flagged", "article"]
    list_filter = ["kind", "flagged", "bound", "team"]
    search_fields = ["text", "subject__name"]
    list_select_related = ["subject", "article"]
