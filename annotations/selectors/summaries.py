"""Reads of the materialised dashboard (``models.summaries.DashboardSnapshot``).

A snapshot is one viewer's dashboard, computed with their visibility rules, so serving it to
them never shows what they may not see. It is served when it is current (no team event since it
was computed, the viewer's role and the team's blind articles unchanged), or, for a team whose
live dashboard costs more than ``EXPENSIVE_SECONDS``, while it is younger than
``settings.NEWSNOTES_DASHBOARD_STALE_SECONDS``: the page then says "as of" when, and the periodic
refresh (``services.summaries.dashboard_snapshots_refresh``) brings it up to date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from annotations.models import Article, DashboardSnapshot, Event, Membership, Team

#: Below this cost, a stale snapshot is not worth serving: the page is computed live.
EXPENSIVE_SECONDS = 0.5


def team_last_event_id(*, team: Team) -> int:
    """The team's newest event id (the (team, -id) index): what a snapshot is current to."""
    return Event.objects.filter(team=team).order_by("-id").values_list("id", flat=True).first() or 0


def snapshot_fingerprint(*, user: Any, team: Team) -> str:
    """What a snapshot's visibility depends on besides the events: the viewer's role, and the
    team's blind articles (how many, and the last change to one)."""
    role = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
    blind = Article.objects.filter(team=team, blind=True).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    last = blind["last"].isoformat() if blind["last"] else ""
    return f"{role}|{blind['n']}|{last}"


def _restore_times(data: dict[str, Any]) -> dict[str, Any]:
    """JSON keeps times as ISO strings; the page formats datetimes."""
    for event in data.get("activity", []):
        if isinstance(event.get("created_at"), str):
            event["created_at"] = datetime.fromisoformat(event["created_at"])
    for group in data.get("who_claims_what", []):
        for claim in group.get("claims", []):
            if isinstance(claim.get("created_at"), str):
                claim["created_at"] = datetime.fromisoformat(claim["created_at"])
    return data


def dashboard_snapshot(*, user: Any, team: Team) -> tuple[dict[str, Any], datetime, bool] | None:
    """The viewer's dashboard, when it was computed and whether it is current, if a snapshot
    may be served; else None (compute it live)."""
    row = (
        DashboardSnapshot.objects.filter(team=team, user=user)
        .only("data", "computed_at", "last_event_id", "seconds")
        .first()
    )
    if row is None or row.data.get("fingerprint") != snapshot_fingerprint(user=user, team=team):
        return None
    current = row.last_event_id >= team_last_event_id(team=team)
    young = timezone.now() - row.computed_at <= timedelta(
        seconds=settings.NEWSNOTES_DASHBOARD_STALE_SECONDS
    )
    if current or (row.seconds >= EXPENSIVE_SECONDS and young):
        return _restore_times(row.data["dashboard"]), row.computed_at, current
    return None
