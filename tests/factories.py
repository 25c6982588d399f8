"""factory_boy factories. Writes that have rules go through services, as in the app."""

from __future__ import annotations

from pathlib import Path

import factory
from django.contrib.auth import get_user_model

from annotations.models import Membership, Team
from annotations.services.articles import article_create
from annotations.services.teams import tags_create_defaults

# The project's own example article, written for the tests (tests/data/README.md).
SEED_ARTICLE = Path(__file__).resolve().parent / "data" / "example-article.txt"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Desk {n}")
    slug = factory.Sequence(lambda n: f"desk-{n}")

    @factory.post_generation
    def default_tags(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            tags_create_defaults(team=self)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ANALYST


def make_article(*, team: Team, text: str = "", title: str = "", url: str = "", **kwargs: object):
    return article_create(
        team=team,
        text=text or "Kirby said the troops traveled by ship to Vladivostok.",
        title=title or "An article",
        url=url,
        **kwargs,
    )


def make_approved(*, article, author, reviewer, quote: str, tags, note: str = ""):
    """An annotation of ``quote`` (its first occurrence) with ``tags``, submitted by ``author``
    and approved by ``reviewer``, through the services."""
    from annotations.models import Annotation
    from annotations.services.annotations import (
        annotation_create,
        annotation_submit,
        review_create,
    )

    start = article.text.index(quote)
    annotation = annotation_create(
        article=article, author=author, start=start, end=start + len(quote), tags=list(tags)
    )
    annotation_submit(annotation=annotation, actor=author)
    review_create(annotation=annotation, reviewer=reviewer, verdict="approve", note=note)
    return Annotation.objects.get(pk=annotation.pk)
