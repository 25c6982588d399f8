"""Live updates for one article: Server-Sent Events from an async view, under the ASGI server.

``GET /api/articles/{id}/stream/?after=N`` (or with ``Last-Event-ID: N``, which the browser sends
when it reconnects; the larger counts) sends the events after N that the user may see
(``selectors.events.visible_events``), then each new one as it commits::

    id: <event id>
    event: annotation
    data: <EventSerializer JSON>

``retry: 2000`` goes first, a ``: keepalive`` comment after KEEPALIVE_SECONDS of quiet, and the
stream ends after LIFETIME_SECONDS (the browser reconnects with Last-Event-ID). ``after`` and
Last-Event-ID are whole numbers from 0 to 2**63 - 1, as for ``events/?after=``, else a 400.

An open stream is a coroutine waiting on its ``livehub.Subscription``. It holds no thread: its
request's thread is given back once the set-up (authentication, the article's visibility) is
done (``newsnotes/asgi.py``). It holds no database connection: the set-up's is closed, and every
read goes through the process's hub, whose one LISTEN connection wakes it. A browser that leaves
is noticed at once: the server reports the disconnect and Django cancels the response.

Streaming needs PostgreSQL (LISTEN/NOTIFY) and an ASGI server (under WSGI -- ``manage.py
runserver``, the test server -- Django would buffer an async stream whole). Elsewhere the view
answers 404 ``no_stream`` and pages poll ``GET /api/articles/{id}/events/?after=N``, which
applies the same rule (``selectors.events.live_transport`` tells the reader page which).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework.exceptions import AuthenticationFailed, ValidationError

from annotations.api import livehub
from annotations.api.authentication import ApiTokenAuthentication
from annotations.api.params import int_field
from annotations.models import Article
from annotations.selectors.events import live_transport

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
LIFETIME_SECONDS = 300.0
RETRY_MS = 2000
READY_SECONDS = 5.0  # how long a new stream waits for the LISTEN connection before a 503
# The scope key under which newsnotes/asgi.py passes the request's thread (RequestThread).
REQUEST_THREAD = "newsnotes.request_thread"


# --- The view ---


def _error(status: int, code: str, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse(
        {"status": status, "code": code, "detail": detail, "errors": {}}, status=status
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


async def _user(request: HttpRequest) -> tuple[Any, str]:
    """The session's user, or a token's (for API clients); else (None, why)."""
    auser = getattr(request, "auser", None)
    if auser is not None:
        user = await auser()
        if user.is_authenticated:
            return user, ""
    try:
        found = await sync_to_async(ApiTokenAuthentication().authenticate)(request)  # type: ignore[arg-type]
    except AuthenticationFailed as exc:
        return None, str(exc.detail)
    if found is None:
        return None, "Authentication credentials were not provided."
    return found[0], ""


def _after(request: HttpRequest) -> int:
    """Resume after the larger of ``?after=`` and ``Last-Event-ID``, each a whole number from 0
    to 2**63 - 1 (``params.int_field``, as ``events/?after=``); ValidationError otherwise."""
    after = int_field(request.GET, "after") if "after" in request.GET else 0
    header = request.headers.get("Last-Event-ID", "").strip()
    last = int_field({"Last-Event-ID": header}, "Last-Event-ID") if header else 0
    return max(after, last)


def _forget_connections() -> None:
    """Close the request's database connections (a pooled one goes back to the pool) and drop
    their wrappers, which would otherwise stay in the request's context as long as it lives."""
    for conn in connections.all(initialized_only=True):
        conn.close()
        del connections[conn.alias]


async def _admit(request: HttpRequest, pk: int) -> tuple[HttpResponse | None, Any, int]:
    """A refusal, or None with the user and the id to resume after."""
    user, why = await _user(request)
    if user is None:
        return _error(401, "not_authenticated", why, WWW_Authenticate="Token"), None, 0
    if not await Article.objects.visible_to(user).filter(pk=pk).aexists():
        return _error(404, "not_found", "Not found."), None, 0
    try:
        after = _after(request)
    except ValidationError as exc:
        # In the API's error shape, as the exception handler gives ``events/?after=``.
        errors = {
            name: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in exc.detail.items()  # type: ignore[union-attr]
        }
        body = {"status": 400, "code": "invalid", "detail": "Invalid input.", "errors": errors}
        return JsonResponse(body, status=400), None, 0
    if live_transport(request) != "sse":
        refusal = _error(
            404,
            "no_stream",
            "Live streaming needs PostgreSQL and the ASGI server; "
            f"poll /api/articles/{pk}/events/?after=N instead.",
        )
        return refusal, None, 0
    return None, user, after


