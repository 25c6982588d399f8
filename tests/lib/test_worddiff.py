"""The word diff between revisions."""

from __future__ import annotations

import random

from annotations.lib.worddiff import Segment, word_diff


def sides(segments: list[Segment]) -> tuple[str, str]:
    old = "".join(s.text for s in segments if s.op != "insert")
    new = "".join(s.text for s in segments if s.op != "delete")
    return old, new


def test_one_word_changed():
    assert word_diff("He called it a next step.\nB", "He called it the next step.\nB") == [
        Segment("equal", "He called it "),
        Segment("delete", "a"),
        Segment("insert", "the"),
        Segment("equal", " next step.\nB"),
    ]


def test_deleted_and_added_paragraphs():
    segments = word_diff("A\nGone paragraph.\nC", "A\nC\nNew paragraph.")
    assert (
        Segment("delete", "\nGone paragraph.") in segments
        or Segment("delete", "Gone paragraph.\n") in segments
    )
    assert any(s.op == "insert" and "New paragraph." in s.text for s in segments)


def test_both_texts_come_back_from_the_segments():
    rng = random.Random(17)  # noqa: S311 - test data, not secrets
    words = ["a ", "b", "c\n", "d ", "é.\n", "😀", "שלום "]
    for _ in range(2000):
        old = "".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        new = "".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        assert sides(word_diff(old, new)) == (old, new)
