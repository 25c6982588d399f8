"""Patterns that generalise (annotations/nlp/patterns.py), on the project's own sentences.

Every name below is invented or is not in the gazetteer: the shapes must find them.
"""

from __future__ import annotations

import pytest

from annotations.nlp import ArticleAnalysis, MentionData, analyze
from tests.nlp.helpers import gaz_key


def mentions(text: str) -> list[MentionData]:
    return analyze(text).mentions


def found(text: str) -> dict[str, MentionData]:
    return {m.text: m for m in mentions(text)}


# -- PERSON after a role ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Opposition lawmaker Park Sun-won said the briefing was incomplete.", "Park Sun-won"),
        ("Kim Jong Un watched the launch with his daughter Kim Ju Ae on Tuesday.", "Kim Ju Ae"),
        ("A defence official Tomas Valenko confirmed the convoy had crossed.", "Tomas Valenko"),
        ("Secretary General Ilsa Korenko opened the session in Vienna.", "Ilsa Korenko"),
        ("Deputy Prime Minister Dragan Malovic flew to Baku on Monday.", "Dragan Malovic"),
        ("Ruling party lawmaker Yoo Yong-won told reporters it was over.", "Yoo Yong-won"),
    ],
)
def test_a_role_followed_by_a_capitalised_name_is_a_person(sentence: str, name: str) -> None:
    mention = found(sentence).get(name)
    assert mention is not None, [m.text for m in mentions(sentence)]
    assert mention.label == "PERSON"
    assert mention.key == f"name:PERSON:{name.lower()}"


def test_a_weekday_after_a_role_is_not_a_name() -> None:
    analysis = mentions("Speaking to reporters, the spokesman Tuesday denied the report.")
    assert [m.text for m in analysis if m.label == "PERSON"] == []


def test_a_headline_in_title_case_gives_no_person_after_a_role() -> None:
    analysis = mentions("Ministry Spokesman Says Talks With Baku Failed\n\nThe talks failed.")
    assert [m.text for m in analysis if m.label == "PERSON"] == []


def test_a_role_inside_an_organisation_name_does_not_make_a_person() -> None:
    analysis = found("The UN General Assembly voted while the Black Sea Fleet sailed.")
    assert analysis["UN General Assembly"].key == gaz_key("UN General Assembly")
    assert all(m.label != "PERSON" for m in analysis.values())


def test_a_known_name_after_a_role_keeps_its_gazetteer_entry() -> None:
    lavrov = found("Russian Foreign Minister Sergei Lavrov arrived in Baku.")["Sergei Lavrov"]
    assert lavrov.key == gaz_key("Sergei Lavrov")


# -- ORG of a state ----------------------------------------------------------------------


def test_nationality_office_ministry_is_an_org_linked_to_the_state() -> None:
    text = (
        "The Azerbaijani Foreign Ministry summoned the envoy. Azerbaijan's foreign ministry "
        "later said the Ministry of Foreign Affairs of Azerbaijan had not been consulted."
    )
    orgs = [m for m in mentions(text) if m.label == "ORG"]
    assert [m.text for m in orgs] == [
        "Azerbaijani Foreign Ministry",
        "Azerbaijan's foreign ministry",
        "Ministry of Foreign Affairs of Azerbaijan",
    ]
    assert {m.key for m in orgs} == {"name:ORG:ministry of foreign affairs (azerbaijan)"}
    assert orgs[0].canonical_name == "Ministry of Foreign Affairs (Azerbaijan)"


def test_defence_and_defense_are_one_ministry() -> None:
    keys = {
        m.key
        for m in mentions("The Chilean Defense Ministry and Chile's defence ministry agreed.")
        if m.label == "ORG"
    }
    assert keys == {"name:ORG:ministry of defence (chile)"}


def test_a_state_possessive_agency_is_an_org_of_that_state() -> None:
    mention = found("Armenia's National Security Service said it had detained two men.")[
        "Armenia's National Security Service"
    ]
    assert mention.label == "ORG"
    # The gazetteer knows this one: the pattern span resolves to its entry.
    assert mention.key == gaz_key("National Security Service (Armenia)")
    unknown = found("Estonia's Internal Security Service said the cable was cut.")[
        "Estonia's Internal Security Service"
    ]
    assert unknown.key == "name:ORG:internal security service (estonia)"


def test_a_known_ministry_is_still_the_gazetteer_entry() -> None:
    mention = found("Moscow's defence ministry said the drills were over.")[
        "Moscow's defence ministry"
    ]
    assert mention.key == gaz_key("Russian Defence Ministry")


# -- LOC by its geographic head ----------------------------------------------------------


@pytest.mark.parametrize(
    "place",
    [
        "Thitu Island",
        "Manila Bay",
        "Bashi Channel",
        "Sea of Azov",
        "Strait of Malacca",
        "Gulf of Guinea",
        "Lake Chad",
        "Hainan Island",
        "Kerch Peninsula",
    ],
)
def test_name_with_a_geographic_head_is_a_place(place: str) -> None:
    sentence = f"Patrol boats were reported near {place} on Sunday, officials said."
    mention = found(sentence).get(place)
    assert mention is not None, [m.text for m in mentions(sentence)]
    assert mention.label == "LOC"


def test_a_place_pattern_never_cuts_a_known_name() -> None:
    analysis = found("The Black Sea Fleet left Sevastopol; Cape Town stayed calm.")
    assert analysis["Black Sea Fleet"].key == gaz_key("Black Sea Fleet")
    assert analysis["Cape Town"].label == "GPE"


# -- codes and common words --------------------------------------------------------------


def test_two_letter_codes_and_common_words_never_match_alone() -> None:
    analysis: ArticleAnalysis = analyze(
        "Police in the city began testing AI facial recognition technology last year."
    )
    assert [m.text for m in analysis.mentions if m.text == "AI"] == []
    # Known short names still match: they are written in the project's lists.
    assert found("The US and the UK said the EU would join.")["US"].key == gaz_key("US")


def test_a_state_and_a_common_noun_compound_stay_apart() -> None:
    analysis = found("Mali's military government said the convoy had been attacked.")
    assert "Mali's military" not in analysis
    assert analysis["Mali"].key == gaz_key("Mali")


def test_a_sentence_of_names_is_not_taken_for_a_headline() -> None:
    analysis = found("President Tomas Valenko met Prime Minister Ilsa Korenko in Moscow.")
    assert analysis["Tomas Valenko"].label == "PERSON"
    assert analysis["Ilsa Korenko"].label == "PERSON"
