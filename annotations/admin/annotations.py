"""Tags (through their services); annotations, their discussion, history, jobs and events,
read-only; users."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from annotations.admin.base import (
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceForm,
    StampingAdmin,
    refusals,
    staff,
)
from annotations.models import (
    Annotation,
    AnnotationVersion,
    ApiToken,
    ArticleRevision,
    ArticleSubmission,
    Event,
    IdempotencyKey,
    Job,
    Notification,
    Reply,
    Review,
    Tag,
)
from annotations.services import teams


class TagForm(ServiceForm):
    def validate(self) -> None:
        teams.tag_validate(
            team=self.value("team"),
            name=self.value("name"),
            slug=self.value("slug"),
            colour=self.value("colour"),
            kind=self.value("kind"),
            tag=self.stored,
        )


@admin.register(Tag)
class TagAdmin(ServiceAdmin):
    form = TagForm
    list_display = ["name", "slug", "kind", "colour", "team", "position"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The annotations that carry it are in its team.
        return ["team"] if obj else []

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Tag:
        return teams.tag_create(actor=staff(request), **data)

    def update(self, request: HttpRequest, obj: Tag, changes: dict[str, Any]) -> Tag:
        return teams.tag_update(tag=obj, actor=staff(request), **changes)

    def delete(self, request: HttpRequest, obj: Tag) -> None:
        teams.tag_delete(tag=obj, actor=staff(request))

    def refuse_delete(self, objs: list[Tag]) -> list[str]:
        return refusals(lambda tag: teams.tag_validate_delete(tag=tag), objs)


class ReplyInline(admin.TabularInline):
    model = Reply
    fields = ["author", "text", "parent", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewInline(admin.TabularInline):
    model = Review
    fields = ["reviewer", "verdict", "note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "article",
        "author",
        "assessment",
        "review_state",
        "anchor_state",
        "origin",
        "visibility",
        "modified_at",
    ]
    list_filter = [
        "assessment",
        "review_state",
        "anchor_state",
        "origin",
        "suggestion_state",
        "visibility",
        "team",
        "tags",
    ]
    search_fields = ["exact", "comment"]
    list_select_related = ["article", "author"]
    inlines = [ReplyInline, ReviewInline]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "annotation", "author", "created_at"]
    search_fields = ["text"]
    list_select_related = ["annotation", "author"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["annotation", "reviewer", "verdict", "created_at"]
    list_filter = ["verdict"]
    list_select_related = ["annotation", "reviewer"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "team",
        "done",
        "total",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "team"]
    search_fields = ["message"]


@admin.register(AnnotationVersion)
class AnnotationVersionAdmin(ReadOnlyAdmin):
    list_display = ["annotation", "number", "action", "actor", "created_at"]
    list_filter = ["action"]
    search_fields = ["note", "annotation__exact"]
    list_select_related = ["annotation", "actor"]


@admin.register(ArticleSubmission)
class ArticleSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["article", "user", "submitted_at"]
    list_select_related = ["article", "user"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "actor", "annotation", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "actor", "annotation"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "team", "article", "annotation", "actor", "created_at"]
    list_filter = ["kind", "team"]
    search_fields = ["summary"]
    list_select_related = ["team", "article", "annotation", "actor"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "status_code", "created_at"]
    search_fields = ["key"]
    list_select_related = ["user"]


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(ReadOnlyAdmin):
    list_display = ["article", "number", "created_by", "created_at", "note"]
    search_fields = ["article__title", "note"]
    list_select_related = ["article", "created_by"]


class StampingUserAdmin(StampingAdmin, UserAdmin):
    """Django's user admin; a user's name shows on their annotations."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StampingUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Users' API tokens, to see and revoke (delete); keys are not stored, so none is shown,
    and tokens are created by their users only."""

    list_display = ["name", "user", "hint", "created_at", "expires_at", "last_used_at"]
    list_filter = ["expires_at"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["user", "name", "digest", "hint", "created_at", "expires_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
