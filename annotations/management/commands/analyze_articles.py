"""`manage.py analyze_articles --team SLUG [--all]`: run NER and attribution extraction again.

Articles already analysed at their current text revision are skipped unless --all is given.
Analysts' corrections (re-linked, added and rejected mentions, rejected suggestions) survive.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Article, Team
from annotations.services.analysis import articles_analyze


class Command(BaseCommand):
    help = "Recognise entities and attributions in a team's articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="the team's slug")
        parser.add_argument("--all", action="store_true", help="also re-analyse finished articles")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with the slug {options['team']!r}.")
        articles = Article.objects.filter(team=team)
        if options["all"]:
            articles.update(nlp_status=Article.NlpStatus.PENDING)
        report = articles_analyze(article_ids=list(articles.values_list("pk", flat=True)))
        self.stdout.write(
            f"{report.articles} analysed ({report.skipped} already done): "
            f"{report.mentions} mentions, {report.suggestions} suggestions."
        )
