"""Admiralty grading (NATO AJP-2.1): how reliable a source is, A to F.

A team grades a source -- an entity (a person, an agency, a ministry) or an outlet -- and the
grade holds across every article of the team. Each change is a new ``SourceGrade`` row (who,
when, why), so the rows of a source are its history; the current grade is the latest row that
has not expired and was not cleared (a clear is a row with an empty ``reliability``).

The credibility of an item of information, 1 to 6, is ``Annotation.credibility`` (set on claim
annotations; its history is the annotation's versions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.articles import Outlet
from annotations.models.entities import Entity
from annotations.models.teams import Team
from annotations.querysets import SourceGradeQuerySet

MAX_GRADE_REASON = 1_000


class Reliability(models.TextChoices):
    A = "A", "A: completely reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class Credibility(models.TextChoices):
    CONFIRMED = "1", "1: confirmed by other sources"
    PROBABLY = "2", "2: probably true"
    POSSIBLY = "3", "3: possibly true"
    DOUBTFUL = "4", "4: doubtful"
    IMPROBABLE = "5", "5: improbable"
    UNKNOWN = "6", "6: truth cannot be judged"


NOT_GRADED = "\N{EN DASH}"


def combined_grade(reliability: str, credibility: str) -> str:
    """The Admiralty grade "B2"; a part not graded reads as an en dash ("B\N{EN DASH}"); "" when
    neither part is graded."""
    if not reliability and not credibility:
        return ""
    return f"{reliability or NOT_GRADED}{credibility or NOT_GRADED}"


class SourceGrade(models.Model):
    """One change of a team's grade of one source (exactly one of ``entity`` and ``outlet``).

    ``reliability`` is empty on the row that clears the grade. ``expires_at`` (optional) is when
    the grade stops being current; the row stays in the history.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, null=True, blank=True, related_name="grades"
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, null=True, blank=True, related_name="grades"
    )
    reliability = models.CharField(
        max_length=1, choices=Reliability.choices, blank=True, default=""
    )
    reason = models.CharField(max_length=MAX_GRADE_REASON, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceGradeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entity__isnull=False, outlet__isnull=True)
                | Q(entity__isnull=True, outlet__isnull=False),
                name="source_grade_one_source",
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=["", "A", "B", "C", "D", "E", "F"]),
                name="source_grade_reliability_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "entity", "-id"], name="source_grade_team_entity"),
            models.Index(fields=["team", "outlet", "-id"], name="source_grade_team_outlet"),
        ]

    def __str__(self) -> str:
        return f"{self.source_name}: {self.reliability or 'cleared'}"

    @property
    def source_name(self) -> str:
        source = self.entity if self.entity_id else self.outlet
        return str(source.name) if source else ""
