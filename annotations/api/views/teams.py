"""Teams, their members, and the export and import of a team's annotations as a file
(the formats are in ``annotations.formats``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import activity_serializers as activity
from annotations.api import serializers as s
from annotations.api.downloads import file_download
from annotations.api.users import signed_in
from annotations.models import (
    Membership,
    Team,
)
from annotations.services import refetches, teams

User = get_user_model()


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TeamSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Team.objects.none()
        role = Membership.objects.filter(team=OuterRef("pk"), user=signed_in(self.request)).values(
            "role"
        )
        return Team.objects.visible_to(self.request.user).annotate(role=Subquery(role[:1]))

    @extend_schema(request=s.TeamUpdateSerializer, responses={200: s.TeamSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Rename the team, set its blind-mode default or its re-fetch schedule (owners)."""
        team = self.get_object()
        data = s.TeamUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = signed_in(request)
        teams.require_role(
            user=actor, team=team, roles=teams.MANAGE_ROLES, action="manage the team"
        )
        with transaction.atomic():
            if "name" in data.validated_data:
                team = teams.team_update(team=team, actor=actor, name=data.validated_data["name"])
            if "blind_default" in data.validated_data:
                team = teams.team_set_blind_default(
                    team=team, actor=actor, blind=data.validated_data["blind_default"]
                )
            if "refetch_hours" in data.validated_data:
                team = refetches.team_set_refetch_hours(
                    team=team, actor=actor, hours=data.validated_data["refetch_hours"]
                )
        return Response(s.TeamSerializer(self.get_queryset().get(pk=team.pk)).data)

    @extend_schema(request=s.TeamCreateSerializer, responses={201: s.TeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = teams.team_create(owner=signed_in(request), **data.validated_data)
        return Response(
            s.TeamSerializer(self.get_queryset().get(pk=team.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    # --- Exports and imports of the team's annotations (formats/, services/exports.py) ---

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # On the export, `?format=` names the file's format, not one of DRF's renderers
        # (which would answer 404 to an unknown one).
        if self.action == "export":
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=activity.EXPORT_DOWNLOADS,
                required=True,
                description="csv: a row per annotation, its replies and verdicts as JSON in two "
                "columns; jsonl: a JSON object per line, with its replies and verdicts; jsonld: "
                "a W3C Web Annotation collection, replies as `replying` and verdicts as "
                "`assessing` annotations; spacy: approved spans (every tag) and accepted entity "
                "mentions, a line per article; docbin: the same as a spaCy DocBin (binary, "
                "built whole; the header X-Misaligned counts the spans left out because they "
                "do not fall on token boundaries).",
            )
        ],
        responses={
            (200, media_type): OpenApiResponse(
                schema,
                description="The file (Content-Disposition: attachment; filename="
                "newsnotes-<team slug>-<date>.<csv|jsonl|jsonld|spacy.jsonl>): text/csv, "
                "application/x-ndjson (jsonl, spacy) or a W3C AnnotationCollection.",
            )
            for media_type, schema in (
                ("text/csv", OpenApiTypes.BINARY),
                ("application/x-ndjson", OpenApiTypes.BINARY),
                ("application/ld+json", OpenApiTypes.OBJECT),
                ("application/octet-stream", OpenApiTypes.BINARY),
            )
        },
        filters=False,
        summary="Download the team's annotations that you may see, as a file (streamed as it "
        "is written: it starts at once and takes flat memory, whatever the team's size).",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def export(self, request: Request, pk: str | None = None) -> Any:

        from annotations.services import exports

        team = self.get_object()
        fmt = request.query_params.get("format", "")
        if fmt == "docbin":
            data, misaligned = exports.docbin_export(team=team, user=signed_in(request))
            response = HttpResponse(data, content_type=exports.DOCBIN_MEDIA_TYPE)
            filename = exports.docbin_filename(team=team)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["X-Misaligned"] = str(len(misaligned))
            return response
        if fmt not in exports.FORMATS:
            raise ValidationError(
                {
                    "format": f"Give one of {', '.join(activity.EXPORT_DOWNLOADS)} "
                    f"(got {fmt[:40]!r})."
                }
            )
        export = exports.TeamExport(
            team=team,
            user=signed_in(request),
            fmt=fmt,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        # Streamed as it is read: memory stays flat and the first bytes leave at once.
        return file_download(
            request,
            export.pieces(),
            filename=exports.export_filename(team=team, fmt=fmt),
            content_type=exports.MEDIA_TYPES[fmt],
        )

    @extend_schema(
        request={"multipart/form-data": activity.AnnotationImportSerializer},
        responses={200: activity.AnnotationImportReportSerializer},
        summary="Import an export into this team (analysts and owners): bad rows are reported "
        "with their number (the first 100, and how many in all), annotations already here are "
        "skipped. The file takes the upload limit (NEWSNOTES_MAX_UPLOAD_BYTES, 64 MB).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import-annotations",
        parser_classes=[MultiPartParser],
    )
    def import_annotations(self, request: Request, pk: str | None = None) -> Response:
        from annotations.services import annotation_imports

        team = self.get_object()
        teams.require_role(
            user=signed_in(request),
            team=team,
            roles=teams.ANNOTATE_ROLES,
            action="import annotations",
        )
        data = activity.AnnotationImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = annotation_imports.annotations_import(
            team=team,
            user=signed_in(request),
            fmt=data.validated_data["format"],
            stream=data.validated_data["file"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return Response(activity.AnnotationImportReportSerializer(report.as_dict()).data)


class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = s.MembershipSerializer
    filterset_class = filters.MembershipFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Membership.objects.filter(
            team__in=Team.objects.visible_to(self.request.user)
        ).select_related("user", "team")

    def get_serializer_class(self) -> Any:
        return (
            s.MembershipUpdateSerializer
            if self.action == "partial_update"
            else super().get_serializer_class()
        )

    def perform_create(self, serializer: Any) -> None:
        team = serializer.validated_data["team"]
        teams.require_role(
            user=signed_in(self.request),
            team=team,
            roles=teams.MANAGE_ROLES,
            action="manage members",
        )
        user = User.objects.filter(username=serializer.validated_data["username"]).first()
        if user is None:
            raise ValidationError({"username": "No such user."})
        serializer.instance = teams.membership_set(
            team=team,
            user=user,
            role=serializer.validated_data.get("role", Membership.Role.ANALYST),
        )

    @extend_schema(request=s.MembershipUpdateSerializer, responses={200: s.MembershipSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        data = s.MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = teams.membership_update(
            membership=membership, role=data.validated_data["role"], actor=signed_in(request)
        )
        return Response(s.MembershipSerializer(updated, context={"request": request}).data)

    def perform_destroy(self, instance: Membership) -> None:
        teams.membership_remove(membership=instance, actor=signed_in(self.request))
