"""Inter-annotator agreement between analysts who annotated the same article independently.

Pure functions over plain values (no Django): the caller turns annotations into :class:`Span`
objects. Offsets are Unicode code points and spans are half-open, ``[start, end)``; a span
covers ``end - start`` code points.

Span matching (``span_f1``)
    Compare the spans of annotator A (the reference) with those of annotator B.

    *Exact*: a span of A and a span of B match when their ``start`` and ``end`` are both equal.
    Matching is one-to-one: two identical spans of A can use up two identical spans of B, not
    one. Labels play no part in matching.

    *Partial* (overlap): a span of A and a span of B can match when they overlap by at least
    one code point, ``overlap = min(a.end, b.end) - max(a.start, b.start) >= 1``. Matching is
    one-to-one and greedy: the candidate pairs are taken in order of larger overlap, then
    smaller ``|a.start - b.start|``, then index in A, then index in B; a pair is kept when
    neither of its spans is already used. So one long span of A lying over two spans of B
    matches only one of them (the one it overlaps most). Empty spans (``start == end``) never
    overlap anything, so they only ever match exactly.

    With ``m`` matched pairs::

        precision P = m / |B|        recall R = m / |A|
        F1 = 2PR / (P + R) = 2m / (|A| + |B|)      (0 when P + R = 0)

    Empty cases: both A and B empty -> P = R = F1 = 1.0 (they agree that there is nothing);
    exactly one empty -> P = R = F1 = 0.0. F1 does not depend on which annotator is A.

Label agreement on matched spans (``cohen_kappa``)
    For the ``n`` pairs matched under partial matching, take each pair's labels
    ``(label_a, label_b)``. ``None`` (an untagged span) is a category of its own. With ``a_k``
    and ``b_k`` the number of pairs that A, respectively B, labelled ``k``::

        p_o = (number of pairs with label_a == label_b) / n
        p_e = sum_k (a_k / n) * (b_k / n)
        kappa = (p_o - p_e) / (1 - p_e)

    computed exactly (with integers) and returned as a float; -1 <= kappa <= 1.
    ``None`` when ``n < 2``: one pair says nothing about chance agreement.
    ``p_e == 1`` happens only when both annotators gave one and the same label to every pair;
    then every pair agrees, ``p_o == 1`` too, and the formula is 0/0. It is reported as 1.0
    (perfect agreement, nothing to correct for): no disagreement was observed, and a
    dashboard showing "undefined" for two analysts who agreed on everything would mislead.
    (``p_e == 1`` with ``p_o < 1`` cannot occur.) Note that Krippendorff's alpha below,
    following its definition, is ``None`` in the same situation (``D_e == 0``).

Label agreement across all annotators (``krippendorff_alpha_nominal``)
    Units are clusters of overlapping spans: the connected components of the graph whose
    nodes are the (non-empty) spans of all annotators and whose edges join two spans that
    overlap by at least one code point (spans of one annotator that overlap each other join
    too). In each unit every annotator gives one value: the label of their longest span in
    the unit (ties: earlier start, then input order); an untagged span gives the value
    :data:`UNTAGGED`; an annotator with no span in the unit is missing. Units that only one
    annotator marked have a single value and are not pairable, so alpha measures agreement on
    the labels of regions marked by several annotators, not agreement on where spans are
    (that is what the F1 scores are for).

    Standard coincidence-matrix computation (Krippendorff 2011, "Computing Krippendorff's
    Alpha-Reliability"). Only units with ``m_u >= 2`` values count. Each such unit adds, for
    every ordered pair of values ``(c, k)`` given by two different coders in it,
    ``1 / (m_u - 1)`` to the coincidence ``o_ck``. With ``n_c = sum_k o_ck`` and
    ``n = sum_c n_c`` (the number of pairable values), for nominal data::

        D_o = (1 / n) * sum_{c != k} o_ck
        D_e = (1 / (n (n - 1))) * sum_{c != k} n_c * n_k
        alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k

    computed exactly with fractions. ``None`` when undefined: no pairable values, or
    ``D_e == 0`` (all pairable values identical).

Pairs and means (``article_agreement``)
    Annotators are sorted by name (as strings: ids sort as text, "10" < "9"), and every pair
    ``(a, b)`` with ``a < b`` is compared, B measured against A. The article's mean exact and
    partial F1 are the unweighted means over the pairs, ``None`` with fewer than two
    annotators.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Literal

__all__ = [
    "CSV_COLUMNS",
    "UNTAGGED",
    "ArticleAgreement",
    "PairAgreement",
    "Span",
    "agreement_csv_rows",
    "article_agreement",
    "cohen_kappa",
    "krippendorff_alpha_nominal",
    "observed_agreement",
    "span_f1",
    "span_units",
]

#: The value an untagged span gives in Krippendorff's alpha (no tag slug is empty).
UNTAGGED = ""

#: Columns of :func:`agreement_csv_rows`, in order.
CSV_COLUMNS: tuple[str, ...] = (
    "article_id",
    "article_title",
    "annotator_a",
    "annotator_b",
    "spans_a",
    "spans_b",
    "matched",
    "exact_precision",
    "exact_recall",
    "exact_f1",
    "partial_precision",
    "partial_recall",
    "partial_f1",
    "tag_observed",
    "tag_kappa",
    "article_tag_alpha",
)

# Floats in CSV rows are rounded to this many decimal places.
CSV_DECIMALS = 4


@dataclass(frozen=True)
class Span:
    """One annotation: ``[start, end)`` in code points, its primary tag and who made it."""

    start: int
    end: int
    label: str | None  # the annotation's primary tag slug (None if untagged)
    annotator: str  # username or id as str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of annotator ``b`` measured against annotator ``a`` (``a < b``)."""

    a: str
    b: str
    spans_a: int
    spans_b: int
    exact_precision: float
    exact_recall: float
    exact_f1: float  # b measured against a; F1 is symmetric
    partial_precision: float
    partial_recall: float
    partial_f1: float
    matched: int  # pairs matched under partial (overlap) matching
    tag_kappa: float | None  # Cohen's kappa over the labels of matched pairs
    tag_observed: float | None  # observed label agreement over matched pairs


