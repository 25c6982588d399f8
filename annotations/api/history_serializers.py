"""Shapes of an annotation's history (``GET /api/annotations/{id}/history/``) and of a
restore."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.api.serializers import UserSerializer
from annotations.models import AnnotationVersion


class VersionChangeSerializer(serializers.Serializer):
    """One field a version changed, as a person reads it (``selectors/history.py``)."""

    field = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, as DRF declares them
    runs = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        help_text='Text fields: [op, text] runs, op "=" kept, "-" deleted, "+" inserted.',
    )
    before = serializers.CharField(required=False)
    after = serializers.CharField(required=False)


class AnnotationVersionSerializer(serializers.ModelSerializer):
    actor = UserSerializer(read_only=True, allow_null=True)
    action_label = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = AnnotationVersion
        fields = [
            "number",
            "action",
            "action_label",
            "snapshot",
            "changes",
            "actor",
            "note",
            "created_at",
        ]
        read_only_fields = fields

    def get_action_label(self, version: AnnotationVersion) -> str:
        return str(self.context["readable"][version.pk]["action_label"])

    @extend_schema_field(VersionChangeSerializer(many=True))
    def get_changes(self, version: AnnotationVersion) -> list[dict[str, Any]]:
        changes = self.context["readable"][version.pk]["changes"]
        return [
            {**c, "runs": [list(r) for r in c["runs"]]} if "runs" in c else dict(c) for c in changes
        ]


class RestoreVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
