"""The search page: the header's box leads here. Results come from the same selector as
``GET /api/search/``; the facets are links that add or remove one value in the URL, so a
search can be shared and bookmarked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse

from annotations.search_form import SearchForm
from annotations.selectors.search import DISPUTE_LABELS, KINDS, search
from annotations.selectors.search_results import results_dict
from annotations.services.watchlist_edits import ANNOTATION_FACETS, ARTICLE_FACETS
from annotations.views.common import team_context

KIND_LABELS = {
    "article": "Articles",
    "annotation": "Annotations",
    "reply": "Replies",
    "review": "Review notes",
    "entity": "Entities",
}
FACET_LABELS = {
    "outlet": "Outlet",
    "entity": "Entity",
    "tag": "Tag",
    "assessment": "Assessment",
    "review": "Review state",
    "dispute": "Disputes",
    "author": "Author",
    "hedge": "Hedge strength",
    "grade": "Admiralty grade",
}


def _toggled(params: QueryDict, name: str, value: str) -> str:
    """The query string with ``value`` of facet ``name`` added, or removed if it was there."""
    copy = params.copy()
    values = copy.getlist(name)
    copy.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    copy.pop("offset", None)
    return copy.urlencode()


def _only(params: QueryDict, kind: str) -> str:
    """The query string that shows one kind's results, a long page of them."""
    copy = params.copy()
    copy.setlist("kind", [kind])
    copy["limit"] = "50"
    copy.pop("offset", None)
    return copy.urlencode()


def _pieces(snippet: str, highlights: list[list[int]]) -> list[tuple[str, bool]]:
    """The snippet as (text, marked) runs, for the template to write as text."""
    out, at = [], 0
    for start, end in highlights:
        if start > at:
            out.append((snippet[at:start], False))
        out.append((snippet[start:end], True))
        at = end
    if at < len(snippet):
        out.append((snippet[at:], False))
    return out


def _count(count: int, capped: bool) -> str:
    """A count as the page shows it: "1,000+" past the cap (selectors/search.py)."""
    return f"{count:,}" + ("+" if capped else "")


def _watch_href(params: QueryDict) -> str:
    """The watchlists page with this search filled in; "" when a facet of annotations is set
    (a watchlist watches new articles, which have none)."""
    if any(params.getlist(name) for name in ANNOTATION_FACETS):
        return ""
    copy = QueryDict(mutable=True)
    for name in ("q", *ARTICLE_FACETS):
        values = [v for v in params.getlist(name) if v]
        if values:
            copy.setlist(name, values)
    return reverse("annotations:watchlists") + "?" + copy.urlencode()


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {**team_context(request), "kind_labels": KIND_LABELS}
    params = request.GET
    if not params.get("q", "").strip():
        return render(request, "annotations/search.html", context)
    form = SearchForm(params, user=request.user)
    context["form"] = form
    if not form.is_valid():
        context["errors"] = [
            f"{name.replace('_', ' ').capitalize()}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        return render(request, "annotations/search.html", context)
    data = results_dict(search(request.user, form.cleaned_data["q"], **form.search_kwargs()))
    chosen = {name: params.getlist(name) for name in FACET_LABELS}
    context.update(
        q=form.cleaned_data["q"],
        total_n=sum(group["count"] for group in data["results"].values()),
        total=_count(
            sum(group["count"] for group in data["results"].values()),
            any(group["capped"] for group in data["results"].values()),
        ),
        also_searched=data["also_searched"],
        groups=[
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "count": _count(group["count"], group["capped"]),
                "hits": [
                    {**hit, "pieces": _pieces(hit["snippet"], hit["highlights"])}
                    for hit in group["hits"]
                ],
                "more": _toggled(params, "kind", kind)
                if group["count"] > len(group["hits"])
                else "",
            }
            for kind, group in data["results"].items()
            if kind in KINDS
        ],
        facets=[
            {
                "name": name,
                "label": FACET_LABELS[name],
                "values": [
                    {
                        **row,
                        "count": _count(row["count"], row["capped"]),
                        "label": DISPUTE_LABELS.get(str(row["value"]), row["label"])
                        if name == "dispute"
                        else row["label"],
                        "on": str(row["value"]) in chosen[name],
                        "href": "?" + _toggled(params, name, str(row["value"])),
                    }
                    for row in data["facets"].get(name, [])
                ],
            }
            for name in FACET_LABELS
            if data["facets"].get(name) or chosen[name]
        ],
        kinds_chosen=params.getlist("kind"),
        watch_href=_watch_href(params),
        published_from=params.get("published_from", ""),
        published_to=params.get("published_to", ""),
        edited=params.get("edited", "") in {"1", "true", "on"},
        chosen=[
            (name, FACET_LABELS[name], value, "?" + _toggled(params, name, value))
            for name, values in chosen.items()
            for value in values
        ],
    )
    return render(request, "annotations/search.html", context)
