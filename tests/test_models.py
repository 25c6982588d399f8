"""The database refuses bad rows even when a caller skips the service layer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from annotations.models import Annotation, Entity, Mention, Tag
from tests.factories import make_article


def _mention(article, entity, start, end):
    return Mention(article=article, entity=entity, start=start, end=end, text="x", label="PERSON")


@pytest.fixture
def entity(team_a):
    return Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)


@pytest.mark.parametrize(("start", "end"), [(5, 5), (7, 3)])
def test_mention_with_start_not_before_end_is_refused_by_the_database(article, entity, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        _mention(article, entity, start, end).save()


def test_mention_with_negative_start_is_refused_by_the_database(article, entity):
    # PositiveIntegerField's own check (and ours) refuse it on both databases.
    with pytest.raises(IntegrityError), transaction.atomic():
        _mention(article, entity, -1, 4).save()


def test_two_mentions_of_one_span_are_refused(article, entity):
    _mention(article, entity, 0, 5).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _mention(article, entity, 0, 5).save()


def test_annotation_with_empty_range_is_refused_by_the_database(article, alice):
    row = Annotation(team=article.team, article=article, start=10, end=10, exact="x", author=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_article_url_is_unique_within_a_team_only(team_a, team_b):
    url = "https://news.example/a"
    make_article(team=team_a, url=url)
    make_article(team=team_b, url=url)  # another team may hold the same article
    other = make_article(team=team_b, text="Other text")
    with pytest.raises(IntegrityError), transaction.atomic():
        type(other).objects.filter(pk=other.pk).update(url=url)


def test_articles_without_url_do_not_collide(team_a):
    one = make_article(team=team_a, text="One")
    two = make_article(team=team_a, text="Two")
    # Both are stored, each its own row: "no URL" is not a URL the team already holds.
    assert one.pk != two.pk
    assert set(type(one).objects.filter(team=team_a, url="").values_list("text", flat=True)) == {
        "One",
        "Two",
    }


def test_tag_colour_must_be_hex(team_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(team=team_a, name="Bad", slug="bad", colour="red")


def test_wikidata_id_must_look_like_a_q_id(team_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Entity.objects.create(team=team_a, name="X", kind="PERSON", wikidata_id="7747")


def test_new_team_has_the_default_vocabulary(team_a):
    kinds = set(Tag.objects.filter(team=team_a).values_list("kind", flat=True))
    assert {"claim", "source", "evidence", "figure", "opinion"} <= kinds


def test_admin_lists_every_model_with_its_columns(admin_client, article, alice):
    from django.apps import apps
    from django.contrib import admin as django_admin

    from annotations.services.annotations import annotation_create

    annotation_create(article=article, author=alice, start=0, end=5)
    for model in apps.get_app_config("annotations").get_models():
        assert model in django_admin.site._registry, model
        url = f"/admin/annotations/{model._meta.model_name}/"
        response = admin_client.get(url)
        assert response.status_code == 200, url