async def article_stream(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /api/articles/{pk}/stream/ -- this article's events as Server-Sent Events."""
    if request.method != "GET":
        return _error(
            405, "method_not_allowed", f'Method "{request.method}" not allowed.', Allow="GET"
        )
    request_thread = getattr(request, "scope", {}).get(REQUEST_THREAD)
    if request_thread is None:  # not served through newsnotes.asgi: WSGI, or a test client
        refusal, _, _ = await _admit(request, pk)
        return refusal or _error(503, "no_stream", "Live updates need newsnotes.asgi.")
    hub = livehub.hub()
    # A few set-ups at a time per process, each on one pooled connection: a thousand browsers
    # reconnecting at once (say, after a restart) take at most ADMIT_AT_ONCE connections from
    # ordinary requests.
    subscription, first = None, None
    async with hub.admissions:
        try:
            refusal, user, after = await _admit(request, pk)
            if refusal is None:
                # Subscribed and LISTENing before the table is read: whatever commits after
                # that read is heard.
                subscription = hub.subscribe(article_id=pk, user=user, after=after)
                if await hub.ready(READY_SECONDS):
                    users = {user.pk: user}
                    first = await sync_to_async(livehub.read_events)(pk, users, after=after)
                else:
                    logger.warning("live.stream refused: no LISTEN connection article=%s", pk)
                    refusal = _error(503, "no_stream", "Live updates are unavailable; poll.")
        finally:
            # The set-up's database connection goes back now, not when the stream ends.
            await sync_to_async(_forget_connections)()  # in the request's thread and context
            if first is None and subscription is not None:
                subscription.close()
    if subscription is None or first is None:
        return refusal or _error(503, "no_stream", "Live updates are unavailable; poll.")
    stream = EventStream(subscription, request_thread=request_thread, first=first)
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- The stream ---


def _frame(pk: int, data: str, *, with_id: bool) -> str:
    head = f"id: {pk}\n" if with_id else ""
    return f"{head}event: annotation\ndata: {data}\n\n"


class EventStream:
    """The async iterable a StreamingHttpResponse sends. Django calls ``close()`` (from a
    thread) when the response ends, even if it never started: the subscription goes then."""

    def __init__(
        self, subscription: livehub.Subscription, *, request_thread: Any, first: livehub.Read
    ):
        self.subscription = subscription
        self.hub = subscription.hub
        self.request_thread = request_thread
        self.first: livehub.Read | None = first  # what came after the resume point
        self.sent: set[int] = set()
        self._iterator = self._run()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterator

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self.hub.loop.call_soon_threadsafe(self.subscription.close)

    def frames(self, frames: Iterable[tuple[int, str]], *, recovery: bool) -> str:
        """The frames not sent yet. One at or below ``last`` is a late event (its transaction
        committed after a higher id's had: sequence order is not commit order); it goes out
        without an ``id:`` line, so the browser's Last-Event-ID stays the highest. A recovery
        read (after the LISTEN connection came back) sends only what is after ``last``."""
        subscription, out = self.subscription, []
        for pk, data in frames:
            if pk in self.sent or (recovery and pk <= subscription.last):
                continue
            out.append(_frame(pk, data, with_id=pk > subscription.last))
            self.sent.add(pk)
            subscription.last = max(subscription.last, pk)
        return "".join(out)

    async def _give_back_request_resources(self) -> None:
        """The set-up is over (Django iterates the response after the middleware are done):
        close whatever database connection a middleware opened after the view closed its
        own, and give the request's thread back."""
        await sync_to_async(_forget_connections)()  # in the request's thread and context
        self.request_thread.release()

    async def _run(self) -> AsyncIterator[str]:
        subscription = self.subscription
        users = {subscription.user.pk: subscription.user}
        subscription.task = asyncio.current_task()
        try:
            await self._give_back_request_resources()
            yield f"retry: {RETRY_MS}\n\n"
            # What committed before the subscription, from the table (more pages through the
            # hub if there were more than BATCH); from now on the hub hands over what it hears.
            found, self.first = self.first, None
            while found is not None:
                chunk = self.frames(found.frames.get(subscription.user.pk, ()), recovery=True)
                subscription.last = max(subscription.last, found.scanned or 0)
                if chunk:
                    yield chunk
                if not found.full:
                    break
                found = await self.hub.read(
                    livehub.read_events, subscription.article_id, users, after=subscription.last
                )
            deadline = time.monotonic() + LIFETIME_SECONDS
            last_write = time.monotonic()
            while (remaining := deadline - time.monotonic()) > 0:
                quiet = KEEPALIVE_SECONDS - (time.monotonic() - last_write)
                if quiet <= 0:
                    yield ": keepalive\n\n"
                    last_write = time.monotonic()
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(subscription.wake.wait(), min(quiet, remaining))
                if subscription.dropped:
                    return  # too slow, or the hub could not read: the browser reconnects
                messages = subscription.take()
                chunk = "".join(self.frames(m.frames, recovery=m.recovery) for m in messages)
                if chunk:
                    yield chunk
                    last_write = time.monotonic()
        except Exception:
            # The database went away during a read: end the stream; the browser reconnects
            # after ``retry``.
            logger.exception("live.stream failed article=%s", subscription.article_id)
        finally:
            subscription.close()
