"""Shapes of page notes (``/api/notes/``): a note on a whole article, and its versions."""

from __future__ import annotations

from rest_framework import serializers

from annotations.api.serializers import UserSerializer, VisibleRelatedField
from annotations.lib.markdown import markdown_html
from annotations.models import Article, ArticleNote, ArticleNoteVersion
from annotations.models.notes import MAX_NOTE_CHARS


class ArticleNoteSerializer(serializers.ModelSerializer):
    article = VisibleRelatedField(queryset=Article.objects.all())
    author = UserSerializer(read_only=True)
    text = serializers.CharField(max_length=MAX_NOTE_CHARS, help_text="Markdown")
    text_html = serializers.SerializerMethodField(
        help_text="The note's Markdown as HTML, sanitised with nh3"
    )
    visibility = serializers.ChoiceField(
        choices=ArticleNote.Visibility.choices, default=ArticleNote.Visibility.TEAM
    )

    class Meta:
        model = ArticleNote
        fields = [
            "id",
            "article",
            "author",
            "text",
            "text_html",
            "visibility",
            "version",
            "created_at",
            "modified_at",
        ]
        read_only_fields = ["version", "created_at", "modified_at"]

    def get_text_html(self, note: ArticleNote) -> str:
        return markdown_html(note.text)


class ArticleNoteUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_NOTE_CHARS, required=False)
    visibility = serializers.ChoiceField(choices=ArticleNote.Visibility.choices, required=False)


class ArticleNoteVersionSerializer(serializers.ModelSerializer):
    actor = UserSerializer(read_only=True, allow_null=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = ArticleNoteVersion
        fields = ["number", "action", "action_label", "text", "visibility", "actor", "created_at"]
        read_only_fields = fields
