"""Page notes: a note on a whole article, as Hypothesis has, and what each analyst has read.

A page note is a model of its own rather than an ``Annotation`` without a selector: every
annotation has a quote and offsets (the database enforces them, and highlights, anchoring,
agreement and the span exports rely on them), while a note has neither. Notes follow the same
visibility rules (private or team; on a blind article, teammates' notes only after one's own
submission) and keep every version, as annotations do. In the W3C export a note is an
annotation whose target is the article's source with no selector.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.articles import Article
from annotations.models.teams import Team
from annotations.querysets import ArticleNoteQuerySet, ArticleReadQuerySet

MAX_NOTE_CHARS = 10_000


class ArticleNote(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private to the author"
        TEAM = "team", "Shared with the team"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="article_notes")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_notes"
    )
    text = models.TextField(help_text="Markdown")
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ArticleNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_text_not_empty"),
            models.CheckConstraint(condition=Q(version__gte=1), name="note_version_positive"),
            models.CheckConstraint(
                condition=Q(visibility__in=["private", "team"]), name="note_visibility_valid"
            ),
        ]
        indexes = [models.Index(fields=["article", "deleted_at"], name="note_article_deleted")]

    def __str__(self) -> str:
        return f"Note {self.pk} on article {self.article_id}"


class ArticleNoteVersion(models.Model):
    """Every state of a note: who wrote what, and when (appended to, never rewritten)."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Edited"
        DELETED = "deleted", "Deleted"

    note = models.ForeignKey(ArticleNote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    text = models.TextField()
    visibility = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["note", "number", "id"]

    def __str__(self) -> str:
        return f"v{self.number} of note {self.note_id}"


class ArticleRead(models.Model):
    """The first and latest time a user opened an article in the reader (the "next to
    annotate" queue leaves out what they have read and annotated)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_read_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(auto_now=True)

    objects = ArticleReadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="read_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.article_id}"
