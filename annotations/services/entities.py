"""Canonical entities: linking NER output to them, and the analysts' corrections.

A mention found by NER carries a resolution key (``gaz:vladimir-putin`` when the gazetteer knows
the name, ``name:PERSON:john kirby`` otherwise). ``EntityKey`` maps keys to a team's entities,
so "Putin" in one article and "Russian President Vladimir Putin" in another meet at one entity.
Analysts' corrections (merge, split, re-link, reject) are recorded so that running NER again
never undoes them: re-linked mentions become ``origin=analyst``, rejected ones stay as rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import Q
from django.utils import timezone

from annotations.lib.plural import counted
from annotations.models import (
    Entity,
    EntityJudgement,
    EntityKey,
    LearnedName,
    Mention,
    Team,
)
from annotations.nlp.gazetteer import get_gazetteer, normalise
from annotations.nlp.types import MentionData
from annotations.services.judgements import (
    NOT_SAME,
    SAME,
    judgement_record,
    split_snapshot,
)
from annotations.services.search_index import search_index_entities
from annotations.services.stamps import teams_touch
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

MAX_ALIASES = 100


class EntityResolver:
    """Key → canonical entity for one team, cached for a batch of articles.

    Reads every key the batch needs in one query, and creates the missing entities in bulk;
    a bulk import resolves tens of thousands of mentions with a handful of queries. A key
    keeps pointing at the entity it was made for; an entity folded into another by a "same"
    judgement resolves to its canonical entity. ``entity:<id>`` keys (names the team taught
    the pipeline) name an entity directly.

    The team's "not the same" judgements are loaded once: a mention whose own name belongs
    to one entity is never linked to an entity judged not the same as it, whatever key the
    linker gave it ("Kim" after "Kim Jong Un" when the team said the two differ).
    """

    def __init__(self, team: Team) -> None:
        self.team = team
        self._by_key: dict[str, int] = {}  # key -> canonical entity
        self._direct: dict[str, int] = {}  # key -> the entity it points at
        self._blocked: set[frozenset[int]] = set()
        not_same = EntityJudgement.objects.filter(
            team=team, judgement=EntityJudgement.Kind.NOT_SAME, undone_at__isnull=True
        ).values_list("left_id", "left__merged_into_id", "right_id", "right__merged_into_id")
        for left, left_canon, right, right_canon in not_same:
            self._blocked.add(frozenset((left_canon or left, right_canon or right)))

    def resolve(self, mentions: Iterable[MentionData]) -> dict[str, int]:
        wanted: dict[str, MentionData] = {}
        own: set[str] = set()
        for mention in mentions:
            if mention.key not in self._by_key:
                wanted.setdefault(mention.key, mention)
            if self._blocked:
                own_key = own_name_key(mention)
                if own_key != mention.key and own_key not in self._by_key:
                    own.add(own_key)
        if wanted or own:
            self._load([*wanted, *own])
            missing = [m for key, m in wanted.items() if key not in self._by_key]
            if missing and _lock_team_entities(self.team.pk):
                # Another worker may have made them while this one waited for the lock.
                self._load([m.key for m in missing])
                missing = [m for m in missing if m.key not in self._by_key]
            if missing:
                self._create(missing)
        return self._by_key

    def entity_of(self, mention: MentionData) -> tuple[int, int | None]:
        """The canonical entity of a resolved mention, and the entity its key points at when
        that one is folded into another (``Mention.linked_entity``)."""
        key = mention.key
        if self._blocked:
            own_key = own_name_key(mention)
            own = self._by_key.get(own_key)
            if own is not None and frozenset((own, self._by_key[key])) in self._blocked:
                key = own_key
        canonical, direct = self._by_key[key], self._direct[key]
        return canonical, (direct if direct != canonical else None)

    def _load(self, keys: Sequence[str]) -> None:
        rows = list(
            EntityKey.objects.filter(team=self.team, key__in=keys).values_list(
                "key", "entity_id", "entity__merged_into_id"
            )
        )
        direct_ids = {}
        for key in keys:
            if key.startswith("entity:") and key[7:].isdigit():
                direct_ids[int(key[7:])] = key
        if direct_ids:
            rows += [
                (direct_ids[pk], pk, merged)
                for pk, merged in Entity.objects.filter(
                    team=self.team, pk__in=list(direct_ids)
                ).values_list("pk", "merged_into_id")
            ]
        for key, entity_id, merged_into in rows:
            self._direct[key] = entity_id
            self._by_key[key] = merged_into or entity_id

    def _create(self, mentions: list[MentionData]) -> None:
        gazetteer = get_gazetteer()
        by_wikidata = {}
        wikidata_ids = [m.wikidata for m in mentions if m.wikidata]
        if wikidata_ids:
            # An analyst may have created the entity by hand with its Wikidata id.
            by_wikidata = {
                wikidata: (pk, merged or pk)
                for wikidata, pk, merged in Entity.objects.filter(
                    team=self.team, wikidata_id__in=wikidata_ids
                ).values_list("wikidata_id", "id", "merged_into_id")
            }
        new_entities: list[tuple[str, Entity]] = []
        keys: list[EntityKey] = []
        for mention in mentions:
            if mention.wikidata and mention.wikidata in by_wikidata:
                pk, canonical = by_wikidata[mention.wikidata]
                keys.append(EntityKey(team=self.team, key=mention.key, entity_id=pk))
                self._by_key[mention.key] = canonical
                self._direct[mention.key] = pk
                continue
            entry = gazetteer.get(mention.gazetteer_id) if mention.gazetteer_id else None
            entity = Entity(
                team=self.team,
                name=(entry.name if entry else mention.canonical_name)[:300],
                kind=mention.kind if mention.kind in Entity.Kind.values else Entity.Kind.OTHER,
                description=(entry.description if entry else "")[:500],
                wikidata_id=(entry.wikidata if entry and entry.wikidata else "") or "",
                gazetteer_id=mention.gazetteer_id or "",
                aliases=list(entry.aliases[:MAX_ALIASES]) if entry else [],
            )
            new_entities.append((mention.key, entity))
        created = Entity.objects.bulk_create([entity for _, entity in new_entities])
        search_index_entities(ids=[entity.pk for entity in created])
        for (key, _), entity in zip(new_entities, created, strict=True):
            keys.append(EntityKey(team=self.team, key=key, entity_id=entity.pk))
            self._by_key[key] = self._direct[key] = entity.pk
        # entity:<id> keys of deleted entities are not stored: the name makes a new entity.
        EntityKey.objects.bulk_create([k for k in keys if not k.key.startswith("entity:")])


# The advisory lock's high 32 bits ("enti"); the low 32 bits are the team's id.
_ENTITY_LOCK = 0x656E7469


def _lock_team_entities(team_id: int) -> bool:
    """Serialise the creation of a team's entities until the transaction ends, so that two
    workers analysing the team's articles at once do not both create "Putin" (PostgreSQL; on
    SQLite writes are serialised already). True if a lock was taken."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        key = (_ENTITY_LOCK << 32) | (team_id & 0xFFFFFFFF)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    return True


