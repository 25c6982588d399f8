from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.exceptions import PreconditionFailed
from annotations.models import Annotation, Entity, Review, Tag
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_update,
    reply_create,
    review_create,
)
from tests.factories import make_article

QUOTE = "the US believes the North Korean troops traveled by ship"


def _span(article, quote=QUOTE):  # type: ignore[no-untyped-def]
    start = article.text.index(quote)
    return start, start + len(quote)


def _create(article, author, quote=QUOTE, **kwargs):  # type: ignore[no-untyped-def]
    start, end = _span(article, quote)
    return annotation_create(
        article=article, author=author, start=start, end=end, exact=quote, **kwargs
    )


def _field_error(excinfo) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return excinfo.value.message_dict


def test_create_derives_prefix_and_suffix_from_the_text(article, alice):
    annotation = _create(article, alice)
    start, end = annotation.start, annotation.end
    assert annotation.exact == article.text[start:end] == QUOTE
    assert annotation.prefix == article.text[start - 32 : start]
    assert annotation.suffix == article.text[end : end + 32]
    assert annotation.article_revision == article.revision == 1
    assert annotation.team_id == article.team_id


def test_exact_that_does_not_match_the_text_is_refused_naming_the_field(article, alice):
    start, end = _span(article)
    with pytest.raises(ValidationError) as excinfo:
        annotation_create(article=article, author=alice, start=start, end=end, exact="Kirby said")
    errors = _field_error(excinfo)
    assert "exact" in errors
    assert QUOTE[:20] in errors["exact"][0]
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(-1, 5, "start"), (10, 10, "end"), (10, 4, "end"), (0, 10**7, "end"), ("3", 9, "start")],
)
def test_bad_offsets_are_refused_naming_the_field(article, alice, start, end, field):
    with pytest.raises(ValidationError) as excinfo:
        annotation_create(article=article, author=alice, start=start, end=end)
    assert field in _field_error(excinfo)


def test_offsets_are_code_points_not_utf16_units(team_a, alice):
    text = "Crowd 👍🏽 cheered. قال المتحدث إن القوات وصلت. Kirby said so."
    article = make_article(team=team_a, text=text)
    start = text.index("قال")
    end = text.index(".", start)
    annotation = annotation_create(
        article=article, author=alice, start=start, end=end, exact="قال المتحدث إن القوات وصلت"
    )
    assert annotation.exact == text[start:end]
    # The emoji with its skin-tone modifier is two code points, four UTF-16 units.
    assert len("👍🏽") == 2
    assert start == 18


def test_tags_from_another_team_are_refused(article, alice, team_b):
    foreign = Tag.objects.filter(team=team_b).first()
    with pytest.raises(ValidationError) as excinfo:
        _create(article, alice, tags=[foreign])
    assert "tags" in _field_error(excinfo)


def test_entity_from_another_team_is_refused(article, alice, team_b):
    foreign = Entity.objects.create(team=team_b, name="John Kirby", kind="PERSON")
    with pytest.raises(ValidationError) as excinfo:
        _create(article, alice, attributed_to_entity=foreign)
    assert "attributed_to_entity" in _field_error(excinfo)


def test_source_annotation_from_another_team_is_refused(article, alice, team_b, carol):
    other = make_article(team=team_b, text=article.text)
    foreign_source = _create(other, carol, "John Kirby")
    with pytest.raises(ValidationError) as excinfo:
        _create(article, alice, attributed_to=foreign_source)
    assert "attributed_to" in _field_error(excinfo)


def test_claim_links_to_its_source_span_and_speaker(article, alice, tags_a):
    kirby = Entity.objects.create(team=article.team, name="John Kirby", kind="PERSON")
    source = _create(
        article,
        alice,
        "White House national security spokesman John Kirby",
        tags=[tags_a["source"]],
    )
    claim = _create(
        article, alice, tags=[tags_a["claim"]], attributed_to=source, attributed_to_entity=kirby
    )
    assert claim.attributed_to == source
    assert claim.attributed_to_entity == kirby
    assert list(source.attributed_claims.all()) == [claim]


def test_attribution_cycle_is_refused(article, alice):
    a = _create(article, alice, "John Kirby")
    b = _create(article, alice, attributed_to=a)
    with pytest.raises(ValidationError) as excinfo:
        annotation_update(annotation=a, actor=alice, attributed_to=b)
    assert "attributed_to" in _field_error(excinfo)


