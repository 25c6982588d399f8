"""Analysts' decisions about claim clusters, as for entity judgements (services/judgements.py,
after nomenklatura): each is a ``ClusterJudgement`` row, never deleted; undoing one stamps it
and gives back what it changed.

* confirm: the cluster's appearances say one thing; they are pinned there;
* split: the named appearances leave for a new cluster (not all of them; not from a
  cluster of one claim);
* move: the named appearances go to another cluster of the same team;
* merge: every appearance of a cluster goes to another cluster of the same team.

Undo moves back only the appearances still where the judgement put them: a later decision
about one of them stands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.models import Annotation, ClaimAppearance, ClaimCluster, ClusterJudgement
from annotations.models.claims import MAX_CANONICAL_CHARS
from annotations.selectors.claims import assessed_for
from annotations.services.annotations import annotation_update
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

Kind = ClusterJudgement.Kind
#: The most appearances one split or move may name.
MAX_APPEARANCES = 500
MAX_NOTE_CHARS = 500


def _lock(cluster: ClaimCluster) -> ClaimCluster:
    return ClaimCluster.objects.select_for_update().get(pk=cluster.pk)


def _check_note(note: str) -> str:
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise ValidationError({"note": f"A note is text of at most {MAX_NOTE_CHARS} characters."})
    return note.strip()


def _same_team(cluster: ClaimCluster, target: ClaimCluster, *, action: str) -> None:
    if target.team_id != cluster.team_id:
        raise ValidationError({"target": f"Cannot {action} claims across teams."})
    if target.pk == cluster.pk:
        raise ValidationError({"target": "Choose another cluster."})


def _named(cluster: ClaimCluster, appearance_ids: Sequence[int]) -> list[ClaimAppearance]:
    ids = list(dict.fromkeys(appearance_ids))
    if not ids:
        raise ValidationError({"appearances": "Name at least one appearance."})
    if len(ids) > MAX_APPEARANCES:
        raise ValidationError({"appearances": f"At most {MAX_APPEARANCES} at a time."})
    rows = list(
        ClaimAppearance.objects.select_for_update().filter(pk__in=ids, cluster_id=cluster.pk)
    )
    if len(rows) != len(ids):
        found = {a.pk for a in rows}
        missing = [pk for pk in ids if pk not in found][:10]
        raise ValidationError({"appearances": f"Not appearances of this cluster: {missing}."})
    return rows


def _move(rows: Sequence[ClaimAppearance], to: int) -> dict[str, Any]:
    """Move appearances (pinned there); what undo needs."""
    before = {str(a.pk): [a.cluster_id, a.pinned] for a in rows}
    ClaimAppearance.objects.filter(pk__in=[a.pk for a in rows]).update(
        cluster_id=to, pinned=True, score=None
    )
    return {"appearances": before, "to": to}


def _record(
    *,
    kind: str,
    cluster: ClaimCluster,
    target: ClaimCluster | None,
    actor: User,
    note: str,
    snapshot: dict[str, Any],
) -> ClusterJudgement:
    record = ClusterJudgement.objects.create(
        team_id=cluster.team_id,
        kind=kind,
        cluster=cluster,
        target=target,
        user=actor,
        note=note,
        snapshot=snapshot,
    )
    touched = [cluster.pk] + ([target.pk] if target is not None else [])
    ClaimCluster.objects.filter(pk__in=touched).update(updated_at=timezone.now())
    logger.info("cluster.judged id=%s %s", record.pk, record)
    return record


@transaction.atomic
def cluster_confirm(*, cluster: ClaimCluster, actor: User, note: str = "") -> ClusterJudgement:
    """The cluster's appearances say one thing: pin them, and mark the cluster confirmed."""
    require_role(user=actor, team=cluster.team, roles=ANNOTATE_ROLES, action="judge claims")
    note = _check_note(note)
    locked = _lock(cluster)
    rows = list(ClaimAppearance.objects.select_for_update().filter(cluster=locked))
    if not rows:
        raise ValidationError({"cluster": "This cluster has no claims left."})
    unpinned = [a.pk for a in rows if not a.pinned]
    snapshot = {
        "pinned": unpinned,
        "confirmed_at": locked.confirmed_at.isoformat() if locked.confirmed_at else None,
        "confirmed_by": locked.confirmed_by_id,
    }
    ClaimAppearance.objects.filter(pk__in=unpinned).update(pinned=True)
    ClaimCluster.objects.filter(pk=locked.pk).update(
        confirmed_at=timezone.now(), confirmed_by=actor
    )
    return _record(
        kind=Kind.CONFIRM, cluster=locked, target=None, actor=actor, note=note, snapshot=snapshot
    )


