"""Tags and annotations (W3C Web Annotation shaped), their replies, reviews and versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.articles import Article
from annotations.models.entities import Entity
from annotations.models.grading import Credibility
from annotations.models.limits import QUOTE_CONTEXT_CHARS
from annotations.models.teams import Team
from annotations.querysets import (
    AnnotationQuerySet,
    TeamScopedQuerySet,
)


class Tag(models.Model):
    """A team's vocabulary for annotations: claim, source, evidence, figure ..."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "Claim"
        SOURCE = "source", "Source"
        EVIDENCE = "evidence", "Evidence"
        FIGURE = "figure", "Figure"
        OPINION = "opinion", "Opinion"
        OTHER = "other", "Other"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60)
    colour = models.CharField(max_length=7, default="#888888", help_text="#rrggbb")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=300, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="tag_unique_slug_per_team"),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="tag_colour_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Annotation(models.Model):
    """A highlighted passage with its bodies, shaped after the W3C Web Annotation model.

    Target: the article, a TextQuoteSelector (exact, prefix, suffix) and a
    TextPositionSelector (start, end) into the text of ``article_revision``.
    Bodies: tags, a comment, a claim assessment, and an optional attribution to a source
    annotation and/or an entity ("Kirby said ..." -> John Kirby and the span naming him).
    """

    class Assessment(models.TextChoices):
        UNVERIFIED = "unverified", "Unverified"
        SUPPORTED = "supported", "Supported"
        DISPUTED = "disputed", "Disputed"
        FALSE = "false", "False"
        MISLEADING = "misleading", "Misleading"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private to the author"
        TEAM = "team", "Shared with the team"

    class AnchorState(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        REANCHORED = "reanchored", "Re-anchored after a text edit"
        ORPHANED = "orphaned", "Orphaned: its quote is no longer in the text"
        QUOTE_CHANGED = "quote_changed", "Re-anchored, quote changed"

    class Origin(models.TextChoices):
        ANALYST = "analyst", "Analyst"
        MODEL = "model", "Model suggestion"

    class SuggestionState(models.TextChoices):
        NONE = "", "Not a suggestion"
        PENDING = "pending", "Suggested"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    class ReviewState(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        DISPUTED = "disputed", "Disputed"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="annotations")
    # PROTECT: an article that carries annotations cannot be deleted by accident.
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="annotations")
    article_revision = models.PositiveIntegerField(default=1)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=QUOTE_CONTEXT_CHARS, blank=True, default="")
    suffix = models.CharField(max_length=QUOTE_CONTEXT_CHARS, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="annotations")
    comment = models.TextField(blank=True, default="")
    assessment = models.CharField(
        max_length=16, choices=Assessment.choices, default=Assessment.UNVERIFIED
    )
    # Admiralty information credibility, "1" to "6" ("" = not graded): set on claims.
    credibility = models.CharField(
        max_length=1, choices=Credibility.choices, blank=True, default=""
    )
    attributed_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_claims",
        help_text="The source annotation this claim rests on.",
    )
    attributed_to_entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_annotations",
        help_text="Who makes the claim, or on whose authority.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.TEAM
    )
    anchor_state = models.CharField(
        max_length=16, choices=AnchorState.choices, default=AnchorState.ANCHORED
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.ANALYST)
    suggestion_state = models.CharField(
        max_length=16, choices=SuggestionState.choices, default=SuggestionState.NONE, blank=True
    )
    review_state = models.CharField(
        max_length=24, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    # What made a model suggestion: the attribution rule that fired (its pattern and cue word,
    # e.g. "verb-object: said") and the rule's confidence, 0 to 1. Empty/None for analysts' work.
    suggestion_rule = models.CharField(max_length=64, blank=True, default="")
    suggestion_confidence = models.FloatField(null=True, blank=True)
    # What the model said about its suggestion, for the analyst to check: the speaker and why
    # ("speaker_reason": "'he' -> Jean-Luc Bernard (sentence 3)"), the reporter of a chain,
    # the stance (a denial is a claim that the thing is false). Empty for analysts' work.
    # Offsets in it refer to ``article_revision``. Shape: docs/nlp.md.
    suggestion_details = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    # Deleting moves an annotation to the trash; it can be restored for TRASH_DAYS.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="annotation_offsets_valid",
            ),
            models.CheckConstraint(condition=~Q(exact=""), name="annotation_exact_not_empty"),
            models.CheckConstraint(condition=Q(version__gte=1), name="annotation_version_positive"),
            models.CheckConstraint(
                condition=Q(visibility__in=["private", "team"]), name="annotation_visibility_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["article", "start"], name="annotation_article_start"),
            models.Index(fields=["team", "author"], name="annotation_team_author"),
            models.Index(fields=["team", "-created_at"], name="annotation_team_created"),
            models.Index(fields=["team", "review_state"], name="annotation_team_review"),
            # An entity's page: the newest claims attributed to it.
            models.Index(
                fields=["attributed_to_entity", "-created_at"], name="annotation_entity_recent"
            ),
            # The review queue: each state's oldest first, read up to the page's length.
            models.Index(
                fields=["team", "review_state", "created_at", "id"], name="annotation_queue_age"
            ),
            models.Index(fields=["team", "deleted_at"], name="annotation_team_deleted"),
        ]

    def __str__(self) -> str:
        quote = self.exact if len(self.exact) <= 60 else self.exact[:57] + "..."
        return f"“{quote}”"


class Reply(models.Model):
    """A message in the discussion thread of an annotation; ``parent`` makes threads."""

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="replies")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="replies"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["annotation", "created_at", "id"]
        verbose_name_plural = "replies"
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="reply_text_not_empty")]

    def __str__(self) -> str:
        return self.text[:60]


class Review(models.Model):
    """A reviewer's verdict on an annotation."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REQUEST_CHANGES = "request_changes", "Request changes"
        DISPUTE = "dispute", "Dispute"

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    verdict = models.CharField(max_length=24, choices=Verdict.choices)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=["approve", "request_changes", "dispute"]),
                name="review_verdict_valid",
            ),
        ]
        indexes = [models.Index(fields=["annotation", "-created_at"], name="review_annotation")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.reviewer}"


class AnnotationVersion(models.Model):
    """Every state an annotation has been in: who changed what, and when. Restoring an old
    state writes a new version, so history is only ever appended to."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        WITHDRAWN = "withdrawn", "Withdrawn from review"
        REVIEWED = "reviewed", "Reviewed"
        ACCEPTED = "accepted", "Suggestion accepted"
        REJECTED = "rejected", "Suggestion rejected"
        UNREJECTED = "unrejected", "Rejection reversed"
        REANCHORED = "reanchored", "Re-anchored after a text edit"
        DELETED = "deleted", "Moved to the trash"
        UNDELETED = "undeleted", "Restored from the trash"
        RESTORED = "restored", "Earlier version restored"

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    snapshot = models.JSONField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "number"], name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.annotation_id} v{self.number} {self.action}"
