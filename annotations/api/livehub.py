"""The live streams' one LISTEN connection per server process, and their fan-out.

``services/history.py`` sends ``NOTIFY newsnotes_events, '<article id>:<event id>'`` for every
event, and PostgreSQL delivers it when the writing transaction commits. A process's ``Hub`` (one
per event loop; a uvicorn worker has one loop) holds the only connection that LISTENs: an async
psycopg connection in autocommit mode, opened when the first stream subscribes and reopened with
back-off if it drops. It knows which articles have open streams in this process and ignores the
other notifications.

A burst of notifications for an article is read once for all of its streams: one query for the
events named, one ``visible_events`` query per distinct reader (each user hears only what they
may see now), one serialization. Reads run through the ORM in the hub's own two threads, on a
pooled connection that is given back at the end of each read, so no stream holds a database
connection or a thread. Each stream (``Subscription``) gets the frames its user may see as a
shared, immutable message in a bounded queue: a client that does not keep up is dropped (its
stream ends, or its request is cancelled if it stays stuck writing to a client that reads
nothing; the browser reconnects with Last-Event-ID and reads what it missed from the table)
rather than buffered without limit.

While the LISTEN connection is down, nothing is heard. When it is back, every article with open
streams is read again after the lowest id its streams have sent, so a change committed during
the gap still arrives (one whose id is below that, committed late in the gap, is missed until
the page reloads).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import json
import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import connections
from rest_framework.utils.encoders import JSONEncoder

from annotations.api.activity_serializers import EventSerializer
from annotations.models import Event
from annotations.selectors.events import visible_events
from annotations.services.history import CHANNEL

logger = logging.getLogger(__name__)

APPLICATION_NAME = "newsnotes-live"  # how the LISTEN connection shows in pg_stat_activity
BATCH = 500  # events per read
QUEUE_LIMIT = 64  # messages waiting for one stream before it is dropped
DROP_GRACE_SECONDS = 30.0  # a dropped stream stuck writing is then cancelled
READ_THREADS = 2  # the hub's ORM reads at once (each on a pooled connection, briefly)
ADMIT_AT_ONCE = 2  # streams being set up at once (authentication, the article's visibility)
HEALTH_SECONDS = 30.0  # a quiet LISTEN connection is checked with SELECT 1 this often
BACKOFF_SECONDS = (0.5, 30.0)  # first and longest wait before reconnecting
# Keys of DATABASES["default"]["OPTIONS"] that Django consumes itself; the rest go to psycopg.
_DJANGO_OPTIONS = {"assume_role", "isolation_level", "pool", "server_side_binding"}

T = TypeVar("T")


# --- Reading events (in the hub's threads) ---


@dataclass(frozen=True)
class Read:
    """What one read found: for each reader, the frames they may see as (event id, JSON), in
    id order; and the highest id scanned (for paging), or None when there was nothing."""

    frames: dict[int, tuple[tuple[int, str], ...]]
    scanned: int | None
    full: bool  # BATCH rows were scanned: there may be more


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))


def read_events(
    article_id: int, users: dict[int, Any], *, ids: Iterable[int] = (), after: int | None = None
) -> Read:
    """The article's events named in ``ids`` (or, with ``after``, those after it), as each of
    ``users`` (by id) may see them. Runs in a thread; closes its database connection (a pooled
    one goes back to the pool) before it returns."""
    try:
        events = Event.objects.filter(article_id=article_id)
        events = events.filter(pk__gt=after) if after is not None else events.filter(pk__in=ids)
        rows = list(events.select_related("actor").order_by("id")[:BATCH])
        if not rows:
            return Read(frames={}, scanned=None, full=False)
        pks = [row.pk for row in rows]
        # The events as nobody's own (``client`` null), and as their actor's, who gets the
        # id of the browser tab that made the change.
        public, own = {}, {}
        for row, data in zip(rows, EventSerializer(rows, many=True).data, strict=True):
            public[row.pk] = _json(data)
            if row.client and row.actor_id is not None:
                own[row.pk] = (row.actor_id, _json({**data, "client": row.client}))
        frames = {}
        for user_id, user in users.items():
            seen = set(
                visible_events(Event.objects.filter(pk__in=pks), user).values_list("pk", flat=True)
            )
            frames[user_id] = tuple(
                (pk, own[pk][1] if pk in own and own[pk][0] == user_id else public[pk])
                for pk in pks
                if pk in seen
            )
        return Read(frames=frames, scanned=pks[-1], full=len(rows) == BATCH)
    finally:
        connections.close_all()


# --- Streams' subscriptions ---


@dataclass(frozen=True)
class Message:
    """Frames for one stream's user; shared by every stream of that user on the article."""

    frames: tuple[tuple[int, str], ...]
    # Read after the LISTEN connection came back: send only what is after the stream's last id.
    recovery: bool = False


