"""Silent edits: the schedule on which an article imported from a URL is fetched again."""

from __future__ import annotations

from django.db import models

from annotations.models.activity import Job
from annotations.models.articles import Article


class ArticleRefetch(models.Model):
    """One article's re-fetch schedule and what the last re-fetch found.

    ``next_at`` is when the next check is due (None: the schedule is over); ``step`` counts
    the checks done, an index into the team's ``refetch_hours``. ``job`` is set while a job
    holds the check, so that the periodic pass never queues it twice.
    """

    class Result(models.TextChoices):
        NONE = "", "Not checked yet"
        UNCHANGED = "unchanged", "Unchanged"
        PAGE_CHANGED = "page_changed", "The page changed; its text, title and byline did not"
        EDITED = "edited", "Edited: new revision"
        FAILED = "failed", "The fetch failed"

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="refetch")
    imported_at = models.DateTimeField()  # the schedule counts from here
    next_at = models.DateTimeField(null=True, blank=True)
    step = models.PositiveSmallIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    page_sha256 = models.CharField(max_length=64, blank=True, default="")
    # What the source said at the last fetch (text, title, byline), to tell its edits from
    # analysts' corrections of the article (services/refetches.py:fields_sha256).
    source_sha256 = models.CharField(max_length=64, blank=True, default="")
    checks = models.PositiveIntegerField(default=0)
    edits = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(
        max_length=16, choices=Result.choices, default=Result.NONE, blank=True
    )
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="refetch_next_at")]

    def __str__(self) -> str:
        return f"re-fetch of {self.article_id} (step {self.step})"
