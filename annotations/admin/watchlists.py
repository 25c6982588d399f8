"""Watchlists, their entities, hits and digest state, read-only: their writes belong to
services/watchlists.py (owners edit them on the watchlists page or through the API)."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import Watchlist, WatchlistDigest, WatchlistEntity, WatchlistHit


@admin.register(Watchlist)
class WatchlistAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "query", "user", "team", "paused", "email_digest", "created_at"]
    list_filter = ["kind", "paused", "email_digest", "team"]
    search_fields = ["name", "query"]
    list_select_related = ["user", "team"]


@admin.register(WatchlistEntity)
class WatchlistEntityAdmin(ReadOnlyAdmin):
    list_display = ["watchlist", "entity"]
    list_select_related = ["watchlist", "entity"]


@admin.register(WatchlistHit)
class WatchlistHitAdmin(ReadOnlyAdmin):
    list_display = ["watchlist", "article", "matched_on", "created_at"]
    list_select_related = ["watchlist", "article"]


@admin.register(WatchlistDigest)
class WatchlistDigestAdmin(ReadOnlyAdmin):
    list_display = ["user", "last_hit_id", "sent_at", "sent_count"]
    list_select_related = ["user"]
