"""What every page view shares: the current team and the user's role in it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from annotations.context_processors import current_membership


def team_context(request: HttpRequest) -> dict[str, Any]:
    membership = current_membership(request)
    return {
        "team": membership.team if membership else None,
        "role": membership.role if membership else None,
        "can_annotate": bool(membership and membership.role in {"owner", "analyst"}),
        "can_review": bool(membership and membership.role in {"owner", "reviewer"}),
    }


def with_share(rows: list[dict[str, Any]], key: str = "count") -> list[dict[str, Any]]:
    """Each row's ``share``: its count as a percentage of the largest, for the bar charts."""
    top = max((row[key] for row in rows), default=0)
    return [{**row, "share": round(100 * row[key] / top) if top else 0} for row in rows]
