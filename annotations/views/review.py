"""The review queue and the trash."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.filters import AnnotationFilter
from annotations.models import (
    TRASH_DAYS,
    Annotation,
    Article,
    Membership,
    Tag,
)
from annotations.selectors import oversight
from annotations.views.common import team_context


@login_required
def trash(request: HttpRequest) -> HttpResponse:
    """Deleted annotations the user may restore: their own, or all of a team they own."""
    context = team_context(request)
    rows = (
        Annotation.objects.trash_of(request.user)
        .filter(team=context["team"])
        .select_related("article", "author", "deleted_by")
        .prefetch_related("tags")
        .order_by("-deleted_at")[:500]
    )
    context.update({"rows": rows, "trash_days": TRASH_DAYS})
    return render(request, "annotations/trash.html", context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The team's annotations awaiting a verdict, submitted first, then disputed, then those
    with changes requested; the oldest first in each group."""
    from django.db.models import Count

    from annotations.models import Review

    context = team_context(request)
    team = context["team"]
    groups: list[dict[str, Any]] = []
    total = 0
    queue_filter = None
    if team is not None:
        base = oversight.review_queue(user=request.user, team=team)
        queue_filter = AnnotationFilter(request.GET, queryset=base, request=request)
        if queue_filter.is_valid():
            rows = queue_filter.qs
            counts = dict(rows.order_by().values_list("review_state").annotate(n=Count("pk")))
            total = sum(counts.values())
            items = oversight.queue_details(list(rows[: oversight.QUEUE_LIMIT]), user=request.user)
            labels = dict(Annotation.ReviewState.choices)
            for state in oversight.QUEUE_STATES:
                groups.append(
                    {
                        "state": state,
                        "label": labels[state],
                        "count": counts.get(state, 0),
                        "items": [a for a in items if a.review_state == state],
                    }
                )
        context.update(
            {
                "articles": Article.objects.filter(
                    pk__in=base.order_by().values("article_id")
                ).only("id", "title"),
                "tags": Tag.objects.filter(team=team),
                "authors": Membership.objects.filter(team=team)
                .select_related("user")
                .order_by("user__username"),
            }
        )
    context.update(
        {
            "groups": groups,
            "total": total,
            "shown": sum(len(g["items"]) for g in groups),
            "filter": queue_filter,
            "assessments": Annotation.Assessment.choices,
            "queue_limit": oversight.QUEUE_LIMIT,
            "review_config": {
                "me": request.user.pk,
                "allowed": oversight.allowed_verdicts(),
                "states": dict(Annotation.ReviewState.choices),
                "verdicts": dict(Review.Verdict.choices),
            },
        }
    )
    return render(request, "annotations/review_queue.html", context)
