"""`manage.py demo`: a demo team, three demo users, sample articles and a few annotations.

Two analysts annotate the Kursk article, so the agreement page has figures on first run.
Running it again changes nothing: every step looks for what it would create first (except
that demo users still named as in earlier versions get their real-looking names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from annotations.models import (
    Annotation,
    Article,
    ArticleSubmission,
    Entity,
    Membership,
    Review,
    Tag,
    Team,
)
from annotations.services.analysis import articles_analyze
from annotations.services.annotations import (
    annotation_create,
    annotation_submit,
    article_submit,
    reply_create,
    review_create,
)
from annotations.services.articles import article_create
from annotations.services.teams import membership_set, team_create

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "demo" / "articles.jsonl"
TEAM_SLUG = "demo"
USERS = (
    ("analyst", "newsnotes-analyst", Membership.Role.ANALYST, "Nadia", "Okafor"),
    ("reviewer", "newsnotes-reviewer", Membership.Role.REVIEWER, "Tomás", "Reyes"),
    ("analyst2", "newsnotes-analyst2", Membership.Role.ANALYST, "Jonas", "Berg"),
)
# Names earlier versions gave the demo users, which read like a rendering bug.
OLD_NAMES = {("Ana", "Lyst"), ("Rev", "Iewer")}


@dataclass(frozen=True)
class DemoAnnotation:
    article_url: str
    exact: str
    tags: tuple[str, ...]
    comment: str = ""
    assessment: str = Annotation.Assessment.UNVERIFIED
    source_exact: str = ""  # the quote of the source annotation this claim is attributed to
    speaker: str = ""  # gazetteer id of the entity the claim is attributed to
    author: str = "analyst"  # the demo user who made it


_WIRE = "https://wire.newsnotes.example/2024/"
_KURSK = _WIRE + "11/01/north-korean-troops-kursk"
DEMO_ANNOTATIONS = (
    DemoAnnotation(
        _WIRE + "11/01/north-korean-troops-kursk",
        "White House national security spokesman John Kirby",
        ("source",),
        "US government on the record.",
    ),
    DemoAnnotation(
        _WIRE + "11/01/north-korean-troops-kursk",
        "at least 8,000 North Korean troops are now in the Kursk region",
        ("claim", "figure"),
        "Figure matches the Pentagon's briefing of the same day; the NIS gave no Kursk number.",
        Annotation.Assessment.SUPPORTED,
        source_exact="White House national security spokesman John Kirby",
        speaker="john-kirby",
    ),
    DemoAnnotation(
        _WIRE + "10/18/nis-special-forces",
        "Seoul's intelligence service released satellite images",
        ("source", "evidence"),
        "Images not independently verified.",
    ),
    DemoAnnotation(
        _WIRE + "10/18/nis-special-forces",
        "1,500 soldiers left the port of Chongjin on Russian navy ships",
        ("claim", "figure"),
        "",
        Annotation.Assessment.UNVERIFIED,
        source_exact="Seoul's intelligence service released satellite images",
        speaker="nis-south-korea",
    ),
    DemoAnnotation(
        _WIRE + "10/18/nis-special-forces",
        "Pyongyang has denied sending troops.",
        ("denial",),
        "Contradicted by NIS and US statements.",
        Annotation.Assessment.DISPUTED,
    ),
    DemoAnnotation(
        _WIRE + "11/05/casualty-figures",
        '"315,00"',
        ("figure",),
        "Malformed figure: 315,000 in the original assessment. Do not cite this form.",
        Annotation.Assessment.MISLEADING,
    ),
    # The second analyst's reading of the Kursk article: two spans as the first analyst
    # marked them, one with another tag, and one the first analyst left out.
    DemoAnnotation(
        _KURSK,
        "White House national security spokesman John Kirby",
        ("source",),
        author="analyst2",
    ),
    DemoAnnotation(
        _KURSK,
        "at least 8,000 North Korean troops are now in the Kursk region",
        ("claim",),
        "Pentagon gave the same number.",
        source_exact="White House national security spokesman John Kirby",
        speaker="john-kirby",
        author="analyst2",
    ),
    DemoAnnotation(
        _KURSK,
        "out of roughly 10,000 sent to Russia since early October",
        ("figure",),
        author="analyst2",
    ),
    DemoAnnotation(
        _KURSK,
        "the troops were given Russian uniforms and equipment",
        ("claim",),
        "Anonymous official; no document cited.",
        author="analyst2",
    ),
)


class Command(BaseCommand):
    help = "Create the demo team, users, articles and annotations (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo data has fixed passwords; it is not for production.")
        with transaction.atomic():
            created = self._run()
        self.stdout.write(
            self.style.SUCCESS("Demo data ready." if created else "Demo data was already there.")
        )
        self.stdout.write("Sign in at http://127.0.0.1:8000/ with:")
        for username, password, role, *_ in USERS:
            self.stdout.write(f"  {role:<9} username {username!r:<11} password {password!r}")

    def _run(self) -> bool:
        User = get_user_model()
        users = {}
        for username, password, _, first, last in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            elif (user.first_name, user.last_name) in OLD_NAMES:
                user.first_name, user.last_name = first, last
                user.save(update_fields=["first_name", "last_name"])
            users[username] = user
        team = Team.objects.filter(slug=TEAM_SLUG).first()
        created_any = team is None
        if team is None:
            team = team_create(name="Demo desk", slug=TEAM_SLUG, owner=None)
        for username, _, role, *_ in USERS:
            membership_set(team=team, user=users[username], role=role)

        for line in DEMO_ARTICLES.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if Article.objects.filter(team=team, url=record["url"]).exists():
                continue
            article_create(
                team=team,
                title=record["title"],
                text=record["text"],
                url=record["url"],
                outlet_name=record["outlet"],
                authors=record["authors"],
                published_at=parse_datetime(record["published_at"]),
                imported_by=users["analyst"],
            )
            created_any = True
        # Entities and suggestions, inline: the demo should show them on first load, even
        # before a worker runs. Articles already analysed are skipped.
        report = articles_analyze(
            article_ids=list(Article.objects.filter(team=team).values_list("pk", flat=True))
        )
        created_any |= report.articles > 0
        created_any |= self._annotate(team=team, users=users)
        created_any |= self._review(team=team, analyst=users["analyst"], reviewer=users["reviewer"])
        created_any |= self._second_reading(team=team, analyst=users["analyst2"])
        return created_any

    def _second_reading(self, *, team: Team, analyst: Any) -> bool:
        """The second analyst submits their work on the Kursk article."""
        article = Article.objects.get(team=team, url=_KURSK)
        if ArticleSubmission.objects.filter(article=article, user=analyst).exists():
            return False
        article_submit(article=article, actor=analyst)
        return True

    def _review(self, *, team: Team, analyst: Any, reviewer: Any) -> bool:
        """A little of the review workflow: submitted work, two verdicts and a discussion."""
        if Review.objects.filter(annotation__team=team).exists():
            return False
        mine = Annotation.objects.filter(team=team, author=analyst, origin="analyst")
        for annotation in mine:
            annotation_submit(annotation=annotation, actor=analyst)
        figure = mine.get(exact__startswith="at least 8,000")
        review_create(annotation=figure, reviewer=reviewer, verdict=Review.Verdict.APPROVE)
        denial = mine.get(exact__startswith="Pyongyang has denied")
        review_create(
            annotation=denial,
            reviewer=reviewer,
            verdict=Review.Verdict.DISPUTE,
            note="The denial is real news; 'disputed' should describe the claim, not the denial.",
        )
        malformed = mine.get(exact='"315,00"')
        reply_create(
            annotation=malformed,
            author=reviewer,
            text="@analyst is 315,000 the figure in the declassified assessment? Please cite it.",
        )
        return True

    def _annotate(self, *, team: Team, users: dict[str, Any]) -> bool:
        tags = {tag.slug: tag for tag in Tag.objects.filter(team=team)}
        entities = {
            e.gazetteer_id: e for e in Entity.objects.filter(team=team).exclude(gazetteer_id="")
        }
        created_any = False
        by_quote: dict[tuple[int, str, str], Annotation] = {}
        for spec in DEMO_ANNOTATIONS:
            author = users[spec.author]
            article = Article.objects.get(team=team, url=spec.article_url)
            start = article.text.find(spec.exact)
            if start < 0:
                raise CommandError(f"Demo quote {spec.exact!r} is not in {article.title!r}.")
            end = start + len(spec.exact)
            existing = Annotation.objects.filter(
                article=article, author=author, start=start, end=end
            ).first()
            if existing is None:
                existing = annotation_create(
                    article=article,
                    author=author,
                    start=start,
                    end=end,
                    exact=spec.exact,
                    tags=[tags[slug] for slug in spec.tags],
                    comment=spec.comment,
                    assessment=spec.assessment,
                    attributed_to=by_quote.get((article.pk, spec.author, spec.source_exact)),
                    attributed_to_entity=entities.get(spec.speaker) if spec.speaker else None,
                )
                created_any = True
            by_quote[(article.pk, spec.author, spec.exact)] = existing
        return created_any