def own_name_key(mention: MentionData) -> str:
    """The key the mention's own words would have: ``name:PERSON:kim`` for a "Kim" that the
    linker tied to Kim Jong Un."""
    return f"name:{mention.kind}:{normalise(mention.text)}"


def mentions_replace(*, batch: Sequence[tuple[int, EntityResolver, Sequence[MentionData]]]) -> int:
    """Make the machine mentions of each article those of its ``mentions``; keep analysts' work.

    ``batch`` holds (article id, its team's resolver, its mentions). Called inside the
    caller's transaction, and writes the whole batch with a constant number of statements.
    Spans an analyst added, re-linked or rejected win over the model's: a model mention
    overlapping one of them is dropped. Returns the number of mentions written.
    """
    article_ids = [article_id for article_id, _, _ in batch]
    if not article_ids:
        return 0
    kept: dict[int, list[tuple[int, int]]] = {}
    for article_id, start, end in (
        Mention.objects.filter(article_id__in=article_ids)
        .filter(Q(origin=Mention.Origin.ANALYST) | Q(rejected=True))
        .values_list("article_id", "start", "end")
    ):
        kept.setdefault(article_id, []).append((start, end))
    Mention.objects.filter(article_id__in=article_ids, rejected=False).exclude(
        origin=Mention.Origin.ANALYST
    ).delete()
    by_resolver: dict[int, tuple[EntityResolver, list[MentionData]]] = {}
    for _, resolver, mentions in batch:
        by_resolver.setdefault(id(resolver), (resolver, []))[1].extend(mentions)
    for resolver, ms in by_resolver.values():
        resolver.resolve(ms)
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    for article_id, resolver, mentions in batch:
        spans = kept.get(article_id, ())
        rows.extend(
            (
                article_id,
                *resolver.entity_of(m),
                m.start,
                m.end,
                m.text[:500],
                m.label[:16],
                m.origin,
                min(1.0, max(0.0, m.confidence)),
                False,
                now,
            )
            for m in mentions
            if not any(m.start < end and start < m.end for start, end in spans)
        )
    if not rows:
        return 0
    columns = (
        "article_id",
        "entity_id",
        "linked_entity_id",
        "start",
        "end",
        "text",
        "label",
        "origin",
        "confidence",
        "rejected",
        "created_at",
    )
    if copy_supported():
        copy_rows(Mention._meta.db_table, columns, rows)
    else:
        Mention.objects.bulk_create(
            [Mention(**dict(zip(columns, row, strict=True))) for row in rows]
        )
    return len(rows)


