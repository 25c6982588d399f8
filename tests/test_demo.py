from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import (
    Annotation,
    Article,
    ArticleRevision,
    Membership,
    Reply,
    Review,
    Tag,
    Team,
)


def _counts() -> dict[str, int]:
    from django.contrib.auth import get_user_model

    models = [
        get_user_model(),
        Team,
        Membership,
        Tag,
        Article,
        ArticleRevision,
        Annotation,
        Reply,
        Review,
    ]
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_demo_creates_team_users_articles_and_a_linked_claim():
    out = StringIO()
    call_command("demo", stdout=out)
    assert "'analyst'" in out.getvalue()
    assert "'reviewer'" in out.getvalue()
    team = Team.objects.get(slug="demo")
    roles = dict(team.memberships.values_list("user__username", "role"))
    assert roles == {"analyst": "analyst", "reviewer": "reviewer"}
    assert Article.objects.filter(team=team).count() >= 5
    corpus = " ".join(Article.objects.values_list("text", flat=True))
    for actor in (
        "Putin",
        "John Kirby",
        "Kim Jong Un",
        "Lloyd Austin",
        "South Korea's intelligence service",
    ):
        assert actor in corpus
    linked = Annotation.objects.filter(attributed_to__isnull=False, tags__slug="claim")
    assert linked.exists()
    assert linked.first().attributed_to.tags.filter(slug="source").exists()


@pytest.mark.django_db
def test_demo_twice_changes_nothing():
    call_command("demo", stdout=StringIO())
    before = _counts()
    snapshot = list(Annotation.objects.values_list("id", "version", "start", "end"))
    out = StringIO()
    call_command("demo", stdout=out)
    assert _counts() == before
    assert list(Annotation.objects.values_list("id", "version", "start", "end")) == snapshot
    assert "already there" in out.getvalue()


@pytest.mark.django_db
def test_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", stdout=StringIO())
    assert not Team.objects.exists()
