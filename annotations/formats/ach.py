"""Exports of an ACH matrix (``selectors/ach.py: analysis_matrix``) as CSV and JSON.

CSV: one row per evidence row, a column per hypothesis holding its rating, then the row's
weight, diagnosticity and sensitivity; the last rows give each hypothesis' weighted
inconsistency, consistency and rank. Cells that a spreadsheet would run as a formula are
prefixed with an apostrophe (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from annotations.formats.csv import csv_cell


def matrix_csv(matrix: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def write(values: list[Any]) -> None:
        writer.writerow([csv_cell(v) for v in values])

    hypotheses = matrix["hypotheses"]
    write(
        [
            "evidence",
            "claim",
            "quote",
            "note",
            *(h["text"] for h in hypotheses),
            "credibility",
            "reliability",
            "weight",
            "diagnostic",
            "changes_top",
            "changes_ranking",
        ]
    )
    for row in matrix["evidence"]:
        write(
            [
                row["id"],
                row["annotation"] or "",
                row["quote"],
                row["note"],
                *(row["ratings"].get(str(h["id"]), "") for h in hypotheses),
                row["credibility"] or "",
                row["reliability"] or "",
                row["effective_weight"],
                "yes" if row["diagnostic"] else "no",
                "yes" if row["changes_top"] else "no",
                "yes" if row["changes_ranking"] else "no",
            ]
        )
    for label, key in (
        ("inconsistency", "inconsistency"),
        ("consistency", "consistency"),
        ("rank", "rank"),
    ):
        write(["", "", "", label, *(h[key] for h in hypotheses)])
    return out.getvalue()


def matrix_json(matrix: dict[str, Any]) -> str:
    return json.dumps(
        {"format": "newsnotes-ach", "format_version": 1, **matrix}, ensure_ascii=False, indent=2
    )
