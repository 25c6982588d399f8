"""Shapes of watchlists (``/api/watchlists/``) and their hits."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from annotations.api.serializers import VisibleRelatedField, id_field
from annotations.lib.searchquery import MAX_QUERY_CHARS
from annotations.models import Team, Watchlist, WatchlistHit
from annotations.selectors.watchlists import search_params
from annotations.services.watchlist_edits import MAX_ENTITIES, MAX_NAME_CHARS

PARAMS_HELP = (
    "The search's facets as the search page takes them: outlet (ids), entity (ids), "
    "published_from and published_to (dates), kind (must include article). Annotation facets "
    "(tag, assessment, review, dispute, author) are refused: a watchlist watches new articles."
)


class WatchedEntitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class WatchlistSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(
        source="team_id", read_only=True, allow_null=True, help_text="null: yours alone"
    )
    team_name = serializers.SerializerMethodField()
    params = serializers.JSONField(read_only=True, help_text=PARAMS_HELP)
    entities = WatchedEntitySerializer(many=True, read_only=True)
    hit_count = serializers.IntegerField(read_only=True, default=0)
    last_hit_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)
    search_url = serializers.SerializerMethodField(
        help_text="The search page showing this saved search (empty for entities)"
    )

    class Meta:
        model = Watchlist
        fields = [
            "id",
            "name",
            "kind",
            "team",
            "team_name",
            "query",
            "params",
            "entities",
            "paused",
            "email_digest",
            "hit_count",
            "last_hit_at",
            "search_url",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_team_name(self, watchlist: Watchlist) -> str | None:
        return watchlist.team.name if watchlist.team_id and watchlist.team else None

    def get_search_url(self, watchlist: Watchlist) -> str:
        query = search_params(watchlist)
        return f"/search/?{query}" if query else ""


class WatchlistCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_NAME_CHARS)
    team = VisibleRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The team whose members all hear of its hits; omit or null for yours alone",
    )
    query = serializers.CharField(
        max_length=MAX_QUERY_CHARS, required=False, allow_blank=True, default=""
    )
    params = serializers.JSONField(required=False, default=dict, help_text=PARAMS_HELP)
    entities = serializers.ListField(
        child=id_field(), required=False, default=list, max_length=MAX_ENTITIES
    )
    paused = serializers.BooleanField(required=False, default=False)
    email_digest = serializers.BooleanField(
        required=False, default=False, help_text="Include its hits in your daily e-mail digest"
    )


class WatchlistUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_NAME_CHARS, required=False)
    query = serializers.CharField(max_length=MAX_QUERY_CHARS, required=False)
    params = serializers.JSONField(required=False, help_text=PARAMS_HELP)
    entities = serializers.ListField(
        child=id_field(), required=False, min_length=1, max_length=MAX_ENTITIES
    )
    paused = serializers.BooleanField(required=False)
    email_digest = serializers.BooleanField(required=False)


class HitArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    outlet = serializers.CharField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, article: Any) -> dict[str, Any]:
        return {
            "id": article.pk,
            "title": article.title,
            "outlet": article.outlet.name if article.outlet else None,
            "published_at": serializers.DateTimeField().to_representation(article.published_at)
            if article.published_at
            else None,
        }


class WatchlistHitSerializer(serializers.ModelSerializer):
    article = HitArticleSerializer(read_only=True)
    url = serializers.SerializerMethodField(help_text="The reader's page of the article")

    class Meta:
        model = WatchlistHit
        fields = ["id", "watchlist", "article", "matched_on", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, hit: WatchlistHit) -> str:
        return f"/articles/{hit.article_id}/"
