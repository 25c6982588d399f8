"""API tokens: a user's named keys for scripts, each revocable, optionally expiring.

A key is ``nn_`` and 43 URL-safe characters (256 random bits); the database keeps its SHA-256
only, so a key is shown once, by ``token_create``. Finding the user of a key is one indexed
query, from synchronous code (``token_user``, the DRF authentication class) or asynchronous
code (``atoken_user``, for ASGI views such as the live stream). Keys of DRF's old ``Token``
model (40 hex characters) were moved here hashed by migration 0007 and work unchanged.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from annotations.models import ApiToken

KEY_PREFIX = "nn_"
SCHEME = "Token"
# Tokens that POST /api/auth/token/ hands to scripts expire unless the script asks otherwise.
SCRIPT_TOKEN_DAYS = 30
MAX_LIVE_TOKENS = 1000
MAX_KEY_CHARS = 200
# last_used_at is written at most this often per token: a write per request would cost more
# than the request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_from_authorization(value: str | bytes | None) -> str | None:
    """The key of an ``Authorization: Token <key>`` header; None for no header or another
    scheme. Raises ValueError for a Token header that is malformed."""
    if not value:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("Invalid token header.") from None
    parts = value.split()
    if not parts or parts[0].lower() != SCHEME.lower():
        return None
    if len(parts) != 2 or len(parts[1]) > MAX_KEY_CHARS:
        raise ValueError("Invalid token header. Send `Authorization: Token <key>`.")
    return parts[1]


# --- Writes ---


@transaction.atomic
def token_create(
    *, user: Any, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its key, which is not stored and cannot be
    shown again. The user's expired tokens are removed on the way."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the token, e.g. after the script that uses it."})
    if len(name) > 100:
        raise ValidationError({"name": "At most 100 characters."})
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    if ApiToken.objects.filter(user=user).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(
            {"non_field_errors": f"You have {MAX_LIVE_TOKENS} tokens; revoke some first."}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(key), hint=key[:8], expires_at=expires_at
    )
    return token, key


def script_token_expiry() -> datetime:
    return timezone.now() + timedelta(days=SCRIPT_TOKEN_DAYS)


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    token.delete()


# --- Authentication ---


def _live(token: ApiToken, now: datetime) -> bool:
    return token.user.is_active and (token.expires_at is None or token.expires_at > now)


def token_authenticate(key: str) -> ApiToken | None:
    """The live token of ``key``, its user loaded; None for an unknown or expired key or an
    inactive user. Renews ``last_used_at`` (at most once a minute)."""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
    now = timezone.now()
    if token is None or not _live(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


async def atoken_authenticate(key: str) -> ApiToken | None:
    """``token_authenticate`` for async code (Django's async ORM; no thread needed)."""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    token = await ApiToken.objects.select_related("user").filter(digest=token_digest(key)).afirst()
    now = timezone.now()
    if token is None or not _live(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        await ApiToken.objects.filter(pk=token.pk).aupdate(last_used_at=now)
        token.last_used_at = now
    return token


def token_user(key: str) -> Any:
    """The user of a live key, or None."""
    token = token_authenticate(key)
    return token.user if token is not None else None


async def atoken_user(key: str) -> Any:
    """The user of a live key, or None; for async views."""
    token = await atoken_authenticate(key)
    return token.user if token is not None else None


def token_from_header(request: HttpRequest) -> ApiToken | None:
    """The live token the request's ``Authorization`` header names, or None (no header,
    another scheme, a malformed header, an unknown or expired key)."""
    try:
        key = key_from_authorization(request.META.get("HTTP_AUTHORIZATION"))
    except ValueError:
        return None
    return token_authenticate(key) if key else None