def copy_supported() -> bool:
    """Whether the default connection can take COPY FROM STDIN (PostgreSQL with psycopg 3)."""
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write ``rows`` into ``table`` with one COPY statement (PostgreSQL only)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def copy_insert(objs: Sequence[models.Model]) -> None:
    """Insert new instances of one model like bulk_create() (each gets its id, auto_now
    fields their time), with one COPY on PostgreSQL: no SQL text to build and quote, which
    for long texts costs more than the insert itself (an import of 1,000 articles)."""
    if not objs:
        return
    model = type(objs[0])
    if not copy_supported():
        model._default_manager.bulk_create(objs)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    fields = meta.concrete_fields
    wrapper = connections[connection.alias]  # not the proxy: it is read for every value
    rows = []
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        rows.append([f.get_db_prep_save(f.pre_save(obj, True), wrapper) for f in fields])
        obj._state.adding, obj._state.db = False, wrapper.alias
    copy_rows(meta.db_table, [str(f.column) for f in fields], rows)


def _require_same_team(entities: Iterable[Entity], team_id: int, field: str) -> None:
    if any(entity.team_id != team_id for entity in entities):
        raise ValidationError({field: "Entities must belong to the same team."})


@transaction.atomic
def entity_merge(*, target: Entity, others: Sequence[Entity], actor: User) -> Entity:
    """Fold ``others`` into ``target``: one "same" judgement each (services/judgements.py).

    Their mentions and attributed claims move to ``target`` and their names become its
    aliases; the others stay as rows folded into it, so each merge can be undone exactly.
    """
    require_role(user=actor, team=target.team, roles=ANNOTATE_ROLES, action="merge entities")
    others = [e for e in others if e.pk != target.pk]
    if not others:
        raise ValidationError({"entities": "Name at least one other entity to merge."})
    _require_same_team(others, target.team_id, "entities")
    for other in others:
        judgement_record(left=target, right=other, judgement=SAME, actor=actor)
    target.refresh_from_db()
    logger.info("entity.merged into=%s from=%s", target.pk, [e.pk for e in others])
    return target


def _unique_names(names: Iterable[str], *, exclude: str) -> list[str]:
    seen = {exclude.casefold()}
    result = []
    for name in names:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result[:MAX_ALIASES]


