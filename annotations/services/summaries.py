"""Writes of the materialised dashboard: a viewer's snapshot, stored when their dashboard is
computed live, and refreshed in the background when the team has changed since.

See ``models.summaries`` and ``selectors.summaries`` (when a snapshot may be served).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from annotations.models import DashboardSnapshot, Membership, Team
from annotations.selectors import oversight
from annotations.selectors.summaries import (
    dashboard_snapshot,
    snapshot_fingerprint,
    team_last_event_id,
)

#: The periodic refresh recomputes at most this many stale snapshots per run.
REFRESH_BATCH = 50


def _jsonable(data: dict[str, Any]) -> Any:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@transaction.atomic
def dashboard_snapshot_store(*, user: Any, team: Team) -> tuple[dict[str, Any], datetime]:
    """Compute the user's dashboard live and keep it as their snapshot (the events it is
    current to are read first, so a change made meanwhile leaves the snapshot stale)."""
    last_event = team_last_event_id(team=team)
    fingerprint = snapshot_fingerprint(user=user, team=team)
    started = time.perf_counter()
    data = oversight.dashboard(user=user, team=team)
    seconds = time.perf_counter() - started
    now = timezone.now()
    DashboardSnapshot.objects.update_or_create(
        team=team,
        user=user,
        defaults={
            "data": {"fingerprint": fingerprint, "dashboard": _jsonable(data)},
            "last_event_id": last_event,
            "computed_at": now,
            "seconds": seconds,
        },
    )
    return data, now


def dashboard_view(*, user: Any, team: Team) -> tuple[dict[str, Any], datetime | None]:
    """The dashboard for the page: the user's snapshot when it may be served (with when it was
    computed, if it is not current), else computed live and kept."""
    served = dashboard_snapshot(user=user, team=team)
    if served is not None:
        data, computed_at, current = served
        return data, None if current else computed_at
    data, _ = dashboard_snapshot_store(user=user, team=team)
    return data, None


def dashboard_snapshots_refresh() -> int:
    """Periodic: recompute the snapshots their teams have changed since (the oldest first, at
    most REFRESH_BATCH a run), and drop those of people no longer in the team."""
    refreshed = 0
    for row in DashboardSnapshot.objects.select_related("team", "user").order_by("computed_at")[
        :REFRESH_BATCH
    ]:
        member = Membership.objects.filter(team=row.team, user=row.user).exists()
        if not member:
            row.delete()
            continue
        if row.last_event_id >= team_last_event_id(team=row.team) and row.data.get(
            "fingerprint"
        ) == snapshot_fingerprint(user=row.user, team=row.team):
            continue
        dashboard_snapshot_store(user=row.user, team=row.team)
        refreshed += 1
    return refreshed


def summaries_rebuild() -> int:
    """Every member's dashboard snapshot, computed anew (after a bulk load)."""
    count = 0
    for membership in Membership.objects.select_related("team", "user"):
        dashboard_snapshot_store(user=membership.user, team=membership.team)
        count += 1
    return count
