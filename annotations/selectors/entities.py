"""Entity reads: lookups that 404 across teams, and lists with mention and article counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from annotations.models import Entity, Mention


def entity_get_for_user(*, user: Any, pk: Any) -> Entity:
    return get_object_or_404(Entity.objects.visible_to(user).select_related("team"), pk=pk)


def entities_with_counts(user: Any) -> QuerySet[Entity]:
    """The user's entities, each with ``mention_count`` and ``article_count`` (rejected
    mentions left out)."""
    mentions = Mention.objects.filter(entity=OuterRef("pk"), rejected=False)
    return Entity.objects.visible_to(user).annotate(
        mention_count=Coalesce(
            Subquery(
                mentions.values("entity").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        article_count=Coalesce(
            Subquery(
                mentions.values("entity").annotate(n=Count("article", distinct=True)).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )
