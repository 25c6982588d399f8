"""The search index, read-only: its rows are written by services/search_index.py, and
`manage.py search_reindex` rebuilds them."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import SearchEntry


@admin.register(SearchEntry)
class SearchEntryAdmin(ReadOnlyAdmin):
    list_display = ["kind", "object_id", "title", "config", "indexed_at", "team"]
    list_filter = ["kind", "config", "team"]
    search_fields = ["title"]
    list_select_related = ["team"]
    exclude = ["vector"]  # a PostgreSQL tsvector: nothing a person reads
