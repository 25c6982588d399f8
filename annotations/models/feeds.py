"""Feed subscriptions of a team (RSS, Atom) and the items seen in them (``services/feeds.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.activity import Job
from annotations.models.articles import Article
from annotations.models.teams import Team
from annotations.querysets import TeamScopedQuerySet


class Feed(models.Model):
    """An RSS or Atom feed that a team follows, polled every ``interval_minutes``.

    A failing poll backs off (twice the wait after each failure, at most a day); after
    ``NEWSNOTES_FEED_BROKEN_AFTER`` failures in a row the feed is broken and no longer polled
    until someone resumes it or polls it by hand. ``poll_job`` is the poll in flight, so that
    a feed is never polled twice at once."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        BACKING_OFF = "backing_off", "Backing off"
        BROKEN = "broken", "Broken"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True, default="")
    interval_minutes = models.PositiveIntegerField(default=60)
    paused = models.BooleanField(default=False)
    # Bumped by every edit through the API or the page (If-Match: a stale edit gets a 412).
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OK)
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    etag = models.CharField(max_length=500, blank=True, default="")
    last_modified = models.CharField(max_length=100, blank=True, default="")
    last_poll_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    items_found = models.PositiveIntegerField(default=0, help_text="Distinct items seen.")
    items_imported = models.PositiveIntegerField(default=0, help_text="Articles created.")
    last_error = models.CharField(max_length=500, blank=True, default="")
    poll_job = models.ForeignKey(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "url"], name="feed_unique_url_per_team"),
            models.CheckConstraint(condition=Q(interval_minutes__gte=5), name="feed_interval_min"),
        ]
        indexes = [
            models.Index(fields=["paused", "status", "next_poll_at"], name="feed_due"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class FeedItem(models.Model):
    """An item seen in a feed, keyed by its guid (or its link when it has none), so that an
    item is fetched once however many polls list it. ``article`` is the article it became or
    matched; none when its page could not be imported (``error`` says why)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=64, help_text="SHA-256 of the guid, or of the link.")
    url = models.URLField(max_length=2000, blank=True, default="")
    article = models.ForeignKey(
        Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duplicate = models.BooleanField(default=False, help_text="Matched an existing article.")
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "key"], name="feeditem_unique_key"),
        ]

    def __str__(self) -> str:
        return self.url or self.key
