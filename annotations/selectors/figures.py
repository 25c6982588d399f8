"""Reading figures: lists, one figure (404 across teams), the subjects that have figures, and
the consistency of one subject's figures of one kind across articles and outlets.

**Outliers and contradictions.** Each figure's value is a range: ``low``..``high``, open above
for "more than"/"at least" and below for "up to"/"less than". Two figures contradict when
one range lies above the other by more than ``factor`` (the upper one's low is more than
``factor`` times the lower one's high). A figure is an outlier when it lies outside the range
of all the others together (two at least) by more than ``factor``. Rates ("1,200 a day") are
compared only with rates of the same period, totals with totals. The factor is the setting
``FIGURES_OUTLIER_FACTOR`` (default 2), or the request's ``factor`` (1 to 1000).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from annotations.models import Annotation, Entity, Figure
from annotations.nlp.figures import format_number, kind_labels, value_words

DEFAULT_FACTOR = 2.0
MAX_FACTOR = 1000.0
#: The most figures one consistency view reads; and the most contradictions listed per figure.
MAX_POINTS = 2_000
MAX_CONTRADICTIONS = 20
#: An outlier stands apart from at least this many others; of two figures that disagree,
#: neither is the outlier: they contradict each other.
MIN_PEERS = 2

_OPEN_ABOVE = {Figure.Bound.MORE_THAN, Figure.Bound.AT_LEAST}
_OPEN_BELOW = {Figure.Bound.AT_MOST, Figure.Bound.LESS_THAN}


def outlier_factor() -> float:
    return float(getattr(settings, "FIGURES_OUTLIER_FACTOR", DEFAULT_FACTOR))


def figure_queryset(user: Any) -> QuerySet[Figure]:
    return Figure.objects.visible_to(user).select_related(
        "article", "article__outlet", "subject", "resolved_by"
    )


def figure_get_for_user(*, user: Any, pk: Any) -> Figure:
    """The figure, if one of the user's teams holds it; otherwise Http404 (also for an id
    that is not a whole number a database key holds)."""
    text = str(pk)
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18):
        raise Http404("No figure has this id.")
    return get_object_or_404(figure_queryset(user), pk=int(text))


def subject_filter(subject_id: int) -> Q:
    """Figures about the entity or about an entity folded into it."""
    return Q(subject_id=subject_id) | Q(subject__merged_into_id=subject_id)


def visible_claims(user: Any, claim_ids: Iterable[int | None]) -> set[int]:
    """Which of these claim annotations the user may see (a private or trashed one is not)."""
    ids = {pk for pk in claim_ids if pk is not None}
    if not ids:
        return set()
    return set(Annotation.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def reader_url(article_id: int, claim_id: int | None) -> str:
    """The reader at the claim that states the figure, or at the article."""
    url = reverse("annotations:article-read", args=[article_id])
    return f"{url}#a-{claim_id}" if claim_id is not None else url


def figure_subjects(user: Any, *, team_id: int | None = None) -> list[dict[str, Any]]:
    """Each (canonical subject, kind) that has figures, with their count, most figures first."""
    qs = Figure.objects.visible_to(user).filter(subject__isnull=False)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    rows = list(
        qs.annotate(canonical=Coalesce("subject__merged_into_id", "subject_id"))
        .values("canonical", "kind")
        .annotate(count=Count("pk"))
        .order_by("-count", "canonical", "kind")[:500]
    )
    names = dict(
        Entity.objects.filter(pk__in={r["canonical"] for r in rows}).values_list("pk", "name")
    )
    labels = kind_labels()
    return [
        {
            "subject": r["canonical"],
            "subject_name": names.get(r["canonical"], ""),
            "kind": r["kind"],
            "kind_label": labels.get(r["kind"], r["kind"]),
            "count": r["count"],
        }
        for r in rows
    ]


def _range(figure: Figure) -> tuple[float, float]:
    low = 0.0 if figure.bound in _OPEN_BELOW else float(figure.low or 0.0)
    high = math.inf if figure.bound in _OPEN_ABOVE else float(figure.high or 0.0)
    return low, high


def _period(figure: Figure) -> str:
    """ "per day" for a rate ("daily casualties averaged 1,200"), "" for a total."""
    head, _, per = figure.unit.rpartition(" per ")
    if figure.unit.startswith("per "):
        return figure.unit
    return f"per {per}" if head else ""


def _apart(upper: tuple[float, float], lower: tuple[float, float], factor: float) -> bool:
    """``upper`` lies above ``lower`` by more than ``factor``."""
    return upper[0] > lower[1] * factor


def figure_consistency(
    *, user: Any, subject: Entity, kind: str, factor: float | None = None
) -> dict[str, Any]:
    """One subject's figures of one kind, by date and source, with outliers and contradictions.

    ``points`` have a value (figures not flagged, or resolved); ``unresolved`` lists flagged
    figures still waiting for an analyst, with their readings.
    """
    factor = outlier_factor() if factor is None else factor
    rows = list(
        figure_queryset(user)
        .filter(subject_filter(subject.pk), kind=kind)
        .order_by("article__published_at", "article_id", "start")[:MAX_POINTS]
    )
    claims = visible_claims(user, (f.claim_id for f in rows))
    valued = [f for f in rows if f.low is not None and f.high is not None]
    ranges = {f.pk: _range(f) for f in valued}
    periods = {f.pk: _period(f) for f in valued}
    points = []
    for figure in valued:
        mine = ranges[figure.pk]
        peers = [o for o in valued if o.pk != figure.pk and periods[o.pk] == periods[figure.pk]]
        others = [ranges[o.pk] for o in peers]
        contradicts = [
            o.pk
            for o in peers
            if _apart(mine, ranges[o.pk], factor) or _apart(ranges[o.pk], mine, factor)
        ]
        outlier = len(others) >= MIN_PEERS and (
            _apart(mine, (min(r[0] for r in others), max(r[1] for r in others)), factor)
            or _apart((min(r[0] for r in others), max(r[1] for r in others)), mine, factor)
        )
        points.append(
            {
                **figure_dict(figure, claims),
                "period": periods[figure.pk],
                "outlier": outlier,
                "contradicts": contradicts[:MAX_CONTRADICTIONS],
            }
        )
    return {
        "subject": {"id": subject.pk, "name": subject.name, "kind": subject.kind},
        "kind": kind,
        "kind_label": kind_labels().get(kind, kind),
        "factor": factor,
        "points": points,
        "unresolved": [figure_dict(f, claims) for f in rows if f.low is None],
        "outliers": sum(1 for p in points if p["outlier"]),
        "contradictions": sum(len(p["contradicts"]) for p in points) // 2,
    }


def figure_dict(figure: Figure, visible_claim_ids: set[int]) -> dict[str, Any]:
    """A figure as the pages and the API show it (the claim only when the user may see it)."""
    article = figure.article
    claim = figure.claim_id if figure.claim_id in visible_claim_ids else None
    date = article.published_at or article.created_at
    return {
        "id": figure.pk,
        "article": article.pk,
        "article_title": article.title,
        "outlet": article.outlet.name if article.outlet else "",
        "date": date.isoformat() if date else None,
        "claim": claim,
        "url": reader_url(article.pk, claim),
        "start": figure.start,
        "end": figure.end,
        "text": figure.text,
        "kind": figure.kind,
        "unit": figure.unit,
        "low": figure.low,
        "high": figure.high,
        "bound": figure.bound,
        "value_label": value_label(figure),
        "subject": figure.subject_id,
        "subject_name": figure.subject.name if figure.subject else "",
        "flagged": figure.flagged,
        "problem": figure.problem,
        "readings": figure.readings,
        "reading_labels": [format_number(r) for r in figure.readings],
        "resolved_value": figure.resolved_value,
        "resolved_by": (
            {"id": figure.resolved_by.pk, "name": figure.resolved_by.get_username()}
            if figure.resolved_by
            else None
        ),
        "resolved_at": figure.resolved_at.isoformat() if figure.resolved_at else None,
        "resolution_history": list(figure.resolution_history or []),
    }


def value_label(figure: Figure) -> str:
    """ "at least 8,000", "10,000 to 12,000", "315,000 or 31,500?"."""
    return value_words(figure.low, figure.high, figure.bound, figure.readings)
