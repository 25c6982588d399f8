"""A claim's cluster and hedges in the exports.

JSON Lines carries them as ``claim`` (``{"cluster", "canonical", "strength", "hedges"}``, or
null). The JSON-LD collection gives each clustered annotation a ``schema:about`` naming a
schema.org ``Claim`` (the cluster, by the IRI of its API resource) with its canonical wording;
the annotation's own hedges and strength ride along under the same prefix. Both are derived:
an import reads them without a word and derives them again.
"""

from __future__ import annotations

from typing import Any

#: The JSON-LD key of a claim annotation's cluster (schema.org terms are allowed extensions of
#: the W3C model; ``schema:`` is the compact prefix the anno.jsonld context defines).
CLAIM_TERM = "schema:about"


def claim_jsonld(claim: dict[str, Any], *, base: str) -> dict[str, Any]:
    return {
        "id": f"{base}/api/claims/{claim['cluster']}/",
        "type": "schema:Claim",
        "schema:text": claim["canonical"],
        "schema:additionalProperty": [
            {
                "type": "schema:PropertyValue",
                "schema:name": "hedgeStrength",
                "schema:value": claim["strength"],
            },
            *(
                {
                    "type": "schema:PropertyValue",
                    "schema:name": f"hedge:{h['kind']}",
                    "schema:value": h["text"],
                    "schema:minValue": h["start"],
                    "schema:maxValue": h["end"],
                }
                for h in claim["hedges"]
            ),
        ],
    }
