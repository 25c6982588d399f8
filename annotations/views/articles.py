"""The article list, the reader and the import page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.filters import ArticleFilter
from annotations.models import (
    Article,
    Entity,
    Membership,
    Mention,
    Outlet,
    Tag,
)
from annotations.nlp.languages import full_ner_available, language_name
from annotations.rows import tag_dict, user_dict
from annotations.selectors.annotations import annotation_queryset, annotation_rows
from annotations.selectors.articles import (
    article_get_for_user,
    article_last_event_id,
    articles_with_counts,
)
from annotations.selectors.events import live_transport
from annotations.selectors.feeds import article_archive_records
from annotations.selectors.grading import reader_grades
from annotations.selectors.queue import NEXT_LIMIT, next_to_annotate
from annotations.services.reads import article_read_record
from annotations.views.common import team_context

#: The "next to annotate" count stops here.
NEXT_COUNT_CAP = 1000


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    base = Article.objects.visible_to(request.user).filter(team=team).select_related("outlet")
    articles = articles_with_counts(base.defer("text"), request.user).order_by(
        "-published_at", "-id"
    )
    article_filter = ArticleFilter(request.GET, queryset=articles, request=request)
    rows = list(article_filter.qs[:200]) if article_filter.is_valid() else []
    queue = next_to_annotate(user=request.user, team=team) if context["can_annotate"] else None
    next_articles = list(queue[:NEXT_LIMIT]) if queue is not None else []
    # Counted up to NEXT_COUNT_CAP ("1,000+"): counting further reads every article.
    next_count = (
        queue.order_by()[:NEXT_COUNT_CAP].count()
        if queue is not None and len(next_articles) == NEXT_LIMIT
        else 0
    )
    context.update(
        {
            "next_articles": next_articles,
            "next_count": max(next_count, len(next_articles)),
            "next_more": max(next_count - len(next_articles), 0),
            "next_capped": next_count >= NEXT_COUNT_CAP,
            "articles": rows,
            "filter": article_filter,
            "outlets": Outlet.objects.filter(articles__team=team).distinct().order_by("name"),
            "tags": Tag.objects.filter(team=team),
            "entities": Entity.objects.filter(team=team).order_by("name")[:2000],
        }
    )
    return render(request, "annotations/article_list.html", context)


@login_required
def article_read(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, pk=pk)
    context = team_context(request)
    membership = Membership.objects.filter(user=request.user, team=article.team).first()
    article_read_record(article=article, user=request.user)  # for the "next to annotate" list
    annotations = annotation_queryset(request.user).filter(article=article).order_by("start", "id")
    mentions = list(
        Mention.objects.filter(article=article, rejected=False)
        .order_by("start")
        .values_list("pk", "start", "end", "entity_id", "label", "origin")
    )
    entity_ids = {m[3] for m in mentions}
    data = {
        "article": {
            "id": article.pk,
            "team": article.team_id,
            "revision": article.revision,
            "nlp_status": article.nlp_status,
        },
        "me": user_dict(request.user),
        "role": membership.role if membership else None,
        "annotations": _reader_annotations(annotations),
        "mentions": [list(m) for m in mentions],
        "entities": {
            str(pk): {"id": pk, "name": name, "kind": kind}
            for pk, name, kind in Entity.objects.filter(pk__in=entity_ids).values_list(
                "pk", "name", "kind"
            )
        },
        "tags": [tag_dict(t) for t in Tag.objects.filter(team=article.team)],
        # Admiralty grading: the outlet's and the team's graded entities' reliability.
        "source_grades": reader_grades(team_id=article.team_id, outlet_id=article.outlet_id),
        "live": live_transport(request),
        "last_event": article_last_event_id(article.pk),
        "teammates": [
            user_dict(m.user)
            for m in Membership.objects.filter(team=article.team).select_related("user")
        ],
    }
    context.update(
        {
            "article": article,
            "paragraphs": _paragraphs(article.text),
            "reader_data": data,
            "annotation_count": len(data["annotations"]),
            "language_name": language_name(article.language),
            # No language yet (a bulk import's, until its analysis detects it): no notice.
            "full_ner": not article.language or full_ner_available(article.language),
            # The latest archived fetch of the page: "archived <time> · sha256 <first 12>".
            "archive_record": next(
                iter(article_archive_records(user=request.user, article=article, limit=1)), None
            ),
        }
    )
    return render(request, "annotations/article_read.html", context)


# What the reader's scripts read of an annotation; the API's fuller shape replaces an entry
# when it is re-fetched. Tags travel as ids: the page has the team's tags already.
READER_FIELDS = (
    "id",
    "start",
    "end",
    "exact",
    "comment",
    "comment_html",
    "assessment",
    "credibility",
    "attributed_to",
    "attributed_to_entity",
    "author",
    "visibility",
    "anchor_state",
    "suggestion_state",
    "suggestion_rule",
    "suggestion_confidence",
    "review_state",
    "reply_count",
    "suggestion_details",
    "version",
)


def _reader_annotations(queryset: Any) -> list[dict[str, Any]]:
    rows = []
    for full in annotation_rows(queryset):
        row = {name: full[name] for name in READER_FIELDS}
        row["tags"] = [tag["id"] for tag in full["tags"]]
        row["author"] = {"id": full["author"]["id"], "name": full["author"]["name"]}
        rows.append(row)
    return rows


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(code point offset, text) of each line; the "\\n" between them is not drawn."""
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    return render(request, "annotations/import.html", team_context(request))
