"""Silent edits: articles imported from a URL are fetched again on the team's schedule.

Outlets change published articles without saying so. Each article imported by URL gets an
``ArticleRefetch`` row; ``refetches_enqueue`` (a periodic entry, ``annotations/periodic.py``)
hands the due ones to ``refetch`` jobs, and each check fetches the page through the same path
as the import (``services/imports.py:fetch_page``), extracts it the same way and compares its
text, title and byline with the article's:

* the same: the check is recorded ("unchanged", or "page changed" when the page's bytes
  differ), nothing else;
* different: a new revision (``article_update_text``: annotations re-anchored, approximately
  when their quote changed, or kept as orphans), the article flagged "edited after import",
  and the article's annotators notified.

A check commits in one transaction, which also releases it from its job; a worker killed
mid-check leaves the row held by the job, which the sweeper re-queues, so the check runs
again and nothing is lost or done twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.lib.htmltext import ExtractionError, decode_html, extract_article
from annotations.lib.plural import counted
from annotations.lib.titles import split_title
from annotations.lib.urlfetch import FetchedPage
from annotations.models import (
    Annotation,
    AnnotationVersion,
    Article,
    ArticleRefetch,
    ArticleRevision,
    Job,
    Notification,
    Team,
)
from annotations.services.articles import (
    _clean_authors,
    _clean_title,
    article_update_text,
    canonical_text,
    text_sha256,
)
from annotations.services.jobs import job_enqueue, job_progress
from annotations.services.search_index import search_index_articles
from annotations.services.stamps import teams_touch
from annotations.services.teams import require_manager

logger = logging.getLogger(__name__)

MAX_REFETCH_STEPS = 8
MAX_REFETCH_HOURS = 24 * 30
# Checks per job, and per periodic pass (the rest wait for the next pass).
REFETCH_BATCH = 50
MAX_PER_PASS = 1_000
EDIT_NOTE = "Edited at the source: found by a re-fetch of the article's URL"


def clean_refetch_hours(value: Any) -> list[int]:
    """A re-fetch schedule: increasing whole hours after the import, or [] for never."""
    field = "refetch_hours"
    if not isinstance(value, list | tuple):
        raise ValidationError({field: "Give a list of hours, e.g. [1, 6, 24, 72]."})
    if len(value) > MAX_REFETCH_STEPS:
        raise ValidationError({field: f"At most {MAX_REFETCH_STEPS} re-fetches."})
    hours: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError({field: f"{str(item)[:20]!r} is not a whole number of hours."})
        if not 1 <= item <= MAX_REFETCH_HOURS:
            raise ValidationError({field: f"Hours must be between 1 and {MAX_REFETCH_HOURS}."})
        if hours and item <= hours[-1]:
            raise ValidationError({field: "The hours must increase."})
        hours.append(item)
    return hours


def fields_sha256(text: str, title: str, authors: list[str]) -> str:
    """A fingerprint of what an import extracts from a page: its text, title and byline."""
    payload = json.dumps([text, title, list(authors)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _due(imported_at: datetime, hours: list[int], step: int) -> datetime | None:
    return imported_at + timedelta(hours=hours[step]) if step < len(hours) else None


@transaction.atomic
def team_set_refetch_hours(*, team: Team, actor: User, hours: Any) -> Team:
    """Set when the team's URL imports are fetched again (owners); schedules under way follow
    the new hours from the step they have reached."""
    require_manager(
        user=actor,
        team=team,
        action="change the team's re-fetch schedule",
        perm="annotations.change_team",
    )
    cleaned = clean_refetch_hours(hours)
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.refetch_hours == cleaned:
        return team
    team.refetch_hours = cleaned
    team.save(update_fields=["refetch_hours"])
    rows = ArticleRefetch.objects.filter(article__team=team)
    rows.filter(step__gte=len(cleaned)).update(next_at=None)
    for step, hour in enumerate(cleaned):
        rows.filter(step=step).update(next_at=F("imported_at") + timedelta(hours=hour))
    return team


def refetch_schedule(*, article: Article, page: FetchedPage | None = None) -> ArticleRefetch:
    """Start the re-fetch schedule of an article just imported from its URL (``page``: what
    the import fetched, so that a later change of the page's bytes alone can be told)."""
    hours = clean_refetch_hours(article.team.refetch_hours)
    imported_at = article.created_at or timezone.now()
    row, _ = ArticleRefetch.objects.get_or_create(
        article=article,
        defaults={
            "imported_at": imported_at,
            "next_at": _due(imported_at, hours, 0),
            "page_sha256": hashlib.sha256(page.body).hexdigest() if page else "",
            "source_sha256": fields_sha256(article.text, article.title, list(article.authors)),
        },
    )
    return row


def refetches_enqueue() -> list[int]:
    """Queue the due re-fetches, one job per team and batch; return the new jobs' ids.

    Periodic (``annotations/periodic.py``); safe at any time and from several workers at
    once: a row is held by its job until its check commits, and rows are claimed under
    ``SELECT ... FOR UPDATE SKIP LOCKED``."""
    now = timezone.now()
    _release_failed_jobs(now)
    jobs: list[int] = []
    with transaction.atomic():
        due = list(
            ArticleRefetch.objects.select_for_update(skip_locked=True)
            .filter(next_at__lte=now, job__isnull=True)
            .order_by("next_at")[:MAX_PER_PASS]
        )
        teams = dict(
            Article.objects.filter(pk__in=[row.article_id for row in due]).values_list(
                "pk", "team_id"
            )
        )
        by_team: dict[int, list[ArticleRefetch]] = defaultdict(list)
        for row in due:
            by_team[teams[row.article_id]].append(row)
        for team_id, rows in by_team.items():
            for i in range(0, len(rows), REFETCH_BATCH):
                batch = rows[i : i + REFETCH_BATCH]
                job = job_enqueue(
                    team=Team(pk=team_id),
                    kind=Job.Kind.REFETCH,
                    params={"refetch_ids": [row.pk for row in batch]},
                    created_by=None,
                    total=len(batch),
                )
                ArticleRefetch.objects.filter(pk__in=[row.pk for row in batch]).update(job=job)
                jobs.append(job.pk)
    if jobs:
        logger.info("refetch.enqueued jobs=%s rows=%s", jobs, len(due))
    return jobs


def _release_failed_jobs(now: datetime) -> None:
    """Checks whose job gave up count as failed checks, and the schedule goes on."""
    with transaction.atomic():
        # of=("self",): the joined job, article and team rows stay unlocked.
        rows = ArticleRefetch.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            job__status=Job.Status.FAILED
        )
        for row in rows.select_related("article__team"):
            _advance(row, now=now, result=ArticleRefetch.Result.FAILED, error="The job failed.")


