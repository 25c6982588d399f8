"""Search across what a team has read and written: articles, annotations, replies, review
notes and entities, ranked, with highlighted snippets and facet counts.

Every kind starts from the objects the user may see (``visible_to``, the same reads as every
page), narrowed by the facets, and only then meets the index: a word of another team, a private
note, the trash or hidden blind work can never match, and never counts. Model suggestions are
searchable once accepted.

Facets apply to the kinds they describe; a kind that a facet cannot describe (an entity has no
outlet) drops out of the results while the facet is set, as in Aleph and Hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from annotations.lib.searchquery import Clause, Query, Term, parse
from annotations.models import (
    Annotation,
    Article,
    Entity,
    Membership,
    Mention,
    Reply,
    Review,
    SearchEntry,
)
from annotations.models.claims import STRENGTH_CHOICES
from annotations.selectors.search_engines import (
    MARK_END,
    MARK_START,
    Engine,
    engine_for,
    similar_name_words,
)

Kind = SearchEntry.Kind
KINDS: tuple[str, ...] = tuple(Kind.values)
MAX_PAGE = 50
MAX_OFFSET = 1000
MAX_FACET_VALUES = 20
MAX_FACET_CHOICES = 50  # values of one facet in one request
MAX_ALTERNATIVES = 3  # spellings added per misspelt name word

# Which facets describe which kinds.
FACET_KINDS: dict[str, set[str]] = {
    "outlet": {Kind.ARTICLE, Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "published": {Kind.ARTICLE, Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "tag": {Kind.ANNOTATION},
    "entity": {Kind.ARTICLE, Kind.ANNOTATION, Kind.ENTITY},
    "assessment": {Kind.ANNOTATION},
    "review": {Kind.ANNOTATION},
    "dispute": {Kind.ANNOTATION},
    "author": {Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "hedge": {Kind.ANNOTATION},
}
DISPUTE_LABELS = {
    "open": "Disputed, still open",
    "upheld": "Disputed, then approved",
    "overturned": "Disputed, then sent back",
}
DISPUTE_VALUES = tuple(DISPUTE_LABELS)


@dataclass
class Filters:
    """The facets of one search (empty: not set). Values are validated by the API layer."""

    outlet: list[int] = field(default_factory=list)
    published_from: date | None = None
    published_to: date | None = None
    tag: list[str] = field(default_factory=list)
    entity: list[int] = field(default_factory=list)
    assessment: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    dispute: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    # Hedge strength of a clustered claim (asserted, attributed, hedged, unverified).
    hedge: list[str] = field(default_factory=list)

    def set_facets(self) -> set[str]:
        names = {
            "outlet": self.outlet,
            "tag": self.tag,
            "entity": self.entity,
            "assessment": self.assessment,
            "review": self.review,
            "dispute": self.dispute,
            "author": self.author,
            "hedge": self.hedge,
        }
        out = {name for name, values in names.items() if values}
        if self.published_from or self.published_to:
            out.add("published")
        return out


@dataclass
class Hit:
    kind: str
    id: int
    rank: float
    snippet: str
    article_id: int | None
    fields: dict[str, Any]


@dataclass
class KindResults:
    count: int
    hits: list[Hit]


@dataclass
class SearchResults:
    query: str
    kinds: dict[str, KindResults]
    facets: dict[str, list[dict[str, Any]]]
    # Name spellings the query also looked for: {"zelenskyy": ["zelensky"]}.
    also_searched: dict[str, list[str]]


def _team_ids(user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).values_list("team_id", flat=True))


def searchable_annotations(user: User | AnonymousUser) -> QuerySet[Annotation]:
    return Annotation.objects.visible_to(user).exclude(
        suggestion_state__in=[
            Annotation.SuggestionState.PENDING,
            Annotation.SuggestionState.REJECTED,
        ]
    )


def _article_facets(qs: QuerySet[Any], filters: Filters, prefix: str) -> QuerySet[Any]:
    if filters.outlet:
        qs = qs.filter(**{f"{prefix}outlet_id__in": filters.outlet})
    if filters.published_from:
        qs = qs.filter(**{f"{prefix}published_at__date__gte": filters.published_from})
    if filters.published_to:
        qs = qs.filter(**{f"{prefix}published_at__date__lte": filters.published_to})
    return qs


def _dispute_q(values: list[str]) -> Q:
    disputed = Exists(
        Review.objects.filter(annotation=OuterRef("pk"), verdict=Review.Verdict.DISPUTE)
    )
    states = Annotation.ReviewState
    q = Q()
    if "open" in values:
        q |= Q(review_state=states.DISPUTED)
    if "upheld" in values:  # disputed, then approved after all
        q |= Q(disputed, review_state=states.APPROVED)
    if "overturned" in values:  # disputed, then sent back for changes
        q |= Q(disputed, review_state=states.CHANGES_REQUESTED)
    return q


def _annotation_facets(qs: QuerySet[Annotation], filters: Filters) -> QuerySet[Annotation]:
    qs = _article_facets(qs, filters, "article__")
    if filters.tag:
        qs = qs.filter(
            Exists(
                Annotation.tags.through.objects.filter(
                    annotation_id=OuterRef("pk"), tag__slug__in=filters.tag
                )
            )
        )
    if filters.entity:
        qs = qs.filter(attributed_to_entity_id__in=filters.entity)
    if filters.assessment:
        qs = qs.filter(assessment__in=filters.assessment)
    if filters.review:
        qs = qs.filter(review_state__in=filters.review)
    if filters.dispute:
        qs = qs.filter(_dispute_q(filters.dispute))
    if filters.author:
        qs = qs.filter(author__username__in=filters.author)
    if filters.hedge:
        qs = qs.filter(claim_appearance__strength__in=filters.hedge)
    return qs


def _base(kind: str, user: User | AnonymousUser, filters: Filters) -> QuerySet[Any]:
    """The ids of the objects of ``kind`` the user may see that pass the facets."""
    qs: QuerySet[Any]
    if kind == Kind.ARTICLE:
        qs = _article_facets(Article.objects.visible_to(user), filters, "")
        if filters.entity:
            qs = qs.filter(
                Exists(
                    Mention.objects.filter(
                        article_id=OuterRef("pk"), entity_id__in=filters.entity, rejected=False
                    )
                )
            )
    elif kind == Kind.ANNOTATION:
        qs = _annotation_facets(searchable_annotations(user), filters)
    elif kind in (Kind.REPLY, Kind.REVIEW):
        model = Reply if kind == Kind.REPLY else Review
        person = "author" if kind == Kind.REPLY else "reviewer"
        qs = model.objects.filter(annotation__in=searchable_annotations(user).values("pk"))
        qs = _article_facets(qs, filters, "annotation__article__")
        if filters.author:
            qs = qs.filter(**{f"{person}__username__in": filters.author})
    else:  # an entity merged into another is found as that one
        qs = Entity.objects.visible_to(user).filter(merged_into__isnull=True)
        if filters.entity:
            qs = qs.filter(pk__in=filters.entity)
    return qs.order_by().values("pk")


def _expand_names(query: Query, engine: Engine, team_ids: list[int]) -> dict[str, list[str]]:
    """Misspelt or transliterated name words, and the entity-name spellings like them."""
    expansions: dict[str, list[str]] = {}
    for clause in query.clauses:
        if clause.negated:
            continue
        for term in clause.terms:
            if len(term.words) != 1 or term.prefix or len(term.words[0]) < 4:
                continue
            word = term.words[0]
            similar = similar_name_words(word, engine.name_candidates(team_ids, word))
            if similar:
                expansions[word] = similar[:MAX_ALTERNATIVES]
    return expansions


def _expanded(query: Query, expansions: dict[str, list[str]]) -> Query:
    if not expansions:
        return query
    clauses = []
    for clause in query.clauses:
        terms = list(clause.terms)
        if not clause.negated:
            for term in clause.terms:
                if len(term.words) == 1 and term.words[0] in expansions:
                    terms += [Term((w,)) for w in expansions[term.words[0]]]
        clauses.append(Clause(tuple(terms), negated=clause.negated))
    return Query(clauses)


def search(
    user: User | AnonymousUser,
    text: str,
    *,
    filters: Filters | None = None,
    kinds: tuple[str, ...] = KINDS,
    prefix: bool = False,
    limit: int = 10,
    offset: int = 0,
) -> SearchResults:
    """Raises ``QueryError`` for a query that cannot run (the API answers 400 naming ``q``)."""
    filters = filters or Filters()
    query = parse(text, prefix=prefix)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, min(offset, MAX_OFFSET))
    team_ids = _team_ids(user)
    engine = engine_for(team_ids)
    expansions = _expand_names(query, engine, team_ids)
    query = _expanded(query, expansions)
    set_facets = filters.set_facets()
    wanted = [k for k in kinds if all(k in FACET_KINDS[name] for name in set_facets) and k in KINDS]
    results: dict[str, KindResults] = {}
    matched: dict[str, QuerySet[SearchEntry]] = {}
    for kind in wanted:
        entries = SearchEntry.objects.filter(
            team_id__in=team_ids, kind=kind, object_id__in=_base(kind, user, filters)
        )
        entries = engine.matching(entries, query)
        matched[kind] = entries
        count = entries.count()
        ranked: Any = engine.ranked(entries, query)  # annotated with "rank"
        page = list(
            ranked.values_list("pk", "object_id", "article_id", "rank")[offset : offset + limit]
        )
        snippets = engine.snippets([row[0] for row in page], query)
        details = _details(kind, [row[1] for row in page])
        hits = [
            Hit(
                kind=kind,
                id=object_id,
                rank=float(rank or 0.0),
                snippet=snippets.get(pk, ""),
                article_id=article_id,
                fields=details.get(object_id, {}),
            )
            for pk, object_id, article_id, rank in page
        ]
        results[kind] = KindResults(count=count, hits=hits)
    return SearchResults(
        query=text,
        kinds=results,
        facets=_facets(matched),
        also_searched=expansions,
    )


def _facets(matched: dict[str, QuerySet[SearchEntry]]) -> dict[str, list[dict[str, Any]]]:
    """Counts of the matching articles and annotations by each facet's values."""
    out: dict[str, list[dict[str, Any]]] = {}
    articles = matched.get(Kind.ARTICLE)
    annotations = matched.get(Kind.ANNOTATION)

    def top(rows: Any, value: str, label: str, counted: str = "pk") -> list[dict[str, Any]]:
        rows = rows.annotate(count=Count(counted, distinct=True)).order_by("-count", label)
        return [
            {"value": row[value], "label": row[label], "count": row["count"]}
            for row in rows[:MAX_FACET_VALUES]
            if row[value] not in (None, "")
        ]

    if articles is not None:
        ids = articles.values("object_id")
        out["outlet"] = top(
            Article.objects.filter(pk__in=ids, outlet__isnull=False).values(
                "outlet_id", "outlet__name"
            ),
            "outlet_id",
            "outlet__name",
        )
        out["entity"] = top(  # articles per entity, not mentions
            Mention.objects.filter(article_id__in=ids, rejected=False).values(
                "entity_id", "entity__name"
            ),
            "entity_id",
            "entity__name",
            counted="article_id",
        )
    if annotations is not None:
        ids = annotations.values("object_id")
        rows = Annotation.objects.filter(pk__in=ids)
        out["tag"] = top(rows.values("tags__slug", "tags__name"), "tags__slug", "tags__name")
        for name, column, choices in (
            ("assessment", "assessment", Annotation.Assessment.choices),
            ("review", "review_state", Annotation.ReviewState.choices),
            ("hedge", "claim_appearance__strength", STRENGTH_CHOICES),
        ):
            labels = dict(choices)
            out[name] = [
                {**row, "label": labels.get(row["value"], row["value"])}
                for row in top(rows.values(column), column, column)
            ]
        out["author"] = top(rows.values("author__username"), "author__username", "author__username")
        names = {
            u.username: u.get_full_name() or u.username
            for u in User.objects.filter(username__in=[row["value"] for row in out["author"]])
        }
        for row in out["author"]:
            row["label"] = names.get(row["value"], row["value"])
        out["dispute"] = [
            {"value": value, "label": DISPUTE_LABELS[value], "count": n}
            for value in DISPUTE_VALUES
            if (n := rows.filter(_dispute_q([value])).count())
        ]
    return out


