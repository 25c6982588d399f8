"""Suggested claims start and end on clause boundaries, never inside a constituent."""

from __future__ import annotations

import pytest

from annotations.nlp import AttributionData, analyze, get_nlp
from tests.nlp.helpers import SEED_TEXT, attribution

SENTENCES = [
    SEED_TEXT,
    "The troops, according to the Pentagon, are in Kursk.",
    "Officials said on Monday that the convoy, which had left Minsk, was moving south, "
    "adding that it carried fuel.",
    "Kirby declined to say whether the US would respond but warned Pyongyang against escalating.",
    "Moscow at first denied the reports as fake news.",
    "The Kremlin rejected claims that Russian troops had crossed the border.",
]


def _spans(a: AttributionData) -> list[tuple[int | None, int | None]]:
    return [
        (a.speaker_start, a.speaker_end),
        (a.cue_start, a.cue_end),
        (a.source_start, a.source_end),
        (a.reporter_start, a.reporter_end),
    ]


def _cut_constituents(text: str, a: AttributionData, every: list[AttributionData]) -> list[str]:
    """Tokens of the claim whose phrase runs out of it into plain words of the sentence:
    words that are not punctuation, a complementizer ("that"), a coordinator, or part of an
    attribution (its speaker, cue, source, reporter, or another attribution's claim)."""
    doc = get_nlp()(text)
    spans = [span for other in every for span in _spans(other)]
    spans += [(o.claim_start, o.claim_end) for o in every if o is not a]
    allowed = {
        i
        for start, end in spans
        if start is not None and end is not None
        for i in range(start, end)
    }
    cut = []
    for token in doc:
        if not (a.claim_start <= token.idx < a.claim_end):
            continue
        outside = [
            t
            for t in doc[token.left_edge.i : token.right_edge.i + 1]
            if not (a.claim_start <= t.idx < a.claim_end)
            and not (t.is_punct or t.is_space or t.dep_ in ("mark", "cc") or t.idx in allowed)
        ]
        if outside:
            cut.append(f"{token.text} -> {' '.join(t.text for t in outside)}")
    return cut


@pytest.mark.parametrize("text", SENTENCES)
def test_no_claim_cuts_a_phrase_in_two(text: str) -> None:
    analysis = analyze(text)
    assert analysis.attributions
    for a in analysis.attributions:
        assert _cut_constituents(text, a, analysis.attributions) == [], a.claim_text


def test_an_inserted_according_to_keeps_the_clause_whole() -> None:
    analysis = analyze("The troops, according to the Pentagon, are in Kursk.")
    according = attribution(analysis, claim_starts="The troops")
    assert according.claim_text == "The troops, according to the Pentagon, are in Kursk"


def test_a_conjoined_reporting_verb_ends_the_claim_before_it() -> None:
    analysis = analyze(
        "Kirby declined to say whether the US would respond but warned Pyongyang against "
        "escalating."
    )
    say = attribution(analysis, claim_starts="whether the US would respond")
    assert say.claim_text == "whether the US would respond"
    assert say.stance == "refuses"
    assert attribution(analysis, claim_starts="Pyongyang against escalating").cue == "warned"


def test_a_cue_inside_a_relative_clause_is_no_claim_of_the_sentence() -> None:
    analysis = analyze("The strike, which officials said killed 12 people, hit a school.")
    assert not [a for a in analysis.attributions if "hit a school" in a.claim_text]
