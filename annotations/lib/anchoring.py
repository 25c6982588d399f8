"""Anchoring a text quote in a (possibly edited) text.

Pure functions over ``str``: offsets are code points. Used when an article's text changes, to
move each annotation to where its quote now stands, or to report that it cannot be found.

The exact quote is looked for first. When it is gone, an approximate match is looked for as
Hypothesis does (its ``match-quote``): candidate passages near the old position, where the best
fuzzy alignment of the quote lies, and right after the old prefix or before the old suffix, are
each scored by the similarity of the quote (weight 50), of the prefix (20), of the suffix (20)
and the closeness to the old position (2). The best one is accepted above a threshold, and the
annotation then records the passage's text as its new quote ("re-anchored, quote changed").
Similarities are Levenshtein similarities from rapidfuzz, on code points.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from annotations.models import QUOTE_CONTEXT_CHARS

# Beyond this many occurrences of a quote, scoring them all is not worth it; the nearest
# ones to the old position are the likely answer.
MAX_CANDIDATES = 2_000
# The approximate match: how alike the quote must still be (0-1), and the weighted score of
# quote, prefix, suffix and position it must reach. A deleted passage scores far below.
MIN_QUOTE_SIMILARITY = 0.75
MIN_SCORE = 0.7
_WEIGHTS = {"quote": 50, "prefix": 20, "suffix": 20, "position": 2}
# Occurrences of the old prefix or suffix tried as candidates, nearest to the old position.
_MAX_CONTEXT_CANDIDATES = 20


@dataclass(frozen=True, slots=True)
class Anchor:
    start: int
    end: int
    moved: bool
    # The text now at start:end when it differs from the old quote (an approximate match).
    exact: str | None = None
    score: float = 1.0

    @property
    def quote_changed(self) -> bool:
        return self.exact is not None


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
    text: str,
    *,
    exact: str,
    prefix: str,
    suffix: str,
    start: int,
    old_length: int,
    approximate: bool = True,
) -> Anchor | None:
    """Where the quote ``exact`` stands in ``text``, or None when it is gone.

    Every occurrence is scored by how much of the recorded prefix and suffix still surrounds
    it; ties go to the occurrence nearest the old position, scaled by how much the text grew
    or shrank, so a quote that appears twice is not swapped for its twin. With
    ``approximate``, a quote that is no longer there word for word is matched approximately
    (see the module's docstring); the anchor then carries the new quote in ``exact``.
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
    exact_anchor = None
    if best is not None:
        found = best[2]
        exact_anchor = Anchor(start=found, end=found + len(exact), moved=found != start)
        if not approximate or -best[0] == len(prefix) + len(suffix):
            return exact_anchor  # the quote in its whole old context: nothing can beat it
    if not approximate:
        return None
    # The quote is gone, or stands only in another context (a twin elsewhere, while its own
    # passage was edited): the best approximate match may be the better answer.
    near = approximate_anchor(
        text, exact=exact, prefix=prefix, suffix=suffix, start=start, expected=expected
    )
    if exact_anchor is None or near is None:
        return near or exact_anchor
    exact_score = _score(text, exact, prefix, suffix, exact_anchor.start, exact_anchor.end, expected)
    return near if near.score > exact_score else exact_anchor


def approximate_anchor(
    text: str, *, exact: str, prefix: str, suffix: str, start: int, expected: int
) -> Anchor | None:
    """The best approximate match of ``exact`` in ``text`` above the threshold, or None."""
    if not text.strip() or not exact.strip():
        return None
    best: tuple[float, int, int] | None = None
    for candidate in _candidate_starts(text, exact, prefix, suffix, expected):
        span = _align(text, exact, candidate)
        if span is None:
            continue
        begin, end = span
        if Levenshtein.normalized_similarity(exact, text[begin:end]) < MIN_QUOTE_SIMILARITY:
            continue
        score = _score(text, exact, prefix, suffix, begin, end, expected)
        if best is None or score > best[0]:
            best = (score, begin, end)
    if best is None or best[0] < MIN_SCORE:
        return None
    score, begin, end = best
    quote = text[begin:end]
    return Anchor(
        start=begin,
        end=end,
        moved=begin != start,
        exact=None if quote == exact else quote,
        score=score,
    )


def _score(
    text: str, exact: str, prefix: str, suffix: str, begin: int, end: int, expected: int
) -> float:
    """Hypothesis's weighting of a candidate passage ``text[begin:end]``, 0-1."""
    return (
        _WEIGHTS["quote"] * Levenshtein.normalized_similarity(exact, text[begin:end])
        + _WEIGHTS["prefix"] * _context_similarity(prefix, text[:begin], before=True)
        + _WEIGHTS["suffix"] * _context_similarity(suffix, text[end:], before=False)
        + _WEIGHTS["position"] * (1 - abs(begin - expected) / max(1, len(text)))
    ) / sum(_WEIGHTS.values())


def _context_similarity(recorded: str, side: str, *, before: bool) -> float:
    """How alike the recorded prefix (or suffix) and what now stands there are, 0-1."""
    if not recorded:
        return 1.0 if not side else 0.5  # the quote began (ended) the text; now it does not
    now = side[-len(recorded) :] if before else side[: len(recorded)]
    return Levenshtein.normalized_similarity(recorded, now)


def _candidate_starts(text: str, exact: str, prefix: str, suffix: str, expected: int) -> list[int]:
    """Where an approximate match may begin: the old position (scaled), the best fuzzy
    alignment of the quote right around it, near it and in the whole text, and the places
    the old prefix ends or the old suffix begins."""
    size = len(exact)
    starts: list[int] = [min(expected, max(0, len(text) - 1))]
    reach = 4 * size + 1_000
    windows = (
        (max(0, expected - size), expected + 2 * size),  # right around the old position
        (max(0, expected - reach), expected + size + reach),
        (0, len(text)),
    )
    for lo, hi in windows:
        haystack = text[lo:hi]
        if len(haystack) <= size:
            starts.append(lo)
            continue
        found = fuzz.partial_ratio_alignment(exact, haystack)
        if found is not None:
            starts.append(lo + found.dest_start)
    for needle, shift in ((prefix, len(prefix)), (suffix, -size)):
        if len(needle.strip()) < 8:
            continue  # too short to tell one place from another
        places: list[int] = []
        position = text.find(needle)
        while position != -1 and len(places) < MAX_CANDIDATES:
            places.append(position + shift)
            position = text.find(needle, position + 1)
        places.sort(key=lambda p: abs(p - expected))
        starts.extend(max(0, p) for p in places[:_MAX_CONTEXT_CANDIDATES])
    return list(dict.fromkeys(starts))


def _align(text: str, exact: str, candidate: int) -> tuple[int, int] | None:
    """The span of ``text`` near ``candidate`` that the quote aligns with: a Levenshtein
    alignment of the quote against a window with some slack on both sides, trimmed to the
    first and last aligned characters, then to whole words of the window."""
    slack = max(8, len(exact) // 4)
    lo = max(0, candidate - slack)
    window = text[lo : candidate + len(exact) + slack]
    first = last = None
    for op in Levenshtein.opcodes(exact, window):
        tag, j1, j2 = op.tag, op.dest_start, op.dest_end
        if tag in ("equal", "replace"):
            if first is None:
                first = j1
            last = j2
    if first is None or last is None:
        return None
    begin, end = lo + first, lo + last
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return (begin, end) if begin < end else None
