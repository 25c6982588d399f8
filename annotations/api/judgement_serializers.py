"""Entity judgements in the API: same, not the same, unsure, and their undo."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.api.serializers import EntityRefSerializer, UserSerializer, VisibleRelatedField
from annotations.models import Entity, EntityJudgement


class EntityJudgementSerializer(serializers.ModelSerializer):
    left = EntityRefSerializer(read_only=True)
    right = EntityRefSerializer(read_only=True)
    user = serializers.SerializerMethodField()
    undone_by = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = EntityJudgement
        fields = [
            "id",
            "team",
            "left",
            "right",
            "judgement",
            "user",
            "created_at",
            "active",
            "undone_at",
            "undone_by",
        ]
        read_only_fields = fields

    def get_user(self, obj: EntityJudgement) -> dict[str, Any] | None:
        return UserSerializer(obj.user).data if obj.user else None

    def get_undone_by(self, obj: EntityJudgement) -> dict[str, Any] | None:
        return UserSerializer(obj.undone_by).data if obj.undone_by else None

    def get_active(self, obj: EntityJudgement) -> bool:
        return obj.undone_at is None


class EntityJudgementCreateSerializer(serializers.Serializer):
    left = VisibleRelatedField(queryset=Entity.objects.all())
    right = VisibleRelatedField(queryset=Entity.objects.all())
    judgement = serializers.ChoiceField(choices=EntityJudgement.Kind.choices)
