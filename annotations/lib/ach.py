"""Scoring of an Analysis of Competing Hypotheses (Heuer, *Psychology of Intelligence
Analysis*, ch. 8). Pure: plain values in, plain values out; no models.

Heuer counts only **inconsistency**: evidence consistent with a hypothesis is often consistent
with the others too, so it proves little, while evidence inconsistent with a hypothesis argues
against it. A hypothesis' score is the sum, over the evidence rows, of the rating's
inconsistency points (``I`` = 1, ``II`` = 2) times the row's weight; the hypotheses are ranked
from the least inconsistent (most likely) to the most. Consistency (``C`` = 1, ``CC`` = 2,
times the weight) is reported beside it, for information only.

A row is **not diagnostic** when it rates every hypothesis the same (``NA`` cells ignored):
it cannot help choose between them. **Sensitivity**: for each row, whether removing it would
change the top-ranked hypothesis, or the order of the ranking.

A row's weight is its hand-set override when there is one, else the product of two factors
from its Admiralty grades (``credibility`` 1-6 of the information, ``reliability`` A-F of its
source), each 1 when ungraded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

RATINGS = ("CC", "C", "N", "I", "II", "NA")
INCONSISTENCY = {"I": 1.0, "II": 2.0}
CONSISTENCY = {"C": 1.0, "CC": 2.0}

# Admiralty information credibility: 1 confirmed ... 5 improbable, 6 cannot be judged (neutral).
CREDIBILITY_FACTOR = {1: 1.5, 2: 1.25, 3: 1.0, 4: 0.75, 5: 0.5, 6: 1.0}
# Admiralty source reliability: A completely reliable ... E unreliable, F cannot be judged.
RELIABILITY_FACTOR = {"A": 1.5, "B": 1.25, "C": 1.0, "D": 0.75, "E": 0.5, "F": 1.0}
MIN_WEIGHT = 0.0
MAX_WEIGHT = 10.0


def row_weight(
    *, credibility: int | None, reliability: str | None, override: float | None
) -> float:
    """The weight of an evidence row: the override if set, else credibility x reliability."""
    if override is not None:
        return float(override)
    return CREDIBILITY_FACTOR.get(credibility or 0, 1.0) * RELIABILITY_FACTOR.get(
        (reliability or "").upper(), 1.0
    )


@dataclass(frozen=True)
class Row:
    """One evidence row: its id, weight and ratings (hypothesis id -> rating; missing = N/A)."""

    id: int
    weight: float
    ratings: Mapping[int, str]


@dataclass
class RowResult:
    id: int
    weight: float
    diagnostic: bool
    # Would removing the row change the top-ranked hypothesis / the order of the ranking?
    changes_top: bool = False
    changes_ranking: bool = False
    ranking_without: list[int] = field(default_factory=list)


@dataclass
class Scores:
    hypotheses: list[int]
    inconsistency: dict[int, float]
    consistency: dict[int, float]
    ranking: list[int]  # hypothesis ids, least inconsistent first
    rows: list[RowResult]


def _totals(
    hypotheses: Sequence[int], rows: Sequence[Row]
) -> tuple[dict[int, float], dict[int, float]]:
    inconsistency = dict.fromkeys(hypotheses, 0.0)
    consistency = dict.fromkeys(hypotheses, 0.0)
    for row in rows:
        for h, value in row.ratings.items():
            if h in inconsistency:
                inconsistency[h] += INCONSISTENCY.get(value, 0.0) * row.weight
                consistency[h] += CONSISTENCY.get(value, 0.0) * row.weight
    return inconsistency, consistency


def rank(hypotheses: Sequence[int], inconsistency: Mapping[int, float]) -> list[int]:
    """Least inconsistent first; ties keep the hypotheses' order (their position)."""
    order = {h: i for i, h in enumerate(hypotheses)}
    return sorted(hypotheses, key=lambda h: (round(inconsistency[h], 9), order[h]))


def is_diagnostic(row: Row, hypotheses: Sequence[int]) -> bool:
    """False when the row rates every hypothesis alike (N/A and unrated cells ignored)."""
    values = {row.ratings.get(h, "NA") for h in hypotheses} - {"NA"}
    return len(values) > 1


def score(hypotheses: Sequence[int], rows: Sequence[Row]) -> Scores:
    """Scores, ranking, diagnosticity and sensitivity of a matrix (hypotheses in position
    order). Removing a row only subtracts its own contribution, so sensitivity costs one
    pass over the rows' cells and one sort per row that has inconsistent cells (removing a
    row without any leaves the ranking as it is)."""
    inconsistency, consistency = _totals(hypotheses, rows)
    ranking = rank(hypotheses, inconsistency)
    results = []
    for row in rows:
        points = {
            h: INCONSISTENCY[value] * row.weight
            for h, value in row.ratings.items()
            if value in INCONSISTENCY and h in inconsistency
        }
        if any(points.values()):
            without = dict(inconsistency)
            for h, p in points.items():
                without[h] -= p
            ranking_without = rank(hypotheses, without)
        else:
            ranking_without = list(ranking)
        results.append(
            RowResult(
                id=row.id,
                weight=row.weight,
                diagnostic=is_diagnostic(row, hypotheses),
                changes_top=bool(ranking) and ranking_without[0] != ranking[0],
                changes_ranking=ranking_without != ranking,
                ranking_without=ranking_without,
            )
        )
    return Scores(
        hypotheses=list(hypotheses),
        inconsistency=inconsistency,
        consistency=consistency,
        ranking=ranking,
        rows=results,
    )
