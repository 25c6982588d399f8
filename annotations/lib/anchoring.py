"""Anchoring a text quote in a (possibly edited) text.

Pure functions over ``str``: offsets are code points. Used when an article's text changes, to
move each annotation to where its quote now stands, or to report that it cannot be found.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotations.models import QUOTE_CONTEXT_CHARS

# Beyond this many occurrences of a quote, scoring them all is not worth it; the nearest
# ones to the old position are the likely answer.
MAX_CANDIDATES = 2_000


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    moved: bool


def quote_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The TextQuoteSelector prefix and suffix around ``text[start:end]``."""
    return text[max(0, start - QUOTE_CONTEXT_CHARS) : start], text[end : end + QUOTE_CONTEXT_CHARS]


def _common_suffix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_prefix_len(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def find_anchor(
    text: str, *, exact: str, prefix: str, suffix: str, start: int, old_length: int
) -> Anchor | None:
    """Where the quote ``exact`` stands in ``text``, or None when it is gone.

    Every occurrence is scored by how much of the recorded prefix and suffix still surrounds
    it; ties go to the occurrence nearest the old position, scaled by how much the text grew
    or shrank, so a quote that appears twice is not swapped for its twin.
    """
    if not exact:
        return None
    expected = round(start * len(text) / old_length) if old_length else start
    best: tuple[int, int, int] | None = None  # (-context score, distance, position)
    position = text.find(exact)
    seen = 0
    while position != -1 and seen < MAX_CANDIDATES:
        score = _common_suffix_len(text[max(0, position - len(prefix)) : position], prefix)
        after = position + len(exact)
        score += _common_prefix_len(text[after : after + len(suffix)], suffix)
        candidate = (-score, abs(position - expected), position)
        if best is None or candidate < best:
            best = candidate
        seen += 1
        position = text.find(exact, position + 1)
    if best is None:
        return None
    found = best[2]
    return Anchor(start=found, end=found + len(exact), moved=found != start)
