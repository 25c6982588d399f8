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
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.lib.anchoring import quote_context
from annotations.models import (
    TRASH_DAYS,
    Annotation,
    AnnotationVersion,
    Article,
    ArticleSubmission,
    Entity,
    Membership,
    Reply,
    Review,
    Tag,
)
from annotations.services import history, notifications
from annotations.services.claim_clusters import claims_refresh
from annotations.services.search_index import search_index_replies, search_index_reviews
from annotations.services.teams import ANNOTATE_ROLES, DISCUSS_ROLES, REVIEW_ROLES, require_role
from annotations.workflow import SUBMITTABLE, VERDICT_FROM, VERDICT_STATE

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 10_000
MAX_TAGS = 20


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
    author: User,
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


def _check_visibility_change(annotation: Annotation, visibility: str, actor: User) -> None:
    # A private note is its author's alone: an owner who made someone else's annotation
    # private would hide it from the whole team, the owner included.
    if visibility != annotation.visibility and annotation.author_id != actor.pk:
        raise PermissionDenied("Only the author may change who sees an annotation.")


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
    author: User,
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
    history.record(annotation, action=AnnotationVersion.Action.CREATED, actor=author)
    claims_refresh(annotation_ids=[annotation.pk])  # a claim joins its cluster (#18)
    logger.info("annotation.created id=%s article=%s", annotation.pk, article.pk)
    return annotation


def _lock_for_edit(
    *,
    annotation: Annotation,
    actor: User,
    expected_version: int | None,
    action: str,
    allow_deleted: bool = False,
) -> Annotation:
    locked = Annotation.objects.select_for_update().select_related("article").get(pk=annotation.pk)
    role = require_role(user=actor, team=locked.article.team, roles=ANNOTATE_ROLES, action=action)
    if locked.author_id != actor.pk and role != Membership.Role.OWNER:
        raise PermissionDenied(f"Only the author or a team owner may {action}.")
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    if locked.deleted_at is not None and not allow_deleted:
        raise ValidationError({"annotation": "It is in the trash; restore it first."})
    return locked


_UNSET: Any = object()


@transaction.atomic
def annotation_update(
    *,
    annotation: Annotation,
    actor: User,
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
        _check_visibility_change(locked, visibility, actor)
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
        fields.append("tags")
    if locked.review_state == Annotation.ReviewState.APPROVED and fields:
        # What was approved is no longer what it says: it goes back to the reviewers.
        locked.review_state = Annotation.ReviewState.SUBMITTED
    locked.version = F("version") + 1
    locked.save(
        update_fields=[
            *[f for f in fields if f != "tags"],
            "review_state",
            "version",
            "modified_at",
        ]
    )
    locked.refresh_from_db()
    history.record(locked, action=AnnotationVersion.Action.UPDATED, actor=actor)
    claims_refresh(annotation_ids=[locked.pk])  # a claim tag added, or its hedges changed
    logger.info("annotation.updated id=%s version=%s", locked.pk, locked.version)
    return locked


@transaction.atomic
def annotation_delete(
    *, annotation: Annotation, actor: User, expected_version: int | None = None
) -> None:
    """Move to the trash, restorable for TRASH_DAYS days. Claims attributed to it keep the
    link, so restoring it restores the attribution too."""
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="delete it"
    )
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor
    locked.version = F("version") + 1
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "modified_at"])
    history.record(locked, action=AnnotationVersion.Action.DELETED, actor=actor)
    logger.info("annotation.deleted id=%s", annotation.pk)


@transaction.atomic
def annotation_undelete(*, annotation: Annotation, actor: User) -> Annotation:
    """Bring an annotation back from the trash."""
    locked = _lock_for_edit(
        annotation=annotation,
        actor=actor,
        expected_version=None,
        action="restore it",
        allow_deleted=True,
    )
    if locked.deleted_at is None:
        raise ValidationError({"annotation": "It is not in the trash."})
    if timezone.now() - locked.deleted_at > timedelta(days=TRASH_DAYS):
        raise ValidationError({"annotation": f"It was deleted over {TRASH_DAYS} days ago."})
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version = F("version") + 1
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "modified_at"])
    locked.refresh_from_db()
    history.record(locked, action=AnnotationVersion.Action.UNDELETED, actor=actor)
    return locked


