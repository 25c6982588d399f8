"""ACH scoring (lib/ach.py): Heuer's weighted inconsistency, diagnosticity and sensitivity."""

from __future__ import annotations

import pytest

from annotations.lib.ach import Row, is_diagnostic, rank, row_weight, score


def test_worked_example_ranked_by_hand():
    """Three hypotheses H1, H2, H3 (ids 1, 2, 3) and six evidence rows.

    Weights (credibility factor x reliability factor, unless set by hand):
      E1 ungraded                     -> 1
      E2 credibility 2, reliability B -> 1.25 x 1.25 = 1.5625
      E3 graded 1/A (2.25), but set by hand to 1 -> 1
      E4 credibility 4                -> 0.75
      E5 credibility 5, reliability F -> 0.5 x 1 = 0.5
      E6 ungraded                     -> 1

    Ratings (H1, H2, H3) and inconsistency points (I = 1, II = 2, times the weight):
      E1  I   I   I    -> 1, 1, 1           (not diagnostic: the same for all)
      E2  I   N   C    -> 1.5625, 0, 0
      E3  C   II  I    -> 0, 2, 1
      E4  N   C   I    -> 0, 0, 0.75
      E5  N   N   II   -> 0, 0, 1
      E6  C   C   NA   -> 0, 0, 0           (not diagnostic: NA ignored, C for the rest)

    Totals: H1 = 2.5625, H2 = 3, H3 = 3.75 -> ranking H1, H2, H3 (least inconsistent first).
    Consistency (C = 1, CC = 2, times the weight): H1 = E3 + E6 = 2, H2 = E4 + E6 = 1.75,
    H3 = E2 = 1.5625.

    Sensitivity (remove one row, re-rank):
      without E1: 1.5625, 2, 2.75     -> H1, H2, H3: no change
      without E2: 1, 3, 3.75          -> no change
      without E3: 2.5625, 1, 2.75     -> H2, H1, H3: the top changes
      without E4: 2.5625, 3, 3        -> H2 ties H3 and keeps its place: no change
      without E5: 2.5625, 3, 2.75     -> H1, H3, H2: the ranking changes, not the top
      without E6: no change
    """
    w = {
        1: row_weight(credibility=None, reliability=None, override=None),
        2: row_weight(credibility=2, reliability="B", override=None),
        3: row_weight(credibility=1, reliability="A", override=1.0),
        4: row_weight(credibility=4, reliability=None, override=None),
        5: row_weight(credibility=5, reliability="f", override=None),
        6: row_weight(credibility=None, reliability="", override=None),
    }
    assert w == {1: 1.0, 2: 1.5625, 3: 1.0, 4: 0.75, 5: 0.5, 6: 1.0}
    table = {
        1: ("I", "I", "I"),
        2: ("I", "N", "C"),
        3: ("C", "II", "I"),
        4: ("N", "C", "I"),
        5: ("N", "N", "II"),
        6: ("C", "C", "NA"),
    }
    rows = [
        Row(id=e, weight=w[e], ratings=dict(zip((1, 2, 3), r, strict=True)))
        for e, r in table.items()
    ]
    scores = score([1, 2, 3], rows)
    assert scores.inconsistency == {1: 2.5625, 2: 3.0, 3: 3.75}
    assert scores.consistency == {1: 2.0, 2: 1.75, 3: 1.5625}
    assert scores.ranking == [1, 2, 3]
    by_id = {r.id: r for r in scores.rows}
    assert [e for e in by_id if not by_id[e].diagnostic] == [1, 6]
    assert [e for e in by_id if by_id[e].changes_top] == [3]
    assert [e for e in by_id if by_id[e].changes_ranking] == [3, 5]
    assert by_id[3].ranking_without == [2, 1, 3]
    assert by_id[5].ranking_without == [1, 3, 2]


def test_unrated_cells_count_as_na_and_ties_keep_the_hypotheses_order():
    rows = [Row(id=1, weight=1.0, ratings={2: "I"})]
    scores = score([5, 2, 9], rows)
    assert scores.ranking == [5, 9, 2]
    assert scores.inconsistency == {5: 0.0, 2: 1.0, 9: 0.0}
    assert is_diagnostic(rows[0], [5, 2, 9]) is False  # one rated cell: nothing to compare


def test_ratings_of_unknown_hypotheses_are_ignored():
    rows = [Row(id=1, weight=1.0, ratings={1: "II", 7: "II"})]
    assert score([1, 2], rows).inconsistency == {1: 2.0, 2: 0.0}


def test_empty_matrix():
    scores = score([], [])
    assert scores.ranking == []
    assert scores.rows == []
    assert rank([3, 1], {3: 0.0, 1: 0.0}) == [3, 1]


@pytest.mark.parametrize(
    ("cred", "rel", "override", "expected"),
    [(1, "A", None, 2.25), (6, "F", None, 1.0), (3, "E", None, 0.5), (5, "E", 0.0, 0.0)],
)
def test_row_weight(cred, rel, override, expected):
    assert row_weight(credibility=cred, reliability=rel, override=override) == expected
