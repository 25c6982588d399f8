"""Article reads: lookups that 404 across teams, and lists with their counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from annotations.models import Annotation, Article, Event, Mention


def article_get_for_user(*, user: Any, pk: Any) -> Article:
    """The article, if one of the user's teams holds it; otherwise Http404, the same answer
    as for an id that never existed."""
    return get_object_or_404(
        Article.objects.visible_to(user).select_related("team", "outlet"), pk=pk
    )


def articles_with_counts(queryset: QuerySet[Article], user: Any) -> QuerySet[Article]:
    """``annotation_count``, ``suggestion_count`` and ``mention_count`` on each article.

    ``annotation_count`` counts what the reader's list shows the user by default, built on
    ``Annotation.objects.visible_to(user)``: never the trash, a teammate's private note or, on
    a blind article, hidden work; pending model suggestions are in it (the reader shows them)
    and also counted apart in ``suggestion_count``; rejected ones are in neither."""
    visible = (
        Annotation.objects.visible_to(user)
        .filter(article=OuterRef("pk"))
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .order_by()
        .values("article")
    )
    counted = visible.annotate(n=Count("pk")).values("n")
    suggested = (
        visible.filter(suggestion_state=Annotation.SuggestionState.PENDING)
        .annotate(n=Count("pk"))
        .values("n")
    )
    mentions = (
        Mention.objects.filter(article=OuterRef("pk"), rejected=False)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        annotation_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        suggestion_count=Coalesce(Subquery(suggested, output_field=IntegerField()), 0),
        mention_count=Coalesce(Subquery(mentions, output_field=IntegerField()), 0),
    )


def article_last_event_id(article_id: int) -> int:
    """The id of the article's latest event (0 if none): where a live reader starts."""
    return (
        Event.objects.filter(article_id=article_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )
