"""Reads of the entity network: the graph of a team's entities that appear together, the
passages behind one edge, and the typed relations. Every read is scoped to the user's teams
(another team's team, entity or relation is a 404); merged entities are resolved to the one
they were folded into, when the graph is read, so the stored pairs never need rewriting.

The graph is one aggregate statement over ``EntityPair`` (the ``(team, kind, left, right)``
index), grouped by the resolved pair, cut at ``min_weight`` and at the heaviest
``max_edges`` edges; nodes beyond ``max_nodes`` (by weighted degree) are dropped with their
edges. Weights count distinct sentences, claims or articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from annotations.models import (
    Annotation,
    Article,
    Entity,
    EntityPair,
    Membership,
    Outlet,
    Relation,
    RelationEvent,
    Tag,
    Team,
)

MAX_NODES = 2000
MAX_EDGES = 20000
MAX_PASSAGES = 200
PASSAGE_CHARS = 600

type AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class NetworkFilters:
    kind: str = EntityPair.Kind.SENTENCE
    date_from: date | None = None
    date_to: date | None = None
    tag: str = ""
    outlet: int | None = None
    min_weight: int = 1


def network_team(user: AnyUser, team_id: int | None) -> Team:
    """The team asked for (404 unless the user is in it), else the user's first team."""
    teams = Team.objects.visible_to(user)
    if team_id is not None:
        team = teams.filter(pk=team_id).first()
    else:
        first = (
            Membership.objects.filter(user_id=user.pk).order_by("team__name").first()
            if user.is_authenticated
            else None
        )
        team = first.team if first else None
    if team is None:
        raise Http404("No such team.")
    return team


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _pairs(user: AnyUser, team: Team, filters: NetworkFilters) -> QuerySet[EntityPair]:
    pairs = EntityPair.objects.filter(team=team, kind=filters.kind)
    if filters.date_from:
        pairs = pairs.filter(article__published_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        pairs = pairs.filter(
            article__published_at__lt=_start_of(filters.date_to + timedelta(days=1))
        )
    if filters.outlet is not None:
        pairs = pairs.filter(article__outlet_id=filters.outlet)
    if filters.tag:
        tagged = Annotation.objects.visible_to(user).filter(team=team, tags__slug=filters.tag)
        pairs = pairs.filter(article_id__in=tagged.values("article_id"))
    return pairs


def _resolved(pairs: QuerySet[EntityPair]) -> QuerySet[EntityPair]:
    left = Coalesce(F("left__merged_into_id"), F("left_id"))
    right = Coalesce(F("right__merged_into_id"), F("right_id"))
    resolved = pairs.annotate(a=Least(left, right), b=Greatest(left, right))
    return resolved.exclude(a=F("b"))


def _weight(kind: str) -> Count:
    if kind == EntityPair.Kind.ARTICLE:
        return Count("article_id", distinct=True)
    # One sentence or claim: its article and its start (a text is shorter than 2**32).
    where = ExpressionWrapper(F("article_id") * 2**32 + F("start"), output_field=BigIntegerField())
    return Count(where, distinct=True)


def network_graph(
    user: AnyUser,
    *,
    team: Team,
    filters: NetworkFilters,
    max_nodes: int = MAX_NODES,
    max_edges: int = MAX_EDGES,
) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...], "truncated": bool}`` for the team's network."""
    resolved = _resolved(_pairs(user, team, filters))
    rows = list(
        resolved.values("a", "b")  # type: ignore[misc]  # django-stubs misses annotations
        .annotate(weight=_weight(filters.kind))
        .filter(weight__gte=filters.min_weight)
        .order_by("-weight", "a", "b")
        .values_list("a", "b", "weight")[: max_edges + 1]
    )
    truncated = len(rows) > max_edges
    rows = rows[:max_edges]
    degree: dict[int, int] = {}
    for a, b, weight in rows:
        degree[a] = degree.get(a, 0) + weight
        degree[b] = degree.get(b, 0) + weight
    if len(degree) > max_nodes:
        truncated = True
        kept = set(sorted(degree, key=lambda n: (-degree[n], n))[:max_nodes])
        rows = [row for row in rows if row[0] in kept and row[1] in kept]
        degree = {n: d for n, d in degree.items() if n in kept}
    names = dict(
        (pk, (name, kind))
        for pk, name, kind in Entity.objects.filter(team=team, pk__in=degree).values_list(
            "pk", "name", "kind"
        )
    )
    typed = _typed(team, {(min(a, b), max(a, b)) for a, b, _ in rows})
    nodes = [
        {"id": pk, "name": names[pk][0], "kind": names[pk][1], "degree": degree[pk]}
        for pk in sorted(degree, key=lambda n: (-degree[n], n))
        if pk in names
    ]
    edges = [
        {"left": a, "right": b, "weight": w, "relations": typed.get((a, b), [])}
        for a, b, w in rows
        if a in names and b in names
    ]
    return {
        "team": team.pk,
        "kind": filters.kind,
        "nodes": nodes,
        "edges": edges,
        "truncated": truncated,
    }


