"""A title for text pasted without one.

A first line that reads as a headline (short, not ending a sentence, with more text after it)
becomes the title and leaves the text, so it is not there twice. Any other first line (a lead
paragraph) stays in the text, which analysts annotate, and the title is its opening words, cut
at a word boundary.
"""

from __future__ import annotations

HEADLINE_CHARS = 150  # a first line this short, not ending a sentence, reads as a headline
SHORT_TITLE_CHARS = 80


def shorten(line: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """The line's opening words up to ``limit`` characters, with "…" when cut."""
    line = " ".join(line.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:\u2013\u2014-") + "…"


def split_title(text: str) -> tuple[str, str]:
    """(title, text) for a text with no title: see the module's docstring."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    rest = rest.strip()
    headline = (
        bool(rest)
        and len(first) <= HEADLINE_CHARS
        and not first.endswith((".", "…", ":", ";", ","))
    )
    if headline:
        return " ".join(first.split()), rest
    return shorten(first), text
