"""Batch screening reads: the screenings of the user's teams (another team's answer 404), their
result rows, and what a match says about an entity: how many articles and claims mention it,
and when it was first and last seen.

A screening is shared by its team, so its counts are what every member of the team may see:
team work only (no private note of anyone), not in the trash, and on a blind article only
the model's accepted suggestions (an analyst who has not submitted sees no teammate's work
there). Another team's entities and articles never enter: every query is bound to the team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse

from annotations.models import (
    Annotation,
    Job,
    Mention,
    Screening,
    ScreeningResult,
    Tag,
)
from annotations.selectors.oversight import claim_entity_counts

MatchKind = ScreeningResult.MatchKind


@dataclass
class EntityStats:
    article_count: int = 0
    claim_count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def shared_claims(team_id: int) -> QuerySet[Annotation]:
    """The team's claims that every member may see: analysts' annotations tagged with a claim
    tag and the model's accepted claim suggestions; shared, live, and not hidden blind work."""
    claim_tagged = Annotation.tags.through.objects.filter(
        tag__kind=Tag.Kind.CLAIM, tag__team_id=team_id
    ).values("annotation_id")
    return Annotation.objects.filter(
        Q(origin=Annotation.Origin.ANALYST)
        | Q(suggestion_state=Annotation.SuggestionState.ACCEPTED),
        Q(article__blind=False) | Q(origin=Annotation.Origin.MODEL),
        team_id=team_id,
        deleted_at__isnull=True,
        visibility=Annotation.Visibility.TEAM,
        pk__in=claim_tagged,
    )


def entity_stats(*, team_id: int, entity_ids: set[int]) -> dict[int, EntityStats]:
    """Per entity of the team: the articles that mention it (rejected mentions left out), the
    shared claims attributed to it or naming it, and the first and last dates of those articles
    (published, else imported)."""
    stats = {pk: EntityStats() for pk in entity_ids}
    if not entity_ids:
        return stats
    mentions = Mention.objects.filter(
        entity_id__in=entity_ids, rejected=False, article__team_id=team_id
    )
    seen = Coalesce("article__published_at", "article__created_at")
    for row in (
        mentions.order_by()
        .values("entity_id")
        .annotate(n=Count("article_id", distinct=True), first=Min(seen), last=Max(seen))
    ):
        one = stats[row["entity_id"]]
        one.article_count, one.first_seen, one.last_seen = row["n"], row["first"], row["last"]
    about = shared_claims(team_id).filter(
        Q(attributed_to_entity_id__in=entity_ids) | Q(article_id__in=mentions.values("article_id"))
    )
    for pk, counts in claim_entity_counts(about).items():
        if pk in stats:
            stats[pk].claim_count = counts["claims"]
    return stats


def screenings_for_user(user: Any) -> QuerySet[Screening]:
    return Screening.objects.visible_to(user).select_related("job", "created_by", "team")


def screening_get_for_user(*, user: Any, pk: Any) -> Screening:
    return get_object_or_404(screenings_for_user(user), pk=pk)


def screening_status(screening: Screening) -> dict[str, Any]:
    """Status and progress, from the job that runs the screening."""
    job: Job | None = screening.job
    return {
        "status": job.status if job else Job.Status.FAILED,
        "done": job.done if job else 0,
        "total": job.total if job else screening.name_count,
        "message": job.message if job else "The job that ran this screening is gone.",
        "job": job.pk if job else None,
    }


def screening_summary(screening: Screening) -> dict[str, int]:
    """How many input names have a match of each kind (a name may count under several), and
    how many matched nothing."""
    counts = dict(
        ScreeningResult.objects.filter(screening=screening)
        .order_by()
        .values_list("match_kind")
        .annotate(n=Count("position", distinct=True))
    )
    return {kind: counts.get(kind, 0) for kind in MatchKind.values}


def screening_results(
    screening: Screening, *, match: str | None = None
) -> QuerySet[ScreeningResult]:
    rows = ScreeningResult.objects.filter(screening=screening)
    if match:
        rows = rows.filter(match_kind=match)
    return rows.order_by("position", "-score", "id")


def result_row(result: ScreeningResult) -> dict[str, Any]:
    entity = None
    if result.entity_id is not None:
        entity = {
            "id": result.entity_id,
            "name": result.entity_name,
            "url": reverse("annotations:entity-detail", args=[result.entity_id]),
        }
    return {
        "position": result.position,
        "name": result.name,
        "match_kind": result.match_kind,
        "score": result.score,
        "entity": entity,
        "matched_name": result.matched_name,
        "article_count": result.article_count,
        "claim_count": result.claim_count,
        "first_seen": result.first_seen,
        "last_seen": result.last_seen,
    }
