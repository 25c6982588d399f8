"""The flat record that CSV rows and JSON Lines share: one annotation as the fields
``EXPORT_FIELDS``, and the readers of those fields in an imported record.

The record carries the annotation's discussion and review: ``replies`` (each ``{"id",
"parent", "author", "text", "created_at"}``, ``parent`` the id of the reply it answers or null)
and ``reviews`` (each ``{"id", "reviewer", "verdict", "note", "created_at"}``), oldest first.
The importer reads neither: a discussion belongs to the team it happened in.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError

from annotations.models import Annotation

EXPORT_FIELDS = (
    "id",
    "article_url",
    "article_sha256",
    "article_title",
    "start",
    "end",
    "exact",
    "prefix",
    "suffix",
    "tags",
    "comment",
    "assessment",
    "source_reliability",
    "credibility",
    "review_state",
    "visibility",
    "author",
    "attributed_to",
    "attributed_to_entity",
    "attributed_to_entity_wikidata",
    "created_at",
    "modified_at",
    "replies",
    "reviews",
)
WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")
# At most 18 digits: that stays inside a signed 64-bit integer.
_WHOLE = re.compile(r"[0-9]{1,18}")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def replies_of(annotation: Annotation) -> list[dict[str, Any]]:
    """The annotation's replies as the record's ``replies`` (``replies`` and their authors
    loaded, oldest first)."""
    return [
        {
            "id": reply.pk,
            "parent": reply.parent_id,
            "author": reply.author.get_username(),
            "text": reply.text,
            "created_at": _iso(reply.created_at),
        }
        for reply in annotation.replies.all()
    ]


def reviews_of(annotation: Annotation) -> list[dict[str, Any]]:
    """The annotation's verdicts and review notes as the record's ``reviews`` (``reviews``
    and their reviewers loaded, oldest first)."""
    return [
        {
            "id": review.pk,
            "reviewer": review.reviewer.get_username(),
            "verdict": review.verdict,
            "note": review.note,
            "created_at": _iso(review.created_at),
        }
        for review in annotation.reviews.all()
    ]


def export_record(
    annotation: Annotation, *, exported: Container[int], reliability: str = ""
) -> dict[str, Any]:
    """One annotation as the fields ``EXPORT_FIELDS`` (JSON Lines' shape). Its source
    annotation is named only if it is ``exported`` (not a teammate's private note). The
    annotation needs ``article``, ``author``, ``attributed_to_entity``, ``tags``, ``replies``
    and ``reviews`` (with their authors) loaded (``exports.exportable_annotations``).
    ``reliability`` is the team's current Admiralty grade of the claim's source (A-F, or "")."""
    article, entity = annotation.article, annotation.attributed_to_entity
    source_id = annotation.attributed_to_id
    return {
        "id": annotation.pk,
        "article_url": article.url,
        "article_sha256": article.text_sha256,
        "article_title": article.title,
        "start": annotation.start,
        "end": annotation.end,
        "exact": annotation.exact,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "tags": [tag.slug for tag in annotation.tags.all()],
        "comment": annotation.comment,
        "assessment": annotation.assessment,
        "source_reliability": reliability,
        "credibility": annotation.credibility,
        "review_state": annotation.review_state,
        "visibility": annotation.visibility,
        "author": annotation.author.get_username(),
        "attributed_to": source_id if source_id in exported else None,
        "attributed_to_entity": entity.name if entity else "",
        "attributed_to_entity_wikidata": entity.wikidata_id if entity else "",
        "created_at": _iso(annotation.created_at),
        "modified_at": _iso(annotation.modified_at),
        "replies": replies_of(annotation),
        "reviews": reviews_of(annotation),
    }


def export_records(annotations: Iterable[Annotation]) -> list[dict[str, Any]]:
    """``export_record`` of each annotation, a source named if it is among them."""
    rows = list(annotations)
    exported = {annotation.pk for annotation in rows}
    return [export_record(annotation, exported=exported) for annotation in rows]


# --- reading the fields of an imported record (CSV cells are text, JSON values typed) ----------


def text_field(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: "Must be text."})
    return value


def whole_field(values: dict[str, Any], name: str) -> int:
    value = values.get(name)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value in (None, ""):
        raise ValidationError({name: "Missing."})
    raise ValidationError({name: "Must be a whole number of characters (code points)."})


def key_field(value: Any, name: str) -> str | None:
    """An annotation's id in the file (``id``, ``attributed_to``), as text; None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({name: "Must be the id of an annotation in this file."})
    return str(value).strip() or None
