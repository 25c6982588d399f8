"""Entity judgements, after nomenklatura's resolver: the analysts' decisions that two entities
are the same, not the same, or that they are unsure, and the canonical entities derived from them.

nomenklatura keeps every decision as an edge between two identifiers (positive, negative,
unsure), never deletes one (undoing stamps it), and derives the canonical identifier of each
cluster of positive edges. NewsNotes does the same with ``EntityJudgement`` rows:

* a "same" judgement folds the right entity's cluster into the left one's; the canonical
  entity of a cluster is derived by replaying its active "same" judgements in the order they
  were made (the left side of each wins), so the entity an analyst merged into stays canonical;
* the folded entities stay as rows with ``merged_into`` set; their resolution keys stay
  with them; their mentions move to the canonical entity and remember where they came from
  (``Mention.linked_entity``), so undoing a merge gives every mention back exactly;
* a "not the same" judgement between two clusters refuses a later merge of them, by hand
  or by the pipeline (annotations/nlp/linking.py and EntityResolver);
* "unsure" is recorded and shown, and changes nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations.models import Annotation, Entity, EntityJudgement, Mention
from annotations.services.search_index import search_index_entities
from annotations.services.stamps import teams_touch
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

SAME = EntityJudgement.Kind.SAME
NOT_SAME = EntityJudgement.Kind.NOT_SAME
UNSURE = EntityJudgement.Kind.UNSURE
MAX_ALIASES = 100


def canonical_of(entity: Entity) -> Entity:
    """The entity ``entity`` is folded into, or itself."""
    if entity.merged_into_id is None:
        return entity
    return Entity.objects.get(pk=entity.merged_into_id)


def cluster_ids(canonical_id: int) -> set[int]:
    """The canonical entity and every entity folded into it."""
    return {
        canonical_id,
        *Entity.objects.filter(merged_into_id=canonical_id).values_list("pk", flat=True),
    }


def clusters_not_same(left_ids: Iterable[int], right_ids: Iterable[int]) -> EntityJudgement | None:
    """An active "not the same" judgement between the two clusters, if there is one."""
    left, right = list(left_ids), list(right_ids)
    return (
        EntityJudgement.objects.filter(judgement=NOT_SAME, undone_at__isnull=True)
        .filter(Q(left_id__in=left, right_id__in=right) | Q(left_id__in=right, right_id__in=left))
        .first()
    )


def _active_pair(left: Entity, right: Entity) -> EntityJudgement | None:
    return (
        EntityJudgement.objects.filter(undone_at__isnull=True)
        .filter(Q(left=left, right=right) | Q(left=right, right=left))
        .first()
    )


@transaction.atomic
def judgement_record(
    *,
    left: Entity,
    right: Entity,
    judgement: str,
    actor: User,
    snapshot: dict[str, Any] | None = None,
) -> EntityJudgement:
    """Record that ``left`` and ``right`` are the same (``right`` folds into ``left``), not the
    same, or that it is unsure. A new judgement on a pair replaces the active one."""
    require_role(user=actor, team=left.team, roles=ANNOTATE_ROLES, action="judge entities")
    if judgement not in EntityJudgement.Kind.values:
        raise ValidationError(
            {"judgement": f"Judgement must be one of {', '.join(EntityJudgement.Kind.values)}."}
        )
    if right.team_id != left.team_id:
        raise ValidationError({"right": "Entities must belong to the same team."})
    # Lock both rows: two merges of one cluster at once would derive different canonicals.
    locked = {
        e.pk: e for e in Entity.objects.select_for_update().filter(pk__in=[left.pk, right.pk])
    }
    left, right = locked[left.pk], locked[right.pk]
    if left.pk == right.pk:
        raise ValidationError({"right": "Choose two different entities."})
    left_canon, right_canon = canonical_of(left), canonical_of(right)
    same_cluster = left_canon.pk == right_canon.pk
    if judgement == SAME and same_cluster:
        raise ValidationError({"right": f"{right} is already merged with {left}."})
    if judgement != SAME and same_cluster:
        raise ValidationError({"right": f"{right} is merged with {left}; undo that merge first."})
    if judgement == SAME:
        blocking = clusters_not_same(cluster_ids(left_canon.pk), cluster_ids(right_canon.pk))
        if blocking is not None:
            raise ValidationError(
                {
                    "right": f"{blocking.left} and {blocking.right} were judged not the same; "
                    "undo that judgement first."
                }
            )
    previous = _active_pair(left, right)
    if previous is not None:
        if previous.judgement == judgement:
            raise ValidationError({"judgement": "This pair already has this judgement."})
        _stamp_undone(previous, actor)
    record = EntityJudgement.objects.create(
        team_id=left.team_id,
        left=left,
        right=right,
        judgement=judgement,
        user=actor,
        snapshot=snapshot or {},
    )
    if judgement == SAME:
        record.snapshot = {**record.snapshot, **_fold(into=left_canon, other=right_canon)}
        record.save(update_fields=["snapshot"])
        # The canonical one is found by the other's names now; the other leaves the results.
        search_index_entities(ids=[left_canon.pk, right_canon.pk])
        teams_touch(team_ids=[left.team_id])  # claims attributed to the other now show left
    logger.info("entity.judged id=%s %s", record.pk, record)
    return record


def _fold(*, into: Entity, other: Entity) -> dict[str, Any]:
    """Fold the cluster of ``other`` into the cluster of ``into`` (both canonical); what to
    give back on undo."""
    members = cluster_ids(other.pk)
    Entity.objects.filter(pk__in=members).update(merged_into=into)
    # Mentions sit on their canonical entity; each remembers the entity it was linked to.
    Mention.objects.filter(entity=other, linked_entity__isnull=True).update(linked_entity=other)
    Mention.objects.filter(entity=other).update(entity=into)
    annotations = dict(
        Annotation.objects.filter(attributed_to_entity=other).values_list(
            "pk", "attributed_to_entity_id"
        )
    )
    Annotation.objects.filter(pk__in=list(annotations)).update(attributed_to_entity=into)
    snapshot: dict[str, Any] = {
        "into": into.pk,
        "other": other.pk,
        "annotations": {str(pk): entity_id for pk, entity_id in annotations.items()},
    }
    names = [other.name, *other.aliases]
    known = {n.casefold() for n in [into.name, *into.aliases]}
    added: list[str] = []
    for name in names:
        if name and name.casefold() not in known and len(into.aliases) + len(added) < MAX_ALIASES:
            known.add(name.casefold())
            added.append(name)
    into.aliases = [*into.aliases, *added]
    snapshot["aliases_added"] = added
    if not into.wikidata_id and other.wikidata_id:
        snapshot["wikidata_id"] = other.wikidata_id
        Entity.objects.filter(pk=other.pk).update(wikidata_id="")  # free the unique id
        into.wikidata_id = other.wikidata_id
    if not into.description and other.description:
        snapshot["description"] = other.description
        into.description = other.description
    into.save(update_fields=["aliases", "wikidata_id", "description", "updated_at"])
    return snapshot


def _stamp_undone(record: EntityJudgement, actor: User) -> None:
    record.undone_at = timezone.now()
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])


@transaction.atomic
def judgement_undo(*, judgement: EntityJudgement, actor: User) -> EntityJudgement:
    """Undo a judgement. Undoing a merge gives back the entities, their mentions, their
    attributed claims, and the names and Wikidata id the merge copied."""
    require_role(user=actor, team=judgement.team, roles=ANNOTATE_ROLES, action="judge entities")
    record: EntityJudgement = EntityJudgement.objects.select_for_update().get(pk=judgement.pk)
    if record.undone_at is not None:
        raise ValidationError({"judgement": "This judgement has already been undone."})
    _stamp_undone(record, actor)
    if record.judgement == SAME:
        _unfold(record)
        search_index_entities(ids=[record.left_id, record.right_id])
        teams_touch(team_ids=[record.team_id])
    elif "split" in record.snapshot:
        _unsplit(record)
    logger.info("entity.judgement_undone id=%s", record.pk)
    return record


def _unfold(record: EntityJudgement) -> None:
    """Derive the canonicals of the record's old cluster again from its active judgements."""
    left = Entity.objects.get(pk=record.left_id)
    old = canonical_of(left).pk
    members = sorted(cluster_ids(old))
    new = derive_canonicals(
        members,
        EntityJudgement.objects.filter(
            judgement=SAME, undone_at__isnull=True, left_id__in=members, right_id__in=members
        )
        .order_by("created_at", "pk")
        .values_list("left_id", "right_id"),
    )
    for member in members:
        canon = new[member]
        Entity.objects.filter(pk=member).update(merged_into=None if canon == member else canon)
        Mention.objects.filter(entity_id=old).filter(
            Q(linked_entity_id=member) | Q(linked_entity__isnull=True, entity_id=member)
        ).update(entity_id=canon, linked_entity_id=None if canon == member else member)
    for pk, entity_id in record.snapshot.get("annotations", {}).items():
        Annotation.objects.filter(pk=int(pk), attributed_to_entity_id=old).update(
            attributed_to_entity_id=new.get(entity_id, entity_id)
        )
    _give_back_names(record)


