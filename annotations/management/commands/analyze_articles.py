"""`manage.py analyze_articles --team SLUG [--all]`: run NER and attribution extraction again.

Articles already analysed at their current text revision are skipped unless --all is given.
Analysts' corrections (re-linked, added and rejected mentions, rejected suggestions) survive.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Article, Team
from annotations.services.analysis import articles_analyze
from annotations.services.jobs import articles_queue_analysis


class Command(BaseCommand):
    help = "Recognise entities and attributions in a team's articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="the team's slug")
        parser.add_argument("--all", action="store_true", help="also re-analyse finished articles")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        article_ids = list(Article.objects.filter(team=team).values_list("pk", flat=True))
        if options["all"]:
            articles_queue_analysis(team=team, article_ids=article_ids, actor=None, enqueue=False)
        report = articles_analyze(article_ids=article_ids)
        self.stdout.write(
            f"{report.articles} analysed ({report.skipped} already done): "
            f"{report.mentions} mentions, {report.suggestions} suggestions."
        )
