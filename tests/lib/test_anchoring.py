"""Anchoring quotes in edited texts: exact first, then approximately (as Hypothesis does)."""

from __future__ import annotations

from annotations.lib.anchoring import find_anchor, quote_context

OLD = (
    "Seoul said on Tuesday that the deployment had begun.\n"
    "The minister called it a next step in the alliance, officials said.\n"
    "A paragraph about satellite technology that the outlet later removed entirely.\n"
    "China has called for restraint on all sides."
)


def anchor(old: str, new: str, quote: str, *, nth: int = 0):
    start = -1
    for _ in range(nth + 1):
        start = old.index(quote, start + 1)
    prefix, suffix = quote_context(old, start, start + len(quote))
    return find_anchor(
        new, exact=quote, prefix=prefix, suffix=suffix, start=start, old_length=len(old)
    )


def test_one_word_changed_inside_the_quote_reanchors_with_the_new_quote():
    new = OLD.replace("a next step", "the next step")
    found = anchor(OLD, new, "called it a next step")
    assert found is not None
    assert found.quote_changed
    assert found.exact == "called it the next step" == new[found.start : found.end]


def test_an_exact_quote_is_found_exactly_and_keeps_its_words():
    new = "A new first line.\n" + OLD
    found = anchor(OLD, new, "called it a next step")
    assert found is not None
    assert not found.quote_changed
    assert found.moved
    assert new[found.start : found.end] == "called it a next step"


def test_a_deleted_paragraph_orphans():
    new = OLD.replace(
        "A paragraph about satellite technology that the outlet later removed entirely.\n", ""
    )
    assert anchor(OLD, new, "satellite technology that the outlet later removed") is None
    assert anchor(OLD, new, "A paragraph about satellite technology") is None


def test_a_rewritten_sentence_orphans_rather_than_matching_something_else():
    new = OLD.replace("The minister called it a next step in the alliance", "Nobody commented")
    assert anchor(OLD, new, "called it a next step in the alliance") is None


def test_offsets_are_code_points_with_emoji_and_right_to_left_text():
    old = "🇰🇷 مرحبا بالعالم 😀 He called it a next step, said the envoy 😀 שלום."
    new = "😀😀😀 مرحبا بالعالم الجديد 😀 He called it the next step, said the envoy 😀 שלום."
    found = anchor(old, new, "called it a next step")
    assert found is not None
    assert new[found.start : found.end] == "called it the next step" == found.exact
    rtl = anchor(old, new, "שלום")
    assert rtl is not None
    assert new[rtl.start : rtl.end] == "שלום"
    changed = old.replace("بالعالم", "بالعالمي")
    arabic = anchor(old, changed, "مرحبا بالعالم 😀 He called")
    assert arabic is not None
    assert arabic.exact == "مرحبا بالعالمي 😀 He called"
    assert changed[arabic.start : arabic.end] == arabic.exact


def test_of_two_approximate_twins_the_one_with_the_old_context_wins():
    old = "First the envoy called it a next step.\nLater the minister called it a next step too."
    new = old.replace("a next step", "the next step")
    found = anchor(old, new, "called it a next step", nth=1)
    assert found is not None
    assert found.exact == "called it the next step"
    assert new[: found.start].endswith("Later the minister ")


def test_an_edited_passage_is_preferred_to_an_exact_twin_in_another_context():
    old = (
        "In March the envoy called it a next step for the talks.\n"
        "Unrelated background paragraph about ports and shipping lanes.\n"
        "In June the minister called it a next step towards the treaty."
    )
    new = old.replace("minister called it a next step", "minister called it the next step")
    found = anchor(old, new, "called it a next step", nth=1)
    assert found is not None
    assert found.exact == "called it the next step"
    assert new[: found.start].endswith("In June the minister ")


def test_a_quote_whose_context_changed_a_little_stays_exact():
    new = OLD.replace("officials said", "officials told reporters")
    found = anchor(OLD, new, "called it a next step")
    assert found is not None
    assert found.exact is None
    assert new[found.start : found.end] == "called it a next step"
