"""Feeds and archived fetches: their request and response shapes."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import VisibleRelatedField
from annotations.models import ArchiveRecord, Feed, Team


class FeedSerializer(serializers.ModelSerializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    interval_minutes = serializers.IntegerField(
        required=False, help_text="Minutes between polls, 5 to 10,080 (a week)."
    )
    poll_job = serializers.SerializerMethodField(help_text="The latest poll's job id, if any.")

    class Meta:
        model = Feed
        fields = [
            "id",
            "team",
            "url",
            "title",
            "interval_minutes",
            "paused",
            "version",
            "status",
            "consecutive_failures",
            "last_poll_at",
            "next_poll_at",
            "items_found",
            "items_imported",
            "last_error",
            "poll_job",
            "created_at",
        ]
        read_only_fields = [
            "version",
            "status",
            "consecutive_failures",
            "last_poll_at",
            "next_poll_at",
            "items_found",
            "items_imported",
            "last_error",
            "created_at",
        ]
        validators: list[object] = []  # (team, url) uniqueness: the service says it better

    def get_poll_job(self, feed: Feed) -> int | None:
        return feed.poll_job_id


class FeedUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    interval_minutes = serializers.IntegerField(required=False)
    paused = serializers.BooleanField(required=False)


class OpmlImportSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    file = serializers.FileField(help_text="An OPML file (at most 1 MB).")


class OpmlErrorSerializer(serializers.Serializer):
    url = serializers.CharField()
    message = serializers.CharField()


class OpmlImportReportSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    existing = serializers.IntegerField()
    errors = OpmlErrorSerializer(many=True)


class ArchiveRecordSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveRecord
        fields = [
            "id",
            "team",
            "article",
            "url",
            "final_url",
            "status",
            "content_type",
            "fetched_at",
            "sha256",
            "size",
            "truncated",
            "record_bytes",
            "download",
        ]

    def get_download(self, record: ArchiveRecord) -> str:
        return f"/api/archive/{record.pk}/download/"
