"""Figure extraction (annotations/nlp/figures.py) on the project's own sentences: the demo
articles (annotations/demo/articles.jsonl) and the example article (tests/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.nlp.figures import (
    DATA_PATH,
    MentionRef,
    extract_figures,
    format_number,
    kind_labels,
    lexicon,
    read_number,
    sentences,
    value_words,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = [json.loads(line) for line in (ROOT / "annotations/demo/articles.jsonl").open()]


def demo(title_word: str) -> str:
    return next(a["text"] for a in DEMO if title_word in a["title"])


def one(text: str, **kwargs):
    figures = extract_figures(text, **kwargs)
    assert len(figures) == 1, figures
    return figures[0]


def mention(text: str, name: str, entity: int, label: str = "NORP") -> MentionRef:
    start = text.index(name)
    return MentionRef(start, start + len(name), entity, label)


def test_the_malformed_casualty_figure_of_the_demo_is_flagged_with_its_two_readings():
    text = demo("Casualty")
    flagged = [f for f in extract_figures(text) if f.flagged]
    assert len(flagged) == 1
    figure = flagged[0]
    assert text[figure.number_start : figure.number_end] == "315,00"
    assert figure.readings == (315_000.0, 31_500.0)
    assert figure.low is None
    assert figure.high is None
    assert figure.problem == "separator"


def test_the_example_article_flags_315_00_russian_soldiers_as_casualties_of_russia(seed_text):
    russia = mention(seed_text, "Russian soldiers", 7, "NORP")
    russia = MentionRef(russia.start, russia.start + len("Russian"), 7, "NORP")
    figure = next(f for f in extract_figures(seed_text, [russia]) if f.flagged)
    assert figure.text == "315,00 Russian soldiers"
    assert (figure.kind, figure.subject) == ("casualties", 7)  # "had been killed or wounded"
    assert figure.readings == (315_000.0, 31_500.0)


def test_demo_troop_figures_with_bounds_subjects_and_an_elided_noun():
    text = demo("Kursk region")
    nk = mention(text, "North Korean troops", 1)
    nk = MentionRef(nk.start, nk.start + len("North Korean"), 1, "NORP")
    figures = extract_figures(text, [nk])
    by_text = {f.text: f for f in figures}
    eight = by_text["at least 8,000 North Korean troops"]
    assert (eight.kind, eight.low, eight.bound, eight.subject) == ("troops", 8000, "at_least", 1)
    # "out of roughly 10,000 sent to Russia": no noun; it continues the figure before
    ten = by_text["roughly 10,000"]
    assert (ten.kind, ten.low, ten.bound, ten.subject) == ("troops", 10_000, "about", 1)


def test_demo_casualty_sentences():
    text = demo("Casualty")
    russia = MentionRef(text.index("Russian forces"), text.index("Russian forces") + 7, 3, "NORP")
    russia2 = MentionRef(text.index("Russia has lost"), text.index("Russia has lost") + 6, 3, "GPE")
    figures = {f.text: f for f in extract_figures(text, [russia, russia2])}
    about = figures["about 315,000 killed and wounded"]
    assert (about.kind, about.low, about.bound) == ("casualties", 315_000, "about")
    assert about.subject == 3
    assert figures["close to 90 percent"].kind == "percent"
    lost = figures["more than 690,000 soldiers"]
    assert (lost.kind, lost.bound, lost.subject) == ("troops", "more_than", 3)
    # the noun before the number: "casualties averaged more than 1,200"
    assert figures["more than 1,200"].kind == "casualties"
    assert figures["31,000 Ukrainian soldiers"].kind == "killed"  # "had been killed"
    assert figures["more than 75,000 Russian soldiers"].kind == "killed"


@pytest.mark.parametrize(
    ("text", "low", "high", "bound"),
    [
        ("10,000 to 12,000 troops", 10_000, 12_000, "range"),
        ("10,000-12,000 troops", 10_000, 12_000, "range"),
        ("10,000\u201312,000 troops", 10_000, 12_000, "range"),
        ("between 10,000 and 12,000 troops", 10_000, 12_000, "range"),
        ("from 1.5 to 2 million dollars", 1_500_000, 2_000_000, "range"),
        ("more than 5,000 drones", 5_000, 5_000, "more_than"),
        ("at least 300 missiles", 300, 300, "at_least"),
        ("up to 40,000 shells", 40_000, 40_000, "at_most"),
        ("nearly 12,000 soldiers", 12_000, 12_000, "less_than"),
        ("over 200 drones", 200, 200, "more_than"),
        ("an estimated 11,000 troops", 11_000, 11_000, "about"),
    ],
)
def test_ranges_and_bounds(text, low, high, bound):
    figure = one(text)
    assert (figure.low, figure.high, figure.bound, figure.text) == (low, high, bound, text)


@pytest.mark.parametrize(
    ("text", "value", "kind", "unit"),
    [
        ("three thousand soldiers", 3_000, "troops", "soldiers"),
        ("1.5 million dollars", 1_500_000, "money", "USD"),
        ("$1.5 billion", 1_500_000_000, "money", "USD"),
        ("\u20ac20 million", 20_000_000, "money", "EUR"),
        ("a dozen missiles", 12, "missiles", "missiles"),
        ("twenty-five drones", 25, "drones", "drones"),
        ("two hundred and fifty shells", 250, "shells", "shells"),
        ("a thousand troops", 1_000, "troops", "troops"),
        ("40 percent", 40, "percent", "%"),
        ("12% of the budget", 12, "percent", "%"),
        ("3,000 tonnes of grain", 3_000, "tonnes", "tonnes"),
    ],
)
def test_spelled_out_numbers_scales_and_units(text, value, kind, unit):
    figure = extract_figures(text)[0]
    assert (figure.low, figure.kind, figure.unit) == (value, kind, unit)


@pytest.mark.parametrize(
    ("number", "readings", "problem"),
    [
        ("315,00", (315_000.0, 31_500.0), "separator"),
        ("31,5000", (315_000.0,), "separator"),
        ("1,00,000", (100_000.0,), "separator"),
        ("1.200.000", (1_200_000.0,), "separator"),
        ("3.000", (3_000.0, 3.0), "decimal"),
    ],
)
def test_malformed_numbers_and_their_readings(number, readings, problem):
    value, found, why = read_number(number)
    assert found == readings
    assert why == problem
    assert value is None or problem == "decimal"


def test_well_formed_numbers_are_read_as_written():
    assert read_number("315,000") == (315_000.0, (), "")
    assert read_number("1,234,567.5") == (1_234_567.5, (), "")
    assert read_number("1.5") == (1.5, (), "")
    # other languages group with dots and write decimals with commas
    assert read_number("3.000", english=False) == (3_000.0, (), "")
    assert read_number("1,5", english=False) == (1.5, (), "")


def test_3_000_troops_is_flagged_in_english_only_and_a_decimal_before_a_scale_is_not():
    english = one("3.000 troops")
    assert english.flagged
    assert english.readings == (3_000.0, 3.0)
    german = one("3.000 troops", language="de")
    assert not german.flagged
    assert german.low == 3_000
    assert not one("1.500 million dollars").flagged
    assert not one("2.125 percent").flagged  # a decimal share is not a count


def test_numbers_that_count_nothing_are_not_figures():
    text = "The NIS said ships left between Oct 8 and Oct 13, 2024, and the 11th Corps moved."
    assert extract_figures(text) == []


def test_subject_is_not_taken_from_a_place_after_a_preposition_or_another_clause():
    text = "Soldiers were seen in Vladivostok, the first of what could be 12,000 troops."
    vlad = mention(text, "Vladivostok", 9, "GPE")
    assert one(text, mentions=[vlad]).subject is None
    text = "A US assessment had put the toll above 300,000."
    us = mention(text, "US", 5, "GPE")
    figure = one(text, mentions=[us])
    assert figure.kind == "casualties"
    assert figure.subject is None


def test_offsets_are_code_points_into_the_text():
    text = "Zelensky\u2019s office \U0001f1fa\U0001f1e6 said 1,500 soldiers left."
    figure = one(text)
    assert text[figure.start : figure.end] == "1,500 soldiers" == figure.text
    assert text[figure.number_start : figure.number_end] == "1,500"


def test_sentences_split_at_full_stops_and_lines():
    text = 'He said "go." Then 5 left.\nNext line'
    assert [text[a:b] for a, b in sentences(text)] == ['He said "go."', "Then 5 left.", "Next line"]


def test_the_lexicon_data_file_is_consistent():
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    kinds = data["kinds"]
    lex = lexicon()
    for kind, spec in kinds.items():
        assert spec["label"], kind
        assert spec["nouns"], kind
        for noun in spec["nouns"]:
            assert noun == noun.lower().strip(), noun
    # every noun is read as its kind (the first kind listing a noun wins; none is listed twice)
    nouns = [noun for spec in kinds.values() for noun in spec["nouns"]]
    assert len(nouns) == len(set(nouns))
    for kind, spec in kinds.items():
        for noun in spec["nouns"]:
            assert lex.nouns[tuple(noun.split())][0] == kind
    assert set(data["after"]) <= set(kinds)
    assert set(lex.bounds.values()) <= {"more_than", "at_least", "at_most", "less_than", "about"}
    assert "other" in kind_labels()


def test_format_number():
    assert format_number(315_000.0) == "315,000"
    assert format_number(1.5) == "1.5"
    assert format_number(None) == "?"


def test_rates_are_marked_with_their_period():
    text = demo("Casualty")
    daily = next(f for f in extract_figures(text) if f.text == "more than 1,200")
    assert daily.unit == "per day"  # "Russian daily casualties averaged more than 1,200"
    figure = one("Russia launched 50 drones a day.")
    assert (figure.text, figure.unit) == ("50 drones a day", "drones per day")
    assert one("Russia launched 50 drones.").unit == "drones"


def test_value_words():
    assert value_words(8_000, 8_000, "at_least") == "at least 8,000"
    assert value_words(10_000, 12_000, "range") == "10,000 to 12,000"
    assert value_words(None, None, "exact", (315_000, 31_500)) == "315,000 or 31,500?"