def _give_back_names(record: EntityJudgement) -> None:
    snapshot = record.snapshot
    into = Entity.objects.filter(pk=snapshot.get("into")).first()
    if into is None:
        return
    added = {n.casefold() for n in snapshot.get("aliases_added", [])}
    into.aliases = [a for a in into.aliases if a.casefold() not in added]
    wikidata = snapshot.get("wikidata_id")
    if wikidata and into.wikidata_id == wikidata:
        into.wikidata_id = ""
        into.save(update_fields=["wikidata_id"])  # free the id before giving it back
        Entity.objects.filter(pk=snapshot.get("other"), wikidata_id="").update(wikidata_id=wikidata)
    if snapshot.get("description") and into.description == snapshot["description"]:
        into.description = ""
    into.save(update_fields=["aliases", "wikidata_id", "description", "updated_at"])


def derive_canonicals(members: Sequence[int], same: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Member -> canonical member, replaying "same" (left, right) pairs in order: each folds
    the right side's cluster into the left side's, as when it was recorded."""
    root = {m: m for m in members}

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for left, right in same:
        a, b = find(left), find(right)
        if a != b:
            root[b] = a
    return {m: find(m) for m in members}


def split_snapshot(mentions: Sequence[Mention]) -> dict[str, Any]:
    """What a split changes on each mention, for its judgement's undo."""
    return {"split": [[m.pk, m.entity_id, m.origin, m.confidence] for m in mentions]}


def _unsplit(record: EntityJudgement) -> None:
    """Give the mentions a split moved back to the entity they left (those still on the new
    entity; a mention re-linked since stays where the analyst put it)."""
    for pk, entity_id, origin, confidence in record.snapshot["split"]:
        Mention.objects.filter(pk=pk, entity_id=record.right_id).update(
            entity_id=entity_id, origin=origin, confidence=confidence
        )
