"""Typed relations between two entities of a team (``models/network.py``): an analyst says
what links them ("commands", "allied with", or free text). Every change writes a
``RelationEvent`` (who, when, what it became), kept after the relation is deleted."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from annotations.exceptions import PreconditionFailed
from annotations.models import Entity, Relation, RelationEvent
from annotations.models.network import MAX_RELATION_LABEL, MAX_RELATION_NOTE
from annotations.services.teams import ANNOTATE_ROLES, require_role

MAX_RELATIONS_PER_TEAM = 20000


def _label(label: str) -> str:
    cleaned = " ".join(str(label).split())
    if not cleaned:
        raise ValidationError({"label": "Say what links the two entities."})
    if len(cleaned) > MAX_RELATION_LABEL:
        raise ValidationError({"label": f"At most {MAX_RELATION_LABEL} characters."})
    return cleaned


def _note(note: str) -> str:
    if len(note) > MAX_RELATION_NOTE:
        raise ValidationError({"note": f"At most {MAX_RELATION_NOTE} characters."})
    return note.strip()


def _event(relation: Relation, action: str, actor: User) -> None:
    RelationEvent.objects.create(
        team_id=relation.team_id,
        relation=relation if action != RelationEvent.Action.DELETED else None,
        relation_number=relation.pk,
        action=action,
        source_id=relation.source_id,
        target_id=relation.target_id,
        label=relation.label,
        note=relation.note,
        actor=actor,
    )


@transaction.atomic
def relation_create(
    *, actor: User, source: Entity, target: Entity, label: str, note: str = ""
) -> Relation:
    """Type the relation from ``source`` to ``target`` (entities of one team, merged ones
    resolved to the entity they joined)."""
    source = source.merged_into or source
    target = target.merged_into or target
    if source.team_id != target.team_id:
        raise ValidationError({"target": "Choose an entity of the same team."})
    if source.pk == target.pk:
        raise ValidationError({"target": "Choose another entity than the source."})
    require_role(user=actor, team=source.team, roles=ANNOTATE_ROLES, action="type relations")
    if Relation.objects.filter(team_id=source.team_id).count() >= MAX_RELATIONS_PER_TEAM:
        raise ValidationError({"label": f"A team has at most {MAX_RELATIONS_PER_TEAM} relations."})
    relation = Relation.objects.create(
        team_id=source.team_id,
        source=source,
        target=target,
        label=_label(label),
        note=_note(note),
        created_by=actor,
    )
    _event(relation, RelationEvent.Action.CREATED, actor)
    return relation


def _lock(relation: Relation, actor: User, expected_version: int | None) -> Relation:
    locked = (
        Relation.objects.select_for_update(of=("self",)).select_related("team").get(pk=relation.pk)
    )
    require_role(user=actor, team=locked.team, roles=ANNOTATE_ROLES, action="type relations")
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    return locked


@transaction.atomic
def relation_update(
    *,
    relation: Relation,
    actor: User,
    expected_version: int | None = None,
    label: str | None = None,
    note: str | None = None,
) -> Relation:
    """Change a relation's label or note; ``If-Match`` with an older version is a 412."""
    locked = _lock(relation, actor, expected_version)
    if label is not None:
        locked.label = _label(label)
    if note is not None:
        locked.note = _note(note)
    locked.version = F("version") + 1
    locked.save(update_fields=["label", "note", "version", "updated_at"])
    locked.refresh_from_db()
    _event(locked, RelationEvent.Action.UPDATED, actor)
    return locked


@transaction.atomic
def relation_delete(
    *, relation: Relation, actor: User, expected_version: int | None = None
) -> None:
    """Delete a relation; its history stays."""
    locked = _lock(relation, actor, expected_version)
    _event(locked, RelationEvent.Action.DELETED, actor)
    locked.delete()
