"""The archive: one WARC response record per fetched page (``services/archive.py``)."""

from __future__ import annotations

from django.db import models

from annotations.models.articles import Article
from annotations.models.teams import Team
from annotations.querysets import TeamScopedQuerySet


class ArchiveRecord(models.Model):
    """Where a fetched page's WARC record is stored, and what it holds.

    The record itself (headers, body, final URL, fetch time, SHA-256 digests) lives in the
    archive storage (``STORAGES["archive"]``) under ``storage_name``; this row finds it and
    says what is in it without opening it. ``article`` is the article the page became or
    matched (none for a page that was refused, e.g. not an article)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="archive_records")
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="archive_records",
    )
    url = models.URLField(max_length=2000, help_text="The URL asked for.")
    final_url = models.URLField(max_length=2000, help_text="The URL after redirects.")
    status = models.PositiveSmallIntegerField(default=200)
    content_type = models.CharField(max_length=100, blank=True, default="")
    fetched_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64, help_text="Hex SHA-256 of the stored payload.")
    size = models.PositiveIntegerField(help_text="Payload bytes stored.")
    truncated = models.BooleanField(default=False, help_text="The body passed the archive cap.")
    record_bytes = models.PositiveIntegerField(help_text="Size of the gzipped WARC record.")
    storage_name = models.CharField(max_length=300, unique=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-fetched_at", "-id"]
        indexes = [
            models.Index(fields=["team", "fetched_at"], name="archive_team_fetched"),
            models.Index(fields=["article", "-fetched_at"], name="archive_article_fetched"),
        ]

    def __str__(self) -> str:
        return f"{self.final_url} @ {self.fetched_at:%Y-%m-%d %H:%M}"
