"""The Admiralty grade of an annotation in JSON-LD: a schema.org ``Rating`` written as the
annotation's ``schema:contentRating`` (anno.jsonld's "schema" prefix; the W3C schema accepts
``schema:`` properties and the importer ignores them)."""

from __future__ import annotations

from annotations.models.grading import combined_grade


def admiralty_rating(reliability: str, credibility: str) -> dict[str, str] | None:
    """The Admiralty grade (NATO AJP-2.1) as a schema.org Rating: ``ratingValue`` "B2" (a part
    not graded reads as an en dash), or None when neither part is graded. It is written as the
    annotation's ``schema:contentRating`` under anno.jsonld's "schema" prefix."""
    if not reliability and not credibility:
        return None
    return {
        "type": "schema:Rating",
        "schema:name": ADMIRALTY_RATING_NAME,
        "schema:ratingValue": combined_grade(reliability, credibility),
    }


ADMIRALTY_RATING_NAME = "Admiralty grade (NATO AJP-2.1): source reliability, credibility"
