"""The pages of analyses of competing hypotheses: the list of the user's teams' analyses with
a form to start one, and one analysis' matrix. The matrix page's script (``ach.js``) draws the
matrix from ``/api/analyses/<id>/matrix/`` and writes through the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.lib.ach import RATINGS
from annotations.models import Membership
from annotations.selectors.ach import analyses_for, analysis_matrix
from annotations.services.teams import ANNOTATE_ROLES
from annotations.views.common import team_context

MAX_SHOWN = 500


def _editing_teams(request: HttpRequest) -> list[Membership]:
    return [
        m
        for m in Membership.objects.filter(user=request.user)
        .select_related("team")
        .order_by("team__name")
        if m.role in ANNOTATE_ROLES
    ]


@login_required
def analyses_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    context.update(
        analyses=list(analyses_for(request.user)[:MAX_SHOWN]),
        teams=_editing_teams(request),
    )
    return render(request, "annotations/analyses.html", context)


@login_required
def analysis_page(request: HttpRequest, pk: int) -> HttpResponse:
    analysis = analyses_for(request.user).filter(pk=pk).first()
    if analysis is None:
        raise Http404("No such analysis.")
    context = team_context(request)
    context.update(
        analysis=analysis,
        matrix=analysis_matrix(request.user, analysis),
        can_edit=any(m.team_id == analysis.team_id for m in _editing_teams(request)),
        ratings=RATINGS,
    )
    return render(request, "annotations/analysis.html", context)
