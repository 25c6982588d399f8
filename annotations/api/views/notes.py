"""Page notes: notes on a whole article (``?article=`` lists one article's), edited with
``If-Match``, with their history."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import note_serializers as ns
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.idempotency import IdempotentCreateMixin
from annotations.api.params import int_field
from annotations.api.users import signed_in
from annotations.models import ArticleNote, ArticleNoteVersion
from annotations.services import notes as note_services

ARTICLE = OpenApiParameter(
    "article", OpenApiTypes.INT, description="Only the notes on this article"
)


@extend_schema_view(
    list=extend_schema(summary="Page notes you may see, oldest first.", parameters=[ARTICLE]),
    retrieve=extend_schema(summary="One page note (ETag: its version)."),
)
class ArticleNoteViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ns.ArticleNoteSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[ArticleNote]:
        notes = ArticleNote.objects.visible_to(self.request.user).select_related("author")
        if self.action == "list" and "article" in self.request.query_params:
            notes = notes.filter(article_id=int_field(self.request.query_params, "article"))
        return notes.order_by("created_at", "id")

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        note = self.get_object()
        response = Response(self.get_serializer(note).data)
        response["ETag"] = etag(note.version)
        return response

    def perform_idempotent_create(self, request: Request) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_services.article_note_create(
            article=data.validated_data["article"],
            author=signed_in(request),
            text=data.validated_data["text"],
            visibility=data.validated_data["visibility"],
        )
        response = Response(self.get_serializer(note).data, status=status.HTTP_201_CREATED)
        response["ETag"] = etag(note.version)
        return response

    @extend_schema(
        request=ns.ArticleNoteUpdateSerializer,
        responses={200: ns.ArticleNoteSerializer},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = ns.ArticleNoteUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_services.article_note_update(
            note=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        response = Response(self.get_serializer(note).data)
        response["ETag"] = etag(note.version)
        return response

    @extend_schema(parameters=[IF_MATCH], responses={204: None})
    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        note_services.article_note_delete(
            note=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: ns.ArticleNoteVersionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the note, oldest first."""
        versions = ArticleNoteVersion.objects.filter(note=self.get_object()).select_related("actor")
        return Response(ns.ArticleNoteVersionSerializer(versions, many=True).data)
