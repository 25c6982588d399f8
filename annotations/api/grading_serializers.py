"""Shapes of Admiralty grades: a team's grades of sources (``/api/source-grades/``) and a
claim's credibility (``/api/annotations/{id}/credibility/``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.api.serializers import UserSerializer, VisibleRelatedField
from annotations.models import (
    Article,
    Credibility,
    Entity,
    Outlet,
    Reliability,
    SourceGrade,
    Team,
)
from annotations.models.grading import MAX_GRADE_REASON


@extend_schema_field(OpenApiTypes.INT)
class VisibleOutletField(serializers.PrimaryKeyRelatedField):
    """An outlet that an article of one of the user's teams comes from: any other id reads as
    unknown, whether or not another team uses it."""

    def get_queryset(self) -> Any:
        articles = Article.objects.visible_to(self.context["request"].user)
        return Outlet.objects.filter(pk__in=articles.values("outlet_id"))


class SourceGradeSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id", read_only=True)
    entity = serializers.IntegerField(source="entity_id", read_only=True, allow_null=True)
    outlet = serializers.IntegerField(source="outlet_id", read_only=True, allow_null=True)
    source_name = serializers.CharField(read_only=True)
    reliability = serializers.CharField(
        read_only=True, help_text='A to F; "" on a row that cleared the grade'
    )
    created_by = UserSerializer(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField(
        help_text="Whether this row is the source's current grade"
    )

    class Meta:
        model = SourceGrade
        fields = [
            "id",
            "team",
            "entity",
            "outlet",
            "source_name",
            "reliability",
            "reason",
            "expires_at",
            "created_by",
            "created_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, grade: SourceGrade) -> bool:
        current = self.context.get("current_ids")
        return bool(current and grade.pk in current)


class SourceGradeCreateSerializer(serializers.Serializer):
    team = VisibleRelatedField(
        queryset=Team.objects.all(),
        required=False,
        help_text="The grading team: required for an outlet; an entity's team by default",
    )
    entity = VisibleRelatedField(queryset=Entity.objects.all(), required=False, allow_null=True)
    outlet = VisibleOutletField(required=False, allow_null=True)
    reliability = serializers.ChoiceField(
        choices=[*Reliability.choices, ("", "Clear the grade")],
        help_text='A (completely reliable) to F (cannot be judged); "" clears the grade',
    )
    reason = serializers.CharField(
        max_length=MAX_GRADE_REASON, required=False, allow_blank=True, default=""
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        entity, outlet = attrs.get("entity"), attrs.get("outlet")
        if (entity is None) == (outlet is None):
            raise serializers.ValidationError(
                {"entity": "Give exactly one source: an entity or an outlet."}
            )
        if attrs.get("team") is None:
            if entity is None:
                raise serializers.ValidationError({"team": "Name the team that grades an outlet."})
            attrs["team"] = entity.team
        return attrs


class CredibilitySerializer(serializers.Serializer):
    credibility = serializers.ChoiceField(
        choices=[*Credibility.choices, ("", "Not graded")],
        help_text='1 (confirmed) to 6 (cannot be judged); "" clears it',
    )
