"""Suggested claim annotations from reported speech, on the seed article and small cases."""

from __future__ import annotations

from annotations.nlp import ArticleAnalysis, analyze
from tests.nlp.helpers import SEED_TEXT, attribution, attributions, gaz_key, mention


def test_seed_kirby_said_the_us_is_still_studying_the_intelligence(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="the US is still studying", cue="said")
    assert said.claim_text == "the US is still studying the intelligence"
    assert said.speaker is not None
    assert said.speaker.key == mention(seed, "John Kirby").key


def test_seed_kirby_added_inherits_the_speaker_of_said(seed: ArticleAnalysis) -> None:
    added = attribution(seed, claim_starts="if the soldiers enter combat", cue="added")
    assert added.speaker is not None
    assert added.speaker.key == mention(seed, "John Kirby").key
    assert added.claim_text.endswith("our partners in Asia will feel them as well")


def test_seed_kirby_is_the_speaker_of_two_suggestions_and_the_reporter_of_one(
    seed: ArticleAnalysis,
) -> None:
    kirby = mention(seed, "John Kirby").key
    assert [a.cue for a in seed.attributions if a.speaker and a.speaker.key == kirby] == [
        "said",
        "added",
    ]
    assert [a.cue for a in seed.attributions if a.reporter and a.reporter.key == kirby] == [
        "believes"
    ]


def test_seed_south_korean_intelligence_service_said_it_matched_faces(
    seed: ArticleAnalysis,
) -> None:
    said = attribution(seed, claim_starts="it matched the faces of North Korean officers")
    assert said.speaker is not None
    assert said.speaker.key == mention(seed, "Seoul's intelligence service").key
    assert said.speaker_text == "South Korea's intelligence service"
    assert said.source_text == "South Korea's intelligence service"
    assert said.claim_text.endswith("against its own files with the help of AI software")


def test_seed_lloyd_austin_said_the_deployment_showed_growing_support(
    seed: ArticleAnalysis,
) -> None:
    said = attribution(seed, claim_starts="the deployment showed how far Pyongyang's support")
    assert said.speaker is not None
    assert said.speaker.key == mention(seed, "Lloyd Austin").key
    assert said.speaker_text == "US Defense Secretary Lloyd Austin"
    assert said.claim_text.endswith("ballistic missiles to Russia last year")


def test_seed_putin_quote_rests_on_the_spy_agencys_photographs(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="A photograph shows a field")
    assert said.claim_text == (
        "A photograph shows a field and some people; it does not show a treaty being broken"
    )
    assert said.speaker is not None
    assert said.speaker.key == gaz_key("Vladimir Putin")
    assert said.source_text == "photographs published by Seoul's intelligence service last week"
    assert SEED_TEXT[said.source_start : said.source_end] == said.source_text


def test_seed_putin_denied_nothing_but_the_denial_is_his(seed: ArticleAnalysis) -> None:
    denied = attribution(seed, claim_starts="the troops were in Russia", cue="denied")
    assert denied.speaker is not None
    assert denied.speaker.key == gaz_key("Vladimir Putin")
    assert denied.speaker_text == "Russian President Vladimir Putin"


def test_seed_cho_koo_rae_said_the_ties_had_become_an_alliance(seed: ArticleAnalysis) -> None:
    said = attribution(seed, claim_starts="the ties between Moscow and Pyongyang")
    assert said.speaker is not None
    assert said.speaker.key == mention(seed, "Cho Koo-rae").key
    # The apposition describes the speaker; it is not part of the speaker's name.
    assert said.speaker_text == "Cho Koo-rae"


def test_seed_cho_sees_one_front(seed: ArticleAnalysis) -> None:
    sees = attribution(seed, claim_starts="one front running from Kursk", cue="sees")
    assert sees.claim_text == "one front running from Kursk to the Korean peninsula"
    assert sees.speaker is not None
    assert sees.speaker.key == mention(seed, "Cho Koo-rae").key


def test_seed_western_intelligence_agencies_confirmed_engineers_as_unnamed_speaker_and_source(
    seed: ArticleAnalysis,
) -> None:
    confirmed = attribution(seed, claim_starts="North Korean engineers are helping Russian crews")
    assert confirmed.cue == "confirmed"
    assert confirmed.speaker is None
    assert confirmed.speaker_text == "Western intelligence agencies"
    assert confirmed.source_text == "Western intelligence agencies"


def test_seed_intelligence_summary_is_the_source_of_the_malformed_casualty_figure(
    seed: ArticleAnalysis,
) -> None:
    according = attribution(seed, claim_starts="315,00 Russian soldiers")
    assert according.claim_text == (
        "315,00 Russian soldiers had been killed or wounded by the end of September"
    )
    assert according.cue == "According to"
    assert according.pattern == "according-to"
    assert according.source_text == "a recent US intelligence summary"
    assert according.speaker_text == "a recent US intelligence summary"
    assert according.speaker is None


def test_seed_south_korean_officials_are_concerned(seed: ArticleAnalysis) -> None:
    concerned = attribution(seed, claim_starts="Moscow could repay Pyongyang")
    assert concerned.cue == "concerned"
    assert concerned.speaker_text == "South Korean officials"
    assert concerned.speaker is None


def test_seed_reported_as_adjective_is_not_a_cue(seed: ArticleAnalysis) -> None:
    assert not [a for a in seed.attributions if a.cue == "reported"]


