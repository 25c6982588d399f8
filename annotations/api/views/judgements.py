"""Entity judgements: list them (per entity), record one, undo one. Another team's judgement
answers 404; another team's entity in a new judgement is a 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.judgement_serializers import (
    EntityJudgementCreateSerializer,
    EntityJudgementSerializer,
)
from annotations.api.users import signed_in
from annotations.models import EntityJudgement
from annotations.services import judgements as judgement_services


@extend_schema(
    parameters=[
        OpenApiParameter("entity", int, description="Judgements about this entity"),
        OpenApiParameter("active", bool, description="Only judgements not undone"),
    ]
)
class EntityJudgementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EntityJudgementSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        qs = EntityJudgement.objects.visible_to(self.request.user).select_related(
            "left", "right", "user", "undone_by"
        )
        entity = self.request.query_params.get("entity", "")
        if entity.isdigit() and len(entity) < 12:
            qs = qs.filter(Q(left_id=int(entity)) | Q(right_id=int(entity)))
        if self.request.query_params.get("active") in ("true", "1"):
            qs = qs.active()
        return qs

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("-created_at", "-id")
        return paginator

    @extend_schema(
        request=EntityJudgementCreateSerializer, responses={201: EntityJudgementSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record that two entities are the same (the right one folds into the left one),
        not the same (the pipeline never merges them), or that it is unsure."""
        data = EntityJudgementCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        record = judgement_services.judgement_record(
            left=data.validated_data["left"],
            right=data.validated_data["right"],
            judgement=data.validated_data["judgement"],
            actor=signed_in(request),
        )
        return Response(
            EntityJudgementSerializer(self.get_queryset().get(pk=record.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: EntityJudgementSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Undo the judgement; undoing a merge gives back the entities and their mentions."""
        record = judgement_services.judgement_undo(
            judgement=self.get_object(), actor=signed_in(request)
        )
        return Response(EntityJudgementSerializer(self.get_queryset().get(pk=record.pk)).data)
