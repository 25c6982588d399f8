"""Writes on model suggestions beyond one accept or reject (``services/annotations.py``):
reversing a rejection, and deciding many at once.

Both keep the single-suggestion rules: analysts and owners only, a history version and an event
per annotation changed, everything in one transaction (a refused item changes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import Annotation, AnnotationVersion, Article
from annotations.services.annotations import (
    lock_suggestion,
    move_with_source,
    suggestion_accept,
    suggestion_reject,
)
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

#: The most suggestions one bulk decision may change.
MAX_BULK = 500
VERDICTS = ("accept", "reject")


@transaction.atomic
def suggestion_unreject(*, annotation: Annotation, actor: User) -> Annotation:
    """A rejected suggestion is pending again; so is the source suggestion that was rejected
    with it (a source suggested only for this claim goes when the claim is rejected)."""
    locked = lock_suggestion(
        annotation=annotation, actor=actor, state=Annotation.SuggestionState.REJECTED
    )
    move_with_source(
        locked,
        to_state=Annotation.SuggestionState.PENDING,
        action=AnnotationVersion.Action.UNREJECTED,
        actor=actor,
    )
    logger.info("annotation.suggestion_unrejected id=%s", locked.pk)
    return locked


@transaction.atomic
def suggestion_bulk_decide(
    *, article: Article, ids: Sequence[int], verdict: str, actor: User
) -> list[int]:
    """Accept or reject the given pending suggestions of one article, all or none.

    Returns the ids of every annotation changed (sources accepted or rejected with their claims
    included). An id that is not a pending suggestion of the article refuses the whole batch.
    """
    if verdict not in VERDICTS:
        raise ValidationError({"verdict": f"Choose one of: {', '.join(VERDICTS)}."})
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise ValidationError({"ids": "Name at least one suggestion."})
    if len(unique) > MAX_BULK:
        raise ValidationError({"ids": f"At most {MAX_BULK} suggestions at a time."})
    require_role(user=actor, team=article.team, roles=ANNOTATE_ROLES, action="handle suggestions")
    rows = {
        a.pk: a
        for a in Annotation.objects.select_for_update(of=("self",)).filter(
            pk__in=unique, article=article, deleted_at__isnull=True
        )
    }
    missing = [pk for pk in unique if pk not in rows]
    if missing:
        raise ValidationError({"ids": f"Not suggestions of this article: {missing[:10]}."})
    changed: list[int] = []
    decide = suggestion_accept if verdict == "accept" else suggestion_reject
    for pk in unique:
        annotation = rows[pk]
        annotation.refresh_from_db(fields=["suggestion_state", "attributed_to"])
        # A source accepted or rejected with its claim earlier in this batch is done already.
        if annotation.suggestion_state != Annotation.SuggestionState.PENDING and pk in changed:
            continue
        source = annotation.attributed_to_id
        decide(annotation=annotation, actor=actor)
        changed.append(pk)
        if source and source not in changed:
            changed.append(source)
    logger.info("annotation.suggestions_%sed count=%s", verdict, len(unique))
    return changed
