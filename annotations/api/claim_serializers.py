"""Claim clusters in the API: clusters, their appearances with hedges, judgements."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.api.serializers import UserSerializer, VisibleRelatedField
from annotations.models import ClaimCluster, ClusterJudgement
from annotations.models.claims import MAX_CANONICAL_CHARS, STRENGTH_CHOICES
from annotations.services.cluster_judgements import MAX_APPEARANCES, MAX_NOTE_CHARS


class HedgeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["modal", "reportative", "epistemic", "sourcing", "approximation"]
    )
    text = serializers.CharField()
    start = serializers.IntegerField(help_text="Code-point offset into the article text.")
    end = serializers.IntegerField()


class AppearanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    annotation = serializers.IntegerField(source="annotation_id")
    cluster = serializers.IntegerField(source="cluster_id", required=False)
    exact = serializers.CharField()
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    outlet = serializers.CharField(allow_null=True)
    speaker = serializers.SerializerMethodField()
    hedges = HedgeSerializer(many=True)
    strength = serializers.ChoiceField(choices=STRENGTH_CHOICES)
    dropped = serializers.ListField(
        child=serializers.CharField(),
        help_text="Hedge kinds the first appearance had and this one has not.",
    )
    firmer = serializers.BooleanField(
        help_text="States the claim more firmly than the first appearance did."
    )
    assessment = serializers.CharField()
    review_state = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    pinned = serializers.BooleanField()
    reader_url = serializers.SerializerMethodField()

    def get_speaker(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if not row["speaker_id"]:
            return None
        return {"id": row["speaker_id"], "name": row["speaker"]}

    def get_reader_url(self, row: dict[str, Any]) -> str:
        return f"/articles/{row['article_id']}/#a-{row['annotation_id']}"


class ClusterSerializer(serializers.ModelSerializer):
    appearances = serializers.IntegerField(source="n_appearances", read_only=True)
    first_published = serializers.DateTimeField(read_only=True, allow_null=True)
    last_published = serializers.DateTimeField(read_only=True, allow_null=True)
    confirmed_by = serializers.SerializerMethodField()

    class Meta:
        model = ClaimCluster
        fields = [
            "id",
            "team",
            "canonical",
            "appearances",
            "first_published",
            "last_published",
            "confirmed_at",
            "confirmed_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_confirmed_by(self, obj: ClaimCluster) -> dict[str, Any] | None:
        return UserSerializer(obj.confirmed_by).data if obj.confirmed_by else None


class ReviewOutcomeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    annotation = serializers.IntegerField(source="annotation_id")
    verdict = serializers.CharField()
    note = serializers.CharField()
    reviewer = serializers.CharField(source="reviewer_name")
    created_at = serializers.DateTimeField()


class ClusterJudgementSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    undone_by = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()
    appearances = serializers.SerializerMethodField()

    class Meta:
        model = ClusterJudgement
        fields = [
            "id",
            "team",
            "kind",
            "cluster",
            "target",
            "appearances",
            "note",
            "user",
            "created_at",
            "active",
            "undone_at",
            "undone_by",
        ]
        read_only_fields = fields

    def get_user(self, obj: ClusterJudgement) -> dict[str, Any] | None:
        return UserSerializer(obj.user).data if obj.user else None

    def get_undone_by(self, obj: ClusterJudgement) -> dict[str, Any] | None:
        return UserSerializer(obj.undone_by).data if obj.undone_by else None

    def get_active(self, obj: ClusterJudgement) -> bool:
        return obj.undone_at is None

    def get_appearances(self, obj: ClusterJudgement) -> list[int]:
        """The appearances it moved (none for a confirmation)."""
        return sorted(int(pk) for pk in obj.snapshot.get("appearances", {}))


class ClusterDetailSerializer(ClusterSerializer):
    speakers = serializers.ListField(child=serializers.DictField(), read_only=True)
    first_appearance = AppearanceSerializer(read_only=True, allow_null=True)
    timeline = AppearanceSerializer(many=True, read_only=True)
    reviews = ReviewOutcomeSerializer(many=True, read_only=True)
    judgements = ClusterJudgementSerializer(many=True, read_only=True)

    class Meta(ClusterSerializer.Meta):
        fields = [
            *ClusterSerializer.Meta.fields,
            "speakers",
            "first_appearance",
            "timeline",
            "reviews",
            "judgements",
        ]
        read_only_fields = fields


class ClusterUpdateSerializer(serializers.Serializer):
    canonical = serializers.CharField(max_length=MAX_CANONICAL_CHARS)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=MAX_NOTE_CHARS, required=False, allow_blank=True)


class SplitSerializer(NoteSerializer):
    appearances = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        min_length=1,
        max_length=MAX_APPEARANCES,
    )


class MoveSerializer(SplitSerializer):
    target = VisibleRelatedField(queryset=ClaimCluster.objects.all())


class MergeSerializer(NoteSerializer):
    target = VisibleRelatedField(queryset=ClaimCluster.objects.all())


class AssessedSerializer(serializers.Serializer):
    """An annotation's claim cluster and the team's earlier assessment of it."""

    cluster = serializers.IntegerField()
    canonical = serializers.CharField()
    appearances = serializers.IntegerField()
    strength = serializers.CharField()
    hedges = HedgeSerializer(many=True)
    assessed = serializers.DictField(allow_null=True)


def appearance_json(row: dict[str, Any]) -> dict[str, Any]:
    """``AppearanceSerializer``'s shape, built directly: a timeline has hundreds of rows, and
    DRF's fields cost ~1 ms per row."""
    published = row["published_at"]
    return {
        "id": row["pk"],
        "annotation": row["annotation_id"],
        "cluster": row["cluster_id"],
        "exact": row["exact"],
        "article": row["article_id"],
        "article_title": row["article_title"],
        "published_at": published.isoformat().replace("+00:00", "Z") if published else None,
        "outlet": row["outlet"],
        "speaker": {"id": row["speaker_id"], "name": row["speaker"]} if row["speaker_id"] else None,
        "hedges": [
            {"kind": m["kind"], "text": m["text"], "start": m["start"], "end": m["end"]}
            for m in row["hedges"]
        ],
        "strength": row["strength"],
        "dropped": row["dropped"],
        "firmer": row["firmer"],
        "assessment": row["assessment"],
        "review_state": row["review_state"],
        "score": row["score"],
        "pinned": row["pinned"],
        "reader_url": f"/articles/{row['article_id']}/#a-{row['annotation_id']}",
    }
