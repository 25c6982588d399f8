"""Feed subscriptions (RSS, Atom): follow, pause, resume, poll, and OPML in and out.

A poll fetches the feed with a conditional GET (ETag, Last-Modified: a 304 costs one small
request), parses it with feedparser, and imports each item not seen before: its page is
fetched and archived (``services/archive.py:page_fetch_archived``), extracted (trafilatura,
nh3) and deduplicated by canonical URL, final URL and text hash, then becomes an article
queued for analysis, as a URL import does.

Each item is one transaction (the article, its analysis job, its ``FeedItem`` row and the
feed's counters), and the feed's ETag is stored only when a poll ends: a worker killed
mid-poll leaves the poll's job "running", the job sweeper re-queues it, and the second run
fetches the full feed again, skips the items already recorded and imports the rest. Nothing
is lost and nothing is imported twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import feedparser
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.formats.opml import OpmlFeed, opml_read, opml_write
from annotations.lib.htmltext import ExtractionError, decode_html, extract_article
from annotations.lib.urlfetch import FEED_TYPES, FetchError
from annotations.models import Article, Feed, FeedItem, Job, Team
from annotations.services.archive import archive_record_attach, page_fetch_archived
from annotations.services.articles import _clean_url
from annotations.services.imports import check_import_url, import_text
from annotations.services.jobs import job_enqueue, jobs_enqueue_batch
from annotations.services.teams import IMPORT_ROLES, require_role

logger = logging.getLogger(__name__)

MIN_INTERVAL_MINUTES = 5
MAX_INTERVAL_MINUTES = 7 * 24 * 60
MAX_BACKOFF = timedelta(hours=24)
POLL_JOBS_KEPT = timedelta(days=2)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8"
)
_ACTIVE_JOB = (Job.Status.QUEUED, Job.Status.RUNNING)


# --------------------------------------------------------------------------- subscriptions


def _clean_interval(value: Any) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"interval_minutes": "Give a whole number of minutes."}) from None
    if not MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES:
        raise ValidationError(
            {
                "interval_minutes": f"Poll every {MIN_INTERVAL_MINUTES} to "
                f"{MAX_INTERVAL_MINUTES} minutes (a week)."
            }
        )
    return minutes


def _check_room(*, team: Team, adding: int = 1) -> None:
    limit = settings.NEWSNOTES_FEEDS_PER_TEAM
    if Feed.objects.filter(team=team).count() + adding > limit:
        raise ValidationError({"url": f"A team follows at most {limit} feeds."})


@transaction.atomic
def feed_create(
    *,
    team: Team,
    actor: User | None,
    url: str,
    title: str = "",
    interval_minutes: Any = 60,
    paused: bool = False,
) -> Feed:
    """Follow a feed; it is due at once (the next periodic tick polls it)."""
    if actor is not None:
        require_role(user=actor, team=team, roles=IMPORT_ROLES, action="follow feeds")
    url = check_import_url(url)
    minutes = _clean_interval(interval_minutes)
    if Feed.objects.filter(team=team, url=url).exists():
        raise ValidationError({"url": "The team already follows this feed."})
    _check_room(team=team)
    return Feed.objects.create(
        team=team,
        url=url,
        title=" ".join((title or "").split())[:300],
        interval_minutes=minutes,
        paused=bool(paused),
        next_poll_at=timezone.now(),
        created_by=actor,
    )


@transaction.atomic
def feed_update(
    *,
    feed: Feed,
    actor: User | None,
    title: str | None = None,
    interval_minutes: Any = None,
    paused: bool | None = None,
    expected_version: int | None = None,
) -> Feed:
    """Rename, re-time, pause or resume a feed. Resuming clears a broken or backing-off
    state and makes the feed due at once. With ``expected_version`` (If-Match), an edit of a
    feed changed meanwhile is refused (PreconditionFailed: 412)."""
    if actor is not None:
        require_role(user=actor, team=feed.team, roles=IMPORT_ROLES, action="change feeds")
    feed = Feed.objects.select_for_update().get(pk=feed.pk)
    if expected_version is not None and expected_version != feed.version:
        raise PreconditionFailed(current_version=feed.version)
    feed.version += 1
    if title is not None:
        feed.title = " ".join(title.split())[:300]
    if interval_minutes is not None:
        feed.interval_minutes = _clean_interval(interval_minutes)
    if paused is not None:
        if not paused and (feed.paused or feed.status == Feed.Status.BROKEN):
            _reset(feed)  # resuming a paused or broken feed
        feed.paused = paused
    feed.save()
    return feed


def _reset(feed: Feed) -> None:
    feed.status = Feed.Status.OK
    feed.consecutive_failures = 0
    feed.next_poll_at = timezone.now()


@transaction.atomic
def feed_delete(*, feed: Feed, actor: User | None) -> None:
    """Stop following a feed. Its articles stay; its item records go."""
    if actor is not None:
        require_role(user=actor, team=feed.team, roles=IMPORT_ROLES, action="delete feeds")
    feed.delete()


# --------------------------------------------------------------------------- scheduling


def _enqueue_poll(*, feed_id: int, actor: User | None) -> Job:
    """Queue a poll of the feed unless one is queued or running (then return that one)."""
    with transaction.atomic():
        feed = (
            Feed.objects.select_for_update(of=("self",)).select_related("poll_job").get(pk=feed_id)
        )
        if feed.poll_job is not None and feed.poll_job.status in _ACTIVE_JOB:
            return feed.poll_job
        job = job_enqueue(
            team=feed.team, kind=Job.Kind.POLL_FEED, params={"feed_id": feed.pk}, created_by=actor
        )
        feed.poll_job = job
        feed.save(update_fields=["poll_job"])
        return job


def feed_poll_now(*, feed: Feed, actor: User | None) -> Job:
    """Queue a poll at once, even of a paused or broken feed (a broken feed that answers
    again is OK again)."""
    if actor is not None:
        require_role(user=actor, team=feed.team, roles=IMPORT_ROLES, action="poll feeds")
    return _enqueue_poll(feed_id=feed.pk, actor=actor)


@transaction.atomic
def feeds_poll_due() -> list[int]:
    """The "feeds.poll" periodic entry: queue a poll job for every due feed that is not
    being polled already; returns the ids of the jobs queued. Safe to run at any time and
    from any number of workers: the due feeds' rows are locked (a feed another worker holds
    is skipped, as it is being queued there) and a feed whose poll job is queued or running
    is left alone. One transaction for all, however many feeds are due."""
    now = timezone.now()
    due = list(
        Feed.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(paused=False, next_poll_at__lte=now)
        .exclude(status=Feed.Status.BROKEN)
        .exclude(poll_job__status__in=_ACTIVE_JOB)
        .order_by("next_poll_at", "pk")
        .only("pk", "team_id")
    )
    jobs = Job.objects.bulk_create(
        Job(team_id=feed.team_id, kind=Job.Kind.POLL_FEED, params={"feed_id": feed.pk})
        for feed in due
    )
    for feed, job in zip(due, jobs, strict=True):
        feed.poll_job = job
    Feed.objects.bulk_update(due, ["poll_job"])
    jobs_enqueue_batch(jobs=jobs)
    _prune_poll_jobs(before=now - POLL_JOBS_KEPT)
    return [job.pk for job in jobs]


def _prune_poll_jobs(*, before: datetime) -> None:
    """Poll jobs that succeeded are deleted after ``POLL_JOBS_KEPT``: 500 feeds polled hourly
    would otherwise add 12,000 rows a day. Failed ones stay for the operator to see."""
    old = Job.objects.filter(
        kind=Job.Kind.POLL_FEED, status=Job.Status.SUCCEEDED, finished_at__lt=before
    ).values_list("pk", flat=True)[:5000]
    Job.objects.filter(pk__in=list(old)).delete()


# --------------------------------------------------------------------------- polling


@dataclass
class PollReport:
    not_modified: bool = False
    error: str = ""
    items: int = 0  # items in the feed document
    new: int = 0  # not seen before
    imported: list[int] = field(default_factory=list)  # articles created
    duplicates: int = 0
    failed: int = 0
    capped: bool = False

    def message(self) -> str:
        if self.error:
            return f"The feed failed: {self.error}"[:500]
        if self.not_modified:
            return "Not modified since the last poll"
        return (
            f"{self.items} items, {self.new} new: {len(self.imported)} imported, "
            f"{self.duplicates} already in the team, {self.failed} not imported"
        )


def item_key(entry: Any) -> str:
    """An item's identity in its feed: its guid, or its link when it has none."""
    ident = str(entry.get("id") or entry.get("link") or entry.get("title") or "")
    return hashlib.sha256(ident.encode("utf-8", "replace")).hexdigest()


