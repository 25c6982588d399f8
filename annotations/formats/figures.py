"""Figures in the exports.

- JSON Lines: each annotation record carries ``figures``, the figures that annotation states
  (``figure_record`` each: what it counts, its value, its subject, and for a malformed number
  its readings and resolution). The importer reads it as it reads replies: not at all.
- W3C JSON-LD: every figure of the team is an item of the collection after the annotations
  and page notes (``figure_item``): an annotation with motivation ``describing`` whose target
  is the figure's span (TextQuoteSelector with ``exact`` only, and TextPositionSelector), whose
  bodies are the figure in words (text/plain), the figure as a JSON record
  (``application/json``, the same record as in JSON Lines), the claim that states it when the
  export holds that claim, and its subject entity (purpose ``linking``). Importers of the
  collection skip these items (``is_figure_item``).
"""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any

from annotations.formats.jsonld import (
    PURPOSE_LINKING,
    Iris,
    article_source,
    as_list,
)
from annotations.models import Figure
from annotations.nlp.figures import value_words

PURPOSE_DESCRIBING = "describing"


def figure_record(figure: Figure) -> dict[str, Any]:
    """A figure as a flat JSON object (``subject`` loaded)."""
    subject = figure.subject
    return {
        "id": figure.pk,
        "claim": figure.claim_id,
        "start": figure.start,
        "end": figure.end,
        "text": figure.text,
        "kind": figure.kind,
        "unit": figure.unit,
        "low": figure.low,
        "high": figure.high,
        "bound": figure.bound,
        "subject": subject.name if subject else None,
        "subject_wikidata": (subject.wikidata_id or None) if subject else None,
        "flagged": figure.flagged,
        "readings": list(figure.readings),
        "resolved_value": figure.resolved_value,
    }


def figure_words(figure: Figure) -> str:
    """ "troops: at least 8,000 (North Korea)"; "casualties: 315,000 or 31,500? (Russia)"."""
    value = value_words(figure.low, figure.high, figure.bound, figure.readings)
    about = f" ({figure.subject.name})" if figure.subject else ""
    return f"{figure.kind}: {value}{about}"


def figure_item(figure: Figure, *, iris: Iris, exported: Container[int]) -> dict[str, Any]:
    """One figure as an item of the team collection (``article`` and ``subject`` loaded); its
    claim is linked only if that annotation is ``exported``."""
    bodies: list[dict[str, Any]] = [
        {
            "type": "TextualBody",
            "purpose": PURPOSE_DESCRIBING,
            "value": figure_words(figure),
            "format": "text/plain",
        },
        {
            "type": "TextualBody",
            "purpose": PURPOSE_DESCRIBING,
            "value": json.dumps(figure_record(figure), ensure_ascii=False),
            "format": "application/json",
        },
    ]
    if figure.claim_id is not None and figure.claim_id in exported:
        bodies.append(
            {
                "type": "SpecificResource",
                "purpose": PURPOSE_LINKING,
                "source": iris.annotation(figure.claim_id),
            }
        )
    if figure.subject is not None:
        bodies.append(
            {
                "type": "SpecificResource",
                "purpose": PURPOSE_LINKING,
                "source": {"id": iris.entity(figure.subject_id), "name": figure.subject.name},
            }
        )
    return {
        "id": f"{iris.base}/api/figures/{figure.pk}/",
        "type": "Annotation",
        "motivation": PURPOSE_DESCRIBING,
        "body": bodies,
        "target": {
            "source": article_source(figure.article, iris=iris),
            "selector": [
                {"type": "TextQuoteSelector", "exact": figure.text},
                {"type": "TextPositionSelector", "start": figure.start, "end": figure.end},
            ],
        },
    }


def is_figure_item(item: Any) -> bool:
    """Whether a collection item is a figure (``figure_item``): motivated ``describing`` only."""
    if not isinstance(item, dict):
        return False
    return as_list(item.get("motivation")) == [PURPOSE_DESCRIBING]