@transaction.atomic
def annotation_restore_version(
    *,
    annotation: Annotation,
    number: int,
    actor: User,
    expected_version: int | None = None,
) -> Annotation:
    """Make an earlier version current again. The restore is itself a new version."""
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="restore it"
    )
    old = AnnotationVersion.objects.filter(annotation=locked, number=number).first()
    if old is None:
        raise ValidationError({"version": f"There is no version {number}."})
    data = old.snapshot
    note = f"restored version {number}"
    article = locked.article
    if data["article_revision"] == article.revision:
        locked.start, locked.end = data["start"], data["end"]
        locked.exact, locked.prefix, locked.suffix = data["exact"], data["prefix"], data["suffix"]
    elif (data["start"], data["end"]) != (locked.start, locked.end):
        # The text has changed since: the quote stays where it is anchored now.
        note += "; its selectors belong to an older text and were not restored"
    locked.comment = data["comment"]
    locked.assessment = data["assessment"]
    locked.credibility = data.get("credibility", "")  # older versions have none
    _check_visibility_change(locked, data["visibility"], actor)
    locked.visibility = data["visibility"]
    source_id = data["attributed_to"]
    locked.attributed_to = (
        Annotation.objects.filter(pk=source_id, team_id=locked.team_id).first()
        if source_id
        else None
    )
    entity = data["attributed_to_entity"]
    locked.attributed_to_entity = (
        Entity.objects.filter(pk=entity["id"], team_id=locked.team_id).first() if entity else None
    )
    if locked.review_state == Annotation.ReviewState.APPROVED:
        locked.review_state = Annotation.ReviewState.SUBMITTED
    locked.version = F("version") + 1
    locked.save()
    locked.tags.set(
        Tag.objects.filter(team_id=locked.team_id, pk__in=[t["id"] for t in data["tags"]])
    )
    locked.refresh_from_db()
    history.record(locked, action=AnnotationVersion.Action.RESTORED, actor=actor, note=note)
    return locked


@transaction.atomic
def reply_create(
    *, annotation: Annotation, author: User, text: str, parent: Reply | None = None
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
    reply = Reply.objects.create(annotation=annotation, parent=parent, author=author, text=text)
    search_index_replies(ids=[reply.pk])
    notifications.notify_reply(reply=reply)
    history.event(
        team_id=annotation.team_id,
        article_id=annotation.article_id,
        annotation_id=annotation.pk,
        kind="reply.created",
        actor=author,
        summary=text[:200],
    )
    return reply


@transaction.atomic
def review_create(
    *, annotation: Annotation, reviewer: User, verdict: str, note: str = ""
) -> Review:
    require_role(user=reviewer, team=annotation.team, roles=REVIEW_ROLES, action="review")
    _check_choice("verdict", verdict, Review.Verdict.values)
    if not isinstance(note, str) or len(note) > MAX_REPLY_CHARS:
        raise ValidationError(
            {"note": f"A note is text of at most {MAX_REPLY_CHARS:,} characters."}
        )
    if verdict != Review.Verdict.APPROVE and not note.strip():
        raise ValidationError({"note": "Say what should change or what is disputed."})
    locked = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if locked.deleted_at is not None:
        raise ValidationError({"annotation": "It is in the trash."})
    if locked.author_id == reviewer.pk:
        raise ValidationError({"verdict": "Nobody reviews their own annotation."})
    allowed_from = VERDICT_FROM[Review.Verdict(verdict)]
    if locked.review_state not in allowed_from:
        names = ", ".join(Annotation.ReviewState(s).label.lower() for s in allowed_from)
        raise ValidationError(
            {
                "verdict": f"Cannot {Review.Verdict(verdict).label.lower()} an annotation that is "
                f"{locked.get_review_state_display().lower()}; only one that is {names}."
            }
        )
    review = Review.objects.create(
        annotation=locked, reviewer=reviewer, verdict=verdict, note=note.strip()
    )
    search_index_reviews(ids=[review.pk])
    locked.review_state = VERDICT_STATE[Review.Verdict(verdict)]
    locked.version = F("version") + 1
    locked.save(update_fields=["review_state", "version", "modified_at"])
    history.record(
        locked,
        action=AnnotationVersion.Action.REVIEWED,
        actor=reviewer,
        note=(
            f"{Review.Verdict(verdict).label}: {note.strip()}"
            if note.strip()
            else Review.Verdict(verdict).label
        )[:500],
    )
    notifications.notify_review(review=review)
    logger.info("annotation.reviewed id=%s verdict=%s", annotation.pk, verdict)
    return review


@transaction.atomic
def annotation_submit(
    *, annotation: Annotation, actor: User, expected_version: int | None = None
) -> Annotation:
    """Send a draft (or an annotation with changes requested) to the reviewers."""
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="submit it"
    )
    if locked.review_state not in SUBMITTABLE:
        raise ValidationError(
            {
                "review_state": f"It is {locked.get_review_state_display().lower()}; only drafts "
                "and annotations with changes requested are submitted."
            }
        )
    if locked.suggestion_state == Annotation.SuggestionState.PENDING:
        raise ValidationError({"suggestion_state": "Accept the suggestion before submitting it."})
    locked.review_state = Annotation.ReviewState.SUBMITTED
    locked.version = F("version") + 1
    locked.save(update_fields=["review_state", "version", "modified_at"])
    history.record(locked, action=AnnotationVersion.Action.SUBMITTED, actor=actor)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def annotation_withdraw(
    *, annotation: Annotation, actor: User, expected_version: int | None = None
) -> Annotation:
    """Take a submitted annotation back to draft, before anyone reviewed it."""
    locked = _lock_for_edit(
        annotation=annotation, actor=actor, expected_version=expected_version, action="withdraw it"
    )
    if locked.review_state != Annotation.ReviewState.SUBMITTED:
        raise ValidationError({"review_state": "Only a submitted annotation can be withdrawn."})
    locked.review_state = Annotation.ReviewState.DRAFT
    locked.version = F("version") + 1
    locked.save(update_fields=["review_state", "version", "modified_at"])
    history.record(locked, action=AnnotationVersion.Action.WITHDRAWN, actor=actor)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def article_submit(*, article: Article, actor: User, nothing_to_add: bool = False) -> int:
    """An analyst submits their work on an article: their drafts go to review, and on a
    blind article they now see their teammates' annotations. Returns how many were submitted.

    Blind mode opens only on real work: an analyst with no annotation of their own on the
    article must say ``nothing_to_add`` (which the agreement statistics then count as an
    annotator who marked nothing); an empty submit is refused."""
    require_role(user=actor, team=article.team, roles=ANNOTATE_ROLES, action="submit work")
    own = Annotation.objects.filter(article=article, author=actor, deleted_at__isnull=True).exclude(
        suggestion_state__in=[
            Annotation.SuggestionState.PENDING,
            Annotation.SuggestionState.REJECTED,
        ]
    )
    has_work = own.exists()
    if has_work and nothing_to_add:
        raise ValidationError(
            {"nothing_to_add": "You have annotations on this article; submit them instead."}
        )
    if not has_work and not nothing_to_add:
        raise ValidationError(
            {
                "nothing_to_add": "You have no annotation on this article to submit. Annotate "
                "something, or say that you have nothing to add."
            }
        )
    drafts = list(own.filter(review_state__in=SUBMITTABLE))
    for draft in drafts:
        annotation_submit(annotation=draft, actor=actor)
    ArticleSubmission.objects.update_or_create(
        article=article, user=actor, defaults={"nothing_to_add": nothing_to_add}
    )
    history.event(
        team_id=article.team_id,
        article_id=article.pk,
        kind="article.submitted",
        actor=actor,
        summary=(
            "nothing to add"
            if nothing_to_add
            else f"{len(drafts)} annotation{'' if len(drafts) == 1 else 's'} submitted"
        ),
    )
    return len(drafts)


