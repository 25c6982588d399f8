"""Speaker resolution: pronouns and role nouns resolve to the nearest compatible antecedent,
and say why."""

from __future__ import annotations

from annotations.nlp import ArticleAnalysis, analyze
from tests.nlp.helpers import attribution, gaz_key, mention


def test_he_resolves_to_the_person_two_sentences_back_and_says_why() -> None:
    text = (
        "French Foreign Minister Jean-Luc Bernard met Italian officials in Rome on Monday. "
        "The talks lasted four hours. "
        "He said the two countries had agreed to share intelligence."
    )
    analysis = analyze(text)
    said = attribution(analysis, claim_starts="the two countries had agreed")
    assert said.speaker is not None
    assert said.speaker.key == mention(analysis, "Jean-Luc Bernard").key
    assert said.speaker_text == "He"
    assert said.speaker_reason == "\u2018He\u2019 \u2192 Jean-Luc Bernard (sentence 1)"
    assert (said.antecedent_text, said.antecedent_sentence) == ("Jean-Luc Bernard", 1)
    assert said.antecedent_start == text.index("Jean-Luc Bernard")
    assert "pronoun" in said.pattern
    assert said.confidence <= 0.5


def test_the_most_recent_subject_wins_over_a_nearer_object() -> None:
    analysis = analyze(
        "Putin said the images were serious. He praised Kim Jong Un at length. "
        '"We never doubted them," he said.'
    )
    quote = attribution(analysis, claim_starts="We never doubted them")
    assert quote.speaker is not None
    assert quote.speaker.key == gaz_key("Vladimir Putin")
    assert quote.speaker_reason is not None
    assert quote.speaker_reason.endswith("\u2192 Putin (sentence 1)")


def test_a_stated_gender_overrides_the_nearer_subject() -> None:
    analysis = analyze(
        "Mr Tomas Weber welcomed Ms Anna Keller to Berlin on Friday. "
        "She said the border would stay open."
    )
    said = attribution(analysis, claim_starts="the border would stay open")
    assert said.speaker is not None
    assert said.speaker.key == mention(analysis, "Anna Keller").key


def test_the_spokeswoman_resolves_to_the_person_introduced_as_spokeswoman() -> None:
    analysis = analyze(
        "Russian Foreign Ministry spokeswoman Maria Zakharova spoke to reporters on Thursday. "
        "Ukraine's envoy left the room. "
        "The spokeswoman said the sanctions would fail."
    )
    said = attribution(analysis, claim_starts="the sanctions would fail")
    assert said.speaker is not None
    assert said.speaker.key == mention(analysis, "Maria Zakharova").key
    assert said.speaker_text == "The spokeswoman"
    assert said.speaker_reason == (
        "\u2018The spokeswoman\u2019 \u2192 Maria Zakharova (sentence 1)"
    )
    assert "role" in said.pattern


def test_the_president_prefers_the_person_called_president() -> None:
    analysis = analyze(
        "Russian President Vladimir Putin met Kim Jong Un in Pyongyang. "
        "The president said the treaty would last."
    )
    said = attribution(analysis, claim_starts="the treaty would last")
    assert said.speaker is not None
    assert said.speaker.key == gaz_key("Vladimir Putin")


def test_the_ministry_resolves_to_an_organisation_not_a_person_or_place() -> None:
    analysis = analyze(
        "Japan's Foreign Ministry summoned the Chinese ambassador on Tuesday. "
        "The ministry said the incursion was unacceptable."
    )
    said = attribution(analysis, claim_starts="the incursion was unacceptable")
    assert said.speaker is not None
    assert said.speaker.kind == "ORG"
    assert said.antecedent_text == "Japan's Foreign Ministry"


def test_seed_the_agency_is_south_koreas_intelligence_service(seed: ArticleAnalysis) -> None:
    told = attribution(seed, claim_starts="about 11,000 North Korean troops")
    assert told.speaker_text == "the agency"
    assert told.speaker is not None
    assert told.speaker.key == mention(seed, "Seoul's intelligence service").key
    assert told.speaker_reason == (
        "\u2018the agency\u2019 \u2192 South Korea's intelligence service (sentence 4)"
    )


def test_a_role_noun_without_an_antecedent_stays_unnamed() -> None:
    analysis = analyze("The ministry said the ships had left port.")
    said = attribution(analysis, claim_starts="the ships had left port")
    assert said.speaker_text == "The ministry"
    assert said.speaker is None
    assert said.speaker_reason is None


def test_an_indefinite_role_is_a_new_speaker_not_a_reference() -> None:
    analysis = analyze(
        "Defense Secretary Lloyd Austin visited Seoul. A spokesman said the visit went well."
    )
    said = attribution(analysis, claim_starts="the visit went well")
    assert said.speaker is None
    assert said.speaker_reason is None


def test_named_speakers_have_no_reason(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="the deployment showed how far")
    assert said.speaker_reason is None
    assert said.antecedent_text is None


def test_they_is_a_body_that_was_the_subject() -> None:
    analysis = analyze(
        "The European Commission proposed new sanctions on Monday. "
        "They said the measures would take effect in May."
    )
    said = attribution(analysis, claim_starts="the measures would take effect")
    assert said.speaker is not None
    assert said.speaker.kind == "ORG"
    assert said.antecedent_text == "European Commission"


def test_they_is_not_a_place_that_was_only_named() -> None:
    analysis = analyze(
        "South Korean officials met in Seoul on Monday. They said the talks had failed."
    )
    said = attribution(analysis, claim_starts="the talks had failed")
    assert said.speaker is None
    assert said.speaker_reason is None
