"""The scoring of bench/ner_quality.py, on a hand-made gold article and hand-made outputs.

The benchmark's figures go into bench/README.md and issue #15's closing note, so the arithmetic
behind them is pinned here without loading a model.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def quality() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # the script imports its neighbour `common`
    try:
        spec = importlib.util.spec_from_file_location("ner_quality", BENCH / "ner_quality.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


TEXT = "Kim Sun-hee said the Defence Ministry was ready. Kim added that Seoul agreed, she said."


def at(word: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return start, start + len(word)


def mention(word: str, kind: str, entity: str, nth: int = 0) -> dict[str, Any]:
    start, end = at(word, nth)
    return {"start": start, "end": end, "text": word, "kind": kind, "entity": entity}


GOLD = [
    {
        "id": "a1",
        "text": TEXT,
        "mentions": [
            mention("Kim Sun-hee", "PERSON", "person:kim"),
            mention("Defence Ministry", "ORG", "org:mod"),
            mention("Kim", "PERSON", "person:kim", nth=1),
            mention("Seoul", "GPE", "gpe:seoul"),
        ],
        "claims": [
            {
                "id": "c1",
                **dict(zip(("start", "end"), at("the Defence Ministry was ready"), strict=True)),
                "text": "the Defence Ministry was ready",
                "speaker": "person:kim",
                "speaker_type": "name",
                "speaker_text": "Kim Sun-hee",
                "reporter": None,
            },
            {
                "id": "c2",
                **dict(zip(("start", "end"), at("Seoul agreed"), strict=True)),
                "text": "Seoul agreed",
                "speaker": "person:kim",
                "speaker_type": "pronoun",
                "speaker_text": "she",
                "reporter": None,
            },
        ],
    }
]


def output(mentions: list[tuple[str, str, str, int]], attributions: Any) -> list[dict[str, Any]]:
    rows = [(*at(word, nth), label, key) for word, label, key, nth in mentions]
    return [{"mentions": rows, "attributions": attributions}]


def test_exact_and_lenient_entity_scores(quality: ModuleType) -> None:
    predicted = output(
        [
            ("Kim Sun-hee said", "PERSON", "k1", 0),  # overlaps only: lenient hit
            ("the Defence Ministry", "ORG", "m", 0),  # a leading "the" is forgiven
            ("Kim", "PERSON", "k1", 1),
            ("Seoul", "ORG", "s", 0),  # wrong kind
        ],
        None,
    )
    entities = quality.Scorer(GOLD, predicted, {"PERSON", "ORG", "GPE"}).entities()
    assert entities["PERSON"]["recall"] == 0.5
    assert entities["PERSON"]["recall_lenient"] == 1.0
    assert entities["ORG"]["recall"] == 1.0
    assert entities["ORG"]["precision"] == 0.5  # "Seoul" as ORG is wrong
    assert entities["GPE"]["recall"] == 0.0
    assert entities["all"]["gold"] == 4
    assert entities["all"]["recall"] == 0.5


def test_kinds_restrict_the_scoring(quality: ModuleType) -> None:
    predicted = output([("Seoul", "GPE", "s", 0)], None)
    entities = quality.Scorer(GOLD, predicted, {"GPE"}).entities()
    assert set(entities) == {"GPE", "all"}
    assert entities["all"] == entities["GPE"]
    assert entities["all"]["precision"] == 1.0


def test_alias_merging_needs_one_key(quality: ModuleType) -> None:
    same = output([("Kim Sun-hee", "PERSON", "k", 0), ("Kim", "PERSON", "k", 1)], None)
    split = output([("Kim Sun-hee", "PERSON", "k1", 0), ("Kim", "PERSON", "k2", 1)], None)
    assert quality.Scorer(GOLD, same, {"PERSON"}).aliases()["rate"] == 1.0
    assert quality.Scorer(GOLD, split, {"PERSON"}).aliases()["rate"] == 0.0


def test_claims_coverage_and_speaker_linking(quality: ModuleType) -> None:
    kim = (*at("Kim Sun-hee"), "PERSON", "k")
    suggestions = [
        {"claim": at("Defence Ministry was ready"), "speaker": kim, "reporter": None},
        {"claim": at("Seoul agreed"), "speaker": None, "reporter": None},
    ]
    predicted = output([("Kim Sun-hee", "PERSON", "k", 0)], suggestions)
    claims = quality.Scorer(GOLD, predicted, {"PERSON"}).claims()
    assert claims is not None
    assert (claims["coverage"], claims["speaker_rate"]) == (1.0, 0.5)
    assert (claims["speaker_name"], claims["speaker_pronoun"]) == (1.0, 0.0)


def test_a_system_without_suggestions_has_no_claim_scores(quality: ModuleType) -> None:
    predicted = output([("Kim Sun-hee", "PERSON", "k", 0)], None)
    assert quality.Scorer(GOLD, predicted, {"PERSON"}).claims() is None


def test_cross_article_linking_and_purity(quality: ModuleType) -> None:
    gold = [GOLD[0], {**GOLD[0], "id": "a2"}]
    same = output([("Seoul", "GPE", "s", 0), ("Kim", "PERSON", "s", 1)], None)
    linked = quality.Scorer(gold, same * 2, {"GPE"}).cross_article()
    assert linked["entities"] == 3  # three labelled ids recur in both articles
    assert linked["purity"] == 0.0  # "Kim" and "Seoul" share a key: nothing is pure
    one_each = output([("Seoul", "GPE", "s", 0)], None) + output([("Seoul", "GPE", "t", 0)], None)
    result = quality.Scorer(gold, one_each, {"GPE"}).cross_article()
    assert result["linked"] == 1  # the two Seoul mentions got two keys


def test_untyped_scoring_ignores_the_kind(quality: ModuleType) -> None:
    predicted = output([("Seoul", "ORG", "s", 0), ("Kim Sun-hee", "PERSON", "k", 0)], None)
    typed = quality.Scorer(GOLD, predicted, {"PERSON", "ORG", "GPE"}).entities()
    untyped = quality.Scorer(GOLD, predicted, {"PERSON", "ORG", "GPE"}, untyped=True).entities()
    assert typed["all"]["precision"] == 0.5  # "Seoul" as ORG is the wrong kind
    assert untyped["all"]["precision"] == 1.0
    assert untyped["all"]["recall"] == 0.5  # 2 of the 4 labelled spans
    assert set(untyped) == {"ENTITY", "all"}
