"""File downloads streamed as they are written (the team export): under WSGI the response
iterates the pieces; under ASGI it pulls them one at a time from the request's sync thread,
where the database connection and the export's cursor live. (Handed a sync iterator, Django's
ASGI handler would first read it whole into a list.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from rest_framework.request import Request


async def _pulled(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    def step() -> bytes | None:
        return next(pieces, None)

    try:
        while (piece := await sync_to_async(step, thread_sensitive=True)()) is not None:
            yield piece
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=True)()


def file_download(
    request: Request | HttpRequest, pieces: Iterator[bytes], *, filename: str, content_type: str
) -> StreamingHttpResponse:
    """An attachment named ``filename`` whose body is ``pieces``, sent as they come."""
    raw = request._request if isinstance(request, Request) else request
    body = _pulled(pieces) if isinstance(raw, ASGIRequest) else pieces
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
