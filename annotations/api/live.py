"""Live updates for one article: Server-Sent Events woken by PostgreSQL LISTEN/NOTIFY.

``history.record()``/``history.event()`` append an ``Event`` row and, on PostgreSQL, send
``NOTIFY newsnotes_events, '<article id>:<event id>'``, which PostgreSQL delivers only when the
writing transaction commits. ``article_stream`` holds a dedicated psycopg connection that
LISTENs on that channel; when a notification names its article it reads the events after the
last one it sent through the ORM -- only those the user may see (``visible_events``) -- and
writes each as::

    id: <event id>
    event: annotation
    data: <EventSerializer JSON>

A ``: keepalive`` comment goes out every KEEPALIVE_SECONDS so proxies keep the connection; after
LIFETIME_SECONDS the stream ends and the browser reconnects with ``Last-Event-ID``. A browser
that leaves (a closed tab, another article) is noticed within CLIENT_CHECK_SECONDS where the
server exposes the client's socket (gunicorn, Django's runserver and test server), else at the
next write. Each open stream holds a server thread and two PostgreSQL connections
(the LISTEN one and the ORM's), so production runs gunicorn with ``--worker-class gthread``.

On SQLite there is no stream: the view answers 404 ``no_stream`` and pages poll
``GET /api/articles/{id}/events/?after=N``, which applies the same ``visible_events`` rule.
"""

from __future__ import annotations

import json
import logging
import select
import socket
import ssl
import time
from collections.abc import Collection, Iterator
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.utils.encoders import JSONEncoder

from annotations.api.authentication import ApiTokenAuthentication
from annotations.api.serializers import EventSerializer
from annotations.models import Annotation, AnnotationVersion, Article, Event, Team
from annotations.services.history import CHANNEL

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
LIFETIME_SECONDS = 300.0
RETRY_MS = 2000
CLIENT_CHECK_SECONDS = 1.0
BATCH = 500
APPLICATION_NAME = "newsnotes-live"
# Keys of DATABASES["default"]["OPTIONS"] that Django consumes itself; the rest go to psycopg.
_DJANGO_OPTIONS = {"assume_role", "isolation_level", "pool", "server_side_binding"}
_DELETED = f"annotation.{AnnotationVersion.Action.DELETED.value}"


def visible_events(events: QuerySet[Event], user: Any) -> QuerySet[Event]:
    """The events the user may receive: of their teams, and of annotations they may see now
    (``Annotation.objects.visible_to``), so another analyst's private note, a blind article's
    hidden work or another team's anything never reaches them. Events without an annotation
    (``article.submitted``) need only the team.

    One exception keeps pages honest: the deletion of an annotation the user could see just
    before (theirs, or shared with the team on an article that is not blind) is still sent, so
    its card leaves their page; it carries nothing they had not seen."""
    teams = Team.objects.visible_to(user).values("pk")
    trashed = (
        Annotation.objects.filter(team_id__in=teams, deleted_at__isnull=False)
        .filter(Q(author=user) | Q(visibility=Annotation.Visibility.TEAM, article__blind=False))
        .values("pk")
    )
    return events.filter(team_id__in=teams).filter(
        Q(annotation__isnull=True)
        | Q(annotation__in=Annotation.objects.visible_to(user).values("pk"))
        | Q(kind=_DELETED, annotation__in=trashed)
    )


# --- The view ---


