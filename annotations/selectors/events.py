"""Event reads: which of an article's changes a user may hear of, and over which transport."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from annotations.models import Annotation, AnnotationVersion, Event, Team

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


def live_transport(request: HttpRequest) -> str:
    """How a reader page follows its article: ``"sse"`` (the stream, api/live.py) on PostgreSQL
    under the ASGI server; ``"poll"`` (``events/?after=N``) on SQLite, and under WSGI
    (``manage.py runserver``, the test server), where a stream would hold a thread."""
    # From the settings, not ``connection.vendor``: that would give this request's context a
    # database wrapper of its own, which a stream would keep for its whole life.
    engine = connections.settings[DEFAULT_DB_ALIAS]["ENGINE"]
    if engine != "django.db.backends.postgresql" or settings.LIVE_TRANSPORT == "poll":
        return "poll"
    if settings.LIVE_TRANSPORT == "sse" or isinstance(request, ASGIRequest):
        return "sse"
    return "poll"
