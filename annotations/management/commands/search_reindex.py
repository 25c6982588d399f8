"""`manage.py search_reindex [--team SLUG]`: rebuild the search index of one team, or of all.

The services keep the index up to date as they write; rebuild after migrating a database that
held data before the index existed, or after writes made outside the services (a shell).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Team
from annotations.services.search_index import search_reindex


class Command(BaseCommand):
    help = "Rebuild the search index of a team (--team) or of every team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", help="the team's slug (default: every team)")

    def handle(self, *args: Any, **options: Any) -> None:
        teams = Team.objects.order_by("pk")
        if options["team"]:
            teams = teams.filter(slug=options["team"])
            if not teams.exists():
                raise CommandError(f"No team with the slug {options['team']!r}.")
        for team in teams:
            counts = search_reindex(team_id=team.pk)
            summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
            self.stdout.write(f"{team.slug}: {summary}")
