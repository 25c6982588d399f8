"""Entity judgements: merge, not the same, unsure, undo, and what they do to the pipeline."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.models import Annotation, Entity, EntityJudgement, EntityKey, Mention
from annotations.services import analysis
from annotations.services.annotations import annotation_create
from annotations.services.entities import entity_merge, entity_split
from annotations.services.judgements import judgement_record, judgement_undo
from tests.factories import make_article

KIM_TEXT = (
    "North Korean leader Kim Jong Un inspected a missile launch on Tuesday, state media said. "
    "Kim watched the test from a command post near Pyongyang."
)


def _analyse(*articles):
    analysis.articles_analyze(article_ids=[a.pk for a in articles])


def _entity_of(article, text):
    return Mention.objects.get(article=article, text=text, rejected=False).entity


def _mentions(entity):
    return sorted(Mention.objects.filter(entity=entity).values_list("pk", flat=True))


@pytest.fixture
def two(team_a):
    def make(name: str, kind: str = "PERSON") -> Entity:
        return Entity.objects.create(team=team_a, name=name, kind=kind)

    return make


def test_merge_records_a_judgement_and_undo_restores_entities_and_mentions(
    team_a, alice, seed_text
):
    article = make_article(team=team_a, text=KIM_TEXT)
    _analyse(article)
    kim_jong_un = _entity_of(article, "Kim Jong Un")
    pyongyang = _entity_of(article, "Pyongyang")
    before_kju, before_py = _mentions(kim_jong_un), _mentions(pyongyang)
    claim = annotation_create(article=article, author=alice, start=0, end=10)
    Annotation.objects.filter(pk=claim.pk).update(attributed_to_entity=pyongyang)

    entity_merge(target=kim_jong_un, others=[pyongyang], actor=alice)

    judgement = EntityJudgement.objects.get()
    assert (judgement.left, judgement.right, judgement.judgement, judgement.user) == (
        kim_jong_un,
        pyongyang,
        "same",
        alice,
    )
    assert judgement.created_at is not None
    pyongyang.refresh_from_db()
    assert pyongyang.merged_into == kim_jong_un  # the row stays, pointing at its canonical
    assert _mentions(kim_jong_un) == sorted(before_kju + before_py)
    assert Annotation.objects.get(pk=claim.pk).attributed_to_entity == kim_jong_un
    assert "Pyongyang" in Entity.objects.get(pk=kim_jong_un.pk).aliases

    judgement_undo(judgement=judgement, actor=alice)

    judgement.refresh_from_db()
    assert judgement.undone_at is not None
    assert judgement.undone_by == alice
    pyongyang.refresh_from_db()
    assert pyongyang.merged_into is None
    assert _mentions(kim_jong_un) == before_kju
    assert _mentions(pyongyang) == before_py
    assert not Mention.objects.filter(linked_entity__isnull=False).exists()
    assert Annotation.objects.get(pk=claim.pk).attributed_to_entity == pyongyang
    assert "Pyongyang" not in Entity.objects.get(pk=kim_jong_un.pk).aliases


def test_reanalysis_after_a_merge_links_to_the_canonical_and_undo_still_gives_back(team_a, alice):
    first = make_article(team=team_a, text=KIM_TEXT)
    _analyse(first)
    kim, pyongyang = _entity_of(first, "Kim Jong Un"), _entity_of(first, "Pyongyang")
    judgement = judgement_record(left=kim, right=pyongyang, judgement="same", actor=alice)
    later = make_article(team=team_a, text="Officials in Pyongyang said nothing.", title="Later")
    _analyse(later)
    mention = Mention.objects.get(article=later, text="Pyongyang")
    assert mention.entity == kim
    assert mention.linked_entity == pyongyang

    judgement_undo(judgement=judgement, actor=alice)
    assert Mention.objects.get(pk=mention.pk).entity == pyongyang


def test_undo_of_an_earlier_merge_keeps_a_later_one(team_a, alice, two):
    a, b, c = two("A"), two("B"), two("C")
    article = make_article(team=team_a, text="A B C")
    for entity, start in ((a, 0), (b, 2), (c, 4)):
        Mention.objects.create(
            article=article, entity=entity, start=start, end=start + 1, text="x", label="PERSON"
        )
    first = judgement_record(left=a, right=b, judgement="same", actor=alice)
    judgement_record(left=c, right=a, judgement="same", actor=alice)
    assert Mention.objects.filter(entity=c).count() == 3

    judgement_undo(judgement=first, actor=alice)  # B leaves; A stays merged into C

    assert Entity.objects.get(pk=b.pk).merged_into is None
    assert Entity.objects.get(pk=a.pk).merged_into == c
    assert [m.start for m in Mention.objects.filter(entity=b)] == [2]
    assert sorted(m.start for m in Mention.objects.filter(entity=c)) == [0, 4]


def test_not_same_refuses_a_merge_until_undone(alice, two):
    a, b = two("Kim"), two("Kim Jong Un")
    refusal = judgement_record(left=a, right=b, judgement="not_same", actor=alice)
    with pytest.raises(ValidationError) as error:
        entity_merge(target=b, others=[a], actor=alice)
    assert "not the same" in str(error.value)
    judgement_undo(judgement=refusal, actor=alice)
    entity_merge(target=b, others=[a], actor=alice)
    assert Entity.objects.get(pk=a.pk).merged_into == b


def test_unsure_is_recorded_and_replaced_by_a_later_judgement(alice, two):
    a, b = two("Kim"), two("Kim Jong Un")
    unsure = judgement_record(left=a, right=b, judgement="unsure", actor=alice)
    same = judgement_record(left=b, right=a, judgement="same", actor=alice)
    unsure.refresh_from_db()
    assert unsure.undone_at is not None  # replaced, and kept in the history
    assert same.undone_at is None
    with pytest.raises(ValidationError):
        judgement_undo(judgement=unsure, actor=alice)


def test_judgements_need_an_annotator_of_the_team(bob, carol, two):
    a, b = two("A"), two("B")
    for user in (bob, carol):  # a reviewer; an analyst of another team
        with pytest.raises(PermissionDenied):
            judgement_record(left=a, right=b, judgement="same", actor=user)
    assert not EntityJudgement.objects.exists()


def test_split_records_not_same_and_its_undo_gives_the_mentions_back(team_a, alice):
    article = make_article(team=team_a, text=KIM_TEXT)
    _analyse(article)
    kim = _entity_of(article, "Kim Jong Un")
    short = Mention.objects.get(article=article, text="Kim")
    assert short.entity == kim  # the linker tied the short form to the full name

    new = entity_split(entity=kim, mentions=[short], name="Kim Yo Jong", kind="PERSON", actor=alice)

    judgement = EntityJudgement.objects.get()
    assert (judgement.left, judgement.right, judgement.judgement) == (kim, new, "not_same")
    judgement_undo(judgement=judgement, actor=alice)
    short.refresh_from_db()
    assert short.entity == kim
    assert short.origin == "model"


def test_not_same_stops_the_linker_merging_a_short_form(team_a, alice):
    first = make_article(team=team_a, text=KIM_TEXT)
    _analyse(first)
    kim = _entity_of(first, "Kim Jong Un")
    short = Mention.objects.get(article=first, text="Kim")
    entity_split(entity=kim, mentions=[short], name="Kim", kind="PERSON", actor=alice)
    own = Mention.objects.get(pk=short.pk).entity
    EntityKey.objects.create(team=team_a, key="name:PERSON:kim", entity=own)

    later = make_article(team=team_a, text=KIM_TEXT.replace("Tuesday", "Friday"), title="Later")
    _analyse(later)

    assert _entity_of(later, "Kim Jong Un") == kim
    assert _entity_of(later, "Kim") == own  # not Kim Jong Un, as the team judged


def test_the_resolver_honours_not_same_whatever_key_the_linker_gives(team_a, alice):
    from annotations.nlp.types import MentionData
    from annotations.services.entities import EntityResolver

    full = Entity.objects.create(team=team_a, name="Kim Jong Un", kind="PERSON")
    short = Entity.objects.create(team=team_a, name="Kim", kind="PERSON")
    EntityKey.objects.create(team=team_a, key="gaz:kim-jong-un", entity=full)
    EntityKey.objects.create(team=team_a, key="name:PERSON:kim", entity=short)
    mention = MentionData(0, 3, "Kim", "PERSON", "model", 0.8, "gaz:kim-jong-un", "Kim Jong Un",
                          "PERSON", "kim-jong-un", None)  # fmt: skip
    resolver = EntityResolver(team_a)
    resolver.resolve([mention])
    assert resolver.entity_of(mention) == (full.pk, None)

    judgement_record(left=full, right=short, judgement="not_same", actor=alice)
    resolver = EntityResolver(team_a)
    resolver.resolve([mention])
    assert resolver.entity_of(mention) == (short.pk, None)
