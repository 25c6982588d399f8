"""The word diff between two revisions of an article (silent edits, manual edits)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.selectors.articles import article_get_for_user
from annotations.selectors.revisions import article_refetch_state, article_revision_diff
from annotations.views.common import team_context


@login_required
def article_diff(request: HttpRequest, pk: int) -> HttpResponse:
    article = article_get_for_user(user=request.user, pk=pk)
    diff = article_revision_diff(
        article=article,
        old=_revision_param(request, "from"),
        new=_revision_param(request, "to"),
    )
    context = team_context(request)
    context.update(
        {"article": article, "diff": diff, "refetch": article_refetch_state(article=article)}
    )
    return render(request, "annotations/article_diff.html", context)


def _revision_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
