"""``GET /api/search/``: the search page's engine for scripts (annotations/selectors/search.py)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.search_form import SearchForm
from annotations.selectors.search import search
from annotations.selectors.search_results import results_dict

_LIST = "Repeat the parameter for several values; they are ORed, and facets are ANDed."


@extend_schema(
    summary="Search articles, annotations, replies, review notes and entities.",
    description=(
        'Web-search syntax: words are ANDed, "a phrase", `or` between alternatives, '
        "-word to exclude. Results are grouped by kind, ranked, with snippets whose "
        "`highlights` are [start, end) code point offsets into `snippet`. `also_searched` "
        "lists entity-name spellings tried for a misspelt name. Facets combine freely; a "
        "kind that a facet cannot describe is left out while it is set. Only what the user "
        "may see is searched or counted. Each kind ranks its newest 1,000 matches: past "
        'that its `count` is 1000 with `capped` true ("1,000+"), and the facet rows of '
        "its values are counted among those 1,000 (`capped` true: lower bounds)."
    ),
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, required=True, description="The query."),
        OpenApiParameter(
            "kind",
            OpenApiTypes.STR,
            many=True,
            description=f"article, annotation, reply, review, entity. {_LIST}",
        ),
        OpenApiParameter("outlet", OpenApiTypes.INT, many=True, description=_LIST),
        OpenApiParameter("published_from", OpenApiTypes.DATE),
        OpenApiParameter("published_to", OpenApiTypes.DATE),
        OpenApiParameter("tag", OpenApiTypes.STR, many=True, description=f"Tag slug. {_LIST}"),
        OpenApiParameter("entity", OpenApiTypes.INT, many=True, description=_LIST),
        OpenApiParameter("assessment", OpenApiTypes.STR, many=True, description=_LIST),
        OpenApiParameter(
            "review", OpenApiTypes.STR, many=True, description=f"Review state. {_LIST}"
        ),
        OpenApiParameter(
            "dispute", OpenApiTypes.STR, many=True, description=f"open, upheld, overturned. {_LIST}"
        ),
        OpenApiParameter("author", OpenApiTypes.STR, many=True, description=f"Username. {_LIST}"),
        OpenApiParameter(
            "hedge",
            OpenApiTypes.STR,
            many=True,
            description=f"Claim hedge strength: asserted, attributed, hedged, unverified. {_LIST}",
        ),
        OpenApiParameter(
            "grade",
            OpenApiTypes.STR,
            many=True,
            description=f'Admiralty grade of a claim: "B2", "B\u2013" or "\u20132". {_LIST}',
        ),
        OpenApiParameter(
            "prefix", OpenApiTypes.BOOL, description="The last word also matches as a prefix."
        ),
        OpenApiParameter("limit", OpenApiTypes.INT, description="Hits per kind, 1-50 (10)."),
        OpenApiParameter("offset", OpenApiTypes.INT, description="0-1000."),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
def search_view(request: Request) -> Response:
    form = SearchForm(request.query_params, user=request.user)
    if not form.is_valid():
        raise ValidationError(
            {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        )
    results = search(request.user, form.cleaned_data["q"], **form.search_kwargs())
    return Response(results_dict(results))
