"""The entity list and an entity's page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotations.filters import EntityFilter
from annotations.models import (
    Annotation,
    Article,
    Entity,
    Mention,
    Reliability,
)
from annotations.selectors.annotations import annotation_queryset
from annotations.selectors.entities import entities_in_use, entity_get_for_user
from annotations.selectors.grading import (
    claim_grade_rows,
    current_grades,
    source_grade_history,
)
from annotations.selectors.judgements import judgements_for_entity
from annotations.services.teams import ANNOTATE_ROLES, membership_role
from annotations.views.common import team_context

#: The entity page lists this many of the latest changes of the entity's grade.
GRADE_HISTORY_SHOWN = 50


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    base = (
        entities_in_use(request.user)
        .filter(team=context["team"], merged_into__isnull=True)
        .order_by("-mention_count", "name")
    )
    entity_filter = EntityFilter(request.GET, queryset=base, request=request)
    context.update(
        {
            "entities": list(entity_filter.qs[:500]) if entity_filter.is_valid() else [],
            "filter": entity_filter,
            "kinds": Entity.Kind.choices,
        }
    )
    return render(request, "annotations/entity_list.html", context)


#: The entity page shows the newest this many mentions and claims: a name in every article of a
#: large team would otherwise make the page grow with the team (see docs/architecture.md).
MENTIONS_SHOWN = 100
CLAIMS_SHOWN = 100


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = entity_get_for_user(user=request.user, pk=pk)
    if entity.merged_into_id is not None:
        # Merged: its names and mentions are the canonical entity's now, whose page lists the
        # merge with its undo.
        return redirect("annotations:entity-detail", pk=entity.merged_into_id)
    # The newest articles that mention it, read in the (team, published_at) index's order with
    # a probe of the (entity, article) index each, stopping at MENTIONS_SHOWN; then their
    # mentions. Sorting every mention by its article's date read the whole team's articles.
    named = Mention.objects.filter(entity=entity, rejected=False, article_id=OuterRef("pk"))
    newest = list(
        Article.objects.filter(team_id=entity.team_id)
        .filter(Exists(named))
        .order_by("-published_at", "id")
        .values_list("pk", flat=True)[:MENTIONS_SHOWN]
    )
    place = {pk: n for n, pk in enumerate(newest)}
    mentions = sorted(
        Mention.objects.filter(entity=entity, rejected=False, article_id__in=newest)
        .select_related("article")
        .order_by("start"),
        key=lambda m: place[m.article_id],
    )[:MENTIONS_SHOWN]
    articles: dict[int, dict[str, Any]] = {}
    for mention in mentions:
        entry = articles.setdefault(
            mention.article_id, {"article": mention.article, "mentions": []}
        )
        text = mention.article.text
        entry["mentions"].append(
            {
                "mention": mention,
                "before": text[max(0, mention.start - 60) : mention.start],
                "after": text[mention.end : mention.end + 60],
            }
        )
    claims = (
        annotation_queryset(request.user)
        .filter(attributed_to_entity=entity)
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .select_related("article", "author", "attributed_to_entity")
        .prefetch_related("tags")
        .order_by("-created_at")[:CLAIMS_SHOWN]
    )
    claim_list = list(claims)
    claim_grades = claim_grade_rows(claim_list)
    can_correct = membership_role(user=request.user, team=entity.team) in ANNOTATE_ROLES
    grades = current_grades(team_id=entity.team_id, entity_ids=[entity.pk])
    context = team_context(request)
    context.update(
        {
            "entity": entity,
            "articles": list(articles.values()),
            "mention_count": len(mentions),
            "mentions_shown": MENTIONS_SHOWN,
            # (claim, its Admiralty grade "B2" or "")
            "claims": [(claim, claim_grades.get(claim.pk, "")) for claim in claim_list],
            "can_correct": can_correct,
            "entity_data": {"id": entity.pk, "can_correct": can_correct},
            "judgements": judgements_for_entity(entity),
            # Admiralty grading: the team's grade of this source and its history.
            "grade_history": list(
                source_grade_history(user=request.user, team=entity.team, entity_id=entity.pk)[
                    :GRADE_HISTORY_SHOWN
                ]
            ),
            "current_grade": grades.entities.get(entity.pk, ""),
            "current_grade_ids": grades.row_ids,
            "reliabilities": Reliability.choices,
        }
    )
    return render(request, "annotations/entity_detail.html", context)
