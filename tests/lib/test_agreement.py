"""Tests for annotations.lib.agreement.

Every expected number is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import csv
import io
import random
from itertools import pairwise

import pytest

from annotations.lib.agreement import (
    CSV_COLUMNS,
    UNTAGGED,
    ArticleAgreement,
    Span,
    agreement_csv_rows,
    article_agreement,
    cohen_kappa,
    krippendorff_alpha_nominal,
    observed_agreement,
    span_f1,
    span_units,
)


def spans(annotator: str, *items: tuple[int, int, str | None]) -> list[Span]:
    return [Span(start, end, label, annotator) for start, end, label in items]


# --- Span -------------------------------------------------------------------------------------


def test_span_rejects_invalid_offsets():
    with pytest.raises(ValueError, match="invalid span"):
        Span(5, 4, "claim", "alice")
    with pytest.raises(ValueError, match="invalid span"):
        Span(-1, 4, "claim", "alice")
    assert Span(3, 3, None, "alice").length == 0


# --- span_f1 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["exact", "partial"])
def test_identical_spans_agree_fully(mode):
    a = spans("alice", (0, 10, "claim"), (20, 30, "source"), (40, 50, "claim"))
    b = spans("bob", (0, 10, "claim"), (20, 30, "source"), (40, 50, "claim"))
    # 3 matched of 3 and 3: P = R = 3/3, F1 = 2*3/(3+3) = 1.
    assert span_f1(a, b, mode=mode) == (1.0, 1.0, 1.0, [(0, 0), (1, 1), (2, 2)])


@pytest.mark.parametrize("mode", ["exact", "partial"])
def test_disjoint_spans_agree_not_at_all(mode):
    a = spans("alice", (0, 5, "claim"), (10, 15, "claim"))
    b = spans("bob", (20, 25, "claim"), (30, 35, "claim"))
    assert span_f1(a, b, mode=mode) == (0.0, 0.0, 0.0, [])


@pytest.mark.parametrize("mode", ["exact", "partial"])
def test_empty_cases(mode):
    one = spans("alice", (0, 5, "claim"))
    assert span_f1([], [], mode=mode) == (1.0, 1.0, 1.0, [])  # both empty: agree
    assert span_f1(one, [], mode=mode) == (0.0, 0.0, 0.0, [])  # one empty: 0
    assert span_f1([], one, mode=mode) == (0.0, 0.0, 0.0, [])


def test_adjacent_spans_do_not_overlap():
    # [0, 5) and [5, 10) share no code point (half-open): no partial match.
    a = spans("alice", (0, 5, "claim"))
    b = spans("bob", (5, 10, "claim"))
    assert span_f1(a, b, mode="partial") == (0.0, 0.0, 0.0, [])
    # One shared code point is enough.
    assert span_f1(a, spans("bob", (4, 10, "claim")), mode="partial")[2] == 1.0


def test_shifted_span_matches_partially_not_exactly():
    a = spans("alice", (0, 10, "claim"), (20, 30, "source"))
    b = spans("bob", (0, 10, "claim"), (22, 32, "source"))
    # Exact: only [0, 10) matches -> P = 1/2, R = 1/2, F1 = 2*1/(2+2) = 0.5.
    assert span_f1(a, b, mode="exact") == (0.5, 0.5, 0.5, [(0, 0)])
    # Partial: [20, 30) and [22, 32) overlap by 8 -> 2 of 2 -> 1.0.
    assert span_f1(a, b, mode="partial") == (1.0, 1.0, 1.0, [(0, 0), (1, 1)])


def test_precision_is_measured_on_b_and_recall_on_a():
    a = spans("alice", (0, 10, "claim"))
    b = spans("bob", (0, 10, "claim"), (20, 30, "claim"), (40, 50, "claim"), (60, 70, "claim"))
    # 1 match: P = 1/|B| = 1/4, R = 1/|A| = 1, F1 = 2*(1/4)*1/(5/4) = 2/5 = 2*1/(1+4).
    p, r, f1, matches = span_f1(a, b, mode="exact")
    assert (p, r, f1, matches) == (0.25, 1.0, pytest.approx(0.4), [(0, 0)])


def test_exact_matching_is_one_to_one():
    a = spans("alice", (0, 5, "claim"), (0, 5, "source"))
    b = spans("bob", (0, 5, "claim"))
    # Two identical spans of A, one of B: 1 match; P = 1/1, R = 1/2, F1 = 2*1/(2+1) = 2/3.
    p, r, f1, matches = span_f1(a, b, mode="exact")
    assert (p, r, matches) == (1.0, 0.5, [(0, 0)])
    assert f1 == pytest.approx(2 / 3)


def test_partial_matching_is_one_to_one_by_largest_overlap():
    # One long span of A over two spans of B: only one match, the larger overlap
    # ([10, 20) overlaps by 10, [0, 8) by 8).
    a = spans("alice", (0, 20, "claim"))
    b = spans("bob", (0, 8, "claim"), (10, 20, "evidence"))
    p, r, f1, matches = span_f1(a, b, mode="partial")
    # 1 match: P = 1/2, R = 1/1, F1 = 2*1/(1+2) = 2/3.
    assert (p, r, matches) == (0.5, 1.0, [(0, 1)])
    assert f1 == pytest.approx(2 / 3)
    # Seen from the other side: the same single match.
    assert span_f1(b, a, mode="partial")[3] == [(1, 0)]


def test_partial_matching_ties_smaller_start_distance_then_order():
    # Overlaps 5 and 5; start distances 0 and 5 -> [0, 5).
    a = spans("alice", (0, 10, "claim"))
    assert span_f1(a, spans("bob", (5, 10, "x"), (0, 5, "y")), mode="partial")[3] == [(0, 1)]
    # Overlaps 5 and 5; start distances 5 and 5 -> the first in order.
    a = spans("alice", (5, 15, "claim"))
    assert span_f1(a, spans("bob", (10, 20, "x"), (0, 10, "y")), mode="partial")[3] == [(0, 0)]


def test_partial_matching_is_greedy_not_maximum():
    # A0 = [0, 10) overlaps B0 = [2, 12) by 8 and B1 = [8, 30) by 2; A1 = [1, 3) overlaps
    # only B0, by 1. Greedy takes A0-B0 (8) first, which blocks both other candidates:
    # 1 match, P = 1/2, R = 1/2, F1 = 0.5 (a maximum matching, A0-B1 + A1-B0, would find 2).
    a = spans("alice", (0, 10, "claim"), (1, 3, "claim"))
    b = spans("bob", (2, 12, "claim"), (8, 30, "claim"))
    assert span_f1(a, b, mode="partial") == (0.5, 0.5, 0.5, [(0, 0)])


def test_empty_spans_only_match_exactly():
    a = spans("alice", (5, 5, None))
    b = spans("bob", (5, 5, None))
    assert span_f1(a, b, mode="exact")[3] == [(0, 0)]
    assert span_f1(a, b, mode="partial")[3] == []


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="unknown matching mode"):
        span_f1([], [], mode="fuzzy")


# --- cohen_kappa ------------------------------------------------------------------------------


def table(yy: int, yn: int, ny: int, nn: int) -> list[tuple[str | None, str | None]]:
    """A 2x2 table as pairs: ``yn`` = A said yes and B said no."""
    return [("yes", "yes")] * yy + [("yes", "no")] * yn + [("no", "yes")] * ny + [("no", "no")] * nn


def test_cohen_kappa_textbook_table():
    # Classic example (Wikipedia, "Cohen's kappa"): 50 items, YY 20, YN 5, NY 10, NN 15.
    # p_o = (20 + 15)/50 = 0.7. A says yes 25/50 = 0.5, B says yes 30/50 = 0.6.
    # p_e = 0.5*0.6 + 0.5*0.4 = 0.5. kappa = (0.7 - 0.5)/(1 - 0.5) = 0.4.
    assert cohen_kappa(table(20, 5, 10, 15)) == pytest.approx(0.4)
    assert observed_agreement(table(20, 5, 10, 15)) == pytest.approx(0.7)


def test_cohen_kappa_same_observed_agreement_different_kappa():
    # Both tables have p_o = 60/100 = 0.6.
    # YY 45, YN 15, NY 25, NN 15: A yes 0.6, B yes 0.7; p_e = 0.6*0.7 + 0.4*0.3 = 0.54;
    # kappa = 0.06/0.46 = 3/23 = 0.1304.
    assert cohen_kappa(table(45, 15, 25, 15)) == pytest.approx(3 / 23)
    # YY 25, YN 35, NY 5, NN 35: A yes 0.6, B yes 0.3; p_e = 0.18 + 0.28 = 0.46;
    # kappa = 0.14/0.54 = 7/27 = 0.2593.
    assert cohen_kappa(table(25, 35, 5, 35)) == pytest.approx(7 / 27)


def test_cohen_kappa_chance_level_and_full_disagreement():
    # A: a a b b, B: a b a b. p_o = 2/4, p_e = 0.5*0.5 + 0.5*0.5 = 0.5 -> kappa = 0.
    assert cohen_kappa([("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")]) == 0.0
    # Swapped labels: p_o = 0, p_e = 0.5 -> kappa = -0.5/0.5 = -1.
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0


def test_cohen_kappa_degenerate_cases():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("claim", "claim")]) is None  # fewer than 2 pairs
    # p_e = 1 (both always "claim"), hence p_o = 1: reported as 1.0 by convention.
    assert cohen_kappa([("claim", "claim")] * 3) == 1.0
    # None (untagged) is a category: p_o = 1, p_e = 0.5*0.5 + 0.5*0.5 = 0.5 -> kappa = 1.
    assert cohen_kappa([(None, None), ("claim", "claim")]) == 1.0
    # ... and disagrees with a tag: p_o = 1/2; A: None 1/2, claim 1/2; B: claim 1.
    # p_e = 0.5*1 = 0.5 -> kappa = 0.
    assert cohen_kappa([(None, "claim"), ("claim", "claim")]) == 0.0
    assert observed_agreement([]) is None


# --- krippendorff_alpha_nominal --------------------------------------------------------------


def test_krippendorff_2011_nominal_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    # observers, twelve units, nominal values, "." = missing.
    rows = [
        "1 2 3 3 2 1 4 1 2 . . .",  # A
        "1 2 3 3 2 2 4 1 2 5 . 3",  # B
        ". 3 3 3 2 3 4 2 2 5 1 .",  # C
        "1 2 3 3 2 4 4 1 2 5 1 .",  # D
    ]
    columns = zip(*(row.split() for row in rows), strict=True)
    units = [[None if v == "." else v for v in column] for column in columns]
    # Unit 12 has one value: not pairable. The 40 pairable values: n_1 = 9, n_2 = 13,
    # n_3 = 10, n_4 = 5, n_5 = 3. Off-diagonal coincidences: unit 2 (2 2 3 2, m = 4):
    # 6 ordered pairs * 1/3 = 2; unit 6 (1 2 3 4): 12 * 1/3 = 4; unit 8 (1 1 2 1): 2; sum 8.
    # sum_{c != k} n_c n_k = 40^2 - (81 + 169 + 100 + 25 + 9) = 1216.
    # alpha = 1 - 39 * 8 / 1216 = 113/152 = 0.743.
    alpha = krippendorff_alpha_nominal(units)
    assert alpha == pytest.approx(113 / 152)
    assert round(alpha, 3) == 0.743


def test_krippendorff_2011_binary_example():
    # Same paper, section A: two observers, ten units, binary.
    a = list("0100000010")
    b = list("1110010000")
    # Units 1, 3, 6, 9 disagree: o_01 = o_10 = 4. n_0 = 14, n_1 = 6, n = 20.
    # alpha = 1 - 19 * 8 / (2 * 14 * 6) = 1 - 152/168 = 2/21 = 0.095.
    assert krippendorff_alpha_nominal(list(zip(a, b, strict=True))) == pytest.approx(2 / 21)


def test_krippendorff_small_cases():
    # [a a] and [a b]: o_aa = 2, o_ab = o_ba = 1; n_a = 3, n_b = 1, n = 4.
    # alpha = 1 - 3 * 2 / (2 * 3 * 1) = 0.
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "b"]]) == 0.0
    # Three coders: [a a b] (m = 3, weight 1/2): o_aa = 1, o_ab = o_ba = 1; [b b b]: o_bb = 3.
    # n_a = 2, n_b = 4, n = 6; alpha = 1 - 5 * 2 / (2 * 2 * 4) = 1 - 10/16 = 0.375.
    assert krippendorff_alpha_nominal([["a", "a", "b"], ["b", "b", "b"]]) == 0.375
    # Missing values are skipped, not a category: same as the two-unit case above.
    assert krippendorff_alpha_nominal([["a", None, "a"], [None, "a", "b"]]) == 0.0
    # Perfect agreement with two categories: D_o = 0 -> alpha = 1.
    assert krippendorff_alpha_nominal([["a", "a"], ["b", "b", None]]) == 1.0


def test_krippendorff_undefined():
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([["a"], ["b", None], [None, None]]) is None  # no pairs
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a", "a"]]) is None  # D_e = 0


# --- span_units -------------------------------------------------------------------------------


def test_span_units_are_connected_components_of_overlaps():
    items = [
        Span(18, 30, "c", "carol"),
        Span(0, 10, "a", "alice"),
        Span(8, 20, "b", "bob"),  # joins alice's and carol's spans, which do not overlap
        Span(30, 40, "d", "alice"),  # touches [18, 30) without overlapping
        Span(35, 36, "e", "bob"),
        Span(50, 50, "f", "bob"),  # empty: overlaps nothing, left out
    ]
    units = span_units(items)
    assert [[s.label for s in unit] for unit in units] == [["c", "a", "b"], ["d", "e"]]


# --- article_agreement ------------------------------------------------------------------------


def three_analysts() -> list[Span]:
    return [
        *spans("alice", (0, 10, "claim"), (20, 30, "source"), (40, 50, "figure")),
        *spans("bob", (0, 10, "claim"), (22, 30, "source"), (40, 50, "opinion")),
        *spans("carol", (0, 10, "claim"), (60, 70, "evidence")),
    ]


def test_article_agreement_three_analysts():
    result = article_agreement(list(reversed(three_analysts())))
    assert result.annotators == ["alice", "bob", "carol"]
    ab, ac, bc = result.pairs
    assert [(p.a, p.b) for p in result.pairs] == [
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "carol"),
    ]

    # alice-bob: exact matches [0,10) and [40,50): 2 of 3 and 3 -> P = R = F1 = 2/3.
    # Partial adds [20,30)~[22,30): 3 of 3 -> 1.0.
    assert (ab.spans_a, ab.spans_b, ab.matched) == (3, 3, 3)
    assert ab.exact_precision == ab.exact_recall == ab.exact_f1 == pytest.approx(2 / 3)
    assert (ab.partial_precision, ab.partial_recall, ab.partial_f1) == (1.0, 1.0, 1.0)
    # Labels (claim,claim) (source,source) (figure,opinion): p_o = 2/3;
    # p_e = (1*1 + 1*1 + 0) / 9 = 2/9; kappa = (2/3 - 2/9)/(1 - 2/9) = (4/9)/(7/9) = 4/7.
    assert ab.tag_observed == pytest.approx(2 / 3)
    assert ab.tag_kappa == pytest.approx(4 / 7)

    # alice-carol and bob-carol: only [0,10) matches (exactly and partially); |A| = 3, |B| = 2:
    # P = 1/2, R = 1/3, F1 = 2*1/(3+2) = 0.4. One matched pair: kappa None, observed 1.0.
    for pair in (ac, bc):
        assert (pair.spans_a, pair.spans_b, pair.matched) == (3, 2, 1)
        assert pair.exact_precision == pair.partial_precision == 0.5
        assert pair.exact_recall == pair.partial_recall == pytest.approx(1 / 3)
        assert pair.exact_f1 == pair.partial_f1 == pytest.approx(0.4)
        assert pair.tag_kappa is None
        assert pair.tag_observed == 1.0

    # Means: exact (2/3 + 0.4 + 0.4)/3 = 22/45 = 0.4889; partial (1 + 0.4 + 0.4)/3 = 0.6.
    assert result.mean_exact_f1 == pytest.approx(22 / 45)
    assert result.mean_partial_f1 == pytest.approx(0.6)

    # Alpha units: [0,10) claim x3 (m = 3: o_claim,claim = 3 ordered pairs... 6 * 1/2 = 3);
    # [20,30) source x2 (o = 2); [40,50) figure/opinion (o_fo = o_of = 1); [60,70) carol only.
    # n_claim = 3, n_source = 2, n_figure = n_opinion = 1, n = 7;
    # sum_{c != k} n_c n_k = 49 - (9 + 4 + 1 + 1) = 34; alpha = 1 - 6 * 2/34 = 11/17 = 0.647.
    assert result.tag_alpha == pytest.approx(11 / 17)


def test_article_agreement_identical_annotations():
    items = [
        *spans("alice", (0, 10, "claim"), (20, 30, "source"), (40, 50, "claim")),
        *spans("bob", (0, 10, "claim"), (20, 30, "source"), (40, 50, "claim")),
    ]
    result = article_agreement(items)
    (pair,) = result.pairs
    assert (pair.exact_f1, pair.partial_f1, pair.matched) == (1.0, 1.0, 3)
    # p_o = 1, p_e = (2*2 + 1*1)/9 = 5/9 -> kappa = 1.
    assert (pair.tag_kappa, pair.tag_observed) == (1.0, 1.0)
    assert (result.mean_exact_f1, result.mean_partial_f1) == (1.0, 1.0)
    # All coincidences on the diagonal: D_o = 0, D_e > 0 -> alpha = 1.
    assert result.tag_alpha == 1.0


def test_article_agreement_identical_with_a_single_tag():
    items = [*spans("alice", (0, 5, "claim"), (9, 12, "claim"))]
    items += [*spans("bob", (0, 5, "claim"), (9, 12, "claim"))]
    result = article_agreement(items)
    # kappa: p_e = 1 = p_o -> 1.0 by convention; alpha: D_e = 0 -> undefined.
    assert result.pairs[0].tag_kappa == 1.0
    assert result.tag_alpha is None


def test_article_agreement_disjoint():
    items = spans("alice", (0, 5, "claim")) + spans("bob", (10, 15, "claim"))
    result = article_agreement(items)
    (pair,) = result.pairs
    assert (pair.exact_f1, pair.partial_f1, pair.matched) == (0.0, 0.0, 0)
    assert (pair.tag_kappa, pair.tag_observed) == (None, None)
    assert result.tag_alpha is None  # two units with one value each: nothing pairable


def test_article_agreement_untagged_is_a_value_not_missing():
    # Units: [UNTAGGED, claim] and [claim, claim]: o_uc = o_cu = 1, o_cc = 2; n_u = 1,
    # n_c = 3, n = 4; alpha = 1 - 3 * 2/(2 * 1 * 3) = 0.
    items = spans("alice", (0, 10, None), (20, 30, "claim"))
    items += spans("bob", (0, 10, "claim"), (20, 30, "claim"))
    assert article_agreement(items).tag_alpha == 0.0
    assert krippendorff_alpha_nominal([[UNTAGGED, "claim"], ["claim", "claim"]]) == 0.0


def test_article_agreement_alpha_takes_longest_span_per_annotator():
    # alice has two overlapping spans in the first unit; the longer [5, 30) says "source".
    # Units: [source, source], [figure, claim]: o_ss = 2, o_fc = o_cf = 1; n_s = 2, n_f = 1,
    # n_c = 1, n = 4; sum_{c != k} n_c n_k = 16 - (4 + 1 + 1) = 10; alpha = 1 - 3*2/10 = 0.4.
    items = spans("alice", (0, 10, "claim"), (5, 30, "source"), (40, 50, "figure"))
    items += spans("bob", (0, 30, "source"), (40, 50, "claim"))
    assert article_agreement(items).tag_alpha == pytest.approx(0.4)


def test_article_agreement_few_annotators():
    empty = article_agreement([])
    assert empty == ArticleAgreement([], [], None, None, None)
    alone = article_agreement(spans("alice", (0, 5, "claim")))
    assert (alone.annotators, alone.pairs, alone.mean_exact_f1, alone.tag_alpha) == (
        ["alice"],
        [],
        None,
        None,
    )
    # An annotator named without spans takes part: alice 1 span, bob none -> F1 0.
    with_bob = article_agreement(spans("alice", (0, 5, "claim")), annotators=["bob"])
    assert with_bob.annotators == ["alice", "bob"]
    assert (with_bob.pairs[0].spans_b, with_bob.pairs[0].exact_f1) == (0, 0.0)


# --- agreement_csv_rows -----------------------------------------------------------------------


def test_csv_rows_have_stable_columns():
    result = article_agreement(three_analysts())
    rows = agreement_csv_rows(result, article_id=7, article_title="Grain talks fail")
    assert len(rows) == 3
    for row in rows:
        assert tuple(row) == CSV_COLUMNS
    assert rows[0] == {
        "article_id": 7,
        "article_title": "Grain talks fail",
        "annotator_a": "alice",
        "annotator_b": "bob",
        "spans_a": 3,
        "spans_b": 3,
        "matched": 3,
        "exact_precision": 0.6667,
        "exact_recall": 0.6667,
        "exact_f1": 0.6667,
        "partial_precision": 1.0,
        "partial_recall": 1.0,
        "partial_f1": 1.0,
        "tag_observed": 0.6667,
        "tag_kappa": 0.5714,  # 4/7
        "article_tag_alpha": 0.6471,  # 11/17
    }
    assert rows[1]["tag_kappa"] is None

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    # None becomes an empty cell.
    assert lines[2] == (
        "7,Grain talks fail,alice,carol,3,2,1,0.5,0.3333,0.4,0.5,0.3333,0.4,1.0,,0.6471"
    )

    assert agreement_csv_rows(article_agreement([]), article_id=1, article_title="x") == []


# --- properties -------------------------------------------------------------------------------


def rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)


def random_spans(rnd: random.Random, annotator: str) -> list[Span]:
    # Short spans on a short text, so overlaps and ties are frequent.
    labels = ["claim", "source", "evidence", None]
    out = []
    for _ in range(rnd.randrange(6)):
        start = rnd.randrange(20)
        out.append(Span(start, start + rnd.randrange(0, 6), rnd.choice(labels), annotator))
    return out


@pytest.mark.parametrize("seed", range(5))
def test_span_f1_properties(seed):
    rnd = rng(seed)
    for _ in range(400):
        a, b = random_spans(rnd, "alice"), random_spans(rnd, "bob")
        for mode in ("exact", "partial"):
            p, r, f1, matches = span_f1(a, b, mode=mode)
            p2, r2, f1_swapped, matches2 = span_f1(b, a, mode=mode)
            assert f1 == pytest.approx(f1_swapped)  # F1 symmetric
            assert (p, r) == (pytest.approx(r2), pytest.approx(p2))
            assert len(matches) == len(matches2)
            for value in (p, r, f1):
                assert 0.0 <= value <= 1.0
            # One-to-one, and every match is a real match.
            assert len({i for i, _ in matches}) == len({j for _, j in matches}) == len(matches)
            for i, j in matches:
                if mode == "exact":
                    assert (a[i].start, a[i].end) == (b[j].start, b[j].end)
                else:
                    assert min(a[i].end, b[j].end) - max(a[i].start, b[j].start) >= 1
            assert matches == sorted(matches)


@pytest.mark.parametrize("seed", range(5))
def test_agreement_coefficients_are_bounded(seed):
    rnd = rng(seed)
    labels = ["claim", "source", "evidence", None]
    for _ in range(400):
        pairs = [(rnd.choice(labels), rnd.choice(labels)) for _ in range(rnd.randrange(8))]
        kappa = cohen_kappa(pairs)
        if kappa is not None:
            assert -1.0 <= kappa <= 1.0
            assert cohen_kappa([(y, x) for x, y in pairs]) == pytest.approx(kappa)
        units = [[rnd.choice([*labels, None]) for _ in range(3)] for _ in range(rnd.randrange(6))]
        alpha = krippendorff_alpha_nominal(units)
        assert alpha is None or alpha <= 1.0
        spans_all = [s for name in ("a", "b", "c") for s in random_spans(rnd, name)]
        result = article_agreement(spans_all)
        for pair in result.pairs:
            assert pair.tag_kappa is None or -1.0 <= pair.tag_kappa <= 1.0
            assert pair.a < pair.b
        assert result.tag_alpha is None or result.tag_alpha <= 1.0


def test_units_cover_each_nonempty_span_once():
    rnd = rng(42)
    for _ in range(200):
        items = [s for name in ("a", "b", "c") for s in random_spans(rnd, name)]
        units = span_units(items)
        flat = [s for unit in units for s in unit]
        assert sorted(map(id, flat)) == sorted(id(s) for s in items if s.end > s.start)
        # Consecutive units do not overlap.
        for u, v in pairwise(units):
            assert max(s.end for s in u) <= min(s.start for s in v)
