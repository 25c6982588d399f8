"""Batch screening's matching: each input name against a team's canonical entities (names and
aliases), exact, alias or fuzzy, with a score from 0 to 1 (``lib/names.py``).

Names are never compared with every entity. Candidates are narrowed first, then scored with
rapidfuzz:

* PostgreSQL: the ``pg_trgm`` GIN index on the entity rows of the search index (name and aliases,
  migration 0010), one query per batch of names (``unnest`` and a ``LATERAL`` index scan per
  name), at most ``MAX_CANDIDATES`` per name, the most alike first.
* SQLite: an in-memory blocking index of the team's names, built once per run: a name is scored
  only against the names that share a blocking key with it (the first or last three letters of
  a word, or the whole folded form).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import DatabaseError, connection, transaction

from annotations.lib.names import block_keys, name_fold, name_key, name_score
from annotations.models import Entity, ScreeningResult

MatchKind = ScreeningResult.MatchKind
# A fuzzy match scores at least this ("John Kirby" and "John Kerry" score 0.8: not a match).
FUZZY_CUTOFF = 0.85
# Entities scored per name, and matches kept per name (the best).
MAX_CANDIDATES = 50
MAX_MATCHES = 10
# pg_trgm's word similarity that makes an entity a candidate.
TRIGRAM_THRESHOLD = 0.5
# A blocking key shared by more names than this is too common to narrow anything.
MAX_BLOCK = 2000
_KIND_ORDER: dict[str, int] = {MatchKind.EXACT: 0, MatchKind.ALIAS: 1, MatchKind.FUZZY: 2}


@dataclass(frozen=True)
class Named:
    """An entity as screening compares it."""

    id: int
    name: str
    aliases: tuple[str, ...]

    @classmethod
    def of(cls, pk: int, name: str, aliases: object) -> Named:
        forms = tuple(str(a) for a in aliases) if isinstance(aliases, list) else ()
        return cls(pk, name, forms)


@dataclass(frozen=True)
class Match:
    entity_id: int
    entity_name: str
    kind: str
    score: float
    matched_name: str


def match_one(query: str, entity: Named) -> Match | None:
    """How ``query`` matches ``entity``: its name (exact), an alias, or fuzzily, or not at all."""
    key = name_key(query)
    if name_key(entity.name) == key:
        return Match(entity.id, entity.name, MatchKind.EXACT, 1.0, entity.name)
    for alias in entity.aliases:
        if name_key(alias) == key:
            return Match(entity.id, entity.name, MatchKind.ALIAS, 1.0, alias)
    folded = name_fold(query)
    best, best_form = 0.0, ""
    for form in (entity.name, *entity.aliases):
        score = name_score(folded, name_fold(form))
        if score > best:
            best, best_form = score, form
    if best >= FUZZY_CUTOFF:
        return Match(entity.id, entity.name, MatchKind.FUZZY, round(best, 4), best_form)
    return None


def best_matches(query: str, candidates: Sequence[Named]) -> list[Match]:
    found = [m for m in (match_one(query, c) for c in candidates) if m is not None]
    found.sort(key=lambda m: (_KIND_ORDER[m.kind], -m.score, m.entity_name.casefold()))
    return found[:MAX_MATCHES]


class Candidates(Protocol):
    def __call__(self, names: Sequence[str]) -> list[list[Named]]: ...


class TrigramCandidates:
    """PostgreSQL: pg_trgm over the search index's entity rows, a batch of names per query."""

    SQL = (
        "SELECT q.ord, c.object_id FROM unnest(%s::text[]) WITH ORDINALITY AS q(name, ord) "
        "CROSS JOIN LATERAL (SELECT e.object_id FROM annotations_searchentry e "
        "WHERE e.kind = 'entity' AND e.team_id = %s AND e.body %%> q.name "
        "ORDER BY word_similarity(q.name, e.body) DESC, similarity(q.name, e.title) DESC "
        "LIMIT %s) c"
    )

    def __init__(self, team_id: int) -> None:
        self.team_id = team_id
        self.known: dict[int, Named | None] = {}
        self._flush_pending()

    @staticmethod
    def _flush_pending() -> None:
        """Move the GIN index's pending list into the index proper. Rows written since the last
        (auto)vacuum wait in that list, which every scan reads whole; after a large import
        (thousands of new entities) the planner rightly prefers a sequential scan then, which
        computes word_similarity for every name of the team for every input name: minutes
        instead of seconds. Cheap when the list is empty; skipped if not permitted."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT gin_clean_pending_list('search_entry_names_trgm')")
        except DatabaseError:
            pass

    def __call__(self, names: Sequence[str]) -> list[list[Named]]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(  # until the end of this transaction
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(TRIGRAM_THRESHOLD)],
            )
            cursor.execute(self.SQL, [list(names), self.team_id, MAX_CANDIDATES])
            pairs = cursor.fetchall()
        wanted = {pk for _, pk in pairs} - self.known.keys()
        if wanted:
            self.known.update(dict.fromkeys(wanted))
            for pk, name, aliases in (
                Entity.objects.filter(team_id=self.team_id, merged_into__isnull=True, pk__in=wanted)
                .order_by()
                .values_list("pk", "name", "aliases")
            ):
                self.known[pk] = Named.of(pk, name, aliases)
        out: list[list[Named]] = [[] for _ in names]
        for ordinal, pk in pairs:
            named = self.known.get(pk)
            if named is not None:  # merged into another entity, or gone
                out[ordinal - 1].append(named)
        return out


class BlockCandidates:
    """Anywhere (SQLite's engine): the team's names in memory, under their blocking keys."""

    def __init__(self, team_id: int) -> None:
        self.entities: list[Named] = []
        self.blocks: dict[str, list[int]] = defaultdict(list)
        rows = (
            Entity.objects.filter(team_id=team_id, merged_into__isnull=True)
            .order_by()
            .values_list("pk", "name", "aliases")
        )
        for pk, name, aliases in rows.iterator(chunk_size=5000):
            named = Named.of(pk, name, aliases)
            index = len(self.entities)
            self.entities.append(named)
            keys: set[str] = set()
            for form in (named.name, *named.aliases):
                keys |= block_keys(name_fold(form))
            for key in keys:
                self.blocks[key].append(index)

    def __call__(self, names: Sequence[str]) -> list[list[Named]]:
        out = []
        for name in names:
            hits: Counter[int] = Counter()
            for key in block_keys(name_fold(name)):
                block = self.blocks.get(key, [])
                if len(block) <= MAX_BLOCK or key.startswith("="):
                    hits.update(block)
            out.append([self.entities[i] for i, _ in hits.most_common(MAX_CANDIDATES)])
        return out


def candidates_for(team_id: int) -> Candidates:
    if connection.vendor == "postgresql":
        return TrigramCandidates(team_id)
    return BlockCandidates(team_id)


def match_names(names: Sequence[str], candidates: Candidates) -> list[list[Match]]:
    """Each name's matches, best first (exact, then alias, then fuzzy by score)."""
    return [best_matches(name, found) for name, found in zip(names, candidates(names), strict=True)]
