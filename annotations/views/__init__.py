"""HTML pages, one module per area. Data comes from the same selectors and services as the API;
the pages' scripts talk to the API for every write. Every object is fetched through a helper
that 404s across teams."""

from annotations.views.accounts import (
    ResetPasswordConfirmView,
    ThrottledLoginView,
    ThrottledPasswordResetView,
    reset_hours,
    team_switch,
    tokens_page,
)
from annotations.views.analyses import analyses_page, analysis_page
from annotations.views.articles import article_list, article_read, import_page
from annotations.views.claims import claim_detail, claim_list
from annotations.views.entities import entity_detail, entity_list
from annotations.views.feeds import feeds_page
from annotations.views.figures import figures_page
from annotations.views.network import network_page
from annotations.views.oversight import agreement, agreement_csv, dashboard
from annotations.views.review import review_queue, trash
from annotations.views.revisions import article_diff
from annotations.views.screening import screening_page
from annotations.views.search import search_page
from annotations.views.team import team_page
from annotations.views.watchlists import watchlists_page

__all__ = [
    "ResetPasswordConfirmView",
    "ThrottledLoginView",
    "ThrottledPasswordResetView",
    "agreement",
    "agreement_csv",
    "analyses_page",
    "analysis_page",
    "article_diff",
    "article_list",
    "article_read",
    "claim_detail",
    "claim_list",
    "dashboard",
    "entity_detail",
    "entity_list",
    "feeds_page",
    "figures_page",
    "import_page",
    "network_page",
    "reset_hours",
    "review_queue",
    "screening_page",
    "search_page",
    "team_page",
    "team_switch",
    "tokens_page",
    "trash",
    "watchlists_page",
]
