"""What a model suggestion records about itself (``Annotation.suggestion_details``).

The analyst sees why the model chose its speaker, who reported the words in a chain, and
whether the speaker asserts, denies or would not say the claim. Offsets are code points into
the article text the suggestion was made on (its ``article_revision``).
"""

from __future__ import annotations

from typing import Any

from annotations.nlp.types import AttributionData

#: The keys of the stored object; docs/nlp.md describes each.
DETAIL_KEYS = ("stance", "cue", "pattern", "confidence", "speaker", "speaker_reason")


def _span(text: str | None, start: int | None, end: int | None) -> dict[str, Any] | None:
    if text is None or start is None or end is None:
        return None
    return {"text": text, "start": start, "end": end}


def suggestion_details(attribution: AttributionData, entity_ids: dict[str, int]) -> dict[str, Any]:
    """The JSON object stored with a suggested claim; ``entity_ids`` maps mention keys to
    the team's entity ids."""
    a = attribution
    details: dict[str, Any] = {
        "stance": a.stance,
        "cue": a.cue,
        "pattern": a.pattern,
        "confidence": a.confidence,
        "speaker": _span(a.speaker_text, a.speaker_start, a.speaker_end),
        "speaker_reason": a.speaker_reason,
        "antecedent": None,
        "reporter": None,
    }
    antecedent = _span(a.antecedent_text, a.antecedent_start, a.antecedent_end)
    if antecedent is not None:
        details["antecedent"] = {**antecedent, "sentence": a.antecedent_sentence}
    reporter = _span(a.reporter_text, a.reporter_start, a.reporter_end)
    if reporter is not None:
        entity = entity_ids.get(a.reporter.key) if a.reporter is not None else None
        details["reporter"] = {**reporter, "entity": entity}
    return details
