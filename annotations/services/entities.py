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
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from annotations.lib.plural import counted
from annotations.models import Annotation, Entity, EntityKey, Mention, Team
from annotations.nlp.gazetteer import get_gazetteer
from annotations.nlp.types import MentionData
from annotations.services.stamps import teams_touch
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

MAX_ALIASES = 100


class EntityResolver:
    """Key → entity for one team, cached for a batch of articles.

    Reads every key the batch needs in one query, and creates the missing entities in bulk;
    a bulk import resolves tens of thousands of mentions with a handful of queries.
    """

    def __init__(self, team: Team) -> None:
        self.team = team
        self._by_key: dict[str, int] = {}

    def resolve(self, mentions: Iterable[MentionData]) -> dict[str, int]:
        wanted: dict[str, MentionData] = {}
        for mention in mentions:
            if mention.key not in self._by_key:
                wanted.setdefault(mention.key, mention)
        if wanted:
            self._load(list(wanted))
            missing = [m for key, m in wanted.items() if key not in self._by_key]
            if missing:
                self._create(missing)
        return self._by_key

    def _load(self, keys: Sequence[str]) -> None:
        rows = EntityKey.objects.filter(team=self.team, key__in=keys).values_list(
            "key", "entity_id"
        )
        self._by_key.update(rows)

    def _create(self, mentions: list[MentionData]) -> None:
        gazetteer = get_gazetteer()
        by_wikidata = {}
        wikidata_ids = [m.wikidata for m in mentions if m.wikidata]
        if wikidata_ids:
            # An analyst may have created the entity by hand with its Wikidata id.
            by_wikidata = dict(
                Entity.objects.filter(team=self.team, wikidata_id__in=wikidata_ids).values_list(
                    "wikidata_id", "id"
                )
            )
        new_entities: list[tuple[str, Entity]] = []
        keys: list[EntityKey] = []
        for mention in mentions:
            if mention.wikidata and mention.wikidata in by_wikidata:
                keys.append(
                    EntityKey(
                        team=self.team, key=mention.key, entity_id=by_wikidata[mention.wikidata]
                    )
                )
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
        for (key, _), entity in zip(new_entities, created, strict=True):
            keys.append(EntityKey(team=self.team, key=key, entity_id=entity.pk))
        EntityKey.objects.bulk_create(keys)
        self._by_key.update({k.key: k.entity_id for k in keys})


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
    keys_of = {ident: resolver.resolve(ms) for ident, (resolver, ms) in by_resolver.items()}
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    for article_id, resolver, mentions in batch:
        keys = keys_of[id(resolver)]
        spans = kept.get(article_id, ())
        rows.extend(
            (
                article_id,
                keys[m.key],
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


def _require_same_team(entities: Iterable[Entity], team_id: int, field: str) -> None:
    if any(entity.team_id != team_id for entity in entities):
        raise ValidationError({field: "Entities must belong to the same team."})


@transaction.atomic
def entity_merge(*, target: Entity, others: Sequence[Entity], actor: User) -> Entity:
    """Fold ``others`` into ``target``: their mentions, keys, attributions and names move."""
    require_role(user=actor, team=target.team, roles=ANNOTATE_ROLES, action="merge entities")
    others = [e for e in others if e.pk != target.pk]
    if not others:
        raise ValidationError({"entities": "Name at least one other entity to merge."})
    _require_same_team(others, target.team_id, "entities")
    other_ids = [e.pk for e in others]
    # Two merged entities may both have a mention of the same span only if they came from
    # different articles, so moving mentions never breaks the one-mention-per-span rule.
    Mention.objects.filter(entity_id__in=other_ids).update(entity=target)
    EntityKey.objects.filter(entity_id__in=other_ids).update(entity=target)
    Annotation.objects.filter(attributed_to_entity_id__in=other_ids).update(
        attributed_to_entity=target
    )
    names = list(target.aliases)
    for other in others:
        names += [other.name, *other.aliases]
        if not target.wikidata_id and other.wikidata_id:
            target.wikidata_id = other.wikidata_id
        if not target.description and other.description:
            target.description = other.description
    target.aliases = _unique_names(names, exclude=target.name)
    Entity.objects.filter(pk__in=other_ids).update(wikidata_id="")  # free the unique id
    Entity.objects.filter(pk__in=other_ids).delete()
    target.save(update_fields=["aliases", "wikidata_id", "description", "updated_at"])
    teams_touch(team_ids=[target.team_id])  # claims attributed to the others now show target
    logger.info("entity.merged into=%s from=%s", target.pk, other_ids)
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
    Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(
        entity=new, origin=Mention.Origin.ANALYST, confidence=1.0
    )
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
            return Mention.objects.create(
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


@transaction.atomic
def mention_reject(*, mention: Mention, actor: User) -> Mention:
    """Hide a wrong mention; the row stays so that NER does not bring it back."""
    require_role(
        user=actor, team=mention.article.team, roles=ANNOTATE_ROLES, action="reject mentions"
    )
    mention.rejected = True
    mention.save(update_fields=["rejected"])
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
    return Entity.objects.create(team=team, gazetteer_id=gazetteer_id[:100], **cleaned)


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


@transaction.atomic
def entity_delete(*, entity: Entity) -> None:
    """Delete an entity nothing points to; its resolution keys go with it, so NER makes a
    new entity the next time it meets one of its names."""
    entity_validate_delete(entity=entity)
    entity.delete()
