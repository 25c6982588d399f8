"""Admiralty grading reads: the current grade of many sources in one query, a source's
history, the grade of a claim (its source's reliability and its own credibility) and the
dashboard's distribution.

The current grade of a source is its latest grade row that has not expired; a row with an empty
``reliability`` (a clear) ends the grade. A claim's source is the entity it is attributed to
when that entity is graded, else the outlet of its article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from annotations.filters import source_reliability
from annotations.models import Annotation, Credibility, Reliability, SourceGrade, Team
from annotations.models.grading import NOT_GRADED, combined_grade
from annotations.selectors.oversight import _claims, team_annotations

#: A team's grades listed at once in the reader (the most recently graded sources first).
READER_GRADES_LIMIT = 5_000


@dataclass(frozen=True)
class Grades:
    """Current reliability letters by entity id and by outlet id."""

    entities: dict[int, str]
    outlets: dict[int, str]
    #: The ids of the rows that are current grades (not the clears).
    row_ids: frozenset[int] = frozenset()

    def of(self, *, entity_id: int | None, outlet_id: int | None) -> str:
        """A claim's source reliability: its entity's if graded, else its outlet's, else ""."""
        if entity_id is not None and entity_id in self.entities:
            return self.entities[entity_id]
        if outlet_id is not None:
            return self.outlets.get(outlet_id, "")
        return ""


