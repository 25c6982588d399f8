"""Creating articles and editing their text.

The text is canonicalised once, here: line breaks become ``\\n`` and the ends are trimmed.
Every offset in the project indexes into that canonical text.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final, Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.lib.anchoring import find_anchor, quote_context
from annotations.models import (
    Annotation,
    AnnotationVersion,
    Article,
    ArticleRevision,
    Job,
    Mention,
    Outlet,
    Team,
)
from annotations.nlp.detection import detect_language
from annotations.services import history
from annotations.services.jobs import job_enqueue
from annotations.services.outlets import outlet_for_url
from annotations.services.search_index import search_index_articles
from annotations.services.stamps import teams_touch

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500
MAX_AUTHORS = 50


class _Unset(enum.Enum):
    """A default that tells "not given" from None, which clears the date."""

    DATE = enum.auto()


_UNSET_DATE: Final = _Unset.DATE


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_text(text: str, *, field: str = "text") -> str:
    """The canonical form of an article's text, or a ValidationError naming ``field``."""
    if not isinstance(text, str):
        raise ValidationError({field: "Text must be a string."})
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({field: "The article text is empty."})
    limit = settings.NEWSNOTES_MAX_ARTICLE_CHARS
    if len(text) > limit:
        raise ValidationError(
            {field: f"The article text has {len(text):,} characters; the limit is {limit:,}."}
        )
    if _looks_binary(text):
        raise ValidationError(
            {field: "This looks like binary data, not text (it contains control characters)."}
        )
    return text


