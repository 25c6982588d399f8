"""CSV: one row per annotation, the columns ``EXPORT_FIELDS`` (``records.py``).

Tags are slugs joined by ``|``. The discussion and the review travel in two more columns,
``replies`` and ``reviews``, each the JSON array of the JSON Lines record (empty when there is
none): one file and one row per annotation, so that a spreadsheet still sorts and filters
annotations, the export still streams, and the importer reads the same file (it ignores these
two columns). A second file in a zip would have to wait for the whole first one or read the team
twice, and would need its own join key for a spreadsheet.

The file is UTF-8 with a byte-order mark, so that spreadsheets read it as UTF-8, and rows end in
CRLF. A cell a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return, after any apostrophes) gets a leading apostrophe; the reader strips exactly that one. A
file to import needs a header row naming its columns, of which ``start``, ``end``, ``exact`` and
``article_url`` or ``article_sha256`` are required; the other columns may be left out. Rows are
numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from annotations.formats.files import file_error
from annotations.formats.records import EXPORT_FIELDS
from annotations.lib.plural import noun

# What the importer needs of a CSV file; the other columns may be left out.
REQUIRED_COLUMNS = ("start", "end", "exact")

# Cells a spreadsheet runs as formulas (OWASP's list), after any apostrophes: guarding those too
# makes the apostrophe the exporter adds the only one the importer strips.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def csv_cell(value: Any) -> str:
    """A cell as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


def csv_uncell(text: str) -> str:
    """The inverse of ``csv_cell``: strip the apostrophe it adds, and only that one."""
    return text[1:] if _GUARDED.match(text) else text


class _Row:
    """What csv.writer writes to: the last row, as text."""

    text = ""

    def write(self, text: str) -> None:
        self.text = text


def _json_cell(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""


def csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Flat records (``records.export_record``) as CSV, a row at a time as they come: the
    byte-order mark and the header row first."""
    row = _Row()
    writer = csv.writer(row, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    yield "\ufeff" + row.text
    for record in records:
        cells = {
            **record,
            "tags": "|".join(record["tags"]),
            "replies": _json_cell(record["replies"]),
            "reviews": _json_cell(record["reviews"]),
        }
        writer.writerow(csv_cell(cells[name]) for name in EXPORT_FIELDS)
        yield row.text


def write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """Write flat records (``records.export_records``) as CSV, header row first."""
    for line in csv_lines(records):
        out.write(line)


def read_csv(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | ValidationError]]:
    """Each row of a CSV file, given as its lines of text with their endings (without the
    byte-order mark; ``files.text_lines``), as its number and its values, tags a list of slugs,
    or a ValidationError for that row. A file that cannot be read at all (no header, unknown or
    missing columns, malformed CSV) raises a ValidationError naming ``file``; so does a file
    that turns out not to be UTF-8 further down (``text_lines`` raises it).
    """
    # A quote may be a whole article; the csv module's default limit is 128 KiB per field.
    limit = 4 * settings.NEWSNOTES_MAX_ARTICLE_CHARS
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    reader = csv.reader(lines, strict=True)
    row = 0  # the last row read: a csv.Error concerns the next one
    try:
        header = next(reader, None)
        row = 1
        if not header or not any(cell.strip() for cell in header):
            raise file_error(
                "The file is empty; a CSV export starts with a header row: "
                + ",".join(EXPORT_FIELDS)
            )
        columns = [cell.strip() for cell in header]
        unknown = [c for c in columns if c not in EXPORT_FIELDS]
        if unknown:
            raise file_error(
                f"Unknown {noun(len(unknown), 'column')} "
                f"{', '.join(repr(c[:40]) for c in unknown[:5])} in the header "
                f"row; the columns are {','.join(EXPORT_FIELDS)}."
            )
        doubled = sorted({c for c in columns if columns.count(c) > 1})
        if doubled:
            raise file_error(
                f"The {noun(len(doubled), 'column')} {', '.join(doubled)} "
                f"{ngettext('appears', 'appear', len(doubled))} more than once."
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if "article_url" not in columns and "article_sha256" not in columns:
            missing.append("article_url or article_sha256")
        if missing:
            raise file_error(
                f"The header row lacks the {noun(len(missing), 'column')} {', '.join(missing)}."
            )
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
            # The discussion is not imported (records.py); its cells are not read.
            values.pop("replies", None)
            values.pop("reviews", None)
            yield row, values
    except csv.Error as exc:
        raise file_error(f"Malformed CSV at row {row + 1}: {exc}.") from None
