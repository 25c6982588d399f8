"""Hedges and attribution strength of a claim, from the marker lexicon in ``data/hedges.json``.

A claim carries the markers found in its words (``may``, ``reportedly``, ``believed to``,
``could not be independently verified``, ``an estimated``), each with its kind and code-point
offsets into the text it was found in, and one strength derived from them:

* ``asserted``: no marker, and nobody named as its speaker;
* ``attributed``: a speaker is named (or "according to ..."), and nothing hedges it;
* ``hedged``: a modal, epistemic or approximation marker;
* ``unverified``: a sourcing marker ("unconfirmed", "sources say"), or "reportedly",
  "allegedly" with no speaker named. Shown as "unverified report".

The weakest strength wins. When a claim is repeated with a stronger strength than its first
appearance (a hedge dropped on repetition), the claim page flags it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LEXICON_PATH = Path(__file__).with_name("data") / "hedges.json"
#: Strongest first; the index is the order used to compare appearances.
STRENGTHS = ("asserted", "attributed", "hedged", "unverified")
STRENGTH_LABELS = {
    "asserted": "Asserted",
    "attributed": "Attributed",
    "hedged": "Hedged",
    "unverified": "Unverified report",
}
KINDS = ("modal", "reportative", "epistemic", "sourcing", "approximation")
_NUMBER = re.compile(
    r"\s+(?:\S+\s+)?(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|hundreds|thousand|thousands|dozen|dozens|"
    r"million|millions|half)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Marker:
    kind: str
    text: str
    start: int
    end: int

    def as_dict(self, offset: int = 0) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "start": self.start + offset,
            "end": self.end + offset,
        }


@dataclass(frozen=True, slots=True)
class Lexicon:
    pattern: re.Pattern[str]
    kind_of: dict[str, str]
    strength_of: dict[str, str]
    before_number: frozenset[str]
    unnamed_reportative: frozenset[str]


@cache
def lexicon() -> Lexicon:
    """The lexicon, read and checked once per process."""
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    kind_of: dict[str, str] = {}
    strength_of: dict[str, str] = {}
    before_number: set[str] = set()
    for kind, spec in data["kinds"].items():
        if kind not in KINDS or spec["strength"] not in STRENGTHS:
            raise ValueError(f"hedges.json: unknown kind or strength in {kind!r}")
        strength_of[kind] = spec["strength"]
        for marker in spec["markers"]:
            phrase = " ".join(marker.lower().split())
            if phrase in kind_of:
                raise ValueError(f"hedges.json: {phrase!r} is listed twice")
            kind_of[phrase] = kind
            if spec.get("before_number"):
                before_number.add(phrase)
    # Longest first, so "could not be independently verified" wins over "could".
    words = sorted(kind_of, key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)
    return Lexicon(
        pattern=pattern,
        kind_of=kind_of,
        strength_of=strength_of,
        before_number=frozenset(before_number),
        unnamed_reportative=frozenset(data.get("unnamed_reportative", [])),
    )


def find_markers(text: str) -> list[Marker]:
    """The hedge markers in ``text``, in order, with code-point offsets into it."""
    lex = lexicon()
    found: list[Marker] = []
    for match in lex.pattern.finditer(text):
        phrase = " ".join(match.group(0).lower().split())
        if phrase in lex.before_number and not _NUMBER.match(text, match.end()):
            continue
        found.append(Marker(lex.kind_of[phrase], match.group(0), match.start(), match.end()))
    return found


def strength(markers: list[Marker] | list[dict[str, Any]], *, has_speaker: bool) -> str:
    """The claim's strength: the weakest its markers imply, else attributed or asserted."""
    lex = lexicon()
    rank = STRENGTHS.index("attributed" if has_speaker else "asserted")
    for marker in markers:
        kind, text = (
            (marker.kind, marker.text)
            if isinstance(marker, Marker)
            else (marker["kind"], marker["text"])
        )
        implied = lex.strength_of[kind]
        phrase = " ".join(text.lower().split())
        if kind == "reportative" and not has_speaker and phrase in lex.unnamed_reportative:
            implied = "unverified"
        rank = max(rank, STRENGTHS.index(implied))
    return STRENGTHS[rank]


def hedge_dropped(first: str, later: str) -> bool:
    """Whether ``later`` states the claim more firmly than ``first`` did (a dropped hedge)."""
    return STRENGTHS.index(later) < STRENGTHS.index(first)
