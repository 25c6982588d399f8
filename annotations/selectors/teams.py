"""What the team page shows: the members with their roles, the tag vocabulary in its order and
the articles with their blind mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotations.models import Article, Membership, Tag, Team

# The team page lists the newest articles for their blind switches; the agreement page and
# the API (PATCH /api/articles/{id}/) reach the others.
ARTICLES_LIMIT = 100


@dataclass(frozen=True)
class TeamSettings:
    members: list[Membership]
    tags: list[Tag]
    articles: list[Article]
    article_count: int


def team_settings(*, user: Any, team: Team) -> TeamSettings:
    """The team page's data; ``team`` is one of the user's teams (the caller checked it)."""
    members = list(
        Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    tags = list(Tag.objects.filter(team=team).order_by("position", "id"))
    articles = Article.objects.filter(team=team).only("id", "title", "blind", "published_at")
    return TeamSettings(
        members=members,
        tags=tags,
        articles=list(articles.order_by("-created_at", "-id")[:ARTICLES_LIMIT]),
        article_count=articles.count(),
    )
