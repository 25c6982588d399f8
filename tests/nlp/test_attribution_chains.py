"""Reported speech of reported speech: one suggestion, by the inner speaker, with the outer
speaker recorded as its reporter."""

from __future__ import annotations

from annotations.nlp import ArticleAnalysis, analyze
from tests.nlp.helpers import attribution, attributions, gaz_key, mention


def test_seed_kirby_said_the_us_believes_is_one_suggestion_by_the_us_reported_by_kirby(
    seed: ArticleAnalysis,
) -> None:
    believes = attribution(seed, claim_starts="the soldiers spent several weeks")
    assert believes.cue == "believes"
    assert believes.speaker is not None
    assert believes.speaker.key == gaz_key("United States")
    assert believes.reporter is not None
    assert believes.reporter.key == mention(seed, "John Kirby").key
    assert believes.reporter_text == "White House national security spokesman John Kirby"
    assert believes.claim_text.endswith("carried them west toward the Ukrainian border")
    # One construction, one suggestion: no second one by Kirby over the same words.
    assert not attributions(seed, claim_starts="the US believes")
    overlapping = [
        a
        for a in seed.attributions
        if a.claim_start < believes.claim_end and believes.claim_start < a.claim_end
    ]
    assert overlapping == [believes]


def test_seed_lawmaker_said_the_agency_told_a_hearing_links_the_agency_and_the_lawmaker(
    seed: ArticleAnalysis,
) -> None:
    told = attribution(seed, claim_starts="about 11,000 North Korean troops")
    assert told.claim_text == (
        "about 11,000 North Korean troops were now in Russia, up from an estimate of 1,500 "
        "in October"
    )
    assert told.speaker_text == "the agency"
    assert told.reporter_text == "A senior lawmaker in Seoul"
    assert told.reporter is None  # an unnamed lawmaker is no entity
    assert not attributions(seed, claim_starts="the agency had told")
    # The listener of "told" is not a claim.
    assert not attributions(seed, claim_starts="a closed parliamentary hearing")


def test_x_said_that_y_told_z_links_the_claim_to_y_and_records_x() -> None:
    analysis = analyze(
        "Defense Secretary Lloyd Austin said that Kirby told reporters the troops had moved west."
    )
    [told] = analysis.attributions
    assert told.claim_text == "the troops had moved west"
    assert told.speaker_text == "Kirby"
    assert told.reporter is not None
    assert told.reporter.key == gaz_key("Lloyd Austin")
    assert "reported" in told.pattern


def test_state_media_reported_is_the_reporter_of_kims_words() -> None:
    analysis = analyze(
        "SEOUL, Nov 2 (NewsNotes Wire) - North Korean leader Kim Jong Un said Pyongyang would "
        "stand by Russia, state media reported on Saturday."
    )
    [said] = analysis.attributions
    assert said.claim_text == "Pyongyang would stand by Russia"
    assert said.speaker is not None
    assert said.speaker.key == gaz_key("Kim Jong Un")
    assert said.speaker_text == "North Korean leader Kim Jong Un"
    assert said.reporter_text == "state media"


def test_according_to_at_the_end_reports_the_speech_and_is_its_source() -> None:
    analysis = analyze(
        'Choe said the alliance between the two countries was "invincible", '
        "according to Russian state media."
    )
    [said] = analysis.attributions
    assert said.claim_text == 'the alliance between the two countries was "invincible"'
    assert said.speaker_text == "Choe"
    assert said.reporter_text == "Russian state media"
    assert said.source_text == "Russian state media"


def test_a_cue_that_is_only_part_of_the_outer_claim_stays_nested_with_its_reporter() -> None:
    analysis = analyze(
        "Kirby said the troops had crossed the border and that Seoul believes more troops will "
        "follow."
    )
    said = attribution(analysis, claim_starts="the troops had crossed", cue="said")
    believes = attribution(analysis, claim_starts="more troops will follow", cue="believes")
    assert said.reporter is None
    assert believes.reporter_text == "Kirby"
    assert "nested" in believes.pattern
    assert believes.confidence < said.confidence
