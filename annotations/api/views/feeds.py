"""Feed subscriptions of the user's teams: CRUD, poll now, OPML in and out."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import activity_serializers as activity
from annotations.api import feed_serializers as fs
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.schema import ErrorSerializer
from annotations.api.users import signed_in
from annotations.models import Feed, Team
from annotations.services import feeds


def visible_team(request: Request, value: Any) -> Team:
    """The ``team`` parameter: 400 naming it when it is not an id, 404 when it is not a team
    of the user's."""
    text = str(value or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
        raise ValidationError({"team": "Give the id of one of your teams."})
    return get_object_or_404(Team.objects.visible_to(request.user), pk=int(text))


class FeedViewSet(viewsets.ModelViewSet):
    serializer_class = fs.FeedSerializer
    filterset_class = filters.FeedFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return Feed.objects.visible_to(self.request.user).select_related("team")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = feeds.feed_create(
            team=data["team"],
            actor=signed_in(self.request),
            url=data["url"],
            title=data.get("title", ""),
            interval_minutes=data.get("interval_minutes", 60),
            paused=data.get("paused", False),
        )

    @extend_schema(
        request=fs.FeedUpdateSerializer, responses={200: fs.FeedSerializer}, parameters=[IF_MATCH]
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Rename, re-time, pause (``paused: true``) or resume (``paused: false``) a feed;
        resuming a broken feed makes it due at once."""
        feed = self.get_object()
        update = fs.FeedUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        feed = feeds.feed_update(
            feed=feed,
            actor=signed_in(request),
            expected_version=expected_version(request),
            **update.validated_data,
        )
        response = Response(fs.FeedSerializer(feed, context=self.get_serializer_context()).data)
        response["ETag"] = etag(feed.version)
        return response

    def perform_destroy(self, instance: Feed) -> None:
        feeds.feed_delete(feed=instance, actor=signed_in(self.request))

    @extend_schema(
        request=None,
        responses={202: activity.JobSerializer},
        summary="Poll the feed now (even paused or broken); the poll's job, or the one "
        "already queued or running.",
    )
    @action(detail=True, methods=["post"])
    def poll(self, request: Request, pk: str | None = None) -> Response:
        job = feeds.feed_poll_now(feed=self.get_object(), actor=signed_in(request))
        return Response(activity.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("team", OpenApiTypes.INT, required=True)],
        responses={
            (200, "text/x-opml"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The team's feeds as an OPML 2.0 file."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such team, or not one of yours."),
        },
        filters=False,
        summary="Export a team's feeds as OPML.",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": fs.OpmlImportSerializer},
        responses={200: fs.OpmlImportReportSerializer},
        summary="Follow every feed of an OPML file that the team does not follow yet; URLs "
        "that cannot be followed are reported and skipped.",
    )
    @action(
        detail=False,
        methods=["get", "post"],
        pagination_class=None,
        parser_classes=[MultiPartParser],
    )
    def opml(self, request: Request) -> Any:
        if request.method == "GET":
            team = visible_team(request, request.query_params.get("team"))
            response = HttpResponse(
                feeds.feeds_opml_export(team=team), content_type="text/x-opml; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="feeds-{team.slug}.opml"'
            return response
        form = fs.OpmlImportSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > 1024 * 1024:
            raise ValidationError({"file": "The OPML file is larger than 1024 KB."})
        report = feeds.feeds_opml_import(
            team=form.validated_data["team"], actor=signed_in(request), data=upload.read()
        )
        return Response(report.as_dict())
