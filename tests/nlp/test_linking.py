"""Mentions: what is found, where, how it is typed and which key links it across articles."""

from __future__ import annotations

import pytest

from annotations.nlp import ArticleAnalysis, analyze, get_nlp
from annotations.nlp.gazetteer import get_gazetteer
from annotations.nlp.linking import extract_mentions
from tests.nlp.helpers import SEED_TEXT, covering, gaz_key, keys_of, mention, occurrences


def test_seed_mentions_are_sorted_non_overlapping_and_match_the_text(
    seed: ArticleAnalysis,
) -> None:
    previous_end = 0
    for m in seed.mentions:
        assert 0 <= m.start < m.end <= len(SEED_TEXT)
        assert SEED_TEXT[m.start : m.end] == m.text
        assert m.start >= previous_end
        previous_end = m.end


def test_seed_keeps_only_entity_labels(seed: ArticleAnalysis) -> None:
    assert {m.label for m in seed.mentions} <= {
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "EVENT",
    }
    assert not any(
        m.text in {"11,000", "February 2022", "315,00", "Nov 4", "September"} for m in seed.mentions
    )


def test_seed_every_putin_is_one_gazetteer_person(seed: ArticleAnalysis) -> None:
    assert keys_of(seed, SEED_TEXT, "Putin") == {gaz_key("Vladimir Putin")}
    putins = [m for m in seed.mentions if m.key == gaz_key("Vladimir Putin")]
    assert len(putins) == SEED_TEXT.count("Putin") == 3
    assert {(m.kind, m.label, m.origin) for m in putins} == {("PERSON", "PERSON", "gazetteer")}
    assert {m.canonical_name for m in putins} == {"Vladimir Putin"}


def test_seed_title_is_stripped_from_russian_president_vladimir_putin(
    seed: ArticleAnalysis,
) -> None:
    start = SEED_TEXT.index("Russian President Vladimir Putin")
    putin = covering(seed, start + len("Russian President "), start + len("Russian President V"))
    assert putin is not None
    assert putin.text == "Vladimir Putin"
    assert covering(seed, start, start + len("Russian")).label == "NORP"
    assert covering(seed, start + len("Russian "), start + len("Russian President")) is None


def test_seed_kirby_and_john_kirby_share_one_person_key(seed: ArticleAnalysis) -> None:
    john_kirby = mention(seed, "John Kirby")
    assert keys_of(seed, SEED_TEXT, "Kirby") == {john_kirby.key}
    assert john_kirby.kind == mention(seed, "Kirby").kind == "PERSON"
    assert john_kirby.key in {"name:PERSON:john kirby", "gaz:john-kirby"} or (
        john_kirby.key.startswith("gaz:") and john_kirby.gazetteer_id
    )


def test_seed_white_house_spokesman_title_is_not_part_of_the_name(seed: ArticleAnalysis) -> None:
    start = SEED_TEXT.index("spokesman John Kirby")
    assert covering(seed, start, start + len("spokesman")) is None
    assert mention(seed, "John Kirby").start == start + len("spokesman ")


def test_short_form_kim_links_to_kim_jong_un(seed: ArticleAnalysis) -> None:
    kim = mention(seed, "Kim")
    assert kim.key == mention(seed, "Kim Jong Un").key == gaz_key("Kim Jong Un")
    assert (kim.kind, kim.label, kim.canonical_name) == ("PERSON", "PERSON", "Kim Jong Un")


def test_short_form_cho_links_to_cho_koo_rae_by_family_name(seed: ArticleAnalysis) -> None:
    full = mention(seed, "Cho Koo-rae")
    assert full.kind == "PERSON"
    assert mention(seed, "Cho").key == full.key


def test_seed_lloyd_austin_is_the_name_without_his_title(seed: ArticleAnalysis) -> None:
    austin = mention(seed, "Lloyd Austin")
    assert austin.kind == "PERSON"
    assert not any(m.text in {"Defense", "Secretary", "Defense Secretary"} for m in seed.mentions)


