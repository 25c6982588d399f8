"""Reads of watchlists (``models/watchlists.py``): the user's own and their teams', and their
hits on articles the user may see (a hit of a team the user has left is not shown)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from annotations.models import Article, Entity, Watchlist, WatchlistHit


def _visible_articles(user: User | AnonymousUser) -> QuerySet[Any]:
    return Article.objects.visible_to(user).values("pk")


def watchlists_for(user: User | AnonymousUser) -> QuerySet[Watchlist]:
    """The user's watchlists and their teams', with ``hit_count`` and ``last_hit_at``."""
    seen = Q(hits__article__in=_visible_articles(user))
    return (
        Watchlist.objects.visible_to(user)
        .select_related("team")
        .prefetch_related(
            Prefetch(
                "entities", queryset=Entity.objects.order_by("name").only("pk", "name", "kind")
            )
        )
        .annotate(
            hit_count=Count("hits", filter=seen), last_hit_at=Max("hits__created_at", filter=seen)
        )
        .order_by("team__name", "name", "pk")
    )


def watchlist_hits(
    user: User | AnonymousUser, *, watchlist: Watchlist | None = None
) -> QuerySet[WatchlistHit]:
    """Hits, newest first: of one watchlist, or of every watchlist the user sees."""
    hits = WatchlistHit.objects.filter(article__in=_visible_articles(user))
    if watchlist is not None:
        hits = hits.filter(watchlist=watchlist)
    else:
        hits = hits.filter(watchlist__in=Watchlist.objects.visible_to(user).values("pk"))
    return hits.select_related("article__outlet", "watchlist").order_by("-created_at", "-pk")


def search_params(watchlist: Watchlist) -> str:
    """The search page's query string for a saved search ("" for an entity watchlist)."""
    if watchlist.kind != Watchlist.Kind.SEARCH:
        return ""
    pairs: list[tuple[str, Any]] = [("q", watchlist.query)]
    for name, value in sorted(watchlist.params.items()):
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    return urlencode(pairs)
