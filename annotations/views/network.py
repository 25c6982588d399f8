"""The network page: the team's entities that appear together, drawn with cytoscape.js. The
filters live in the URL (``?from=&to=&tag=&outlet=&kind=&min_weight=``); the page's script
reads them, asks ``/api/network/`` for the graph (which checks them: a 400 names the field),
and ``/api/network/edges/`` for the passages behind an edge."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import EntityPair
from annotations.models.network import MAX_RELATION_LABEL, MAX_RELATION_NOTE, RELATION_LABELS
from annotations.selectors.network import network_choices
from annotations.views.common import team_context

FILTERS = ("from", "to", "tag", "outlet", "kind", "min_weight")


@login_required
def network_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    values = {name: request.GET.get(name, "")[:40] for name in FILTERS}
    context.update(
        {
            "values": values,
            "kinds": EntityPair.Kind.choices,
            "labels": RELATION_LABELS,
            "max_label": MAX_RELATION_LABEL,
            "max_note": MAX_RELATION_NOTE,
            **(network_choices(team) if team else {"tags": [], "outlets": []}),
        }
    )
    return render(request, "annotations/network.html", context)