def _typed(team: Team, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """The labels of the relations typed on these pairs (merged entities resolved)."""
    if not pairs:
        return {}
    out: dict[tuple[int, int], list[str]] = {}
    rows = Relation.objects.filter(team=team).values_list(
        Coalesce(F("source__merged_into_id"), F("source_id")),
        Coalesce(F("target__merged_into_id"), F("target_id")),
        "label",
    )
    for source, target, label in rows[:MAX_EDGES]:
        key = (min(source, target), max(source, target))
        if key in pairs:
            out.setdefault(key, []).append(label)
    return out


def network_entity(user: AnyUser, pk: int, *, team: Team | None = None) -> Entity:
    """A canonical entity of the user's teams (of ``team`` if given), else 404."""
    entities = Entity.objects.visible_to(user)
    if team is not None:
        entities = entities.filter(team=team)
    entity = entities.select_related("merged_into").filter(pk=pk).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity.merged_into or entity


def network_edge(
    user: AnyUser, *, left: Entity, right: Entity, filters: NetworkFilters
) -> dict[str, Any]:
    """The passages (sentences, claims or articles) where two entities appear together, newest
    article first, at most ``MAX_PASSAGES``, with links into the reader."""
    team = left.team
    lefts = Q(left_id=left.pk) | Q(left__merged_into_id=left.pk)
    rights = Q(right_id=right.pk) | Q(right__merged_into_id=right.pk)
    swapped_l = Q(left_id=right.pk) | Q(left__merged_into_id=right.pk)
    swapped_r = Q(right_id=left.pk) | Q(right__merged_into_id=left.pk)
    pairs = _pairs(user, team, filters).filter((lefts & rights) | (swapped_l & swapped_r))
    rows = list(
        pairs.values_list(
            "article_id",
            "start",
            "end",
            "article__title",
            "article__published_at",
            "article__outlet__name",
        )
        .distinct()
        .order_by("-article__published_at", "-article_id", "start")[: MAX_PASSAGES + 1]
    )
    texts = _passages(rows[:MAX_PASSAGES], filters.kind)
    passages = []
    for article_id, start, end, title, published, outlet in rows[:MAX_PASSAGES]:
        url = reverse("annotations:article-read", args=[article_id])
        passages.append(
            {
                "article": article_id,
                "title": title,
                "published_at": published.isoformat() if published else None,
                "outlet": outlet or "",
                "start": start,
                "end": end,
                "text": texts.get((article_id, start), ""),
                "url": f"{url}#t-{start}-{end}" if filters.kind != "article" else url,
            }
        )
    return {
        "left": {"id": left.pk, "name": left.name, "kind": left.kind},
        "right": {"id": right.pk, "name": right.name, "kind": right.kind},
        "kind": filters.kind,
        "passages": passages,
        "truncated": len(rows) > MAX_PASSAGES,
        "relations": relation_rows(relations_between(team, left, right)),
    }


def _passages(rows: list[tuple[Any, ...]], kind: str) -> dict[tuple[int, int], str]:
    """The text of each passage, cut at ``PASSAGE_CHARS`` (an article: its opening)."""
    ids = {row[0] for row in rows}
    texts = dict(Article.objects.filter(pk__in=ids).values_list("pk", "text"))
    out = {}
    for article_id, start, end, *_ in rows:
        text = texts.get(article_id, "")
        piece = text[start:end].strip() if kind != "article" else text.strip()
        out[(article_id, start)] = (
            piece if len(piece) <= PASSAGE_CHARS else piece[: PASSAGE_CHARS - 1] + "…"
        )
    return out


def relations_visible(user: AnyUser) -> QuerySet[Relation]:
    return Relation.objects.visible_to(user).select_related("source", "target", "created_by")


def relations_between(team: Team, left: Entity, right: Entity) -> QuerySet[Relation]:
    ids = [left.pk, right.pk]
    both = Q(source_id__in=ids) | Q(source__merged_into_id__in=ids)
    both &= Q(target_id__in=ids) | Q(target__merged_into_id__in=ids)
    return (
        Relation.objects.filter(team=team)
        .filter(both)
        .select_related("source", "target", "created_by")
    )


def relation_get_for_user(user: AnyUser, pk: int) -> Relation:
    relation = relations_visible(user).filter(pk=pk).first()
    if relation is None:
        raise Http404("No such relation.")
    return relation


def relation_rows(relations: QuerySet[Relation], limit: int = MAX_PASSAGES) -> list[dict[str, Any]]:
    """The JSON shape of the first ``limit`` relations, each with its history."""
    items = list(relations[:limit])
    history: dict[int, list[dict[str, Any]]] = {}
    for event in (
        RelationEvent.objects.filter(relation_number__in=[r.pk for r in items])
        .select_related("actor")
        .order_by("id")
    ):
        history.setdefault(event.relation_number, []).append(
            {
                "action": event.action,
                "label": event.label,
                "note": event.note,
                "by": event.actor.username if event.actor else None,
                "at": event.at.isoformat(),
            }
        )
    return [relation_row(r, history.get(r.pk, [])) for r in items]


def relation_fresh(pk: int) -> dict[str, Any]:
    """One relation as just written."""
    return relation_rows(
        Relation.objects.filter(pk=pk).select_related("source", "target", "created_by")
    )[0]


def relation_row(relation: Relation, history: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "team": relation.team_id,
        "source": {"id": relation.source_id, "name": relation.source.name},
        "target": {"id": relation.target_id, "name": relation.target.name},
        "label": relation.label,
        "note": relation.note,
        "created_by": relation.created_by.username if relation.created_by else None,
        "created_at": relation.created_at.isoformat(),
        "updated_at": relation.updated_at.isoformat(),
        "history": history,
    }


def network_choices(team: Team) -> dict[str, list[tuple[Any, str]]]:
    """The filter choices of the network page: the team's tags and outlets (at most 500)."""
    tags = Tag.objects.filter(team=team).values_list("slug", "name")
    outlets = (
        Outlet.objects.filter(pk__in=team.articles.values("outlet_id"))
        .order_by("name")
        .values_list("pk", "name")
    )
    return {"tags": list(tags[:500]), "outlets": list(outlets[:500])}
