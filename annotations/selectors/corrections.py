"""What a team has taught the pipeline, read for each analysis (nlp/corrections.py)."""

from __future__ import annotations

from collections import defaultdict
from itertools import product

from annotations.models import Entity, EntityJudgement, EntityKey, LearnedName
from annotations.nlp.corrections import LearnedEntity, TeamCorrections


def team_corrections(team_id: int) -> TeamCorrections:
    """The team's learned and rejected names, and the linking keys of every pair of entities
    it judged not the same (each side's whole cluster of merged entities)."""
    names: dict[str, LearnedEntity] = {}
    rejected: set[str] = set()
    for name, text, entity_id, merged_into, kind, entity_name in LearnedName.objects.filter(
        team_id=team_id
    ).values_list(
        "name",
        "text",
        "entity_id",
        "entity__merged_into_id",
        "entity__kind",
        "entity__name",
    ):
        if entity_id is None:
            rejected.add(name)
        else:
            names[text] = LearnedEntity(
                entity_id=merged_into or entity_id, kind=kind, name=entity_name
            )
    return TeamCorrections(names=names, rejected=frozenset(rejected), not_same=_not_same(team_id))


def _not_same(team_id: int) -> frozenset[frozenset[str]]:
    pairs = list(
        EntityJudgement.objects.filter(
            team_id=team_id, judgement=EntityJudgement.Kind.NOT_SAME, undone_at__isnull=True
        ).values_list("left_id", "left__merged_into_id", "right_id", "right__merged_into_id")
    )
    if not pairs:
        return frozenset()
    canonicals = {c or e for left, lc, right, rc in pairs for e, c in ((left, lc), (right, rc))}
    members: dict[int, set[int]] = defaultdict(set)
    for pk, merged_into in Entity.objects.filter(
        team_id=team_id, merged_into_id__in=canonicals
    ).values_list("pk", "merged_into_id"):
        members[merged_into].add(pk)
    for canonical in canonicals:
        members[canonical].add(canonical)
    keys: dict[int, set[str]] = defaultdict(set)
    every = {pk for group in members.values() for pk in group}
    owner = {pk: canonical for canonical, group in members.items() for pk in group}
    for key, entity_id in EntityKey.objects.filter(
        team_id=team_id, entity_id__in=every
    ).values_list("key", "entity_id"):
        keys[owner[entity_id]].add(key)
    for pk in every:
        keys[owner[pk]].add(f"entity:{pk}")
    return frozenset(
        frozenset(pair)
        for left, lc, right, rc in pairs
        for pair in product(keys[lc or left], keys[rc or right])
    )
