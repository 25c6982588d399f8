"""The feeds page: the current team's feed subscriptions, with each one's last and next poll,
items found and imported, last error and state. Its script writes through /api/feeds/."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.selectors.feeds import team_feeds
from annotations.services.feeds import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES
from annotations.views.common import team_context

INTERVALS = ((15, "15 minutes"), (30, "30 minutes"), (60, "hour"), (360, "6 hours"), (1440, "day"))


@login_required
def feeds_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    feeds = list(team_feeds(user=request.user, team=team)) if team is not None else []
    context.update(
        {
            "feeds": feeds,
            "feeds_limit": settings.NEWSNOTES_FEEDS_PER_TEAM,
            "intervals": INTERVALS,
            "min_interval": MIN_INTERVAL_MINUTES,
            "max_interval": MAX_INTERVAL_MINUTES,
        }
    )
    return render(request, "annotations/feeds.html", context)
