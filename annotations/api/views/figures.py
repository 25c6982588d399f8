"""Figures: list them (by article, kind, subject, flagged), resolve a flagged one, and the
consistency of one subject's figures of one kind. Another team's figure or subject is a 404;
a resolution to a value that is not one of the readings is a 400 naming ``value``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.figure_serializers import (
    ConsistencySerializer,
    FigureFilter,
    FigureResolveSerializer,
    FigureSerializer,
)
from annotations.api.params import int_field
from annotations.api.users import signed_in
from annotations.models import Entity, Figure
from annotations.nlp.figures import kind_labels
from annotations.selectors.figures import (
    MAX_FACTOR,
    figure_consistency,
    figure_dict,
    figure_get_for_user,
    figure_queryset,
    visible_claims,
)
from annotations.services import figures as figure_services


def _dicts(request: Request, figures: list[Figure]) -> list[dict[str, Any]]:
    claims = visible_claims(request.user, (f.claim_id for f in figures))
    return [figure_dict(f, claims) for f in figures]


class FigureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FigureSerializer
    filterset_class = FigureFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Figure]:
        return figure_queryset(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("article_id", "start", "id")
        return paginator

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The figures of the user's teams: numbers with what they count, malformed ones
        flagged with their readings."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        figures = list(page if page is not None else queryset[:1000])
        data = FigureSerializer(_dicts(request, figures), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        figure = figure_get_for_user(user=request.user, pk=kwargs["pk"])
        return Response(FigureSerializer(_dicts(request, [figure])[0]).data)

    @extend_schema(request=FigureResolveSerializer, responses={200: FigureSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Resolve a flagged figure to one of its readings (``value``: null undoes it). The
        resolution is kept when the article is analysed again."""
        figure = figure_get_for_user(user=request.user, pk=pk)
        data = FigureResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        figure_services.figure_resolve(
            figure=figure, value=data.validated_data["value"], actor=signed_in(request)
        )
        return Response(
            FigureSerializer(
                _dicts(request, [figure_get_for_user(user=request.user, pk=pk)])[0]
            ).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("subject", int, required=True, description="An entity id"),
            OpenApiParameter("kind", str, required=True, description="troops, casualties ..."),
            OpenApiParameter(
                "factor", float, description="How far apart is a contradiction (default 2)"
            ),
        ],
        responses={200: ConsistencySerializer},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def consistency(self, request: Request) -> Response:
        """One subject's figures of one kind by date and source, with outliers (outside the
        others' range by more than ``factor``) and contradictions (pairs that far apart)."""
        params = request.query_params
        for name in ("subject", "kind"):
            if not params.get(name):
                raise ValidationError({name: "Required."})
        # A query parameter, not a path: another team's entity reads as no entity (400).
        subject = (
            Entity.objects.visible_to(request.user)
            .filter(pk=int_field(params, "subject", minimum=1))
            .first()
        )
        if subject is None:
            raise ValidationError({"subject": "No entity of your teams has this id."})
        kind = params["kind"]
        if kind not in kind_labels():
            raise ValidationError({"kind": "One of: " + ", ".join(kind_labels()) + "."})
        factor = None
        if params.get("factor"):
            try:
                factor = float(params["factor"][:32])
            except ValueError:
                factor = -1.0
            if not 1.0 <= factor <= MAX_FACTOR:  # also refuses nan
                raise ValidationError({"factor": f"A number from 1 to {MAX_FACTOR:g}."})
        result = figure_consistency(user=request.user, subject=subject, kind=kind, factor=factor)
        return Response(ConsistencySerializer(result).data)
