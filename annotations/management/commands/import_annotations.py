"""`manage.py import_annotations FILE --team SLUG --format csv --user USERNAME`.

Imports an export of ``export_annotations`` (csv, jsonl, jsonld or spacy; FILE may be - for
standard input) into a team holding the same articles, as USERNAME (an analyst or owner there).
Each bad row is reported on standard error with its number (the first 100, then how many more),
and the rest goes on; the file is read as the import goes, never whole. Annotations
already in the team are skipped, so importing a file twice creates nothing. Exits non-zero if
the file cannot be read, or if it has rows and not one of them could be imported.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.formats import FORMATS, ROW_NAMES
from annotations.lib.plural import counted
from annotations.models import Team
from annotations.services.annotation_imports import MAX_IMPORT_BYTES, annotations_import


class Command(BaseCommand):
    help = "Import annotations exported by export_annotations into a team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the exported file, or - for standard input")
        parser.add_argument("--team", required=True, help="the team's slug")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--user", required=True, help="who becomes the annotations' author")
        parser.add_argument("--base-url", default="", help="jsonld: the base of this site's IRIs")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        fmt = options["format"]
        with self._open(options["file"]) as stream:
            try:
                report = annotations_import(
                    team=team, user=user, fmt=fmt, stream=stream, base_url=options["base_url"]
                )
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
            except ValidationError as exc:
                raise CommandError(f"{options['file']}: {' '.join(exc.messages)}") from None
        for error in report.errors:
            self.stderr.write(f"{ROW_NAMES[fmt]} {error['row']}: {error['message']}")
        if report.error_list.truncated:
            self.stderr.write(
                f"... and {counted(report.error_count - len(report.errors), 'more error')}, "
                "not shown."
            )
        self.stdout.write(
            f"{len(report.created)} imported, {len(report.skipped)} already there, "
            f"{counted(report.error_count, 'error')}."
        )
        if report.error_count and not report.created and not report.skipped:
            raise CommandError("Nothing could be imported.")

    def _open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """The file, opened to be read in chunks as the import goes."""
        if name == "-":
            return contextlib.nullcontext(sys.stdin.buffer)
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise CommandError(f"{name}: larger than {MAX_IMPORT_BYTES // 2**20} MB.")
        try:
            return path.open("rb")
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror}.") from None
