"""Every write to annotations, replies and reviews. The API, the UI and the admin call these.

Rules enforced here, whoever calls:
- offsets are code points with ``0 <= start < end <= len(text)``, and ``exact`` (when given)
  equals ``text[start:end]``; prefix and suffix are derived, never trusted from the caller;
- tags, the source annotation and the entity belong to the article's team;
- roles: analysts and owners annotate, reviewers and owners review, any member replies;
- edits name the version they were based on, and a stale one changes nothing (412).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from annotations.exceptions import PreconditionFailed
from annotations.lib.anchoring import quote_context
from annotations.models import Annotation, Article, Entity, Membership, Reply, Review, Tag
from annotations.services.teams import ANNOTATE_ROLES, DISCUSS_ROLES, REVIEW_ROLES, require_role

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 10_000
MAX_TAGS = 20

# A reviewer's verdict moves the annotation to this review state.
VERDICT_STATE = {
    Review.Verdict.APPROVE: Annotation.ReviewState.APPROVED,
    Review.Verdict.REQUEST_CHANGES: Annotation.ReviewState.CHANGES_REQUESTED,
    Review.Verdict.DISPUTE: Annotation.ReviewState.DISPUTED,
}


def _check_span(*, article: Article, start: Any, end: Any, exact: str | None) -> str:
    for field, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError({field: "Must be a whole number of characters (code points)."})
    length = len(article.text)
    if start < 0:
        raise ValidationError({"start": "Must be 0 or more."})
    if end <= start:
        raise ValidationError({"end": f"Must be greater than start ({start})."})
    if end > length:
        raise ValidationError(
            {"end": f"Must be at most the length of the article text ({length} characters)."}
        )
    quote = article.text[start:end]
    if exact is not None and exact != quote:
        shown = quote if len(quote) <= 80 else quote[:77] + "..."
        raise ValidationError(
            {"exact": f"Does not match the article text at {start}-{end}, which reads {shown!r}."}
        )
    return quote


def _check_choice(field: str, value: str, choices: Iterable[str]) -> None:
    allowed = list(choices)
    if value not in allowed:
        raise ValidationError({field: f"{value!r} is not one of {', '.join(allowed)}."})


def _check_comment(comment: Any) -> str:
    if not isinstance(comment, str):
        raise ValidationError({"comment": "Must be text."})
    limit = settings.NEWSNOTES_MAX_COMMENT_CHARS
    if len(comment) > limit:
        raise ValidationError({"comment": f"At most {limit:,} characters ({len(comment):,})."})
    return comment


def _check_tags(*, team_id: int, tags: Iterable[Tag]) -> list[Tag]:
    tags = list(dict.fromkeys(tags))
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": f"At most {MAX_TAGS} tags."})
    if any(tag.team_id != team_id for tag in tags):
        raise ValidationError({"tags": "Tags must come from the article's team."})
    return tags


def _check_attribution(
    *,
    article: Article,
    author: AbstractBaseUser,
    attributed_to: Annotation | None,
    attributed_to_entity: Entity | None,
    annotation: Annotation | None = None,
) -> None:
    if attributed_to is not None:
        if attributed_to.team_id != article.team_id:
            raise ValidationError({"attributed_to": "The source must be in the article's team."})
        if (
            attributed_to.visibility == Annotation.Visibility.PRIVATE
            and attributed_to.author_id != author.pk
        ):
            # Someone else's private note is invisible, so it cannot be pointed at either.
            raise ValidationError({"attributed_to": "No such annotation."})
        if annotation is not None and attributed_to.pk == annotation.pk:
            raise ValidationError({"attributed_to": "An annotation cannot be its own source."})
        if annotation is not None and _reaches(attributed_to, annotation):
            raise ValidationError({"attributed_to": "That would make a cycle of attributions."})
    if attributed_to_entity is not None and attributed_to_entity.team_id != article.team_id:
        raise ValidationError({"attributed_to_entity": "The entity must be in the article's team."})


def _reaches(source: Annotation, target: Annotation) -> bool:
    """Whether following ``attributed_to`` from ``source`` arrives at ``target``."""
    seen: set[int] = set()
    current_id = source.attributed_to_id
    while current_id is not None and current_id not in seen:
        if current_id == target.pk:
            return True
        seen.add(current_id)
        current_id = (
            Annotation.objects.filter(pk=current_id).values_list("attributed_to_id", flat=True)
        ).first()
    return False


@transaction.atomic
def annotation_create(
    *,
    article: Article,
    author: AbstractBaseUser,
    start: int,
    end: int,
    exact: str | None = None,
    tags: Iterable[Tag] = (),
    comment: str = "",
    assessment: str = Annotation.Assessment.UNVERIFIED,
    attributed_to: Annotation | None = None,
    attributed_to_entity: Entity | None = None,
    visibility: str = Annotation.Visibility.TEAM,
    origin: str = Annotation.Origin.ANALYST,
    suggestion_state: str = Annotation.SuggestionState.NONE,
) -> Annotation:
    if origin == Annotation.Origin.ANALYST:
        require_role(user=author, team=article.team, roles=ANNOTATE_ROLES, action="annotate")
    quote = _check_span(article=article, start=start, end=end, exact=exact)
    _check_choice("assessment", assessment, Annotation.Assessment.values)
    _check_choice("visibility", visibility, Annotation.Visibility.values)
    comment = _check_comment(comment)
    tag_list = _check_tags(team_id=article.team_id, tags=tags)
    _check_attribution(
        article=article,
        author=author,
        attributed_to=attributed_to,
        attributed_to_entity=attributed_to_entity,
    )
    prefix, suffix = quote_context(article.text, start, end)
    annotation = Annotation.objects.create(
        team_id=article.team_id,
        article=article,
        article_revision=article.revision,
        start=start,
        end=end,
        exact=quote,
        prefix=prefix,
        suffix=suffix,
        comment=comment,
        assessment=assessment,
        attributed_to=attributed_to,
        attributed_to_entity=attributed_to_entity,
        author=author,
        visibility=visibility,
        origin=origin,
        suggestion_state=suggestion_state,
    )
    if tag_list:
        annotation.tags.set(tag_list)
    logger.info("annotation.created id=%s article=%s", annotation.pk, article.pk)
    return annotation


def _lock_for_edit(
    *, annotation: Annotation, actor: AbstractBaseUser, expected_version: int | None, action: str
) -> Annotation:
    locked = Annotation.objects.select_for_update().select_related("article").get(pk=annotation.pk)
    role = require_role(user=actor, team=locked.article.team, roles=ANNOTATE_ROLES, action=action)
    if locked.author_id != actor.pk and role != Membership.Role.OWNER:
        raise PermissionDenied(f"Only the author or a team owner may {action}.")
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    return locked


_UNSET: Any = object()


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    actor: AbstractBaseUser,
    expected_version: int | None = None,
    start: int = _UNSET,
    end: int = _UNSET,
    exact: str | None = None,
    tags: Iterable[Tag] = _UNSET,
    comment: str = _UNSET,
    assessment: str = _UNSET,
    attributed_to: Annotation | None = _UNSET,
    attributed_to_entity: Entity | None = _UNSET,
    visibility: str = _UNSET,
) -> Annotation:
    """Change what is given; leave the rest. A stale ``expected_version`` raises 412."""
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="edit it"
    )
    article = locked.article
    fields: list[str] = []
    if start is not _UNSET or end is not _UNSET or exact is not None:
        new_start = locked.start if start is _UNSET else start
        new_end = locked.end if end is _UNSET else end
        locked.exact = _check_span(article=article, start=new_start, end=new_end, exact=exact)
        locked.start, locked.end = new_start, new_end
        locked.prefix, locked.suffix = quote_context(article.text, new_start, new_end)
        locked.article_revision = article.revision
        locked.anchor_state = Annotation.AnchorState.ANCHORED
        fields += ["start", "end", "exact", "prefix", "suffix", "article_revision", "anchor_state"]
    if comment is not _UNSET:
        locked.comment = _check_comment(comment)
        fields.append("comment")
    if assessment is not _UNSET:
        _check_choice("assessment", assessment, Annotation.Assessment.values)
        locked.assessment = assessment
        fields.append("assessment")
    if visibility is not _UNSET:
        _check_choice("visibility", visibility, Annotation.Visibility.values)
        locked.visibility = visibility
        fields.append("visibility")
    if attributed_to is not _UNSET or attributed_to_entity is not _UNSET:
        new_source = locked.attributed_to if attributed_to is _UNSET else attributed_to
        new_entity = (
            locked.attributed_to_entity if attributed_to_entity is _UNSET else attributed_to_entity
        )
        _check_attribution(
            article=article,
            author=locked.author,
            attributed_to=new_source,
            attributed_to_entity=new_entity,
            annotation=locked,
        )
        locked.attributed_to, locked.attributed_to_entity = new_source, new_entity
        fields += ["attributed_to", "attributed_to_entity"]
    if tags is not _UNSET:
        locked.tags.set(_check_tags(team_id=article.team_id, tags=tags))
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "modified_at"])
    locked.refresh_from_db()
    logger.info("annotation.updated id=%s version=%s", locked.pk, locked.version)
    return locked


@transaction.atomic
def annotation_delete(
    *, annotation: Annotation, actor: AbstractBaseUser, expected_version: int | None = None
) -> None:
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="delete it"
    )
    dependants = locked.attributed_claims.count()
    if dependants:
        raise ValidationError(
            {
                "attributed_claims": f"{dependants} claim(s) are attributed to this annotation; "
                "link them to another source first."
            }
        )
    locked.delete()
    logger.info("annotation.deleted id=%s", annotation.pk)


@transaction.atomic
def reply_create(
    *, annotation: Annotation, author: AbstractBaseUser, text: str, parent: Reply | None = None
) -> Reply:
    # Viewers read; everyone who works on the annotations discusses them.
    require_role(user=author, team=annotation.team, roles=DISCUSS_ROLES, action="reply")
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationError({"text": "A reply needs some text."})
    if len(text) > MAX_REPLY_CHARS:
        raise ValidationError({"text": f"At most {MAX_REPLY_CHARS:,} characters."})
    if parent is not None and parent.annotation_id != annotation.pk:
        raise ValidationError({"parent": "The parent reply belongs to another annotation."})
    return Reply.objects.create(annotation=annotation, parent=parent, author=author, text=text)


@transaction.atomic
def review_create(
    *, annotation: Annotation, reviewer: AbstractBaseUser, verdict: str, note: str = ""
) -> Review:
    require_role(user=reviewer, team=annotation.team, roles=REVIEW_ROLES, action="review")
    _check_choice("verdict", verdict, Review.Verdict.values)
    if not isinstance(note, str) or len(note) > MAX_REPLY_CHARS:
        raise ValidationError(
            {"note": f"A note is text of at most {MAX_REPLY_CHARS:,} characters."}
        )
    if verdict != Review.Verdict.APPROVE and not note.strip():
        raise ValidationError({"note": "Say what should change or what is disputed."})
    review = Review.objects.create(
        annotation=annotation, reviewer=reviewer, verdict=verdict, note=note.strip()
    )
    Annotation.objects.filter(pk=annotation.pk).update(
        review_state=VERDICT_STATE[Review.Verdict(verdict)], version=F("version") + 1
    )
    logger.info("annotation.reviewed id=%s verdict=%s", annotation.pk, verdict)
    return review


def _lock_suggestion(*, annotation: Annotation, actor: AbstractBaseUser) -> Annotation:
    locked = Annotation.objects.select_for_update().select_related("team").get(pk=annotation.pk)
    require_role(user=actor, team=locked.team, roles=ANNOTATE_ROLES, action="handle suggestions")
    if locked.suggestion_state != Annotation.SuggestionState.PENDING:
        raise ValidationError({"suggestion_state": "This is not a pending suggestion."})
    return locked


@transaction.atomic
def suggestion_accept(*, annotation: Annotation, actor: AbstractBaseUser) -> Annotation:
    """A model suggestion becomes an ordinary annotation by the analyst who accepted it;
    the source suggestion it points at is accepted with it."""
    locked = _lock_suggestion(annotation=annotation, actor=actor)
    ids = [locked.pk]
    if (
        locked.attributed_to_id
        and Annotation.objects.filter(
            pk=locked.attributed_to_id, suggestion_state=Annotation.SuggestionState.PENDING
        ).exists()
    ):
        ids.append(locked.attributed_to_id)
    Annotation.objects.filter(pk__in=ids).update(
        suggestion_state=Annotation.SuggestionState.ACCEPTED, author=actor, version=F("version") + 1
    )
    locked.refresh_from_db()
    logger.info("annotation.suggestion_accepted id=%s", locked.pk)
    return locked


@transaction.atomic
def suggestion_reject(*, annotation: Annotation, actor: AbstractBaseUser) -> Annotation:
    """Hide a suggestion; the row stays so that running NER again does not suggest it anew."""
    locked = _lock_suggestion(annotation=annotation, actor=actor)
    locked.suggestion_state = Annotation.SuggestionState.REJECTED
    locked.version = F("version") + 1
    locked.save(update_fields=["suggestion_state", "version", "modified_at"])
    source_id = locked.attributed_to_id
    if (
        source_id
        and not Annotation.objects.filter(attributed_to_id=source_id)
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .exists()
    ):
        # The source was suggested only for this claim.
        Annotation.objects.filter(
            pk=source_id, suggestion_state=Annotation.SuggestionState.PENDING
        ).update(suggestion_state=Annotation.SuggestionState.REJECTED, version=F("version") + 1)
    locked.refresh_from_db()
    return locked
