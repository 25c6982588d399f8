"""Reads for team oversight: the review queue, the team dashboard and inter-annotator agreement.

The HTML pages (``annotations.views``) and the API (``annotations.api``) share these
functions, so both show the same numbers. Every function takes the requesting user and one of
their teams, and starts from ``Annotation.objects.visible_to(user)``: someone else's private or
trashed annotation is never counted, listed or summarised. Counts are aggregated in the
database; each function runs a fixed number of queries, whatever the size of the team.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce

from annotations.lib.agreement import (
    CSV_COLUMNS,
    ArticleAgreement,
    Span,
    agreement_csv_rows,
    article_agreement,
)
from annotations.models import (
    QUOTE_CONTEXT_CHARS,
    Annotation,
    Article,
    ArticleSubmission,
    Entity,
    Event,
    Membership,
    Review,
    Tag,
    Team,
)
from annotations.rows import tag_dict
from annotations.selectors.annotations import annotation_queryset
from annotations.workflow import VERDICT_FROM

User = get_user_model()

_S = Annotation.ReviewState
_NOT_WORK = (Annotation.SuggestionState.PENDING, Annotation.SuggestionState.REJECTED)

#: What the review queue holds, in the order its groups are shown.
QUEUE_STATES: tuple[str, ...] = (_S.SUBMITTED, _S.DISPUTED, _S.CHANGES_REQUESTED)
#: At most this many annotations are listed in the queue at once (the oldest first).
QUEUE_LIMIT = 200
#: The queue's counts stop here (shown as "1,000+"): counting further would read every row.
QUEUE_COUNT_CAP = 1000
#: The queue's article filter offers this many articles (the newest with work awaiting).
QUEUE_ARTICLES = 200
#: The activity feed shows this many events.
ACTIVITY_LIMIT = 50
#: "Who claims what" lists at most this many claims, and the top list this many entities.
CLAIMS_LIMIT = 1000
TOP_ENTITIES = 10


def team_annotations(*, user: Any, team: Team) -> QuerySet:
    """The team's annotations the user may see, without model suggestions nobody accepted."""
    return (
        Annotation.objects.visible_to(user)
        .filter(team=team)
        .exclude(suggestion_state__in=_NOT_WORK)
    )


def user_name(user: Any) -> str:
    if user is None:
        return "Someone"
    return f"{user.first_name} {user.last_name}".strip() or user.username


# --- Review queue ------------------------------------------------------------------------------


def allowed_verdicts() -> dict[str, list[str]]:
    """For each verdict, the review states it may be given from (the services' rule)."""
    return {str(verdict): [str(s) for s in states] for verdict, states in VERDICT_FROM.items()}


def review_queue(*, user: Any, team: Team) -> QuerySet:
    """Annotations awaiting a verdict: submitted, then disputed, then changes requested; the
    oldest first within each group. Each row carries ``queue_group`` and ``latest_review_id``."""
    latest = (
        Review.objects.filter(annotation=OuterRef("pk")).order_by("-created_at", "-id").values("pk")
    )
    group = Case(
        *[When(review_state=state, then=rank) for rank, state in enumerate(QUEUE_STATES)],
        default=len(QUEUE_STATES),
        output_field=IntegerField(),
    )
    return (
        annotation_queryset(user)
        .filter(team=team, review_state__in=QUEUE_STATES)
        .exclude(suggestion_state__in=_NOT_WORK)
        .select_related("article", "author", "attributed_to_entity")
        .prefetch_related("tags")
        .defer("article__text")
        .annotate(queue_group=group, latest_review_id=Subquery(latest[:1]))
        .order_by("queue_group", "created_at", "id")
    )


def queue_articles(*, base: QuerySet, team: Team) -> QuerySet:
    """The newest articles with work in the queue, for its filter: one semi-join per article,
    in the order of the (team, published_at) index, stopping at QUEUE_ARTICLES."""
    waiting = base.filter(article_id=OuterRef("pk")).order_by().values("pk")
    return (
        Article.objects.filter(team=team)
        .filter(Exists(waiting))
        .only("id", "title")
        .order_by("-published_at", "-id")[:QUEUE_ARTICLES]
    )


