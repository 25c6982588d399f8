"""Row and dict builders: the JSON shapes of users, tags and annotations, built straight from
``values()`` rows. The API, the pages and the oversight reads share them, so every surface shows
the same shape; they live below all of them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from annotations.lib.markdown import markdown_html
from annotations.models import Annotation, Tag


def user_dict(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
    }


def tag_dict(tag: Tag) -> dict[str, Any]:
    return {
        "id": tag.pk,
        "name": tag.name,
        "slug": tag.slug,
        "colour": tag.colour,
        "kind": tag.kind,
    }


# The columns a listed annotation is built from. Reading them with values() and building the
# dicts directly is several times faster than model instances plus a per-field serializer,
# and the list of an article's 1,000 annotations is the reader's hot path.
ANNOTATION_COLUMNS = (
    "id",
    "team_id",
    "article_id",
    "article_revision",
    "start",
    "end",
    "exact",
    "prefix",
    "suffix",
    "comment",
    "assessment",
    "credibility",
    "attributed_to_id",
    "attributed_to_entity_id",
    "attributed_to_entity__name",
    "attributed_to_entity__kind",
    "author_id",
    "author__username",
    "author__first_name",
    "author__last_name",
    "visibility",
    "anchor_state",
    "origin",
    "suggestion_state",
    "review_state",
    "suggestion_rule",
    "suggestion_confidence",
    "reply_count",
    "suggestion_details",
    "version",
    "created_at",
    "modified_at",
)


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def annotation_dicts(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API shape of annotations, from ``values(*ANNOTATION_COLUMNS)`` rows; tags come
    from the through table in one more query."""
    rows = list(rows)
    tags: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if tags:
        through = Annotation.tags.through
        if connection.vendor == "postgresql":
            # One array parameter, not a thousand placeholders: the query text stays the same
            # for every page, so psycopg does not parse it anew each time (4 ms less).
            table = connection.ops.quote_name(through._meta.db_table)
            links = through.objects.extra(  # noqa: S610 - a bound parameter; the table name is ours
                where=[f"{table}.annotation_id = ANY(%s)"], params=[list(tags)]
            )
        else:
            links = through.objects.filter(annotation_id__in=list(tags))
        links = links.order_by("tag__position", "tag__name", "tag_id").values_list(
            "annotation_id", "tag_id", "tag__name", "tag__slug", "tag__colour", "tag__kind"
        )
        for annotation_id, tag_id, name, slug, colour, kind in links:
            tags[annotation_id].append(
                {"id": tag_id, "name": name, "slug": slug, "colour": colour, "kind": kind}
            )
    out = []
    for r in rows:
        entity_id = r["attributed_to_entity_id"]
        full_name = f"{r['author__first_name']} {r['author__last_name']}".strip()
        out.append(
            {
                "id": r["id"],
                "team": r["team_id"],
                "article": r["article_id"],
                "article_revision": r["article_revision"],
                "start": r["start"],
                "end": r["end"],
                "exact": r["exact"],
                "prefix": r["prefix"],
                "suffix": r["suffix"],
                "tags": tags[r["id"]],
                "comment": r["comment"],
                "comment_html": markdown_html(r["comment"]),
                "assessment": r["assessment"],
                "credibility": r["credibility"],
                "attributed_to": r["attributed_to_id"],
                "attributed_to_entity": (
                    {
                        "id": entity_id,
                        "name": r["attributed_to_entity__name"],
                        "kind": r["attributed_to_entity__kind"],
                    }
                    if entity_id
                    else None
                ),
                "author": {
                    "id": r["author_id"],
                    "username": r["author__username"],
                    "name": full_name or r["author__username"],
                },
                "visibility": r["visibility"],
                "anchor_state": r["anchor_state"],
                "origin": r["origin"],
                "suggestion_state": r["suggestion_state"],
                "review_state": r["review_state"],
                "suggestion_rule": r["suggestion_rule"],
                "suggestion_confidence": r["suggestion_confidence"],
                "reply_count": r["reply_count"] or 0,
                "suggestion_details": r["suggestion_details"] or None,
                "version": r["version"],
                "created_at": _iso(r["created_at"]),
                "modified_at": _iso(r["modified_at"]),
            }
        )
    return out
