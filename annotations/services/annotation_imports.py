"""Importing a team export (``annotations/formats/``, any of the four formats) into a team.

``annotations_import`` reads any of them into a team holding the same articles: every
annotation is created by ``annotation_create`` as the importing user (so every rule applies and
each starts as a draft: a review is a verdict given in the other team), in a savepoint of its
own, so a bad row is reported with its number and writes nothing while the rest goes on. A row
already in the team (same article, span, quote, tag set and comment; for spaCy: the span
already has that tag) is skipped, so importing a file twice creates nothing. Attributions are
linked to the imported copies of their sources, wherever those stand in the file. A file that
cannot be read at all (not UTF-8, binary, malformed JSON, wrong columns) raises a
ValidationError naming ``file`` and writes nothing.

Pass 1 (``annotation_import_items.py``) reads the file and resolves each record against the
team; pass 2 (here) creates what is not already there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction

from annotations.formats import ROW_NAMES, check_format
from annotations.formats.csv import read_csv
from annotations.formats.files import Source, file_chunks, split_lines, spooled, text_lines
from annotations.formats.jsonl import read_jsonl
from annotations.formats.jsonld import Iris, read_jsonld
from annotations.formats.spacy import read_spacy
from annotations.lib.errorlist import ErrorList, ErrorReporting
from annotations.models import Annotation, Article, ArticleNote, Team
from annotations.services.annotation_import_items import (
    ImportItem,
    NoteItem,
    Resolver,
    error_message,
    flat_items,
    jsonld_items,
    spacy_items,
)
from annotations.services.annotations import annotation_create
from annotations.services.exports import HIDDEN_SUGGESTIONS, default_base_url
from annotations.services.notes import article_note_create
from annotations.services.teams import ANNOTATE_ROLES, require_role

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 512 * 1024 * 1024
# A line of a JSON Lines or spaCy file is bounded by the file: a spaCy line holds an article's
# whole text and every span on it, so no smaller bound fits every line an export writes.
MAX_IMPORT_LINE_BYTES = MAX_IMPORT_BYTES


@dataclass
class AnnotationImportReport(ErrorReporting):
    """What an import did: the annotations it created, those it found already there (skipped),
    and the first ``MAX_REPORTED_ERRORS`` messages for bad rows, by row (``row`` counts as
    ``ROW_NAMES[format]`` says), with the count of them all."""

    format: str
    records: int = 0
    created: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    notes_created: list[int] = field(default_factory=list)  # page notes (JSON-LD only)
    error_list: ErrorList = field(default_factory=lambda: ErrorList("row"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "records": self.records,
            "created": len(self.created),
            "skipped": len(self.skipped),
            **self.error_list.summary(),
            "annotation_ids": self.created,
            "notes_created": len(self.notes_created),
        }


class _Existing:
    """The annotations already on an article (those the importer sees), by span, for dedupe."""

    def __init__(self, user: User) -> None:
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
    def _span(item: ImportItem) -> tuple[int, int, str]:
        exact = item.exact if item.exact is not None else item.article.text[item.start : item.end]
        return item.start, item.end, exact

    def find(self, item: ImportItem) -> int | None:
        tags = frozenset(tag.pk for tag in item.tags)
        for their_tags, comment, pk in self._on(item.article).get(self._span(item), []):
            if item.tag_subset and tags <= their_tags:
                return int(pk)
            if not item.tag_subset and their_tags == tags and comment == item.comment:
                return int(pk)
        return None

    def add(self, item: ImportItem, annotation: Annotation) -> None:
        tags = frozenset(tag.pk for tag in item.tags)
        entry = (tags, annotation.comment, annotation.pk)
        self._on(item.article).setdefault(self._span(item), []).append(entry)


def _create(item: ImportItem, *, user: User, source: Annotation | None) -> Annotation:
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
    items: list[ImportItem],
    *,
    user: User,
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
                report.error(item.row, item.say(error_message(exc)))
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


def _write_notes(notes: list[NoteItem], *, user: User, report: AnnotationImportReport) -> None:
    """Create the page notes, each in a savepoint; a note with the same text that the user
    already wrote on the article is there already."""
    for item in notes:
        if ArticleNote.objects.filter(
            article=item.article, author=user, text=item.text.strip(), deleted_at__isnull=True
        ).exists():
            continue
        try:
            with transaction.atomic():
                note = article_note_create(
                    article=item.article, author=user, text=item.text, visibility=item.visibility
                )
        except (ValidationError, PermissionDenied) as exc:
            report.error(item.row, error_message(exc))
            continue
        report.notes_created.append(note.pk)


def annotations_import(
    *,
    team: Team,
    user: User,
    fmt: str,
    stream: Source,
    base_url: str = "",
) -> AnnotationImportReport:
    """Import an export (any of ``FORMATS``) into ``team`` as ``user``; see the module's
    docstring. Raises ValidationError naming ``file`` if the file cannot be read at all, and
    PermissionDenied unless the user annotates in the team (analysts and owners)."""
    check_format(fmt)
    require_role(user=user, team=team, roles=ANNOTATE_ROLES, action="import annotations")
    if fmt == "jsonld":
        stream = spooled(stream)  # read twice (jsonld_items)
    report = AnnotationImportReport(format=fmt)
    resolver = Resolver(team=team, user=user)
    keys: dict[str, int] = {}  # file id -> its row
    failed: set[str] = set()  # file ids whose annotation was not imported
    notes: list[NoteItem] = []  # page notes (JSON-LD items that target a whole article)

    def chunks() -> Iterator[bytes]:
        return file_chunks(stream, max_bytes=MAX_IMPORT_BYTES)

    def lines() -> Iterator[bytes]:
        return split_lines(chunks(), max_line_bytes=MAX_IMPORT_LINE_BYTES)

    with transaction.atomic():
        if fmt == "csv":
            records = read_csv(text_lines(split_lines(chunks())))
            items = flat_items(records, resolver=resolver, report=report, keys=keys, failed=failed)
        elif fmt == "jsonl":
            records = read_jsonl(lines(), max_line_bytes=MAX_IMPORT_LINE_BYTES)
            items = flat_items(records, resolver=resolver, report=report, keys=keys, failed=failed)
        elif fmt == "jsonld":
            iris = Iris(base_url or default_base_url())
            items = jsonld_items(
                lambda: read_jsonld(chunks()),
                resolver=resolver,
                report=report,
                iris=iris,
                keys=keys,
                failed=failed,
                notes=notes,
            )
        else:
            spacy_lines = read_spacy(lines(), max_line_bytes=MAX_IMPORT_LINE_BYTES)
            items = spacy_items(spacy_lines, resolver=resolver, report=report)
        _write(items, user=user, report=report, keys=keys, failed=failed)
        _write_notes(notes, user=user, report=report)
    logger.info(
        "annotations.imported team=%s format=%s created=%s skipped=%s errors=%s",
        team.slug,
        fmt,
        len(report.created),
        len(report.skipped),
        report.error_count,
    )
    return report
