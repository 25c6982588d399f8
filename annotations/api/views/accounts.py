"""Sign-in for scripts (a token for a username and password), the signed-in user, and their
teammates."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import ErrorDetail, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import serializers as s
from annotations.api import token_serializers as ts
from annotations.api.throttling import AddressScopedRateThrottle
from annotations.api.users import signed_in
from annotations.models import (
    Membership,
)
from annotations.rows import user_dict
from annotations.services import sign_in, tokens

User = get_user_model()


# --- Auth and people ---


@extend_schema(
    request=ts.TokenRequestSerializer,
    responses={200: ts.TokenSerializer},
    summary=(
        "Exchange a username and password for a new API token (throttled). It is named "
        '`name` (default "script") and expires in 30 days unless `expires_at` says '
        "otherwise (null: never)."
    ),
    auth=[],
)
@api_view(["POST"])
@authentication_classes([])  # a stale token in the header must not turn this into a 401
@permission_classes([AllowAny])
@throttle_classes([AddressScopedRateThrottle])
def token_obtain(request: Request) -> Response:
    serializer = ts.TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        user = sign_in.sign_in_authenticate(
            request=request,
            username=data["username"],
            password=data["password"],
        )
    except sign_in.SignInRefused as refused:
        throttled = Throttled(wait=refused.refusal.retry_after)
        throttled.detail = ErrorDetail(refused.refusal.message, code="throttled")
        raise throttled from None
    if user is None:
        raise ValidationError({"non_field_errors": "Wrong username or password."})
    expires_at = data["expires_at"] if "expires_at" in data else tokens.script_token_expiry()
    token, key = tokens.token_create(user=user, name=data["name"], expires_at=expires_at)
    return Response(
        {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
    )


token_obtain.cls.throttle_scope = "auth"


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="The signed-in user and their teams.")
@api_view(["GET"])
def me(request: Request) -> Response:
    memberships = Membership.objects.filter(user=signed_in(request)).select_related("team")
    return Response(
        {
            **user_dict(request.user),
            "teams": [
                {"id": m.team.pk, "name": m.team.name, "slug": m.team.slug, "role": m.role}
                for m in memberships
            ],
        }
    )


@extend_schema_view(
    list=extend_schema(summary="Teammates: the users of the teams you belong to."),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UserSerializer
    filterset_class = filters.UserFilter
    ordering = "username"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return User.objects.none()
        teams = Membership.objects.filter(user=signed_in(self.request)).values("team_id")
        return User.objects.filter(memberships__team_id__in=teams).distinct().order_by("username")

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = "username"
        return paginator
