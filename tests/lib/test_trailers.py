"""Boilerplate trailers dropped on import, with the project's own example article."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.lib.htmltext import extract_article
from annotations.lib.trailers import drop_trailers, is_trailer

EXAMPLE = (Path(__file__).resolve().parents[1] / "data" / "example-article.txt").read_text(
    encoding="utf-8"
)


@pytest.mark.parametrize(
    "line",
    [
        "Read The Rest at :",
        "More on the war in Ukraine at :",  # the example article's own trailer
        "Read more",
        "Read more: Harvest outlook darkens",
        "Subscribe to our newsletter",
        "Sign up for our newsletters.",
        "Source:",
        "Continue reading",
    ],
)
def test_trailers(line):
    assert is_trailer(line)


@pytest.mark.parametrize(
    "line",
    [
        "Source: Reuters reported the figure on Tuesday, citing two officials.",
        "China has called for restraint on all sides.",
        "He said the talks would read more like a negotiation than a summit next year.",
    ],
)
def test_not_trailers(line):
    assert not is_trailer(line)


def test_the_example_article_loses_its_trailer_on_html_import_and_keeps_the_rest():
    lines = EXAMPLE.strip().split("\n")
    assert lines[-1] == "More on the war in Ukraine at :"
    html = "<html><body><article>" + "".join(f"<p>{line}</p>" for line in lines[1:])
    html += "</article></body></html>"
    extracted = extract_article(html)
    assert extracted.text.split("\n")[-1] == lines[-2]
    assert "at :" not in extracted.text


def test_only_trailing_lines_go_and_one_line_always_stays():
    lines = ["Read more", "The body of the article.", "Read The Rest at :", "Source:", ""]
    assert drop_trailers(lines) == ["Read more", "The body of the article."]
    assert drop_trailers(["Read more"]) == ["Read more"]


def test_a_plain_text_page_loses_its_trailer_too():
    extracted = extract_article("The body of the article.\n\nRead The Rest at :")
    assert extracted.text == "The body of the article."
