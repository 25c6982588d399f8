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

from collections import Counter
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
from annotations.selectors.grading import grade_facet_counts, grade_filter
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
# Matches counted, ranked and faceted per kind: the newest MAX_COUNT visible matches are the
# candidates; beyond them the count reads "1,000+" (``capped``) and the facet counts are those
# of the candidates (lower bounds). A word in every article costs the same as a rare one.
MAX_COUNT = 1000
FIRST_WINDOW = 4096  # object ids searched by the first query (then sized by the density)

# Which facets describe which kinds.
FACET_KINDS: dict[str, set[str]] = {
    "outlet": {Kind.ARTICLE, Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "published": {Kind.ARTICLE, Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "edited": {Kind.ARTICLE, Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},  # silent edits
    "tag": {Kind.ANNOTATION},
    "entity": {Kind.ARTICLE, Kind.ANNOTATION, Kind.ENTITY},
    "assessment": {Kind.ANNOTATION},
    "review": {Kind.ANNOTATION},
    "dispute": {Kind.ANNOTATION},
    "author": {Kind.ANNOTATION, Kind.REPLY, Kind.REVIEW},
    "hedge": {Kind.ANNOTATION},
    "grade": {Kind.ANNOTATION},  # Admiralty grade "B2" (selectors/grading.py)
}
# The facets that narrow articles (the others leave them out of the results).
FACET_KINDS_OF_ARTICLES = {name for name, kinds in FACET_KINDS.items() if Kind.ARTICLE in kinds}
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
    grade: list[str] = field(default_factory=list)
    edited: bool = False  # only articles edited at the source after import (silent edits)
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
            "grade": self.grade,
        }
        out = {name for name, values in names.items() if values}
        if self.published_from or self.published_to:
            out.add("published")
        if self.edited:
            out.add("edited")
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
    # More than MAX_COUNT visible matches: ``count`` is MAX_COUNT, shown as "1,000+".
    capped: bool = False


@dataclass
class SearchResults:
    query: str
    kinds: dict[str, KindResults]
    # {"value", "label", "count", "capped"} per facet value; "capped": counted among the
    # candidates of a capped kind, a lower bound.
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
    if filters.edited:
        qs = qs.filter(**{f"{prefix}edited_after_import": True})
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
    if filters.grade:
        qs = grade_filter(qs, filters.grade)
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
    pages: dict[str, list[tuple[int, int, int | None, float]]] = {}
    matched: dict[str, list[int]] = {}
    for kind in wanted:
        rows, capped = _candidates(engine, kind, user, filters, team_ids, query)
        matched[kind] = [row[1] for row in rows]
        pages[kind] = rows[offset : offset + limit]
        results[kind] = KindResults(count=len(rows), hits=[], capped=capped)
    # One snippet query for every kind's page: ts_headline runs on the shown hits only.
    snippets = engine.snippets([row[0] for page in pages.values() for row in page], query)
    for kind, page in pages.items():
        details = _details(kind, [row[1] for row in page])
        results[kind].hits = [
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
    return SearchResults(
        query=text,
        kinds=results,
        facets=_facets(matched, {kind: found.capped for kind, found in results.items()}),
        also_searched=expansions,
    )


def window_query(
    engine: Engine,
    kind: str,
    user: User | AnonymousUser,
    filters: Filters,
    team_ids: list[int],
    query: Query,
    window: tuple[int, int],
    size: int,
) -> Any:
    """The newest ``size`` matches of ``kind`` with object ids in ``window`` [low, high) whose
    objects the user may see and that pass the facets, and the rank of those only. Rows
    (entry pk, object id, article id, rank).

    The window bounds the work whatever the plan: PostgreSQL walks the (kind, object_id) index
    backwards through it for a common word, or ANDs the GIN index's matches with it for a rare
    one (or a phrase, whose frequency it cannot estimate); the objects are read by primary key
    within the same range."""
    low, high = window
    entries = SearchEntry.objects.filter(
        team_id__in=team_ids, kind=kind, object_id__gte=low, object_id__lt=high
    )
    if kind != Kind.ARTICLE or filters.set_facets() & FACET_KINDS_OF_ARTICLES:
        entries = entries.filter(
            object_id__in=_base(kind, user, filters).filter(pk__gte=low, pk__lt=high)
        )
    # else: an article is visible to its team's members, and its row carries its team
    # (ArticleQuerySet.visible_to is the team rule; a test holds it to that).
    newest = engine.matching(entries, query).order_by("-object_id").values("pk")[:size]
    ranked: Any = engine.ranked(SearchEntry.objects.filter(pk__in=newest), query)
    return ranked.order_by().values_list("pk", "object_id", "article_id", "rank")


def _candidates(
    engine: Engine,
    kind: str,
    user: User | AnonymousUser,
    filters: Filters,
    team_ids: list[int],
    query: Query,
) -> tuple[list[tuple[int, int, int | None, float]], bool]:
    """The kind's newest MAX_COUNT visible matches that pass the facets, best first, as
    (entry pk, object id, article id, rank), and whether there were more.

    Windows of object ids are searched from the newest down (``window_query``), each sized by
    the density of the matches found so far, until MAX_COUNT + 1 are found or the ids run
    out: a word in every article stops in the first window, a rare word takes a few cheap
    ones. Only the
    rows found are ranked, and invisible rows never count."""
    need = MAX_COUNT + 1
    top = (
        SearchEntry.objects.filter(team_id__in=team_ids, kind=kind)
        .order_by("-object_id")
        .values_list("object_id", flat=True)
        .first()
    )
    found: list[tuple[int, int, int | None, float]] = []
    high, width = (top or 0) + 1, FIRST_WINDOW
    while top is not None and len(found) < need and high > 0:
        low = max(0, high - width)
        rows = list(
            window_query(
                engine, kind, user, filters, team_ids, query, (low, high), need - len(found)
            )
        )
        found += rows
        if len(found) >= need:
            break
        # The next window: wide enough for the rest at the density seen so far (at least
        # twice, at most 16 times as wide), so that a rare word takes few queries.
        density = len(found) / ((top or 0) + 1 - low)
        wanted = (need - len(found)) / density * 1.5 if density else width * 16
        high, width = low, round(min(width * 16, max(width * 2, wanted)))
    found.sort(key=lambda row: -row[1])  # newest first: the candidates
    rows = [
        (pk, object_id, article_id, float(rank or 0.0))
        for pk, object_id, article_id, rank in found[:MAX_COUNT]
    ]
    rows.sort(key=lambda row: (-row[3], -row[1]))  # best first, then newest
    return rows, len(found) > MAX_COUNT


def _counted(rows: Any, value: str, label: str, counted: str = "pk") -> list[dict[str, Any]]:
    """The top values of a facet with their counts, most first."""
    rows = rows.annotate(count=Count(counted, distinct=True)).order_by("-count", label)
    return [
        {"value": row[value], "label": row[label], "count": row["count"]}
        for row in rows[:MAX_FACET_VALUES]
        if row[value] not in (None, "")
    ]


def _facets(
    matched: dict[str, list[int]], capped: dict[str, bool]
) -> dict[str, list[dict[str, Any]]]:
    """Counts of the matching articles and annotations (the candidates of each kind, all of
    them visible) by each facet's values."""
    out: dict[str, list[dict[str, Any]]] = {}
    articles = matched.get(Kind.ARTICLE)
    annotations = matched.get(Kind.ANNOTATION)
    if articles is not None:
        out["outlet"] = _counted(
            Article.objects.filter(pk__in=articles, outlet__isnull=False).values(
                "outlet_id", "outlet__name"
            ),
            "outlet_id",
            "outlet__name",
        )
        out["entity"] = _counted(  # articles per entity, not mentions
            Mention.objects.filter(article_id__in=articles, rejected=False).values(
                "entity_id", "entity__name"
            ),
            "entity_id",
            "entity__name",
            counted="article_id",
        )
    if annotations is not None:
        out.update(_annotation_facet_counts(annotations))
    for name, rows in out.items():
        kind = Kind.ANNOTATION if name not in ("outlet", "entity") else Kind.ARTICLE
        for row in rows:
            row["capped"] = capped.get(kind, False)
    return out


def _annotation_facet_counts(ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    rows = Annotation.objects.filter(pk__in=ids)
    out["tag"] = _counted(rows.values("tags__slug", "tags__name"), "tags__slug", "tags__name")
    # Assessment, review state, author, disputes and hedge strength from one read of the (at
    # most MAX_COUNT) rows.
    columns = list(
        rows.annotate(disputed=Q(_dispute_q(list(DISPUTE_VALUES)))).values_list(
            "assessment",
            "review_state",
            "author__username",
            "disputed",
            "claim_appearance__strength",
        )
    )
    for index, (name, choices) in (
        (0, ("assessment", dict(Annotation.Assessment.choices))),
        (1, ("review", dict(Annotation.ReviewState.choices))),
        (2, ("author", {})),
        (4, ("hedge", dict(STRENGTH_CHOICES))),
    ):
        counts = Counter(row[index] for row in columns if row[index] not in (None, ""))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        out[name] = [
            {"value": value, "label": choices.get(value, value), "count": n}
            for value, n in ordered[:MAX_FACET_VALUES]
        ]
    names = {
        u.username: u.get_full_name() or u.username
        for u in User.objects.filter(username__in=[row["value"] for row in out["author"]])
    }
    for row in out["author"]:
        row["label"] = names.get(row["value"], row["value"])
    disputed = Counter(row[1] for row in columns if row[3])
    states = Annotation.ReviewState
    by_state = {
        "open": states.DISPUTED,
        "upheld": states.APPROVED,
        "overturned": states.CHANGES_REQUESTED,
    }
    out["dispute"] = [
        {"value": value, "label": DISPUTE_LABELS[value], "count": n}
        for value in DISPUTE_VALUES
        if (n := disputed.get(by_state[value], 0))
    ]
    out["grade"] = grade_facet_counts(ids, limit=MAX_FACET_VALUES)
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
