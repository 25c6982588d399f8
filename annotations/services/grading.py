"""Admiralty grading writes: a team's reliability grade of a source (A-F) and the credibility of
a claim (1-6).

A source is an entity of the team or an outlet that one of the team's articles comes from.
Every change of a source's grade is a new ``SourceGrade`` row, so nothing is overwritten: the
rows are the history (who, when, why). Credibility lives on the claim annotation and changes
like any other annotation edit (If-Match, a new version in its history).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.models import (
    Annotation,
    AnnotationVersion,
    Article,
    Credibility,
    Entity,
    Outlet,
    Reliability,
    SourceGrade,
    Tag,
    Team,
)
from annotations.models.grading import MAX_GRADE_REASON
from annotations.services import history
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)


def _check_source(
    *, team: Team, entity: Entity | None, outlet: Outlet | None
) -> tuple[Entity | None, Outlet | None]:
    if (entity is None) == (outlet is None):
        raise ValidationError({"entity": "Give exactly one source: an entity or an outlet."})
    if entity is not None:
        if entity.team_id != team.pk:
            raise ValidationError({"entity": "No such entity in this team."})
        # A grade follows the entity a "same" judgement folded this one into.
        while entity.merged_into_id is not None:
            entity = Entity.objects.get(pk=entity.merged_into_id)
    if outlet is not None and not Article.objects.filter(team=team, outlet=outlet).exists():
        raise ValidationError({"outlet": "No article of this team comes from this outlet."})
    return entity, outlet


def _check_reason(reason: Any) -> str:
    if not isinstance(reason, str):
        raise ValidationError({"reason": "The reason must be text."})
    text = str(reason).strip()
    if len(text) > MAX_GRADE_REASON:
        raise ValidationError({"reason": f"At most {MAX_GRADE_REASON} characters."})
    return text


@transaction.atomic
def source_grade_set(
    *,
    team: Team,
    actor: User,
    reliability: str,
    entity: Entity | None = None,
    outlet: Outlet | None = None,
    reason: str = "",
    expires_at: datetime | None = None,
) -> SourceGrade:
    """Grade a source A-F for the team: a new row in its history, current from now on (until
    ``expires_at``, if given, which must be in the future)."""
    require_role(user=actor, team=team, roles=ANNOTATE_ROLES, action="grade sources")
    entity, outlet = _check_source(team=team, entity=entity, outlet=outlet)
    if reliability not in Reliability.values:
        raise ValidationError({"reliability": "The reliability is a letter from A to F."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    grade = SourceGrade.objects.create(
        team=team,
        entity=entity,
        outlet=outlet,
        reliability=reliability,
        reason=_check_reason(reason),
        expires_at=expires_at,
        created_by=actor,
    )
    logger.info("source_grade.set id=%s team=%s %s", grade.pk, team.pk, reliability)
    return grade


@transaction.atomic
def source_grade_clear(
    *,
    team: Team,
    actor: User,
    entity: Entity | None = None,
    outlet: Outlet | None = None,
    reason: str = "",
) -> SourceGrade:
    """Withdraw the team's grade of a source: a row with no letter, kept in the history."""
    require_role(user=actor, team=team, roles=ANNOTATE_ROLES, action="grade sources")
    entity, outlet = _check_source(team=team, entity=entity, outlet=outlet)
    grade = SourceGrade.objects.create(
        team=team,
        entity=entity,
        outlet=outlet,
        reliability="",
        reason=_check_reason(reason),
        created_by=actor,
    )
    logger.info("source_grade.cleared id=%s team=%s", grade.pk, team.pk)
    return grade


@transaction.atomic
def annotation_credibility_set(
    *,
    annotation: Annotation,
    actor: User,
    credibility: str,
    expected_version: int | None = None,
) -> Annotation:
    """Grade a claim's credibility 1-6 ("" clears it). Any analyst of the team may grade a
    claim (grading is an assessment, not an edit of what it says, so an approved claim stays
    approved); a stale ``expected_version`` raises 412."""
    locked = Annotation.objects.select_for_update().select_related("team").get(pk=annotation.pk)
    require_role(user=actor, team=locked.team, roles=ANNOTATE_ROLES, action="grade claims")
    if locked.visibility == Annotation.Visibility.PRIVATE and locked.author_id != actor.pk:
        raise PermissionDenied("Only its author may grade a private annotation.")
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    if locked.deleted_at is not None:
        raise ValidationError({"annotation": "It is in the trash; restore it first."})
    if not isinstance(credibility, str) or credibility not in {"", *Credibility.values}:
        raise ValidationError({"credibility": "The credibility is a digit from 1 to 6."})
    if not locked.tags.filter(kind=Tag.Kind.CLAIM).exists():
        raise ValidationError({"credibility": "Only a claim (a claim-tagged annotation) has one."})
    if credibility == locked.credibility:
        return locked
    locked.credibility = credibility
    locked.version = F("version") + 1
    locked.save(update_fields=["credibility", "version", "modified_at"])
    locked.refresh_from_db()
    history.record(
        locked,
        action=AnnotationVersion.Action.UPDATED,
        actor=actor,
        note=f"credibility {credibility or 'cleared'}",
    )
    logger.info("annotation.credibility id=%s %s", locked.pk, credibility or "-")
    return locked