def test_seed_both_names_of_the_south_korean_intelligence_service_share_one_key(
    seed: ArticleAnalysis,
) -> None:
    korea = mention(seed, "South Korea's intelligence service")
    seoul = mention(seed, "Seoul's intelligence service")
    assert korea.key == seoul.key
    assert korea.key.startswith("gaz:")
    assert (korea.kind, korea.origin, korea.confidence) == ("ORG", "gazetteer", 1.0)


def test_seed_ministry_phrase_is_linked_without_its_article(seed: ArticleAnalysis) -> None:
    ministry = mention(seed, "South Korean foreign ministry")
    assert (ministry.kind, ministry.origin) == ("ORG", "gazetteer")


@pytest.mark.parametrize(
    ("word", "name", "kinds"),
    [
        ("Russia", "Russia", {"GPE"}),
        ("Ukraine", "Ukraine", {"GPE"}),
        ("North Korea", "North Korea", {"GPE"}),
        ("Vladivostok", "Vladivostok", {"GPE", "LOC"}),
        ("Pyongyang", "Pyongyang", {"GPE", "LOC"}),
        ("Moscow", "Moscow", {"GPE", "LOC"}),
        ("US", "United States", {"GPE"}),
    ],
)
def test_seed_every_occurrence_of_a_place_is_one_gazetteer_key(
    seed: ArticleAnalysis, word: str, name: str, kinds: set[str]
) -> None:
    found = [covering(seed, start, start + len(word)) for start in occurrences(SEED_TEXT, word)]
    assert found
    assert all(m is not None and m.origin == "gazetteer" for m in found)
    # The place itself, unless it is part of a longer known name ("war in Ukraine" if the
    # gazetteer lists that event).
    exact = [m for m in found if m is not None and m.text == word]
    assert exact
    assert {m.key for m in exact} == {gaz_key(name)}
    assert {m.kind for m in exact} <= kinds


def test_seed_south_korea_is_a_state_mention(seed: ArticleAnalysis) -> None:
    south_korea = mention(seed, "South Korea")
    assert (south_korea.key, south_korea.kind) == (gaz_key("South Korea"), "GPE")


def test_gazetteer_types_kursk_that_the_model_calls_a_product(seed: ArticleAnalysis) -> None:
    start = SEED_TEXT.index("Kursk")
    kursk = covering(seed, start, start + len("Kursk"))
    assert kursk is not None
    assert kursk.kind in {"GPE", "LOC"}
    assert kursk.origin == "gazetteer"


def test_demonym_the_model_calls_gpe_is_norp_linked_to_its_state(seed: ArticleAnalysis) -> None:
    ukrainian = mention(seed, "Ukrainian")
    assert (ukrainian.label, ukrainian.kind, ukrainian.key) == ("NORP", "GPE", gaz_key("Ukraine"))


def test_possessive_is_not_part_of_the_mention() -> None:
    text = "Russia's armored units took a toll, and Pyongyang's troops arrived."
    analysis = analyze(text)
    assert mention(analysis, "Russia").key == gaz_key("Russia")
    assert mention(analysis, "Pyongyang").key == gaz_key("Pyongyang")
    assert not any("'s" in m.text for m in analysis.mentions)


def test_dotted_and_plain_us_share_one_key() -> None:
    analysis = analyze("U.S. officials met US diplomats in the United States.")
    assert {m.key for m in analysis.mentions} == {gaz_key("United States")}


def test_offsets_are_code_points_after_emoji_arabic_and_hebrew() -> None:
    text = (
        "🚀🔥 مرحبا بالعالم שלום עולם 👩\u200d👩\u200d👧 Russian President Vladimir Putin met "
        "North Korean Premier Kim Jong Un in Pyongyang. 🇺🇦 Kim said the talks went well."
    )
    analysis = analyze(text)
    for m in analysis.mentions:
        assert text[m.start : m.end] == m.text
    for a in analysis.attributions:
        assert text[a.claim_start : a.claim_end] == a.claim_text
        assert text[a.cue_start : a.cue_end] == a.cue
    assert [m.text for m in analysis.mentions if m.kind == "PERSON"] == [
        "Vladimir Putin",
        "Kim Jong Un",
        "Kim",
    ]
    assert mention(analysis, "Kim").key == gaz_key("Kim Jong Un")


