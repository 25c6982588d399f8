"""`manage.py import_articles FILE.jsonl --team SLUG`: bulk import, one article per line.

Each line is a JSON object: {"text": ..., "title": ..., "url": ..., "outlet": ...,
"authors": [...], "published_at": "2024-11-01T09:30:00Z", "language": "en"}; only "text" is
required. Bad lines are reported with their number (the first 100, then how many more) and the
rest goes on; the file is read as the import goes, never whole. Articles already in
the team (same URL or same text) are skipped, so importing a file twice creates nothing.
NER runs afterwards, in this process (--analyze=now, the default) or in the worker
(--analyze=queue).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotations.lib.plural import counted
from annotations.models import Job, Team
from annotations.services.analysis import articles_analyze
from annotations.services.imports import import_jsonl
from annotations.services.jobs import job_enqueue

MAX_FILE_BYTES = 2 * 1024**3


class Command(BaseCommand):
    help = "Import articles from a JSON Lines file into a team, then recognise entities."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a .jsonl file, or - for standard input")
        parser.add_argument("--team", required=True, help="the team's slug")
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--analyze",
            choices=["now", "queue", "no"],
            default="now",
            help="run NER now (default), queue it for the worker, or skip it",
        )
        parser.add_argument("--batch-size", type=int, default=32, help="nlp.pipe batch size")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        # Read in chunks as the import goes (import_jsonl bounds each line); never whole.
        stream = self._open(options["file"])
        quiet = options["verbosity"] == 0 or not sys.stderr.isatty()
        with tqdm(desc="import", unit=" lines", disable=quiet) as bar:
            last = [0]

            def progress(lines: int) -> None:
                bar.update(lines - last[0])
                last[0] = lines

            try:
                report = import_jsonl(
                    team=team,
                    user=user,
                    lines=stream,
                    analyze=False,  # queued below, or run here
                    # The analysis detects languages and indexes the text, unless skipped.
                    analysis_follows=options["analyze"] != "no",
                    on_progress=progress,
                )
            except ValidationError as exc:  # the file as a whole: UTF-16 text, say
                raise CommandError(f"{options['file']}: {' '.join(exc.messages)}") from None
        for error in report.errors:
            self.stderr.write(f"line {error['line']}: {error['message']}")
        if report.error_list.truncated:
            self.stderr.write(
                f"... and {counted(report.error_count - len(report.errors), 'more bad line')}, "
                "not shown."
            )
        self.stdout.write(
            f"{len(report.created)} imported, {report.duplicates} already there, "
            f"{counted(report.error_count, 'bad line')}."
        )
        if report.created and options["analyze"] == "now":
            with tqdm(
                total=len(report.created), desc="NER", unit=" articles", disable=quiet
            ) as bar:
                done = [0]

                def analysed(count: int, total: int) -> None:
                    bar.update(count - done[0])
                    done[0] = count

                result = articles_analyze(
                    article_ids=report.created,
                    batch_size=options["batch_size"],
                    on_progress=analysed,
                )
            self.stdout.write(
                f"{result.articles} analysed: {result.mentions} mentions, "
                f"{result.suggestions} suggested claims and sources."
            )
        elif report.created and options["analyze"] == "queue":
            job = job_enqueue(
                team=team,
                kind=Job.Kind.ANALYZE,
                params={"article_ids": report.created},
                created_by=user,
                total=len(report.created),
            )
            self.stdout.write(f"NER queued as job {job.pk}; run `manage.py worker`.")
        if report.error_count and not report.created and not report.duplicates:
            raise CommandError("No line could be imported.")

    def _open(self, name: str) -> Any:
        if name == "-":
            return sys.stdin.buffer
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{name}: larger than {MAX_FILE_BYTES // 1024**3} GB.")
        with path.open("rb") as probe:
            head = probe.read(8192)
        if b"\x00" in head:
            raise CommandError(f"{name}: this is a binary file, not JSON Lines text.")
        return path.open("rb")
