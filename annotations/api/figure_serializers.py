"""Figures in the API: a figure, its resolution, the consistency view, and the list filters."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from rest_framework import serializers

from annotations.filters import IdFilter
from annotations.models import Figure
from annotations.nlp.figures import kind_labels
from annotations.selectors.figures import subject_filter


class FigureUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FigureResolutionSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    user = serializers.IntegerField(allow_null=True, help_text="The user's id.")
    at = serializers.DateTimeField()


class FigureSerializer(serializers.Serializer):
    """Built from ``selectors.figures.figure_dict``; ``claim`` is null when no claim the user
    may see states the figure; ``low``/``high`` are null while it is flagged and unresolved."""

    id = serializers.IntegerField()
    article = serializers.IntegerField()
    article_title = serializers.CharField()
    outlet = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)
    claim = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The reader at the claim, or at the article.")
    start = serializers.IntegerField(help_text="Code point offset into the article's text.")
    end = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    bound = serializers.ChoiceField(choices=Figure.Bound.choices)
    value_label = serializers.CharField()
    subject = serializers.IntegerField(allow_null=True, help_text="The entity it is about.")
    subject_name = serializers.CharField()
    flagged = serializers.BooleanField(help_text="A malformed number (315,00): see readings.")
    problem = serializers.CharField()
    readings = serializers.ListField(child=serializers.FloatField())
    reading_labels = serializers.ListField(child=serializers.CharField())
    resolved_value = serializers.FloatField(allow_null=True)
    resolved_by = FigureUserSerializer(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution_history = FigureResolutionSerializer(
        many=True, help_text="Every resolution and undo (value null), oldest first."
    )


class FigureResolveSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True,
        min_value=-1e18,
        max_value=1e18,
        help_text="One of the figure's readings; null undoes the resolution.",
    )


class ConsistencyPointSerializer(FigureSerializer):
    period = serializers.CharField(help_text='"per day" for a rate, "" for a total.')
    outlier = serializers.BooleanField()
    contradicts = serializers.ListField(child=serializers.IntegerField())


class ConsistencySubjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class ConsistencySerializer(serializers.Serializer):
    subject = ConsistencySubjectSerializer()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    factor = serializers.FloatField()
    points = ConsistencyPointSerializer(many=True)
    unresolved = FigureSerializer(many=True)
    outliers = serializers.IntegerField()
    contradictions = serializers.IntegerField()


def _kind_choices() -> list[tuple[str, str]]:
    return list(kind_labels().items())


class FigureFilter(df.FilterSet):
    article = IdFilter(field_name="article_id")
    kind = df.ChoiceFilter(choices=_kind_choices)
    subject = IdFilter(method="about", label="About this entity (or one merged into it)")
    flagged = df.BooleanFilter()
    resolved = df.BooleanFilter(field_name="resolved_value", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Figure
        fields = ["article", "kind", "subject", "flagged", "resolved"]

    def about(self, queryset: QuerySet[Figure], name: str, value: Any) -> QuerySet[Figure]:
        return queryset.filter(subject_filter(int(value)))
