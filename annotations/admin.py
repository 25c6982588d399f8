"""Admin pages.

Teams, memberships, outlets, entities and tags are saved and deleted through their services
(HackSoft's files/admin.py): each page's form validates through the service's validator, so
that a rule the service enforces shows as a form error, and a delete the service refuses shows
on the confirmation page as a protected object. Article text edits go through the service
layer too, so annotations re-anchor. Annotations, mentions, reviews, events, jobs ... are shown
read-only and cannot be deleted here, because their rules live in services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from annotations.models import (
    Annotation,
    AnnotationVersion,
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
from annotations.services import entities, outlets, teams
from annotations.services.articles import article_create, article_update_text
from annotations.services.stamps import teams_touch_all


class ParentAdmin(admin.ModelAdmin):
    """A page that deletes rows which take others with them (a team its articles, an article
    its revisions and events ...)."""

    def get_deleted_objects(
        self, objs: Iterable[Any], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # Django asks for the right to delete each row that goes too. Rows on read-only pages
        # (versions, events, mentions ...) are deleted only with their parent, which no page
        # could do if that right were asked for them.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {
            str(model._meta.verbose_name)
            for model, model_admin in self.admin_site._registry.items()
            if isinstance(model_admin, ReadOnlyAdmin)
        }
        return deleted, counts, {p for p in perms_needed if str(p) not in parts}, protected


class StampingAdmin(ParentAdmin):
    """For pages that still write models directly (articles' metadata, users): such writes
    cannot say which cached annotation lists they change, so every save or delete retires
    them all (services/stamps.py). Pages that write through services need none of this."""

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


class ReadOnlyAdmin(admin.ModelAdmin):
    """A page to look at rows whose writes belong to services: no adding, changing or
    deleting (which also takes away the "delete selected" action)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Pages that write through services ----------------------------------------------------


def staff(request: HttpRequest) -> User:
    """The staff member making the change: the actor the services check and record."""
    if not isinstance(request.user, User):  # the admin lets no one else in
        raise PermissionDenied
    return request.user


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on ``form``: by the field it names when the form has
    that field, above the form otherwise (a read-only field, or a rule about the whole)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's instance the row a service saved: the admin logs it, names it in its
    message and redirects to it, and an inline saves its rows against it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class ServiceForm(forms.ModelForm):
    """A model form that validates through the service that will save it."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:  # the service's rules need every value
            try:
                self.validate()
            except ValidationError as error:
                add_service_error(self, error)
        return cleaned or {}

    def value(self, field: str) -> Any:
        """The submitted value, or the stored one of a field the page shows read-only."""
        if field in self.cleaned_data:
            return self.cleaned_data[field]
        return getattr(self.instance, field)

    @property
    def stored(self) -> Any:
        """The row being changed, or None on an add page."""
        return self.instance if self.instance.pk is not None else None

    def validate(self) -> None:
        raise NotImplementedError


class ServiceAdmin(ParentAdmin):
    """Saves with ``create``/``update`` and deletes with ``delete``, each a service call;
    ``refuse_delete`` names what the services would refuse to delete."""

    def create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def update(self, request: HttpRequest, obj: Any, changes: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def refuse_delete(self, objs: list[Any]) -> list[str]:
        return []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            # The service reads the stored row: the form has already changed ``obj``.
            stored = self.model._default_manager.get(pk=obj.pk)
            data = form.cleaned_data
            changes = {f: data[f] for f in form.changed_data if f in data}
            adopt(obj, self.update(request, stored, changes))
        else:
            adopt(obj, self.create(request, form.cleaned_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():  # all or none
            for obj in queryset:
                self.delete(request, obj)

    def get_deleted_objects(
        self, objs: Iterable[Any], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # The delete page and the "delete selected" action both ask this; anything listed as
        # protected is shown, and the delete is not offered.
        objs = list(objs)
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*protected, *self.refuse_delete(objs)]


def refusals(check: Any, objs: Iterable[Any]) -> list[str]:
    """What ``check(obj)`` refuses, one line per object."""
    lines = []
    for obj in objs:
        try:
            check(obj)
        except ValidationError as error:
            lines += [f"{obj}: {message}" for message in error.messages]
    return lines


class MembershipForm(ServiceForm):
    def validate(self) -> None:
        team, user, role = self.value("team"), self.value("user"), self.value("role")
        teams.membership_validate(team=team, user=user, role=role, membership=self.stored)
        if self.stored is not None:
            teams.owners_validate(team=team, roles={user.pk: role})


class MembershipFormSet(BaseInlineFormSet):
    """A team's members, validated as one change: ownership may pass from one member to
    another in a single save (the new owner is saved first)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        team = self.instance
        stored = Membership.objects.in_bulk([f.instance.pk for f in self.forms if f.instance.pk])
        roles: dict[int, str | None] = {}
        for form in self.forms:
            row = stored.get(form.instance.pk)
            if self.can_delete and form.cleaned_data.get("DELETE"):
                if row is not None:
                    roles[row.user_id] = None
                continue
            if not form.has_changed():
                continue
            user, role = form.cleaned_data.get("user"), form.cleaned_data.get("role")
            if user is None:
                continue
            try:
                teams.membership_validate(team=team, user=user, role=role, membership=row)
            except ValidationError as error:
                add_service_error(form, error)
                continue
            roles[user.pk] = role
        try:
            teams.owners_validate(team=team, roles=roles)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]


