"""The dashboard and the agreement report (page and CSV)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import (
    Article,
    Membership,
)
from annotations.selectors import oversight
from annotations.selectors.grading import grade_distribution
from annotations.services.summaries import dashboard_view
from annotations.views.common import team_context, with_share


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts by tag, assessment, review state and reviewer; claims by entity; activity."""

    context = team_context(request)
    team = context["team"]
    if team is not None:
        # A large team's dashboard is served from the viewer's snapshot (as of when it was
        # computed, refreshed in the background); a small one's is always current.
        data, as_of = dashboard_view(user=request.user, team=team)
        context["as_of"] = as_of
        data["by_tag"] = with_share(data["by_tag"])
        data["by_assessment"] = with_share(data["by_assessment"])
        data["by_review_state"] = with_share(data["by_review_state"])
        data["top_claim_entities"] = with_share(data["top_claim_entities"], "claims")
        context.update({"data": data, "claims_limit": oversight.CLAIMS_LIMIT})
        # Admiralty grading: the claims the user may see, by source reliability x credibility.
        context["grades"] = grade_distribution(user=request.user, team=team)
    return render(request, "annotations/dashboard.html", context)


def _agreement_context(request: HttpRequest) -> dict[str, Any]:

    context = team_context(request)
    team = context["team"]
    report = oversight.agreement_report(user=request.user, team=team) if team else []
    compared = {figures.article.pk for figures in report}
    others = (
        Article.objects.filter(team=team)
        .exclude(pk__in=compared)
        .only("id", "title", "blind", "published_at")
        .order_by("-published_at", "-id")[:100]
        if team
        else []
    )
    context.update(
        {
            "report": report,
            "other_articles": others,
            "can_manage": context["role"] == Membership.Role.OWNER,
        }
    )
    return context


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    """Inter-annotator agreement per article and per pair of analysts; blind mode."""
    return render(request, "annotations/agreement.html", _agreement_context(request))


@login_required
def agreement_csv(request: HttpRequest) -> HttpResponse:
    """The agreement figures as CSV, one row per pair of analysts on an article."""
    from django.http import Http404

    context = team_context(request)
    team = context["team"]
    if team is None:
        raise Http404("You are not in a team.")
    body = oversight.agreement_csv(oversight.agreement_report(user=request.user, team=team))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-{team.slug}.csv"'
    return response
