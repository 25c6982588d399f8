"""Analysis of Competing Hypotheses (Heuer): an analysis asks a question, weighs evidence rows
(a team's claim annotation, or free text) against hypotheses, and rates each cell (CC, C, N, I,
II, NA). The scoring is ``lib/ach.py``; the writes, with their history, ``services/ach.py``.

Every change bumps ``Analysis.version`` (the ETag of the whole matrix: any stale ``If-Match``
gets 412) and appends one ``AnalysisVersion`` holding what changed, so that any version can be
rebuilt and restored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.annotations import Annotation
from annotations.models.teams import Team
from annotations.querysets import TeamScopedQuerySet

MAX_HYPOTHESES = 20  # per analysis
MAX_EVIDENCE = 300  # per analysis: the size the performance target is measured at
MAX_QUESTION_CHARS = 500
MAX_HYPOTHESIS_CHARS = 500
MAX_NOTE_CHARS = 2000
RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
CREDIBILITY_GRADES = (1, 2, 3, 4, 5, 6)


class Analysis(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="analyses")
    question = models.CharField(max_length=MAX_QUESTION_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(question=""), name="analysis_question_not_empty")
        ]
        indexes = [models.Index(fields=["team", "-updated_at"], name="analysis_team_updated")]

    def __str__(self) -> str:
        return self.question


class Hypothesis(models.Model):
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="hypotheses")
    text = models.CharField(max_length=MAX_HYPOTHESIS_CHARS)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["analysis", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Evidence(models.Model):
    """A row of the matrix: a claim annotation of the analysis' team and/or a free-text note.

    ``credibility`` (1-6) and ``reliability`` (A-F) are Admiralty grades stored on the row;
    ``weight`` overrides the weight they give (``lib/ach.py: row_weight``)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="evidence")
    annotation = models.ForeignKey(
        Annotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, default="")
    credibility = models.PositiveSmallIntegerField(null=True, blank=True)
    reliability = models.CharField(max_length=1, blank=True, default="")
    weight = models.FloatField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["analysis", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credibility__isnull=True) | Q(credibility__gte=1, credibility__lte=6),
                name="evidence_credibility_1_6",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=["", *RELIABILITY_GRADES]),
                name="evidence_reliability_a_f",
            ),
        ]

    def __str__(self) -> str:
        return self.note[:60] or f"evidence {self.pk}"


class Rating(models.Model):
    class Value(models.TextChoices):
        CC = "CC", "Very consistent"
        C = "C", "Consistent"
        N = "N", "Neutral"
        I = "I", "Inconsistent"  # noqa: E741
        II = "II", "Very inconsistent"
        NA = "NA", "Not applicable"

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="ratings")
    hypothesis = models.ForeignKey(Hypothesis, on_delete=models.CASCADE, related_name="ratings")
    value = models.CharField(max_length=2, choices=Value.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "hypothesis"], name="rating_unique_cell"),
            models.CheckConstraint(
                condition=Q(value__in=["CC", "C", "N", "I", "II", "NA"]), name="rating_value_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id}x{self.hypothesis_id}: {self.value}"


class AnalysisVersion(models.Model):
    """One change of an analysis: ``changes`` lists what it set or removed, or ``state`` holds
    the whole matrix (creation and restores). Replaying versions 1..N rebuilds version N."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    summary = models.CharField(max_length=300, blank=True, default="")
    changes = models.JSONField(default=list, blank=True)
    state = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["analysis", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "number"], name="analysis_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.analysis_id} v{self.number}: {self.action}"
