"""``Authorization: Token <key>`` against the hashed, expiring ``ApiToken`` keys
(``services/tokens.py``). DRF's own TokenAuthentication read plain keys of its one-per-user
``Token`` model, which is gone."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from annotations.services.tokens import SCHEME, key_from_authorization, token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        try:
            key = key_from_authorization(get_authorization_header(request))
        except ValueError as exc:
            raise AuthenticationFailed(str(exc)) from None
        if key is None:
            return None
        token = token_authenticate(key)
        if token is None:
            raise AuthenticationFailed("Invalid or expired token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return SCHEME


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI document (what drf-spectacular says of DRF's own class)."""

    target_class = "annotations.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'A key from /api/auth/token/ or /api/tokens/, with the prefix "Token": '
                "`Authorization: Token nn_...`"
            ),
        }
