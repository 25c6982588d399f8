from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.exceptions import PreconditionFailed
from annotations.models import Annotation, Entity, Review, Tag
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_restore_version,
    annotation_submit,
    annotation_undelete,
    annotation_update,
    annotation_withdraw,
    reply_create,
    review_create,
)
from tests.factories import make_article

QUOTE = "the US believes the soldiers spent several weeks"


def _span(article, quote=QUOTE):
    start = article.text.index(quote)
    return start, start + len(quote)


def _create(article, author, quote=QUOTE, **kwargs):
    start, end = _span(article, quote)
    return annotation_create(
        article=article, author=author, start=start, end=end, exact=quote, **kwargs
    )


def _field_error(excinfo) -> dict[str, list[str]]:
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


def test_someone_elses_private_annotation_cannot_be_a_source(article, alice, dave):
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


def test_deleting_a_source_moves_it_to_the_trash_and_claims_keep_their_link(article, alice):
    source = _create(article, alice, "John Kirby")
    claim = _create(article, alice, attributed_to=source)
    annotation_delete(annotation=source, actor=alice)
    assert not Annotation.objects.visible_to(alice).filter(pk=source.pk).exists()
    assert Annotation.objects.trash_of(alice).filter(pk=source.pk).exists()
    claim.refresh_from_db()
    assert claim.attributed_to_id == source.pk
    restored = annotation_undelete(annotation=source, actor=alice)
    assert restored.deleted_at is None
    assert Annotation.objects.visible_to(alice).filter(pk=source.pk).exists()
    actions = list(restored.versions.values_list("action", flat=True))
    assert actions == ["created", "deleted", "undeleted"]


def test_trash_keeps_annotations_for_thirty_days_only(article, alice):
    from datetime import timedelta

    from django.utils import timezone

    annotation = _create(article, alice)
    annotation_delete(annotation=annotation, actor=alice)
    Annotation.objects.filter(pk=annotation.pk).update(
        deleted_at=timezone.now() - timedelta(days=31)
    )
    with pytest.raises(ValidationError) as excinfo:
        annotation_undelete(annotation=annotation, actor=alice)
    assert "30 days" in excinfo.value.message_dict["annotation"][0]


def test_review_workflow_transitions(article, alice, bob):
    annotation = _create(article, alice)
    with pytest.raises(ValidationError) as excinfo:
        review_create(annotation=annotation, reviewer=bob, verdict="approve")
    assert "draft" in excinfo.value.message_dict["verdict"][0]
    annotation_submit(annotation=annotation, actor=alice)
    review_create(
        annotation=annotation, reviewer=bob, verdict=Review.Verdict.DISPUTE, note="Source?"
    )
    annotation.refresh_from_db()
    assert annotation.review_state == Annotation.ReviewState.DISPUTED
    with pytest.raises(PermissionDenied):
        review_create(annotation=annotation, reviewer=alice, verdict="approve")
    with pytest.raises(ValidationError) as excinfo:
        review_create(annotation=annotation, reviewer=bob, verdict="request_changes")
    assert "note" in _field_error(excinfo)
    review_create(annotation=annotation, reviewer=bob, verdict="request_changes", note="Cite it")
    annotation_submit(annotation=annotation, actor=alice)
    review_create(annotation=annotation, reviewer=bob, verdict="approve")
    annotation.refresh_from_db()
    assert annotation.review_state == Annotation.ReviewState.APPROVED
    # Editing approved work sends it back to the reviewers.
    edited = annotation_update(annotation=annotation, actor=alice, comment="Added the citation.")
    assert edited.review_state == Annotation.ReviewState.SUBMITTED
    withdrawn = annotation_withdraw(annotation=edited, actor=alice)
    assert withdrawn.review_state == Annotation.ReviewState.DRAFT


def test_owner_cannot_review_their_own_annotation(article, team_a):
    from tests.factories import MembershipFactory, UserFactory

    owen = UserFactory(username="owen")
    MembershipFactory(team=team_a, user=owen, role="owner")
    annotation = _create(article, owen)
    annotation_submit(annotation=annotation, actor=owen)
    with pytest.raises(ValidationError) as excinfo:
        review_create(annotation=annotation, reviewer=owen, verdict="approve")
    assert "own" in excinfo.value.message_dict["verdict"][0]


def test_every_change_is_kept_and_an_old_version_can_be_restored(article, alice, bob, tags_a):
    annotation = _create(article, alice, comment="first", tags=[tags_a["claim"]])
    annotation_update(annotation=annotation, actor=alice, comment="second", assessment="disputed")
    annotation_update(annotation=annotation, actor=alice, tags=[tags_a["figure"]])
    restored = annotation_restore_version(annotation=annotation, number=1, actor=alice)
    assert restored.comment == "first"
    assert restored.assessment == "unverified"
    assert list(restored.tags.values_list("slug", flat=True)) == ["claim"]
    versions = list(restored.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert [v.action for v in versions] == ["created", "updated", "updated", "restored"]
    assert versions[1].snapshot["comment"] == "second"
    assert versions[2].snapshot["tags"] == [{"id": tags_a["figure"].pk, "name": "Figure"}]
    assert versions[3].note == "restored version 1"
    assert {v.actor for v in versions} == {alice}


def test_reply_mentions_notify_teammates_only(article, alice, bob, carol):
    from annotations.models import Notification

    annotation = _create(article, alice)
    reply_create(annotation=annotation, author=bob, text="@alice which briefing? cc @carol @nobody")
    notes = list(Notification.objects.values_list("user__username", "kind"))
    # alice is both mentioned and the author: one notification; carol is in another team.
    assert notes == [("alice", "mention")]


def test_blind_article_hides_teammates_work_until_each_submits(article, alice, bob, team_a):
    from annotations.services.annotations import article_submit
    from tests.factories import MembershipFactory, UserFactory

    dana = UserFactory(username="dana")
    MembershipFactory(team=team_a, user=dana)
    type(article).objects.filter(pk=article.pk).update(blind=True)
    mine = _create(article, alice)
    theirs = _create(article, dana, "John Kirby")

    def visible(user):
        return set(Annotation.objects.visible_to(user).values_list("pk", flat=True))

    assert visible(alice) == {mine.pk}
    assert visible(bob) == {mine.pk, theirs.pk}  # the reviewer sees everything
    assert article_submit(article=article, actor=alice) == 1
    assert visible(alice) == {mine.pk, theirs.pk}
    assert visible(dana) == {theirs.pk}
    mine.refresh_from_db()
    assert mine.review_state == Annotation.ReviewState.SUBMITTED


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