def _context_before(prefix: str) -> str:
    """The last whole words of a quote's prefix, within its paragraph ("…" when cut)."""
    if "\n" in prefix:
        return prefix.rpartition("\n")[2]  # the paragraph starts here
    if len(prefix) < QUOTE_CONTEXT_CHARS:
        return prefix  # the text starts here
    cut = re.search(r"\s", prefix)  # drop the first word: it may be cut in two
    rest = prefix[cut.end() :] if cut else ""
    return "…" + (rest if rest.strip() else prefix)


def _context_after(suffix: str) -> str:
    if "\n" in suffix:
        return suffix.partition("\n")[0]
    if len(suffix) < QUOTE_CONTEXT_CHARS:
        return suffix
    spaces = [m.start() for m in re.finditer(r"\s", suffix)]  # drop the last, maybe cut, word
    rest = suffix[: spaces[-1]] if spaces else ""
    return (rest if rest.strip() else suffix) + "…"


def queue_details(items: list[Annotation], *, user: Any) -> list[Annotation]:
    """Give each queue item ``latest_review``, ``source_exact`` (the quote of the source it is
    attributed to, when the user may see it) and its context words. Two queries in all."""
    review_ids = [a.latest_review_id for a in items if a.latest_review_id]
    reviews = {r.pk: r for r in Review.objects.filter(pk__in=review_ids).select_related("reviewer")}
    source_ids = {a.attributed_to_id for a in items if a.attributed_to_id}
    sources = dict(
        Annotation.objects.visible_to(user).filter(pk__in=source_ids).values_list("pk", "exact")
        if source_ids
        else []
    )
    for item in items:
        item.latest_review = reviews.get(item.latest_review_id)
        item.source_exact = sources.get(item.attributed_to_id)
        item.context_before = _context_before(item.prefix)
        item.context_after = _context_after(item.suffix)
    return items


# --- Dashboard ---------------------------------------------------------------------------------

EVENT_VERBS = {
    "annotation.created": "annotated",
    "annotation.updated": "edited",
    "annotation.submitted": "submitted for review",
    "annotation.withdrawn": "withdrew from review",
    "annotation.reviewed": "reviewed",
    "annotation.accepted": "accepted a suggestion",
    "annotation.rejected": "rejected a suggestion",
    "annotation.reanchored": "re-anchored after a text edit",
    "annotation.deleted": "moved to the trash",
    "annotation.undeleted": "restored from the trash",
    "annotation.restored": "restored an earlier version of",
    "reply.created": "replied to",
    "article.submitted": "submitted their work on",
}


def _claims(base: QuerySet) -> QuerySet:
    """Annotations tagged with a tag of kind "claim"."""
    claim_tagged = Annotation.tags.through.objects.filter(tag__kind=Tag.Kind.CLAIM).values(
        "annotation_id"
    )
    return base.filter(pk__in=claim_tagged)


def claim_entity_counts(claims: QuerySet) -> dict[int, dict[str, int]]:
    """Per entity: the claims attributed to it, the claims whose span contains a mention of it,
    and ``claims``, the number of distinct claims that do either (two grouped queries)."""
    attributed = dict(
        claims.filter(attributed_to_entity__isnull=False)
        .order_by()
        .values_list("attributed_to_entity")
        .annotate(n=Count("pk"))
    )
    # One join from each claim to the mentions inside its span. Offsets of an annotation left
    # on an older revision of the text do not index the current one: those are not matched.
    mentioned = (
        claims.filter(
            article_revision=F("article__revision"),
            article__mentions__rejected=False,
            article__mentions__start__gte=F("start"),
            article__mentions__end__lte=F("end"),
        )
        .order_by()
        .values_list("article__mentions__entity")
        .annotate(
            n=Count("pk", distinct=True),
            both=Count(
                "pk",
                distinct=True,
                filter=Q(attributed_to_entity=F("article__mentions__entity")),
            ),
        )
    )
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"claims": 0, "attributed": 0, "mentioned": 0}
    )
    for entity_id, n in attributed.items():
        counts[entity_id]["attributed"] = n
        counts[entity_id]["claims"] += n
    for entity_id, n, both in mentioned:
        counts[entity_id]["mentioned"] = n
        counts[entity_id]["claims"] += n - both  # |A or M| = |A| + |M| - |A and M|
    return dict(counts)


