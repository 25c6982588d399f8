"""Admin building blocks: read-only pages, pages that renew content stamps, and pages whose
forms validate and save through the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

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