def _details(kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a result shows besides its snippet."""
    if not ids:
        return {}
    if kind == Kind.ARTICLE:
        return {
            a.pk: {
                "title": a.title,
                "outlet": a.outlet.name if a.outlet else "",
                "published_at": a.published_at,
                "language": a.language,
            }
            for a in Article.objects.filter(pk__in=ids).select_related("outlet")
        }
    if kind == Kind.ANNOTATION:
        return {
            a.pk: {
                "exact": a.exact,
                "comment": a.comment,
                "start": a.start,
                "end": a.end,
                "article_title": a.article.title,
                "author": _person(a.author),
                "tags": [t.name for t in a.tags.all()],
                "assessment": a.assessment,
                "review_state": a.review_state,
            }
            for a in Annotation.objects.filter(pk__in=ids)
            .select_related("article", "author")
            .prefetch_related("tags")
        }
    if kind in (Kind.REPLY, Kind.REVIEW):
        model = Reply if kind == Kind.REPLY else Review
        person = "author" if kind == Kind.REPLY else "reviewer"
        out = {}
        for row in model.objects.filter(pk__in=ids).select_related("annotation__article", person):
            out[row.pk] = {
                "annotation": row.annotation_id,
                "exact": row.annotation.exact,
                "article_title": row.annotation.article.title,
                "author": _person(getattr(row, person)),
                **({"verdict": getattr(row, "verdict", "")} if kind == Kind.REVIEW else {}),
            }
        return out
    return {
        e.pk: {"name": e.name, "entity_kind": e.kind, "aliases": list(e.aliases or [])}
        for e in Entity.objects.filter(pk__in=ids)
    }


def _person(user: Any) -> dict[str, Any]:
    if user is None:
        return {"username": "", "name": ""}
    return {"username": user.username, "name": user.get_full_name() or user.username}


__all__ = ["KINDS", "MARK_END", "MARK_START", "Filters", "SearchResults", "search"]
