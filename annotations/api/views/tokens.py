"""The signed-in user's API tokens: list, create (the key is shown once), revoke."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api import token_serializers as ts
from annotations.models import ApiToken
from annotations.services import tokens


@extend_schema_view(
    list=extend_schema(summary="Your API tokens, newest first (never their keys)."),
    retrieve=extend_schema(summary="One of your API tokens."),
    create=extend_schema(
        summary="Create an API token; its key is in this answer only. Needs a signed-in session.",
        responses={201: ts.ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke one of your API tokens at once."),
)
class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ts.ApiTokenSerializer

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ApiToken.objects.none()
        return ApiToken.objects.visible_to(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A token may list and revoke tokens but not mint more: a leaked key must not be able
        # to outlive its own expiry or revocation. Scripts get theirs with the password
        # (POST /api/auth/token/).
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied(
                "Create tokens from a signed-in browser session, or with your password at "
                "/api/auth/token/."
            )
        serializer = ts.ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = tokens.token_create(
            user=request.user,
            name=serializer.validated_data["name"],
            expires_at=serializer.validated_data.get("expires_at"),
        )
        token.key = key
        return Response(ts.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.token_revoke(token=instance)
