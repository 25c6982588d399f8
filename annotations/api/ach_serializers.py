"""Shapes of analyses of competing hypotheses (``/api/analyses/``) and their matrix."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import VisibleRelatedField, id_field
from annotations.lib.ach import MAX_WEIGHT, MIN_WEIGHT, RATINGS
from annotations.models import MAX_ID, Analysis, Team
from annotations.models.ach import (
    MAX_HYPOTHESES,
    MAX_HYPOTHESIS_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    RELIABILITY_GRADES,
)

RATING_HELP = (
    "CC very consistent, C consistent, N neutral, I inconsistent, II very inconsistent, "
    "NA not applicable"
)


class AnalysisSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, default=None
    )
    hypothesis_count = serializers.IntegerField(read_only=True, default=0)
    evidence_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Analysis
        fields = [
            "id",
            "team",
            "team_name",
            "question",
            "created_by",
            "hypothesis_count",
            "evidence_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AnalysisCreateSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    question = serializers.CharField(max_length=MAX_QUESTION_CHARS)
    hypotheses = serializers.ListField(
        child=serializers.CharField(max_length=MAX_HYPOTHESIS_CHARS),
        required=False,
        default=list,
        max_length=MAX_HYPOTHESES,
    )


class AnalysisUpdateSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=MAX_QUESTION_CHARS)


class HypothesisWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_HYPOTHESIS_CHARS, required=False)
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class EvidenceWriteSerializer(serializers.Serializer):
    annotation = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="A claim annotation of the team",
    )
    note = serializers.CharField(
        max_length=MAX_NOTE_CHARS, required=False, allow_blank=True, help_text="Free-text evidence"
    )
    credibility = serializers.IntegerField(
        min_value=1, max_value=6, required=False, allow_null=True, help_text="Admiralty 1-6"
    )
    reliability = serializers.ChoiceField(
        choices=RELIABILITY_GRADES, required=False, allow_null=True, help_text="Admiralty A-F"
    )
    weight = serializers.FloatField(
        min_value=MIN_WEIGHT,
        max_value=MAX_WEIGHT,
        required=False,
        allow_null=True,
        help_text="Set by hand; null: from the grades",
    )
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class RatingWriteSerializer(serializers.Serializer):
    evidence = id_field()
    hypothesis = id_field()
    value = serializers.CharField(
        max_length=8, allow_blank=True, help_text=f"{RATING_HELP}; empty clears the cell"
    )


class RestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class MatrixHypothesisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    position = serializers.IntegerField()
    inconsistency = serializers.FloatField(help_text="Weighted: I = 1, II = 2, times the weight")
    consistency = serializers.FloatField(help_text="Weighted: C = 1, CC = 2 (for information)")
    rank = serializers.IntegerField(help_text="1: the least inconsistent")


class MatrixRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    annotation = serializers.IntegerField(allow_null=True)
    quote = serializers.CharField()
    article = serializers.IntegerField(allow_null=True)
    article_title = serializers.CharField()
    note = serializers.CharField()
    credibility = serializers.IntegerField(allow_null=True)
    reliability = serializers.CharField(allow_null=True)
    weight = serializers.FloatField(allow_null=True, help_text="Set by hand, or null")
    effective_weight = serializers.FloatField()
    position = serializers.IntegerField()
    ratings = serializers.DictField(
        child=serializers.ChoiceField(choices=RATINGS), help_text="hypothesis id -> rating"
    )
    diagnostic = serializers.BooleanField()
    changes_top = serializers.BooleanField()
    changes_ranking = serializers.BooleanField()
    ranking_without = serializers.ListField(child=serializers.IntegerField())


class MatrixSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    version = serializers.IntegerField()
    hypotheses = MatrixHypothesisSerializer(many=True)
    ranking = serializers.ListField(child=serializers.IntegerField())
    evidence = MatrixRowSerializer(many=True)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    action = serializers.CharField()
    summary = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class ClaimCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exact = serializers.CharField()
    article_id = serializers.IntegerField()
    article__title = serializers.CharField()
