"""Request and response shapes of batch screening (``api/views/screenings.py``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.api.serializers import VisibleRelatedField
from annotations.models import MAX_NAME_LENGTH, MAX_SCREENING_NAMES, Screening, Team
from annotations.rows import user_dict

MATCH_KINDS = ("exact", "alias", "fuzzy", "none")


class ScreeningCreateSerializer(serializers.Serializer):
    team = VisibleRelatedField(
        queryset=Team.objects.all(),
        required=False,
        help_text="The team whose entities to screen against; optional for a user of one team.",
    )
    names = serializers.JSONField(
        required=False,
        help_text=f"The names, a JSON list of strings (at most {MAX_SCREENING_NAMES:,}, each of "
        f"at most {MAX_NAME_LENGTH} characters), or text with one name per line. Blank lines "
        "and repeats are dropped.",
    )
    file = serializers.FileField(
        required=False,
        help_text="Instead of `names` (multipart): a CSV file with a header row naming a name "
        "column (`name`, `full name`, `entity` ...), or a text file with one name per line. "
        "UTF-8, at most 1 MB.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("names") is None and attrs.get("file") is None:
            raise serializers.ValidationError({"names": "Give the names as `names` or `file`."})
        return attrs


class ScreeningEntitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="The entity's page.")


class ScreeningResultSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="The name's place in the list, from 1.")
    name = serializers.CharField()
    match_kind = serializers.ChoiceField(choices=MATCH_KINDS)
    score = serializers.FloatField(help_text="0 to 1; 1 for exact and alias matches.")
    entity = ScreeningEntitySerializer(allow_null=True)
    matched_name = serializers.CharField(help_text="The entity's name or alias that matched.")
    article_count = serializers.IntegerField()
    claim_count = serializers.IntegerField()
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)


class ScreeningSummarySerializer(serializers.Serializer):
    exact = serializers.IntegerField()
    alias = serializers.IntegerField()
    fuzzy = serializers.IntegerField()
    none = serializers.IntegerField()


class ScreeningSerializer(serializers.ModelSerializer):
    """A screening with its status and progress (from its job)."""

    status = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    job = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = [
            "id",
            "team",
            "title",
            "name_count",
            "status",
            "done",
            "total",
            "message",
            "job",
            "created_by",
            "created_at",
        ]

    def _status(self, obj: Screening) -> dict[str, Any]:
        from annotations.selectors.screening import screening_status

        return screening_status(obj)

    def get_status(self, obj: Screening) -> str:
        return str(self._status(obj)["status"])

    def get_done(self, obj: Screening) -> int:
        return int(self._status(obj)["done"])

    def get_total(self, obj: Screening) -> int:
        return int(self._status(obj)["total"])

    def get_message(self, obj: Screening) -> str:
        return str(self._status(obj)["message"])

    def get_job(self, obj: Screening) -> int | None:
        job: int | None = self._status(obj)["job"]
        return job

    def get_created_by(self, obj: Screening) -> dict[str, Any] | None:
        return user_dict(obj.created_by) if obj.created_by else None


class ScreeningResultsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Rows under the filter, in all.")
    offset = serializers.IntegerField()
    limit = serializers.IntegerField()
    items = ScreeningResultSerializer(many=True)


class ScreeningDetailSerializer(ScreeningSerializer):
    """A screening with its summary and one page of its result rows (the view fills them)."""

    summary = ScreeningSummarySerializer(read_only=True, help_text="Input names per match kind.")
    results = ScreeningResultsPageSerializer(read_only=True)

    class Meta(ScreeningSerializer.Meta):
        fields = [*ScreeningSerializer.Meta.fields, "summary", "results"]