@transaction.atomic
def entity_split(
    *,
    entity: Entity,
    mentions: Sequence[Mention],
    name: str,
    kind: str,
    actor: User,
) -> Entity:
    """Move some mentions of ``entity`` to a new entity; they are analyst decisions from now."""
    require_role(user=actor, team=entity.team, roles=ANNOTATE_ROLES, action="split entities")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "The new entity needs a name."})
    if kind not in Entity.Kind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(Entity.Kind.values)}."})
    if not mentions:
        raise ValidationError({"mentions": "Choose the mentions that belong to the new entity."})
    if any(m.entity_id != entity.pk for m in mentions):
        raise ValidationError({"mentions": "Every mention must currently belong to the entity."})
    new = Entity.objects.create(team=entity.team, name=name[:300], kind=kind)
    search_index_entities(ids=[new.pk])
    snapshot = split_snapshot(mentions)
    Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(
        entity=new, origin=Mention.Origin.ANALYST, confidence=1.0, linked_entity=None
    )
    # The two are not the same from now on: the pipeline will not merge them again.
    judgement_record(left=entity, right=new, judgement=NOT_SAME, actor=actor, snapshot=snapshot)
    logger.info("entity.split from=%s new=%s mentions=%s", entity.pk, new.pk, len(mentions))
    return new


@transaction.atomic
def mention_set_entity(*, mention: Mention, entity: Entity, actor: User) -> Mention:
    """Correct which entity a mention names. NER will not change it back."""
    team = mention.article.team
    require_role(user=actor, team=team, roles=ANNOTATE_ROLES, action="correct mentions")
    _require_same_team([entity], team.pk, "entity")
    mention.entity = entity
    mention.origin = Mention.Origin.ANALYST
    mention.rejected = False
    mention.confidence = 1.0
    mention.save(update_fields=["entity", "origin", "rejected", "confidence"])
    return mention


@transaction.atomic
def mention_create(
    *, article_id: int, entity: Entity, start: int, end: int, actor: User
) -> Mention:
    """An analyst marks a span the model missed."""
    from annotations.models import Article

    article = Article.objects.select_related("team").get(pk=article_id)
    require_role(user=actor, team=article.team, roles=ANNOTATE_ROLES, action="add mentions")
    _require_same_team([entity], article.team_id, "entity")
    if not (
        isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(article.text)
    ):
        raise ValidationError({"end": f"Need 0 <= start < end <= {len(article.text)}."})
    Mention.objects.filter(
        article=article, start__lt=end, end__gt=start, origin__in=["model", "gazetteer"]
    ).delete()
    try:
        with transaction.atomic():
            mention = Mention.objects.create(
                article=article,
                entity=entity,
                start=start,
                end=end,
                text=article.text[start:end][:500],
                label=entity.kind,
                origin=Mention.Origin.ANALYST,
            )
    except IntegrityError:
        raise ValidationError({"start": "An analyst's mention already covers this span."}) from None
    # Every later article of the team recognises the name (nlp/corrections.py).
    _learn_name(team=article.team, text=mention.text, entity=entity, actor=actor)
    return mention


def _learn_name(*, team: Team, text: str, entity: Entity | None, actor: User) -> None:
    name = normalise(text)[:300]
    if not name:
        return
    LearnedName.objects.update_or_create(
        team=team,
        name=name,
        defaults={"text": " ".join(text.split())[:300], "entity": entity, "created_by": actor},
    )


@transaction.atomic
def mention_reject(*, mention: Mention, actor: User) -> Mention:
    """Hide a wrong mention; the row stays so that NER does not bring it back."""
    require_role(
        user=actor, team=mention.article.team, roles=ANNOTATE_ROLES, action="reject mentions"
    )
    mention.rejected = True
    mention.save(update_fields=["rejected"])
    # The team's later analyses do not suggest this name again (nlp/corrections.py).
    _learn_name(team=mention.article.team, text=mention.text, entity=None, actor=actor)
    return mention


WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")


