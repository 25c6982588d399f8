"""The batch screening page: paste or upload a list of names, follow the job, read the results
(filtered by match kind, a page at a time) and download them as CSV. Writes go through the
API (``api/views/screenings.py``); reads come from ``selectors/screening.py``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import MAX_NAME_LENGTH, MAX_SCREENING_NAMES, ScreeningResult
from annotations.selectors.screening import (
    result_row,
    screening_get_for_user,
    screening_results,
    screening_status,
    screening_summary,
    screenings_for_user,
)
from annotations.views.common import team_context

PAGE_SIZE = 100
PAST = 20
MATCH_LABELS = dict(ScreeningResult.MatchKind.choices)


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    screening = screening_get_for_user(user=request.user, pk=pk)
    match = request.GET.get("match") or ""
    if match not in MATCH_LABELS:
        match = ""
    summary = screening_summary(screening)
    rows = screening_results(screening, match=match or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "screening": screening,
        "status": screening_status(screening),
        "match": match,
        "match_label": MATCH_LABELS.get(match, ""),
        "filters": [
            {"value": "", "label": "All", "count": None},
            *(
                {"value": kind, "label": label, "count": summary[kind]}
                for kind, label in MATCH_LABELS.items()
            ),
        ],
        "page": page,
        "rows": [result_row(r) for r in page.object_list],
    }


@login_required
def screening_page(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    past = screenings_for_user(request.user).filter(team=team)[:PAST] if team else []
    context.update(
        {
            "past": [{"screening": s, **screening_status(s)} for s in past],
            "max_names": f"{MAX_SCREENING_NAMES:,}",
            "max_length": MAX_NAME_LENGTH,
        }
    )
    if pk is not None:
        context.update(_detail(request, pk))
    return render(request, "annotations/screening.html", context)
