"""The entity card's read shape (serializers.py holds the entity's own fields)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import EntitySerializer


class CardArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    mention_count = serializers.IntegerField()


class CardClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article = serializers.IntegerField()
    article_title = serializers.CharField()
    exact = serializers.CharField(help_text="The claim's quote, at most 300 characters")
    assessment = serializers.CharField()
    review_state = serializers.CharField()
    suggestion_state = serializers.CharField()


class EntityCardSerializer(serializers.Serializer):
    """An entity with what the reader's card shows: its other articles and the claims
    attributed to it (the first few of each, with their counts), and whether the user may
    correct it (owners and analysts)."""

    entity = EntitySerializer()
    other_articles = CardArticleSerializer(many=True)
    other_article_count = serializers.IntegerField()
    claims = CardClaimSerializer(many=True)
    claim_count = serializers.IntegerField()
    can_correct = serializers.BooleanField()
