"""Page notes, their versions and reading marks: read-only (their rules live in
``services/notes.py`` and ``services/reads.py``)."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import ArticleNote, ArticleNoteVersion, ArticleRead


@admin.register(ArticleNote)
class ArticleNoteAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "article", "author", "visibility", "version", "deleted_at"]
    list_filter = ["visibility"]
    search_fields = ["text"]
    list_select_related = ["article", "author"]


@admin.register(ArticleNoteVersion)
class ArticleNoteVersionAdmin(ReadOnlyAdmin):
    list_display = ["note", "number", "action", "actor", "created_at"]
    list_filter = ["action"]
    list_select_related = ["note", "actor"]


@admin.register(ArticleRead)
class ArticleReadAdmin(ReadOnlyAdmin):
    list_display = ["article", "user", "first_read_at", "last_read_at"]
    list_select_related = ["article", "user"]
