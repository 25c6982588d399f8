"""Response and request shapes of jobs, notifications, events, submissions and the team's
annotation exports and imports: what happens around the annotations rather than the
annotations."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import ERRORS_HELP, UserSerializer, id_field
from annotations.models import (
    Event,
    Job,
    Notification,
)

# --- Jobs --------------------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "team",
            "kind",
            "status",
            "total",
            "done",
            "progress",
            "message",
            "errors",
            "result",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    actor = UserSerializer(read_only=True, allow_null=True)
    article = serializers.SerializerMethodField(
        help_text="The article of the annotation, or the article a watchlist matched"
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "annotation", "article", "text", "created_at", "read_at"]
        read_only_fields = fields

    def get_article(self, note: Notification) -> int | None:
        return note.annotation.article_id if note.annotation is not None else note.article_id


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=id_field(), required=False, max_length=1000)


class NotificationReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class ArticleSubmitSerializer(serializers.Serializer):
    nothing_to_add = serializers.BooleanField(
        default=False,
        help_text="You read the article and have no annotation to submit (counted in agreement)",
    )


class ArticleSubmitResultSerializer(serializers.Serializer):
    submitted = serializers.IntegerField()


class EventSerializer(serializers.ModelSerializer):
    actor = UserSerializer(read_only=True, allow_null=True)
    client = serializers.SerializerMethodField(
        help_text="The `X-Client-Id` of the request that made the change, shown to its actor "
        "only (null for everyone else): a browser tab skips the events it caused itself."
    )

    class Meta:
        model = Event
        fields = ["id", "kind", "article", "annotation", "actor", "client", "summary", "created_at"]
        read_only_fields = fields

    def get_client(self, event: Event) -> str | None:
        # context["viewer"]: the id of the user the events are for.
        viewer = self.context.get("viewer")
        if viewer is None or event.actor_id != viewer or not event.client:
            return None
        return event.client


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    last = serializers.IntegerField()


# --- Team exports and imports of annotations (annotations/services/exports.py) -----------------

# The same as exports.FORMATS (tests/api/test_exports.py checks that they stay equal).
ANNOTATION_EXPORT_FORMATS = ["csv", "jsonl", "jsonld", "spacy"]
# What the export offers: the formats above, and the spaCy data as a DocBin (binary, not
# importable).
EXPORT_DOWNLOADS = [*ANNOTATION_EXPORT_FORMATS, "docbin"]


class AnnotationImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A file exported from NewsNotes in `format`.")
    format = serializers.ChoiceField(choices=ANNOTATION_EXPORT_FORMATS)


class AnnotationImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="The CSV row (the header is row 1), the line of a JSON Lines or spaCy file, "
        "or the item's position (from 1) in a JSON-LD collection."
    )
    message = serializers.CharField()


class AnnotationImportReportSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ANNOTATION_EXPORT_FORMATS)
    records = serializers.IntegerField(help_text="Rows, lines or items read.")
    created = serializers.IntegerField(help_text="Annotations created.")
    skipped = serializers.IntegerField(help_text="Annotations already in the team, not created.")
    errors = AnnotationImportErrorSerializer(many=True, help_text=ERRORS_HELP)
    error_count = serializers.IntegerField(help_text="How many errors there were, in all.")
    errors_truncated = serializers.BooleanField(help_text="More than 100 errors: not all shown.")
    annotation_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The created annotations."
    )
    notes_created = serializers.IntegerField(
        help_text="Page notes created (JSON-LD items whose target is a whole article)."
    )
