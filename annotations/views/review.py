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
    from annotations.models import Review

    context = team_context(request)
    team = context["team"]
    groups: list[dict[str, Any]] = []
    total = 0
    queue_filter = None
    capped = False
    if team is not None:
        base = oversight.review_queue(user=request.user, team=team)
        queue_filter = AnnotationFilter(request.GET, queryset=base, request=request)
        if queue_filter.is_valid():
            # Each group is read on its own, in the order of the (team, review_state,
            # created_at, id) index, up to what the page shows: the page costs the same for a
            # queue of 100 or of 100,000. Counts stop at QUEUE_COUNT_CAP ("1,000+").
            rows = queue_filter.qs
            labels = dict(Annotation.ReviewState.choices)
            room = oversight.QUEUE_LIMIT
            for state in oversight.QUEUE_STATES:
                in_state = rows.filter(review_state=state)
                count = in_state.order_by()[: oversight.QUEUE_COUNT_CAP].count()
                capped = capped or count >= oversight.QUEUE_COUNT_CAP
                items = list(in_state.order_by("created_at", "id")[:room]) if room else []
                room -= len(items)
                total += count
                groups.append(
                    {
                        "state": state,
                        "label": labels[state],
                        "count": count,
                        "capped": count >= oversight.QUEUE_COUNT_CAP,
                        "items": items,
                    }
                )
            # Gives each item its latest review and context, in place.
            oversight.queue_details([a for g in groups for a in g["items"]], user=request.user)
        context.update(
            {
                "articles": oversight.queue_articles(base=base, team=team),
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
            "capped": capped,
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
