"""The daily watchlist digest: one e-mail per user listing the hits of their watchlists that
opted in (``Watchlist.email_digest``; a team's watchlist writes to every member) since their
last digest, sent through Django's e-mail backend. The periodic runner calls
``watchlists_send_digests`` once a day (``annotations/periodic.py``).

Each user's state (``WatchlistDigest.last_hit_id``) moves forward in a transaction that holds
its row locked, and commits *before* the mail is handed to the backend: a second run, or two
workers at once, find nothing left to send, and a run killed between the commit and the send
loses that one digest rather than sending it twice (the hits stay in the inbox and on the
watchlists page). A send that fails with an error puts the state back, so the next run tries
again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from annotations.models import Article, Membership, Watchlist, WatchlistDigest, WatchlistHit

logger = logging.getLogger(__name__)

# Hits younger than this wait for the next digest: a matching transaction that drew its hit ids
# before a digest ran still commits before the digest moves past them.
SETTLE = timedelta(minutes=2)
# A first digest covers the last day, not every hit ever recorded.
FIRST_DIGEST_WINDOW = timedelta(days=1)
MAX_LISTED_HITS = 200


@dataclass
class DigestReport:
    sent: int = 0
    failed: int = 0


def _recipients() -> list[int]:
    opted = Watchlist.objects.filter(email_digest=True)
    teams = opted.filter(team__isnull=False).values("team_id")
    users = get_user_model().objects.filter(
        Q(pk__in=opted.filter(user__isnull=False).values("user_id"))
        | Q(pk__in=Membership.objects.filter(team_id__in=teams).values("user_id")),
        is_active=True,
    )
    return list(users.exclude(email="").order_by("pk").values_list("pk", flat=True))


def _hits_for(user: User, state: WatchlistDigest, now: datetime):  # type: ignore[no-untyped-def]
    teams = Membership.objects.filter(user=user).values("team_id")
    hits = WatchlistHit.objects.filter(
        Q(watchlist__user=user) | Q(watchlist__team_id__in=teams),
        watchlist__email_digest=True,
        pk__gt=state.last_hit_id,
        created_at__lte=now - SETTLE,
        article__in=Article.objects.visible_to(user).values("pk"),
    )
    if state.sent_at is None:
        hits = hits.filter(created_at__gte=now - FIRST_DIGEST_WINDOW)
    return hits


def _link(path: str) -> str:
    return f"{settings.NEWSNOTES_SITE_URL}{path}"


def _compose(user: User, hits: list[WatchlistHit], total: int) -> EmailMultiAlternatives:
    groups: dict[int, dict[str, Any]] = {}
    for hit in hits:
        group = groups.setdefault(hit.watchlist_id, {"watchlist": hit.watchlist, "hits": []})
        group["hits"].append(
            {
                "title": hit.article.title,
                "outlet": hit.article.outlet.name if hit.article.outlet else "",
                "published_at": hit.article.published_at,
                "url": _link(reverse("annotations:article-read", args=[hit.article_id])),
                "matched_on": hit.matched_on,
            }
        )
    context = {
        "user": user,
        "groups": list(groups.values()),
        "total": total,
        "more": total - len(hits),
        "watchlists_url": _link(reverse("annotations:watchlists")),
    }
    subject = f"NewsNotes: {total} new article{'s' if total != 1 else ''} on your watchlists"
    body = render_to_string("annotations/email/watchlist_digest.txt", context)
    return EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _digest_one(user: User, now: datetime) -> bool | None:
    """Send ``user`` their digest: True if sent, False if the send failed, None if nothing."""
    WatchlistDigest.objects.get_or_create(user=user)
    with transaction.atomic():
        state = WatchlistDigest.objects.select_for_update().get(user=user)
        hits = _hits_for(user, state, now)
        summary = hits.aggregate(last=Max("pk"))
        if summary["last"] is None:
            return None
        total = hits.count()
        listed = list(
            hits.select_related("watchlist__team", "article__outlet").order_by(
                "watchlist__name", "watchlist_id", "-article__published_at", "pk"
            )[:MAX_LISTED_HITS]
        )
        message = _compose(user, listed, total)
        before = (state.last_hit_id, state.sent_at, state.sent_count)
        state.last_hit_id = summary["last"]
        state.sent_at = now
        state.sent_count += 1
        state.save(update_fields=["last_hit_id", "sent_at", "sent_count"])
    try:
        message.send()
    except Exception:
        logger.exception("watchlists.digest_failed user=%s", user.pk)
        # Only if no other run moved on since: then the next run sends these hits again.
        WatchlistDigest.objects.filter(pk=state.pk, last_hit_id=state.last_hit_id).update(
            last_hit_id=before[0], sent_at=before[1], sent_count=before[2]
        )
        return False
    return True


def watchlists_send_digests(*, now: datetime | None = None) -> DigestReport:
    """Send each opted-in user one e-mail of their new watchlist hits since the last one."""
    now = now or timezone.now()
    report = DigestReport()
    for user in get_user_model().objects.filter(pk__in=_recipients()).order_by("pk"):
        sent = _digest_one(user, now)
        if sent is True:
            report.sent += 1
        elif sent is False:
            report.failed += 1
    logger.info("watchlists.digests sent=%s failed=%s", report.sent, report.failed)
    return report
