"""Admin pages. Article text edits go through the service layer, so annotations re-anchor;
annotations, mentions and reviews are shown read-only because their rules live in services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from annotations.models import (
    Annotation,
    AnnotationVersion,
    ApiToken,
    Article,
    ArticleRevision,
    ArticleSubmission,
    Entity,
    EntityKey,
    Event,
    IdempotencyKey,
    Job,
    Membership,
    Mention,
    Notification,
    Outlet,
    Reply,
    Review,
    Tag,
    Team,
)
from annotations.services.articles import article_create, article_update_text
from annotations.services.stamps import teams_touch_all
from annotations.services.teams import tags_create_defaults


class StampingAdmin(admin.ModelAdmin):
    """Admin writes bypass the services, so they cannot say which cached annotation lists
    they change: every save or delete retires them all (services/stamps.py)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        teams_touch_all()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        teams_touch_all()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        teams_touch_all()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        teams_touch_all()


class ReadOnlyAdmin(StampingAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(StampingAdmin):
    list_display = ["name", "slug", "member_count", "article_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                article_count=Count("articles", distinct=True),
            )
        )

    @admin.display(ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count  # type: ignore[attr-defined]

    @admin.display(ordering="article_count")
    def article_count(self, obj: Team) -> int:
        return obj.article_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            tags_create_defaults(team=obj)


@admin.register(Membership)
class MembershipAdmin(StampingAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(Outlet)
class OutletAdmin(StampingAdmin):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


class ArticleRevisionInline(admin.TabularInline):
    model = ArticleRevision
    fields = ["number", "created_by", "created_at", "note", "text_sha256"]
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
    list_filter = ["team", "outlet", "nlp_status", "language", "published_at"]
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
                imported_by=request.user,  # type: ignore[arg-type]
            )
            obj.pk = created.pk
            return
        if "text" in form.changed_data:
            article_update_text(
                article=obj,
                text=data["text"],
                actor=request.user,
                note="edited in admin",  # type: ignore[arg-type]
            )
        metadata = [f for f in form.changed_data if f not in {"text", "team"}]
        if metadata:
            Article.objects.filter(pk=obj.pk).update(**{f: data[f] for f in metadata})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Moving an article between teams would strand its annotations in the old one.
        return [*self.readonly_fields, "team"] if obj else list(self.readonly_fields)


@admin.register(Entity)
class EntityAdmin(StampingAdmin):
    list_display = ["name", "kind", "team", "wikidata_id", "gazetteer_id", "mention_count"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "wikidata_id", "gazetteer_id", "description"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return super().get_queryset(request).annotate(mention_count=Count("mentions"))

    @admin.display(ordering="mention_count")
    def mention_count(self, obj: Entity) -> int:
        return obj.mention_count  # type: ignore[attr-defined]


@admin.register(EntityKey)
class EntityKeyAdmin(ReadOnlyAdmin):
    list_display = ["key", "entity", "team"]
    search_fields = ["key", "entity__name"]
    list_filter = ["team"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["text", "entity", "label", "origin", "confidence", "rejected", "article"]
    list_filter = ["label", "origin", "rejected", "article__team"]
    search_fields = ["text", "entity__name"]
    list_select_related = ["entity", "article"]


@admin.register(Tag)
class TagAdmin(StampingAdmin):
    list_display = ["name", "slug", "kind", "colour", "team", "position"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


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
