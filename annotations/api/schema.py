"""OpenAPI generation: drf-spectacular's AutoSchema, plus the error responses each operation can
give, all in the API's one error shape (see annotations.api.errors).

Which errors an operation documents follows from what it is, so that a new endpoint is
documented correctly without anyone remembering to:

- 401 everywhere (no credentials, or a token that is wrong, even on the open token endpoint);
- 400 where there is input: a request body, query or header parameters, or a write (the services
  refuse writes that break a rule, e.g. removing a team's last owner, with a 400);
- 403 on writes (the role in the team does not allow it, or a session's CSRF check failed);
- 404 where the path names an object (it does not exist, or is not visible to you);
- 409 with ``Idempotency-Key`` (the first request with that key is still running);
- 412 with ``If-Match`` (a stale version: nothing was changed);
- 413 and 415 with a request body (too large; a media type the endpoint does not parse);
- 429 on throttled endpoints.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text='What went wrong, for programs: "invalid", "not_found", "permission_denied", '
        '"precondition_failed" ...'
    )
    detail = serializers.CharField(help_text="What went wrong, for people.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages per field at fault ("field.sub" for nested ones, "non_field_errors" '
        "for the request as a whole); empty unless the input was invalid.",
    )
    current_version = serializers.IntegerField(
        required=False, help_text="With 412 only: the version that is current now."
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input, or a change the rules refuse; `errors` names each field at fault.",
    401: "Not authenticated: no credentials, or a wrong token.",
    403: "Your role in the team does not allow this (or a session's CSRF check failed).",
    404: "No such object, or not one you can see.",
    409: "The first request with this Idempotency-Key is still running.",
    412: "If-Match names a version that is not current any more; nothing was changed.",
    413: "The request body is too large.",
    415: "The request body's media type is not one this endpoint reads.",
    429: "Too many attempts; wait as long as Retry-After says.",
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        for code in sorted(self.error_codes(operation)):
            responses.setdefault(
                str(code),
                {
                    "content": {"application/json": {"schema": error}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return operation

    def error_codes(self, operation: dict[str, Any]) -> set[int]:
        parameters = operation.get("parameters", [])
        located = {(p["in"], p["name"].lower()) for p in parameters}
        has_body = "requestBody" in operation
        write = self.method not in SAFE_METHODS
        codes = {401}
        if has_body or write or any(where in ("query", "header") for where, _ in located):
            codes.add(400)
        if write:
            codes.add(403)
        if any(where == "path" for where, _ in located):
            codes.add(404)
        if ("header", "idempotency-key") in located:
            codes.add(409)
        if ("header", "if-match") in located:
            codes.add(412)
        if has_body:
            codes |= {413, 415}
        if getattr(self.view, "throttle_classes", None):
            codes.add(429)
        return codes
