"""Articles: text edits go through the service, so annotations re-anchor."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from annotations.admin.base import (
    StampingAdmin,
    staff,
)
from annotations.models import (
    Article,
    ArticleRefetch,
    ArticleRevision,
)
from annotations.services.articles import article_create, article_update_text


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    fields = ["number", "title", "created_by", "created_at", "note", "text_sha256"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(StampingAdmin):
    list_display = [
        "title",
        "team",
        "outlet",
        "published_at",
        "revision",
        "nlp_status",
        "annotation_count",
        "created_at",
    ]
    list_filter = [
        "team",
        "outlet",
        "nlp_status",
        "language",
        "edited_after_import",
        "published_at",
    ]
    search_fields = ["title", "url", "text"]
    date_hierarchy = "published_at"
    readonly_fields = ["text_sha256", "revision", "nlp_status", "nlp_revision", "imported_by"]
    autocomplete_fields = ["outlet"]
    inlines = [ArticleRevisionInline]
    list_select_related = ["team", "outlet"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(annotation_count=Count("annotations"))

    @admin.display(ordering="annotation_count")
    def annotation_count(self, obj: Article) -> int:
        return obj.annotation_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = article_create(
                team=data["team"],
                text=data["text"],
                title=data["title"],
                url=data.get("url", ""),
                outlet=data.get("outlet"),
                authors=data.get("authors"),
                published_at=data.get("published_at"),
                language=data.get("language", "en"),
                imported_by=request.user,
            )
            obj.pk = created.pk
            return
        if "text" in form.changed_data:
            article_update_text(
                article=obj,
                text=data["text"],
                actor=staff(request),
                note="edited in admin",
            )
        metadata = [f for f in form.changed_data if f not in {"text", "team"}]
        if metadata:
            Article.objects.filter(pk=obj.pk).update(**{f: data[f] for f in metadata})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving an article between teams would strand its annotations in the old one.
        return [*self.readonly_fields, "team"] if obj else list(self.readonly_fields)


@admin.register(ArticleRefetch)
class ArticleRefetchAdmin(admin.ModelAdmin):
    """Silent edits: each URL import's re-fetch schedule and what the last check found
    (read-only: the periodic pass and its jobs write these rows)."""

    list_display = ["article", "step", "next_at", "last_result", "checks", "edits", "job"]
    list_filter = ["last_result"]
    list_select_related = ["article"]
    readonly_fields = [
        "article",
        "imported_at",
        "next_at",
        "step",
        "job",
        "page_sha256",
        "checks",
        "edits",
        "last_checked_at",
        "last_result",
        "last_error",
        "last_edited_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
