"""Request and response shapes of the entity network and of typed relations."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.models import MAX_ID, EntityPair
from annotations.models.network import MAX_RELATION_LABEL, MAX_RELATION_NOTE
from annotations.selectors.network import NetworkFilters

MAX_TAG_CHARS = 60


class NetworkQuerySerializer(serializers.Serializer):
    """``?team=&kind=&from=&to=&tag=&outlet=&min_weight=``; ``from`` and ``to`` are dates
    (inclusive) of the articles' publication."""

    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(
        choices=EntityPair.Kind.choices, required=False, default=EntityPair.Kind.SENTENCE
    )
    tag = serializers.SlugField(required=False, max_length=MAX_TAG_CHARS, default="")
    outlet = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    min_weight = serializers.IntegerField(required=False, min_value=1, max_value=10**6, default=1)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": "Give a date on or after `from`."})
        return attrs

    def filters(self) -> NetworkFilters:
        data = self.validated_data
        return NetworkFilters(
            kind=data["kind"],
            date_from=data.get("from"),
            date_to=data.get("to"),
            tag=data["tag"],
            outlet=data.get("outlet"),
            min_weight=data["min_weight"],
        )


class EdgeQuerySerializer(NetworkQuerySerializer):
    left = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    right = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["left"] == attrs["right"]:
            raise serializers.ValidationError({"right": "Give two different entities."})
        return attrs


class _EntityRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    degree = serializers.IntegerField(help_text="The sum of its edges' weights.")


class EdgeSerializer(serializers.Serializer):
    left = serializers.IntegerField()
    right = serializers.IntegerField()
    weight = serializers.IntegerField(help_text="Distinct sentences, claims or articles.")
    relations = serializers.ListField(child=serializers.CharField())


class GraphSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    kind = serializers.CharField()
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    truncated = serializers.BooleanField(help_text="Some nodes or edges were left out by caps.")


class PassageSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    title = serializers.CharField()
    published_at = serializers.CharField(allow_null=True)
    outlet = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    url = serializers.CharField(help_text="The reader at the passage.")


class RelationEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    note = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    at = serializers.CharField()


class RelationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.IntegerField()
    source = _EntityRef()
    target = _EntityRef()
    label = serializers.CharField()
    note = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.CharField()
    updated_at = serializers.CharField()
    history = RelationEventSerializer(many=True)


class EdgeDetailSerializer(serializers.Serializer):
    left = _EntityRef()
    right = _EntityRef()
    kind = serializers.CharField()
    passages = PassageSerializer(many=True)
    truncated = serializers.BooleanField()
    relations = RelationSerializer(many=True)


class RelationCreateSerializer(serializers.Serializer):
    source = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    target = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    label = serializers.CharField(max_length=MAX_RELATION_LABEL)
    note = serializers.CharField(
        max_length=MAX_RELATION_NOTE, required=False, allow_blank=True, default=""
    )


class RelationUpdateSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=MAX_RELATION_LABEL, required=False)
    note = serializers.CharField(max_length=MAX_RELATION_NOTE, required=False, allow_blank=True)
