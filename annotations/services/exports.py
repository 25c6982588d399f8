"""Team exports of annotations: a read, in any of the four formats of ``annotations/formats/``.

An export holds the team's annotations that the requesting user may see (``visible_to``: no one
else's private notes, nothing in the trash), pending and rejected model suggestions excepted,
in reading order: ``csv`` and ``jsonl`` one flat record per annotation with its replies and
verdicts, ``jsonld`` one W3C AnnotationCollection with the replies and verdicts as annotations
of their own, ``spacy`` the approved spans (a span per tag) and the accepted entity mentions
(``ents``), a line per article; ``docbin_export`` the spaCy data as a DocBin. Each format's module
describes its shape; ``services/annotation_imports.py`` reads any of them back into a team.

Every format is written as it is read, so memory stays flat however large the team:
``TeamExport`` walks the annotations with ``QuerySet.iterator`` (a server-side cursor on
PostgreSQL), ``EXPORT_CHUNK`` rows at a time, with their tags, replies, reviews and the sources
they may name fetched per chunk, and yields the file in pieces. The API streams them
(``StreamingHttpResponse``), the command writes them to its file as they come.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import batched, chain, groupby
from operator import attrgetter, itemgetter
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from annotations.formats import EXTENSIONS, FORMATS, MEDIA_TYPES, check_format
from annotations.formats.claims import CLAIM_TERM, claim_jsonld
from annotations.formats.csv import csv_lines
from annotations.formats.figures import figure_item, figure_record
from annotations.formats.jsonl import jsonl_lines
from annotations.formats.jsonld import (
    Iris,
    discussion_items,
    team_collection_item,
    team_collection_lines,
)
from annotations.formats.jsonld_notes import note_item
from annotations.formats.records import export_record
from annotations.formats.spacy import spacy_record
from annotations.models import (
    Annotation,
    Article,
    ArticleNote,
    Figure,
    Membership,
    Mention,
    Reply,
    Review,
    Team,
)
from annotations.selectors.claims import claims_of_annotations
from annotations.selectors.grading import current_grades
from annotations.services.teams import require_role

logger = logging.getLogger(__name__)

# The formats and their media types are part of what an export offers (the API's export action
# reads them here).
__all__ = [
    "FORMATS",
    "HIDDEN_SUGGESTIONS",
    "MEDIA_TYPES",
    "TeamExport",
    "annotations_export",
    "default_base_url",
    "export_filename",
    "exportable_annotations",
    "spacy_records",
]

HIDDEN_SUGGESTIONS = (Annotation.SuggestionState.PENDING, Annotation.SuggestionState.REJECTED)
# Annotations per fetch of the cursor, and per query for their tags and sources.
EXPORT_CHUNK = 500
# Article texts per fetch in the spaCy export (an article may be 1,000,000 characters).
TEXT_CHUNK = 16
# What a piece of an export's bytes gathers before it is handed on (the first goes at once).
PIECE_BYTES = 64 * 1024


def default_base_url() -> str:
    """The base of the IRIs in a JSON-LD export made outside a request (a command)."""
    return getattr(settings, "NEWSNOTES_BASE_URL", "") or "http://localhost:8000"


def export_filename(*, team: Team, fmt: str, day: datetime | None = None) -> str:
    day = day or timezone.now()
    return f"newsnotes-{team.slug}-{day.date().isoformat()}.{EXTENSIONS[check_format(fmt)]}"


def _exportable(*, team: Team, user: User) -> QuerySet[Annotation]:
    require_role(user=user, team=team, roles=Membership.Role.values, action="export annotations")
    return (
        Annotation.objects.visible_to(user)
        .filter(team=team)
        .exclude(suggestion_state__in=HIDDEN_SUGGESTIONS)
    )


def exportable_annotations(*, team: Team, user: User) -> QuerySet[Annotation]:
    """What an export of the team holds for this user, in reading order. Articles come without
    their text (a team's texts can be large; the spaCy export reads them apart)."""
    return (
        _exportable(team=team, user=user)
        .select_related("article", "author", "attributed_to_entity")
        .defer("article__text")
        .prefetch_related(
            "tags",
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("author").order_by("created_at", "id"),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("reviewer").order_by("created_at", "id"),
            ),
        )
        .order_by("article_id", "start", "end", "id")
    )


@contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction for the whole export. On PostgreSQL a cursor outside a transaction is
    declared WITH HOLD, which materialises the whole result before the first row; inside one it
    streams. REPEATABLE READ makes the JSON-LD count and every chunk see the same rows."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


class TeamExport:
    """A team's annotations in one format, written as they are read: iterate it for the file's
    text in pieces (``pieces``: in bytes). ``count`` (annotations; spaCy: spans) is known once
    it is exhausted. Made with the user's role checked, before anything is written."""

    def __init__(self, *, team: Team, user: User, fmt: str, base_url: str = "") -> None:
        self.fmt = check_format(fmt)
        self.team, self.user = team, user
        self.base = _exportable(team=team, user=user)
        self.rows = exportable_annotations(team=team, user=user)
        self.iris = Iris(base_url or default_base_url())
        self.count = 0
        # Page notes travel in the JSON-LD collection only: the other formats are span tables.
        self.notes = (
            ArticleNote.objects.visible_to(user)
            .filter(team=team)
            .select_related("article", "author")
            .defer("article__text")
            .order_by("article_id", "created_at", "id")
        )
        # Figures: in each JSON Lines record, and as items of the JSON-LD collection.
        self.figures = (
            Figure.objects.visible_to(user)
            .filter(team=team)
            .select_related("subject")
            .order_by("article_id", "start", "id")
        )

    def __iter__(self) -> Iterator[str]:
        with _snapshot():
            if self.fmt == "csv":
                yield from csv_lines(self._records())
            elif self.fmt == "jsonl":
                yield from jsonl_lines(self._records())
            elif self.fmt == "jsonld":
                # Counted after the document's start has left: the first bytes go at once.
                items = chain(self._jsonld_items(), self._note_items(), self._figure_items())
                yield from team_collection_lines(
                    self.team,
                    items,
                    total=lambda: self._jsonld_total() + self.notes.count() + self.figures.count(),
                    iris=self.iris,
                )
            else:
                yield from jsonl_lines(self.spacy_records())
        logger.info(
            "annotations.exported team=%s format=%s count=%s", self.team.slug, self.fmt, self.count
        )

    def pieces(self, size: int = PIECE_BYTES) -> Iterator[bytes]:
        """The file as UTF-8, in pieces of about ``size`` bytes; the first one at once, so that
        a download starts before the first chunk of annotations is read."""
        buffer: list[bytes] = []
        held = 0
        first = True
        for text in self:
            data = text.encode("utf-8")
            if first:
                first = False
                yield data
                continue
            buffer.append(data)
            held += len(data)
            if held >= size:
                yield b"".join(buffer)
                buffer, held = [], 0
        if buffer:
            yield b"".join(buffer)

    # --- the rows, a chunk at a time ---

    def _chunks(self, rows: QuerySet[Annotation]) -> Iterator[tuple[Annotation, ...]]:
        for chunk in batched(rows.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
            yield chunk
            _release(chunk)

    def _exported_sources(self, chunk: Iterable[Annotation]) -> set[int]:
        """Which of the sources the chunk's annotations name are in the export (a teammate's
        private note is not, and is not named)."""
        ids = {a.attributed_to_id for a in chunk if a.attributed_to_id is not None}
        if not ids:
            return set()
        return set(self.base.filter(pk__in=ids).order_by().values_list("pk", flat=True))

    def _records(self) -> Iterator[dict[str, Any]]:
        for chunk in self._chunks(self.rows):
            exported = self._exported_sources(chunk)
            # JSON Lines records carry the figures each annotation states (formats/figures.py)
            # and each claim's cluster and hedges (#18); CSV keeps its columns.
            figures = self._figures_of(chunk) if self.fmt == "jsonl" else None
            claims = claims_of_annotations([a.pk for a in chunk]) if self.fmt == "jsonl" else {}
            grades = self._grades_of(chunk)
            for annotation in chunk:
                self.count += 1
                record = export_record(
                    annotation, exported=exported, reliability=grades.get(annotation.pk, "")
                )
                if figures is not None:
                    record["figures"] = figures.get(annotation.pk, [])
                    record["claim"] = claims.get(annotation.pk)
                yield record

    def _grades_of(self, chunk: Iterable[Annotation]) -> dict[int, str]:
        """The current reliability of each annotation's source (Admiralty grading)."""
        grades = current_grades(
            team_id=self.team.pk,
            entity_ids={a.attributed_to_entity_id for a in chunk if a.attributed_to_entity_id},
            outlet_ids={a.article.outlet_id for a in chunk if a.article.outlet_id},
        )
        return {
            a.pk: grades.of(entity_id=a.attributed_to_entity_id, outlet_id=a.article.outlet_id)
            for a in chunk
        }

    def _figures_of(self, chunk: Iterable[Annotation]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        rows = self.figures.filter(claim_id__in=[a.pk for a in chunk])
        for figure in rows.order_by("start", "id"):
            out.setdefault(figure.claim_id or 0, []).append(figure_record(figure))
        return out

    def _figure_items(self) -> Iterator[dict[str, Any]]:
        """Every figure of the team after the annotations; a claim is linked if exported."""
        rows = self.figures.select_related("article").defer("article__text")
        for chunk in batched(rows.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
            claims = {f.claim_id for f in chunk if f.claim_id is not None}
            exported = set(self.base.filter(pk__in=claims).values_list("pk", flat=True))
            for figure in chunk:
                self.count += 1
                yield figure_item(figure, iris=self.iris, exported=exported)

    def _jsonld_total(self) -> int:
        """The collection's items: the annotations, their replies and their verdicts."""
        ids = self.base.order_by().values("pk")
        return (
            self.base.count()
            + Reply.objects.filter(annotation__in=ids).count()
            + Review.objects.filter(annotation__in=ids).count()
        )

    def _jsonld_items(self) -> Iterator[dict[str, Any]]:
        for chunk in self._chunks(self.rows):
            exported = self._exported_sources(chunk)
            claims = claims_of_annotations([a.pk for a in chunk])
            grades = self._grades_of(chunk)
            for annotation in chunk:
                self.count += 1
                item = team_collection_item(
                    annotation,
                    iris=self.iris,
                    exported=exported,
                    reliability=grades.get(annotation.pk, ""),
                )
                if annotation.pk in claims:
                    item[CLAIM_TERM] = claim_jsonld(claims[annotation.pk], base=self.iris.base)
                yield item
                yield from discussion_items(annotation, iris=self.iris)

    def _note_items(self) -> Iterator[dict[str, Any]]:
        for note in self.notes.iterator(chunk_size=EXPORT_CHUNK):
            self.count += 1
            yield note_item(note, iris=self.iris)

    def spacy_records(self) -> Iterator[dict[str, Any]]:
        """The approved annotations as spaCy records, an article at a time: the annotations
        come in article order, and so do the texts, read alongside by a second cursor."""
        approved = (
            self.rows.filter(review_state=Annotation.ReviewState.APPROVED)
            .prefetch_related(None)
            .prefetch_related("tags")
        )
        articles = approved.order_by().values("article_id")
        texts = (
            Article.objects.filter(pk__in=articles)
            .order_by("pk")
            .values_list("pk", "text")
            .iterator(chunk_size=TEXT_CHUNK)
        )
        # The accepted mentions of the same articles, in the same order: a third cursor.
        mentions = (
            Mention.objects.filter(article__in=articles, rejected=False)
            .order_by("article_id", "start", "end", "id")
            .values_list("article_id", "start", "end", "entity__kind", "text")
            .iterator(chunk_size=EXPORT_CHUNK)
        )
        mentions_of = groupby(mentions, key=itemgetter(0))
        mention_group: tuple[int, Iterator[tuple[int, int, int, str, str]]] = (0, iter(()))
        text_of: tuple[int, str] = (0, "")
        rows = approved.iterator(chunk_size=EXPORT_CHUNK)
        for article_id, group in groupby(rows, key=attrgetter("article_id")):
            while text_of[0] != article_id:
                text_of = next(texts)
            while mention_group[0] < article_id:
                mention_group = next(mentions_of, (sys.maxsize, iter(())))
            found = mention_group[1] if mention_group[0] == article_id else iter(())
            annotations = list(group)
            record = spacy_record(
                annotations,
                text=text_of[1],
                mentions=[(start, end, kind, said) for _, start, end, kind, said in found],
            )
            _release(annotations)
            if record is not None:
                self.count += len(record["spans"])
                yield record


def _release(annotations: Iterable[Annotation]) -> None:
    """Free the rows written at once: a prefetched queryset of tags holds its annotation (as
    a hint), a cycle that only the cycle collector frees, much later, with a large export's
    memory grown in between."""
    for annotation in annotations:
        annotation.__dict__.pop("_prefetched_objects_cache", None)


def spacy_records(*, team: Team, user: User) -> list[dict[str, Any]]:
    """The team's approved annotations as spaCy span categorisation data, one record per
    article (``formats/spacy.py``), all at once (a DocBin is built whole)."""
    export = TeamExport(team=team, user=user, fmt="spacy")
    with _snapshot():
        return list(export.spacy_records())


DOCBIN_MEDIA_TYPE = "application/octet-stream"


def docbin_filename(*, team: Team, day: datetime | None = None) -> str:
    day = day or timezone.now()
    return f"newsnotes-{team.slug}-{day.date().isoformat()}.spacy"


def docbin_export(*, team: Team, user: User, lang: str = "en") -> tuple[bytes, list[Any]]:
    """The spaCy export as a DocBin (``nlp/training.py``): its bytes, and the spans and
    entities that do not fall on token boundaries (left out of it). Built whole in memory, as
    a DocBin is: the streamed ``spacy`` format is the one for very large teams."""
    from annotations.nlp.training import docbin_from_records  # loads spaCy: only here

    docbin, misaligned = docbin_from_records(spacy_records(team=team, user=user), lang=lang)
    return docbin.to_bytes(), misaligned


def annotations_export(
    *, team: Team, user: User, fmt: str, out: IO[str], base_url: str = ""
) -> int:
    """Write the team's export in ``fmt`` to ``out`` as it is read; return how many
    annotations (spaCy: how many spans) it holds."""
    export = TeamExport(team=team, user=user, fmt=fmt, base_url=base_url)
    for text in export:
        out.write(text)
    return export.count
