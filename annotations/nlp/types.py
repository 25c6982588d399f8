"""Plain results of the NLP pipeline: text in, these dataclasses out.

Nothing here knows about spaCy or Django, so services can store them and tests can compare them
without loading a model. Every offset is a Python ``str`` index (a Unicode code point) into the
text that was analysed, the same unit as ``Mention.start`` in annotations/models/entities.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Origin = Literal["gazetteer", "model"]
#: What the speaker does with the claim: says it is so, says it is false ("denied that ...",
#: "rejected claims that ..."), or would not say ("refused to confirm ...").
Stance = Literal["asserts", "denies", "refuses"]

#: Entity labels kept from spaCy; numbers, dates, money ... are not entities an analyst links.
KEPT_LABELS: frozenset[str] = frozenset({"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "EVENT"})


@dataclass(frozen=True, slots=True)
class MentionData:
    """A span of the text that names an entity, with the key that links it across articles.

    ``label`` is what the span itself is ("Russian" is NORP); ``kind`` is the kind of the
    entity it resolves to (the state Russia is a GPE). They differ only for demonyms.
    ``key`` is ``gaz:<gazetteer id>`` when the gazetteer knows the entity, otherwise
    ``name:<KIND>:<normalised canonical name>``.
    """

    start: int
    end: int
    text: str
    label: str
    origin: Origin
    confidence: float
    key: str
    canonical_name: str
    kind: str
    gazetteer_id: str | None
    wikidata: str | None


@dataclass(frozen=True, slots=True)
class AttributionData:
    """A suggested claim: reported content, who it is attributed to and what it rests on.

    ``speaker`` is the mention at the head of the speaker phrase when there is one (the
    Kirby mention for "White House national security spokesman John Kirby"); the speaker
    span always covers the whole phrase, so unnamed speakers ("Western intelligence
    agencies") are still shown. ``source_*`` is what the sentence says the claim rests on
    ("a declassified US intelligence report", "satellite images released by ...").
    """

    claim_start: int
    claim_end: int
    claim_text: str
    speaker: MentionData | None
    speaker_start: int | None
    speaker_end: int | None
    speaker_text: str | None
    source_start: int | None
    source_end: int | None
    source_text: str | None
    cue: str
    cue_start: int
    cue_end: int
    pattern: str
    confidence: float
    stance: Stance = "asserts"
    #: Why a pronoun or role noun speaker ("he", "the ministry") is who it is:
    #: "'he' -> Jean-Luc Bernard (sentence 3)"; None when the speaker is named.
    speaker_reason: str | None = None
    antecedent_start: int | None = None
    antecedent_end: int | None = None
    antecedent_text: str | None = None
    #: The sentence of the antecedent, counted from 1.
    antecedent_sentence: int | None = None
    #: Who reported the speaker's words in a chain ("X said that Y told Z ..." -> X).
    reporter: MentionData | None = None
    reporter_start: int | None = None
    reporter_end: int | None = None
    reporter_text: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleAnalysis:
    """Everything the pipeline found in one text: mentions sorted by start, never overlapping."""

    mentions: list[MentionData] = field(default_factory=list)
    attributions: list[AttributionData] = field(default_factory=list)
