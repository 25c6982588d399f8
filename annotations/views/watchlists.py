"""The watchlists page: the user's watchlists and their teams', their recent hits, and a form
to add one. "Watch this search" on the search page and "Watch" on an entity page lead here
with the form filled in; the page's script writes through ``/api/watchlists/``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import Entity, Membership, Outlet, Watchlist
from annotations.selectors.watchlists import search_params, watchlist_hits, watchlists_for
from annotations.services.teams import DISCUSS_ROLES
from annotations.services.watchlist_edits import ARTICLE_FACETS
from annotations.views.common import team_context

RECENT_HITS = 30
MAX_SHOWN = 500


def _facet_labels(watchlists: list[Watchlist], draft: dict[str, list[str]]) -> dict[str, dict]:
    """Names of the outlets and entities that the saved searches (and the draft) filter on."""
    outlets: set[int] = set()
    entities: set[int] = set()
    for w in watchlists:
        outlets.update(w.params.get("outlet", []))
        entities.update(w.params.get("entity", []))
    outlets.update(int(v) for v in draft.get("outlet", []) if v.isdigit())
    entities.update(int(v) for v in draft.get("entity", []) if v.isdigit())
    return {
        "outlet": dict(Outlet.objects.filter(pk__in=outlets).values_list("pk", "name")),
        "entity": dict(Entity.objects.filter(pk__in=entities).values_list("pk", "name")),
    }


def _describe(params: dict[str, Any], labels: dict[str, dict]) -> list[str]:
    out = []
    for name in ("outlet", "entity"):
        for value in params.get(name, []):
            key = int(value) if str(value).isdigit() else value
            out.append(f"{name.capitalize()}: {labels[name].get(key, value)}")
    if params.get("published_from"):
        out.append(f"Published from {_first(params['published_from'])}")
    if params.get("published_to"):
        out.append(f"Published to {_first(params['published_to'])}")
    return out


def _first(value: Any) -> str:
    return str(value[0] if isinstance(value, list) and value else value)


@login_required
def watchlists_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    user = request.user
    watchlists = list(watchlists_for(user)[:MAX_SHOWN])
    editing = {str(role) for role in DISCUSS_ROLES}
    roles = dict(Membership.objects.filter(user=user).values_list("team_id", "role"))
    params = request.GET
    draft: dict[str, list[str]] = {
        name: params.getlist(name) for name in ARTICLE_FACETS if params.getlist(name)
    }
    labels = _facet_labels(watchlists, draft)
    entity = None
    if params.get("watch_entity", "").isdigit() and len(params["watch_entity"]) < 19:
        entity = (
            Entity.objects.visible_to(user)
            .filter(pk=int(params["watch_entity"]))
            .select_related("team")
            .first()
        )
    context.update(
        watchlists=[
            {
                "w": w,
                "can_edit": w.user_id == user.pk or str(roles.get(w.team_id, "")) in editing,
                "filters": _describe(w.params, labels),
                "search": search_params(w),
            }
            for w in watchlists
        ],
        hits=list(watchlist_hits(user)[:RECENT_HITS]),
        draft_query=params.get("q", "")[:500],
        draft_params=[(name, value) for name, values in draft.items() for value in values],
        draft_filters=_describe(draft, labels),
        draft_entity=entity,
        teams=[
            m
            for m in Membership.objects.filter(user=user)
            .select_related("team")
            .order_by("team__name")
            if m.role in editing
        ],
    )
    return render(request, "annotations/watchlists.html", context)
