"""``Idempotency-Key`` on POST: a retry with the same key and body replays the first response
instead of creating a twin; the same key with another body is refused. The key rows are
written by ``annotations.services.idempotency``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.services.idempotency import (
    MAX_KEY_CHARS,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retries with the same key return the first response",
)


class IdempotentCreateMixin:
    """Wraps ``create``: subclasses implement ``perform_idempotent_create``."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self.perform_idempotent_create(request)
        if len(key) > MAX_KEY_CHARS:
            raise ValidationError({"Idempotency-Key": f"At most {MAX_KEY_CHARS} characters."})
        fingerprint = request_fingerprint(request)
        record, created = idempotency_key_claim(user=request.user, key=key, fingerprint=fingerprint)
        if not created:
            if record.fingerprint != fingerprint:
                raise ValidationError(
                    {"Idempotency-Key": "This key was used for a different request."}
                )
            if record.status_code is None:
                return Response(
                    {
                        "status": 409,
                        "code": "in_progress",
                        "detail": "The first request with this key is still running.",
                        "errors": {},
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            response = Response(record.response, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = self.perform_idempotent_create(request)
        except Exception:
            idempotency_key_release(record=record)  # a failed attempt may be retried
            raise
        idempotency_key_complete(
            record=record,
            status_code=response.status_code,
            response=json.loads(json.dumps(response.data, default=str)),
        )
        return response

    def perform_idempotent_create(self, request: Request) -> Response:
        raise NotImplementedError


def request_fingerprint(request: Request) -> str:
    """Method, path and the parsed body. Not the raw body: the parsers have read the stream
    (reading ``request.body`` afterwards raises), and a retry's form boundary, key order or
    whitespace may differ from the first request's."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict, from a form
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=str)
    method = request.method or ""
    return hashlib.sha256("\n".join([method, request.path, body]).encode()).hexdigest()
