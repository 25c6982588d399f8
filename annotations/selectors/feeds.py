"""Feed and archive reads for the pages: a team's feeds, an article's archived fetches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from annotations.models import ArchiveRecord, Article, Feed, Team


def team_feeds(*, user: Any, team: Team) -> QuerySet[Feed]:
    """The team's feeds, if the user is in the team (none otherwise), with their poll job."""
    return (
        Feed.objects.visible_to(user)
        .filter(team=team)
        .select_related("poll_job")
        .order_by("title", "url", "pk")
    )


def article_archive_records(*, user: Any, article: Article, limit: int = 5) -> list[ArchiveRecord]:
    """The latest archived fetches of an article the user can see, newest first."""
    return list(
        ArchiveRecord.objects.visible_to(user)
        .filter(article=article)
        .order_by("-fetched_at", "-pk")[:limit]
    )