def feed_poll(
    *,
    feed: Feed,
    on_progress: Callable[[int, int], None] | None = None,
    **fetch_options: Any,
) -> PollReport:
    """Poll one feed now: fetch (conditional), parse, import the new items. Network and
    parsing failures are the feed's state (backoff, broken), not exceptions."""
    report = PollReport()
    headers = {"Accept": FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        page, _ = page_fetch_archived(
            team=feed.team,
            url=feed.url,
            archive=False,
            headers=headers,
            accept_types=FEED_TYPES,
            max_bytes=settings.NEWSNOTES_FEED_MAX_BYTES,
            **fetch_options,
        )
    except FetchError as exc:
        report.error = exc.message
        _poll_failed(feed=feed, error=exc.message)
        return report
    if page.status == 304:
        report.not_modified = True
        _poll_succeeded(feed=feed, etag=feed.etag, last_modified=feed.last_modified, title="")
        return report
    parsed = feedparser.parse(
        BytesIO(page.body),
        response_headers={"content-type": page.header("Content-Type") or "application/xml"},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed.get("bozo_exception"), "args", ["not RSS or Atom"])
        report.error = f"{feed.url} is not a feed ({reason[0] if reason else 'unreadable'})"
        _poll_failed(feed=feed, error=report.error)
        return report
    entries = list(parsed.entries)
    report.items = len(entries)
    keys = [item_key(entry) for entry in entries]
    known = set(FeedItem.objects.filter(feed=feed, key__in=keys).values_list("key", flat=True))
    fresh: dict[str, Any] = {}
    for key, entry in zip(keys, entries, strict=True):
        if key not in known and key not in fresh:
            fresh[key] = entry
    report.new = len(fresh)
    cap = settings.NEWSNOTES_FEED_ITEMS_PER_POLL
    report.capped = len(fresh) > cap
    todo = list(fresh.items())[:cap]
    for done, (key, entry) in enumerate(todo, start=1):
        _item_import(feed=feed, key=key, entry=entry, report=report, fetch_options=fetch_options)
        if on_progress is not None:
            on_progress(done, len(todo))
    # Past the cap, the rest wait for the next poll: no validator is kept, so that poll
    # gets the whole feed again rather than a 304.
    _poll_succeeded(
        feed=feed,
        etag="" if report.capped else page.header("ETag")[:500],
        last_modified="" if report.capped else page.header("Last-Modified")[:100],
        title=str(parsed.feed.get("title") or ""),
    )
    return report


def _entry_published(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _record_item(
    *, feed: Feed, key: str, url: str, article: Article | None, duplicate: bool, error: str = ""
) -> None:
    FeedItem.objects.create(
        feed=feed, key=key, url=url[:2000], article=article, duplicate=duplicate, error=error[:500]
    )
    imported = 1 if article is not None and not duplicate else 0
    Feed.objects.filter(pk=feed.pk).update(
        items_found=F("items_found") + 1, items_imported=F("items_imported") + imported
    )


def _item_import(
    *, feed: Feed, key: str, entry: Any, report: PollReport, fetch_options: dict[str, Any]
) -> None:
    link = _clean_url(str(entry.get("link") or ""))
    try:
        with transaction.atomic():
            _item_import_one(
                feed=feed,
                key=key,
                entry=entry,
                link=link,
                report=report,
                fetch_options=fetch_options,
            )
    except IntegrityError:
        # Another run recorded this item (or created this URL) meanwhile: nothing to do.
        logger.info("feed.item.raced feed=%s key=%s", feed.pk, key)


def _item_import_one(
    *,
    feed: Feed,
    key: str,
    entry: Any,
    link: str,
    report: PollReport,
    fetch_options: dict[str, Any],
) -> None:
    team = feed.team
    if not link.startswith(("http://", "https://")):
        report.failed += 1
        _record_item(
            feed=feed,
            key=key,
            url="",
            article=None,
            duplicate=False,
            error="The item has no web link.",
        )
        return
    existing = Article.objects.filter(team=team, url=link).first()
    if existing is not None:
        report.duplicates += 1
        _record_item(feed=feed, key=key, url=link, article=existing, duplicate=True)
        return
    try:
        page, record = page_fetch_archived(
            team=team, url=link, max_bytes=settings.NEWSNOTES_FEED_PAGE_MAX_BYTES, **fetch_options
        )
        if page.content_type == "text/plain":
            text = page.body.decode(page.charset or "utf-8", errors="replace")
            title, canonical, site, authors, published, language = "", "", "", None, None, ""
        else:
            extracted = extract_article(decode_html(page.body, page.charset), url=page.final_url)
            text, title = extracted.text, extracted.title
            canonical, site = _clean_url(extracted.url or ""), extracted.site_name
            authors, published = extracted.authors, extracted.published_at
            language = extracted.language or ""
    except (FetchError, ExtractionError) as exc:
        report.failed += 1
        _record_item(feed=feed, key=key, url=link, article=None, duplicate=False, error=str(exc))
        return
    candidates = {u for u in (link, _clean_url(page.final_url), canonical) if u}
    existing = Article.objects.filter(team=team, url__in=candidates).order_by("pk").first()
    if existing is not None:
        report.duplicates += 1
        archive_record_attach(record=record, article=existing)
        _record_item(feed=feed, key=key, url=link, article=existing, duplicate=True)
        return
    try:
        article, created = import_text(
            team=team,
            user=None,
            text=text,
            title=title or str(entry.get("title") or ""),
            url=canonical if canonical.startswith(("http://", "https://")) else link,
            outlet_name=site,
            authors=authors,
            published_at=published or _entry_published(entry),
            language=language,
        )
    except ValidationError as exc:
        report.failed += 1
        _record_item(
            feed=feed,
            key=key,
            url=link,
            article=None,
            duplicate=False,
            error="; ".join(exc.messages),
        )
        return
    archive_record_attach(record=record, article=article)
    if created:
        report.imported.append(article.pk)
    else:
        report.duplicates += 1  # the same text under another URL
    _record_item(feed=feed, key=key, url=link, article=article, duplicate=not created)


def _poll_succeeded(*, feed: Feed, etag: str, last_modified: str, title: str) -> None:
    now = timezone.now()
    feed.refresh_from_db()
    feed.etag, feed.last_modified = etag, last_modified
    feed.title = feed.title or " ".join(title.split())[:300]
    feed.status = Feed.Status.OK
    feed.consecutive_failures = 0
    feed.last_error = ""
    feed.last_poll_at = now
    feed.next_poll_at = now + timedelta(minutes=feed.interval_minutes)
    feed.save(
        update_fields=[
            "etag",
            "last_modified",
            "title",
            "status",
            "consecutive_failures",
            "last_error",
            "last_poll_at",
            "next_poll_at",
        ]
    )


def _poll_failed(*, feed: Feed, error: str) -> None:
    """Back off: twice the wait after each failure in a row (at most a day); broken (no
    more automatic polls) after ``NEWSNOTES_FEED_BROKEN_AFTER`` failures in a row."""
    now = timezone.now()
    feed.refresh_from_db()
    feed.consecutive_failures += 1
    feed.last_error = error[:500]
    feed.last_poll_at = now
    if feed.consecutive_failures >= settings.NEWSNOTES_FEED_BROKEN_AFTER:
        feed.status = Feed.Status.BROKEN
        feed.next_poll_at = None
    else:
        feed.status = Feed.Status.BACKING_OFF
        wait = timedelta(minutes=feed.interval_minutes) * 2**feed.consecutive_failures
        feed.next_poll_at = now + min(wait, MAX_BACKOFF)
    feed.save(
        update_fields=[
            "consecutive_failures",
            "last_error",
            "last_poll_at",
            "status",
            "next_poll_at",
        ]
    )


# --------------------------------------------------------------------------- OPML


def feeds_opml_export(*, team: Team) -> bytes:
    feeds = Feed.objects.filter(team=team).order_by("title", "pk")
    return opml_write(
        title=f"{team.name}: feeds",
        feeds=[OpmlFeed(url=feed.url, title=feed.title) for feed in feeds],
    )


@dataclass
class OpmlImportReport:
    created: list[int] = field(default_factory=list)
    existing: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "existing": self.existing, "errors": self.errors}


@transaction.atomic
def feeds_opml_import(*, team: Team, actor: User | None, data: bytes) -> OpmlImportReport:
    """Follow every feed an OPML file lists that the team does not follow yet. A URL that
    cannot be followed (not http, a private address) is reported and skipped."""
    if actor is not None:
        require_role(user=actor, team=team, roles=IMPORT_ROLES, action="follow feeds")
    listed = opml_read(data, max_feeds=settings.NEWSNOTES_FEEDS_PER_TEAM)
    report = OpmlImportReport()
    followed = set(Feed.objects.filter(team=team).values_list("url", flat=True))
    for item in listed:
        try:
            url = check_import_url(item.url)
        except ValidationError as exc:
            report.errors.append({"url": item.url[:300], "message": "; ".join(exc.messages)})
            continue
        if url in followed:
            report.existing += 1
            continue
        try:
            with transaction.atomic():
                feed = feed_create(team=team, actor=None, url=url, title=item.title)
        except ValidationError as exc:  # e.g. the team's limit of feeds
            report.errors.append({"url": item.url[:300], "message": "; ".join(exc.messages)})
            continue
        followed.add(url)
        report.created.append(feed.pk)
    return report
