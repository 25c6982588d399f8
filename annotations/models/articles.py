"""Articles, their outlets, their text revisions, and who has submitted work on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from annotations.models.teams import Team
from annotations.querysets import (
    ArticleQuerySet,
)


class Outlet(models.Model):
    """A publication: Reuters, Yonhap, the Philippine Daily Inquirer ..."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="outlet_unique_domain"
            ),
            models.UniqueConstraint(
                Lower("name"), condition=Q(domain=""), name="outlet_unique_name_without_domain"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """A news article. ``text`` is the canonical plain text every offset indexes into.

    ``revision`` counts text edits; each one is kept as an ``ArticleRevision`` and each
    annotation records the revision it is anchored to, so an edit never silently moves it.
    """

    class NlpStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField(max_length=500)
    outlet = models.ForeignKey(
        Outlet, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    url = models.URLField(max_length=2000, blank=True, default="")
    authors = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en", blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imported_articles",
    )
    revision = models.PositiveIntegerField(default=1)
    nlp_status = models.CharField(
        max_length=16, choices=NlpStatus.choices, default=NlpStatus.PENDING
    )
    nlp_revision = models.PositiveIntegerField(
        default=0, help_text="The text revision that mentions were last computed on."
    )
    blind = models.BooleanField(
        default=False,
        help_text="Blind annotation: analysts see teammates' work only after submitting their own.",
    )
    # Silent edits: a re-fetch of the article's URL found its text, title or byline changed.
    edited_after_import = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "url"], condition=~Q(url=""), name="article_unique_url_per_team"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="article_text_not_empty"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="article_revision_positive"),
        ]
        indexes = [
            models.Index(fields=["team", "-published_at"], name="article_team_published"),
            models.Index(fields=["team", "text_sha256"], name="article_team_sha"),
            models.Index(fields=["team", "-created_at"], name="article_team_created"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """One version of an article's text. The newest equals ``Article.text``."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    # The title and byline this revision had ("" and [] on revisions from before they were kept).
    title = models.CharField(max_length=500, blank=True, default="")
    authors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.article} r{self.number}"


class ArticleSubmission(models.Model):
    """An analyst has submitted their work on an article (on a blind one, they now see the
    others'): at least one annotation, or the explicit statement that they have nothing to add,
    which the agreement statistics count as an annotator who marked nothing."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nothing_to_add = models.BooleanField(
        default=False, help_text="Submitted with no annotation: read, and found nothing to mark"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="submission_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.article_id}"