def _activity(*, user: Any, team: Team) -> list[Event]:
    # A correlated EXISTS, not IN: the newest events are read in the (team, -id) index's order
    # and each is checked on its own, so the query stops after ACTIVITY_LIMIT whatever the
    # team's size (IN made PostgreSQL build the set of every visible annotation first).
    visible = Annotation.objects.visible_to(user).filter(pk=OuterRef("annotation_id"))
    return list(
        Event.objects.filter(team=team)
        .filter(Q(annotation__isnull=True) | Exists(visible))
        .select_related("actor", "article")
        .only(
            "id",
            "kind",
            "summary",
            "created_at",
            "annotation_id",
            "article_id",
            "article__title",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
        )
        .order_by("-id")[:ACTIVITY_LIMIT]
    )


def dashboard(*, user: Any, team: Team) -> dict[str, Any]:
    """Everything the team dashboard shows, as plain values (the API returns it as is)."""
    base = team_annotations(user=user, team=team)
    through = Annotation.tags.through

    # Totals, per assessment and per review state: one query.
    assessments = Annotation.Assessment.choices
    states = Annotation.ReviewState.choices
    untagged = ~Exists(through.objects.filter(annotation_id=OuterRef("pk")))
    totals = base.order_by().aggregate(
        total=Count("pk"),
        untagged=Count("pk", filter=Q(untagged)),
        **{f"assessment_{v}": Count("pk", filter=Q(assessment=v)) for v, _ in assessments},
        **{f"state_{v}": Count("pk", filter=Q(review_state=v)) for v, _ in states},
    )
    tag_counts = dict(
        through.objects.filter(annotation_id__in=base.values("pk"))
        .order_by()
        .values_list("tag_id")
        .annotate(n=Count("annotation_id"))
    )
    tags = list(Tag.objects.filter(team=team).order_by("position", "name"))

    # Verdicts per reviewer, on the annotations counted above.
    verdict_rows = (
        Review.objects.filter(annotation__in=base)
        .order_by()
        .values_list("reviewer_id", "verdict")
        .annotate(n=Count("pk"))
    )
    verdicts: dict[int, dict[str, int]] = defaultdict(dict)
    for reviewer_id, verdict, n in verdict_rows:
        verdicts[reviewer_id][verdict] = n
    reviewer_roles = dict(
        Membership.objects.filter(
            team=team, role__in=[Membership.Role.OWNER, Membership.Role.REVIEWER]
        ).values_list("user_id", "role")
    )
    people = User.objects.filter(pk__in=set(verdicts) | set(reviewer_roles))
    by_reviewer = []
    for person in people:
        counts = {v: verdicts.get(person.pk, {}).get(v, 0) for v in Review.Verdict.values}
        by_reviewer.append(
            {
                "reviewer": _user_dict(person),
                **counts,
                "total": sum(counts.values()),
            }
        )
    by_reviewer.sort(key=lambda r: (-r["total"], r["reviewer"]["name"].lower()))

    # Claims: the entities in the most of them, and who claims what.
    claims = _claims(base)
    entity_counts = claim_entity_counts(claims)
    top_ids = sorted(entity_counts, key=lambda e: -entity_counts[e]["claims"])[: TOP_ENTITIES * 3]
    entities = Entity.objects.in_bulk(top_ids)
    top = sorted(
        (
            {"entity": _entity_dict(entities[e]), **entity_counts[e]}
            for e in top_ids
            if e in entities and entity_counts[e]["claims"]
        ),
        key=lambda row: (-row["claims"], row["entity"]["name"].lower()),
    )[:TOP_ENTITIES]

    attributed = list(
        claims.filter(attributed_to_entity__isnull=False)
        .annotate(claim_cluster=F("claim_appearance__cluster_id"))  # its claim page (#18)
        .select_related("attributed_to_entity", "article", "author")
        .defer("article__text")
        .order_by("attributed_to_entity_id", "-article__published_at", "article_id", "start", "id")[
            :CLAIMS_LIMIT
        ]
    )
    who_claims_what = []
    for _, group in groupby(attributed, key=lambda a: a.attributed_to_entity_id):
        rows = list(group)
        who_claims_what.append(
            {
                "entity": _entity_dict(rows[0].attributed_to_entity),
                "claims": [_claim_dict(a) for a in rows],
            }
        )
    who_claims_what.sort(key=lambda g: (-len(g["claims"]), g["entity"]["name"].lower()))

    return {
        "team": team.pk,
        "annotations": totals["total"],
        "by_tag": [{"tag": tag_dict(t), "count": tag_counts.get(t.pk, 0)} for t in tags],
        "untagged": totals["untagged"],
        "by_assessment": [
            {"value": v, "label": str(label), "count": totals[f"assessment_{v}"]}
            for v, label in assessments
        ],
        "by_review_state": [
            {"value": v, "label": str(label), "count": totals[f"state_{v}"]} for v, label in states
        ],
        "by_reviewer": by_reviewer,
        "top_claim_entities": top,
        "who_claims_what": who_claims_what,
        "claims_truncated": len(attributed) >= CLAIMS_LIMIT,
        "activity": [_event_dict(e) for e in _activity(user=user, team=team)],
    }


