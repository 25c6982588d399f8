"""The team page: export, the tag vocabulary, blind mode and the members. Owners manage,
everyone else reads; the page's script writes through the API, which checks the role again."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import Membership, Tag
from annotations.selectors.teams import ARTICLES_LIMIT, team_settings
from annotations.views.common import team_context

# The downloads the export section offers: (format, label, what it holds).
EXPORTS = (
    (
        "csv",
        "CSV",
        "A row per annotation, for spreadsheets; replies and verdicts as JSON in two columns.",
    ),
    ("jsonl", "JSON Lines", "An object per annotation, with its replies and verdicts."),
    (
        "jsonld",
        "W3C JSON-LD",
        "One Web Annotation collection; replies are “replying”, verdicts “assessing” annotations.",
    ),
    (
        "spacy",
        "spaCy JSON Lines",
        "Approved spans (every tag) and accepted entity mentions, a line per article.",
    ),
    ("docbin", "spaCy DocBin", "The same as a binary .spacy file, ready for spacy train."),
)


@login_required
def team_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    if team is not None:
        data = team_settings(user=request.user, team=team)
        context.update(
            {
                "settings": data,
                "articles_limit": ARTICLES_LIMIT,
                "exports": EXPORTS,
                "roles": Membership.Role.choices,
                "tag_kinds": Tag.Kind.choices,
            }
        )
    context["can_manage"] = context["role"] == Membership.Role.OWNER
    return render(request, "annotations/team.html", context)
