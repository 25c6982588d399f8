"""NewsNotes data model.

Every offset in this module (``Mention.start``, ``Annotation.start`` ...) is a Unicode code point
index into ``Article.text`` -- a Python ``str`` index -- as in the W3C Web Annotation model's
TextPositionSelector. The browser converts to and from UTF-16 at its boundary.

Writes go through ``annotations.services``; models hold fields, constraints and cheap properties.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .querysets import (
    AnnotationQuerySet,
    ArticleQuerySet,
    EntityQuerySet,
    MentionQuerySet,
    TeamQuerySet,
    TeamScopedQuerySet,
)

# Each side of a TextQuoteSelector carries this many code points of context.
QUOTE_CONTEXT_CHARS = 32
# Deleted annotations stay restorable in the trash for this many days.
TRASH_DAYS = 30
# The largest key a database integer column holds; ids beyond it are refused, not looked up.
MAX_ID = 2**63 - 1


def new_content_stamp() -> str:
    return uuid.uuid4().hex


class Team(models.Model):
    """A group of analysts who share articles, entities, tags and annotations."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes after every write that can change how the team's annotations read in a list;
    # cached list pages are keyed by it (services/stamps.py, api/listcache.py). Random, not a
    # counter, so a team id that SQLite reuses never meets an old page.
    content_stamp = models.CharField(max_length=32, default=new_content_stamp, editable=False)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a team. Roles gate writes; every member may read."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ANALYST = "analyst", "Analyst"
        REVIEWER = "reviewer", "Reviewer"
        VIEWER = "viewer", "Viewer"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "analyst", "reviewer", "viewer"]),
                name="membership_role_valid",
            ),
        ]
        ordering = ["team", "user"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


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


class Entity(models.Model):
    """A canonical person, state, organisation ... shared by every article of a team."""

    class Kind(models.TextChoices):
        PERSON = "PERSON", "Person"
        GPE = "GPE", "State or place (GPE)"
        ORG = "ORG", "Organisation"
        NORP = "NORP", "Nationality or group"
        LOC = "LOC", "Location"
        EVENT = "EVENT", "Event"
        FAC = "FAC", "Facility"
        OTHER = "OTHER", "Other"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="entities")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True, default="")
    wikidata_id = models.CharField(max_length=20, blank=True, default="")
    gazetteer_id = models.CharField(max_length=100, blank=True, default="")
    aliases = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="entity_unique_wikidata_per_team",
            ),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="entity_wikidata_id_format",
            ),
        ]
        indexes = [models.Index(fields=["team", "kind", "name"], name="entity_team_kind_name")]

    def __str__(self) -> str:
        return self.name


class EntityKey(models.Model):
    """A resolution key (``gaz:vladimir-putin``, ``name:PERSON:john kirby``) pointing at an entity.

    NER produces keys; looking them up here links a mention to the team's canonical entity.
    Merging moves keys to the surviving entity, so later imports keep resolving to it.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=400)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "key"], name="entitykey_unique_per_team"),
        ]

    def __str__(self) -> str:
        return self.key


class Mention(models.Model):
    """A span of an article's text that names an entity."""

    class Origin(models.TextChoices):
        MODEL = "model", "spaCy model"
        GAZETTEER = "gazetteer", "Gazetteer"
        ANALYST = "analyst", "Analyst"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="mentions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    label = models.CharField(max_length=16)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.MODEL)
    confidence = models.FloatField(default=1.0)
    # An analyst who rejects a mention keeps the row, so that running NER again does not
    # bring it back.
    rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="mention_offsets_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="mention_confidence_range",
            ),
            models.UniqueConstraint(fields=["article", "start", "end"], name="mention_unique_span"),
        ]
        indexes = [models.Index(fields=["entity", "article"], name="mention_entity_article")]

    def __str__(self) -> str:
        return f"{self.text} [{self.start}:{self.end}]"


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


class Job(models.Model):
    """A background job (import, NER) and its progress, as the API and the UI show it.

    django-tasks-db has no lease on running tasks: a worker that dies leaves its task
    "running" for ever. Jobs therefore carry a heartbeat, and the sweeper
    (``services/jobs.py:jobs_sweep``) re-queues those whose heartbeat stopped.
    """

    class Kind(models.TextChoices):
        ANALYZE = "analyze", "Recognise entities and attributions"
        IMPORT_URL = "import_url", "Import from URL"

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


class ArticleSubmission(models.Model):
    """An analyst has submitted their work on a blind article; they now see the others'."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="submission_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.article_id}"


class Notification(models.Model):
    """Something a user should see: an @mention, a reply to their annotation, a verdict."""

    class Kind(models.TextChoices):
        MENTION = "mention", "Mentioned you"
        REPLY = "reply", "Replied to your annotation"
        REVIEW = "review", "Reviewed your annotation"

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
