"""spaCy: training data for span categorisation and NER, one line per article (JSON Lines).

Each line is ``{"text", "spans": [{"start", "end", "label"}], "ents": [{"start", "end",
"label"}], "meta": {"article_url", "article_sha256", "title"}}``: the article's text; its
approved annotations as ``spans`` in code points, one span per tag of the annotation (the label
is the tag's slug), so an annotation tagged claim and figure gives two spans on the same
characters; and the entity mentions analysts have not rejected as ``ents``, labelled with their
entity's kind (PERSON, GPE, ORG ...), for NER training. Annotations without tags have no label
and are left out, as are spans and mentions no longer anchored in the current text (orphaned by
an edit); the same span with the same label from two annotations is one span. ``ents`` may
overlap here (a mention inside a longer one); the DocBin keeps the longest of overlapping ones,
as ``doc.ents`` must not overlap. ``annotations/nlp/training.py`` turns these records into a
DocBin. Lines are read by ``jsonl.read_lines``; an error within a span names the span
(``span 2 (5-9): ...``). The importer reads ``spans`` (the tags of one span become one
annotation) and ignores ``ents``: mentions come from NER, not from a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError

from annotations.formats.jsonl import read_lines, write_jsonl
from annotations.formats.records import text_field, whole_field
from annotations.models import Annotation

SPACY_FIELDS = ("text", "spans", "ents", "meta")
# A mention as the spaCy export reads it: start, end, label (the entity's kind), its text.
MentionRow = tuple[int, int, str, str]


def spacy_record(
    approved: Sequence[Annotation], *, text: str, mentions: Iterable[MentionRow] = ()
) -> dict[str, Any] | None:
    """The record of one article from its approved annotations (each with ``article`` and
    ``tags`` loaded), its text and its accepted mentions; None if no span and no mention is
    left."""
    article = approved[0].article
    spans = sorted(
        {
            (a.start, a.end, tag.slug)
            for a in approved
            if text[a.start : a.end] == a.exact
            for tag in a.tags.all()
        }
    )
    ents = sorted(
        {(start, end, label) for start, end, label, said in mentions if text[start:end] == said}
    )
    if not spans and not ents:
        return None
    return {
        "text": text,
        "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
        "ents": [{"start": s, "end": e, "label": label} for s, e, label in ents],
        "meta": {
            "article_url": article.url,
            "article_sha256": article.text_sha256,
            "title": article.title,
        },
    }


def to_spacy_records(
    annotations: Iterable[Annotation],
    *,
    texts: dict[int, str],
    mentions: dict[int, list[MentionRow]] | None = None,
) -> list[dict[str, Any]]:
    """One record per article of the given (approved) annotations, in their order; ``texts``
    maps each article's id to its text, ``mentions`` to its accepted mentions. Each annotation
    needs ``article`` and ``tags`` loaded."""
    by_article: dict[int, list[Annotation]] = {}
    for annotation in annotations:
        by_article.setdefault(annotation.article_id, []).append(annotation)
    records = []
    for article_id, approved in by_article.items():
        record = spacy_record(
            approved, text=texts[article_id], mentions=(mentions or {}).get(article_id, ())
        )
        if record is not None:
            records.append(record)
    return records


def write_spacy(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    write_jsonl(records, out)


@dataclass(frozen=True)
class SpacySpan:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class SpacyLine:
    """A line read: the text, the article's URL and text hash as given (may be empty), and each
    span with the words that name it in an error, read or with what is wrong with it."""

    text: str
    url: str
    sha: str
    spans: list[tuple[str, SpacySpan | ValidationError]]


def _span(index: int, raw: Any) -> tuple[str, SpacySpan | ValidationError]:
    where = f"span {index}"
    try:
        if not isinstance(raw, dict):
            raise ValidationError("Must be an object with start, end and label.")
        start, end = whole_field(raw, "start"), whole_field(raw, "end")
        where = f"span {index} ({start}-{end})"
        label = text_field(raw, "label").strip()
        if not label:
            raise ValidationError({"label": "Missing: the tag's slug."})
    except ValidationError as exc:
        return where, exc
    return where, SpacySpan(start=start, end=end, label=label)


def _line(record: dict[str, Any]) -> SpacyLine:
    text, spans, meta = record.get("text"), record.get("spans"), record.get("meta", {})
    if not isinstance(text, str) or not text:
        raise ValidationError({"text": "Must be the article's text."})
    if not isinstance(spans, list):
        raise ValidationError({"spans": "Must be a list of {start, end, label}."})
    if not isinstance(meta, dict):
        raise ValidationError({"meta": "Must be an object."})
    url = text_field(meta, "article_url").strip()
    sha = text_field(meta, "article_sha256").strip()
    return SpacyLine(
        text=text,
        url=url,
        sha=sha,
        spans=[_span(index, span) for index, span in enumerate(spans, start=1)],
    )


def read_spacy(
    lines: Iterable[bytes | str], *, max_line_bytes: int
) -> Iterator[tuple[int, SpacyLine | ValidationError]]:
    """Each non-blank line's number with what it holds, or with what is wrong with it."""
    for number, record in read_lines(lines, max_bytes=max_line_bytes, fields=SPACY_FIELDS):
        if isinstance(record, ValidationError):
            yield number, record
            continue
        try:
            line = _line(record)
        except ValidationError as exc:
            yield number, exc
            continue
        yield number, line
