"""Batch screening: ``POST /api/screenings/`` (a JSON list of names, or a CSV or text file),
``GET /api/screenings/{id}/`` (status, progress, summary and a page of results) and
``GET /api/screenings/{id}/results.csv``. Another team's screening answers 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import screening_serializers as s
from annotations.api.downloads import file_download
from annotations.api.params import int_field
from annotations.api.parsers import BoundedJSONParser
from annotations.api.users import signed_in
from annotations.formats.screening import names_clean, names_from_file, names_from_text, results_csv
from annotations.models import Screening, Team
from annotations.selectors.screening import (
    result_row,
    screening_results,
    screening_summary,
    screenings_for_user,
)
from annotations.services.screening import screening_create, screening_rerun

MAX_LIMIT = 500


def _team(request: Request, given: Team | None) -> Team:
    if given is not None:
        return given
    teams = list(Team.objects.visible_to(request.user)[:2])
    if len(teams) != 1:
        raise ValidationError({"team": "Say which team's entities to screen against."})
    return teams[0]


def _names(data: dict[str, Any]) -> tuple[list[str], str]:
    upload = data.get("file")
    if upload is not None:
        names = names_from_file(
            upload, filename=upload.name or "", content_type=upload.content_type or ""
        )
        return names, "file"
    raw = data["names"]
    if isinstance(raw, str):
        return names_from_text(raw), "names"
    if not isinstance(raw, list):
        raise ValidationError({"names": "A list of names, or text with one name per line."})
    return names_clean(raw, field="names"), "names"


def _match(request: Request) -> str | None:
    value = request.query_params.get("match") or None
    if value is not None and value not in s.MATCH_KINDS:
        raise ValidationError({"match": f"One of {', '.join(s.MATCH_KINDS)}."})
    return value


class ScreeningViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ScreeningSerializer
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Screening]:
        return screenings_for_user(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        return s.ScreeningCreateSerializer if self.action == "create" else s.ScreeningSerializer

    @extend_schema(
        summary="Screen a list of names against the team's entities.",
        description="A JSON body (`names`: a list, or text with one name per line) or a "
        "multipart `file` (CSV with a name column, or one name per line). The screening runs "
        "as a background job; follow it with `GET /api/screenings/{id}/`. Bad input is a 400 "
        "naming the field: an empty list, more than 5,000 names, a name over 300 characters, "
        "an unreadable file, a CSV file without a name column.",
        request={
            "application/json": s.ScreeningCreateSerializer,
            "multipart/form-data": s.ScreeningCreateSerializer,
        },
        responses={202: s.ScreeningSerializer},
    )
    def create(self, request: Request) -> Response:
        body = request.data
        if isinstance(body, list):  # a bare JSON list of names
            body = {"names": body}
        data = s.ScreeningCreateSerializer(data=body, context={"request": request})
        data.is_valid(raise_exception=True)
        names, field = _names(data.validated_data)
        upload = data.validated_data.get("file")
        title = data.validated_data["title"] or (upload.name if upload is not None else "")
        screening = screening_create(
            team=_team(request, data.validated_data.get("team")),
            actor=signed_in(request),
            names=names,
            title=title[:200],
            field=field,
        )
        screening = self.get_queryset().get(pk=screening.pk)
        return Response(s.ScreeningSerializer(screening).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="A screening: status, progress, summary and a page of results.",
        parameters=[
            OpenApiParameter("match", OpenApiTypes.STR, enum=list(s.MATCH_KINDS)),
            OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip."),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"Up to {MAX_LIMIT}."),
        ],
        responses={200: s.ScreeningDetailSerializer},
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        screening = self.get_object()
        params = request.query_params
        offset = int_field(params, "offset", maximum=10**7) if "offset" in params else 0
        limit = (
            int_field(params, "limit", minimum=1, maximum=MAX_LIMIT) if "limit" in params else 100
        )
        rows = screening_results(screening, match=_match(request))
        data = dict(s.ScreeningSerializer(screening).data)
        data["summary"] = screening_summary(screening)
        data["results"] = {
            "count": rows.count(),
            "offset": offset,
            "limit": limit,
            "items": s.ScreeningResultSerializer(
                [result_row(r) for r in rows[offset : offset + limit]], many=True
            ).data,
        }
        return Response(data)

    @extend_schema(
        operation_id="screenings_results_csv",
        summary="The screening's results as CSV (UTF-8 with a byte-order mark).",
        parameters=[OpenApiParameter("match", OpenApiTypes.STR, enum=list(s.MATCH_KINDS))],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def results_csv(self, request: Request, pk: str | None = None) -> Any:
        screening = self.get_object()
        rows = screening_results(screening, match=_match(request))
        return file_download(
            request,
            results_csv(result_row(r) for r in rows.iterator(chunk_size=1000)),
            filename=f"screening-{screening.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )

    @extend_schema(
        summary="Screen the same names again (the team's entities may have changed).",
        request=None,
        responses={202: s.ScreeningSerializer},
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str | None = None) -> Response:
        screening = screening_rerun(screening=self.get_object(), actor=signed_in(request))
        screening = self.get_queryset().get(pk=screening.pk)
        return Response(s.ScreeningSerializer(screening).data, status=status.HTTP_202_ACCEPTED)
