"""Page notes in W3C JSON-LD: an annotation whose target is the whole article, with no
selector, and whose one body is the note as a commenting TextualBody in Markdown. The target is
the article itself (an External Web Resource: its IRI, title and text hash), or, when the
article has a URL, a SpecificResource of it scoped to that URL (a SpecificResource needs a
scope, purpose or selector beside its source). The team collection carries them after the
annotations; the JSON-LD import reads them back as page notes."""

from __future__ import annotations

from typing import Any

from annotations.formats.jsonld import (
    AUDIENCE_PRIVATE,
    PURPOSE_COMMENTING,
    Iris,
    _datetime,
    article_source,
    as_list,
    purpose_of,
)
from annotations.models import ArticleNote

MARKDOWN = "text/markdown"


def note_item(note: ArticleNote, *, iris: Iris) -> dict[str, Any]:
    """One page note as an item of the team collection (``article`` and ``author`` loaded)."""
    article = note.article
    source = article_source(article, iris=iris)
    target = {"source": source, "scope": article.url} if article.url else source
    item: dict[str, Any] = {
        "id": iris.note(note.pk),
        "type": "Annotation",
        "motivation": PURPOSE_COMMENTING,
        "created": _datetime(note.created_at),
        "modified": _datetime(note.modified_at),
        "creator": {
            "id": iris.user(note.author_id),
            "type": "Person",
            "nickname": note.author.get_username(),
        },
        "body": {
            "type": "TextualBody",
            "purpose": PURPOSE_COMMENTING,
            "value": note.text,
            "format": MARKDOWN,
        },
        "target": target,
    }
    if note.visibility == ArticleNote.Visibility.PRIVATE:
        item["audience"] = dict(AUDIENCE_PRIVATE)
        item["target"] = item.pop("target")  # the target last, as in every other item
    return item


def whole_target(data: Any) -> dict[str, Any] | None:
    """The target of a JSON-LD item that targets a whole article, as {"source": ..., "scope":
    ...}; None for any other item (one with a selector, or not an object)."""
    if not isinstance(data, dict):
        return None
    target = data.get("target")
    if isinstance(target, list) and len(target) == 1:
        target = target[0]
    if not isinstance(target, dict) or "selector" in target:
        return None
    if "source" in target:
        return target
    return {"source": target} if "schema:sha256" in target else None


def note_text(data: dict[str, Any]) -> str:
    """The text of a page note item: its commenting bodies, in order."""
    texts = [
        body.get("value")
        for body in as_list(data.get("body", []))
        if isinstance(body, dict) and purpose_of(body) == PURPOSE_COMMENTING
    ]
    return "\n\n".join(t for t in texts if isinstance(t, str) and t.strip())
