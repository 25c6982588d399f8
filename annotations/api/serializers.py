"""API representations. Reads are plain and fast; writes validate shape here and rules in
the services (which raise field-named errors that the exception handler turns into 400s).

Ids in request bodies resolve only among objects the user can see, so another team's id reads
as "does not exist", exactly like an id that never existed.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from annotations.api.suggestion_detail_serializers import SuggestionDetailsSerializer
from annotations.lib.markdown import markdown_html
from annotations.models import (
    MAX_ID,
    Annotation,
    Article,
    ArticleRevision,
    Entity,
    Membership,
    Mention,
    Outlet,
    Reply,
    Review,
    Tag,
    Team,
)
from annotations.rows import user_dict

User = get_user_model()


# A list of ids in a body (tags, say) is refused past this length before any id is looked up:
# each id costs a query, and a body of 100,000 ids would hold a worker for minutes.
MAX_RELATED_IDS = 100


class BoundedManyRelatedField(serializers.ManyRelatedField):
    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list) and len(data) > MAX_RELATED_IDS:
            raise serializers.ValidationError(f"At most {MAX_RELATED_IDS} ids.")
        return list(super().to_internal_value(data))


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key that resolves only among objects visible to the requesting user."""

    def get_queryset(self) -> Any:
        queryset: Any = cast(Any, self).queryset  # a manager with visible_to(), not in the stubs
        return queryset.visible_to(self.context["request"].user)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> BoundedManyRelatedField:
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS})
        return BoundedManyRelatedField(**list_kwargs)


# --- People and teams -----------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)

    def to_representation(self, user: Any) -> dict[str, Any]:
        if isinstance(user, dict):  # already in this shape (selectors.oversight makes them)
            return {"id": user["id"], "username": user["username"], "name": user["name"]}
        return user_dict(user)


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "role", "blind_default", "refetch_hours", "created_at"]
        read_only_fields = ["slug", "blind_default", "refetch_hours", "created_at"]


class TeamUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    blind_default = serializers.BooleanField(
        required=False,
        help_text="New articles start in blind mode (owners only); articles already in the "
        "team keep theirs.",
    )
    refetch_hours = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=24 * 30),
        max_length=8,
        required=False,
        help_text="Silent edits: hours after a URL import at which the page is fetched again, "
        "increasing (owners); [] for never. Default [1, 6, 24, 72].",
    )


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False, allow_blank=True)


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)
    username = serializers.CharField(write_only=True, max_length=150)
    team = VisibleRelatedField(queryset=Team.objects.all())

    class Meta:
        model = Membership
        fields = ["id", "team", "user", "username", "role", "created_at"]
        read_only_fields = ["created_at"]


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


# --- Articles --------------------------------------------------------------------------------


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "name", "domain"]


class ArticleSerializer(serializers.ModelSerializer):
    outlet = OutletSerializer(read_only=True, allow_null=True)
    # Not a URLField: the schema would promise a URI, and an article without one has "".
    url = serializers.CharField(read_only=True, help_text="The original page, or empty.")
    annotation_count = serializers.IntegerField(
        read_only=True,
        help_text="What the reader's list shows you by default: visible annotations, pending "
        "model suggestions included, the trash and rejected suggestions not",
    )
    suggestion_count = serializers.IntegerField(
        read_only=True, help_text="Of annotation_count, the model's suggestions nobody handled"
    )
    mention_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "team",
            "title",
            "outlet",
            "url",
            "authors",
            "published_at",
            "language",
            "revision",
            "nlp_status",
            "blind",
            "edited_after_import",
            "annotation_count",
            "suggestion_count",
            "mention_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    imported_by = UserSerializer(read_only=True, allow_null=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "text_sha256", "imported_by"]
        read_only_fields = fields


class ArticleImportedSerializer(ArticleDetailSerializer):
    job = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The NER job queued for a new article"
    )

    class Meta(ArticleDetailSerializer.Meta):
        fields = [*ArticleDetailSerializer.Meta.fields, "job"]
        read_only_fields = fields


class ArticleCreateSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    text = serializers.CharField(trim_whitespace=False)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    outlet = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=50
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    language = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 639-1 code; detected from the text when left out.",
    )


class ArticleUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    text = serializers.CharField(required=False, trim_whitespace=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    blind = serializers.BooleanField(
        required=False,
        help_text="Blind annotation (owners only): analysts see teammates' work on the article "
        "only after submitting their own.",
    )


class ImportHtmlSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    html = serializers.CharField(required=False, trim_whitespace=False)
    file = serializers.FileField(required=False)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("html") and not attrs.get("file"):
            raise serializers.ValidationError({"html": "Give the page as `html` or as `file`."})
        return attrs


class ImportUrlSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    url = serializers.CharField(max_length=2000)


class ImportJsonlSerializer(serializers.Serializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    file = serializers.FileField()


ERRORS_HELP = (
    "The first 100 errors, by position in the file; `error_count` counts them all and "
    "`errors_truncated` says whether some were left out."
)


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line's number, from 1.")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    lines = serializers.IntegerField(help_text="The number of the last line read.")
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Lines whose article the team already has.")
    errors = ImportErrorSerializer(many=True, help_text=ERRORS_HELP)
    error_count = serializers.IntegerField(help_text="How many lines were bad, in all.")
    errors_truncated = serializers.BooleanField(help_text="More than 100 errors: not all shown.")
    article_ids = serializers.ListField(child=serializers.IntegerField())
    job = serializers.IntegerField(allow_null=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    article = ArticleDetailSerializer()
    job = serializers.IntegerField(allow_null=True)


class RevisionSerializer(serializers.ModelSerializer):
    created_by = UserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ArticleRevision
        fields = ["number", "text_sha256", "created_by", "note", "created_at"]
        read_only_fields = fields


class RevisionDetailSerializer(RevisionSerializer):
    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "text"]
        read_only_fields = fields


# --- Entities and mentions -------------------------------------------------------------------


class EntitySerializer(serializers.ModelSerializer):
    mention_count = serializers.IntegerField(read_only=True)
    article_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "description",
            "wikidata_id",
            "gazetteer_id",
            "aliases",
            "merged_into",
            "mention_count",
            "article_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["team", "gazetteer_id", "merged_into", "created_at", "updated_at"]

    def validate_aliases(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
            raise serializers.ValidationError("A list of names.")
        if len(value) > 100 or any(len(a) > 300 for a in value):
            raise serializers.ValidationError("At most 100 names of 300 characters.")
        if any("\x00" in a for a in value):
            raise serializers.ValidationError("A name may not contain the NUL character.")
        return [a.strip() for a in value if a.strip()]

    def validate_wikidata_id(self, value: str) -> str:
        import re

        if value and not re.fullmatch(r"Q[1-9][0-9]*", value):
            raise serializers.ValidationError("A Wikidata id looks like Q7747.")
        return value


class EntityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


def id_field() -> serializers.IntegerField:
    """An object's id in a list of ids: bounded, for a bigger number would reach the database
    driver (in a ``pk__in`` lookup, which Django does not range-check) and fail there."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID)


class EntityMergeSerializer(serializers.Serializer):
    others = serializers.ListField(child=id_field(), min_length=1, max_length=100)


class EntitySplitSerializer(serializers.Serializer):
    mentions = serializers.ListField(child=id_field(), min_length=1, max_length=10000)
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Entity.Kind.choices)


class MentionSerializer(serializers.ModelSerializer):
    entity = EntityRefSerializer(read_only=True)

    class Meta:
        model = Mention
        fields = [
            "id",
            "article",
            "entity",
            "start",
            "end",
            "text",
            "label",
            "origin",
            "confidence",
            "rejected",
        ]
        read_only_fields = fields


class MentionCreateSerializer(serializers.Serializer):
    article = VisibleRelatedField(queryset=Article.objects.all())
    entity = VisibleRelatedField(queryset=Entity.objects.all())
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)


class MentionUpdateSerializer(serializers.Serializer):
    entity = VisibleRelatedField(queryset=Entity.objects.all())


# --- Tags --------------------------------------------------------------------------------------


class TagSerializer(serializers.ModelSerializer):
    team = VisibleRelatedField(queryset=Team.objects.all())
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", max_length=7, required=False)

    class Meta:
        model = Tag
        fields = ["id", "team", "name", "slug", "colour", "kind", "description", "position"]
        extra_kwargs = {"slug": {"required": False, "allow_blank": True}}
        # Uniqueness of (team, slug) is checked by the service, with a clearer message.
        validators: list[object] = []


# --- Annotations -----------------------------------------------------------------------------


class TagRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    colour = serializers.CharField()
    kind = serializers.CharField()


class AnnotationSerializer(serializers.Serializer):
    """The read shape. ``to_representation`` builds it directly: a list of 1,000 annotations
    is the reader's hot path, and DRF's per-field machinery would dominate its time."""

    id = serializers.IntegerField()
    team = serializers.IntegerField()
    article = serializers.IntegerField()
    article_revision = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Code point offset into the article text")
    end = serializers.IntegerField(help_text="Code point offset (exclusive)")
    exact = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    suffix = serializers.CharField(allow_blank=True)
    tags = TagRefSerializer(many=True)
    comment = serializers.CharField(allow_blank=True, help_text="Markdown source")
    comment_html = serializers.CharField(
        allow_blank=True,
        help_text="The comment's Markdown as HTML, sanitised with nh3 (links, emphasis, lists; "
        "no raw HTML; links carry rel=noopener noreferrer nofollow)",
    )
    assessment = serializers.ChoiceField(choices=Annotation.Assessment.choices)
    credibility = serializers.CharField(
        allow_blank=True,
        help_text='Admiralty information credibility "1" to "6" of a claim; "" = not graded',
    )
    attributed_to = serializers.IntegerField(allow_null=True)
    attributed_to_entity = EntityRefSerializer(allow_null=True)
    author = UserSerializer()
    visibility = serializers.ChoiceField(choices=Annotation.Visibility.choices)
    anchor_state = serializers.ChoiceField(choices=Annotation.AnchorState.choices)
    origin = serializers.ChoiceField(choices=Annotation.Origin.choices)
    suggestion_state = serializers.ChoiceField(choices=Annotation.SuggestionState.choices)
    review_state = serializers.ChoiceField(choices=Annotation.ReviewState.choices)
    suggestion_rule = serializers.CharField(
        allow_blank=True, help_text="A model suggestion's rule: pattern and cue word"
    )
    suggestion_confidence = serializers.FloatField(
        allow_null=True, help_text="A model suggestion's confidence, 0 to 1"
    )
    reply_count = serializers.IntegerField()
    suggestion_details = SuggestionDetailsSerializer(
        allow_null=True,
        help_text="What the model said about its suggestion (null for analysts' work): the "
        "speaker and why it was chosen, the reporter of a chain, the stance.",
    )
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    modified_at = serializers.DateTimeField()

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        return row  # rows come from annotation_dicts(); this class documents their shape


class AnnotationWriteSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0, max_value=10_000_000)
    end = serializers.IntegerField(min_value=1, max_value=10_000_000)
    exact = serializers.CharField(required=False, trim_whitespace=False, max_length=1_000_000)
    tags = VisibleRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    assessment = serializers.ChoiceField(choices=Annotation.Assessment.choices, required=False)
    attributed_to = VisibleRelatedField(
        queryset=Annotation.objects.all(), required=False, allow_null=True
    )
    attributed_to_entity = VisibleRelatedField(
        queryset=Entity.objects.all(), required=False, allow_null=True
    )
    visibility = serializers.ChoiceField(choices=Annotation.Visibility.choices, required=False)


class AnnotationCreateSerializer(AnnotationWriteSerializer):
    article = VisibleRelatedField(queryset=Article.objects.all())


class AnnotationUpdateSerializer(AnnotationWriteSerializer):
    start = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False)
    end = serializers.IntegerField(min_value=1, max_value=10_000_000, required=False)


# --- Discussion and review -------------------------------------------------------------------


class ReplySerializer(serializers.ModelSerializer):
    author = UserSerializer(read_only=True)
    annotation = VisibleRelatedField(queryset=Annotation.objects.all())
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Reply.objects.all(), required=False, allow_null=True
    )

    text_html = serializers.SerializerMethodField(
        help_text="The reply's Markdown as HTML, sanitised with nh3"
    )

    class Meta:
        model = Reply
        fields = [
            "id",
            "annotation",
            "parent",
            "author",
            "text",
            "text_html",
            "created_at",
            "modified_at",
        ]
        read_only_fields = ["created_at", "modified_at"]
        extra_kwargs = {"text": {"max_length": 10_000}}

    def get_text_html(self, reply: Reply) -> str:
        return markdown_html(reply.text)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A parent on another annotation answers exactly like an id that does not exist, so
        # that a reply id of another team cannot be told from a missing one.
        parent = attrs.get("parent")
        annotation = attrs.get("annotation")
        if parent is not None and annotation is not None and parent.annotation_id != annotation.pk:
            field = self.fields["parent"]
            raise serializers.ValidationError(
                {"parent": [field.error_messages["does_not_exist"].format(pk_value=parent.pk)]}
            )
        return attrs


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = UserSerializer(read_only=True)
    annotation = VisibleRelatedField(queryset=Annotation.objects.all())

    class Meta:
        model = Review
        fields = ["id", "annotation", "reviewer", "verdict", "note", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"note": {"max_length": 10_000, "required": False}}