# C0 control characters other than tab, newline, vertical tab and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    # NUL never appears in text; a run of other C0 controls (besides tab and newline) means a
    # binary file decoded as text. A regex, not a loop over unicodedata: this runs on every
    # imported article.
    if "\x00" in text:
        return True
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) > max(3, len(sample) // 100)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": f"{url[:200]!r} is not an http(s) URL."}) from None
    return url


def _clean_authors(authors: Sequence[str] | str | None) -> list[str]:
    if authors is None:
        return []
    if isinstance(authors, str):
        authors = [a for a in authors.replace(";", ",").split(",")]
    if not isinstance(authors, list | tuple):
        raise ValidationError({"authors": "Authors must be a list of names."})
    cleaned = []
    for author in authors:
        if not isinstance(author, str):
            raise ValidationError({"authors": "Each author must be a name (a string)."})
        if author.strip():
            cleaned.append(author.strip()[:200])
    if len(cleaned) > MAX_AUTHORS:
        raise ValidationError({"authors": f"At most {MAX_AUTHORS} authors."})
    return cleaned


def _clean_title(title: str, text: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        # A headline-less wire item: its first line stands in.
        title = text.split("\n", 1)[0]
    if len(title) > MAX_TITLE_CHARS:
        title = title[: MAX_TITLE_CHARS - 1] + "…"
    return title


def outlet_for(*, name: str = "", url: str = "") -> Outlet | None:
    """The outlet of a URL's domain (a listed news outlet by its list name), or of a name,
    created on first sight."""
    name = " ".join((name or "").split())[:200]
    if by_url := outlet_for_url(url, name=name):
        return by_url
    if name:
        existing = Outlet.objects.filter(domain="", name__iexact=name).first()
        return existing or Outlet.objects.create(name=name)
    return None


@transaction.atomic
def article_create(
    *,
    team: Team,
    text: str,
    title: str = "",
    imported_by: User | None = None,
    url: str = "",
    outlet: Outlet | None = None,
    outlet_name: str = "",
    authors: Sequence[str] | str | None = None,
    published_at: datetime | None = None,
    language: str = "",
) -> Article:
    """A new article; its language is detected (nlp/detection.py) unless ``language`` says it."""
    text = canonical_text(text)
    url = _clean_url(url)
    if url and Article.objects.filter(team=team, url=url).exists():
        raise ValidationError({"url": "An article with this URL is already in the team."})
    if published_at is not None and timezone.is_naive(published_at):
        published_at = timezone.make_aware(published_at, UTC)
    if outlet is None:
        outlet = outlet_for(name=outlet_name, url=url)
    digest = text_sha256(text)
    article = Article.objects.create(
        team=team,
        title=_clean_title(title, text),
        text=text,
        text_sha256=digest,
        url=url,
        outlet=outlet,
        authors=_clean_authors(authors),
        published_at=published_at,
        language=(language or "").strip()[:16] or detect_language(text),
        imported_by=imported_by,
        blind=team.blind_default,
    )
    ArticleRevision.objects.create(
        article=article,
        number=1,
        text=text,
        text_sha256=digest,
        title=article.title,
        authors=article.authors,
        created_by=imported_by,
    )
    search_index_articles(ids=[article.pk])
    logger.info("article.created id=%s team=%s", article.pk, team.slug)
    return article


@transaction.atomic
def article_update_text(
    *,
    article: Article,
    text: str,
    actor: User | None,
    expected_revision: int | None = None,
    note: str = "",
) -> Article:
    """Replace the text, keep the old one as a revision, and re-anchor what pointed into it.

    Annotations whose quote is still in the text move to it ("re-anchored"); the others are
    kept, marked "orphaned", with offsets into the revision they were made on. Analysts'
    mentions are re-anchored the same way; machine mentions are recomputed by an analysis job
    queued when the edit commits.
    """
    article = Article.objects.select_for_update().get(pk=article.pk)
    if expected_revision is not None and expected_revision != article.revision:
        raise PreconditionFailed(current_version=article.revision)
    new_text = canonical_text(text)
    if new_text == article.text:
        return article
    old_text = article.text
    article.revision += 1
    article.text = new_text
    article.text_sha256 = text_sha256(new_text)
    article.nlp_status = Article.NlpStatus.PENDING
    article.save(update_fields=["revision", "text", "text_sha256", "nlp_status", "updated_at"])
    search_index_articles(ids=[article.pk])
    ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        text=new_text,
        text_sha256=article.text_sha256,
        title=article.title,
        authors=article.authors,
        created_by=actor,
        note=note[:500],
    )
    _reanchor_annotations(article=article, old_text=old_text, actor=actor)
    _reanchor_analyst_mentions(article=article, old_text=old_text)
    teams_touch(team_ids=[article.team_id])
    job_enqueue(
        team=article.team,
        kind=Job.Kind.ANALYZE,
        params={"article_ids": [article.pk]},
        created_by=actor,
        total=1,
    )
    logger.info("article.text_edited id=%s revision=%s", article.pk, article.revision)
    return article


def _reanchor_annotations(*, article: Article, old_text: str, actor: User | None) -> None:
    annotations = Annotation.objects.select_for_update().filter(
        article=article, article_revision=article.revision - 1
    )
    changed = []
    requoted: list[tuple[Annotation, str]] = []
    for annotation in annotations:
        anchor = find_anchor(
            article.text,
            exact=annotation.exact,
            prefix=annotation.prefix,
            suffix=annotation.suffix,
            start=annotation.start,
            old_length=len(old_text),
        )
        if anchor is None:
            # Kept, with offsets into the revision it was made on, for an analyst to re-place.
            annotation.anchor_state = Annotation.AnchorState.ORPHANED
        else:
            annotation.start, annotation.end = anchor.start, anchor.end
            annotation.prefix, annotation.suffix = quote_context(
                article.text, anchor.start, anchor.end
            )
            annotation.article_revision = article.revision
            if anchor.exact is not None:
                # Found approximately: the new quote is recorded, the old one stays in the
                # history (the version below notes it), and the author is asked to check.
                requoted.append((annotation, annotation.exact))
                annotation.exact = anchor.exact
                annotation.anchor_state = Annotation.AnchorState.QUOTE_CHANGED
            elif annotation.anchor_state == Annotation.AnchorState.QUOTE_CHANGED:
                pass  # still for its author to check
            elif anchor.moved or annotation.anchor_state != Annotation.AnchorState.ANCHORED:
                annotation.anchor_state = Annotation.AnchorState.REANCHORED
        changed.append(annotation)
    Annotation.objects.bulk_update(
        changed, ["start", "end", "exact", "prefix", "suffix", "article_revision", "anchor_state"]
    )
    Annotation.objects.filter(pk__in=[a.pk for a in changed]).update(version=F("version") + 1)
    quoted = {a.pk for a, _ in requoted}
    history.record_many(
        [a for a in changed if a.pk not in quoted],
        action=AnnotationVersion.Action.REANCHORED,
        actor=actor,
    )
    for annotation, old_quote in requoted:
        history.record_many(
            [annotation],
            action=AnnotationVersion.Action.REANCHORED,
            actor=actor,
            note=f"Quote changed; it was “{old_quote[:450]}”",
        )


def _reanchor_analyst_mentions(*, article: Article, old_text: str) -> None:
    mentions = list(Mention.objects.filter(article=article))
    keep, drop = [], []
    for mention in mentions:
        if mention.origin != Mention.Origin.ANALYST and not mention.rejected:
            drop.append(mention.pk)
            continue
        prefix, suffix = quote_context(old_text, mention.start, mention.end)
        anchor = find_anchor(
            article.text,
            exact=mention.text,
            prefix=prefix,
            suffix=suffix,
            start=mention.start,
            old_length=len(old_text),
            approximate=False,  # a mention names its exact words, or it is gone
        )
        if anchor is None:
            drop.append(mention.pk)
            logger.info("mention.dropped id=%s: its text is gone after the edit", mention.pk)
        else:
            mention.start, mention.end = anchor.start, anchor.end
            keep.append(mention)
    Mention.objects.filter(pk__in=drop).delete()
    Mention.objects.bulk_update(keep, ["start", "end"])


def article_revision_text(*, article: Article, number: int) -> str:
    try:
        return ArticleRevision.objects.get(article=article, number=number).text
    except ArticleRevision.DoesNotExist:
        raise ValidationError({"revision": f"Article has no revision {number}."}) from None


@transaction.atomic
def article_edit(
    *,
    article: Article,
    actor: User,
    expected_revision: int | None = None,
    text: str | None = None,
    note: str = "",
    title: str | None = None,
    authors: Sequence[str] | None = None,
    published_at: datetime | Literal[_Unset.DATE] | None = _UNSET_DATE,
    language: str | None = None,
    blind: bool | None = None,
) -> Article:
    """Edit an article's metadata and/or text (analysts and owners); turn blind annotation
    on or off (owners only)."""
    from annotations.services.teams import IMPORT_ROLES, MANAGE_ROLES, require_role

    if blind is not None:
        require_role(
            user=actor, team=article.team, roles=MANAGE_ROLES, action="turn blind mode on or off"
        )
    require_role(user=actor, team=article.team, roles=IMPORT_ROLES, action="edit articles")
    locked = Article.objects.select_for_update().get(pk=article.pk)
    if expected_revision is not None and expected_revision != locked.revision:
        raise PreconditionFailed(current_version=locked.revision)
    fields = []
    if title is not None:
        locked.title = _clean_title(title, locked.text)
        fields.append("title")
    if authors is not None:
        locked.authors = _clean_authors(list(authors))
        fields.append("authors")
    if published_at is not _UNSET_DATE:
        locked.published_at = published_at
        fields.append("published_at")
    if language is not None:
        locked.language = language[:16]
        fields.append("language")
    if blind is not None and bool(blind) != locked.blind:
        locked.blind = bool(blind)
        fields.append("blind")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
        search_index_articles(ids=[locked.pk])
    if "blind" in fields:
        teams_touch(team_ids=[locked.team_id])  # blind mode changes who sees what
    if text is not None:
        locked = article_update_text(
            article=locked, text=text, actor=actor, expected_revision=expected_revision, note=note
        )
    return locked
