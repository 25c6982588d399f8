"""An import's error list keeps the first 100 errors by position and counts them all."""

from __future__ import annotations

import random

from annotations.lib.errorlist import MAX_REPORTED_ERRORS, ErrorList


def test_the_first_errors_by_position_are_kept_and_all_are_counted():
    errors = ErrorList("line")
    positions = list(range(1, 10_001))
    random.Random(3).shuffle(positions)  # noqa: S311 - a second pass reports rows late
    for at in positions:
        errors.add(at, f"bad {at}")
    assert errors.count == 10_000
    assert errors.truncated
    assert errors.first() == [{"line": n, "message": f"bad {n}"} for n in range(1, 101)]
    assert errors.summary()["error_count"] == 10_000
    assert errors.summary()["errors_truncated"] is True
    assert len(errors._kept) < 2 * MAX_REPORTED_ERRORS


def test_errors_of_one_position_keep_their_order_and_few_are_not_truncated():
    errors = ErrorList("row")
    errors.add(3, "span 2: b")
    errors.add(1, "z")
    errors.add(3, "span 1: a")
    assert errors.first() == [
        {"row": 1, "message": "z"},
        {"row": 3, "message": "span 2: b"},
        {"row": 3, "message": "span 1: a"},
    ]
    assert errors.summary() == {
        "errors": errors.first(),
        "error_count": 3,
        "errors_truncated": False,
    }
