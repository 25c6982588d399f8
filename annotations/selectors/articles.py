"""Article reads: lookups that 404 across teams, and lists with their counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
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
    """``annotation_count`` and ``mention_count`` on each article of ``queryset``."""
    visible = (
        Annotation.objects.filter(article=OuterRef("pk"))
        .filter(Q(visibility=Annotation.Visibility.TEAM) | Q(author=user))
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
    )
    counted = visible.values("article").annotate(n=Count("pk")).values("n")
    mentions = (
        Mention.objects.filter(article=OuterRef("pk"), rejected=False)
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        annotation_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
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