def _user_dict(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "name": user_name(user)}


def _entity_dict(entity: Entity) -> dict[str, Any]:
    return {"id": entity.pk, "name": entity.name, "kind": entity.kind}


def _claim_dict(a: Annotation) -> dict[str, Any]:
    return {
        "id": a.pk,
        "exact": a.exact,
        "article": {"id": a.article_id, "title": a.article.title},
        "assessment": a.assessment,
        "assessment_label": a.get_assessment_display(),
        "review_state": a.review_state,
        "review_state_label": a.get_review_state_display(),
        "author": _user_dict(a.author),
        "created_at": a.created_at,
        "cluster": getattr(a, "claim_cluster", None),
    }


def _event_dict(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "verb": EVENT_VERBS.get(e.kind, e.kind),
        "actor": _user_dict(e.actor) if e.actor else None,
        "article": {"id": e.article_id, "title": e.article.title} if e.article_id else None,
        "annotation": e.annotation_id,
        "summary": e.summary,
        "created_at": e.created_at,
    }


# --- Agreement ---------------------------------------------------------------------------------


@dataclass
class ArticleFigures:
    """One article's agreement, or why it is withheld from this user."""

    article: Article
    annotators: list[str]
    result: ArticleAgreement | None  # None when withheld
    withheld: bool
    submitted: bool = False  # whether the user has submitted their work on the article


#: The agreement page and API report the newest this many articles that two analysts annotated.
AGREEMENT_ARTICLES = 50


def _shared_work(**filters: Any) -> QuerySet:
    """Analysts' work that agreement compares: made by people (origin "analyst"), not in the
    trash, shared with the team (private notes never count), anchored in the current text."""
    return Annotation.objects.filter(
        origin=Annotation.Origin.ANALYST,
        deleted_at__isnull=True,
        visibility=Annotation.Visibility.TEAM,
        article_revision=F("article__revision"),
        **filters,
    )


def agreement_spans(*, team: Team, article_ids: Any = None) -> dict[int, list[Span]]:
    """Per article (of ``article_ids``, or all), the spans of its analysts' shared work.
    Label: the primary tag's slug (the first by position)."""
    primary = Tag.objects.filter(annotations=OuterRef("pk")).order_by("position", "name", "id")
    work = _shared_work(team=team)
    if article_ids is not None:
        work = work.filter(article_id__in=article_ids)
    rows = (
        work.annotate(label=Subquery(primary.values("slug")[:1]))
        .order_by("article_id", "start", "end", "id")
        .values_list("article_id", "start", "end", "label", "author__username")
    )
    spans: dict[int, list[Span]] = defaultdict(list)
    for article_id, start, end, label, username in rows:
        spans[article_id].append(Span(start, end, label, username))
    return spans


