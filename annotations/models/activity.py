"""What happens around the work: background jobs, idempotency keys, notifications and events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.annotations import Annotation
from annotations.models.articles import Article
from annotations.models.teams import Team
from annotations.querysets import (
    TeamScopedQuerySet,
)


class Job(models.Model):
    """A background job (import, NER) and its progress, as the API and the UI show it.

    django-tasks-db has no lease on running tasks: a worker that dies leaves its task
    "running" for ever. Jobs therefore carry a heartbeat, and the sweeper
    (``services/jobs.py:jobs_sweep``) re-queues those whose heartbeat stopped.
    """

    class Kind(models.TextChoices):
        ANALYZE = "analyze", "Recognise entities and attributions"
        IMPORT_URL = "import_url", "Import from URL"
        REFETCH = "refetch", "Fetch imported articles again"
        POLL_FEED = "poll_feed", "Poll a feed"
        SCREEN = "screen", "Screen a list of names"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True, default="")
    errors = models.JSONField(default=list, blank=True, help_text="[{line, message}] per bad item")
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    task_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="job_team_created"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")) | Q(total=0), name="job_done_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def progress(self) -> float:
        return (
            self.done / self.total if self.total else (1.0 if self.status == "succeeded" else 0.0)
        )


class IdempotencyKey(models.Model):
    """A POST's ``Idempotency-Key``: a retried request gets the first one's response."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """Something a user should see: an @mention, a reply to their annotation, a verdict."""

    class Kind(models.TextChoices):
        MENTION = "mention", "Mentioned you"
        REPLY = "reply", "Replied to your annotation"
        REVIEW = "review", "Reviewed your annotation"
        ARTICLE_EDITED = "article_edited", "Edited after import"
        WATCH = "watch", "Matched a watchlist"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The article a watchlist matched (kind "watch"); annotation notifications have none.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.user}"


class Event(models.Model):
    """A change teammates should see live (and the team's activity feed).

    Pages follow an article's events: over Server-Sent Events woken by PostgreSQL
    LISTEN/NOTIFY, or by polling on SQLite; both read this table after the last id seen.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300, blank=True, default="")
    # The X-Client-Id of the browser tab that made the change (shown to its actor: it skips it).
    client = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["article", "id"], name="event_article_id"),
            models.Index(fields=["team", "-id"], name="event_team_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.annotation_id}"