def lock_suggestion(
    *, annotation: Annotation, actor: User, state: str = Annotation.SuggestionState.PENDING
) -> Annotation:
    """The suggestion, locked, once the actor may handle suggestions and it is in ``state``."""
    # of=("self",): the joined team row stays unlocked (stamps/on_commit updates need it).
    locked = (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=annotation.pk)
    )
    require_role(user=actor, team=locked.team, roles=ANNOTATE_ROLES, action="handle suggestions")
    if locked.suggestion_state != state:
        raise ValidationError({"suggestion_state": f"This is not a {state} suggestion."})
    return locked


def move_with_source(
    locked: Annotation, *, to_state: str, action: str, actor: User, **changes: Any
) -> None:
    """Move a locked suggestion, and the source suggested with it when that is in the same
    state, to ``to_state``, with a version each; ``changes`` are further columns to set."""
    ids = [locked.pk]
    if (
        locked.attributed_to_id
        and Annotation.objects.filter(
            pk=locked.attributed_to_id,
            origin=Annotation.Origin.MODEL,
            suggestion_state=locked.suggestion_state,
            deleted_at__isnull=True,
        ).exists()
    ):
        ids.append(locked.attributed_to_id)
    Annotation.objects.filter(pk__in=ids).update(
        suggestion_state=to_state, version=F("version") + 1, **changes
    )
    for pk in ids:
        history.record(Annotation(pk=pk), action=action, actor=actor)
    locked.refresh_from_db()


@transaction.atomic
def suggestion_accept(*, annotation: Annotation, actor: User) -> Annotation:
    """A model suggestion becomes an ordinary annotation by the analyst who accepted it;
    the source suggestion it points at is accepted with it."""
    locked = lock_suggestion(annotation=annotation, actor=actor)
    move_with_source(
        locked,
        to_state=Annotation.SuggestionState.ACCEPTED,
        action=AnnotationVersion.Action.ACCEPTED,
        actor=actor,
        author=actor,
    )
    claims_refresh(annotation_ids=[locked.pk])  # clustered after analysis, unless older
    logger.info("annotation.suggestion_accepted id=%s", locked.pk)
    return locked


@transaction.atomic
def suggestion_reject(*, annotation: Annotation, actor: User) -> Annotation:
    """Hide a suggestion; the row stays so that running NER again does not suggest it anew."""
    locked = lock_suggestion(annotation=annotation, actor=actor)
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
    history.record(locked, action=AnnotationVersion.Action.REJECTED, actor=actor)
    locked.refresh_from_db()
    return locked