def _advance(row: ArticleRefetch, *, now: datetime, result: str, error: str = "") -> None:
    hours = clean_refetch_hours(row.article.team.refetch_hours)
    row.step += 1
    row.next_at = _due(row.imported_at, hours, row.step)
    row.job = None
    row.checks += 1
    row.last_checked_at = now
    row.last_result = result
    row.last_error = error[:500]
    row.save()


def refetch_run(job: Job, **fetch_options: Any) -> dict[str, Any]:
    """The ``refetch`` job: check each row the job still holds (a re-run skips done ones)."""
    ids = [int(pk) for pk in job.params.get("refetch_ids", [])]
    results: dict[str, int] = defaultdict(int)
    for done, pk in enumerate(ids, start=1):
        results[refetch_check(refetch_id=pk, job_id=job.pk, **fetch_options)] += 1
        job_progress(job=job, done=done, total=len(ids))
    edited = results.get(ArticleRefetch.Result.EDITED, 0)
    return {
        **results,
        "message": f"{counted(len(ids), 'article')} checked, {edited} edited at the source",
    }


def refetch_check(*, refetch_id: int, job_id: int | None = None, **fetch_options: Any) -> str:
    """Fetch one article's page again and record what changed; the result's code (or
    "skipped" when the row is no longer held by ``job_id``)."""
    from annotations.services.imports import fetch_page

    row = ArticleRefetch.objects.select_related("article__team").filter(pk=refetch_id).first()
    if row is None or (job_id is not None and row.job_id != job_id):
        return "skipped"
    article = row.article
    error = ""
    fields: tuple[str, str, list[str]] | None = None
    page: FetchedPage | None = None
    try:  # the network, outside any transaction
        page = fetch_page(team=article.team, url=article.url, **fetch_options)
        fields = _extracted_fields(page)
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    now = timezone.now()
    with transaction.atomic():
        row = (
            ArticleRefetch.objects.select_for_update(of=("self",))
            .select_related("article__team")
            .get(pk=refetch_id)
        )
        if job_id is not None and row.job_id != job_id:
            return "skipped"  # another run of the job committed this check already
        if fields is None or page is None:
            _advance(row, now=now, result=ArticleRefetch.Result.FAILED, error=error)
            logger.info("refetch.failed article=%s: %s", row.article_id, error)
            return ArticleRefetch.Result.FAILED
        page_sha = hashlib.sha256(page.body).hexdigest()
        text, title, authors = fields
        current = row.article
        source_sha = fields_sha256(text, title, authors)
        as_article = (text, title, authors) == (current.text, current.title, current.authors)
        # Compared with what the source said last time, not only with the article, which
        # analysts may have corrected since: their correction is not the outlet's edit.
        if as_article or source_sha == row.source_sha256:
            changed = bool(row.page_sha256) and row.page_sha256 != page_sha
            result = (
                ArticleRefetch.Result.PAGE_CHANGED if changed else ArticleRefetch.Result.UNCHANGED
            )
        else:
            article_apply_source_edit(article=current, text=text, title=title, authors=authors)
            result = ArticleRefetch.Result.EDITED
            row.edits += 1
            row.last_edited_at = now
        row.page_sha256, row.source_sha256 = page_sha, source_sha
        _advance(row, now=now, result=result)
    logger.info("refetch.checked article=%s result=%s", row.article_id, result)
    return result


