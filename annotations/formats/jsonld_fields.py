"""Reading one W3C Web Annotation (JSON-LD) back: ``jsonld_to_fields``, beside ``jsonld.py``.

It reads one annotation in the shape ``jsonld.py`` writes into the keyword arguments of
``annotation_create``. It trusts nothing: every problem is a ValidationError naming the key
(``target``, ``target.selector``, ``body`` ...), never a KeyError or TypeError. It reads the
database (the team's tags, the linked annotation or entity) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from annotations.formats.jsonld import (
    ANNO_CONTEXT,
    NON_FIELD,
    PURPOSE_ASSESSING,
    PURPOSE_COMMENTING,
    PURPOSE_TAGGING,
    PURPOSES,
    Iris,
    as_list,
)
from annotations.models import Annotation, Article, Entity, Tag

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _has_type(value: Any, name: str) -> bool:
    return value == name or (isinstance(value, list) and name in value)


def _check_envelope(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _invalid(NON_FIELD, "Send one annotation as a JSON object.")
    if "@context" in data and not _has_type(data["@context"], ANNO_CONTEXT):
        raise _invalid("@context", f"Must be {ANNO_CONTEXT!r}, or leave it out.")
    if not _has_type(data.get("type"), "Annotation"):
        raise _invalid("type", "Must be 'Annotation'.")
    return data


def _target(data: dict[str, Any], *, article: Article, iris: Iris) -> dict[str, Any]:
    target = data.get("target")
    if isinstance(target, list):
        if len(target) != 1:
            raise _invalid("target", "Give exactly one target: the article.")
        target = target[0]
    if isinstance(target, str):
        raise _invalid(
            "target",
            "A bare IRI has no position; give an object with source and selector "
            "(TextQuoteSelector and/or TextPositionSelector).",
        )
    if not isinstance(target, dict):
        raise _invalid("target", "Must be an object with source and selector.")
    source = target.get("source")
    if isinstance(source, dict):
        source = source.get("id")
    if iris.parse(source, "article") != article.pk:
        raise _invalid("target", f"The source must be this article, {iris.article(article.pk)}.")
    return target


def _selectors(target: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The TextPositionSelector and the TextQuoteSelector of the target (each may be None)."""
    raw = target.get("selector")
    if raw is None:
        raise _invalid("target.selector", "Give a TextQuoteSelector and/or a TextPositionSelector.")
    found: dict[str, dict[str, Any]] = {}
    for selector in as_list(raw):
        if not isinstance(selector, dict):
            raise _invalid("target.selector", "Each selector must be an object.")
        kind = selector.get("type")
        if not isinstance(kind, str):
            raise _invalid("target.selector", "Each selector needs a type.")
        if kind not in ("TextPositionSelector", "TextQuoteSelector"):
            # Selectors of a target are alternatives: ignore kinds we do not read.
            continue
        if kind in found:
            raise _invalid("target.selector", f"More than one {kind}.")
        if "refinedBy" in selector:
            raise _invalid("target.selector", "refinedBy is not supported.")
        found[kind] = selector
    return found.get("TextPositionSelector"), found.get("TextQuoteSelector")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _position(selector: dict[str, Any], text: str) -> tuple[int, int]:
    start, end = selector.get("start"), selector.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and _whole(start) and _whole(end)):
        raise _invalid(
            "target.selector",
            "TextPositionSelector start and end must be whole numbers (code points).",
        )
    if not 0 <= start < end <= len(text):
        raise _invalid(
            "target.selector",
            f"TextPositionSelector needs 0 <= start < end <= {len(text)} (the text's length "
            f"in code points); got {start}-{end}.",
        )
    return start, end


def _quote(selector: dict[str, Any]) -> tuple[str, str, str]:
    exact, prefix, suffix = (selector.get(k, "") for k in ("exact", "prefix", "suffix"))
    if not isinstance(exact, str) or not exact:
        raise _invalid("target.selector", "TextQuoteSelector exact must be non-empty text.")
    if not isinstance(prefix, str) or not isinstance(suffix, str):
        raise _invalid("target.selector", "TextQuoteSelector prefix and suffix must be text.")
    return exact, prefix, suffix


def _locate(text: str, exact: str, prefix: str, suffix: str) -> tuple[int, int]:
    """Where prefix + exact + suffix stands in the text: it must stand there exactly once."""
    needle = prefix + exact + suffix
    first = text.find(needle)
    if first == -1:
        raise _invalid(
            "target.selector", "The quote (with its prefix and suffix) is not in the text."
        )
    if text.find(needle, first + 1) != -1:
        raise _invalid(
            "target.selector",
            "The quote stands more than once in the text; give a longer prefix or suffix, "
            "or a TextPositionSelector.",
        )
    start = first + len(prefix)
    return start, start + len(exact)


def _span(target: dict[str, Any], text: str) -> tuple[int, int, str | None]:
    position, quote = _selectors(target)
    if quote is None:
        if position is None:
            raise _invalid(
                "target.selector", "Give a TextQuoteSelector and/or a TextPositionSelector."
            )
        start, end = _position(position, text)
        return start, end, None
    exact, prefix, suffix = _quote(quote)
    if position is None:
        start, end = _locate(text, exact, prefix, suffix)
        return start, end, exact
    start, end = _position(position, text)
    # Both given: they must describe the same span, context included, or the position is
    # probably into another version of the text.
    if (
        text[start:end] != exact
        or not text[:start].endswith(prefix)
        or not text[end:].startswith(suffix)
    ):
        raise _invalid(
            "target.selector",
            f"The TextQuoteSelector does not match the text at {start}-{end}, which reads "
            f"{text[start:end][:80]!r}.",
        )
    return start, end, exact


