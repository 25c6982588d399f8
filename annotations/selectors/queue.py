"""An analyst's "next to annotate" list: the articles of their team they have not read, or
have read without annotating, newest first; what they have submitted is done and left out."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet

from annotations.models import Annotation, Article, ArticleRead, ArticleSubmission, Team

NEXT_LIMIT = 8


def next_to_annotate(*, user: Any, team: Team) -> QuerySet[Article]:
    """The user's queue in ``team``, each article with ``read`` and ``annotated`` flags."""
    read = ArticleRead.objects.filter(article=OuterRef("pk"), user=user)
    annotated = Annotation.objects.filter(
        article=OuterRef("pk"),
        author=user,
        origin=Annotation.Origin.ANALYST,
        deleted_at__isnull=True,
    )
    submitted = ArticleSubmission.objects.filter(article=OuterRef("pk"), user=user)
    return (
        Article.objects.visible_to(user)
        .filter(team=team)
        .defer("text")
        .select_related("outlet")
        .annotate(read=Exists(read), annotated=Exists(annotated), submitted=Exists(submitted))
        .filter(submitted=False)
        .exclude(read=True, annotated=True)
        .order_by(F("published_at").desc(nulls_last=True), "-created_at", "-id")
    )
