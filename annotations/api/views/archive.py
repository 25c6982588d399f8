"""The archive of fetched pages: each record's metadata and WARC file, a team's whole archive."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from annotations import filters
from annotations.api import feed_serializers as fs
from annotations.api.downloads import file_download
from annotations.api.schema import ErrorSerializer
from annotations.api.views.feeds import visible_team
from annotations.models import ArchiveRecord
from annotations.services import archive

WARC_GZ = "application/warc+gzip"  # not registered; what web archives commonly send


class ArchiveRecordViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = fs.ArchiveRecordSerializer
    filterset_class = filters.ArchiveRecordFilter

    def get_queryset(self) -> Any:
        return ArchiveRecord.objects.visible_to(self.request.user)

    @extend_schema(
        responses={
            (200, WARC_GZ): OpenApiResponse(
                OpenApiTypes.BINARY, description="The fetch as a gzipped WARC response record."
            )
        },
        filters=False,
        summary="Download one archived fetch as a WARC file.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def download(self, request: Request, pk: str | None = None) -> Any:
        record = self.get_object()
        return file_download(
            request,
            archive.archive_record_chunks(record),
            filename=f"newsnotes-archive-{record.pk}.warc.gz",
            content_type=WARC_GZ,
        )

    @extend_schema(
        parameters=[OpenApiParameter("team", OpenApiTypes.INT, required=True)],
        responses={
            (200, WARC_GZ): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="Every archived fetch of the team, oldest first, as one gzipped "
                "WARC file (streamed).",
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such team, or not one of yours."),
        },
        filters=False,
        summary="Export a team's archive as one WARC file.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def export(self, request: Request) -> Any:
        team = visible_team(request, request.query_params.get("team"))
        return file_download(
            request,
            archive.archive_export_chunks(team=team),
            filename=f"newsnotes-archive-{team.slug}.warc.gz",
            content_type=WARC_GZ,
        )
