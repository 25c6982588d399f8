"""The hedge lexicon (annotations/nlp/data/hedges.json) and the strength derived from it."""

from __future__ import annotations

import json

import pytest

from annotations.nlp import hedges
from annotations.nlp.claim_similarity import features, score


def _found(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in hedges.find_markers(text)]


def test_the_lexicon_lists_every_kind_the_issue_names():
    data = json.loads(hedges.LEXICON_PATH.read_text(encoding="utf-8"))
    markers = {kind: set(spec["markers"]) for kind, spec in data["kinds"].items()}
    assert {"may", "might", "could"} <= markers["modal"]
    assert {"reportedly", "allegedly", "according to"} <= markers["reportative"]
    assert {"believed", "thought to", "estimated"} <= markers["epistemic"]
    assert {"sources say", "unconfirmed", "could not be independently verified"} <= markers[
        "sourcing"
    ]
    assert {"about", "some", "an estimated"} <= markers["approximation"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia may share sensitive military technology", [("modal", "may")]),
        ("The troops reportedly crossed the border", [("reportative", "reportedly")]),
        ("according to Russian state media", [("reportative", "according to")]),
        ("North Korean troops are believed to be in Kursk", [("epistemic", "are believed to")]),
        (
            "The footage could not be independently verified.",
            [("sourcing", "could not be independently verified")],
        ),
        (
            "an estimated 315,00 Russian troops were either killed or wounded",
            [("approximation", "an estimated")],
        ),
        ("some 10,000 soldiers", [("approximation", "some")]),
        ("about three thousand troops", [("approximation", "about")]),
        # Not before a number: "about" and "some" are ordinary words.
        ("They spoke about the deployment to some officials", []),
        # Words that contain a marker are not markers.
        ("Mayor Maybank", []),
    ],
)
def test_markers(text, expected):
    assert _found(text) == expected


def test_offsets_are_code_points():
    text = "Der Kreml \u2013 so hei\u00dft es \u2013 k\u00f6nnte\u2026 troops could be there"
    (marker,) = hedges.find_markers(text)
    assert text[marker.start : marker.end] == "could"


@pytest.mark.parametrize(
    ("text", "speaker", "strength"),
    [
        ("8,000 North Korean troops are in the Kursk region", False, "asserted"),
        ("8,000 North Korean troops are in the Kursk region", True, "attributed"),
        ("the United States believes 8,000 troops are in Kursk", True, "hedged"),
        ("The troops reportedly crossed the border", False, "unverified"),
        ("The troops reportedly crossed the border", True, "attributed"),
        ("Unconfirmed reports say troops may be in Kursk", True, "unverified"),
    ],
)
def test_strength(text, speaker, strength):
    assert hedges.strength(hedges.find_markers(text), has_speaker=speaker) == strength


def test_a_dropped_hedge_is_a_firmer_statement():
    assert hedges.hedge_dropped("hedged", "asserted")
    assert not hedges.hedge_dropped("asserted", "hedged")
    assert not hedges.hedge_dropped("hedged", "hedged")


def test_a_hedge_does_not_keep_a_repetition_apart():
    hedged = "North Korean troops are believed to be in the Kursk region"
    plain = "North Korean troops are in the Kursk region"
    a = features(hedged, hedges.find_markers(hedged))
    b = features(plain, hedges.find_markers(plain))
    assert a.normalised == b.normalised
    assert set(a.band_keys) == set(b.band_keys)


def test_different_figures_score_lower():
    same = score(
        "8000 north korean troops kursk",
        "8000 north korean troops kursk",
        a_figures=["8000"],
        b_figures=["8000"],
    )
    other = score(
        "8000 north korean troops kursk",
        "12000 north korean troops kursk",
        a_figures=["8000"],
        b_figures=["12000"],
    )
    assert same > other
