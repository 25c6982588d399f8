"""Reads of analyses of competing hypotheses: the team's analyses, and one analysis' matrix
with its scores (``lib/ach.py``). A claim's quote is shown only to those who may see the claim
(``Annotation.objects.visible_to``): a row whose claim is private, blind or in the trash for
the reader shows its note alone."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet

from annotations.lib.ach import Row, row_weight, score
from annotations.models import (
    Analysis,
    AnalysisVersion,
    Annotation,
    Evidence,
    Hypothesis,
    Rating,
    Tag,
)


def analyses_for(user: User | AnonymousUser) -> QuerySet[Analysis]:
    return (
        Analysis.objects.visible_to(user)
        .select_related("team", "created_by")
        .annotate(
            hypothesis_count=Count("hypotheses", distinct=True),
            evidence_count=Count("evidence", distinct=True),
        )
    )


def analysis_history(analysis: Analysis) -> QuerySet[AnalysisVersion]:
    return (
        AnalysisVersion.objects.filter(analysis=analysis)
        .select_related("actor")
        .only("number", "action", "summary", "created_at", "actor__username", "analysis_id")
    )


def analysis_matrix(user: User | AnonymousUser, analysis: Analysis) -> dict[str, Any]:
    """The matrix and its scores, as the page, the API and the exports show them."""
    analysis.refresh_from_db(fields=["question", "version"])
    hypotheses = list(Hypothesis.objects.filter(analysis=analysis).values("id", "text", "position"))
    evidence: list[dict[str, Any]] = [
        dict(e)
        for e in Evidence.objects.filter(analysis=analysis).values(
            "id", "annotation_id", "note", "credibility", "reliability", "weight", "position"
        )
    ]
    claims = {e["annotation_id"] for e in evidence if e["annotation_id"]}
    quotes = {
        row["id"]: row
        for row in Annotation.objects.visible_to(user)
        .filter(pk__in=claims)
        .values("id", "exact", "article_id", "article__title")
    }
    cells: dict[int, dict[int, str]] = {e["id"]: {} for e in evidence}
    for e_id, h_id, value in Rating.objects.filter(evidence__analysis=analysis).values_list(
        "evidence_id", "hypothesis_id", "value"
    ):
        cells[e_id][h_id] = value
    h_ids = [h["id"] for h in hypotheses]
    rows = []
    for e in evidence:
        e["effective_weight"] = row_weight(
            credibility=e["credibility"], reliability=e["reliability"], override=e["weight"]
        )
        rows.append(Row(id=e["id"], weight=e["effective_weight"], ratings=cells[e["id"]]))
    scores = score(h_ids, rows)
    by_row = {r.id: r for r in scores.rows}
    out_rows = []
    for e in evidence:
        claim = quotes.get(e["annotation_id"])
        result = by_row[e["id"]]
        out_rows.append(
            {
                "id": e["id"],
                "annotation": e["annotation_id"] if claim else None,
                "quote": claim["exact"] if claim else "",
                "article": claim["article_id"] if claim else None,
                "article_title": claim["article__title"] if claim else "",
                "note": e["note"],
                "credibility": e["credibility"],
                "reliability": e["reliability"] or None,
                "weight": e["weight"],
                "effective_weight": e["effective_weight"],
                "position": e["position"],
                "ratings": {str(h): v for h, v in cells[e["id"]].items()},
                "diagnostic": result.diagnostic,
                "changes_top": result.changes_top,
                "changes_ranking": result.changes_ranking,
                "ranking_without": result.ranking_without,
            }
        )
    return {
        "id": analysis.pk,
        "question": analysis.question,
        "version": analysis.version,
        "hypotheses": [
            {
                **h,
                "inconsistency": scores.inconsistency[h["id"]],
                "consistency": scores.consistency[h["id"]],
                "rank": scores.ranking.index(h["id"]) + 1,
            }
            for h in hypotheses
        ],
        "ranking": scores.ranking,
        "evidence": out_rows,
    }


MAX_CANDIDATES = 20


def claim_candidates(
    user: User | AnonymousUser, analysis: Analysis, query: str = ""
) -> list[dict[str, Any]]:
    """The team's shared claim annotations (a tag of kind claim) that the user may see and that
    are not yet evidence of the analysis, matching the words of ``query``; newest first."""
    qs = (
        Annotation.objects.visible_to(user)
        .filter(team_id=analysis.team_id, visibility=Annotation.Visibility.TEAM)
        .filter(tags__kind=Tag.Kind.CLAIM)
        .exclude(pk__in=Evidence.objects.filter(analysis=analysis).values("annotation_id"))
    )
    for word in query.split()[:8]:
        qs = qs.filter(exact__icontains=word[:100])
    rows = qs.distinct().order_by("-created_at", "-id")
    return [
        dict(r) for r in rows.values("id", "exact", "article_id", "article__title")[:MAX_CANDIDATES]
    ]
