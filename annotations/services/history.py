"""History, events and live notification of annotation changes.

Every service that changes an annotation calls ``record()`` inside its transaction: it appends
an ``AnnotationVersion`` (a full snapshot) and an ``Event``. On PostgreSQL it also sends
``NOTIFY newsnotes_events``; PostgreSQL delivers notifications only when the transaction
commits, so listeners never hear of a change that was rolled back. Every event is notified by
itself (the live streams read exactly the ids they hear of). Each event also renews the team's
content stamp, which retires cached annotation lists (services/stamps.py).

An event remembers the browser tab that asked for the change (``CLIENT``, set for a request by
``annotations.middleware.client_id_middleware`` from its ``X-Client-Id`` header), so that tab
can skip its own events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from annotations.models import Annotation, AnnotationVersion, Event
from annotations.services.search_index import search_index_annotations
from annotations.services.stamps import teams_touch

logger = logging.getLogger(__name__)

CHANNEL = "newsnotes_events"
# The X-Client-Id of the request being served ("" outside requests: tasks, commands, the admin).
CLIENT: ContextVar[str] = ContextVar("newsnotes_client", default="")


def snapshot(annotation: Annotation) -> dict[str, Any]:
    """What an annotation says, in a form that can be compared and restored."""
    entity = annotation.attributed_to_entity
    return {
        "article_revision": annotation.article_revision,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "tags": [{"id": t.pk, "name": t.name} for t in annotation.tags.all()],
        "comment": annotation.comment,
        "assessment": annotation.assessment,
        "credibility": annotation.credibility,
        "attributed_to": annotation.attributed_to_id,
        "attributed_to_entity": {"id": entity.pk, "name": entity.name} if entity else None,
        "visibility": annotation.visibility,
        "review_state": annotation.review_state,
        "anchor_state": annotation.anchor_state,
        "suggestion_state": annotation.suggestion_state,
        "deleted": annotation.deleted_at is not None,
    }


def record(
    annotation: Annotation,
    *,
    action: str,
    actor: User | None,
    note: str = "",
    summary: str = "",
) -> AnnotationVersion:
    """Append a version and an event for the annotation's current state (after the change)."""
    annotation = (
        Annotation.objects.select_related("attributed_to_entity")
        .prefetch_related("tags")
        .get(pk=annotation.pk)
    )
    version = AnnotationVersion.objects.create(
        annotation=annotation,
        number=annotation.version,
        action=action,
        snapshot=snapshot(annotation),
        actor=actor,
        note=note[:500],
    )
    search_index_annotations(ids=[annotation.pk])
    event(
        team_id=annotation.team_id,
        article_id=annotation.article_id,
        annotation_id=annotation.pk,
        kind=f"annotation.{action}",
        actor=actor,
        summary=summary or annotation.exact[:200],
    )
    return version


def record_many(
    annotations: Iterable[Annotation],
    *,
    action: str,
    actor: User | None,
    note: str = "",
) -> None:
    """``record`` for a batch (re-anchoring after a text edit), in a few queries."""
    ids = [a.pk for a in annotations]
    rows = (
        Annotation.objects.filter(pk__in=ids)
        .select_related("attributed_to_entity")
        .prefetch_related("tags")
    )
    versions, events = [], []
    for annotation in rows:
        versions.append(
            AnnotationVersion(
                annotation=annotation,
                number=annotation.version,
                action=action,
                snapshot=snapshot(annotation),
                actor=actor,
                note=note[:500],
            )
        )
        events.append(
            Event(
                team_id=annotation.team_id,
                article_id=annotation.article_id,
                annotation_id=annotation.pk,
                kind=f"annotation.{action}",
                actor=actor,
                summary=annotation.exact[:200],
                client=CLIENT.get(),
            )
        )
    AnnotationVersion.objects.bulk_create(versions)
    search_index_annotations(ids=ids)
    created = Event.objects.bulk_create(events)
    if created:
        _notify(created)
        teams_touch(team_ids=[row.team_id for row in created])


def event(
    *,
    team_id: int,
    kind: str,
    actor: User | None,
    article_id: int | None = None,
    annotation_id: int | None = None,
    summary: str = "",
) -> Event:
    row = Event.objects.create(
        team_id=team_id,
        article_id=article_id,
        annotation_id=annotation_id,
        kind=kind,
        actor=actor,
        summary=summary[:300],
        client=CLIENT.get(),
    )
    _notify([row])
    teams_touch(team_ids=[team_id])
    return row


def _notify(rows: list[Event]) -> None:
    """``NOTIFY newsnotes_events, '<article id>:<event id>'`` for each row, in one statement."""
    if connection.vendor != "postgresql":
        return  # SQLite pages poll the event table instead
    payloads = [f"{row.article_id or 0}:{row.pk}" for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload", [CHANNEL, payloads]
        )