class Subscription:
    """One stream's place in the hub: its user, the messages waiting for it and the highest
    event id it has sent or looked past (``last``, kept by the stream). ``task`` is the task
    that serves the stream's request (set by the stream when it starts)."""

    def __init__(self, hub: Hub, article_id: int, user: Any, last: int) -> None:
        self.hub = hub
        self.article_id = article_id
        self.user = user
        self.last = last
        self.messages: deque[Message] = deque()
        self.wake = asyncio.Event()
        self.dropped = False
        self.closed = False
        self.task: asyncio.Task[Any] | None = None

    def push(self, message: Message) -> None:
        if self.dropped:
            return
        if len(self.messages) >= QUEUE_LIMIT:
            logger.warning(
                "live.stream dropped (slow client) article=%s user=%s", self.article_id, self.user
            )
            self.drop()
            return
        self.messages.append(message)
        self.wake.set()

    def drop(self) -> None:
        """End the stream: at its next step, or -- if it is stuck writing to a client that
        reads nothing -- by cancelling its request after DROP_GRACE_SECONDS. The browser
        reconnects and reads what it missed from the table."""
        self.dropped = True
        self.messages.clear()
        self.hub.unsubscribe(self)
        self.wake.set()
        self.hub.loop.call_later(DROP_GRACE_SECONDS, self._end_if_stuck)

    def _end_if_stuck(self) -> None:
        if not self.closed and self.task is not None and not self.task.done():
            self.task.cancel()

    def take(self) -> list[Message]:
        self.wake.clear()
        taken = list(self.messages)
        self.messages.clear()
        return taken

    def close(self) -> None:
        self.closed = True
        self.hub.unsubscribe(self)


# --- The hub ---


def _parse(payload: str) -> tuple[int, int] | None:
    """``"<article id>:<event id>"`` -> (article id, event id)."""
    article, _, event = payload.partition(":")
    if not (article.isdecimal() and event.isdecimal()) or len(payload) > 41:
        return None
    return int(article), int(event)


