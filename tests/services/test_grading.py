"""Admiralty grading services: a source's grade history (set, change, clear, expire), its
isolation between teams, and a claim's credibility (If-Match, history, claims only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.models import AnnotationVersion, Entity, SourceGrade
from annotations.selectors.grading import claim_grade_rows, current_grades, grade_distribution
from annotations.services.annotations import annotation_create
from annotations.services.grading import (
    annotation_credibility_set,
    source_grade_clear,
    source_grade_set,
)
from tests.factories import make_article

TEXT = "Kirby said the troops traveled by ship to Vladivostok."


@pytest.fixture
def kirby(team_a):
    return Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)


@pytest.fixture
def wire(team_a, alice):
    return make_article(team=team_a, text=TEXT, outlet_name="Wire One", imported_by=alice)


def claim(article, author, tags_a, **kwargs):
    return annotation_create(
        article=article, author=author, start=0, end=5, tags=[tags_a["claim"]], **kwargs
    )


def test_each_change_is_a_history_row_and_the_latest_is_current(team_a, alice, dave, kirby):
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="C", reason="new")
    source_grade_set(team=team_a, actor=dave, entity=kirby, reliability="B", reason="record")
    rows = list(SourceGrade.objects.filter(entity=kirby).order_by("id"))
    assert [(r.reliability, r.created_by, r.reason) for r in rows] == [
        ("C", alice, "new"),
        ("B", dave, "record"),
    ]
    assert current_grades(team_id=team_a.pk, entity_ids=[kirby.pk]).entities == {kirby.pk: "B"}
    source_grade_clear(team=team_a, actor=alice, entity=kirby, reason="retired")
    assert current_grades(team_id=team_a.pk, entity_ids=[kirby.pk]).entities == {}
    assert SourceGrade.objects.filter(entity=kirby).count() == 3


def test_an_expired_grade_gives_way_to_the_one_before(team_a, alice, kirby):
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="A")
    soon = timezone.now() + timedelta(days=1)
    temporary = source_grade_set(
        team=team_a, actor=alice, entity=kirby, reliability="E", expires_at=soon
    )
    assert current_grades(team_id=team_a.pk).entities == {kirby.pk: "E"}
    SourceGrade.objects.filter(pk=temporary.pk).update(expires_at=timezone.now())
    assert current_grades(team_id=team_a.pk).entities == {kirby.pk: "A"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reliability": "G"}, "reliability"),
        ({"reliability": "b"}, "reliability"),
        ({"reliability": "B", "expires_at": "past"}, "expires_at"),
        ({"reliability": "B", "reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(team_a, alice, kirby, kwargs, field):
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        source_grade_set(team=team_a, actor=alice, entity=kirby, **kwargs)
    assert field in error.value.message_dict
    assert not SourceGrade.objects.exists()


def test_a_team_cannot_grade_another_teams_source(team_a, team_b, alice, carol, kirby, wire):
    with pytest.raises(ValidationError) as error:
        source_grade_set(team=team_b, actor=carol, entity=kirby, reliability="A")
    assert "entity" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        source_grade_set(team=team_b, actor=carol, outlet=wire.outlet, reliability="A")
    assert "outlet" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        source_grade_set(team=team_a, actor=carol, entity=kirby, reliability="A")


def test_grades_are_per_team_even_for_a_shared_outlet(team_a, team_b, alice, carol, wire):
    make_article(team=team_b, text=TEXT, outlet_name="Wire One", imported_by=carol)
    source_grade_set(team=team_a, actor=alice, outlet=wire.outlet, reliability="B")
    source_grade_set(team=team_b, actor=carol, outlet=wire.outlet, reliability="E")
    assert current_grades(team_id=team_a.pk).outlets == {wire.outlet_id: "B"}
    assert current_grades(team_id=team_b.pk).outlets == {wire.outlet_id: "E"}


def test_viewers_cannot_grade(team_a, victor, kirby):
    with pytest.raises(PermissionDenied):
        source_grade_set(team=team_a, actor=victor, entity=kirby, reliability="A")


def test_credibility_is_versioned_and_checks_if_match(alice, dave, wire, tags_a):
    annotation = claim(wire, alice, tags_a)
    graded = annotation_credibility_set(
        annotation=annotation, actor=dave, credibility="2", expected_version=annotation.version
    )
    assert graded.credibility == "2"
    assert graded.version == annotation.version + 1
    latest = AnnotationVersion.objects.filter(annotation=annotation).order_by("-number").first()
    assert latest.snapshot["credibility"] == "2"
    assert latest.actor == dave
    with pytest.raises(PreconditionFailed):
        annotation_credibility_set(
            annotation=annotation, actor=alice, credibility="3", expected_version=1
        )
    graded.refresh_from_db()
    assert graded.credibility == "2"


def test_credibility_only_on_claims_and_only_digits(alice, wire, tags_a):
    opinion = annotation_create(
        article=wire, author=alice, start=0, end=5, tags=[tags_a["opinion"]]
    )
    with pytest.raises(ValidationError) as error:
        annotation_credibility_set(annotation=opinion, actor=alice, credibility="2")
    assert "credibility" in error.value.message_dict
    annotation = claim(wire, alice, tags_a)
    for bad in ("7", "0", "B", "22"):
        with pytest.raises(ValidationError) as error:
            annotation_credibility_set(annotation=annotation, actor=alice, credibility=bad)
        assert "credibility" in error.value.message_dict


def test_a_claim_takes_its_entitys_grade_else_its_outlets(team_a, alice, wire, kirby, tags_a):
    by_kirby = claim(wire, alice, tags_a, attributed_to_entity=kirby)
    unattributed = claim(wire, alice, tags_a)
    annotation_credibility_set(annotation=by_kirby, actor=alice, credibility="2")
    source_grade_set(team=team_a, actor=alice, outlet=wire.outlet, reliability="C")
    by_kirby.refresh_from_db()
    assert claim_grade_rows([by_kirby, unattributed]) == {
        by_kirby.pk: "C2",
        unattributed.pk: "C\N{EN DASH}",
    }
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B")
    assert claim_grade_rows([by_kirby])[by_kirby.pk] == "B2"


def test_the_distribution_counts_only_what_the_user_sees(team_a, alice, dave, wire, kirby, tags_a):
    by_kirby = claim(wire, alice, tags_a, attributed_to_entity=kirby)
    annotation_credibility_set(annotation=by_kirby, actor=alice, credibility="2")
    claim(wire, dave, tags_a, visibility="private")
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B")
    table = grade_distribution(user=alice, team=team_a)
    rows = {row["reliability"]: row for row in table["rows"]}
    assert table["total"] == 1
    assert rows["B"]["counts"][table["columns"].index("2")] == 1
    mine = grade_distribution(user=dave, team=team_a)
    assert mine["total"] == 2
    assert {r["reliability"]: r["total"] for r in mine["rows"]}[""] == 1