def test_seed_attribution_offsets_match_the_text_and_stay_in_one_line(
    seed: ArticleAnalysis,
) -> None:
    for a in seed.attributions:
        assert SEED_TEXT[a.claim_start : a.claim_end] == a.claim_text
        assert SEED_TEXT[a.cue_start : a.cue_end] == a.cue
        if a.speaker_start is not None:
            assert SEED_TEXT[a.speaker_start : a.speaker_end] == a.speaker_text
        assert "\n" not in a.claim_text  # one sentence; the seed has one paragraph per line
        assert a.claim_text[0] not in "\"' ,.:"
        assert a.claim_text[-1] not in "' ,.:"
        # A closing quote stays only when the claim opened it.
        assert not a.claim_text.endswith('"') or a.claim_text.count('"') % 2 == 0
        assert not a.claim_text.startswith("that ")
        assert 0 < a.confidence <= 1


def test_quote_before_the_speaker_is_the_claim() -> None:
    analysis = analyze('"The war is over," Putin said.')
    said = attribution(analysis, claim_starts="The war is over")
    assert said.claim_text == "The war is over"
    assert said.speaker is not None
    assert said.speaker.key == gaz_key("Vladimir Putin")


def test_according_to_at_the_end_of_the_sentence_claims_what_precedes_it() -> None:
    analysis = analyze("The troops are in Kursk, according to the Pentagon.")
    according = attribution(analysis, claim_starts="The troops are in Kursk")
    assert according.claim_text == "The troops are in Kursk"
    assert according.speaker_text == "the Pentagon"
    assert according.speaker is not None


def test_according_to_a_person_names_no_source() -> None:
    analysis = analyze("According to Vladimir Putin, images are a serious thing.")
    according = attribution(analysis, claim_starts="images are a serious thing")
    assert according.speaker is not None
    assert according.speaker.key == gaz_key("Vladimir Putin")
    assert according.source_text is None


def test_citing_phrase_is_the_source_and_not_part_of_the_claim() -> None:
    analysis = analyze("Officials said Tuesday that the troops had arrived, citing intelligence.")
    said = attribution(analysis, claim_starts="the troops had arrived")
    assert said.claim_text == "the troops had arrived"
    assert said.source_text == "intelligence"
    assert said.speaker_text == "Officials"


def test_based_on_phrase_is_the_source() -> None:
    analysis = analyze("Based on satellite images, analysts believe the base was expanded.")
    believe = attribution(analysis, claim_starts="the base was expanded")
    assert believe.source_text == "satellite images"


def test_told_claims_the_clause_not_the_listener() -> None:
    analysis = analyze("The NIS told lawmakers that 1,500 troops had arrived in Russia.")
    told = attribution(analysis, claim_starts="1,500 troops had arrived")
    assert told.speaker is not None
    assert told.speaker.key.startswith("gaz:")
    assert not attributions(analysis, claim_starts="lawmakers")


def test_speaker_of_relative_clause_is_the_noun_it_modifies() -> None:
    analysis = analyze("Kirby, who said the troops were in Russia, declined to comment.")
    said = attribution(analysis, claim_starts="the troops were in Russia")
    assert said.speaker_text == "Kirby"


def test_he_is_resolved_to_the_last_person_with_lower_confidence() -> None:
    analysis = analyze(
        "Defense Secretary Lloyd Austin spoke. Then he told reporters that the US would respond."
    )
    told = attribution(analysis, claim_starts="the US would respond")
    assert told.speaker is not None
    assert told.speaker.key == gaz_key("Lloyd Austin")
    assert told.speaker_text == "he"
    assert told.confidence <= 0.5


def test_first_person_inside_a_quote_is_not_a_new_speaker() -> None:
    analysis = analyze('Putin said: "We believe the West is lying."')
    assert [a.cue for a in analysis.attributions] == ["said"]


def test_participle_clause_shares_the_speaker_of_its_verb() -> None:
    analysis = analyze('"We are ready," said Kirby, adding that the US would help.')
    ready = attribution(analysis, claim_starts="We are ready")
    adding = attribution(analysis, claim_starts="the US would help", cue="adding")
    assert ready.speaker is not None
    assert adding.speaker == ready.speaker


def test_impersonal_passive_has_no_speaker_and_is_not_suggested() -> None:
    assert analyze("It is said that the war will end soon.").attributions == []


def test_sentence_final_speaker_the_parser_misattached_is_found() -> None:
    analysis = analyze(
        "North Korea has begun sending special forces to Russia to support its war against "
        "Ukraine, South Korea's National Intelligence Service said on Friday."
    )
    said = attribution(analysis, claim_starts="North Korea has begun", cue="said")
    assert said.claim_text.endswith("to support its war against Ukraine")
    assert said.speaker_text == "South Korea's National Intelligence Service"
    assert said.speaker is not None
    assert (said.speaker.kind, said.speaker.origin) == ("ORG", "gazetteer")
    assert said.source_text == said.speaker_text  # an intelligence agency is its own source


def test_negated_reporting_verb_is_flagged_and_less_confident() -> None:
    analysis = analyze(
        "The Kremlin did not confirm the deployment. "
        "Putin declined to deny that North Korean troops were in Russia."
    )
    confirm = attribution(analysis, claim_starts="the deployment", cue="confirm")
    deny = attribution(analysis, claim_starts="North Korean troops were in Russia", cue="deny")
    assert "negated" in confirm.pattern
    assert "negated" in deny.pattern
    assert deny.speaker is not None
    assert deny.speaker.key == gaz_key("Vladimir Putin")
    assert max(confirm.confidence, deny.confidence) < 0.7


def test_participle_clause_is_cut_from_the_claim_before_it() -> None:
    analysis = analyze(
        "Zelensky urged allies to act before the troops reach the front line, "
        "saying Kyiv's partners were watching."
    )
    urged = attribution(analysis, claim_starts="allies to act", cue="urged")
    assert urged.claim_text == "allies to act before the troops reach the front line"
    saying = attribution(analysis, claim_starts="Kyiv's partners were watching", cue="saying")
    assert saying.speaker == urged.speaker
    assert "nested" not in saying.pattern