class TeamForm(ServiceForm):
    def validate(self) -> None:
        teams.team_validate(name=self.value("name"), slug=self.value("slug"), team=self.stored)


@admin.register(Team)
class TeamAdmin(ServiceAdmin):
    form = TeamForm
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

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Team:
        # The members, owners included, come from the inline.
        return teams.team_create(name=data["name"], slug=data["slug"], owner=None)

    def update(self, request: HttpRequest, obj: Team, changes: dict[str, Any]) -> Team:
        return teams.team_update(team=obj, actor=staff(request), **changes)

    def delete(self, request: HttpRequest, obj: Team) -> None:
        teams.team_delete(team=obj, actor=staff(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        actor = staff(request)
        formset.save(commit=False)  # fills new_objects ... for the change message; saves nothing
        for new in formset.new_objects:
            created = teams.membership_create(
                team=form.instance, user=new.user, role=new.role, actor=actor
            )
            adopt(new, created)
        # New owners first, so that the team always has one.
        changed = sorted(
            formset.changed_objects, key=lambda pair: pair[0].role != Membership.Role.OWNER
        )
        for membership, _ in changed:
            teams.membership_update(membership=membership, role=membership.role, actor=actor)
        for membership in formset.deleted_objects:
            teams.membership_remove(membership=membership, actor=actor)


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    form = MembershipForm
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A membership is a user in a team: to move one, remove it and add another.
        return ["team", "user"] if obj else []

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Membership:
        return teams.membership_create(
            team=data["team"],
            user=data["user"],
            role=data["role"],
            actor=staff(request),
        )

    def update(self, request: HttpRequest, obj: Membership, changes: dict[str, Any]) -> Membership:
        return teams.membership_update(
            membership=obj,
            role=changes.get("role", obj.role),
            actor=staff(request),
        )

    def delete(self, request: HttpRequest, obj: Membership) -> None:
        teams.membership_remove(membership=obj, actor=staff(request))

    def refuse_delete(self, objs: list[Membership]) -> list[str]:
        try:
            teams.membership_validate_remove(memberships=objs)
        except ValidationError as error:
            return error.messages
        return []


class OutletForm(ServiceForm):
    def validate(self) -> None:
        outlets.outlet_validate(
            name=self.value("name"), domain=self.value("domain"), outlet=self.stored
        )


@admin.register(Outlet)
class OutletAdmin(ServiceAdmin):
    form = OutletForm
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Outlet:
        return outlets.outlet_create(name=data["name"], domain=data["domain"])

    def update(self, request: HttpRequest, obj: Outlet, changes: dict[str, Any]) -> Outlet:
        return outlets.outlet_update(outlet=obj, **changes)

    def delete(self, request: HttpRequest, obj: Outlet) -> None:
        outlets.outlet_delete(outlet=obj)


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


class EntityForm(ServiceForm):
    def validate(self) -> None:
        entities.entity_validate(
            team=self.value("team"),
            name=self.value("name"),
            kind=self.value("kind"),
            description=self.value("description"),
            wikidata_id=self.value("wikidata_id"),
            aliases=self.value("aliases") or [],
            entity=self.stored,
        )


@admin.register(Entity)
class EntityAdmin(ServiceAdmin):
    form = EntityForm
    list_display = ["name", "kind", "team", "wikidata_id", "gazetteer_id", "mention_count"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "wikidata_id", "gazetteer_id", "description"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return super().get_queryset(request).annotate(mention_count=Count("mentions"))

    @admin.display(ordering="mention_count")
    def mention_count(self, obj: Entity) -> int:
        return obj.mention_count  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Its mentions and the claims attributed to it are in its team.
        return ["team"] if obj else []

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Entity:
        return entities.entity_create(
            team=data["team"],
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            wikidata_id=data["wikidata_id"],
            gazetteer_id=data["gazetteer_id"],
            aliases=data["aliases"] or [],
        )

    def update(self, request: HttpRequest, obj: Entity, changes: dict[str, Any]) -> Entity:
        if "aliases" in changes:
            changes["aliases"] = changes["aliases"] or []
        return entities.entity_update(entity=obj, **changes)

    def delete(self, request: HttpRequest, obj: Entity) -> None:
        entities.entity_delete(entity=obj)

    def refuse_delete(self, objs: list[Entity]) -> list[str]:
        return refusals(lambda entity: entities.entity_validate_delete(entity=entity), objs)


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
