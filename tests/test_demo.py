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
    assert roles == {"analyst": "analyst", "reviewer": "reviewer", "analyst2": "analyst"}
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


@pytest.mark.django_db
def test_demo_articles_share_canonical_entities_across_articles():
    from annotations.models import Entity, Mention

    call_command("demo", stdout=StringIO())
    team = Team.objects.get(slug="demo")

    def entity(gazetteer_id: str) -> Entity:
        return Entity.objects.get(team=team, gazetteer_id=gazetteer_id)

    putin = entity("vladimir-putin")
    assert putin.kind == "PERSON"
    assert Mention.objects.filter(entity=putin).order_by().values("article").distinct().count() >= 2
    surfaces = set(Mention.objects.filter(entity=putin).values_list("text", flat=True))
    assert {"Putin", "Vladimir Putin"} <= surfaces
    kim = entity("kim-jong-un")
    # "Kim" after "Kim Jong Un" in the same article is him.
    assert "Kim" in set(Mention.objects.filter(entity=kim).values_list("text", flat=True))
    nis = entity("nis-south-korea")
    assert nis.kind == "ORG"
    nis_surfaces = set(Mention.objects.filter(entity=nis).values_list("text", flat=True))
    assert any(s.startswith("Seoul") for s in nis_surfaces)
    assert any(s.startswith("South Korea") for s in nis_surfaces)
    for gazetteer_id, kind in [
        ("john-kirby", "PERSON"),
        ("lloyd-austin", "PERSON"),
        ("russia", "GPE"),
    ]:
        assert entity(gazetteer_id).kind == kind
    # One entity per gazetteer id: nothing split across articles.
    ids = list(
        Entity.objects.filter(team=team)
        .exclude(gazetteer_id="")
        .values_list("gazetteer_id", flat=True)
    )
    assert len(ids) == len(set(ids))
    claim = Annotation.objects.get(
        exact__startswith="at least 8,000 North Korean troops", author__username="analyst"
    )
    assert claim.attributed_to_entity == entity("john-kirby")
    suggestions = Annotation.objects.filter(team=team, origin="model", suggestion_state="pending")
    assert suggestions.filter(attributed_to_entity=entity("john-kirby")).exists()


@pytest.mark.django_db
def test_demo_users_have_real_looking_names_and_old_names_are_replaced():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.create(username="analyst", first_name="Ana", last_name="Lyst")
    call_command("demo", stdout=StringIO())
    demo = User.objects.filter(username__in=["analyst", "reviewer", "analyst2"])
    names = {u.username: u.get_full_name() for u in demo}
    assert names == {"analyst": "Nadia Okafor", "reviewer": "Tomás Reyes", "analyst2": "Jonas Berg"}


@pytest.mark.django_db
def test_demo_gives_the_agreement_page_something_on_first_run():
    from annotations.selectors.oversight import agreement_report

    call_command("demo", stdout=StringIO())
    team = Team.objects.get(slug="demo")
    reviewer = team.memberships.get(role="reviewer").user
    (figures,) = agreement_report(user=reviewer, team=team)
    assert figures.annotators == ["analyst", "analyst2"]
    assert figures.result is not None
    assert 0 < figures.result.mean_exact_f1 < 1  # they agree on some spans, not all
