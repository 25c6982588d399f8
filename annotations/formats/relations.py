"""Typed relations (``selectors/network.py``'s ``relation_row``) as CSV or JSON, streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from annotations.formats.csv import csv_cell

RELATION_COLUMNS = (
    "id",
    "source_id",
    "source",
    "label",
    "target_id",
    "target",
    "note",
    "created_by",
    "created_at",
    "updated_at",
    "changes",
)


class _Row:
    text = ""

    def write(self, text: str) -> None:
        self.text = text


def relations_csv(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One line per relation, UTF-8 with a byte-order mark; formula-like cells guarded;
    ``changes`` counts its history's events."""
    out = _Row()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RELATION_COLUMNS)
    yield ("\ufeff" + out.text).encode("utf-8")
    for row in rows:
        writer.writerow(
            [
                row["id"],
                row["source"]["id"],
                csv_cell(row["source"]["name"]),
                csv_cell(row["label"]),
                row["target"]["id"],
                csv_cell(row["target"]["name"]),
                csv_cell(row["note"]),
                csv_cell(row["created_by"] or ""),
                row["created_at"],
                row["updated_at"],
                len(row["history"]),
            ]
        )
        yield out.text.encode("utf-8")


def relations_json(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """A JSON array of relations, each with its history, written a relation at a time."""
    yield b"["
    for index, row in enumerate(rows):
        yield (b"," if index else b"") + json.dumps(row, ensure_ascii=False).encode("utf-8")
    yield b"]\n"
