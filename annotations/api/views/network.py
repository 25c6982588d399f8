"""The entity network: ``GET /api/network/`` (nodes and edges of a team's co-occurrence
graph), ``GET /api/network/edges/?left=&right=`` (the passages behind one edge and its typed
relations), and ``/api/relations/`` (typed relations: CRUD with history, ``If-Match`` on
edits, CSV or JSON export). Another team's team, entity or relation is a 404; a bad filter a
400 naming it."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import network_serializers as ns
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.downloads import file_download
from annotations.api.params import int_field
from annotations.api.schema import ErrorSerializer
from annotations.api.users import signed_in
from annotations.formats.relations import relations_csv, relations_json
from annotations.models import Relation
from annotations.selectors.network import (
    network_edge,
    network_entity,
    network_graph,
    network_team,
    relation_fresh,
    relation_get_for_user,
    relation_rows,
    relations_visible,
)
from annotations.services.relations import relation_create, relation_delete, relation_update

_FILTERS = [
    OpenApiParameter("team", OpenApiTypes.INT, description="Default: your first team."),
    OpenApiParameter(
        "kind", OpenApiTypes.STR, enum=["sentence", "claim", "article"], description="sentence"
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Published on or after."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Published on or before."),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Articles with an annotation so tagged."),
    OpenApiParameter("outlet", OpenApiTypes.INT),
    OpenApiParameter("min_weight", OpenApiTypes.INT, description="1 (default) to 1,000,000."),
]


_NO_TEAM = OpenApiResponse(ErrorSerializer, description="No such team, or not one of yours.")


@extend_schema(
    summary="A team's entity network: entities that appear together, heaviest edges first.",
    description=(
        "Edges weigh the distinct sentences (or claims, or articles) two entities share; "
        "merged entities count as the one they joined. At most 2,000 nodes and 20,000 "
        "edges (`truncated` says when the caps cut)."
    ),
    parameters=_FILTERS,
    responses={200: ns.GraphSerializer, 404: _NO_TEAM},
)
@api_view(["GET"])
def network_view(request: Request) -> Response:
    query = ns.NetworkQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    team = network_team(request.user, query.validated_data.get("team"))
    return Response(network_graph(request.user, team=team, filters=query.filters()))


@extend_schema(
    summary="The passages where two entities appear together, and their typed relations.",
    parameters=[
        OpenApiParameter("left", OpenApiTypes.INT, required=True),
        OpenApiParameter("right", OpenApiTypes.INT, required=True),
        *_FILTERS,
    ],
    responses={
        200: ns.EdgeDetailSerializer,
        404: OpenApiResponse(ErrorSerializer, description="No such entity, or not yours."),
    },
)
@api_view(["GET"])
def network_edge_view(request: Request) -> Response:
    query = ns.EdgeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    team = network_team(request.user, data.get("team")) if data.get("team") else None
    left = network_entity(request.user, data["left"], team=team)
    right = network_entity(request.user, data["right"], team=left.team)
    if left.pk == right.pk:
        raise ValidationError({"right": "These two entities were merged into one."})
    return Response(network_edge(request.user, left=left, right=right, filters=query.filters()))


_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
MAX_LISTED = 1000  # relations in one list answer
MAX_EXPORTED = 20000  # relations in one export


def _one(relation: Relation, code: int = status.HTTP_200_OK) -> Response:
    response = Response(relation_fresh(relation.pk), status=code)
    response["ETag"] = etag(relation.version)
    return response


@extend_schema_view(
    retrieve=extend_schema(parameters=[_ID]),
    partial_update=extend_schema(parameters=[_ID]),
    destroy=extend_schema(parameters=[_ID]),
)
class RelationViewSet(viewsets.ViewSet):
    """Typed relations between two entities of a team, with their history."""

    @extend_schema(
        summary="Your teams' typed relations, oldest first, at most 1,000 (`entity`: touching it).",
        parameters=[
            OpenApiParameter("entity", OpenApiTypes.INT),
            OpenApiParameter("team", OpenApiTypes.INT),
        ],
        responses={200: ns.RelationSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        return Response(relation_rows(self._filtered(request), MAX_LISTED))

    def _filtered(self, request: Request) -> Any:
        relations = relations_visible(request.user)
        if "team" in request.query_params:
            relations = relations.filter(team_id=int_field(request.query_params, "team"))
        if "entity" in request.query_params:
            pk = int_field(request.query_params, "entity")
            relations = relations.filter(source_id=pk) | relations.filter(target_id=pk)
        return relations.order_by("id")

    @extend_schema(summary="One relation (ETag: its version).", responses=ns.RelationSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        if not (pk or "").isdecimal():  # a non-numeric id names nothing: 404, as elsewhere
            raise NotFound()
        return _one(relation_get_for_user(request.user, int_field({"id": pk}, "id")))

    @extend_schema(
        summary="Type the relation from `source` to `target` (commands, allied with, ...).",
        request=ns.RelationCreateSerializer,
        responses={201: ns.RelationSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ns.RelationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Entities named in the body: an unknown one is a 400 naming its field.
        try:
            source = network_entity(request.user, values["source"])
        except Http404:
            raise ValidationError({"source": "No such entity in your teams."}) from None
        try:
            target = network_entity(request.user, values["target"], team=source.team)
        except Http404:
            raise ValidationError({"target": "No such entity in the source's team."}) from None
        relation = relation_create(
            actor=signed_in(request),
            source=source,
            target=target,
            label=values["label"],
            note=values["note"],
        )
        return _one(relation, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a relation's label or note.",
        request=ns.RelationUpdateSerializer,
        responses={200: ns.RelationSerializer},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        relation = relation_get_for_user(request.user, int_field({"id": pk}, "id"))
        data = ns.RelationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relation = relation_update(
            relation=relation,
            actor=signed_in(request),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return _one(relation)

    @extend_schema(
        summary="Delete a relation (its history stays).",
        parameters=[IF_MATCH],
        responses={204: None},
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        relation = relation_get_for_user(request.user, int_field({"id": pk}, "id"))
        relation_delete(
            relation=relation, actor=signed_in(request), expected_version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Export your teams' relations with their history, as CSV or JSON.",
        parameters=[
            OpenApiParameter("file_format", OpenApiTypes.STR, enum=["csv", "json"]),
            OpenApiParameter("entity", OpenApiTypes.INT),
            OpenApiParameter("team", OpenApiTypes.INT),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            # The relations with their history: a list of objects.
            (200, "application/json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object"}}
            ),
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> Any:
        kind = request.query_params.get("file_format", "csv")
        if kind not in ("csv", "json"):
            raise ValidationError({"file_format": "csv or json."})
        rows = relation_rows(self._filtered(request), MAX_EXPORTED)
        if kind == "csv":
            return file_download(
                request,
                relations_csv(rows),
                filename="relations.csv",
                content_type="text/csv; charset=utf-8",
            )
        return file_download(
            request,
            relations_json(rows),
            filename="relations.json",
            content_type="application/json",
        )
