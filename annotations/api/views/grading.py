"""Admiralty grading: a team's reliability grades of its sources (entities and outlets), each
change a row of the source's history, and the credibility of claims (with ``If-Match``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import grading_serializers as gs
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.params import int_field
from annotations.api.serializers import AnnotationSerializer
from annotations.api.users import signed_in
from annotations.models import SourceGrade, Team
from annotations.selectors.annotations import annotation_queryset, annotation_rows
from annotations.selectors.grading import current_grades, source_grades
from annotations.services import grading as services

_FILTERS = [
    OpenApiParameter("team", OpenApiTypes.INT, description="One team's grades"),
    OpenApiParameter("entity", OpenApiTypes.INT, description="One entity's history"),
    OpenApiParameter("outlet", OpenApiTypes.INT, description="One outlet's history"),
    OpenApiParameter(
        "current", OpenApiTypes.BOOL, description="true: only each source's current grade"
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="Grades of sources (history rows, newest first); filter by team, entity, outlet.",
        parameters=_FILTERS,
        filters=False,
    ),
    retrieve=extend_schema(summary="One grade row."),
)
class SourceGradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = gs.SourceGradeSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[SourceGrade]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return SourceGrade.objects.none()
        rows = source_grades(user=self.request.user)
        params = self.request.query_params
        for name in ("team", "entity", "outlet"):
            if params.get(name):
                rows = rows.filter(**{f"{name}_id": int_field(params, name)})
        if params.get("current") in {"true", "1"}:
            current: set[int] = set()
            for team_id in Team.objects.visible_to(self.request.user).values_list("pk", flat=True):
                current |= current_grades(team_id=team_id).row_ids
            rows = rows.filter(pk__in=current)
        return rows

    def _current_ids(self, rows: list[SourceGrade]) -> set[int]:
        """Which of the rows are their source's current grade: one query per team."""
        out: set[int] = set()
        for team_id in {r.team_id for r in rows}:
            group = [r for r in rows if r.team_id == team_id]
            grades = current_grades(
                team_id=team_id,
                entity_ids={r.entity_id for r in group if r.entity_id},
                outlet_ids={r.outlet_id for r in group if r.outlet_id},
            )
            out |= {r.pk for r in group if r.pk in grades.row_ids}
        return out

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.get_queryset()
        page = self.paginate_queryset(rows)
        items = list(page if page is not None else rows)
        current = self._current_ids(items)
        data = self.get_serializer(items, many=True, context={"current_ids": current}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        grade = self.get_object()
        context = {**self.get_serializer_context(), "current_ids": self._current_ids([grade])}
        return Response(gs.SourceGradeSerializer(grade, context=context).data)

    @extend_schema(
        summary='Grade a source A-F for a team (reliability "" clears it): a new history row.',
        request=gs.SourceGradeCreateSerializer,
        responses={201: gs.SourceGradeSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = gs.SourceGradeCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actor = signed_in(request)
        source = {"entity": values.get("entity"), "outlet": values.get("outlet")}
        if values["reliability"]:
            grade = services.source_grade_set(
                team=values["team"],
                actor=actor,
                reliability=values["reliability"],
                reason=values["reason"],
                expires_at=values["expires_at"],
                **source,
            )
        else:
            grade = services.source_grade_clear(
                team=values["team"], actor=actor, reason=values["reason"], **source
            )
        grade = self.get_queryset().get(pk=grade.pk)
        context = {**self.get_serializer_context(), "current_ids": self._current_ids([grade])}
        return Response(
            gs.SourceGradeSerializer(grade, context=context).data, status=status.HTTP_201_CREATED
        )


class AnnotationCredibilityView(APIView):
    """``PUT``/``PATCH /api/annotations/{id}/credibility/``: grade a claim 1-6."""

    @extend_schema(
        summary="Grade a claim's information credibility 1-6 (If-Match: its version).",
        request=gs.CredibilitySerializer,
        responses={200: AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    def put(self, request: Request, pk: int) -> Response:
        annotation = annotation_queryset(request.user).filter(pk=pk).first()
        if annotation is None:
            raise NotFound("No such annotation.")
        data = gs.CredibilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.annotation_credibility_set(
            annotation=annotation,
            actor=signed_in(request),
            credibility=data.validated_data["credibility"],
            expected_version=expected_version(request),
        )
        row = annotation_rows(annotation_queryset(request.user).filter(pk=updated.pk))[0]
        response = Response(row)
        response["ETag"] = etag(row["version"])
        return response

    @extend_schema(
        summary="Grade a claim's information credibility 1-6 (If-Match: its version).",
        request=gs.CredibilitySerializer,
        responses={200: AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self.put(request, pk)