@dataclass(frozen=True)
class ArticleAgreement:
    """All pairwise agreements on one article, and alpha over all annotators."""

    annotators: list[str]
    pairs: list[PairAgreement]
    mean_exact_f1: float | None
    mean_partial_f1: float | None
    tag_alpha: float | None  # Krippendorff's alpha (nominal) over span units, all annotators


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _exact_matches(a: Sequence[Span], b: Sequence[Span]) -> list[tuple[int, int]]:
    free: dict[tuple[int, int], deque[int]] = defaultdict(deque)
    for j, sb in enumerate(b):
        free[(sb.start, sb.end)].append(j)
    matches = []
    for i, sa in enumerate(a):
        queue = free.get((sa.start, sa.end))
        if queue:
            matches.append((i, queue.popleft()))
    return matches


def _partial_matches(a: Sequence[Span], b: Sequence[Span]) -> list[tuple[int, int]]:
    by_start = sorted(range(len(b)), key=lambda j: b[j].start)
    candidates: list[tuple[int, int, int, int]] = []  # (-overlap, start distance, i, j)
    for i, sa in enumerate(a):
        for j in by_start:
            sb = b[j]
            if sb.start >= sa.end:
                break
            overlap = _overlap(sa, sb)
            if overlap >= 1:
                candidates.append((-overlap, abs(sa.start - sb.start), i, j))
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    matches = []
    for _, _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matches.append((i, j))
    matches.sort()
    return matches


