"""JSON Lines: one JSON object per line; and the one line parser of every JSON Lines import.

As an export (format ``jsonl``): one flat record per line, the fields ``EXPORT_FIELDS`` of
``records.py``; tags a list of slugs, ids numbers or null. UTF-8 without a byte-order mark,
non-ASCII characters as themselves, each line ending in a line feed.

``read_lines`` reads every JSON Lines file the app imports: annotations in this format and in
spaCy's (``spacy.py``), and articles (``services/imports.py``). Lines are numbered from 1;
blank lines count but are skipped; a UTF-8 byte-order mark before the first line is dropped,
and a UTF-16 file is refused whole (a ValidationError naming ``file``). Each line is bounded
and a bad one is reported with its number while the rest goes on: a line over ``max_bytes``,
not UTF-8, malformed JSON, nested deeper than Python's recursion allows, with an integer longer
than Python converts (``sys.get_int_max_str_digits()``), not an object, or with a field it may
not have.
"""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError

from annotations.formats.files import file_error
from annotations.formats.records import EXPORT_FIELDS
from annotations.lib.plural import noun

# A 1 MB article text escaped as JSON, with its metadata, fits easily.
MAX_LINE_BYTES = 4 * 1024 * 1024

Line = bytes | str
# Exported, read back without a word: derived again after import (the claim's cluster and
# hedges, formats/claims.py).
DERIVED_FIELDS = ("claim",)


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Each record as a line of JSON, as it comes: a writer that holds one record at a time."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def write_jsonl(records: Iterable[dict[str, Any]], out: IO[str]) -> None:
    for line in jsonl_lines(records):
        out.write(line)


def numbered_lines(lines: Iterable[Line]) -> Iterator[tuple[int, Line]]:
    """The non-blank lines with their numbers (from 1), without their line ends, the first
    without a UTF-8 byte-order mark. Raises a ValidationError naming ``file`` if the first line
    starts as UTF-16 text."""
    for number, raw in enumerate(lines, start=1):
        if number == 1:
            if isinstance(raw, bytes):
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise file_error("The file is UTF-16 text; save it as UTF-8.")
                raw = raw.removeprefix(codecs.BOM_UTF8)
            else:
                raw = raw.removeprefix("\ufeff")
        # Without its line end, so that an error's column counts within the line.
        raw = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n")
        if not raw.strip():
            continue
        yield number, raw


def _too_long(raw: Line, max_bytes: int) -> bool:
    if isinstance(raw, bytes):
        return len(raw) > max_bytes
    # A code point is at most 4 bytes of UTF-8: encode only a line that may be too long.
    return len(raw) * 4 > max_bytes and len(raw.encode("utf-8", "surrogatepass")) > max_bytes


def parse_line(
    raw: Line,
    *,
    max_bytes: int = MAX_LINE_BYTES,
    fields: Collection[str] | None = None,
    expected: str = "a JSON object",
) -> dict[str, Any]:
    """One line as a JSON object with no field outside ``fields`` (if given); raises a
    ValidationError saying what is wrong with it."""
    if _too_long(raw, max_bytes):
        raise ValidationError(f"the line is over {max_bytes // 2**20} MB")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"malformed JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValidationError("JSON nested too deeply") from None
    except ValueError:  # an integer longer than int() converts
        raise ValidationError(
            f"a number has more than {sys.get_int_max_str_digits()} digits"
        ) from None
    if not isinstance(value, dict):
        raise ValidationError(f"each line must be {expected}")
    if fields is not None:
        unknown = sorted(set(value) - set(fields))
        if unknown:
            raise ValidationError(
                f"unknown {noun(len(unknown), 'field')} {', '.join(unknown)[:200]}"
            )
    return value


def read_lines(
    lines: Iterable[Line],
    *,
    max_bytes: int = MAX_LINE_BYTES,
    fields: Collection[str] | None = None,
    expected: str = "a JSON object",
) -> Iterator[tuple[int, dict[str, Any] | ValidationError]]:
    """Each non-blank line's number with its object, or with the ValidationError that says
    what is wrong with it (see ``parse_line``)."""
    for number, raw in numbered_lines(lines):
        try:
            record = parse_line(raw, max_bytes=max_bytes, fields=fields, expected=expected)
        except ValidationError as exc:
            yield number, exc
            continue
        yield number, record


def read_jsonl(
    lines: Iterable[Line], *, max_line_bytes: int
) -> Iterator[tuple[int, dict[str, Any] | ValidationError]]:
    """The flat records of a ``jsonl`` export, by line (``files.split_lines`` cuts a file into
    lines)."""
    # Derived fields (the claim's cluster, formats/figures.py's figures) are in the JSON Lines
    # export only; they are not read back.
    return read_lines(
        lines, max_bytes=max_line_bytes, fields=(*EXPORT_FIELDS, *DERIVED_FIELDS, "figures")
    )
