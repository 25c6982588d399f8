"""The search's parameters, read and checked once for the search page and for
``GET /api/search/``: the query, the kinds, the facets, the page. Every facet value must be one
the user could see; an unknown one (another team's tag, an entity id that is not theirs) is an
error that names the field, worded the same whether the value exists elsewhere or nowhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict

from annotations.lib.searchquery import MAX_QUERY_CHARS, QueryError, parse
from annotations.models import Annotation, Article, Entity, Membership, Tag
from annotations.nlp.hedges import STRENGTHS
from annotations.selectors.grading import is_grade_value
from annotations.selectors.search import (
    DISPUTE_LABELS,
    KINDS,
    MAX_FACET_CHOICES,
    MAX_OFFSET,
    MAX_PAGE,
    Filters,
)

LIST_FIELDS = (
    "kind",
    "outlet",
    "tag",
    "entity",
    "assessment",
    "review",
    "dispute",
    "author",
    "hedge",
    "grade",
)


class _Many(forms.Field):
    """Repeated query parameters (``?tag=a&tag=b``), at most MAX_FACET_CHOICES of them."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = [str(v).strip() for v in (value or []) if str(v).strip()]
        if len(values) > MAX_FACET_CHOICES:
            raise forms.ValidationError(f"At most {MAX_FACET_CHOICES} values.")
        if any(len(v) > 200 for v in values):
            raise forms.ValidationError("A value has at most 200 characters.")
        return values


def _ids(values: list[str]) -> list[int]:
    out = []
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise forms.ValidationError(f"{value!r} is not an id.")
        out.append(int(value))
    return out


class SearchForm(forms.Form):
    q = forms.CharField(max_length=MAX_QUERY_CHARS, strip=True)
    kind = _Many(required=False)
    outlet = _Many(required=False)
    published_from = forms.DateField(required=False)
    published_to = forms.DateField(required=False)
    edited = forms.BooleanField(required=False)  # "edited after import" (silent edits)
    tag = _Many(required=False)
    entity = _Many(required=False)
    assessment = _Many(required=False)
    review = _Many(required=False)
    dispute = _Many(required=False)
    author = _Many(required=False)
    hedge = _Many(required=False)
    grade = _Many(required=False)  # Admiralty grades: "B2"; a part not graded is an en dash
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    offset = forms.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET)

    def __init__(self, data: QueryDict | dict[str, Any], *, user: Any) -> None:
        if isinstance(data, QueryDict):
            plain: dict[str, Any] = {k: data.get(k) for k in data if k not in LIST_FIELDS}
            plain.update({k: data.getlist(k) for k in LIST_FIELDS if k in data})
            data = plain
        # "prefix" (the last word matches as a prefix) is not a form field: Form.prefix is
        # Django's own attribute.
        self.prefix_words = str(data.get("prefix", "")).lower() in {"1", "true", "on", "yes"}
        super().__init__(data)
        self.user = user

    def _known(self, name: str, values: list[Any], allowed: set[Any]) -> list[Any]:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise forms.ValidationError(f"Unknown {name}: {', '.join(map(str, unknown[:5]))}.")
        return values

    def clean_q(self) -> str:
        q = self.cleaned_data["q"]
        try:
            parse(q)
        except QueryError as exc:
            raise forms.ValidationError(str(exc)) from None
        return q

    def clean_kind(self) -> list[str]:
        return self._known("kind", self.cleaned_data["kind"], set(KINDS))

    def clean_outlet(self) -> list[int]:
        ids = _ids(self.cleaned_data["outlet"])
        seen = set(
            Article.objects.visible_to(self.user)
            .filter(outlet_id__in=ids)
            .values_list("outlet_id", flat=True)
        )
        return self._known("outlet", ids, seen)

    def clean_tag(self) -> list[str]:
        slugs = self.cleaned_data["tag"]
        seen = set(
            Tag.objects.visible_to(self.user).filter(slug__in=slugs).values_list("slug", flat=True)
        )
        return self._known("tag", slugs, seen)

    def clean_entity(self) -> list[int]:
        ids = _ids(self.cleaned_data["entity"])
        seen = set(
            Entity.objects.visible_to(self.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        return self._known("entity", ids, seen)

    def clean_assessment(self) -> list[str]:
        return self._known(
            "assessment", self.cleaned_data["assessment"], set(Annotation.Assessment.values)
        )

    def clean_review(self) -> list[str]:
        return self._known(
            "review state", self.cleaned_data["review"], set(Annotation.ReviewState.values)
        )

    def clean_dispute(self) -> list[str]:
        return self._known("dispute outcome", self.cleaned_data["dispute"], set(DISPUTE_LABELS))

    def clean_author(self) -> list[str]:
        names = self.cleaned_data["author"]
        teams = Membership.objects.filter(user=self.user).values("team_id")
        seen = set(
            get_user_model()
            .objects.filter(username__in=names, memberships__team_id__in=teams)
            .values_list("username", flat=True)
        )
        return self._known("author", names, seen)

    def clean_hedge(self) -> list[str]:
        return self._known("hedge strength", self.cleaned_data["hedge"], set(STRENGTHS))

    def clean_grade(self) -> list[str]:
        values = self.cleaned_data["grade"]
        return self._known("grade", values, {v for v in values if is_grade_value(v)})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("published_from"), data.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", "The end of the range is before its start.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            outlet=data["outlet"],
            published_from=data["published_from"],
            published_to=data["published_to"],
            tag=data["tag"],
            entity=data["entity"],
            assessment=data["assessment"],
            review=data["review"],
            dispute=data["dispute"],
            author=data["author"],
            grade=data["grade"],
            edited=bool(data.get("edited")),
            hedge=data["hedge"],
        )

    def search_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "filters": self.filters(),
            "kinds": tuple(data["kind"]) or KINDS,
            "prefix": self.prefix_words,
            "limit": data["limit"] or 10,
            "offset": data["offset"] or 0,
        }
