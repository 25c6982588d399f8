"""Entity reads: lookups that 404 across teams, and lists with mention and article counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from annotations.models import Annotation, Article, Entity, Mention


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


def entities_in_use(user: Any) -> QuerySet[Entity]:
    """``entities_with_counts`` less the entities that nothing names any more: no mention
    that is not rejected, and no claim attributed to them (what the entity list shows)."""
    claims = Annotation.objects.visible_to(user).filter(attributed_to_entity=OuterRef("pk"))
    return entities_with_counts(user).filter(Q(mention_count__gt=0) | Exists(claims))


#: The entity card lists at most this many other articles and claims.
CARD_ARTICLES = 5
CARD_CLAIMS = 5


def entity_card(*, user: Any, entity: Entity, article_id: int | None = None) -> dict[str, Any]:
    """What the reader's entity card shows beyond the entity's fields: the other articles that
    mention it (not ``article_id``; rejected mentions left out), and the claims the user may
    see that are attributed to it (rejected model suggestions left out), newest first."""
    mentions = Mention.objects.filter(entity=entity, rejected=False)
    others = (
        Article.objects.visible_to(user)
        .filter(pk__in=mentions.values("article_id"))
        .annotate(
            n=Coalesce(
                Subquery(
                    mentions.filter(article=OuterRef("pk"))
                    .order_by()
                    .values("article")
                    .annotate(c=Count("pk"))
                    .values("c"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
        .order_by("-published_at", "-pk")
    )
    if article_id is not None:
        others = others.exclude(pk=article_id)
    claims = (
        Annotation.objects.visible_to(user)
        .filter(attributed_to_entity=entity)
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .select_related("article")
        .order_by("-created_at", "-pk")
    )
    return {
        "other_articles": [
            {"id": pk, "title": title, "mention_count": n}
            for pk, title, n in others.values_list("pk", "title", "n")[:CARD_ARTICLES]
        ],
        "other_article_count": others.count(),
        "claims": [
            {
                "id": c.pk,
                "article": c.article_id,
                "article_title": c.article.title,
                "exact": c.exact[:300],
                "assessment": c.assessment,
                "review_state": c.review_state,
                "suggestion_state": c.suggestion_state,
            }
            for c in claims.only(
                "pk",
                "article_id",
                "article__title",
                "exact",
                "assessment",
                "review_state",
                "suggestion_state",
                "created_at",
            )[:CARD_CLAIMS]
        ],
        "claim_count": claims.count(),
    }
