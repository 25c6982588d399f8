"""Reading marks: the reader page records that its user opened the article."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations.models import Article, ArticleRead


@transaction.atomic
def article_read_record(*, article: Article, user: User) -> ArticleRead:
    """Note that ``user`` opened ``article`` (the first time, and now the latest)."""
    read, created = ArticleRead.objects.get_or_create(article=article, user=user)
    if not created:
        ArticleRead.objects.filter(pk=read.pk).update(last_read_at=timezone.now())
    return read
