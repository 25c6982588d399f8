"""Batch screening's two formats: the list of names read from a paste or an upload, and the
result written as CSV.

A list is one name per line, or (a file named ``.csv``/``.tsv``, or a ``text/csv`` upload) a
CSV file whose header names a name column (``name``, ``names``, ``full name``, ``entity``,
``caption``, ``person``, ``organisation``...). Blank lines and repeats are dropped; every
refusal is a ValidationError naming the field (``names`` for a paste, ``file`` for an upload).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError

from annotations.formats.csv import csv_cell
from annotations.formats.files import Source, file_chunks, file_error, text_pieces
from annotations.models import MAX_NAME_LENGTH, MAX_SCREENING_NAMES

# An upload holds at most this many bytes (5,000 names of 200 characters; under the API's body
# limit, so that a larger file is a 400 naming `file`, not a 413).
MAX_UPLOAD_BYTES = 2**20
NAME_COLUMNS = (
    "name",
    "names",
    "full name",
    "full_name",
    "fullname",
    "entity",
    "entity name",
    "caption",
    "person",
    "organisation",
    "organization",
)
RESULT_COLUMNS = (
    "position",
    "name",
    "match_kind",
    "score",
    "entity_id",
    "entity_name",
    "matched_name",
    "article_count",
    "claim_count",
    "first_seen",
    "last_seen",
    "entity_url",
)


def names_clean(raw: Iterable[Any], *, field: str) -> list[str]:
    """The names stripped, without blanks and repeats, in their order; a ValidationError naming
    ``field`` for a name that is not text or too long, too many names, or none."""
    out: list[str] = []
    seen: set[str] = set()
    for index, value in enumerate(raw, start=1):
        if not isinstance(value, str):
            raise ValidationError({field: f"Name {index} is not text."})
        if "\x00" in value:
            # PostgreSQL's jsonb and text refuse NUL; say so instead of failing in the database.
            raise ValidationError({field: f"Name {index} contains the NUL character."})
        name = " ".join(value.split())
        if not name or name in seen:
            continue
        if len(name) > MAX_NAME_LENGTH:
            raise ValidationError(
                {field: f"Name {index} is longer than {MAX_NAME_LENGTH} characters."}
            )
        if len(out) >= MAX_SCREENING_NAMES:
            raise ValidationError({field: f"At most {MAX_SCREENING_NAMES:,} names in one list."})
        seen.add(name)
        out.append(name)
    if not out:
        raise ValidationError({field: "The list has no names."})
    return out


def names_from_text(text: str) -> list[str]:
    """A pasted list: one name per line."""
    return names_clean(text.splitlines(), field="names")


def _is_csv(filename: str, content_type: str) -> bool:
    return filename.lower().endswith((".csv", ".tsv")) or content_type in {
        "text/csv",
        "text/tab-separated-values",
    }


def _read_text(source: Source) -> str:
    return "".join(text_pieces(file_chunks(source, max_bytes=MAX_UPLOAD_BYTES)))


def _csv_names(text: str) -> Iterator[str]:
    lines = text.splitlines()
    if not lines:
        return
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(lines, dialect)
    header = [cell.strip().casefold() for cell in next(rows, [])]
    column = next((header.index(n) for n in NAME_COLUMNS if n in header), None)
    if column is None:
        raise file_error(
            "The CSV file has no name column: its first row should name one "
            "(name, full name, entity ...)."
        )
    try:
        for row in rows:
            yield row[column] if column < len(row) else ""
    except csv.Error as exc:
        raise file_error(f"The CSV file cannot be read: {exc}.") from None


def names_from_file(source: Source, *, filename: str = "", content_type: str = "") -> list[str]:
    """An uploaded list: CSV with a name column, or one name per line."""
    text = _read_text(source)
    if _is_csv(filename, content_type):
        return names_clean(_csv_names(text), field="file")
    return names_clean(text.splitlines(), field="file")


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def results_csv(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Result rows (``selectors/screening.py``'s ``result_row``) as CSV, UTF-8 with a byte-order
    mark, a row at a time; cells a spreadsheet would run as formulas are guarded."""

    class _Row:
        text = ""

        def write(self, text: str) -> None:
            self.text = text

    out = _Row()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    yield ("\ufeff" + out.text).encode("utf-8")
    for row in rows:
        entity = row.get("entity") or {}
        writer.writerow(
            [
                row["position"],
                csv_cell(row["name"]),
                row["match_kind"],
                f"{row['score']:.3f}",
                entity.get("id", ""),
                csv_cell(entity.get("name", "")),
                csv_cell(row["matched_name"]),
                row["article_count"],
                row["claim_count"],
                _when(row["first_seen"]),
                _when(row["last_seen"]),
                entity.get("url", ""),
            ]
        )
        yield out.text.encode("utf-8")
