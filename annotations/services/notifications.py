"""Notifications: @mentions in replies, replies to one's annotation, reviewers' verdicts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations.models import Membership, Notification, Reply, Review

# @username, as Django allows usernames: letters, digits and @.+-_
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mentioned_usernames(text: str) -> list[str]:
    return list(dict.fromkeys(name.rstrip(".") for name in MENTION.findall(text)))


def _teammates(team_id: int, usernames: Iterable[str]) -> list[User]:
    wanted = list(usernames)
    if not wanted:
        return []
    members = Membership.objects.filter(team_id=team_id).values("user_id")
    return list(get_user_model().objects.filter(pk__in=members, username__in=wanted))


def notify_reply(*, reply: Reply) -> list[Notification]:
    """@mentioned teammates hear of it; so does the annotation's author."""
    annotation = reply.annotation
    snippet = reply.text[:200]
    notes = [
        Notification(
            user=user,
            actor=reply.author,
            kind=Notification.Kind.MENTION,
            annotation=annotation,
            text=snippet,
        )
        for user in _teammates(annotation.team_id, mentioned_usernames(reply.text))
        if user.pk != reply.author_id
    ]
    told = {n.user.pk for n in notes}
    author_is_other = annotation.author_id not in told and annotation.author_id != reply.author_id
    if author_is_other and annotation.author.is_active:
        notes.append(
            Notification(
                user_id=annotation.author_id,
                actor=reply.author,
                kind=Notification.Kind.REPLY,
                annotation=annotation,
                text=snippet,
            )
        )
    return Notification.objects.bulk_create(notes)


def notify_review(*, review: Review) -> Notification | None:
    annotation = review.annotation
    if annotation.author_id == review.reviewer_id or not annotation.author.is_active:
        return None
    return Notification.objects.create(
        user_id=annotation.author_id,
        actor=review.reviewer,
        kind=Notification.Kind.REVIEW,
        annotation=annotation,
        text=review_summary(review),
    )


# What a verdict did, in the past tense, before the quote it was about.
VERDICT_DONE = {
    Review.Verdict.APPROVE: "Approved",
    Review.Verdict.REQUEST_CHANGES: "Asked for changes to",
    Review.Verdict.DISPUTE: "Disputed",
}


def review_summary(review: Review) -> str:
    """'Approved “quote”', with the reviewer's note after a colon when there is one."""
    quote = " ".join(review.annotation.exact.split())
    if len(quote) > 80:
        quote = quote[:79].rstrip() + "…"
    done = VERDICT_DONE.get(Review.Verdict(review.verdict), review.get_verdict_display())
    text = f"{done} “{quote}”"
    note = " ".join(review.note.split())
    return (f"{text}: {note}" if note else text)[:300]


@transaction.atomic
def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
