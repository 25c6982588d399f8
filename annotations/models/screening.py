"""Batch screening: a list of names checked against a team's entities (``services/screening.py``).

A ``Screening`` holds its input (the names, as given, without blank lines and repeats) and the
background job that runs it, whose ``done``/``total`` are its progress and whose status is its
status. A ``ScreeningResult`` is one match of one input name, or the row saying that the name
matched nothing; running the screening again replaces its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.activity import Job
from annotations.models.entities import Entity
from annotations.models.teams import Team
from annotations.querysets import TeamScopedQuerySet

# An input list holds at most this many names, each of at most MAX_NAME_LENGTH characters.
MAX_SCREENING_NAMES = 5000
MAX_NAME_LENGTH = 300


class Screening(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True, default="")
    names = models.JSONField(default=list, help_text="The input names, in their order.")
    name_count = models.PositiveIntegerField(default=0)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="screening_team_created")]

    def __str__(self) -> str:
        return self.title or f"Screening {self.pk}"


class ScreeningResult(models.Model):
    class MatchKind(models.TextChoices):
        EXACT = "exact", "Exact name"
        ALIAS = "alias", "Alias"
        FUZZY = "fuzzy", "Fuzzy"
        NONE = "none", "No match"

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveIntegerField(help_text="The name's place in the input, from 1.")
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    match_kind = models.CharField(max_length=8, choices=MatchKind.choices)
    score = models.FloatField(default=0.0)
    # The entity matched (null: no match, or the entity was deleted since), with its name then
    # and the name or alias that matched.
    entity = models.ForeignKey(
        Entity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entity_name = models.CharField(max_length=300, blank=True, default="")
    matched_name = models.CharField(max_length=300, blank=True, default="")
    article_count = models.PositiveIntegerField(default=0)
    claim_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["screening", "position", "-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="screening_result_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["screening", "position"], name="screening_result_position"),
            models.Index(fields=["screening", "match_kind"], name="screening_result_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} -> {self.entity_name or 'no match'}"
