"""The team's tag vocabulary."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from rest_framework import viewsets

from annotations import filters
from annotations.api import serializers as s
from annotations.api.users import signed_in
from annotations.models import (
    Tag,
)
from annotations.services import teams

User = get_user_model()


class TagViewSet(viewsets.ModelViewSet):
    serializer_class = s.TagSerializer
    filterset_class = filters.TagFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Tag.objects.visible_to(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("position", "id")
        return paginator

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = teams.tag_create(
            actor=signed_in(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: Any) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k != "team"}
        serializer.instance = teams.tag_update(
            tag=serializer.instance, actor=signed_in(self.request), **values
        )

    def perform_destroy(self, instance: Tag) -> None:
        teams.tag_delete(tag=instance, actor=signed_in(self.request))
