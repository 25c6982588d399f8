"""Conditional requests: an object's version is its ETag, and a write that names a stale one in
``If-Match`` gets 412 and changes nothing (the services compare under a row lock)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from annotations.api.errors import PreconditionFailedError

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The ETag you read (the version; an article's revision): a stale one gets 412 and "
        "changes nothing"
    ),
)

# Versions are positive 64-bit integers, so an ETag this API issued has at most 19 digits; a
# longer header is refused before it is read (int() of thousands of digits raises, or is slow).
MAX_ETAG_CHARS = 24


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version named by If-Match (an ETag we issued), or None when absent."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    if len(header) > MAX_ETAG_CHARS:
        raise ValidationError(
            {"If-Match": f"An ETag this API issued has at most {MAX_ETAG_CHARS} characters."}
        )
    value = header.removeprefix("W/").strip('"')
    if not value.isdecimal():  # not isdigit(): int("²") raises
        raise PreconditionFailedError('If-Match must be an ETag this API issued, like "3".')
    return int(value)
