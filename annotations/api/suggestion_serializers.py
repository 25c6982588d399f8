"""Request and response shapes of the bulk decision on an article's model suggestions."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import AnnotationSerializer, id_field
from annotations.services.suggestions import MAX_BULK, VERDICTS


class SuggestionDecisionSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=VERDICTS)
    ids = serializers.ListField(
        child=id_field(),
        min_length=1,
        max_length=MAX_BULK,
        help_text=f"The pending suggestions to decide, at most {MAX_BULK}",
    )


class SuggestionDecisionResultSerializer(serializers.Serializer):
    changed = AnnotationSerializer(many=True, help_text="Every annotation changed, sources too")