def span_f1(
    a: Sequence[Span], b: Sequence[Span], *, mode: Literal["exact", "partial"]
) -> tuple[float, float, float, list[tuple[int, int]]]:
    """Precision, recall and F1 of the spans ``b`` against the reference ``a``, and the matches.

    precision = matched / len(b), recall = matched / len(a), F1 = 2PR / (P + R); both empty
    gives (1.0, 1.0, 1.0), one empty (0.0, 0.0, 0.0). The matches are ``(index in a, index
    in b)`` pairs, sorted. See the module docstring for exact and partial matching.
    """
    if mode == "exact":
        matches = _exact_matches(a, b)
    elif mode == "partial":
        matches = _partial_matches(a, b)
    else:
        raise ValueError(f"unknown matching mode {mode!r}")
    if not a and not b:
        return 1.0, 1.0, 1.0, matches
    if not a or not b:
        return 0.0, 0.0, 0.0, matches
    m = len(matches)
    precision = m / len(b)
    recall = m / len(a)
    f1 = 2 * m / (len(a) + len(b))  # = 2PR / (P + R), and 0 when m = 0
    return precision, recall, f1, matches


def observed_agreement(pairs: Sequence[tuple[str | None, str | None]]) -> float | None:
    """The share of pairs whose two labels are equal (None counts as a label); None if empty."""
    if not pairs:
        return None
    return sum(1 for x, y in pairs if x == y) / len(pairs)


def cohen_kappa(pairs: Sequence[tuple[str | None, str | None]]) -> float | None:
    """Cohen's kappa of two annotators' labels on the same items.

    ``kappa = (p_o - p_e) / (1 - p_e)``, with ``p_e`` from each annotator's own label
    distribution; None (untagged) is a category like any other. Returns None for fewer than
    two pairs, and 1.0 when ``p_e == 1`` (both used one and the same label throughout, which
    forces ``p_o == 1``).
    """
    n = len(pairs)
    if n < 2:
        return None
    agree = sum(1 for x, y in pairs if x == y)
    count_a = Counter(x for x, _ in pairs)
    count_b = Counter(y for _, y in pairs)
    # In units of 1/n^2: p_o = n * agree / n^2 and p_e = chance / n^2.
    chance = sum(count * count_b[label] for label, count in count_a.items())
    if chance == n * n:  # p_e == 1, hence p_o == 1
        return 1.0
    return float(Fraction(n * agree - chance, n * n - chance))


def krippendorff_alpha_nominal(units: Sequence[Sequence[str | None]]) -> float | None:
    """Krippendorff's alpha for nominal data; each unit lists the coders' values (None = missing).

    ``alpha = 1 - D_o / D_e`` from the coincidence matrix; only units with at least two values
    count. None when there are no pairable values or ``D_e == 0``.
    """
    coincidences: defaultdict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        weight = Fraction(1, m - 1)
        for x, y in combinations(values, 2):
            coincidences[(x, y)] += weight
            coincidences[(y, x)] += weight
    totals: defaultdict[str, Fraction] = defaultdict(Fraction)
    for (c, _), o in coincidences.items():
        totals[c] += o
    n = sum(totals.values(), Fraction(0))
    if n == 0:
        return None
    disagree_observed = sum((o for (c, k), o in coincidences.items() if c != k), Fraction(0))
    disagree_expected = sum(
        (nc * nk for c, nc in totals.items() for k, nk in totals.items() if c != k), Fraction(0)
    )
    if disagree_expected == 0:
        return None
    return float(1 - (n - 1) * disagree_observed / disagree_expected)


def span_units(spans: Sequence[Span]) -> list[list[Span]]:
    """Clusters of overlapping spans (connected components of the overlap graph), by position.

    Empty spans overlap nothing and are left out. Within a unit spans keep their input order.
    """
    order = sorted(
        (k for k, s in enumerate(spans) if s.end > s.start), key=lambda k: spans[k].start
    )
    groups: list[list[int]] = []
    reach = -1
    for k in order:
        s = spans[k]
        # Sorted by start, s overlaps some earlier span of the group iff it starts before the
        # group's furthest end (integer offsets, so that overlap is at least one code point).
        if groups and s.start < reach:
            groups[-1].append(k)
            reach = max(reach, s.end)
        else:
            groups.append([k])
            reach = s.end
    return [[spans[k] for k in sorted(group)] for group in groups]


