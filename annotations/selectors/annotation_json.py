"""The annotation list rendered by the database.

Each listed annotation's JSON is built in the list's one query, by PostgreSQL
(``json_build_object``) or SQLite (``json_object``), tags included; the web process only adds
the Markdown rendering of the comment and joins the rows. A page rebuilt after a write then
costs the web process about what a cached page does, instead of decoding some thirty columns
per row into Python objects and encoding them again (issue #20, "the list after a write").

The shape is ``rows.annotation_dicts``'s, field for field (tests/api/test_annotation_json.py
checks both on both databases); ``annotation_dicts`` still builds single annotations and the
trash, where a page is small.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import orjson
from django.db.models import Expression, F, QuerySet, TextField, Value
from django.db.models.expressions import Func, RawSQL
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from annotations.lib.markdown import markdown_html
from annotations.models import Annotation, Tag

_KEY = re.compile(r"^[a-z_]+$")


class _PerVendor(Func):
    """A text-valued function whose SQL template differs by database (``templates``)."""

    output_field = TextField()
    templates: dict[str, str] = {}

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = self.templates["postgresql"]
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template=self.templates["sqlite"], **extra)


class _JSONText(_PerVendor):
    """The JSON of the expression as text (SQLite: its json() value; PostgreSQL: ::text)."""

    templates = {"postgresql": "(%(expressions)s)::text", "sqlite": "%(expressions)s"}


class _Object(Func):
    """A JSON object with constant keys: ``json_build_object`` / ``json_object``. Values given
    as ``_Json`` are JSON already (nested objects, arrays, JSON columns)."""

    output_field = TextField()

    def __init__(self, **fields: Any) -> None:
        if not all(_KEY.match(key) for key in fields):  # keys are written into the SQL
            raise ValueError(f"JSON keys must be snake_case words: {list(fields)}")
        self.keys = list(fields)
        super().__init__(*fields.values())

    def _sql(self, compiler: Any, connection: Any, function: str) -> tuple[str, list[Any]]:
        parts, params = [], []
        for key, expression in zip(self.keys, self.get_source_expressions(), strict=True):
            sql, expression_params = compiler.compile(expression)
            parts.append(f"'{key}', {sql}")
            params.extend(expression_params)
        return f"{function}({', '.join(parts)})", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._sql(compiler, connection, "json_build_object")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._sql(compiler, connection, "json_object")


class _Json(_PerVendor):
    """A value that is JSON already: PostgreSQL takes json/jsonb as they are; SQLite needs
    ``json()`` to embed text as JSON rather than as a string."""

    templates = {"postgresql": "%(expressions)s", "sqlite": "json(%(expressions)s)"}


class _Iso(_PerVendor):
    """A timestamp as ``rows._iso`` writes it: ISO 8601 in UTC with a Z. (Django stores UTC in
    SQLite as 'YYYY-MM-DD HH:MM:SS[.ffffff]'.)"""

    templates = {
        "postgresql": (
            "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        ),
        "sqlite": "(replace(%(expressions)s, ' ', 'T') || 'Z')",
    }


class _Case(Func):
    """``CASE WHEN <first> IS NULL THEN NULL ELSE <second> END``."""

    output_field = TextField()
    template = "CASE WHEN %(expressions)s END"
    arg_joiner = " IS NULL THEN NULL ELSE "


def _tags_sql(vendor: str) -> str:
    annotation = Annotation._meta.db_table
    through = Annotation.tags.through._meta.db_table
    tag = Tag._meta.db_table
    fields = "'id', t.id, 'name', t.name, 'slug', t.slug, 'colour', t.colour, 'kind', t.kind"
    if vendor == "postgresql":
        return (
            f"COALESCE((SELECT json_agg(json_build_object({fields}) "  # noqa: S608 - our names
            f"ORDER BY t.position, t.name, t.id) "
            f'FROM "{through}" x JOIN "{tag}" t ON t.id = x.tag_id '
            f'WHERE x.annotation_id = "{annotation}"."id"), \'[]\'::json)'
        )
    return (
        f"COALESCE((SELECT json_group_array(json(o)) FROM (SELECT json_object({fields}) AS o "  # noqa: S608
        f'FROM "{through}" x JOIN "{tag}" t ON t.id = x.tag_id '
        f'WHERE x.annotation_id = "{annotation}"."id" ORDER BY t.position, t.name, t.id)), '
        "json('[]'))"
    )


class _Tags(RawSQL):
    def __init__(self) -> None:
        super().__init__("", [], output_field=TextField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        return _tags_sql(connection.vendor), []


def _author_name() -> Expression:
    """``rows.annotation_dicts``'s "first last", or the username when both are empty."""
    full = Trim(Concat(F("author__first_name"), Value(" "), F("author__last_name")))
    return Coalesce(NullIf(full, Value("")), F("author__username"))


def _row() -> _Object:
    return _Object(
        id=F("id"),
        team=F("team_id"),
        article=F("article_id"),
        article_revision=F("article_revision"),
        start=F("start"),
        end=F("end"),
        exact=F("exact"),
        prefix=F("prefix"),
        suffix=F("suffix"),
        tags=_Json(_Tags()),
        comment=F("comment"),
        assessment=F("assessment"),
        credibility=F("credibility"),
        attributed_to=F("attributed_to_id"),
        attributed_to_entity=_Json(
            _Case(
                F("attributed_to_entity_id"),
                _Object(
                    id=F("attributed_to_entity_id"),
                    name=F("attributed_to_entity__name"),
                    kind=F("attributed_to_entity__kind"),
                ),
            )
        ),
        author=_Object(id=F("author_id"), username=F("author__username"), name=_author_name()),
        visibility=F("visibility"),
        anchor_state=F("anchor_state"),
        origin=F("origin"),
        suggestion_state=F("suggestion_state"),
        review_state=F("review_state"),
        suggestion_rule=F("suggestion_rule"),
        suggestion_confidence=F("suggestion_confidence"),
        reply_count=F("reply_count"),
        suggestion_details=_Json(
            RawSQL(
                "NULLIF(NULLIF(\"annotations_annotation\".\"suggestion_details\", 'null'), '{}')",
                [],
                output_field=TextField(),
            )
        ),
        version=F("version"),
        created_at=_Iso(F("created_at")),
        modified_at=_Iso(F("modified_at")),
    )


def annotation_json_values(queryset: QuerySet[Annotation]) -> QuerySet[Any]:
    """``values()`` rows of a queryset from ``annotation_queryset()``: what the list pages by
    (``start``, ``id``), the comment, and the row's JSON without its ``comment_html``."""
    return queryset.values("id", "start", "comment").annotate(json=_JSONText(_row()))


@functools.lru_cache(maxsize=4096)
def _comment_html(comment: str) -> bytes:
    return orjson.dumps(markdown_html(comment))


def annotation_json_fragments(rows: Iterable[dict[str, Any]]) -> list[orjson.Fragment]:
    """Each row's JSON with its ``comment_html``, ready for orjson to embed as it is."""
    out = []
    for row in rows:
        body = row["json"].encode()
        # The object ends with "}": add the comment's HTML as its last member.
        html = _comment_html(row["comment"]) if row["comment"] else b'""'
        out.append(orjson.Fragment(body[:-1] + b',"comment_html":' + html + b"}"))
    return out