def _live(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def current_grades(
    *,
    team_id: int,
    entity_ids: Iterable[int] | None = None,
    outlet_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> Grades:
    """The team's current grades of the given sources (``None``: of all its sources), in one
    query: the live rows newest first, the first row of each source wins."""
    rows = SourceGrade.objects.filter(team_id=team_id).filter(_live(timezone.now()))
    if entity_ids is not None or outlet_ids is not None:
        rows = rows.filter(
            Q(entity_id__in=list(entity_ids or ())) | Q(outlet_id__in=list(outlet_ids or ()))
        )
    seen: set[tuple[str, int]] = set()
    entities: dict[int, str] = {}
    outlets: dict[int, str] = {}
    row_ids: set[int] = set()
    for pk, entity_id, outlet_id, reliability in rows.order_by("-id").values_list(
        "pk", "entity_id", "outlet_id", "reliability"
    ):
        key = ("e", entity_id) if entity_id is not None else ("o", outlet_id)
        if key in seen:
            continue
        seen.add(key)
        if reliability:
            row_ids.add(pk)
            (entities if entity_id is not None else outlets)[key[1]] = reliability
        if limit is not None and len(seen) >= limit:
            break
    return Grades(entities=entities, outlets=outlets, row_ids=frozenset(row_ids))


def reader_grades(*, team_id: int, outlet_id: int | None) -> dict[str, Any]:
    """What the reader needs to show a source's grade at once: the article's outlet's grade
    and the team's graded entities (capped)."""
    grades = current_grades(team_id=team_id, limit=READER_GRADES_LIMIT)
    return {
        "outlet": grades.outlets.get(outlet_id, "") if outlet_id is not None else "",
        "entities": {str(pk): letter for pk, letter in grades.entities.items()},
    }


def source_grades(*, user: Any) -> QuerySet[SourceGrade]:
    """Every grade row (the history) of the user's teams, newest first."""
    return SourceGrade.objects.visible_to(user).select_related("entity", "outlet", "created_by")


def source_grade_history(
    *, user: Any, team: Team, entity_id: int | None = None, outlet_id: int | None = None
) -> QuerySet[SourceGrade]:
    rows = source_grades(user=user).filter(team=team)
    if entity_id is not None:
        rows = rows.filter(entity_id=entity_id)
    if outlet_id is not None:
        rows = rows.filter(outlet_id=outlet_id)
    return rows


def claim_grade_rows(annotations: Iterable[Annotation]) -> dict[int, str]:
    """Combined grades of annotations (with ``article`` loaded), in one query per team."""
    items = list(annotations)
    by_team: dict[int, list[Annotation]] = {}
    for a in items:
        by_team.setdefault(a.team_id, []).append(a)
    out: dict[int, str] = {}
    for team_id, group in by_team.items():
        grades = current_grades(
            team_id=team_id,
            entity_ids={a.attributed_to_entity_id for a in group if a.attributed_to_entity_id},
            outlet_ids={a.article.outlet_id for a in group if a.article.outlet_id},
        )
        for a in group:
            letter = grades.of(entity_id=a.attributed_to_entity_id, outlet_id=a.article.outlet_id)
            out[a.pk] = combined_grade(letter, a.credibility)
    return out


def grade_distribution(*, user: Any, team: Team) -> dict[str, Any]:
    """The team's claims the user may see, counted by source reliability (rows: A-F, then
    ungraded "") and credibility (columns: 1-6, then ungraded ""). Grouped in the database by
    (credibility, entity, outlet), then mapped through the current grades: two queries."""
    claims = _claims(team_annotations(user=user, team=team).filter(deleted_at__isnull=True))
    groups = list(
        claims.order_by()
        .values_list("credibility", "attributed_to_entity_id", "article__outlet_id")
        .annotate(n=Count("pk"))
    )
    grades = current_grades(
        team_id=team.pk,
        entity_ids={e for _, e, _, _ in groups if e is not None},
        outlet_ids={o for _, _, o, _ in groups if o is not None},
    )
    counts: Counter[tuple[str, str]] = Counter()
    for credibility, entity_id, outlet_id, n in groups:
        counts[(grades.of(entity_id=entity_id, outlet_id=outlet_id), credibility)] += n
    columns = [*Credibility.values, ""]
    return {
        "columns": columns,
        "rows": [
            {
                "reliability": letter,
                "counts": [counts[(letter, c)] for c in columns],
                "total": sum(counts[(letter, c)] for c in columns),
            }
            for letter in [*Reliability.values, ""]
        ],
        "total": sum(counts.values()),
    }


# --- The search facet "grade" ----------------------------------------------------------------

GRADE_VALUE = re.compile(rf"^[A-F{NOT_GRADED}][1-6{NOT_GRADED}]$")


def is_grade_value(value: str) -> bool:
    """A facet value: "B2", or with an en dash for a part not graded; two dashes are none."""
    return bool(GRADE_VALUE.match(value)) and value != NOT_GRADED * 2


def grade_filter(queryset: QuerySet[Annotation], values: Iterable[str]) -> QuerySet[Annotation]:
    """Annotations whose combined grade is one of ``values`` (checked by ``is_grade_value``)."""
    wanted = Q()
    for value in values:
        letter, digit = (part.replace(NOT_GRADED, "") for part in value)
        wanted |= Q(admiralty_reliability=letter, credibility=digit)
    return queryset.alias(admiralty_reliability=source_reliability()).filter(wanted)


def grade_facet_counts(ids: list[int], *, limit: int) -> list[dict[str, Any]]:
    """The combined grades of these annotations, most frequent first: one query to read them,
    one per team for the grades."""
    rows = list(
        Annotation.objects.filter(pk__in=ids).values_list(
            "team_id", "credibility", "attributed_to_entity_id", "article__outlet_id"
        )
    )
    counts: Counter[str] = Counter()
    for team_id in {row[0] for row in rows}:
        mine = [row for row in rows if row[0] == team_id]
        grades = current_grades(
            team_id=team_id,
            entity_ids={row[2] for row in mine if row[2] is not None},
            outlet_ids={row[3] for row in mine if row[3] is not None},
        )
        for _, credibility, entity_id, outlet_id in mine:
            grade = combined_grade(grades.of(entity_id=entity_id, outlet_id=outlet_id), credibility)
            if grade:
                counts[grade] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"value": g, "label": g, "count": n} for g, n in ordered[:limit]]
