"""Rendered pages of the annotation list, cached per process.

The reader loads an article's annotations as one page of up to 1,000; building it is ~40 ms of
CPU, serving a cached copy well under a millisecond. A page is cached under a key made of:

* the reader (their id) and, for each of their teams, the team id, their role, the team's
  content stamp (``services/stamps.py``) and the id of its newest ``Event``: a committed write
  that can change any annotation of the team, its tags or entities, or who may see what,
  renews the stamp, so later requests miss and rebuild. The stamp is renewed just after the
  commit; annotation changes also write an event inside their transaction, so a reader never
  gets the old page for a change it could already see (a page following live events refetches
  right after the commit). Leaving a team or a role change changes the key too;
* the absolute URL (query string included, so every filter and cursor is its own page) and
  the negotiated media type.

Only 200 JSON responses are stored, and nothing is read or stored inside a transaction: a
request that can see its own uncommitted writes (tests, ``ATOMIC_REQUESTS``) must not share
them. Entries also expire after ``NEWSNOTES_LIST_CACHE_SECONDS``, which bounds staleness for
writes made outside the services. The store is a byte-bounded LRU per process
(``NEWSNOTES_LIST_CACHE_MB``): a shared cache would cost a network round trip and pickling of
the page, a large part of what it saves.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.renderers import FastJSONRenderer
from annotations.models import Event, Membership


class PageCache:
    """A thread-safe LRU of (content type, body) by key, bounded in bytes, with a lifetime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, tuple[float, str, bytes]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def capacity() -> int:
        return max(0, settings.NEWSNOTES_LIST_CACHE_MB) * 2**20

    def get(self, key: str) -> tuple[str, bytes] | None:
        with self._lock:
            entry = self._pages.get(key)
            if entry is None or entry[0] < time.monotonic():
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return entry[1], entry[2]

    def put(self, key: str, content_type: str, body: bytes) -> None:
        capacity = self.capacity()
        if len(body) > capacity // 4:
            return  # one page must not empty the cache
        expires = time.monotonic() + settings.NEWSNOTES_LIST_CACHE_SECONDS
        with self._lock:
            if key in self._pages:
                self._drop(key)
            self._pages[key] = (expires, content_type, body)
            self._bytes += len(body)
            while self._bytes > capacity:
                self._drop(next(iter(self._pages)))

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._pages)

    def _drop(self, key: str) -> None:
        _, _, body = self._pages.pop(key)
        self._bytes -= len(body)


pages = PageCache()


def page_key(request: Request) -> str | None:
    """The key of this list request's page, or None if it must not be cached."""
    if not PageCache.capacity() or request.method not in ("GET", "HEAD"):
        return None
    if not isinstance(getattr(request, "accepted_renderer", None), FastJSONRenderer):
        return None  # the browsable API and ?format=... render differently
    if connection.in_atomic_block:
        return None  # it could see its own uncommitted writes
    user = request.user
    if not user.is_authenticated:
        return None
    # The newest event of each team closes the gap between a commit and its on_commit stamp
    # renewal: events are written inside the writer's transaction, so data a reader can see
    # comes with its event (and PostgreSQL's NOTIFY, which pages follow, is sent at commit).
    newest_event = (
        Event.objects.filter(team_id=OuterRef("team_id")).order_by("-id").values("id")[:1]
    )
    teams = list(
        Membership.objects.filter(user=user)
        .order_by("team_id")
        .values_list("team_id", "role", "team__content_stamp", Subquery(newest_event))
    )
    material = repr((user.pk, teams, request.build_absolute_uri(), request.accepted_media_type))
    return hashlib.blake2b(material.encode(), digest_size=20).hexdigest()


def cached_page(key: str) -> HttpResponse | None:
    page = pages.get(key)
    if page is None:
        return None
    content_type, body = page
    return HttpResponse(body, content_type=content_type)


def store_when_rendered(response: Response, key: str) -> None:
    """Keep the page once DRF has rendered it, if it is a success."""

    def store(rendered: Any) -> None:
        if rendered.status_code == 200:
            pages.put(key, rendered["Content-Type"], bytes(rendered.content))

    response.add_post_render_callback(store)