def compared_articles(*, team: Team, limit: int = AGREEMENT_ARTICLES) -> list[Article]:
    """The newest ``limit`` articles of the team with two or more annotators: authors of shared
    work, and those who submitted "nothing to add" (a judgement too). Read in the order of the
    (team, published_at) index, counting each article's annotators as it goes, so the query
    stops after ``limit`` matches however large the team."""
    work = Annotation.objects.filter(
        article_id=OuterRef("pk"),
        origin=Annotation.Origin.ANALYST,
        deleted_at__isnull=True,
        visibility=Annotation.Visibility.TEAM,
        article_revision=OuterRef("revision"),
    )
    authors = (
        work.order_by()
        .values("article_id")
        .annotate(n=Count("author_id", distinct=True))
        .values("n")
    )
    idle = (
        ArticleSubmission.objects.filter(article_id=OuterRef("pk"), nothing_to_add=True)
        .exclude(
            Exists(
                Annotation.objects.filter(
                    article_id=OuterRef("article_id"),
                    author_id=OuterRef("user_id"),
                    origin=Annotation.Origin.ANALYST,
                    deleted_at__isnull=True,
                    visibility=Annotation.Visibility.TEAM,
                    article_revision=OuterRef("article__revision"),
                )
            )
        )
        .order_by()
        .values("article_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Article.objects.filter(team=team)
        .annotate(
            annotators_n=Coalesce(Subquery(authors), 0) + Coalesce(Subquery(idle), 0),
        )
        .filter(annotators_n__gte=2)
        .only("id", "title", "blind", "published_at", "team_id", "revision")
        .order_by("-published_at", "-id")[:limit]
    )


def agreement_report(
    *, user: Any, team: Team, limit: int = AGREEMENT_ARTICLES
) -> list[ArticleFigures]:
    """Agreement on the newest ``limit`` articles of the team that two or more analysts
    annotated, newest first.

    On a blind article the figures are withheld from an analyst (or viewer) who has not
    submitted their own work yet: they would tell how much the others marked. Owners and
    reviewers, who see everything on blind articles, always get them.
    """
    articles = compared_articles(team=team, limit=limit)
    if not articles:
        return []
    ids = [article.pk for article in articles]
    spans = agreement_spans(team=team, article_ids=ids)
    annotators: dict[int, set[str]] = defaultdict(set)
    for article_id, rows in spans.items():
        annotators[article_id].update(s.annotator for s in rows)
    # "Nothing to add" is a judgement too: an annotator who read the article and marked nothing.
    for article_id, username in ArticleSubmission.objects.filter(
        article_id__in=ids, nothing_to_add=True
    ).values_list("article_id", "user__username"):
        annotators[article_id].add(username)
    role = Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
    privileged = role in (Membership.Role.OWNER, Membership.Role.REVIEWER)
    submitted = set(
        ArticleSubmission.objects.filter(user=user, article_id__in=ids).values_list(
            "article_id", flat=True
        )
    )
    report = []
    for article in articles:
        names = sorted(annotators[article.pk])
        withheld = article.blind and not privileged and article.pk not in submitted
        report.append(
            ArticleFigures(
                article=article,
                annotators=names,
                result=None if withheld else article_agreement(spans[article.pk], annotators=names),
                withheld=withheld,
                submitted=article.pk in submitted,
            )
        )
    return report


def agreement_dict(figures: ArticleFigures) -> dict[str, Any]:
    result = figures.result
    return {
        "article": {
            "id": figures.article.pk,
            "title": figures.article.title,
            "blind": figures.article.blind,
        },
        "annotators": figures.annotators,
        "withheld": figures.withheld,
        "mean_exact_f1": result.mean_exact_f1 if result else None,
        "mean_partial_f1": result.mean_partial_f1 if result else None,
        "tag_alpha": result.tag_alpha if result else None,
        "pairs": [vars(p) for p in result.pairs] if result else [],
    }


# Cells a spreadsheet would read as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; numbers stay numbers
    (a negative kappa is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def agreement_csv(report: list[ArticleFigures]) -> str:
    """The figures as CSV, one row per pair of analysts (``lib.agreement.CSV_COLUMNS``)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for figures in report:
        if figures.result is None:
            continue
        for row in agreement_csv_rows(
            figures.result, article_id=figures.article.pk, article_title=figures.article.title
        ):
            writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return out.getvalue()
