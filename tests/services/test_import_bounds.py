"""Imports of broken files stay small: the first 100 errors and the count of them all, read in
chunks so that memory stays flat in the size of the file (the article import and the import of
annotations in each format, through the services and the commands)."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Annotation, Article
from annotations.services.annotation_imports import annotations_import
from annotations.services.imports import import_jsonl

# Lines of about 200 bytes, each broken: an unterminated string.
BROKEN_LINE = b'{"text": "' + b"x" * 190 + b"\n"


def peak_while(run: Callable[[], Any]) -> tuple[Any, int]:
    """What ``run`` returns, and the peak of memory it allocated (tracemalloc)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def broken_files(tmp_path: Path, lines: int) -> dict[str, Path]:
    """A file of ``lines`` broken rows (or items) in each format, of about 200 bytes each."""
    pad = "y" * 180
    contents = {
        "articles": BROKEN_LINE * lines,
        "jsonl": BROKEN_LINE * lines,
        "spacy": BROKEN_LINE * lines,
        "csv": b"start,end,exact,article_url\r\n" + f"1,2,{pad}\r\n".encode() * lines,
        "jsonld": b'{"type": "AnnotationPage", "items": ['
        + b",".join([json.dumps({"id": 7, "x": pad}).encode()] * lines)
        + b"]}",
    }
    paths = {}
    for name, content in contents.items():
        paths[name] = tmp_path / f"broken.{name}"
        paths[name].write_bytes(content)
    return paths


def test_a_file_of_broken_lines_reports_the_first_100_and_the_count(team_a, alice):
    report = import_jsonl(
        team=team_a, user=alice, lines=io.BytesIO(b"{oops\n" * 1000), analyze=False
    )
    assert report.error_count == 1000
    assert [error["line"] for error in report.errors] == list(range(1, 101))
    summary = report.as_dict()
    assert (summary["error_count"], summary["errors_truncated"]) == (1000, True)
    assert len(summary["errors"]) == 100
    assert summary["lines"] == 1000


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonld", "spacy"])
def test_an_annotation_file_of_broken_rows_reports_the_first_100_and_the_count(
    team_a, alice, tmp_path, fmt
):
    path = broken_files(tmp_path, 1000)[fmt]
    with path.open("rb") as stream:
        report = annotations_import(team=team_a, user=alice, fmt=fmt, stream=stream)
    first = 2 if fmt == "csv" else 1  # the CSV header is row 1
    assert report.error_count == 1000
    assert [error["row"] for error in report.errors] == list(range(first, first + 100))
    assert report.as_dict()["errors_truncated"] is True
    assert report.records == 1000
    assert not Annotation.objects.exists()


def test_few_errors_are_all_reported_and_not_truncated(team_a, alice):
    report = import_jsonl(
        team=team_a, user=alice, lines=[b'{"text": "fine"}\n', b"{oops\n"], analyze=False
    )
    assert report.as_dict()["errors"] == [
        {"line": 2, "message": report.errors[0]["message"]},
    ]
    assert (report.error_count, report.as_dict()["errors_truncated"]) == (1, False)


# --- memory: flat in the size of the file ------------------------------------------------------


def test_the_article_import_reads_a_large_broken_file_in_flat_memory(team_a, alice, tmp_path):
    path = broken_files(tmp_path, 50_000)["articles"]  # 10 MB
    with path.open("rb") as stream:
        report, peak = peak_while(
            lambda: import_jsonl(team=team_a, user=alice, lines=stream, analyze=False)
        )
    assert report.error_count == 50_000
    assert peak < path.stat().st_size // 5
    assert len(json.dumps(report.as_dict())) < 20_000
    assert not Article.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonld", "spacy"])
def test_the_annotation_import_reads_a_large_broken_file_in_flat_memory(
    team_a, alice, tmp_path, fmt
):
    path = broken_files(tmp_path, 25_000)[fmt]  # about 5 MB
    with path.open("rb") as stream:
        report, peak = peak_while(
            lambda: annotations_import(team=team_a, user=alice, fmt=fmt, stream=stream)
        )
    assert report.error_count == 25_000
    assert peak < path.stat().st_size // 3
    assert len(json.dumps(report.as_dict())) < 20_000


# --- the commands ------------------------------------------------------------------------------


def test_import_articles_prints_the_first_100_bad_lines_and_the_count(team_a, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(json.dumps({"text": "Kirby said so."}).encode() + b"\n" + b"{oops\n" * 250)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", str(path), team="desk-a", analyze="no", stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert len(lines) == 101
    assert lines[0].startswith("line 2: malformed JSON")
    assert lines[99].startswith("line 101: ")
    assert lines[100] == "... and 150 more bad lines, not shown."
    assert out.getvalue().strip() == "1 imported, 0 already there, 250 bad lines."


def test_import_annotations_prints_the_first_100_errors_and_the_count(team_b, carol, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{oops\n" * 150)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing could be imported"):
        call_command(
            "import_annotations", path, "--team=desk-b", "--format=jsonl", "--user=carol",
            stderr=err, stdout=io.StringIO(),
        )  # fmt: skip
    lines = err.getvalue().splitlines()
    assert len(lines) == 101
    assert lines[99].startswith("line 100: malformed JSON")
    assert lines[100] == "... and 50 more errors, not shown."


def test_import_annotations_reads_standard_input_in_chunks_even_for_jsonld(
    team_b, carol, monkeypatch
):
    document = {"type": "AnnotationPage", "items": ["junk"] * 120}

    class Stdin:
        buffer = io.BufferedReader(io.BytesIO(json.dumps(document).encode()))

    monkeypatch.setattr(Stdin.buffer, "seekable", lambda: False)
    monkeypatch.setattr("sys.stdin", Stdin)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing could be imported"):
        call_command(
            "import_annotations", "-", "--team=desk-b", "--format=jsonld", "--user=carol",
            stderr=err, stdout=out,
        )  # fmt: skip
    assert out.getvalue().strip() == "0 imported, 0 already there, 120 errors."
    assert err.getvalue().splitlines()[0] == (
        "item 1: Each item must be an annotation (a JSON object)."
    )
