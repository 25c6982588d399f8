"""`manage.py export_annotations --team SLUG --format csv --user USERNAME [-o FILE]`.

Writes the team's annotations that USERNAME may see, in one of the formats of
``annotations/formats/`` (csv, jsonl, jsonld, spacy), to FILE or standard output, as it reads
them (memory stays flat however large the team).
``--format docbin`` writes the spaCy training data as a DocBin (.spacy) instead, and reports
the spans that do not start and end on token boundaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.formats import FORMATS
from annotations.lib.plural import counted
from annotations.models import Team
from annotations.services.exports import TeamExport, spacy_records


class Command(BaseCommand):
    help = "Export a team's annotations as CSV, JSON Lines, W3C JSON-LD or spaCy training data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="the team's slug")
        parser.add_argument("--format", required=True, choices=[*FORMATS, "docbin"])
        parser.add_argument("--user", required=True, help="export what this user may see")
        parser.add_argument("-o", "--output", help="the file to write (default: standard output)")
        parser.add_argument(
            "--base-url", default="", help="jsonld: the base of the IRIs (the site's address)"
        )
        parser.add_argument(
            "--lang", default="en", help="docbin: the language of spaCy's tokenizer (en)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        output = options["output"]
        if options["format"] == "docbin":
            try:
                self._docbin(team=team, user=user, output=output, lang=options["lang"])
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
            return
        try:
            export = TeamExport(
                team=team, user=user, fmt=options["format"], base_url=options["base_url"]
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        if output and output != "-":
            try:
                # newline="": CSV writes its own line ends. Written as it is read.
                with Path(output).open("w", encoding="utf-8", newline="") as out:
                    for text in export:
                        out.write(text)
            except OSError as exc:
                raise CommandError(f"{output}: {exc.strerror}.") from None
            self.stderr.write(f"{counted(export.count, 'annotation')} exported to {output}.")
        else:
            for text in export:
                self.stdout.write(text, ending="")
            self.stderr.write(f"{counted(export.count, 'annotation')} exported.")

    def _docbin(self, *, team: Team, user: Any, output: str | None, lang: str) -> None:
        if not output or output == "-":
            raise CommandError("A DocBin is binary: name the file to write with -o FILE.spacy.")
        from annotations.nlp.training import docbin_from_records  # loads spaCy: only here

        records = spacy_records(team=team, user=user)
        try:
            docbin, misaligned = docbin_from_records(records, lang=lang)
        except (ImportError, OSError) as exc:
            raise CommandError(f"spaCy cannot make a {lang!r} tokenizer: {exc}") from None
        for span in misaligned:
            self.stderr.write(f"{span}; left out of the DocBin.")
        try:
            docbin.to_disk(output)
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror}.") from None
        left_out = sum(1 for item in misaligned if item.kind == "span")
        spans = sum(len(record["spans"]) for record in records) - left_out
        ents = sum(len(record["ents"]) for record in records) - (len(misaligned) - left_out)
        self.stderr.write(
            f"{counted(len(records), 'article')}, {counted(spans, 'span')} and "
            f"{counted(ents, 'entity mention')} written to {output}; "
            f"{counted(len(misaligned), 'span')} not on token boundaries."
        )
