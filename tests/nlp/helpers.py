"""Shared data and small helpers of the NLP tests."""

from __future__ import annotations

import re
from pathlib import Path

from annotations.nlp import ArticleAnalysis, AttributionData, MentionData
from annotations.nlp.gazetteer import get_gazetteer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_GAZETTEER = FIXTURES / "gazetteer.jsonl"
# The example article of every test that needs one (tests/factories.py reads the same file).
SEED_TEXT = (FIXTURES.parents[1] / "data" / "example-article.txt").read_text(encoding="utf-8")


def gaz_key(name: str) -> str:
    """The key the configured gazetteer gives ``name``, whatever id its data file uses."""
    entry = get_gazetteer().lookup(name)
    assert entry is not None, f"the gazetteer does not know {name!r}"
    return f"gaz:{entry.id}"


def occurrences(text: str, word: str) -> list[int]:
    """Starts of ``word`` as a whole word ("Russia" not in "Russian", but in "Russia's")."""
    return [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?!\w)", text)]


def covering(analysis: ArticleAnalysis, start: int, end: int) -> MentionData | None:
    return next((m for m in analysis.mentions if m.start <= start and end <= m.end), None)


def keys_of(analysis: ArticleAnalysis, text: str, word: str) -> set[str | None]:
    """Keys of the mentions covering each occurrence of ``word`` (None: not inside a mention)."""
    keys: set[str | None] = set()
    for start in occurrences(text, word):
        mention = covering(analysis, start, start + len(word))
        keys.add(mention.key if mention else None)
    return keys


def mention(analysis: ArticleAnalysis, text: str) -> MentionData:
    """The first mention whose text is ``text``."""
    found = [m for m in analysis.mentions if m.text == text]
    assert found, f"no mention {text!r} in {[m.text for m in analysis.mentions]}"
    return found[0]


def attributions(
    analysis: ArticleAnalysis, *, claim_starts: str, cue: str | None = None
) -> list[AttributionData]:
    return [
        a
        for a in analysis.attributions
        if a.claim_text.startswith(claim_starts) and (cue is None or a.cue == cue)
    ]


def attribution(
    analysis: ArticleAnalysis, *, claim_starts: str, cue: str | None = None
) -> AttributionData:
    """The one attribution whose claim starts with ``claim_starts`` (and has that cue)."""
    found = attributions(analysis, claim_starts=claim_starts, cue=cue)
    assert len(found) == 1, (
        f"{len(found)} attributions with claim {claim_starts!r}: "
        f"{[(a.cue, a.speaker_text, a.claim_text[:50]) for a in analysis.attributions]}"
    )
    return found[0]
