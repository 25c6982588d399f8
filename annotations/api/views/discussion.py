"""Replies and reviews of an annotation. Both are listed only on annotations the user may see,
and both are created once per ``Idempotency-Key``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import serializers as s
from annotations.api.idempotency import IdempotentCreateMixin
from annotations.api.users import signed_in
from annotations.models import Annotation, Reply, Review
from annotations.services import annotations as annotation_services


class _AnnotationChildViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Objects that hang off an annotation: list and read them, create them through a
    service. Subclasses name the model, the person it is by, and the service call."""

    model: ClassVar[type[Model]]
    person_field: ClassVar[str]

    def get_queryset(self) -> QuerySet:
        visible = Annotation.objects.visible_to(self.request.user)
        return self.model._default_manager.filter(annotation__in=visible).select_related(
            self.person_field
        )

    def perform_idempotent_create(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = self.create_through_service(data.validated_data, user=signed_in(request))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def create_through_service(self, values: dict[str, Any], *, user: Any) -> Model:
        raise NotImplementedError


class ReplyViewSet(_AnnotationChildViewSet):
    serializer_class = s.ReplySerializer
    filterset_class = filters.ReplyFilter
    model = Reply
    person_field = "author"

    def create_through_service(self, values: dict[str, Any], *, user: Any) -> Model:
        return annotation_services.reply_create(
            annotation=values["annotation"],
            author=user,
            text=values["text"],
            parent=values.get("parent"),
        )


class ReviewViewSet(_AnnotationChildViewSet):
    serializer_class = s.ReviewSerializer
    filterset_class = filters.ReviewFilter
    model = Review
    person_field = "reviewer"

    def create_through_service(self, values: dict[str, Any], *, user: Any) -> Model:
        return annotation_services.review_create(
            annotation=values["annotation"],
            reviewer=user,
            verdict=values["verdict"],
            note=values.get("note", ""),
        )
