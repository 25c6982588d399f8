"""The signed-in user's notifications."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import activity_serializers as activity
from annotations.api.users import signed_in
from annotations.models import (
    Annotation,
    Article,
    Notification,
)
from annotations.services import notifications

User = get_user_model()


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first: @mentions, replies to your annotations, verdicts,
    and new articles matching your watchlists."""

    serializer_class = activity.NotificationSerializer
    filterset_class = filters.NotificationFilter

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        # Correlated EXISTS, not IN: each of the user's notifications is checked on its own
        # (IN made PostgreSQL build the set of every annotation the user may see first: 14 s
        # for a team of 1,000,000 annotations in bench/scale.py).
        user = signed_in(self.request)
        visible = Annotation.objects.visible_to(user).filter(pk=OuterRef("annotation_id"))
        readable = Article.objects.visible_to(user).filter(pk=OuterRef("article_id"))
        return (
            Notification.objects.filter(user=user)
            .filter(Q(annotation__isnull=True) | Exists(visible))
            .filter(Q(article__isnull=True) | Exists(readable))
            .select_related("actor", "annotation")
        )

    @extend_schema(
        request=activity.NotificationReadSerializer,
        responses={200: activity.NotificationReadResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        """Mark notifications read: the ones named by `ids`, or all of them."""
        data = activity.NotificationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = notifications.notifications_mark_read(
            user=signed_in(request), ids=data.validated_data.get("ids")
        )
        return Response({"marked": count})
