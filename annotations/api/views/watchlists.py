"""Watchlists: a saved search or a set of entities, yours or a team's; new articles that match
notify their owners (services/watchlists.py; writes in services/watchlist_edits.py). PATCH
renames, pauses (``paused``) or changes what is watched, with ``If-Match``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import watchlist_serializers as ws
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.users import signed_in
from annotations.models import Watchlist
from annotations.selectors.watchlists import watchlist_hits, watchlists_for
from annotations.services import watchlist_edits as services


@extend_schema_view(
    list=extend_schema(summary="Your watchlists and your teams', with their hit counts."),
    retrieve=extend_schema(summary="One watchlist (ETag: its version)."),
)
class WatchlistViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ws.WatchlistSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[Watchlist]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Watchlist.objects.none()
        return watchlists_for(self.request.user)

    def _answer(self, watchlist: Watchlist, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=watchlist.pk)
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = etag(fresh.version)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._answer(self.get_object())

    @extend_schema(
        summary="Watch a search or entities; a team's watchlist notifies every member.",
        request=ws.WatchlistCreateSerializer,
        responses={201: ws.WatchlistSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ws.WatchlistCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        watchlist = services.watchlist_create(user=signed_in(request), **data.validated_data)
        return self._answer(watchlist, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rename, pause or resume, opt in or out of the digest, or change what is watched.",
        request=ws.WatchlistUpdateSerializer,
        responses={200: ws.WatchlistSerializer},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ws.WatchlistUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        watchlist = services.watchlist_update(
            watchlist=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
            **data.validated_data,
        )
        return self._answer(watchlist)

    @extend_schema(
        summary="Delete a watchlist and its hits.", parameters=[IF_MATCH], responses={204: None}
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.watchlist_delete(
            watchlist=self.get_object(),
            actor=signed_in(request),
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The articles that matched the watchlist, newest first.",
        responses={200: ws.WatchlistHitSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def hits(self, request: Request, pk: str | None = None) -> Response:
        hits = watchlist_hits(request.user, watchlist=self.get_object())
        page = self.paginate_queryset(hits)
        serializer = ws.WatchlistHitSerializer(page if page is not None else hits, many=True)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)