def _extracted_fields(page: FetchedPage) -> tuple[str, str, list[str]]:
    """The text, title and byline that an import of this page would give (import_url)."""
    from annotations.services.imports import plain_page_text

    try:
        if page.content_type == "text/plain":
            text, title, authors = plain_page_text(page), "", []
        else:
            extracted = extract_article(decode_html(page.body, page.charset), url=page.url)
            text, title, authors = extracted.text, extracted.title, extracted.authors
    except ExtractionError as exc:
        raise ValidationError({"html": str(exc)}) from None
    text = canonical_text(text)
    if not " ".join((title or "").split()):
        title, text = split_title(text)
    return text, _clean_title(title, text), _clean_authors(authors)


@transaction.atomic
def article_apply_source_edit(
    *, article: Article, text: str, title: str, authors: list[str]
) -> Article:
    """The outlet changed the article: a new revision with its text, title and byline, the
    "edited after import" flag, and a notification to each of its annotators."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if text != locked.text:
        locked = article_update_text(article=locked, text=text, actor=None, note=EDIT_NOTE)
    else:
        _metadata_revision(locked)
    locked.title, locked.authors, locked.edited_after_import = title, authors, True
    locked.save(update_fields=["title", "authors", "edited_after_import", "updated_at"])
    ArticleRevision.objects.filter(article=locked, number=locked.revision).update(
        title=title, authors=authors
    )
    search_index_articles(ids=[locked.pk])
    teams_touch(team_ids=[locked.team_id])
    _notify_annotators(locked)
    logger.info("article.edited_at_source id=%s revision=%s", locked.pk, locked.revision)
    return locked


def _metadata_revision(article: Article) -> None:
    """A revision for a new title or byline over the same text: nothing to re-anchor, so the
    annotations (and the analysis) simply move to the new revision number."""
    old = article.revision
    article.revision += 1
    fields = ["revision", "updated_at"]
    if article.nlp_revision == old:
        article.nlp_revision = article.revision
        fields.append("nlp_revision")
    article.save(update_fields=fields)
    ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        text=article.text,
        text_sha256=text_sha256(article.text),
        note=EDIT_NOTE,
    )
    Annotation.objects.filter(article=article, article_revision=old).update(
        article_revision=article.revision
    )


def _notify_annotators(article: Article) -> None:
    """One notification to each active author of a live annotation on the article, pointing
    at one of their annotations (the notification list links through it)."""
    first: dict[int, int] = {}
    for author_id, annotation_id in (
        Annotation.objects.filter(
            article=article,
            deleted_at__isnull=True,
            origin=Annotation.Origin.ANALYST,
            author__is_active=True,
        )
        .order_by("start", "pk")
        .values_list("author_id", "pk")
    ):
        first.setdefault(author_id, annotation_id)
    text = f"“{article.title}” was edited at the source (revision {article.revision})"
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=Notification.Kind.ARTICLE_EDITED,
            annotation_id=annotation_id,
            text=text[:300],
        )
        for user_id, annotation_id in first.items()
    )


@transaction.atomic
def annotation_quote_checked(*, annotation: Annotation, actor: User) -> Annotation:
    """The author has checked an annotation whose quote changed when it was re-anchored: the
    flag is cleared (it stays "re-anchored"); the old quote stays in the history."""
    from annotations.services import history

    locked = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if locked.author_id != actor.pk:
        raise PermissionDenied("Only the annotation's author can mark its new quote checked.")
    if locked.anchor_state != Annotation.AnchorState.QUOTE_CHANGED:
        raise ValidationError({"anchor_state": "This annotation's quote has not changed."})
    locked.anchor_state = Annotation.AnchorState.REANCHORED
    locked.version = F("version") + 1
    locked.save(update_fields=["anchor_state", "version", "modified_at"])
    history.record(
        locked,
        action=AnnotationVersion.Action.UPDATED,
        actor=actor,
        note="New quote checked by its author",
    )
    teams_touch(team_ids=[locked.team_id])
    locked.refresh_from_db()
    return locked