def test_someone_elses_private_annotation_cannot_be_a_source(article, alice, team_a):
    from tests.factories import MembershipFactory, UserFactory

    dave = UserFactory(username="dave")
    MembershipFactory(team=team_a, user=dave)
    private = _create(article, dave, "John Kirby", visibility=Annotation.Visibility.PRIVATE)
    with pytest.raises(ValidationError):
        _create(article, alice, attributed_to=private)


def test_reviewer_and_outsider_cannot_annotate(article, bob, carol):
    with pytest.raises(PermissionDenied):
        _create(article, bob)
    with pytest.raises(PermissionDenied):
        _create(article, carol)
    assert not Annotation.objects.exists()


def test_comment_over_the_limit_is_refused(article, alice, settings):
    settings.NEWSNOTES_MAX_COMMENT_CHARS = 10
    with pytest.raises(ValidationError) as excinfo:
        _create(article, alice, comment="x" * 11)
    assert "comment" in _field_error(excinfo)


def test_unknown_assessment_is_refused(article, alice):
    with pytest.raises(ValidationError) as excinfo:
        _create(article, alice, assessment="probably")
    assert "assessment" in _field_error(excinfo)


def test_update_bumps_version_and_stale_version_changes_nothing(article, alice, tags_a):
    annotation = _create(article, alice, comment="first")
    updated = annotation_update(
        annotation=annotation,
        actor=alice,
        expected_version=1,
        comment="second",
        tags=[tags_a["claim"]],
    )
    assert updated.version == 2
    with pytest.raises(PreconditionFailed) as excinfo:
        annotation_update(annotation=annotation, actor=alice, expected_version=1, comment="third")
    assert excinfo.value.current_version == 2
    annotation.refresh_from_db()
    assert annotation.comment == "second"
    assert annotation.version == 2
    assert list(annotation.tags.all()) == [tags_a["claim"]]


def test_retargeting_checks_the_new_span(article, alice):
    annotation = _create(article, alice)
    start, end = _span(article, "John Kirby")
    moved = annotation_update(annotation=annotation, actor=alice, start=start, end=end)
    assert moved.exact == "John Kirby"
    with pytest.raises(ValidationError):
        annotation_update(annotation=annotation, actor=alice, start=start, end=end, exact="Putin")


def test_only_author_edits_or_deletes(article, alice, team_a):
    from tests.factories import MembershipFactory, UserFactory

    erin = UserFactory(username="erin")
    MembershipFactory(team=team_a, user=erin)
    annotation = _create(article, alice)
    with pytest.raises(PermissionDenied):
        annotation_update(annotation=annotation, actor=erin, comment="mine now")
    with pytest.raises(PermissionDenied):
        annotation_delete(annotation=annotation, actor=erin)
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_source_with_claims_attributed_to_it_cannot_be_deleted(article, alice):
    source = _create(article, alice, "John Kirby")
    _create(article, alice, attributed_to=source)
    with pytest.raises(ValidationError) as excinfo:
        annotation_delete(annotation=source, actor=alice)
    assert "attributed_claims" in _field_error(excinfo)
    assert Annotation.objects.filter(pk=source.pk).exists()


def test_review_sets_the_review_state(article, alice, bob):
    annotation = _create(article, alice)
    review_create(
        annotation=annotation, reviewer=bob, verdict=Review.Verdict.DISPUTE, note="Source?"
    )
    annotation.refresh_from_db()
    assert annotation.review_state == Annotation.ReviewState.DISPUTED
    assert annotation.version == 2
    with pytest.raises(PermissionDenied):
        review_create(annotation=annotation, reviewer=alice, verdict="approve")
    with pytest.raises(ValidationError) as excinfo:
        review_create(annotation=annotation, reviewer=bob, verdict="request_changes")
    assert "note" in _field_error(excinfo)


def test_replies_thread_and_stay_on_their_annotation(article, alice, bob):
    first = _create(article, alice)
    second = _create(article, alice, "John Kirby")
    root = reply_create(annotation=first, author=bob, text="Which briefing?")
    child = reply_create(annotation=first, author=alice, text="The Nov 1 one.", parent=root)
    assert child.parent == root
    with pytest.raises(ValidationError) as excinfo:
        reply_create(annotation=second, author=bob, text="x", parent=root)
    assert "parent" in _field_error(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        reply_create(annotation=first, author=bob, text="   ")
    assert "text" in _field_error(excinfo)
