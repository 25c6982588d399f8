"""Denials, rejections and refusals are suggested as what they are, by the one who denies,
over the whole proposition."""

from __future__ import annotations

from annotations.nlp import ArticleAnalysis, analyze
from tests.nlp.helpers import attribution, gaz_key


def test_denied_the_reports_as_fake_news_is_a_denial_over_the_whole_clause() -> None:
    analysis = analyze("Moscow at first denied the reports as fake news.")
    [denied] = analysis.attributions
    assert denied.stance == "denies"
    assert denied.claim_text == "Moscow at first denied the reports as fake news"
    assert denied.speaker is not None
    assert denied.speaker.key == gaz_key("Moscow")
    assert denied.pattern == "denial"


def test_rejected_claims_that_is_a_denial_of_what_the_claims_state() -> None:
    analysis = analyze("The Kremlin rejected claims that Russian troops had crossed the border.")
    [rejected] = analysis.attributions
    assert rejected.stance == "denies"
    assert rejected.cue == "rejected"
    assert rejected.claim_text == "Russian troops had crossed the border"
    assert rejected.speaker_text == "The Kremlin"


def test_denied_that_is_a_denial_of_the_clause() -> None:
    analysis = analyze(
        "The Kremlin denied that Russian troops had crossed the border and said the reports "
        "were Western propaganda."
    )
    denied = attribution(analysis, claim_starts="Russian troops had crossed", cue="denied")
    said = attribution(analysis, claim_starts="the reports were Western propaganda")
    assert denied.stance == "denies"
    assert denied.claim_text == "Russian troops had crossed the border"
    assert said.stance == "asserts"
    assert said.speaker == denied.speaker


def test_dismissed_as_is_a_denial() -> None:
    analysis = analyze("Beijing dismissed the report as groundless.")
    [dismissed] = analysis.attributions
    assert dismissed.stance == "denies"
    assert dismissed.claim_text == "Beijing dismissed the report as groundless"


def test_refused_to_confirm_is_a_refusal_of_the_speaker() -> None:
    analysis = analyze(
        "Japan's Foreign Ministry summoned the Chinese ambassador on Tuesday. "
        "The ministry refused to confirm that the ships had left port."
    )
    refused = attribution(analysis, claim_starts="the ships had left port")
    assert refused.stance == "refuses"
    assert refused.speaker is not None
    assert refused.antecedent_text == "Japan's Foreign Ministry"


def test_seed_moscow_refused_to_say_and_putin_neither_confirmed_nor_denied(
    seed: ArticleAnalysis,
) -> None:
    say = attribution(seed, claim_starts="how many foreign troops")
    assert say.stance == "refuses"
    assert say.speaker_text == "Moscow"
    neither = attribution(seed, claim_starts="the troops were in Russia")
    assert neither.stance == "refuses"
    assert neither.speaker is not None
    assert neither.speaker.key == gaz_key("Vladimir Putin")


def test_a_plain_statement_asserts(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="the deployment showed")
    assert said.stance == "asserts"
