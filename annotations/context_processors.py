"""The workspace every page shows: the user's teams and the one they are working in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from annotations.models import Membership, Notification

SESSION_TEAM = "newsnotes_team"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the team the user switched to, else their first team."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_newsnotes_membership", False)  # False: not looked up yet
    if cached is None or isinstance(cached, Membership):
        return cached
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("team").order_by("team__name")
    )
    wanted = request.session.get(SESSION_TEAM)
    chosen = next((m for m in memberships if m.team_id == wanted), None)
    chosen = chosen or (memberships[0] if memberships else None)
    request._newsnotes_membership = chosen  # type: ignore[attr-defined]
    request._newsnotes_memberships = memberships  # type: ignore[attr-defined]
    return chosen


def workspace(request: HttpRequest) -> dict[str, Any]:
    membership = current_membership(request)
    unread = 0
    if request.user.is_authenticated:
        unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return {
        "current_membership": membership,
        "current_team": membership.team if membership else None,
        "memberships": getattr(request, "_newsnotes_memberships", []),
        "unread_notifications": unread,
    }
