"""Analyses of competing hypotheses (Heuer): the analyses of your teams, their hypotheses,
evidence rows and ratings, the computed matrix (``matrix/``), the history and its restore, and
the exports (``export.csv``, ``export.json``). Every write answers the fresh matrix with its
ETag (the analysis' version); a stale ``If-Match`` gets 412 and changes nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import ach_serializers as s
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.users import signed_in
from annotations.formats.ach import matrix_csv, matrix_json
from annotations.models import Analysis, Evidence, Hypothesis
from annotations.selectors.ach import (
    analyses_for,
    analysis_history,
    analysis_matrix,
    claim_candidates,
)
from annotations.services import ach as services

MAX_HISTORY = 500


@extend_schema_view(
    list=extend_schema(summary="The analyses of competing hypotheses of your teams."),
    retrieve=extend_schema(summary="One analysis (ETag: its version)."),
)
class AnalysisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AnalysisSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[Analysis]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Analysis.objects.none()
        return analyses_for(self.request.user)

    def _answer(self, analysis: Analysis, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=analysis.pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = etag(fresh.version)
        return response

    def _matrix(self, analysis: Analysis, code: int = status.HTTP_200_OK) -> Response:
        analysis.refresh_from_db()
        response = Response(analysis_matrix(self.request.user, analysis), status=code)
        response["ETag"] = etag(analysis.version)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(
        summary="Start an analysis: a question and, optionally, its first hypotheses.",
        request=s.AnalysisCreateSerializer,
        responses={201: s.AnalysisSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.AnalysisCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        analysis = services.ach_create(user=signed_in(request), **data.validated_data)
        return self._answer(analysis, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the question.",
        request=s.AnalysisUpdateSerializer,
        responses={200: s.AnalysisSerializer},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()  # 404 across teams before anything is read
        data = s.AnalysisUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = services.ach_update(
            analysis=found,
            actor=signed_in(request),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return self._answer(analysis)

    @extend_schema(summary="Delete an analysis.", parameters=[IF_MATCH], responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.ach_delete(
            analysis=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The matrix with its scores: weighted inconsistency per hypothesis, the "
        "ranking, non-diagnostic rows and each row's sensitivity.",
        responses={200: s.MatrixSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def matrix(self, request: Request, pk: str | None = None) -> Response:
        return self._matrix(self.get_object())

    @extend_schema(
        summary="Add a hypothesis.",
        request=s.HypothesisWriteSerializer,
        responses={201: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def hypotheses(self, request: Request, pk: str | None = None) -> Response:
        analysis = self.get_object()
        data = s.HypothesisWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.hypothesis_add(
            analysis=analysis,
            actor=signed_in(request),
            text=data.validated_data.get("text", ""),
            expected_version=expected_version(request),
        )
        return self._matrix(analysis, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a hypothesis' text or position.",
        request=s.HypothesisWriteSerializer,
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove a hypothesis and its ratings.",
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"hypotheses/(?P<hypothesis_id>[0-9]{1,18})",
    )
    def hypothesis(
        self, request: Request, pk: str | None = None, hypothesis_id: str = ""
    ) -> Response:
        analysis = self.get_object()
        row = get_object_or_404(Hypothesis, pk=int(hypothesis_id), analysis=analysis)
        if request.method == "DELETE":
            services.hypothesis_remove(
                hypothesis=row, actor=signed_in(request), expected_version=expected_version(request)
            )
        else:
            data = s.HypothesisWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.hypothesis_edit(
                hypothesis=row,
                actor=signed_in(request),
                expected_version=expected_version(request),
                **data.validated_data,
            )
        return self._matrix(analysis)

    @extend_schema(
        summary="Add an evidence row: a claim annotation of the team and/or a note.",
        request=s.EvidenceWriteSerializer,
        responses={201: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="evidence")
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        analysis = self.get_object()
        data = s.EvidenceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("position", None)
        services.evidence_add(
            analysis=analysis,
            actor=signed_in(request),
            expected_version=expected_version(request),
            **fields,
        )
        return self._matrix(analysis, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a row's note, Admiralty grades, hand-set weight (null: from the "
        "grades) or position.",
        request=s.EvidenceWriteSerializer,
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove an evidence row and its ratings.",
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"evidence/(?P<evidence_id>[0-9]{1,18})",
    )
    def evidence_row(
        self, request: Request, pk: str | None = None, evidence_id: str = ""
    ) -> Response:
        analysis = self.get_object()
        row = get_object_or_404(Evidence, pk=int(evidence_id), analysis=analysis)
        if request.method == "DELETE":
            services.evidence_remove(
                evidence=row, actor=signed_in(request), expected_version=expected_version(request)
            )
        else:
            data = s.EvidenceWriteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            if "annotation" in fields:
                raise ValidationError(
                    {"annotation": "A row's claim cannot change; add another row."}
                )
            services.evidence_edit(
                evidence=row,
                actor=signed_in(request),
                expected_version=expected_version(request),
                **fields,
            )
        return self._matrix(analysis)

    @extend_schema(
        summary="Rate one cell (evidence row x hypothesis); an empty value clears it.",
        request=s.RatingWriteSerializer,
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["patch"])
    def ratings(self, request: Request, pk: str | None = None) -> Response:
        analysis = self.get_object()
        data = s.RatingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rating_set(
            analysis=analysis,
            actor=signed_in(request),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return self._matrix(analysis)

    @extend_schema(
        summary="The analysis' versions, newest first: every change, who made it and when.",
        responses={200: s.VersionSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        versions = analysis_history(self.get_object())[:MAX_HISTORY]
        return Response(s.VersionSerializer(versions, many=True).data)

    @extend_schema(
        summary="Restore the matrix to version N (as a new version, itself restorable).",
        request=s.RestoreSerializer,
        responses={200: s.MatrixSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        analysis = self.get_object()
        data = s.RestoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ach_restore(
            analysis=analysis,
            actor=signed_in(request),
            number=data.validated_data["version"],
            expected_version=expected_version(request),
        )
        return self._matrix(analysis)

    @extend_schema(
        summary="The team's shared claim annotations that could be added as evidence.",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Words of the quote")],
        responses={200: s.ClaimCandidateSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def claims(self, request: Request, pk: str | None = None) -> Response:
        query = str(request.query_params.get("q", ""))[:200]
        rows = claim_candidates(request.user, self.get_object(), query)
        return Response(s.ClaimCandidateSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="analyses_export_csv",
        summary="The matrix and its scores as CSV.",
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
        filters=False,
    )
    def export_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        analysis = self.get_object()
        return _download(
            matrix_csv(analysis_matrix(request.user, analysis)),
            f"analysis-{analysis.pk}.csv",
            "text/csv; charset=utf-8",
        )

    @extend_schema(
        operation_id="analyses_export_json",
        summary="The matrix and its scores as JSON.",
        responses={(200, "application/json"): s.MatrixSerializer},
        filters=False,
    )
    def export_json(self, request: Request, pk: str | None = None) -> HttpResponse:
        analysis = self.get_object()
        return _download(
            matrix_json(analysis_matrix(request.user, analysis)),
            f"analysis-{analysis.pk}.json",
            "application/json",
        )


def _download(body: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