def _error(status: int, code: str, detail: str, **headers: str) -> JsonResponse:
    response = JsonResponse(
        {"status": status, "code": code, "detail": detail, "errors": {}}, status=status
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _user(request: HttpRequest) -> tuple[Any, str]:
    """The session's user, or a token's (for API clients); else (None, why)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, ""
    try:
        found = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed as exc:
        return None, str(exc.detail)
    if found is None:
        return None, "Authentication credentials were not provided."
    return found[0], ""


def _after(request: HttpRequest) -> int | None:
    """Resume after the larger of ``?after=`` and ``Last-Event-ID`` (which the browser sends when
    it reconnects). None when ``after`` is not a whole number."""
    raw = request.GET.get("after", "0").strip() or "0"
    if not raw.isdecimal():
        return None
    last_event = request.headers.get("Last-Event-ID", "").strip()
    return max(int(raw), int(last_event) if last_event.isdecimal() else 0)


def client_socket(request: HttpRequest) -> socket.socket | None:
    """The browser's socket, to notice that it left without waiting for a write to fail.
    Best effort: gunicorn exposes it as ``gunicorn.socket``; Django's runserver and test
    server only behind their request stream. None elsewhere (and under TLS, where a socket
    cannot be peeked), and the stream then learns at its next keep-alive."""
    sock = request.META.get("gunicorn.socket")
    if sock is None:
        reader = getattr(getattr(request.META.get("wsgi.input"), "_read", None), "__self__", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    if not hasattr(select, "poll") or not isinstance(sock, socket.socket):
        return None
    return None if isinstance(sock, ssl.SSLSocket) else sock


def client_gone(sock: socket.socket) -> bool:
    """Has the client closed its end? (Readable with nothing to read means end of file.)"""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        if not poller.poll(0):
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (BlockingIOError, InterruptedError, TimeoutError):
        return False
    except (OSError, ValueError):  # reset, or already closed
        return True


def listen_connection() -> psycopg.Connection:
    """A dedicated autocommit psycopg connection to the default database, LISTENing."""
    db = settings.DATABASES["default"]
    params: dict[str, Any] = {
        key: value for key, value in db.get("OPTIONS", {}).items() if key not in _DJANGO_OPTIONS
    }
    for key, name in (("NAME", "dbname"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            params[name] = db[key]
    for key, name in (("HOST", "host"), ("PORT", "port")):
        if db.get(key):
            params[name] = str(db[key])
    params.setdefault("connect_timeout", 5)
    params.setdefault("application_name", APPLICATION_NAME)
    conn = psycopg.connect(autocommit=True, **params)
    try:
        conn.execute(f"LISTEN {CHANNEL}")
    except BaseException:
        conn.close()
        raise
    return conn


def article_stream(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /api/articles/{pk}/stream/ -- this article's events as Server-Sent Events."""
    if request.method != "GET":
        return _error(
            405, "method_not_allowed", f'Method "{request.method}" not allowed.', Allow="GET"
        )
    user, why = _user(request)
    if user is None:
        return _error(401, "not_authenticated", why, WWW_Authenticate="Token")
    article = Article.objects.visible_to(user).filter(pk=pk).only("pk").first()
    if article is None:
        return _error(404, "not_found", "Not found.")
    if connection.vendor != "postgresql":
        return _error(
            404,
            "no_stream",
            f"Live streaming needs PostgreSQL; poll /api/articles/{pk}/events/?after=N instead.",
        )
    after = _after(request)
    if after is None:
        return JsonResponse(
            {
                "status": 400,
                "code": "invalid",
                "detail": "Invalid input.",
                "errors": {"after": ["A whole number."]},
            },
            status=400,
        )
    try:
        conn = listen_connection()
    except psycopg.Error:
        logger.exception("live.stream could not LISTEN article=%s", pk)
        return _error(503, "no_stream", "Live updates are unavailable; poll instead.")
    stream = EventStream(
        conn=conn, user=user, article_id=article.pk, after=after, client=client_socket(request)
    )
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# --- The stream ---


def _frame(event: dict[str, Any], *, with_id: bool) -> str:
    data = json.dumps(event, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {event['id']}\n" if with_id else ""
    return f"{head}event: annotation\ndata: {data}\n\n"


def _parse(payload: str) -> tuple[int, int] | None:
    """``"<article id>:<event id>"`` -> (article id, event id)."""
    article, _, event = payload.partition(":")
    if not (article.isdecimal() and event.isdecimal()):
        return None
    return int(article), int(event)


class EventStream:
    """The iterable a StreamingHttpResponse sends. Django calls ``close()`` when the response
    ends -- the client left, the lifetime ran out, or the server shuts down -- and the LISTEN
    connection is closed then, even if the stream never started."""

    def __init__(
        self,
        *,
        conn: psycopg.Connection,
        user: Any,
        article_id: int,
        after: int,
        client: socket.socket | None = None,
    ):
        self.conn = conn
        self.client = client
        self.user = user
        self.article_id = article_id
        self.last = after  # the highest event id sent or looked past
        self.sent: set[int] = set()
        self._iterator = self._run()

    def __iter__(self) -> Iterator[str]:
        return self._iterator

    def close(self) -> None:
        try:
            self._iterator.close()
        finally:
            self.conn.close()

    def _send(self, late: Collection[int] = ()) -> Iterator[str]:
        """Frames for the visible events after ``last``, and for ``late`` ones: ids at or below
        ``last`` whose transaction committed after a higher id's had (sequence order is not
        commit order), which ``pk > last`` alone would miss."""
        while True:
            wanted = Q(pk__gt=self.last) | Q(pk__in=late) if late else Q(pk__gt=self.last)
            events = Event.objects.filter(article_id=self.article_id).filter(wanted)
            rows = list(
                visible_events(events, self.user).select_related("actor").order_by("id")[:BATCH]
            )
            rows = [row for row in rows if row.pk not in self.sent]
            late = ()
            if not rows:
                return
            frames = []
            for row, data in zip(rows, EventSerializer(rows, many=True).data, strict=True):
                # A late event carries no id: the browser's Last-Event-ID stays the highest.
                frames.append(_frame(data, with_id=row.pk > self.last))
                self.last = max(self.last, row.pk)
                self.sent.add(row.pk)
            yield "".join(frames)
            if len(rows) < BATCH:
                return

    def _wait(self, timeout: float) -> tuple[bool, set[int]]:
        """Block until a notification or ``timeout``: (is it about this article?, late ids)."""
        wake, late = False, set()
        for notify in self.conn.notifies(timeout=timeout, stop_after=1):
            parsed = _parse(notify.payload)
            if parsed is None or parsed[0] != self.article_id:
                continue
            wake = True
            if parsed[1] <= self.last and parsed[1] not in self.sent:
                late.add(parsed[1])
        return wake, late

    def _run(self) -> Iterator[str]:
        deadline = time.monotonic() + LIFETIME_SECONDS
        try:
            yield f"retry: {RETRY_MS}\n\n"
            # The view LISTENed before this reads, so whatever commits from now on is notified.
            yield from self._send()
            last_write = time.monotonic()
            while (remaining := deadline - time.monotonic()) > 0:
                quiet = KEEPALIVE_SECONDS - (time.monotonic() - last_write)
                if quiet <= 0:
                    yield ": keepalive\n\n"
                    last_write = time.monotonic()
                    continue
                step = min(quiet, remaining)
                if self.client is not None:
                    step = min(step, CLIENT_CHECK_SECONDS)
                wake, late = self._wait(step)
                if wake:
                    for chunk in self._send(late):
                        yield chunk
                        last_write = time.monotonic()
                elif self.client is not None and client_gone(self.client):
                    return  # the browser left: free this thread and the LISTEN connection
        except (psycopg.Error, DatabaseError):
            # The database went away: end the stream; the browser reconnects after ``retry``.
            logger.exception("live.stream failed article=%s", self.article_id)
        finally:
            self.conn.close()
