"""Entity judgements as the entity page shows them: the history of one entity's cluster."""

from __future__ import annotations

from django.db.models import Q

from annotations.models import Entity, EntityJudgement

MAX_HISTORY = 200


def judgements_for_entity(entity: Entity) -> list[EntityJudgement]:
    """Every judgement (active or undone, newest first) about the entity or an entity folded
    into it, or about the entity it is folded into."""
    canonical = entity.merged_into_id or entity.pk
    members = [
        canonical,
        *Entity.objects.filter(merged_into_id=canonical).values_list("pk", flat=True),
    ]
    return list(
        EntityJudgement.objects.filter(Q(left_id__in=members) | Q(right_id__in=members))
        .select_related("left", "right", "user", "undone_by")
        .order_by("-created_at", "-pk")[:MAX_HISTORY]
    )
