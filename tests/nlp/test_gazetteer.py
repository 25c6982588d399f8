"""The gazetteer module against the small fixture file (the shipped data is tested elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.nlp.gazetteer import (
    Gazetteer,
    GazetteerEntry,
    get_gazetteer,
    load_gazetteer,
    normalise,
)
from tests.nlp.helpers import FIXTURE_GAZETTEER


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(FIXTURE_GAZETTEER)


@pytest.fixture(scope="module")
def patterns(gazetteer: Gazetteer) -> dict[str, tuple[str, str]]:
    return {p["pattern"]: (p["label"], p["id"]) for p in gazetteer.entity_ruler_patterns()}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("U.S.", "us"),
        ("US", "us"),
        ("the United  States", "united states"),
        ("Russia's", "russia"),
        ("Russia\u2019s", "russia"),
        ("the US'", "us"),
        ("Kim Jong\u2013Un", "kim jong-un"),
        ("  Vladimir\tPutin ", "vladimir putin"),
    ],
)
def test_normalise_folds_case_possessives_periods_and_spaces(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_lookup_by_name_alias_and_dotted_acronym_finds_one_entry(gazetteer: Gazetteer) -> None:
    ids = {
        gazetteer.lookup(name).id
        for name in ("United States", "US", "U.S.", "the U.S.", "America", "US'")
    }
    assert ids == {"united-states"}
    assert gazetteer.lookup("Putin").id == "vladimir-putin"
    assert gazetteer.lookup("Kim") is None  # ambiguous short forms are deliberately absent


def test_entries_by_id_keep_wikidata_and_kind(gazetteer: Gazetteer) -> None:
    putin = gazetteer.get("vladimir-putin")
    assert putin is not None
    assert (putin.kind, putin.wikidata, putin.country) == ("PERSON", "Q7747", "russia")


def test_capital_and_demonym_maps_point_at_states(gazetteer: Gazetteer) -> None:
    assert gazetteer.state_for_capital("Seoul").id == "south-korea"
    assert gazetteer.state_for_capital("Moscow").id == "russia"
    assert gazetteer.state_for_demonym("North Korean").id == "north-korea"
    assert gazetteer.state_for_demonym("Ukrainians").id == "ukraine"


def test_patterns_cover_names_and_aliases_with_kind_label_and_id(
    patterns: dict[str, tuple[str, str]],
) -> None:
    assert patterns["Vladimir Putin"] == ("PERSON", "vladimir-putin")
    assert patterns["Putin"] == ("PERSON", "vladimir-putin")
    assert patterns["U.S."] == ("GPE", "united-states")
    assert patterns["USA"] == ("GPE", "united-states")
    assert patterns["U.S.A."] == ("GPE", "united-states")  # generated spelling


def test_patterns_tag_demonyms_as_norp_of_their_state(
    patterns: dict[str, tuple[str, str]],
) -> None:
    assert patterns["Russian"] == ("NORP", "russia")
    assert patterns["South Korean"] == ("NORP", "south-korea")


@pytest.mark.parametrize(
    "phrase",
    [
        "South Korea's intelligence service",
        "South Korea\u2019s intelligence service",
        "Seoul's intelligence service",
        "Seoul's spy agency",
        "South Korean intelligence agency",
        "ROK's Intelligence Service",
        "intelligence service of South Korea",
    ],
)
def test_generated_agency_phrases_point_at_the_agency(
    patterns: dict[str, tuple[str, str]], phrase: str
) -> None:
    assert patterns[phrase] == ("ORG", "national-intelligence-service-south-korea")


def test_generated_ministry_phrases_use_demonym_and_country(
    patterns: dict[str, tuple[str, str]],
) -> None:
    ministry = ("ORG", "ministry-of-foreign-affairs-south-korea")
    assert patterns["South Korean foreign ministry"] == ministry
    assert patterns["South Korea's Foreign Ministry"] == ministry


def test_generated_phrase_claimed_by_two_agencies_is_left_out() -> None:
    def entry(**fields: object) -> GazetteerEntry:
        return GazetteerEntry.from_json({"aliases": [], **fields})

    russia = entry(id="russia", name="Russia", kind="GPE", category="state", demonyms=["Russian"])
    fsb = entry(id="fsb", name="FSB", kind="ORG", country="russia", generic=["security service"])
    svr = entry(id="svr", name="SVR", kind="ORG", country="russia", generic=["security service"])
    gru = entry(id="gru", name="GRU", kind="ORG", country="russia", generic=["spy agency"])
    patterns = {
        p["pattern"]: p["id"] for p in Gazetteer([russia, fsb, svr, gru]).entity_ruler_patterns()
    }
    assert "Russian security service" not in patterns
    assert patterns["Russian spy agency"] == "gru"


def test_malformed_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.jsonl"
    good = json.dumps({"id": "russia", "name": "Russia", "kind": "GPE"})
    path.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gazetteer\.jsonl:3"):
        load_gazetteer(path)


def test_unknown_kind_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.jsonl"
    path.write_text(json.dumps({"id": "x", "name": "X", "kind": "PLANET"}) + "\n")
    with pytest.raises(ValueError, match="PLANET"):
        load_gazetteer(path)


def test_configured_gazetteer_is_loaded_once() -> None:
    assert get_gazetteer() is get_gazetteer()
