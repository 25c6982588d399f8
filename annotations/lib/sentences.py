"""Cheap sentence boundaries for co-occurrence: spans of plain text, in code points.

A sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed by
white space and a capital, a digit or an opening quote, or at a blank line. Common
abbreviations ("Mr.", "Gen.", "U.S.") and single initials do not end one. It is a heuristic:
good enough to say that two names share a sentence, never used to cut the text shown.
"""

from __future__ import annotations

import re

_CLOSE = "\"')\\]\u201d\u2019"  # closing quotes and brackets
_OPEN = "\"'(\\[\u201c\u2018"  # opening ones
_END = re.compile(rf"[.!?]+[{_CLOSE}]*(?=\s+[{_OPEN}]?[A-Z0-9\u00c0-\u00de])|\n\s*\n")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "cmdr",
        "gov",
        "sen",
        "rep",
        "pres",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "est",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.u",
    ]
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text``'s sentences, in order, covering every character."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        if match.group().startswith((".", "!", "?")) and match.group()[0] == ".":
            word = text[max(start, match.start() - 12) : match.start()].split()
            last = word[-1].lower() if word else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans
