"""Team exports of annotations: a read, in any of the four formats of ``annotations/formats/``.

An export holds the team's annotations that the requesting user may see (``visible_to``: no one
else's private notes, nothing in the trash), pending and rejected model suggestions excepted,
in reading order: ``csv`` and ``jsonl`` one flat record per annotation, ``jsonld`` one W3C
AnnotationCollection, ``spacy`` the approved spans, a line per article. Each format's module
describes its shape; ``services/annotation_imports.py`` reads any of them back into a team.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from annotations.formats import EXTENSIONS, FORMATS, MEDIA_TYPES, check_format
from annotations.formats.csv import write_csv
from annotations.formats.jsonl import write_jsonl
from annotations.formats.jsonld import Iris, team_collection_to_jsonld, write_jsonld
from annotations.formats.records import export_records
from annotations.formats.spacy import to_spacy_records, write_spacy
from annotations.models import Annotation, Article, Membership, Team
from annotations.services.teams import require_role

logger = logging.getLogger(__name__)

# The formats and their media types are part of what an export offers (the API's export action
# reads them here).
__all__ = [
    "FORMATS",
    "HIDDEN_SUGGESTIONS",
    "MEDIA_TYPES",
    "annotations_export",
    "annotations_export_bytes",
    "default_base_url",
    "export_filename",
    "exportable_annotations",
    "spacy_records",
]

HIDDEN_SUGGESTIONS = (Annotation.SuggestionState.PENDING, Annotation.SuggestionState.REJECTED)


def default_base_url() -> str:
    """The base of the IRIs in a JSON-LD export made outside a request (a command)."""
    return getattr(settings, "NEWSNOTES_BASE_URL", "") or "http://localhost:8000"


def export_filename(*, team: Team, fmt: str, day: datetime | None = None) -> str:
    day = day or timezone.now()
    return f"newsnotes-{team.slug}-{day.date().isoformat()}.{EXTENSIONS[check_format(fmt)]}"


def exportable_annotations(*, team: Team, user: User) -> QuerySet[Annotation]:
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


def spacy_records(*, team: Team, user: User) -> list[dict[str, Any]]:
    """The team's approved annotations as spaCy span categorisation data, one record per
    article (``formats/spacy.py``)."""
    approved = list(
        exportable_annotations(team=team, user=user).filter(
            review_state=Annotation.ReviewState.APPROVED
        )
    )
    article_ids = list(dict.fromkeys(annotation.article_id for annotation in approved))
    texts = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "text"))
    return to_spacy_records(approved, texts=texts)


def annotations_export(
    *, team: Team, user: User, fmt: str, out: IO[str], base_url: str = ""
) -> int:
    """Write the team's export in ``fmt`` to ``out``; return how many annotations (spaCy: how
    many spans) it holds."""
    check_format(fmt)
    if fmt == "spacy":
        records = spacy_records(team=team, user=user)
        write_spacy(records, out)
        count = sum(len(record["spans"]) for record in records)
    elif fmt == "jsonld":
        rows = list(exportable_annotations(team=team, user=user))
        iris = Iris(base_url or default_base_url())
        write_jsonld(team_collection_to_jsonld(team, rows, iris=iris), out)
        count = len(rows)
    else:
        records = export_records(exportable_annotations(team=team, user=user))
        if fmt == "csv":
            write_csv(records, out)
        else:
            write_jsonl(records, out)
        count = len(records)
    logger.info("annotations.exported team=%s format=%s count=%s", team.slug, fmt, count)
    return count


def annotations_export_bytes(*, team: Team, user: User, fmt: str, base_url: str = "") -> bytes:
    out = io.StringIO()
    annotations_export(team=team, user=user, fmt=fmt, out=out, base_url=base_url)
    return out.getvalue().encode("utf-8")
