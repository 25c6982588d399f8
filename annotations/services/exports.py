"""Team exports of annotations, and importing them into a team: four formats that round-trip.

An export holds the team's annotations that the requesting user may see (``visible_to``: no one
else's private notes, nothing in the trash), pending and rejected model suggestions excepted.
Ids do not travel between teams, so each annotation names its article by URL and by the SHA-256
of the article's text (and its title), its tags by slug, its entity by name and Wikidata id, and
the source annotation it is attributed to by that annotation's id in the same file.

- ``csv``: one row per annotation, the columns ``EXPORT_FIELDS``; tags are slugs joined by
  ``|``. UTF-8 with a byte-order mark, so that spreadsheets read it as UTF-8. A cell a
  spreadsheet would run as a formula (starting with = + - @, tab or carriage return, after any
  apostrophes) gets a leading apostrophe; the importer strips exactly that one.
- ``jsonl``: one JSON object per line with the same fields; tags a list, ids numbers or null.
- ``jsonld``: the W3C Web Annotation AnnotationCollection of the whole team
  (``api/jsonld.py:team_collection_to_jsonld``). Review state has no W3C term and is left out.
- ``spacy``: training data for spaCy span categorisation, approved annotations only: one line
  per article, ``{"text", "spans": [{"start", "end", "label"}], "meta": {"article_url",
  "article_sha256", "title"}}``, the label being the annotation's first tag in the team's order.
  ``annotations/nlp/training.py`` turns it into a DocBin.

Importing (``annotations_import``) reads any of them into a team holding the same articles:
every annotation is created by ``annotation_create`` as the importing user (so every rule
applies and each starts as a draft: a review is a verdict given in the other team), in a
savepoint of its own, so a bad row is reported with its number and writes nothing while the
rest goes on. A row already in the team (same article, span, quote, tag set and comment; for
spaCy: the span already has that tag) is skipped, so importing a file twice creates nothing.
Attributions are linked to the imported copies of their sources, wherever those stand in the
file. A file that cannot be read at all (not UTF-8, binary, malformed JSON, wrong columns)
raises a ValidationError naming ``file`` and writes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from annotations.api.jsonld import (
    AUDIENCE_PRIVATE,
    NON_FIELD,
    PURPOSE_LINKING,
    WIKIDATA_ENTITY,
    Iris,
    jsonld_to_fields,
    team_collection_to_jsonld,
)
from annotations.models import Annotation, Article, Entity, Membership, Tag, Team
from annotations.services.annotations import annotation_create
from annotations.services.articles import text_sha256
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

FORMATS = ("csv", "jsonl", "jsonld", "spacy")
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
    "review_state",
    "visibility",
    "author",
    "attributed_to",
    "attributed_to_entity",
    "attributed_to_entity_wikidata",
    "created_at",
    "modified_at",
)
# What the importer needs of a CSV file; the other columns may be left out.
REQUIRED_COLUMNS = ("start", "end", "exact")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "jsonld": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    "spacy": "application/x-ndjson; charset=utf-8",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "jsonld": "jsonld", "spacy": "spacy.jsonl"}
# What an error's "row" counts in each format.
ROW_NAMES = {"csv": "row", "jsonl": "line", "jsonld": "item", "spacy": "line"}
MAX_IMPORT_BYTES = 512 * 1024 * 1024
SPAN_TAGS = "tags"  # the field named by an unknown spaCy label

HIDDEN_SUGGESTIONS = (Annotation.SuggestionState.PENDING, Annotation.SuggestionState.REJECTED)
# Cells a spreadsheet runs as formulas (OWASP's list), after any apostrophes: guarding those too
# makes the apostrophe the exporter adds the only one the importer strips.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")
_WIKIDATA_ID = re.compile(r"Q[1-9][0-9]*")
_WHOLE = re.compile(r"[0-9]{1,18}")


def default_base_url() -> str:
    """The base of the IRIs in a JSON-LD export made outside a request (a command)."""
    return getattr(settings, "NEWSNOTES_BASE_URL", "") or "http://localhost:8000"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError({"format": f"{str(fmt)[:40]!r} is not one of {', '.join(FORMATS)}."})
    return fmt


def export_filename(*, team: Team, fmt: str, day: datetime | None = None) -> str:
    day = day or timezone.now()
    return f"newsnotes-{team.slug}-{day.date().isoformat()}.{EXTENSIONS[check_format(fmt)]}"


# --- export -------------------------------------------------------------------------------------


def exportable_annotations(*, team: Team, user: AbstractBaseUser) -> QuerySet[Annotation]:
    """What an export of the team holds for this user, in reading order. Articles come without
    their text (a team's texts can be large; the spaCy export reads them once per article)."""
    require_role(user=user, team=team, roles=Membership.Role.values, action="export annotations")
    return (
        Annotation.objects.visible_to(user)
        .filter(team=team)
        .exclude(suggestion_state__in=HIDDEN_SUGGESTIONS)
        .select_related("article", "author", "attributed_to_entity")
        .defer("article__text")
        .prefetch_related("tags")
        .order_by("article_id", "start", "end", "id")
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_records(annotations: Iterable[Annotation]) -> list[dict[str, Any]]:
    """One dict per annotation with the fields ``EXPORT_FIELDS`` (JSON Lines' shape). A source
    annotation that is not exported (a teammate's private note) is not named."""
    rows = list(annotations)
    exported = {annotation.pk for annotation in rows}
    records = []
    for annotation in rows:
        article, entity = annotation.article, annotation.attributed_to_entity
        source_id = annotation.attributed_to_id
        records.append(
            {
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
                "review_state": annotation.review_state,
                "visibility": annotation.visibility,
                "author": annotation.author.get_username(),
                "attributed_to": source_id if source_id in exported else None,
                "attributed_to_entity": entity.name if entity else "",
                "attributed_to_entity_wikidata": entity.wikidata_id if entity else "",
                "created_at": _iso(annotation.created_at),
                "modified_at": _iso(annotation.modified_at),
            }
        )
    return records


def csv_cell(value: Any) -> str:
    """A cell as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


def csv_uncell(text: str) -> str:
    """The inverse of ``csv_cell``: strip the apostrophe it adds, and only that one."""
    return text[1:] if _GUARDED.match(text) else text


def spacy_records(*, team: Team, user: AbstractBaseUser) -> list[dict[str, Any]]:
    """Approved annotations as spaCy span categorisation data, one record per article.

    The label is the first tag in the team's order; annotations without tags have no label and
    are left out, as are spans no longer anchored in the current text (orphaned by an edit).
    The same span with the same label from two annotations is one span.
    """
    rows = exportable_annotations(team=team, user=user).filter(
        review_state=Annotation.ReviewState.APPROVED
    )
    by_article: dict[int, list[Annotation]] = {}
    for annotation in rows:
        by_article.setdefault(annotation.article_id, []).append(annotation)
    texts = dict(Article.objects.filter(pk__in=by_article).values_list("pk", "text"))
    records = []
    for article_id, approved in by_article.items():
        text, article = texts[article_id], approved[0].article
        spans = sorted(
            {
                (a.start, a.end, tags[0].slug)
                for a in approved
                if (tags := list(a.tags.all())) and text[a.start : a.end] == a.exact
            }
        )
        if not spans:
            continue
        records.append(
            {
                "text": text,
                "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
                "meta": {
                    "article_url": article.url,
                    "article_sha256": article.text_sha256,
                    "title": article.title,
                },
            }
        )
    return records


def annotations_export(
    *, team: Team, user: AbstractBaseUser, fmt: str, out: IO[str], base_url: str = ""
) -> int:
    """Write the team's export in ``fmt`` to ``out``; return how many annotations (spaCy: how
    many spans) it holds."""
    check_format(fmt)
    if fmt == "spacy":
        records = spacy_records(team=team, user=user)
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count = sum(len(record["spans"]) for record in records)
    elif fmt == "jsonld":
        rows = list(exportable_annotations(team=team, user=user))
        iris = Iris(base_url or default_base_url())
        collection = team_collection_to_jsonld(team, rows, iris=iris)
        out.write(json.dumps(collection, ensure_ascii=False, indent=2) + "\n")
        count = len(rows)
    else:
        records = export_records(exportable_annotations(team=team, user=user))
        if fmt == "csv":
            out.write("\ufeff")
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(EXPORT_FIELDS)
            for record in records:
                record["tags"] = "|".join(record["tags"])
                writer.writerow(csv_cell(record[name]) for name in EXPORT_FIELDS)
        else:
            for record in records:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count = len(records)
    logger.info("annotations.exported team=%s format=%s count=%s", team.slug, fmt, count)
    return count


def annotations_export_bytes(
    *, team: Team, user: AbstractBaseUser, fmt: str, base_url: str = ""
) -> bytes:
    out = io.StringIO()
    annotations_export(team=team, user=user, fmt=fmt, out=out, base_url=base_url)
    return out.getvalue().encode("utf-8")


# --- import -------------------------------------------------------------------------------------


@dataclass
class AnnotationImportReport:
    """What an import did: the annotations it created, those it found already there (skipped),
    and a message per bad row (``row`` counts as ``ROW_NAMES[format]`` says)."""

    format: str
    records: int = 0
    created: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        self.errors.append({"row": row, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "records": self.records,
            "created": len(self.created),
            "skipped": len(self.skipped),
            "errors": self.errors,
            "annotation_ids": self.created,
        }


@dataclass
class _Item:
    """One annotation to create, resolved against the team (pass 1), created in pass 2."""

    row: int
    article: Article
    start: int
    end: int
    exact: str | None
    tags: list[Tag]
    comment: str = ""
    assessment: str = Annotation.Assessment.UNVERIFIED
    visibility: str = Annotation.Visibility.TEAM
    entity: Entity | None = None
    source: Annotation | None = None  # a source annotation already in the team
    source_key: str | None = None  # or the file's id of the source annotation
    key: str | None = None  # this annotation's id in the file
    where: str = ""  # within the row (a spaCy line holds many spans)
    tag_subset: bool = False  # spaCy: "already there" if the span has the tag among others

    def say(self, message: str) -> str:
        return f"{self.where}: {message}" if self.where else message


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                message if name == NON_FIELD else f"{name}: {message}"
                for name, messages in exc.message_dict.items()
                for message in messages
            )
        return "; ".join(exc.messages)
    return str(exc)


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


class _Resolver:
    """Finds a row's article, tags and entity in the team, remembering what it found."""

    def __init__(self, *, team: Team, user: AbstractBaseUser) -> None:
        self.team, self.user = team, user
        self._articles: dict[tuple[str, str], Article | None] = {}
        self._tags: dict[str, Tag] | None = None
        self._entities: dict[tuple[str, str], Entity] = {}

    def article(self, *, url: str, sha: str) -> Article:
        key = (url, sha)
        if key not in self._articles:
            articles = Article.objects.filter(team=self.team).select_related("team")
            found = articles.filter(url=url).first() if url else None
            if found is None and sha:
                found = articles.filter(text_sha256=sha).order_by("pk").first()
            self._articles[key] = found
        found = self._articles[key]
        if found is None:
            parts = (f"the URL {url}" if url else "", f"the text {sha[:12]}…" if sha else "")
            named = " or ".join(part for part in parts if part)
            raise ValidationError(
                {"article": f"The team has no article with {named}; import the article first."}
            )
        return found

    def tags(self, slugs: Iterable[str]) -> list[Tag]:
        if self._tags is None:
            self._tags = {tag.slug: tag for tag in Tag.objects.filter(team=self.team)}
        unknown = [slug for slug in slugs if slug not in self._tags]
        if unknown:
            raise ValidationError(
                {"tags": f"The team has no tag {', '.join(repr(s) for s in unknown)}."}
            )
        return [self._tags[slug] for slug in dict.fromkeys(slugs)]

    def entity(self, *, name: str, wikidata: str) -> Entity | None:
        if not name and not wikidata:
            return None
        key = (name, wikidata)
        if key in self._entities:
            return self._entities[key]
        entities = Entity.objects.filter(team=self.team)
        found = entities.filter(wikidata_id=wikidata).first() if wikidata else None
        if found is None and name:
            named = list(entities.filter(name__iexact=name))
            candidates = [e for e in named if e.name == name] or named
            if wikidata:  # an entity with another Wikidata item is another entity
                candidates = [e for e in candidates if e.wikidata_id in ("", wikidata)]
            if len(candidates) > 1:
                raise ValidationError(
                    {
                        "attributed_to_entity": f"The team has {len(candidates)} entities named "
                        f"{name!r}; give its Wikidata id to tell them apart."
                    }
                )
            found = candidates[0] if candidates else None
        if found is None:
            shown = " ".join(part for part in (repr(name) if name else "", wikidata) if part)
            raise ValidationError({"attributed_to_entity": f"The team has no entity {shown}."})
        self._entities[key] = found
        return found


class _Existing:
    """The annotations already on an article (those the importer sees), by span, for dedupe."""

    def __init__(self, user: AbstractBaseUser) -> None:
        self.user = user
        self._spans: dict[int, dict[tuple[int, int, str], list[tuple[frozenset[int], str, int]]]]
        self._spans = {}

    def _on(self, article: Article) -> dict[tuple[int, int, str], list[Any]]:
        if article.pk not in self._spans:
            spans: dict[tuple[int, int, str], list[Any]] = {}
            rows = (
                Annotation.objects.visible_to(self.user)
                .filter(article=article)
                .exclude(suggestion_state__in=HIDDEN_SUGGESTIONS)
                .prefetch_related("tags")
            )
            for row in rows:
                tags = frozenset(tag.pk for tag in row.tags.all())
                spans.setdefault((row.start, row.end, row.exact), []).append(
                    (tags, row.comment, row.pk)
                )
            self._spans[article.pk] = spans
        return self._spans[article.pk]

    @staticmethod
    def _span(item: _Item) -> tuple[int, int, str]:
        exact = item.exact if item.exact is not None else item.article.text[item.start : item.end]
        return item.start, item.end, exact

    def find(self, item: _Item) -> int | None:
        tags = frozenset(tag.pk for tag in item.tags)
        for their_tags, comment, pk in self._on(item.article).get(self._span(item), []):
            if item.tag_subset and tags <= their_tags:
                return pk
            if not item.tag_subset and their_tags == tags and comment == item.comment:
                return pk
        return None

    def add(self, item: _Item, annotation: Annotation) -> None:
        tags = frozenset(tag.pk for tag in item.tags)
        entry = (tags, annotation.comment, annotation.pk)
        self._on(item.article).setdefault(self._span(item), []).append(entry)


# --- reading the formats: each yields (row, item or error), with the ids it saw ---------------


def _read_bytes(stream: IO[bytes] | IO[str] | bytes | str) -> bytes:
    data: Any = stream if isinstance(stream, bytes | str) else stream.read(MAX_IMPORT_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not isinstance(data, bytes):
        raise _file_error("Give the file's content.")
    if len(data) > MAX_IMPORT_BYTES:
        raise _file_error(f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error("The file is UTF-16 text; save it as UTF-8.")
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data:
        raise _file_error("This is a binary file, not text.")
    return data


def _decode_all(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _file_error(f"The file is not UTF-8 text (byte {exc.start}).") from None


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a JSON Lines file, with their numbers."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        yield number, raw


def _parse_line(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValidationError("JSON nested too deeply") from None
    if not isinstance(value, dict):
        raise ValidationError("each line must be a JSON object")
    return value


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: "Must be text."})
    return value


def _whole(values: dict[str, Any], name: str) -> int:
    value = values.get(name)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value in (None, ""):
        raise ValidationError({name: "Missing."})
    raise ValidationError({name: "Must be a whole number of characters (code points)."})


def _key(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({name: "Must be the id of an annotation in this file."})
    return str(value).strip() or None


def _flat_item(values: dict[str, Any], *, row: int, resolver: _Resolver) -> _Item:
    """A CSV row or JSON Lines record (with Python types) resolved against the team."""
    url, sha = _text(values, "article_url").strip(), _text(values, "article_sha256").strip()
    if not url and not sha:
        raise ValidationError({"article_url": "Give article_url or article_sha256."})
    start, end = _whole(values, "start"), _whole(values, "end")
    exact = _text(values, "exact")
    if not exact:
        raise ValidationError({"exact": "Missing: the quoted text."})
    tags = values.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValidationError({"tags": "Must be a list of tag slugs."})
    entity_name = _text(values, "attributed_to_entity").strip()
    wikidata = _text(values, "attributed_to_entity_wikidata").strip()
    if wikidata and not _WIKIDATA_ID.fullmatch(wikidata):
        raise ValidationError(
            {"attributed_to_entity_wikidata": f"{wikidata[:30]!r} is not a Wikidata id (Q42)."}
        )
    item = _Item(
        row=row,
        article=resolver.article(url=url, sha=sha),
        start=start,
        end=end,
        exact=exact,
        tags=resolver.tags([t.strip() for t in tags if t.strip()]),
        comment=_text(values, "comment"),
        assessment=_text(values, "assessment").strip() or Annotation.Assessment.UNVERIFIED,
        visibility=_text(values, "visibility").strip() or Annotation.Visibility.TEAM,
        entity=resolver.entity(name=entity_name, wikidata=wikidata),
        source_key=_key(values.get("attributed_to"), "attributed_to"),
        key=_key(values.get("id"), "id"),
    )
    if sha and item.article.text_sha256 != sha and item.article.text[start:end] != exact:
        raise ValidationError(
            {
                "exact": f"Does not match the article text at {start}-{end}: the team's copy of "
                "the article has another text than the exported one."
            }
        )
    return item


def _csv_records(data: bytes) -> Iterator[tuple[int, dict[str, Any] | ValidationError]]:
    text = _decode_all(data)
    # A quote may be a whole article; the csv module's default limit is 128 KiB per field.
    limit = 4 * settings.NEWSNOTES_MAX_ARTICLE_CHARS
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0  # the last row read: a csv.Error concerns the next one
    try:
        header = next(reader, None)
        row = 1
        if not header or not any(cell.strip() for cell in header):
            raise _file_error(
                "The file is empty; a CSV export starts with a header row: "
                + ",".join(EXPORT_FIELDS)
            )
        columns = [cell.strip() for cell in header]
        unknown = [c for c in columns if c not in EXPORT_FIELDS]
        if unknown:
            raise _file_error(
                f"Unknown column(s) {', '.join(repr(c[:40]) for c in unknown[:5])} in the header "
                f"row; the columns are {','.join(EXPORT_FIELDS)}."
            )
        doubled = sorted({c for c in columns if columns.count(c) > 1})
        if doubled:
            raise _file_error(f"The column(s) {', '.join(doubled)} appear more than once.")
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if "article_url" not in columns and "article_sha256" not in columns:
            missing.append("article_url or article_sha256")
        if missing:
            raise _file_error(f"The header row lacks the column(s) {', '.join(missing)}.")
        for row, cells in enumerate(reader, start=2):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != len(columns):
                yield (
                    row,
                    ValidationError(
                        f"{len(cells)} cells where the header has {len(columns)} columns"
                    ),
                )
                continue
            values: dict[str, Any] = {
                name: csv_uncell(cell) for name, cell in zip(columns, cells, strict=True)
            }
            values["tags"] = [t for t in values.get("tags", "").split("|") if t.strip()]
            yield row, values
    except csv.Error as exc:
        raise _file_error(f"Malformed CSV at row {row + 1}: {exc}.") from None


def _jsonl_records(data: bytes) -> Iterator[tuple[int, dict[str, Any] | ValidationError]]:
    for number, raw in _lines(data):
        try:
            record = _parse_line(raw)
        except ValidationError as exc:
            yield number, exc
            continue
        unknown = sorted(set(record) - set(EXPORT_FIELDS))
        if unknown:
            yield number, ValidationError(f"unknown field(s) {', '.join(unknown)[:200]}")
            continue
        yield number, record


def _flat_items(
    records: Iterable[tuple[int, dict[str, Any] | ValidationError]],
    *,
    resolver: _Resolver,
    report: AnnotationImportReport,
    keys: dict[str, int],
    failed: set[str],
) -> list[_Item]:
    """Pass 1 for CSV and JSON Lines: every record resolved, or an error for its row."""
    items = []
    for row, record in records:
        report.records += 1
        if isinstance(record, ValidationError):
            report.error(row, _message(record))
            continue
        try:
            key = _key(record.get("id"), "id")
            if key is not None and key in keys:
                unit = ROW_NAMES[report.format]
                raise ValidationError({"id": f"{key} is also the id of {unit} {keys[key]}."})
            if key is not None:
                keys[key] = row
            try:
                items.append(_flat_item(record, row=row, resolver=resolver))
            except ValidationError:
                if key is not None:
                    failed.add(key)
                raise
        except ValidationError as exc:
            report.error(row, _message(exc))
    return items


def _jsonld_items_of(document: Any) -> list[Any]:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise _file_error("Give a W3C AnnotationCollection, AnnotationPage or Annotation.")
    kind = document.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "AnnotationCollection" in kinds:
        first = document.get("first")
        if first is None:
            return []
        if not isinstance(first, dict):
            raise _file_error(
                "The collection's first page must be embedded (an object with items)."
            )
        if first.get("next"):
            raise _file_error("The collection has more than one page; give one page.")
        document = first
        kinds = ["AnnotationPage"]
    if "AnnotationPage" in kinds:
        items = document.get("items")
        if not isinstance(items, list):
            raise _file_error("The annotation page needs a list of items.")
        return items
    if "Annotation" in kinds:
        return [document]
    raise _file_error(
        "Give a W3C AnnotationCollection, AnnotationPage or Annotation (its type says which)."
    )


def _wikidata_of(same_as: Any) -> str:
    for value in same_as if isinstance(same_as, list) else [same_as]:
        iri = value.get("id") if isinstance(value, dict) else value
        if isinstance(iri, str) and iri.startswith(WIKIDATA_ENTITY):
            qid = iri.removeprefix(WIKIDATA_ENTITY)
            if _WIKIDATA_ID.fullmatch(qid):
                return qid
    return ""


def _is_private(audience: Any) -> bool:
    for value in audience if isinstance(audience, list) else [audience]:
        if (
            isinstance(value, dict)
            and value.get("schema:audienceType") == AUDIENCE_PRIVATE["schema:audienceType"]
        ):
            return True
    return False


def _purpose_of(body: Any) -> Any:
    purpose = body.get("purpose") if isinstance(body, dict) else None
    return purpose[0] if isinstance(purpose, list) and len(purpose) == 1 else purpose


def _jsonld_item(
    data: Any, *, row: int, resolver: _Resolver, iris: Iris, keys: dict[str, int]
) -> _Item:
    if not isinstance(data, dict):
        raise ValidationError("Each item must be an annotation (a JSON object).")
    target = data.get("target")
    if isinstance(target, list) and len(target) == 1:
        target = target[0]
    if not isinstance(target, dict):
        raise ValidationError({"target": "Must be an object with source and selector."})
    source = target.get("source")
    source_iri = source.get("id") if isinstance(source, dict) else source
    sha = source.get("schema:sha256") if isinstance(source, dict) else None
    url = target.get("scope")
    url, sha = (url if isinstance(url, str) else ""), (sha if isinstance(sha, str) else "")
    article: Article | None = None
    if url or sha:
        article = resolver.article(url=url, sha=sha)
    else:  # an article's own collection, imported back into its team
        pk = iris.parse(source_iri, "article")
        article = (
            Article.objects.filter(team=resolver.team, pk=pk).select_related("team").first()
            if pk is not None
            else None
        )
        if article is None:
            raise ValidationError(
                {"target": "Name the article by its scope (URL) or schema:sha256 (its text)."}
            )
    bodies = data.get("body")
    bodies = [] if bodies is None else bodies if isinstance(bodies, list) else [bodies]
    links = [body for body in bodies if _purpose_of(body) == PURPOSE_LINKING]
    document = {k: v for k, v in data.items() if k not in ("body", "audience")}
    document["target"] = {**target, "source": iris.article(article.pk)}
    if len(links) < len(bodies):
        document["body"] = [body for body in bodies if _purpose_of(body) != PURPOSE_LINKING]
    fields = jsonld_to_fields(document, article=article, iris=iris, user=resolver.user)
    item = _Item(
        row=row,
        article=article,
        start=fields["start"],
        end=fields["end"],
        exact=fields["exact"],
        tags=fields["tags"],
        comment=fields["comment"],
        assessment=fields["assessment"],
        visibility=(
            Annotation.Visibility.PRIVATE
            if _is_private(data.get("audience"))
            else Annotation.Visibility.TEAM
        ),
        key=data["id"] if isinstance(data.get("id"), str) else None,
    )
    for link in links:
        if "type" in link and link["type"] != "SpecificResource":
            raise ValidationError({"body": "A linking body must be a SpecificResource."})
        linked = link.get("source")
        iri = linked.get("id") if isinstance(linked, dict) else linked
        entity_like = isinstance(linked, dict) and ("name" in linked or "schema:sameAs" in linked)
        if isinstance(iri, str) and iri in keys and not entity_like:
            found: Any = iri
        elif entity_like:
            name = linked.get("name")
            found = resolver.entity(
                name=name.strip() if isinstance(name, str) else "",
                wikidata=_wikidata_of(linked.get("schema:sameAs")),
            )
            if found is None:
                raise ValidationError({"body": "A linked entity needs a name or a Wikidata item."})
        elif (pk := iris.parse(iri, "annotation")) is not None:
            found = (
                Annotation.objects.visible_to(resolver.user)
                .filter(team=resolver.team, pk=pk)
                .first()
            )
            if found is None:
                raise ValidationError({"body": f"No annotation {iri} in this file or the team."})
        elif (pk := iris.parse(iri, "entity")) is not None:
            found = Entity.objects.filter(team=resolver.team, pk=pk).first()
            if found is None:
                raise ValidationError({"body": f"No such entity: {iri}"})
        else:
            raise ValidationError(
                {"body": "A linking body's source must be an annotation of this file or an entity."}
            )
        if isinstance(found, Entity):
            if item.entity is not None:
                raise ValidationError({"body": "More than one body for the attributed to entity."})
            item.entity = found
            continue
        if item.source is not None or item.source_key is not None:
            raise ValidationError({"body": "More than one body for the attributed to."})
        if isinstance(found, Annotation):
            item.source = found
        else:
            item.source_key = found
    return item


def _jsonld_items(
    data: bytes,
    *,
    resolver: _Resolver,
    report: AnnotationImportReport,
    iris: Iris,
    keys: dict[str, int],
    failed: set[str],
) -> list[_Item]:
    text = _decode_all(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _file_error(
            f"Malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise _file_error("The JSON is nested too deeply.") from None
    raw_items = _jsonld_items_of(document)
    for number, raw in enumerate(raw_items, start=1):
        key = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(key, str) and key not in keys:
            keys[key] = number
    items = []
    for number, raw in enumerate(raw_items, start=1):
        report.records += 1
        try:
            key = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(key, str) and keys.get(key) != number:
                raise ValidationError({"id": f"{key} is also the id of item {keys[key]}."})
            items.append(_jsonld_item(raw, row=number, resolver=resolver, iris=iris, keys=keys))
        except ValidationError as exc:
            if isinstance(key, str) and keys.get(key) == number:
                failed.add(key)
            report.error(number, _message(exc))
    return items


def _spacy_items(
    data: bytes, *, resolver: _Resolver, report: AnnotationImportReport
) -> list[_Item]:
    items = []
    for number, raw in _lines(data):
        report.records += 1
        try:
            record = _parse_line(raw)
            unknown = sorted(set(record) - {"text", "spans", "meta"})
            if unknown:
                raise ValidationError(f"unknown field(s) {', '.join(unknown)[:200]}")
            text, spans, meta = record.get("text"), record.get("spans"), record.get("meta", {})
            if not isinstance(text, str) or not text:
                raise ValidationError({"text": "Must be the article's text."})
            if not isinstance(spans, list):
                raise ValidationError({"spans": "Must be a list of {start, end, label}."})
            if not isinstance(meta, dict):
                raise ValidationError({"meta": "Must be an object."})
            url, sha = _text(meta, "article_url").strip(), _text(meta, "article_sha256").strip()
            article = resolver.article(url=url, sha=sha or text_sha256(text))
            if article.text != text:
                raise ValidationError(
                    {"text": "Differs from the team's article; the spans would not fit it."}
                )
        except ValidationError as exc:
            report.error(number, _message(exc))
            continue
        for index, span in enumerate(spans, start=1):
            where = f"span {index}"
            try:
                if not isinstance(span, dict):
                    raise ValidationError("Must be an object with start, end and label.")
                start, end = _whole(span, "start"), _whole(span, "end")
                where = f"span {index} ({start}-{end})"
                label = _text(span, "label").strip()
                if not label:
                    raise ValidationError({"label": "Missing: the tag's slug."})
                item = _Item(
                    row=number,
                    article=article,
                    start=start,
                    end=end,
                    exact=None,
                    tags=resolver.tags([label]),
                    where=where,
                    tag_subset=True,
                )
            except ValidationError as exc:
                report.error(number, f"{where}: {_message(exc)}")
                continue
            items.append(item)
    return items


def _create(item: _Item, *, user: AbstractBaseUser, source: Annotation | None) -> Annotation:
    return annotation_create(
        article=item.article,
        author=user,
        start=item.start,
        end=item.end,
        exact=item.exact,
        tags=item.tags,
        comment=item.comment,
        assessment=item.assessment,
        attributed_to=source,
        attributed_to_entity=item.entity,
        visibility=item.visibility,
    )


def _write(
    items: list[_Item],
    *,
    user: AbstractBaseUser,
    report: AnnotationImportReport,
    keys: dict[str, int],
    failed: set[str],
) -> None:
    """Pass 2: create each item in a savepoint of its own, sources before the claims that
    rest on them, whatever their order in the file."""
    existing = _Existing(user)
    done: dict[str, int] = {}  # file id -> the annotation created for it, or found already there
    pending = items
    while pending:
        waiting = []
        for item in pending:
            found = existing.find(item)
            if found is not None:
                report.skipped.append(found)
                if item.key is not None:
                    done[item.key] = found
                continue
            source = item.source
            if item.source_key is not None:
                if item.source_key in done:
                    source = Annotation.objects.get(pk=done[item.source_key])
                elif item.source_key in failed:
                    unit = ROW_NAMES[report.format]
                    report.error(
                        item.row,
                        item.say(
                            f"attributed_to: its source ({unit} {keys[item.source_key]}) "
                            "was not imported."
                        ),
                    )
                    if item.key is not None:
                        failed.add(item.key)
                    continue
                elif item.source_key not in keys:
                    report.error(
                        item.row,
                        item.say(
                            f"attributed_to: no annotation has the id {item.source_key} "
                            "in this file."
                        ),
                    )
                    if item.key is not None:
                        failed.add(item.key)
                    continue
                else:
                    waiting.append(item)
                    continue
            try:
                annotation = _create(item, user=user, source=source)
            except (ValidationError, PermissionDenied) as exc:
                report.error(item.row, item.say(_message(exc)))
                if item.key is not None:
                    failed.add(item.key)
                continue
            except (IntegrityError, DataError) as exc:  # rolled back to the row's savepoint
                report.error(item.row, item.say(f"could not be saved ({exc.__class__.__name__})"))
                if item.key is not None:
                    failed.add(item.key)
                continue
            existing.add(item, annotation)
            report.created.append(annotation.pk)
            if item.key is not None:
                done[item.key] = annotation.pk
        if len(waiting) == len(pending):  # nothing moved: the rest wait on each other
            for item in waiting:
                report.error(item.row, item.say("attributed_to: a cycle of attributions."))
            break
        pending = waiting


def annotations_import(
    *,
    team: Team,
    user: AbstractBaseUser,
    fmt: str,
    stream: IO[bytes] | IO[str] | bytes | str,
    base_url: str = "",
) -> AnnotationImportReport:
    """Import an export (any of ``FORMATS``) into ``team`` as ``user``; see the module's
    docstring. Raises ValidationError naming ``file`` if the file cannot be read at all, and
    PermissionDenied unless the user annotates in the team (analysts and owners)."""
    check_format(fmt)
    require_role(user=user, team=team, roles=ANNOTATE_ROLES, action="import annotations")
    data = _read_bytes(stream)
    report = AnnotationImportReport(format=fmt)
    resolver = _Resolver(team=team, user=user)
    keys: dict[str, int] = {}  # file id -> its row
    failed: set[str] = set()  # file ids whose annotation was not imported
    with transaction.atomic():
        if fmt == "csv":
            records = _csv_records(data)
            items = _flat_items(records, resolver=resolver, report=report, keys=keys, failed=failed)
        elif fmt == "jsonl":
            records = _jsonl_records(data)
            items = _flat_items(records, resolver=resolver, report=report, keys=keys, failed=failed)
        elif fmt == "jsonld":
            iris = Iris(base_url or default_base_url())
            items = _jsonld_items(
                data, resolver=resolver, report=report, iris=iris, keys=keys, failed=failed
            )
        else:
            items = _spacy_items(data, resolver=resolver, report=report)
        _write(items, user=user, report=report, keys=keys, failed=failed)
    report.errors.sort(key=lambda error: error["row"])
    logger.info(
        "annotations.imported team=%s format=%s created=%s skipped=%s errors=%s",
        team.slug,
        fmt,
        len(report.created),
        len(report.skipped),
        len(report.errors),
    )
    return report
