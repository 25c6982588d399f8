"""Titles for text pasted without one."""

from __future__ import annotations

from annotations.lib.titles import shorten, split_title


def test_a_headline_leaves_the_text():
    title, text = split_title("Kirby: troops in Kursk\n\nWASHINGTON - Several thousand soldiers.")
    assert title == "Kirby: troops in Kursk"
    assert text == "WASHINGTON - Several thousand soldiers."


def test_a_lead_paragraph_stays_and_the_title_is_its_opening_words():
    lead = (
        "WASHINGTON, Nov 1 - Several thousand North Korean soldiers have moved into Russia's "
        "Kursk region, the White House said on Thursday."
    )
    title, text = split_title(lead + "\nMore text.")
    assert text == lead + "\nMore text."
    assert title == "WASHINGTON, Nov 1 - Several thousand North Korean soldiers have moved into…"
    assert len(title) <= 80


def test_a_single_line_is_kept_whole_in_the_text():
    title, text = split_title("Putin said nothing.")
    assert (title, text) == ("Putin said nothing.", "Putin said nothing.")


def test_a_short_sentence_first_line_is_text_not_a_headline():
    title, text = split_title("Kirby spoke.\nThe troops left.")
    assert text == "Kirby spoke.\nThe troops left."
    assert title == "Kirby spoke."


def test_shorten_cuts_at_a_word():
    assert shorten("a " * 60) == ("a " * 39).strip() + "…"
    assert shorten("short") == "short"
