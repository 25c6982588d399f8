"""HTML pages. Every object is fetched through a helper that answers 404 across teams."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from annotations.models import Annotation, Article


def article_get_for_user(*, user, pk: int) -> Article:  # type: ignore[no-untyped-def]
    return get_object_or_404(
        Article.objects.visible_to(user).select_related("team", "outlet"), pk=pk
    )


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    articles = (
        Article.objects.visible_to(request.user)
        .select_related("team", "outlet")
        .annotate(
            annotation_count=Count(
                "annotations",
                filter=Q(annotations__visibility=Annotation.Visibility.TEAM)
                | Q(annotations__author=request.user),
            )
        )
        .order_by("-published_at", "-id")[:200]
    )
    return render(request, "annotations/article_list.html", {"articles": articles})


@login_required
def article_read(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, pk=pk)
    annotations = (
        Annotation.objects.visible_to(request.user)
        .filter(article=article)
        .select_related("author", "attributed_to", "attributed_to_entity")
        .prefetch_related("tags")
    )
    return render(
        request,
        "annotations/article_read.html",
        {"article": article, "annotations": annotations},
    )
