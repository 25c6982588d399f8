"""Speaker resolution: pronouns and role nouns resolve to the nearest compatible antecedent,
and say why."""

from __future__ import annotations

import pytest

from annotations.nlp import ArticleAnalysis, analyze
from tests.nlp.helpers import attribution, mention

BERNARD = (
    "French Foreign Minister Jean-Luc Bernard met Italian officials in Rome on Monday. "
    "The talks lasted four hours. "
    "He said the two countries had agreed to share intelligence."
)

# (text, the claim's first words, the antecedent, its kind, the speaker's rule)
RESOLVED = [
    pytest.param(BERNARD, "the two countries", "Jean-Luc Bernard", "PERSON", "pronoun", id="he"),
    pytest.param(
        "Putin said the images were serious. He praised Kim Jong Un at length. "
        '"We never doubted them," he said.',
        "We never doubted them",
        "Putin",
        "PERSON",
        "pronoun",
        id="the most recent subject, not the nearer object",
    ),
    pytest.param(
        "Mr Tomas Weber welcomed Ms Anna Keller to Berlin on Friday. "
        "She said the border would stay open.",
        "the border would stay open",
        "Anna Keller",
        "PERSON",
        "pronoun",
        id="a stated gender over the nearer subject",
    ),
    pytest.param(
        "Russian Foreign Ministry spokeswoman Maria Zakharova spoke to reporters on Thursday. "
        "Ukraine's envoy left the room. The spokeswoman said the sanctions would fail.",
        "the sanctions would fail",
        "Maria Zakharova",
        "PERSON",
        "role",
        id="the spokeswoman",
    ),
    pytest.param(
        "Russian President Vladimir Putin met Kim Jong Un in Pyongyang. "
        "The president said the treaty would last.",
        "the treaty would last",
        "Vladimir Putin",
        "PERSON",
        "role",
        id="the president is the one called president",
    ),
    pytest.param(
        "Japan's Foreign Ministry summoned the Chinese ambassador on Tuesday. "
        "The ministry said the incursion was unacceptable.",
        "the incursion was unacceptable",
        "Japan's Foreign Ministry",
        "ORG",
        "role",
        id="the ministry is an organisation",
    ),
    pytest.param(
        "The European Commission proposed new sanctions on Monday. "
        "They said the measures would take effect in May.",
        "the measures would take effect",
        "European Commission",
        "ORG",
        "pronoun",
        id="they is a body that was the subject",
    ),
]


@pytest.mark.parametrize(("text", "claim", "antecedent", "kind", "rule"), RESOLVED)
def test_the_speaker_resolves_to_the_compatible_antecedent(
    text: str, claim: str, antecedent: str, kind: str, rule: str
) -> None:
    analysis = analyze(text)
    said = attribution(analysis, claim_starts=claim)
    assert said.speaker is not None
    assert said.antecedent_text == antecedent
    assert said.speaker.key == mention(analysis, antecedent).key
    assert said.speaker.kind == kind
    assert rule in said.pattern
    assert said.confidence <= (0.5 if rule == "pronoun" else 0.6)


def test_the_reason_names_the_antecedent_and_its_sentence() -> None:
    said = attribution(analyze(BERNARD), claim_starts="the two countries had agreed")
    assert said.speaker_text == "He"
    assert said.speaker_reason == "\u2018He\u2019 \u2192 Jean-Luc Bernard (sentence 1)"
    assert said.antecedent_sentence == 1
    assert said.antecedent_start == BERNARD.index("Jean-Luc Bernard")
    assert said.antecedent_end == said.antecedent_start + len("Jean-Luc Bernard")


def test_seed_the_agency_is_south_koreas_intelligence_service(seed: ArticleAnalysis) -> None:
    told = attribution(seed, claim_starts="about 11,000 North Korean troops")
    assert told.speaker_text == "the agency"
    assert told.speaker is not None
    assert told.speaker.key == mention(seed, "Seoul's intelligence service").key
    # The dateline is no sentence: this is the article's fourth.
    assert told.speaker_reason == (
        "\u2018the agency\u2019 \u2192 South Korea's intelligence service (sentence 4)"
    )


UNRESOLVED = [
    pytest.param("The ministry said the ships had left port.", id="no antecedent"),
    pytest.param(
        "Defense Secretary Lloyd Austin visited Seoul. A spokesman said the ships had left port.",
        id="an indefinite role is a new speaker",
    ),
    pytest.param(
        "South Korean officials met in Seoul on Monday. They said the ships had left port.",
        id="they is not a place that was only named",
    ),
]


@pytest.mark.parametrize("text", UNRESOLVED)
def test_the_speaker_stays_unnamed_without_a_compatible_antecedent(text: str) -> None:
    said = attribution(analyze(text), claim_starts="the ships had left port")
    assert said.speaker is None
    assert said.speaker_reason is None
    assert said.antecedent_text is None


def test_named_speakers_have_no_reason(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="the deployment showed how far")
    assert said.speaker_reason is None
    assert said.antecedent_text is None
