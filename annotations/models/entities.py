"""Entities (people, states, organisations) and their mentions in articles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.articles import Article
from annotations.models.teams import Team
from annotations.querysets import (
    EntityJudgementQuerySet,
    EntityQuerySet,
    MentionQuerySet,
)


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
    # Set while a "same" judgement folds this entity into another: the row stays, so that
    # undoing the judgement gives it back with its keys and mentions (see EntityJudgement).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
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
    # The entity the mention was linked to before a merge moved it to ``entity`` (null: not
    # moved); undoing the merge moves it back.
    linked_entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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


class EntityJudgement(models.Model):
    """An analyst's decision about two entities, after nomenklatura's resolver: the same
    (a merge), not the same, or unsure. Judgements are never deleted: undoing one stamps
    ``undone_at``, and the canonical entities are derived again from those still active.

    For a merge, ``left`` is the entity that survives (the one chosen as target) and
    ``right`` the one folded into it; ``snapshot`` records what the merge copied onto
    ``left`` (aliases, Wikidata id, description) and which annotations it re-attributed, so
    that undoing it gives each back exactly.
    """

    class Kind(models.TextChoices):
        SAME = "same", "The same"
        NOT_SAME = "not_same", "Not the same"
        UNSURE = "unsure", "Unsure"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    left = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    judgement = models.CharField(max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snapshot = models.JSONField(default=dict, blank=True)

    objects = EntityJudgementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(left=F("right")), name="judgement_two_entities"),
        ]
        indexes = [
            models.Index(fields=["team", "undone_at"], name="judgement_team_active"),
            models.Index(fields=["left"], name="judgement_left"),
            models.Index(fields=["right"], name="judgement_right"),
        ]

    def __str__(self) -> str:
        return f"{self.left_id} {self.judgement} {self.right_id}"


class LearnedName(models.Model):
    """A team's correction that later analyses apply: a name an analyst marked as an entity
    (recognised in every later article of the team) or a name whose mention an analyst
    rejected (never suggested again in the team). ``name`` is the normalised form."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=300)
    text = models.CharField(max_length=300, help_text="The name as the analyst marked it.")
    # Null: the name was rejected; otherwise the entity it names.
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="learnedname_unique_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.text} -> {self.entity_id or 'rejected'}"