def connection_params() -> dict[str, Any]:
    """psycopg connection parameters for the default database, as Django would connect."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
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
    params["application_name"] = APPLICATION_NAME
    return params


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.channels: dict[int, set[Subscription]] = {}  # article id -> its open streams
        self.listening = asyncio.Event()
        self.admissions = asyncio.Semaphore(ADMIT_AT_ONCE)
        self.connects = 0  # LISTEN connections opened so far
        self._listener: asyncio.Task[None] | None = None
        self._heard: dict[int, set[int]] = {}  # article id -> event ids heard, not yet read
        self._recover: dict[int, int] = {}  # article id -> read again after this id
        self._readers: dict[int, asyncio.Task[None]] = {}  # article id -> its reading task
        self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="newsnotes-live")

    # Streams come and go.

    def subscribe(self, *, article_id: int, user: Any, after: int) -> Subscription:
        """Follow the article from now on; starts the LISTEN connection on first use."""
        if self._listener is None or self._listener.done():
            # A context of its own: the task must not inherit the first request's (its
            # database connections and its request thread).
            self._listener = self.loop.create_task(
                self._listen(), name="newsnotes-live-listen", context=contextvars.Context()
            )
        subscription = Subscription(self, article_id, user, after)
        self.channels.setdefault(article_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        streams = self.channels.get(subscription.article_id)
        if streams is None:
            return
        streams.discard(subscription)
        if not streams:
            del self.channels[subscription.article_id]
            self._heard.pop(subscription.article_id, None)
            self._recover.pop(subscription.article_id, None)

    @property
    def streams(self) -> int:
        return sum(len(streams) for streams in self.channels.values())

    async def ready(self, timeout: float) -> bool:
        """Is the LISTEN connection up (within ``timeout`` seconds)?"""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), timeout)
        return self.listening.is_set()

    async def read(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` in the hub's threads, in an empty context (so Django opens a
        database connection of its own there, and the function closes it)."""
        call = functools.partial(function, *args, **kwargs)
        return await self.loop.run_in_executor(self._threads, contextvars.Context().run, call)

    # The LISTEN connection.

    async def _listen(self) -> None:
        """Keep one LISTEN connection up, for as long as the event loop runs."""
        delay = BACKOFF_SECONDS[0]
        try:
            while True:
                connects = self.connects
                try:
                    conn = await psycopg.AsyncConnection.connect(
                        autocommit=True, **connection_params()
                    )
                    async with conn:
                        await self._serve(conn)
                except (psycopg.Error, OSError):
                    logger.warning("live.listen could not connect; retrying in %.1f s", delay)
                except Exception:
                    logger.exception("live.listen failed; retrying in %.1f s", delay)
                self.listening.clear()
                if self.connects > connects:  # it had worked: start the back-off afresh
                    delay = BACKOFF_SECONDS[0]
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 (jitter)
                delay = min(delay * 2, BACKOFF_SECONDS[1])
        except asyncio.CancelledError:
            # The event loop is closing (the server stops): the connection closed with the
            # ``async with`` above; let the reading threads end.
            self._threads.shutdown(wait=False)
            raise
        finally:
            self.listening.clear()

    async def _serve(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """LISTEN and dispatch until the connection fails."""
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.connects += 1
            if self.connects > 1:
                # Whatever committed while nobody listened: read each article again.
                for article_id, streams in self.channels.items():
                    self._recover[article_id] = min(s.last for s in streams)
                    self._start_reading(article_id)
            self.listening.set()
            while True:
                async for notify in conn.notifies(timeout=HEALTH_SECONDS):
                    self._on_notify(notify.payload)
                # Quiet for a while: is the server still there? (Notifications that arrive
                # meanwhile wait in psycopg's backlog for the next notifies().)
                await asyncio.wait_for(conn.execute("SELECT 1"), timeout=10)
        except (psycopg.Error, OSError, TimeoutError):
            logger.warning("live.listen lost its connection; reconnecting", exc_info=True)
        finally:
            self.listening.clear()

    def _on_notify(self, payload: str) -> None:
        parsed = _parse(payload)
        if parsed is None or parsed[0] not in self.channels:
            return  # no stream in this process follows that article
        article_id, event_id = parsed
        self._heard.setdefault(article_id, set()).add(event_id)
        self._start_reading(article_id)

    # Reading and fanning out.

    def _start_reading(self, article_id: int) -> None:
        if article_id not in self._readers:
            self._readers[article_id] = self.loop.create_task(
                self._drain(article_id), context=contextvars.Context()
            )

    async def _drain(self, article_id: int) -> None:
        """Read what was heard about the article, until nothing more is (notifications that
        arrive during a read are read together next)."""
        try:
            while streams := self.channels.get(article_id):
                users = {s.user.pk: s.user for s in streams}
                if article_id in self._recover:
                    after = self._recover.pop(article_id)
                    found = await self.read(read_events, article_id, users, after=after)
                    if found.full and found.scanned is not None:
                        self._recover[article_id] = found.scanned
                    self._fan_out(article_id, found, recovery=True)
                elif ids := self._heard.pop(article_id, None):
                    batch = sorted(ids)
                    if len(batch) > BATCH:
                        self._heard.setdefault(article_id, set()).update(batch[BATCH:])
                        batch = batch[:BATCH]
                    found = await self.read(read_events, article_id, users, ids=batch)
                    self._fan_out(article_id, found, recovery=False)
                else:
                    return
        except Exception:
            # The streams would miss these events: end them, and the browsers reconnect and
            # read what they missed from the table.
            logger.exception("live.read failed article=%s", article_id)
            for subscription in list(self.channels.get(article_id, ())):
                subscription.drop()
        finally:
            self._readers.pop(article_id, None)

    def _fan_out(self, article_id: int, found: Read, *, recovery: bool) -> None:
        shared: dict[int, Message] = {}
        for subscription in list(self.channels.get(article_id, ())):
            frames = found.frames.get(subscription.user.pk)
            if not frames:
                continue  # nothing for this reader, or a stream that started after the read
            message = shared.get(subscription.user.pk)
            if message is None:
                message = shared[subscription.user.pk] = Message(frames, recovery)
            subscription.push(message)


_hubs: dict[int, Hub] = {}


def hub() -> Hub:
    """The running event loop's hub (a server process has one loop, so one hub)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(id(loop))
    if found is None or found.loop is not loop:
        for key in [key for key, old in _hubs.items() if old.loop.is_closed()]:
            del _hubs[key]
        found = _hubs[id(loop)] = Hub(loop)
    return found
