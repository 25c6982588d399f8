"""Claim clusters as the claim pages and the API show them, scoped to the user's teams.

Only claims the user may see count: live, shared (or their own), accepted suggestions or
analysts' claims (pending and rejected suggestions are clustered but not shown), on a blind
article only as ``Annotation.objects.visible_to`` allows. A cluster with none of them is
absent (404 for its page).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from annotations.models import (
    Annotation,
    ClaimAppearance,
    ClaimCluster,
    ClusterJudgement,
    Review,
)
from annotations.nlp.hedges import STRENGTH_LABELS, STRENGTHS, hedge_dropped

CLAIM_STATES = ("", Annotation.SuggestionState.ACCEPTED)
#: The most appearances one claim page lists.
MAX_APPEARANCES = 2000
MAX_JUDGEMENTS = 200

type AnyUser = User | AnonymousUser


def visible_appearances(user: AnyUser) -> QuerySet[ClaimAppearance]:
    """Appearances of claims the user may see (accepted suggestions and analysts' claims)."""
    return ClaimAppearance.objects.visible_to(user).filter(
        annotation__suggestion_state__in=CLAIM_STATES
    )


def clusters_for(
    user: AnyUser,
    *,
    strength: str = "",
    speaker: int | None = None,
    confirmed: bool | None = None,
    team_id: int | None = None,
) -> QuerySet[ClaimCluster]:
    """Clusters with at least one claim the user may see, with ``n_appearances``,
    ``first_published`` and ``last_published``; newest activity first."""
    shown = visible_appearances(user)
    qs: QuerySet[Any] = ClaimCluster.objects.visible_to(user)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    mine = shown.filter(cluster_id=OuterRef("pk")).order_by()

    def per_cluster(aggregate: Any) -> Subquery:
        return Subquery(mine.values("cluster_id").annotate(v=aggregate).values("v")[:1])

    qs = qs.filter(Exists(mine)).annotate(
        n_appearances=per_cluster(Count("pk")),
        first_published=per_cluster(Min("annotation__article__published_at")),
        last_published=per_cluster(Max("annotation__article__published_at")),
    )
    if strength:
        qs = qs.filter(
            Exists(shown.filter(cluster_id=OuterRef("pk"), strength=strength)),
        )
    if speaker is not None:
        qs = qs.filter(
            Exists(
                shown.filter(cluster_id=OuterRef("pk"), annotation__attributed_to_entity_id=speaker)
            )
        )
    if confirmed is not None:
        qs = qs.filter(confirmed_at__isnull=not confirmed)
    return qs.order_by("-updated_at", "-pk")


def cluster_get_for_user(*, user: AnyUser, pk: Any) -> ClaimCluster:
    """The cluster, if the user may see one of its claims; otherwise Http404."""
    if not str(pk).isdigit() or len(str(pk)) > 12:
        raise Http404
    cluster = (
        ClaimCluster.objects.visible_to(user)
        .filter(pk=int(pk))
        .filter(Exists(visible_appearances(user).filter(cluster_id=OuterRef("pk"))))
        .select_related("confirmed_by", "team")
        .first()
    )
    if cluster is None:
        raise Http404
    return cluster


_COLUMNS: dict[str, Any] = {
    "exact": F("annotation__exact"),
    "start": F("annotation__start"),
    "assessment": F("annotation__assessment"),
    "review_state": F("annotation__review_state"),
    "comment": F("annotation__comment"),
    "origin": F("annotation__origin"),
    "article_id": F("annotation__article_id"),
    "article_title": F("annotation__article__title"),
    "published_at": F("annotation__article__published_at"),
    "outlet": F("annotation__article__outlet__name"),
    "speaker_id": F("annotation__attributed_to_entity_id"),
    "speaker": F("annotation__attributed_to_entity__name"),
}


def appearance_rows(queryset: QuerySet[ClaimAppearance]) -> list[dict[str, Any]]:
    """Appearances as the pages and the API show them, in one query."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in queryset.values(
            "pk", "annotation_id", "cluster_id", "hedges", "strength", "score", "pinned", **_COLUMNS
        )
    ]
    for row in rows:
        row["strength_label"] = STRENGTH_LABELS.get(row["strength"], row["strength"])
        row["dropped"], row["firmer"], row["first"] = [], False, False
    return rows


def _sort_key(row: dict[str, Any]) -> tuple[bool, datetime | str, int]:
    published = row["published_at"]
    return (published is None, published or "", row["annotation_id"])


def appearances_of(user: AnyUser, cluster: ClaimCluster) -> list[dict[str, Any]]:
    """The cluster's visible appearances in order of publication (undated last), each with
    its outlet, article, speaker, hedges, strength and the team's assessment; ``dropped``
    names the hedge kinds the first appearance had and this one has not, ``firmer`` says it
    states the claim more firmly than the first appearance did."""
    rows = appearance_rows(visible_appearances(user).filter(cluster=cluster)[:MAX_APPEARANCES])
    rows.sort(key=_sort_key)
    first_kinds: set[str] = set()
    first_strength = ""
    for index, row in enumerate(rows):
        kinds = {m["kind"] for m in row["hedges"]}
        row["first"] = index == 0
        if index == 0:
            first_kinds, first_strength = kinds, row["strength"]
        else:
            row["dropped"] = sorted(first_kinds - kinds)
            row["firmer"] = hedge_dropped(first_strength, row["strength"])
        row["marked"] = _marked(row["exact"], row["hedges"], row["start"])
    return rows


def _marked(exact: str, hedges: list[dict[str, Any]], start: int) -> list[tuple[str, str]]:
    """The claim's text in pieces, (text, hedge kind or "") for highlighting the markers."""
    pieces: list[tuple[str, str]] = []
    last = 0
    for marker in sorted(hedges, key=lambda m: m["start"]):
        s, e = marker["start"] - start, marker["end"] - start
        if s < last or e > len(exact) or s < 0:
            continue
        pieces.append((exact[last:s], ""))
        pieces.append((exact[s:e], marker["kind"]))
        last = e
    pieces.append((exact[last:], ""))
    return [p for p in pieces if p[0]]


def reviews_of(annotation_ids: list[int]) -> list[dict[str, Any]]:
    """Review outcomes and disputes of the claims, with their notes, newest first."""
    return [
        dict(row)
        for row in Review.objects.filter(annotation_id__in=annotation_ids)
        .order_by("-created_at", "-pk")
        .values(
            "pk",
            "annotation_id",
            "verdict",
            "note",
            "created_at",
            reviewer_name=F("reviewer__username"),
            article_id=F("annotation__article_id"),
        )[:MAX_APPEARANCES]
    ]


def judgements_of(cluster: ClaimCluster) -> list[ClusterJudgement]:
    return list(
        ClusterJudgement.objects.filter(Q(cluster=cluster) | Q(target=cluster))
        .select_related("user", "undone_by")
        .order_by("-created_at", "-pk")[:MAX_JUDGEMENTS]
    )


def speakers_of(appearances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The speaker entities of the appearances, most frequent first."""
    counts: dict[tuple[int, str], int] = {}
    for row in appearances:
        if row["speaker_id"]:
            key = (row["speaker_id"], row["speaker"])
            counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))
    return [{"id": pk, "name": name, "count": n} for (pk, name), n in ordered]


def cluster_page(user: AnyUser, cluster: ClaimCluster) -> dict[str, Any]:
    """What the claim page and the API's detail show."""
    appearances = appearances_of(user, cluster)
    return {
        "cluster": cluster,
        "appearances": appearances,
        "first": appearances[0] if appearances else None,
        "speakers": speakers_of(appearances),
        "reviews": reviews_of([a["annotation_id"] for a in appearances]),
        "judgements": judgements_of(cluster),
        "strengths": sorted({a["strength"] for a in appearances}, key=STRENGTHS.index),
    }


def assessed_for(user: AnyUser, annotation: Annotation) -> dict[str, Any] | None:
    """The claim cluster of an annotation and the team's earlier assessment of it, if any:
    the most recently changed other claim of the cluster assessed other than "unverified"."""
    appearance = (
        ClaimAppearance.objects.filter(annotation_id=annotation.pk)
        .values("cluster_id", "cluster__canonical", "strength", "hedges")
        .first()
    )
    if appearance is None:
        return None
    cluster_id = appearance["cluster_id"]
    shown = visible_appearances(user).filter(cluster_id=cluster_id)
    earlier = (
        shown.exclude(annotation_id=annotation.pk)
        .exclude(annotation__assessment=Annotation.Assessment.UNVERIFIED)
        .order_by("-annotation__modified_at", "-pk")
        .values(
            "annotation_id",
            assessment=F("annotation__assessment"),
            comment=F("annotation__comment"),
            review_state=F("annotation__review_state"),
            article_id=F("annotation__article_id"),
            article_title=F("annotation__article__title"),
            outlet=F("annotation__article__outlet__name"),
        )
        .first()
    )
    return {
        "cluster": cluster_id,
        "canonical": appearance["cluster__canonical"],
        "appearances": shown.count(),
        "strength": appearance["strength"],
        "hedges": appearance["hedges"],
        "assessed": earlier,
    }


def claims_of_annotations(annotation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Annotation id -> its claim cluster, hedge strength and hedges, for the exports."""
    out: dict[int, dict[str, Any]] = {}
    for row in ClaimAppearance.objects.filter(annotation_id__in=annotation_ids).values(
        "annotation_id", "cluster_id", "strength", "hedges", canonical=F("cluster__canonical")
    ):
        out[row["annotation_id"]] = {
            "cluster": row["cluster_id"],
            "canonical": row["canonical"],
            "strength": row["strength"],
            "hedges": row["hedges"],
        }
    return out