def entity_validate(
    *,
    team: Team,
    name: str,
    kind: str,
    description: str = "",
    wikidata_id: str = "",
    aliases: Sequence[str] = (),
    entity: Entity | None = None,
) -> dict[str, Any]:
    """The cleaned fields of a new entity of ``team``, or of ``entity`` changed; a
    ValidationError naming the field otherwise."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "An entity needs a name."})
    if kind not in Entity.Kind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(Entity.Kind.values)}."})
    wikidata_id = (wikidata_id or "").strip()
    if wikidata_id and not WIKIDATA_ID.fullmatch(wikidata_id):
        raise ValidationError({"wikidata_id": "A Wikidata id looks like Q7747."})
    if wikidata_id and team.pk is not None:
        clash = Entity.objects.filter(team=team, wikidata_id=wikidata_id)
        if entity is not None and entity.pk is not None:
            clash = clash.exclude(pk=entity.pk)
        if first := clash.first():
            raise ValidationError(
                {"wikidata_id": f"{first} already has this id; merge the two instead."}
            )
    if not isinstance(aliases, list | tuple) or not all(isinstance(a, str) for a in aliases):
        raise ValidationError({"aliases": "Aliases are a list of names."})
    if any("\x00" in alias for alias in aliases):
        # PostgreSQL's jsonb and text refuse NUL; say so instead of failing in the database.
        raise ValidationError({"aliases": "A name may not contain the NUL character."})
    return {
        "name": name[:300],
        "kind": kind,
        "description": (description or "")[:500],
        "wikidata_id": wikidata_id,
        "aliases": _unique_names((" ".join(a.split()) for a in aliases), exclude=name[:300]),
    }


@transaction.atomic
def entity_create(
    *,
    team: Team,
    name: str,
    kind: str,
    description: str = "",
    wikidata_id: str = "",
    gazetteer_id: str = "",
    aliases: Sequence[str] = (),
) -> Entity:
    """An entity an analyst or the admin adds by hand (NER adds its own in bulk)."""
    cleaned = entity_validate(
        team=team,
        name=name,
        kind=kind,
        description=description,
        wikidata_id=wikidata_id,
        aliases=aliases,
    )
    entity = Entity.objects.create(team=team, gazetteer_id=gazetteer_id[:100], **cleaned)
    search_index_entities(ids=[entity.pk])
    return entity


@transaction.atomic
def entity_update(
    *,
    entity: Entity,
    name: str | None = None,
    kind: str | None = None,
    description: str | None = None,
    wikidata_id: str | None = None,
    aliases: Sequence[str] | None = None,
    gazetteer_id: str | None = None,
) -> Entity:
    """Change what is given; ``entity`` stays in its team."""
    cleaned = entity_validate(
        team=entity.team,
        name=entity.name if name is None else name,
        kind=entity.kind if kind is None else kind,
        description=entity.description if description is None else description,
        wikidata_id=entity.wikidata_id if wikidata_id is None else wikidata_id,
        aliases=entity.aliases if aliases is None else aliases,
        entity=entity,
    )
    for field, value in cleaned.items():
        setattr(entity, field, value)
    if gazetteer_id is not None:
        entity.gazetteer_id = gazetteer_id[:100]
    entity.save()
    search_index_entities(ids=[entity.pk])
    teams_touch(team_ids=[entity.team_id])  # annotations attributed to it show its name
    return entity


def entity_validate_delete(*, entity: Entity) -> None:
    """An entity that mentions name or claims are attributed to is merged, not deleted."""
    mentions = entity.mentions.count()
    claims = entity.attributed_annotations.count()
    if mentions or claims:
        raise ValidationError(
            {
                "entity": f"{counted(mentions, 'mention')} and "
                f"{counted(claims, 'annotation')} point to this "
                "entity; merge it into another one instead."
            }
        )
    if entity.merged_into_id is not None or entity.merged.exists():
        raise ValidationError(
            {"entity": "This entity is part of a merge; undo the merge before deleting it."}
        )


@transaction.atomic
def entity_delete(*, entity: Entity) -> None:
    """Delete an entity nothing points to; its resolution keys go with it, so NER makes a
    new entity the next time it meets one of its names."""
    entity_validate_delete(entity=entity)
    pk = entity.pk
    entity.delete()
    search_index_entities(ids=[pk])  # its row goes
