"""Watchlists: a saved search or a set of entities that a user, or a whole team, watches.

When the background analysis of an article finishes, ``services/watchlists.py`` matches the
article against the active watchlists that may see it and records one ``WatchlistHit`` per
(watchlist, article): re-analysing an article never notifies twice. ``WatchlistDigest`` is the
per-user state of the daily e-mail digest (the last hit it covered).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.articles import Article
from annotations.models.entities import Entity
from annotations.models.teams import Team
from annotations.querysets import WatchlistQuerySet


class Watchlist(models.Model):
    """Owned by one user (``user``) or by a team (``team``: every member is notified).

    A search watchlist holds the query and facet parameters exactly as the search page and
    ``GET /api/search/`` take them (``params``: facet name -> list of values, or a date);
    an entity watchlist holds ``entities``.
    """

    class Kind(models.TextChoices):
        SEARCH = "search", "Saved search"
        ENTITIES = "entities", "Entities"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="watchlists",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="watchlists"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    query = models.CharField(max_length=500, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    entities = models.ManyToManyField(Entity, through="WatchlistEntity", related_name="+")
    paused = models.BooleanField(default=False)
    email_digest = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WatchlistQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="watchlist_one_owner",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="watchlist_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind="entities") | (Q(kind="search") & ~Q(query="")),
                name="watchlist_search_has_query",
            ),
        ]
        indexes = [models.Index(fields=["paused", "kind"], name="watchlist_paused_kind")]

    def __str__(self) -> str:
        return self.name


class WatchlistEntity(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["watchlist", "entity"], name="watchlist_entity_unique")
        ]
        indexes = [models.Index(fields=["entity"], name="watchlist_entity_entity")]

    def __str__(self) -> str:
        return f"{self.watchlist_id} watches {self.entity_id}"


class WatchlistHit(models.Model):
    """An article that matched a watchlist; one per pair, whatever re-analysis happens."""

    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="hits")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    # What matched, for the reader: "search" or the entity names ("entities: Kim Jong Un").
    matched_on = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["watchlist", "article"], name="watchlist_hit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.watchlist_id} ← {self.article_id}"


class WatchlistDigest(models.Model):
    """One user's daily digest state: hits up to ``last_hit_id`` have been sent (or tried)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_hit_id = models.BigIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"digest of {self.user_id} up to {self.last_hit_id}"
