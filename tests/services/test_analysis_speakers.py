"""Through analysis: a stored suggestion carries its speaker, the reason and the reporter."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, Entity
from annotations.services import analysis
from tests.factories import make_article

TEXT = (
    "French Foreign Minister Jean-Luc Bernard met Italian officials in Rome on Monday. "
    "The talks lasted four hours. "
    "He said the two countries had agreed to share intelligence. "
    "Defense Secretary Lloyd Austin said that John Kirby told reporters the troops had "
    "moved west. "
    "Moscow at first denied the reports as fake news."
)


@pytest.fixture
def suggestions(team_a) -> dict[str, Annotation]:
    article = make_article(team=team_a, text=TEXT, title="Speakers")
    analysis.articles_analyze(article_ids=[article.pk])
    found = Annotation.objects.filter(article=article, origin=Annotation.Origin.MODEL)
    return {a.exact: a for a in found.select_related("attributed_to_entity")}


def test_a_pronoun_speaker_is_stored_with_its_antecedent_and_the_reason(suggestions):
    claim = suggestions["the two countries had agreed to share intelligence"]
    assert claim.attributed_to_entity is not None
    assert claim.attributed_to_entity.name == "Jean-Luc Bernard"
    details = claim.suggestion_details
    he = TEXT.index("He said")
    assert details["speaker"] == {"text": "He", "start": he, "end": he + 2}
    assert details["speaker_reason"] == "\u2018He\u2019 \u2192 Jean-Luc Bernard (sentence 1)"
    start = TEXT.index("Jean-Luc Bernard")
    assert details["antecedent"] == {
        "text": "Jean-Luc Bernard",
        "start": start,
        "end": start + len("Jean-Luc Bernard"),
        "sentence": 1,
    }
    assert details["stance"] == "asserts"
    assert details["reporter"] is None


def test_a_chain_is_one_suggestion_by_the_inner_speaker_with_the_reporter(suggestions, team_a):
    claim = suggestions["the troops had moved west"]
    assert claim.attributed_to_entity is not None
    assert claim.attributed_to_entity.name == "John Kirby"
    reporter = claim.suggestion_details["reporter"]
    austin = Entity.objects.get(team=team_a, name="Lloyd Austin")
    start = TEXT.index("Defense Secretary Lloyd Austin")
    assert reporter == {
        "text": "Defense Secretary Lloyd Austin",
        "start": start,
        "end": start + len("Defense Secretary Lloyd Austin"),
        "entity": austin.pk,
    }
    # The outer "Austin said that Kirby told ..." is not a second suggestion.
    assert not [exact for exact in suggestions if exact.startswith("John Kirby told")]


def test_a_denial_is_stored_as_a_denial_by_the_denier(suggestions):
    claim = suggestions["Moscow at first denied the reports as fake news"]
    assert claim.suggestion_details["stance"] == "denies"
    assert claim.attributed_to_entity is not None
    assert claim.attributed_to_entity.name == "Moscow"