# Names below that are not in the seed are made up, so that no gazetteer knows them and the
# rules for names only the statistical model finds are what is tested.


def test_short_form_the_model_calls_an_organisation_becomes_the_person() -> None:
    analysis = _hand_tagged(
        "Defence Minister Marek Zawadzki spoke. Zawadzki later added a caveat.",
        [("Marek Zawadzki", "PERSON"), ("Zawadzki", "ORG")],
    )
    short = analysis.mentions[1]
    assert (short.text, short.label, short.kind) == ("Zawadzki", "PERSON", "PERSON")
    assert short.key == mention(analysis, "Marek Zawadzki").key == "name:PERSON:marek zawadzki"
    assert short.canonical_name == "Marek Zawadzki"


def test_gazetteer_kind_wins_over_the_model_label() -> None:
    analysis = _hand_tagged("Pyongyang said so.", [("Pyongyang", "PERSON")])
    pyongyang = mention(analysis, "Pyongyang")
    assert (pyongyang.label, pyongyang.kind) == ("GPE", "GPE")
    assert pyongyang.key == gaz_key("Pyongyang")


def test_ambiguous_short_form_links_to_the_most_recent_full_name() -> None:
    analysis = analyze("John Whitfield met Jane Whitfield. Whitfield said the meeting was useful.")
    assert mention(analysis, "Whitfield").key == "name:PERSON:jane whitfield"


def test_longer_name_sharing_a_surname_is_a_different_person() -> None:
    analysis = _hand_tagged(
        "Marcus Whitfield spoke on Monday. Whitfield Jones disagreed with him.",
        [("Marcus Whitfield", "PERSON"), ("Whitfield Jones", "PERSON")],
    )
    assert mention(analysis, "Whitfield Jones").key == "name:PERSON:whitfield jones"


def _hand_tagged(text: str, spans: list[tuple[str, str]]) -> ArticleAnalysis:
    """Mentions of a Doc whose entities are set by hand, to pin rules independent of the model.

    ``spans`` are (phrase, label) in text order; each phrase is searched after the previous one.
    """
    doc = get_nlp().make_doc(text)
    ents = []
    position = 0
    for phrase, label in spans:
        start = text.index(phrase, position)
        position = start + len(phrase)
        span = doc.char_span(start, position, label=label)
        assert span is not None
        ents.append(span)
    doc.ents = ents
    mentions, _ = extract_mentions(doc, get_gazetteer())
    return ArticleAnalysis(mentions=mentions)


@pytest.mark.parametrize(
    ("phrase", "name"),
    [
        ("White House national security spokesman John Kirby", "John Kirby"),
        ("United States Defense Secretary Lloyd Austin", "Lloyd Austin"),
        ("North Korean Premier Kim Jong Un", "Kim Jong Un"),
        ("Russian President Vladimir Putin", "Vladimir Putin"),
        ("vice minister Cho Koo-rae", "Cho Koo-rae"),
        ("Gen. Marek Zawadzki", "Marek Zawadzki"),
        ("Dr. Jane Whitfield", "Jane Whitfield"),
        ("Mr. Zawadzki", "Zawadzki"),
        ("Secretary of State Marek Zawadzki", "Marek Zawadzki"),
        ("Deputy Foreign Minister Ji-ho Park", "Ji-ho Park"),
    ],
)
def test_titles_and_roles_are_stripped_from_person_spans(phrase: str, name: str) -> None:
    analysis = _hand_tagged(f"{phrase} spoke.", [(phrase, "PERSON")])
    assert [m.text for m in analysis.mentions] == [name]
    assert analysis.mentions[0].start == phrase.index(name)


