"""A team's corrections, applied to each new analysis of the team's articles.

Analysts teach the pipeline in two ways (annotations/services/entities.py records both):

* a name they mark as an entity (``mention_create``) is recognised, as that entity, in every
  later article of the team, where the model missed it or cut it differently;
* a name whose mention they reject (``mention_reject``) is not suggested again in the team.

The team's "not the same" judgements reach the linker too: ``not_same`` holds pairs of
linking keys that must never be tied together ("Kim" and Kim Jong Un).
Pure text work: no spaCy, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from annotations.nlp.gazetteer import normalise
from annotations.nlp.types import MentionData

LEARNED_CONFIDENCE = 1.0


@dataclass(frozen=True, slots=True)
class LearnedEntity:
    """The entity a learned name stands for."""

    entity_id: int
    kind: str
    name: str


@dataclass(frozen=True)
class TeamCorrections:
    """What a team has taught the pipeline: written name -> entity, rejected normalised
    names, and pairs of keys judged not the same."""

    names: Mapping[str, LearnedEntity] = field(default_factory=dict)
    rejected: frozenset[str] = frozenset()
    not_same: frozenset[frozenset[str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.names or self.rejected or self.not_same)

    def blocks(self, key: str, other: str) -> bool:
        """Whether the team judged the entities of these two keys not the same."""
        return frozenset((key, other)) in self.not_same

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        forms = sorted(self.names, key=len, reverse=True)
        return re.compile(r"(?<![\w\-])(?:" + "|".join(map(re.escape, forms)) + r")(?![\w\-])")


def apply_corrections(
    text: str, mentions: list[MentionData], corrections: TeamCorrections | None
) -> list[MentionData]:
    """``mentions`` with the team's learned names added and its rejected names removed.

    A learned name replaces the mentions it overlaps, except one that contains it and is
    longer ("Kim" learned does not cut "Kim Jong Un"). Returns mentions sorted by start.
    """
    if not corrections:
        return mentions
    result = [m for m in mentions if normalise(m.text) not in corrections.rejected]
    pattern = corrections.pattern
    if pattern is None:
        return result
    learned: list[MentionData] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if any(m.start <= start and end <= m.end and m.end - m.start > end - start for m in result):
            continue
        if any(m.start < end and start < m.end for m in learned):
            continue
        entity = corrections.names[match.group()]
        learned.append(
            MentionData(
                start=start,
                end=end,
                text=match.group(),
                label=entity.kind,
                origin="gazetteer",
                confidence=LEARNED_CONFIDENCE,
                key=f"entity:{entity.entity_id}",
                canonical_name=entity.name,
                kind=entity.kind,
                gazetteer_id=None,
                wikidata=None,
            )
        )
    if not learned:
        return result
    kept = [m for m in result if not any(m.start < n.end and n.start < m.end for n in learned)]
    return sorted(kept + learned, key=lambda m: m.start)