def _purpose(body: dict[str, Any]) -> str:
    purpose = body.get("purpose")
    if isinstance(purpose, list) and len(purpose) == 1:
        purpose = purpose[0]
    if not isinstance(purpose, str) or purpose not in PURPOSES:
        raise _invalid(
            "body",
            f"Each body needs one purpose of {', '.join(PURPOSES)}; got {purpose!r}.",
        )
    return purpose


def _text_value(body: dict[str, Any], purpose: str) -> str:
    if "type" in body and not _has_type(body["type"], "TextualBody"):
        raise _invalid("body", f"A {purpose} body must be a TextualBody.")
    value = body.get("value")
    if not isinstance(value, str):
        raise _invalid("body", f"A {purpose} body needs a text value.")
    return value


def _find_tag(tags: Iterable[Tag], value: str) -> Tag:
    tags = list(tags)
    for matches in (
        [t for t in tags if t.name == value],
        [t for t in tags if t.name.casefold() == value.casefold()],
        [t for t in tags if t.slug == value],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise _invalid("body", f"The tag {value!r} is ambiguous.")
    raise _invalid("body", f"unknown tag {value!r}")


def _linked(
    body: dict[str, Any], *, article: Article, iris: Iris, user: User | None
) -> Annotation | Entity:
    if "type" in body and not _has_type(body["type"], "SpecificResource"):
        raise _invalid("body", "A linking body must be a SpecificResource.")
    source = body.get("source")
    if isinstance(source, dict):
        source = source.get("id")
    annotation_pk = iris.parse(source, "annotation")
    if annotation_pk is not None:
        annotations = (
            Annotation.objects.visible_to(user) if user is not None else Annotation.objects.all()
        )
        found = annotations.filter(team_id=article.team_id, pk=annotation_pk).first()
        if found is None:
            raise _invalid("body", f"No such annotation: {source}")
        return found
    entity_pk = iris.parse(source, "entity")
    if entity_pk is not None:
        entity = Entity.objects.filter(team_id=article.team_id, pk=entity_pk).first()
        if entity is None:
            raise _invalid("body", f"No such entity: {source}")
        return entity
    raise _invalid("body", "A linking body's source must be the IRI of an annotation or an entity.")


def jsonld_to_fields(
    data: Any, *, article: Article, iris: Iris, user: User | None = None
) -> dict[str, Any]:
    """The ``annotation_create`` keyword arguments (without article and author) for ``data``.

    ``id``, ``created``, ``modified``, ``creator`` and ``motivation`` are ignored: the
    importer becomes the author, and the motivation follows from the bodies. A linked
    annotation is looked up in the article's team; give ``user`` to look only among the
    annotations that user may see (others' private notes then read as "no such annotation").
    Raises ValidationError naming the key at fault.
    """
    data = _check_envelope(data)
    target = _target(data, article=article, iris=iris)
    start, end, exact = _span(target, article.text)

    if "body" in data and "bodyValue" in data:
        raise _invalid("bodyValue", "Give body or bodyValue, not both.")
    fields: dict[str, Any] = {
        "start": start,
        "end": end,
        "exact": exact,
        "tags": [],
        "comment": "",
        "assessment": Annotation.Assessment.UNVERIFIED.value,
        "attributed_to": None,
        "attributed_to_entity": None,
    }
    if "bodyValue" in data:
        # bodyValue is the W3C shorthand for a plain-text TextualBody: our comment.
        if not isinstance(data["bodyValue"], str):
            raise _invalid("bodyValue", "Must be text.")
        fields["comment"] = data["bodyValue"]
        return fields

    raw_bodies = data.get("body")
    bodies = [] if raw_bodies is None else as_list(raw_bodies)
    seen: set[str] = set()
    team_tags: list[Tag] | None = None
    for body in bodies:
        if not isinstance(body, dict):
            raise _invalid("body", "Each body must be an object with a purpose.")
        purpose = _purpose(body)
        if purpose == PURPOSE_TAGGING:
            if team_tags is None:
                team_tags = list(Tag.objects.filter(team_id=article.team_id))
            tag = _find_tag(team_tags, _text_value(body, purpose))
            if tag not in fields["tags"]:
                fields["tags"].append(tag)
            continue
        value: Any
        if purpose == PURPOSE_COMMENTING:
            field, value = "comment", _text_value(body, purpose)
            if body.get("format", "text/plain") != "text/plain":
                raise _invalid("body", "A comment must be text/plain.")
        elif purpose == PURPOSE_ASSESSING:
            field, value = "assessment", _text_value(body, purpose)
            if value not in Annotation.Assessment.values:
                raise _invalid(
                    "body",
                    f"The assessment {value!r} is not one of "
                    f"{', '.join(Annotation.Assessment.values)}.",
                )
        else:
            value = _linked(body, article=article, iris=iris, user=user)
            field = "attributed_to" if isinstance(value, Annotation) else "attributed_to_entity"
        if field in seen:
            raise _invalid("body", f"More than one body for the {field.replace('_', ' ')}.")
        seen.add(field)
        fields[field] = value
    return fields