def test_model_span_with_possessive_and_article_is_trimmed_to_the_name() -> None:
    analysis = _hand_tagged(
        "Officials in the South Korea's capital met.", [("the South Korea's", "GPE")]
    )
    assert [(m.text, m.key) for m in analysis.mentions] == [("South Korea", gaz_key("South Korea"))]


def test_surname_the_model_missed_is_recalled_and_linked() -> None:
    text = "Marek Zawadzki spoke on Monday. On Tuesday, Zawadzki said more."
    analysis = _hand_tagged(text, [("Marek Zawadzki", "PERSON")])
    short = mention(analysis, "Zawadzki")
    assert short.start == text.rindex("Zawadzki")
    assert short.key == "name:PERSON:marek zawadzki"
    assert short.confidence < mention(analysis, "Marek Zawadzki").confidence


def test_family_name_first_is_recalled_for_korean_names() -> None:
    text = "Park Ji-ho spoke on Monday. Park later said more."
    analysis = _hand_tagged(text, [("Park Ji-ho", "PERSON")])
    assert mention(analysis, "Park").key == "name:PERSON:park ji-ho"


def test_surname_before_its_full_name_is_not_linked_back() -> None:
    text = "Zawadzki spoke first. Later Marek Zawadzki spoke again."
    analysis = _hand_tagged(text, [("Marek Zawadzki", "PERSON")])
    assert [m.text for m in analysis.mentions] == ["Marek Zawadzki"]


def test_surname_inside_a_longer_capitalised_name_is_not_recalled() -> None:
    text = "Marek Zawadzki spoke. Zawadzki Holdings then issued a statement."
    analysis = _hand_tagged(text, [("Marek Zawadzki", "PERSON")])
    assert [m.text for m in analysis.mentions] == ["Marek Zawadzki"]


def test_confidence_is_one_for_gazetteer_and_lower_for_model_mentions(
    seed: ArticleAnalysis,
) -> None:
    assert all(m.confidence == 1.0 for m in seed.mentions if m.origin == "gazetteer")
    model = [m for m in seed.mentions if m.origin == "model"]
    assert model
    assert all(0 < m.confidence < 1 for m in model)
    single = [m for m in model if " " not in m.text and m.kind not in ("PERSON",)]
    assert single
    assert all(m.confidence < 0.75 for m in single)  # single tokens: the model's usual misses
    # "with the help of AI software": a two-letter code alone is never a name (it was a GPE).
    assert not [m for m in seed.mentions if m.text == "AI"]


def test_model_only_names_have_name_keys_by_kind() -> None:
    analysis = _hand_tagged("Marek Zawadzki visited.", [("Marek Zawadzki", "PERSON")])
    only = analysis.mentions[0]
    assert (only.key, only.origin, only.gazetteer_id, only.wikidata) == (
        "name:PERSON:marek zawadzki",
        "model",
        None,
        None,
    )
    assert only.confidence == 0.75


def test_a_lookup_only_place_names_only_a_span_the_model_calls_a_place() -> None:
    # Subdivisions come from ISO 3166-2 and are not searched for in the text: "Guerrero" is a
    # Mexican state when the model says GPE, and stays a person when it says PERSON.
    place = _hand_tagged("Troops entered Guerrero.", [("Guerrero", "GPE")]).mentions[0]
    assert place.key == gaz_key("Guerrero")
    person = _hand_tagged("Guerrero said no.", [("Guerrero", "PERSON")]).mentions[0]
    assert person.key == "name:PERSON:guerrero"


def test_a_model_span_of_a_two_letter_code_or_a_stop_word_is_dropped() -> None:
    analysis = _hand_tagged(
        "AI tools, Will and the US.", [("AI", "GPE"), ("Will", "PERSON"), ("US", "GPE")]
    )
    assert [m.text for m in analysis.mentions] == ["US"]
