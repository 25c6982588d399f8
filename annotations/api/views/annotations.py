"""Annotations: the reader's list (cached per process, see ``listcache``), edits with
``If-Match``, the review actions, history and the trash."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, too
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import history_serializers as hs
from annotations.api import listcache
from annotations.api import serializers as s
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.idempotency import IDEMPOTENCY_KEY, IdempotentCreateMixin
from annotations.api.params import int_field
from annotations.api.users import signed_in
from annotations.models import (
    Annotation,
)
from annotations.rows import ANNOTATION_COLUMNS, annotation_dicts
from annotations.selectors.annotations import annotation_queryset, annotation_rows, annotation_trash
from annotations.selectors.history import annotation_history
from annotations.services import annotations as annotation_services
from annotations.services import refetches, suggestions

User = get_user_model()


@extend_schema_view(
    list=extend_schema(
        summary=(
            "Annotations, in reading order; filter by article, tag, author, entity, "
            "assessment, review state, time and text."
        ),
    ),
    retrieve=extend_schema(summary="One annotation (ETag: its version)."),
)
class AnnotationViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    serializer_class = s.AnnotationSerializer
    filterset_class = filters.AnnotationFilter
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return annotation_queryset(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("start", "id")
        return paginator

    def _one(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        row = annotation_rows(self.get_queryset().filter(pk=pk))[0]
        response = Response(row, status=code)
        response["ETag"] = etag(row["version"])
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        key = listcache.page_key(request)
        if key is not None and (cached := listcache.cached_page(key)) is not None:
            return cached
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*ANNOTATION_COLUMNS))
        response = self.get_paginated_response(annotation_dicts(page or []))
        if key is not None:
            listcache.store_when_rendered(response, key)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._one(self.get_object().pk)

    @extend_schema(
        request=s.AnnotationCreateSerializer,
        responses={201: s.AnnotationSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def perform_idempotent_create(self, request: Request) -> Response:
        data = s.AnnotationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_create(
            author=signed_in(request), **data.validated_data
        )
        return self._one(annotation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AnnotationUpdateSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        data = s.AnnotationUpdateSerializer(
            data=request.data, context={"request": request}, partial=True
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = expected_version(request)
        if version is None and "version" in request.data:
            version = int_field(request.data, "version")
        updated = annotation_services.annotation_update(
            annotation=annotation, actor=signed_in(request), expected_version=version, **values
        )
        return self._one(updated.pk)

    @extend_schema(
        request=s.AnnotationUpdateSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation_services.annotation_delete(
            annotation=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a model suggestion: it becomes an ordinary annotation by you."""
        annotation = annotation_services.suggestion_accept(
            annotation=self.get_object(), actor=signed_in(request)
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a model suggestion: hidden, and never suggested again."""
        annotation = annotation_services.suggestion_reject(
            annotation=self.get_object(), actor=signed_in(request)
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def unreject(self, request: Request, pk: str | None = None) -> Response:
        """Reverse the rejection of a model suggestion: it is pending again (undo)."""
        # Not get_object(): the list filter hides rejected suggestions unless asked.
        rejected = get_object_or_404(self.get_queryset(), pk=pk)
        annotation = suggestions.suggestion_unreject(annotation=rejected, actor=signed_in(request))
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"], url_path="quote-checked")
    def quote_checked(self, request: Request, pk: str | None = None) -> Response:
        """Clear "re-anchored, quote changed" (its author, having checked the new quote)."""
        annotation = refetches.annotation_quote_checked(
            annotation=self.get_object(), actor=signed_in(request)
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send a draft (or one with changes requested) to the reviewers."""
        annotation = annotation_services.annotation_submit(
            annotation=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take a submitted annotation back to draft."""
        annotation = annotation_services.annotation_withdraw(
            annotation=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(responses={200: hs.AnnotationVersionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the annotation, oldest first: who changed what, and when."""
        readable = annotation_history(request.user, self.get_object())
        versions = [entry["version"] for entry in readable]
        context = {"readable": {entry["version"].pk: entry for entry in readable}}
        return Response(hs.AnnotationVersionSerializer(versions, many=True, context=context).data)

    @extend_schema(
        request=hs.RestoreVersionSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="restore-version")
    def restore_version(self, request: Request, pk: str | None = None) -> Response:
        """Make an earlier version current again (the restore is a new version)."""
        data = hs.RestoreVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_restore_version(
            annotation=self.get_object(),
            number=data.validated_data["version"],
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(
        responses={200: s.AnnotationSerializer(many=True)},
        summary="The trash: your deleted annotations (a team owner's: all), restorable 30 days.",
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def trash(self, request: Request) -> Response:
        rows = annotation_trash(request.user)
        team = request.query_params.get("team")
        if team:
            rows = rows.filter(team_id=int_field(request.query_params, "team"))
        page = self.paginate_queryset(rows.values(*ANNOTATION_COLUMNS))
        return self.get_paginated_response(annotation_dicts(page or []))

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def undelete(self, request: Request, pk: str | None = None) -> Response:
        """Bring an annotation back from the trash."""
        trashed = get_object_or_404(Annotation.objects.trash_of(request.user), pk=pk)
        annotation = annotation_services.annotation_undelete(
            annotation=trashed, actor=signed_in(request)
        )
        return self._one(annotation.pk)
