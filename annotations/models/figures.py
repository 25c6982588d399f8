"""Figures: quantities an article states ("at least 8,000 North Korean troops"), with what
they count, who they are about, and the claim that states them (annotations/nlp/figures.py
extracts them; services/figures.py writes them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from annotations.models.annotations import Annotation
from annotations.models.articles import Article
from annotations.models.entities import Entity
from annotations.models.teams import Team
from annotations.querysets import FigureQuerySet

MAX_FIGURE_TEXT = 300
MAX_READINGS = 8
MAX_RESOLUTION_HISTORY = 50


class Figure(models.Model):
    """A number with what it counts. ``low``/``high`` are its value (equal unless a range);
    both are null while the number is ``flagged`` as malformed ("315,00") and unresolved: an
    analyst then picks one of ``readings`` (``resolved_value``), which later analyses keep."""

    class Bound(models.TextChoices):
        EXACT = "exact", "Exact"
        ABOUT = "about", "About"
        MORE_THAN = "more_than", "More than"
        AT_LEAST = "at_least", "At least"
        AT_MOST = "at_most", "Up to"
        LESS_THAN = "less_than", "Less than"
        RANGE = "range", "Range"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="figures")
    article_revision = models.PositiveIntegerField(default=1)
    # The claim annotation whose span covers the figure (null: no claim states it).
    claim = models.ForeignKey(
        Annotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="figures"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.CharField(max_length=MAX_FIGURE_TEXT)
    number_start = models.PositiveIntegerField(default=0)
    number_end = models.PositiveIntegerField(default=0)
    # troops, casualties, killed, wounded, missiles, shells, drones, money, tonnes, percent,
    # other: the kinds of annotations/nlp/data/figure_units.json.
    kind = models.CharField(max_length=16)
    unit = models.CharField(max_length=32, blank=True, default="")
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    bound = models.CharField(max_length=16, choices=Bound.choices, default=Bound.EXACT)
    subject = models.ForeignKey(
        Entity, on_delete=models.SET_NULL, null=True, blank=True, related_name="figures"
    )
    flagged = models.BooleanField(default=False)
    problem = models.CharField(max_length=16, blank=True, default="")
    readings = models.JSONField(default=list, blank=True)
    resolved_value = models.FloatField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Every resolution and undo, oldest first: {"value", "user", "at"} (value null: undone).
    resolution_history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FigureQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="figure_offsets_valid"
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="figure_low_not_above_high",
            ),
            models.UniqueConstraint(fields=["article", "start", "end"], name="figure_unique_span"),
        ]
        indexes = [
            models.Index(fields=["team", "kind", "subject"], name="figure_team_kind_subject"),
            models.Index(fields=["team", "flagged"], name="figure_team_flagged"),
        ]

    def __str__(self) -> str:
        return f"{self.text} [{self.kind}]"

    @property
    def resolved(self) -> bool:
        return self.resolved_value is not None