def _unit_values(unit: Sequence[Span], annotators: Sequence[str]) -> list[str | None]:
    longest: dict[str, Span] = {}
    for s in unit:  # input order, so ties on length and start keep the first
        best = longest.get(s.annotator)
        if best is None or (-s.length, s.start) < (-best.length, best.start):
            longest[s.annotator] = s
    values: list[str | None] = []
    for name in annotators:
        kept = longest.get(name)
        values.append(
            None if kept is None else (kept.label if kept.label is not None else UNTAGGED)
        )
    return values


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def article_agreement(spans: Sequence[Span], *, annotators: Sequence[str] = ()) -> ArticleAgreement:
    """Pairwise F1 and kappa, their means, and Krippendorff's alpha for one article's spans.

    ``annotators`` optionally names annotators to include even if they made no span (someone
    who read the article and found nothing to mark); the names present in ``spans`` are always
    included.
    """
    by_annotator: dict[str, list[Span]] = {name: [] for name in annotators}
    for s in spans:
        by_annotator.setdefault(s.annotator, []).append(s)
    names = sorted(by_annotator)
    pairs: list[PairAgreement] = []
    for name_a, name_b in combinations(names, 2):
        spans_a, spans_b = by_annotator[name_a], by_annotator[name_b]
        ep, er, ef, _ = span_f1(spans_a, spans_b, mode="exact")
        pp, pr, pf, matches = span_f1(spans_a, spans_b, mode="partial")
        labels = [(spans_a[i].label, spans_b[j].label) for i, j in matches]
        pairs.append(
            PairAgreement(
                a=name_a,
                b=name_b,
                spans_a=len(spans_a),
                spans_b=len(spans_b),
                exact_precision=ep,
                exact_recall=er,
                exact_f1=ef,
                partial_precision=pp,
                partial_recall=pr,
                partial_f1=pf,
                matched=len(matches),
                tag_kappa=cohen_kappa(labels),
                tag_observed=observed_agreement(labels),
            )
        )
    units = [_unit_values(unit, names) for unit in span_units(spans)]
    return ArticleAgreement(
        annotators=names,
        pairs=pairs,
        mean_exact_f1=_mean([p.exact_f1 for p in pairs]),
        mean_partial_f1=_mean([p.partial_f1 for p in pairs]),
        tag_alpha=krippendorff_alpha_nominal(units),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, CSV_DECIMALS)


def agreement_csv_rows(
    result: ArticleAgreement, *, article_id: int, article_title: str
) -> list[dict[str, object]]:
    """One row per annotator pair, keyed by :data:`CSV_COLUMNS` in that order.

    Floats are rounded to ``CSV_DECIMALS`` places; undefined values are None (``csv.DictWriter``
    writes them as empty cells). The article's alpha is repeated on each of its rows. An article
    with fewer than two annotators gives no rows. Values are not escaped against spreadsheet
    formula injection; that is the writer's job.
    """
    rows: list[dict[str, object]] = []
    for p in result.pairs:
        values: tuple[object, ...] = (
            article_id,
            article_title,
            p.a,
            p.b,
            p.spans_a,
            p.spans_b,
            p.matched,
            _round(p.exact_precision),
            _round(p.exact_recall),
            _round(p.exact_f1),
            _round(p.partial_precision),
            _round(p.partial_recall),
            _round(p.partial_f1),
            _round(p.tag_observed),
            _round(p.tag_kappa),
            _round(result.tag_alpha),
        )
        rows.append(dict(zip(CSV_COLUMNS, values, strict=True)))
    return rows
