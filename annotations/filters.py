"""FilterSets for the API's list endpoints."""

from __future__ import annotations

import re
from typing import Any

import django_filters as df
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Expression, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from annotations.models import (
    MAX_ID,
    Annotation,
    ArchiveRecord,
    Article,
    Entity,
    Feed,
    Job,
    Membership,
    Mention,
    Notification,
    Reply,
    Review,
    SourceGrade,
    Tag,
)
from annotations.models.grading import Credibility, Reliability

NOT_GRADED = "none"


class AsciiIntegerField(forms.IntegerField):
    """Digits 0-9 only: Python's int() also reads "٣" and "1_000", which no client means."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not re.fullmatch(r"\s*-?[0-9]{1,20}\s*", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(df.Filter):
    """An object's id: a whole number from 1 to MAX_ID, else a 400 naming the filter. (A bigger
    number would reach the database driver and fail there, with a 500.)"""

    field_class = AsciiIntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UserFilter(df.FilterSet):
    team = IdFilter(field_name="memberships__team")

    class Meta:
        model = get_user_model()
        fields = ["team"]


class MembershipFilter(df.FilterSet):
    class Meta:
        model = Membership
        fields = ["team", "role"]


class ArticleFilter(df.FilterSet):
    q = df.CharFilter(method="search", label="Words in the title or text")
    outlet = IdFilter(field_name="outlet")
    published_after = df.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = df.IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")
    entity = IdFilter(method="with_entity", label="Articles that mention this entity")
    tag = df.CharFilter(
        method="with_tag", label="Articles with annotations of this tag (id or slug)"
    )

    edited_after_import = df.BooleanFilter(
        field_name="edited_after_import",
        label="Edited at the source after import (silent edits)",
    )

    class Meta:
        model = Article
        fields = ["team", "language", "nlp_status"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:10]:
            queryset = queryset.filter(Q(title__icontains=word) | Q(text__icontains=word))
        return queryset

    def with_entity(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            pk__in=Mention.objects.filter(entity_id=value, rejected=False).values("article_id")
        )

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tags = (
            Tag.objects.filter(pk=int(value))
            if value.isdecimal()
            else Tag.objects.filter(slug=value)
        )
        user = self.request.user if self.request is not None else None
        annotations = Annotation.objects.filter(tags__in=tags).filter(
            Q(visibility=Annotation.Visibility.TEAM) | Q(author=user)
        )
        return queryset.filter(pk__in=annotations.values("article_id"))


class EntityFilter(df.FilterSet):
    q = df.CharFilter(method="search", label="Name or alias contains")
    article = IdFilter(method="in_article", label="Entities mentioned in this article")

    class Meta:
        model = Entity
        fields = ["team", "kind", "wikidata_id"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # aliases is JSON: a text match on its serialised form works on SQLite and PostgreSQL.
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))

    def in_article(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(
            pk__in=Mention.objects.filter(article_id=value, rejected=False).values("entity_id")
        )


class MentionFilter(df.FilterSet):
    class Meta:
        model = Mention
        fields = ["article", "entity", "label", "origin", "rejected"]


class TagFilter(df.FilterSet):
    class Meta:
        model = Tag
        fields = ["team", "kind"]


def source_reliability() -> Expression:
    """An annotation's source's current Admiralty reliability, in SQL: the team's grade of the
    entity it is attributed to if that is graded, else of its article's outlet, else ""
    (selectors/grading.py ``Grades.of`` in Python)."""
    now = timezone.now()
    live = SourceGrade.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def latest(**source: Any) -> Subquery:
        rows = live.filter(team_id=OuterRef("team_id"), **source).order_by("-id")
        return Subquery(rows.values("reliability")[:1])

    return Coalesce(
        NullIf(latest(entity_id=OuterRef("attributed_to_entity_id")), Value("")),
        NullIf(latest(outlet_id=OuterRef("article__outlet_id")), Value("")),
        Value(""),
    )


class AnnotationFilter(df.FilterSet):
    tag = df.CharFilter(method="with_tag", label="Tag id or slug")
    entity = IdFilter(field_name="attributed_to_entity", label="Attributed to this entity")
    created_after = df.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = df.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = df.CharFilter(method="search", label="Words in the quote or the comment")
    attributed_to = IdFilter(field_name="attributed_to__id", label="Claims resting on this source")
    # A plain id: a model-choice filter would load the article, text and all, to validate it.
    article = IdFilter(field_name="article_id")
    suggestions = df.BooleanFilter(
        method="with_suggestions",
        label="Include pending and rejected model suggestions (default: only accepted work)",
    )
    credibility = df.ChoiceFilter(
        method="with_credibility",
        choices=[*Credibility.choices, (NOT_GRADED, "Not graded")],
        label="Admiralty information credibility 1-6, or none",
    )
    reliability = df.ChoiceFilter(
        method="with_reliability",
        choices=[*Reliability.choices, (NOT_GRADED, "Not graded")],
        label="The current Admiralty reliability (A-F, or none) of the claim's source: the "
        "entity it is attributed to if graded, else its article's outlet",
    )

    class Meta:
        model = Annotation
        fields = [
            "article",
            "team",
            "author",
            "assessment",
            "review_state",
            "visibility",
            "anchor_state",
            "origin",
            "suggestion_state",
            "attributed_to",
        ]

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value.isdecimal():
            return queryset.filter(tags__id=int(value))
        return queryset.filter(tags__slug=value)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:10]:
            queryset = queryset.filter(Q(exact__icontains=word) | Q(comment__icontains=word))
        return queryset

    def with_suggestions(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset

    def with_credibility(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(credibility="" if value == NOT_GRADED else value)

    def with_reliability(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        letter = "" if value == NOT_GRADED else value
        return queryset.alias(source_reliability=source_reliability()).filter(
            source_reliability=letter
        )

    @property
    def qs(self) -> Any:
        queryset = super().qs
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        if not data.get("suggestions") and not data.get("suggestion_state"):
            queryset = queryset.exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        return queryset


# Annotation has a field named "exact", so a default FK filter's "annotation__exact" lookup
# would compare the quote instead of the id: filter on "annotation__id" explicitly.
class ReplyFilter(df.FilterSet):
    annotation = IdFilter(field_name="annotation__id")

    class Meta:
        model = Reply
        fields = ["annotation", "author"]


class ReviewFilter(df.FilterSet):
    annotation = IdFilter(field_name="annotation__id")

    class Meta:
        model = Review
        fields = ["annotation", "verdict", "reviewer"]


class NotificationFilter(df.FilterSet):
    unread = df.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread")

    class Meta:
        model = Notification
        fields = ["kind"]


class JobFilter(df.FilterSet):
    class Meta:
        model = Job
        fields = ["team", "status", "kind"]


class FeedFilter(df.FilterSet):
    team = IdFilter()

    class Meta:
        model = Feed
        fields = ["team", "status", "paused"]


class ArchiveRecordFilter(df.FilterSet):
    team = IdFilter()
    article = IdFilter()

    class Meta:
        model = ArchiveRecord
        fields = ["team", "article"]
