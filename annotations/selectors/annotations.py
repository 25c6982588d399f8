"""Annotation reads: what a user may see, with reply counts, and its rows in the API shape."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from annotations.models import Annotation, Reply
from annotations.rows import ANNOTATION_COLUMNS, annotation_dicts


def annotation_queryset(user: Any) -> QuerySet[Annotation]:
    """Annotations the user may see, with their reply counts."""
    # order_by(): Reply's default ordering would join annotation and article for every row.
    replies = (
        Reply.objects.filter(annotation=OuterRef("pk"))
        .order_by()
        .values("annotation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Annotation.objects.visible_to(user).annotate(
        reply_count=Coalesce(Subquery(replies, output_field=IntegerField()), 0)
    )


def annotation_rows(queryset: QuerySet[Annotation]) -> list[dict[str, Any]]:
    """The API dicts of a queryset from annotation_queryset(): two queries in all."""
    return annotation_dicts(queryset.values(*ANNOTATION_COLUMNS))


def annotation_trash(user: Any) -> QuerySet[Annotation]:
    """The trash the user may restore from, with reply counts."""
    return Annotation.objects.trash_of(user).annotate(reply_count=Count("replies"))
