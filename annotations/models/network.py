"""The entity network: which entities appear together (in a sentence, a claim, an article),
and the relations analysts type between two entities, with their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.articles import Article
from annotations.models.entities import Entity
from annotations.models.teams import Team
from annotations.querysets import TeamScopedQuerySet

# Typed relations: the suggested labels; any other text up to MAX_RELATION_LABEL is allowed.
RELATION_LABELS = (
    "commands",
    "allied with",
    "supplies",
    "met with",
    "funds",
    "opposes",
    "negotiates with",
    "member of",
    "employs",
    "attacked",
)
MAX_RELATION_LABEL = 60
MAX_RELATION_NOTE = 1000


class EntityPair(models.Model):
    """Two entities (``left_id < right_id``) that appear together once in an article: in one
    sentence or one claim (``start``/``end`` is its span of the text), or anywhere in the
    article (one row per article, the span of the whole text). Written by the analysis job
    (services/network.py); a merge is resolved when the graph is read."""

    class Kind(models.TextChoices):
        SENTENCE = "sentence", "Same sentence"
        CLAIM = "claim", "Same claim"
        ARTICLE = "article", "Same article"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    left = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    objects = TeamScopedQuerySet["EntityPair"].as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(left__lt=F("right")), name="entitypair_ordered"),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="entitypair_span"),
        ]
        indexes = [
            models.Index(fields=["team", "kind", "left", "right"], name="entitypair_team_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.left_id}-{self.right_id} {self.kind} in {self.article_id}"


class Relation(models.Model):
    """An analyst's reading of what links two entities: ``source`` commands ``target``."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=MAX_RELATION_LABEL)
    note = models.TextField(max_length=MAX_RELATION_NOTE, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet["Relation"].as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_two_entities"),
            models.CheckConstraint(condition=~Q(label=""), name="relation_label_not_empty"),
        ]
        indexes = [models.Index(fields=["team", "source", "target"], name="relation_team_pair")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.label} {self.target_id}"


class RelationEvent(models.Model):
    """One change of a relation (who, when, what it became); kept after the relation is
    deleted, so the history of a pair stays readable."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    relation = models.ForeignKey(
        Relation, on_delete=models.SET_NULL, null=True, related_name="events"
    )
    relation_number = models.PositiveBigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=MAX_RELATION_LABEL)
    note = models.TextField(max_length=MAX_RELATION_NOTE, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet["RelationEvent"].as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["relation_number", "id"], name="relationevent_relation")]

    def __str__(self) -> str:
        return f"{self.action} {self.relation_number}"