@transaction.atomic
def cluster_split(
    *, cluster: ClaimCluster, appearance_ids: Sequence[int], actor: User, note: str = ""
) -> ClusterJudgement:
    """The named appearances say something else: they leave for a new cluster."""
    require_role(user=actor, team=cluster.team, roles=ANNOTATE_ROLES, action="judge claims")
    note = _check_note(note)
    locked = _lock(cluster)
    total = ClaimAppearance.objects.filter(cluster=locked).count()
    if total < 2:
        raise ValidationError({"cluster": "A cluster of one claim cannot be split."})
    rows = _named(locked, appearance_ids)
    if len(rows) == total:
        raise ValidationError({"appearances": "Leave at least one claim in the cluster."})
    first = min(rows, key=lambda a: a.pk)
    canonical = first.annotation.exact[:MAX_CANONICAL_CHARS]
    target = ClaimCluster.objects.create(team_id=locked.team_id, canonical=canonical)
    snapshot = _move(rows, target.pk)
    return _record(
        kind=Kind.SPLIT, cluster=locked, target=target, actor=actor, note=note, snapshot=snapshot
    )


@transaction.atomic
def cluster_move(
    *,
    cluster: ClaimCluster,
    appearance_ids: Sequence[int],
    target: ClaimCluster,
    actor: User,
    note: str = "",
) -> ClusterJudgement:
    """The named appearances say what ``target`` says: they move there."""
    require_role(user=actor, team=cluster.team, roles=ANNOTATE_ROLES, action="judge claims")
    _same_team(cluster, target, action="move")
    note = _check_note(note)
    locked = _lock(cluster)
    rows = _named(locked, appearance_ids)
    snapshot = _move(rows, target.pk)
    return _record(
        kind=Kind.MOVE, cluster=locked, target=target, actor=actor, note=note, snapshot=snapshot
    )


@transaction.atomic
def cluster_merge(
    *, cluster: ClaimCluster, target: ClaimCluster, actor: User, note: str = ""
) -> ClusterJudgement:
    """``cluster`` says what ``target`` says: all its appearances move there."""
    require_role(user=actor, team=cluster.team, roles=ANNOTATE_ROLES, action="judge claims")
    _same_team(cluster, target, action="merge")
    note = _check_note(note)
    locked = _lock(cluster)
    rows = list(ClaimAppearance.objects.select_for_update().filter(cluster=locked))
    if not rows:
        raise ValidationError({"cluster": "This cluster has no claims left."})
    snapshot = _move(rows, target.pk)
    return _record(
        kind=Kind.MERGE, cluster=locked, target=target, actor=actor, note=note, snapshot=snapshot
    )


@transaction.atomic
def cluster_judgement_undo(*, judgement: ClusterJudgement, actor: User) -> ClusterJudgement:
    """Undo a judgement: moved appearances go back (those still where it put them); a
    confirmation is withdrawn."""
    record = ClusterJudgement.objects.select_for_update().get(pk=judgement.pk)
    require_role(user=actor, team=record.cluster.team, roles=ANNOTATE_ROLES, action="judge claims")
    if record.undone_at is not None:
        raise ValidationError({"judgement": "This judgement has already been undone."})
    record.undone_at = timezone.now()
    record.undone_by = actor
    record.save(update_fields=["undone_at", "undone_by"])
    snapshot = record.snapshot
    if record.kind == Kind.CONFIRM:
        ClaimAppearance.objects.filter(
            pk__in=snapshot.get("pinned", []), cluster_id=record.cluster_id
        ).update(pinned=False)
        ClaimCluster.objects.filter(pk=record.cluster_id).update(
            confirmed_at=snapshot.get("confirmed_at"), confirmed_by_id=snapshot.get("confirmed_by")
        )
    else:
        to = snapshot.get("to")
        for pk, (cluster_id, pinned) in snapshot.get("appearances", {}).items():
            ClaimAppearance.objects.filter(pk=int(pk), cluster_id=to).update(
                cluster_id=cluster_id, pinned=pinned
            )
    touched = [record.cluster_id] + ([record.target_id] if record.target_id else [])
    ClaimCluster.objects.filter(pk__in=touched).update(updated_at=timezone.now())
    logger.info("cluster.judgement_undone id=%s", record.pk)
    return record


@transaction.atomic
def cluster_update(*, cluster: ClaimCluster, canonical: str, actor: User) -> ClaimCluster:
    """Reword the cluster's canonical wording."""
    require_role(user=actor, team=cluster.team, roles=ANNOTATE_ROLES, action="edit claims")
    if not isinstance(canonical, str) or not canonical.strip():
        raise ValidationError({"canonical": "The canonical wording cannot be empty."})
    if len(canonical) > MAX_CANONICAL_CHARS:
        raise ValidationError({"canonical": f"At most {MAX_CANONICAL_CHARS} characters."})
    locked = _lock(cluster)
    locked.canonical = " ".join(canonical.split())
    locked.save(update_fields=["canonical", "updated_at"])
    return locked


@transaction.atomic
def claim_assessment_adopt(*, annotation: Annotation, actor: User) -> Annotation:
    """Give the claim the assessment the team already made of its cluster ("already
    assessed"): the latest other claim of the cluster assessed other than "unverified"."""
    found = assessed_for(actor, annotation)
    if found is None:
        raise ValidationError({"annotation": "This annotation is not a clustered claim."})
    earlier = found["assessed"]
    if earlier is None:
        raise ValidationError({"annotation": "The team has not assessed this claim yet."})
    return annotation_update(annotation=annotation, actor=actor, assessment=earlier["assessment"])
