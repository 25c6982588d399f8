"""Refuse oversize request bodies before anything reads them.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards ``request.POST`` and ``request.body``, but DRF's
parsers read the raw stream, so a JSON body would pass it. This middleware checks the declared
length and answers 413 in the API's error shape. (Under WSGI a body without Content-Length
reads as empty, so the declared length is the whole story.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import sync_and_async_middleware

from annotations.services import history

# Uploads of files to import may be larger than ordinary API bodies: every file import (articles
# as JSON Lines or HTML, a team's annotations in any export format) takes the upload limit. Their
# parsers read the file in chunks, a line or an item at a time, and report at most 100 errors,
# so neither memory nor the answer grows with the file.
UPLOAD_PATHS = ("/api/articles/import-jsonl/", "/api/articles/import-html/", "/import/")
UPLOAD_PATTERNS = (re.compile(r"/api/teams/[^/]+/import-annotations/"),)


def body_limit(path: str) -> int:
    if path.startswith(UPLOAD_PATHS) or any(p.fullmatch(path) for p in UPLOAD_PATTERNS):
        return settings.NEWSNOTES_MAX_UPLOAD_BYTES
    return settings.NEWSNOTES_MAX_BODY_BYTES


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(request, 400, "bad_request", "Content-Length is not a number.")
        if length > limit:
            return _error(
                request,
                413,
                "request_too_large",
                f"The request body is {length:,} bytes; the limit here is {limit:,}.",
            )
        return self.get_response(request)


def _error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"status": status, "code": code, "detail": detail, "errors": {}}, status=status
        )
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class ApiNoStoreMiddleware:
    """API answers are per user and change under concurrent edits: no cache may keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/") and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


# --- Which browser tab asked (X-Client-Id) ---

_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def client_id(request: HttpRequest) -> str:
    """The request's ``X-Client-Id`` (a random id per browser tab, sent by api.js on writes),
    or "" when absent or malformed (it only ever spares a tab its own events)."""
    value = request.headers.get("X-Client-Id", "")
    return value if _CLIENT_ID.fullmatch(value) else ""


@sync_and_async_middleware
def client_id_middleware(get_response: Callable[[HttpRequest], Any]) -> Callable[..., Any]:
    """Sets ``history.CLIENT`` for the request, so the events its writes append carry the tab's
    id and that tab can skip them (static/annotations/live.js). Async-capable, so it adds no
    thread hop under the ASGI server."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponse:
            token = history.CLIENT.set(client_id(request))
            try:
                return await get_response(request)
            finally:
                history.CLIENT.reset(token)

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponse:
        token = history.CLIENT.set(client_id(request))
        try:
            return get_response(request)
        finally:
            history.CLIENT.reset(token)

    return middleware
