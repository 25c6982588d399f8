"""The claims list and a claim's page: one claim tracked across articles and outlets."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import Annotation
from annotations.nlp.hedges import STRENGTH_LABELS, STRENGTHS
from annotations.selectors.claims import cluster_get_for_user, cluster_page, clusters_for
from annotations.services.teams import ANNOTATE_ROLES, membership_role
from annotations.views.claim_timeline import timeline_html
from annotations.views.common import team_context

#: The most clusters the list shows.
MAX_LISTED = 300


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    strength = request.GET.get("strength", "")
    error = ""
    if strength and strength not in STRENGTHS:
        error, strength = "Choose a hedge strength from the list.", ""
    q = request.GET.get("q", "").strip()[:200]
    confirmed = request.GET.get("confirmed", "")
    clusters = []
    if context["team"] is not None:
        qs = clusters_for(
            request.user,
            team_id=context["team"].pk,
            strength=strength,
            confirmed={"yes": True, "no": False}.get(confirmed),
        )
        if q:
            qs = qs.filter(canonical__icontains=q)
        clusters = list(qs.select_related("confirmed_by")[:MAX_LISTED])
    context.update(
        {
            "clusters": clusters,
            "max_listed": MAX_LISTED,
            "strengths": [(s, STRENGTH_LABELS[s]) for s in STRENGTHS],
            "strength": strength,
            "q": q,
            "confirmed": confirmed,
            "error": error,
        }
    )
    return render(request, "annotations/claim_list.html", context, status=400 if error else 200)


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = cluster_get_for_user(user=request.user, pk=pk)
    page = cluster_page(request.user, cluster)
    can_judge = membership_role(user=request.user, team=cluster.team) in ANNOTATE_ROLES
    context = team_context(request)
    context.update(
        page,
        can_judge=can_judge,
        claim_data={"id": cluster.pk, "can_judge": can_judge},
        assessments=dict(Annotation.Assessment.choices),
        n_dropped=sum(1 for a in page["appearances"] if a["dropped"] or a["firmer"]),
        timeline=timeline_html(page["appearances"], can_judge=can_judge),
    )
    return render(request, "annotations/claim_detail.html", context)
