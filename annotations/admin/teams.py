"""Teams, their members and outlets, saved through their services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from annotations.admin.base import (
    ServiceAdmin,
    ServiceForm,
    add_service_error,
    adopt,
    staff,
)
from annotations.models import (
    Membership,
    Outlet,
    Team,
)
from annotations.services import outlets, teams


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
