"""W3C Web Annotation (JSON-LD) export and import: pure functions, no views.

Export maps an ``Annotation`` to the W3C Web Annotation Data Model
(https://www.w3.org/TR/annotation-model/) as the W3C test suite's MUST assertions accept it:

- target: the article's API IRI with a TextQuoteSelector (exact, prefix, suffix) and a
  TextPositionSelector (start, end); offsets are code points, emitted as stored. The original
  web page, when known, is the target's ``scope``;
- bodies, in this order: one TextualBody per tag (purpose ``tagging``), the comment
  (``commenting``), the assessment (``assessing``; left out while it is "unverified", which
  means nobody assessed it), then the attribution as Specific Resources with purpose
  ``linking`` whose source is the source annotation's IRI, or the entity as an External Web
  Resource carrying its name and Wikidata item. A Specific Resource needs its ``purpose``: one
  with only ``source`` is not recognised as a body by the W3C schemas;
- motivation: ``highlighting`` without bodies, else the purposes of the bodies in order.

A property with one value (one body, one motivation) holds the value itself, not a list of one.

Visibility, review state and the other workflow fields have no W3C term and are not exported.

Import (``jsonld_to_fields``) reads one annotation in that shape back into the keyword
arguments of ``annotation_create``. It trusts nothing: every problem is a ValidationError naming
the key (``target``, ``target.selector``, ``body`` ...), never a KeyError or TypeError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from annotations.models import Annotation, Article, Entity, Tag, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

# The API key for an error that concerns the whole document (as in annotations.api.errors).
NON_FIELD = "non_field_errors"

IriKind = Literal["annotation", "article", "entity", "user"]
_PLURAL: dict[str, str] = {
    "annotation": "annotations",
    "article": "articles",
    "entity": "entities",
    "user": "users",
}
# No leading zeros (one spelling per IRI), and at most 18 digits: that stays inside a signed
# 64-bit integer, where a longer key would make the database driver raise OverflowError.
_PK = r"([1-9][0-9]{0,17})"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")

PURPOSE_TAGGING = "tagging"
PURPOSE_COMMENTING = "commenting"
PURPOSE_ASSESSING = "assessing"
PURPOSE_LINKING = "linking"
PURPOSES = (PURPOSE_TAGGING, PURPOSE_COMMENTING, PURPOSE_ASSESSING, PURPOSE_LINKING)


class Iris:
    """Absolute IRIs of our resources, from a base such as ``https://newsnotes.example.org``."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self._patterns = {
            kind: re.compile(rf"{re.escape(self.base)}/api/{plural}/{_PK}/")
            for kind, plural in _PLURAL.items()
        }

    def _iri(self, kind: str, pk: object) -> str:
        return f"{self.base}/api/{_PLURAL[kind]}/{pk}/"

    def annotation(self, pk: object) -> str:
        return self._iri("annotation", pk)

    def article(self, pk: object) -> str:
        return self._iri("article", pk)

    def entity(self, pk: object) -> str:
        return self._iri("entity", pk)

    def user(self, pk: object) -> str:
        return self._iri("user", pk)

    def collection(self, article_pk: object) -> str:
        return f"{self.base}/api/articles/{article_pk}/annotations.jsonld"

    def parse(self, iri: object, kind: IriKind) -> int | None:
        """The primary key if ``iri`` is one of ours of that kind, else None."""
        pattern = self._patterns.get(kind)
        if pattern is None or not isinstance(iri, str):
            return None
        match = pattern.fullmatch(iri)
        return int(match.group(1)) if match else None


# --- export -------------------------------------------------------------------------------------


def with_jsonld_relations(queryset: QuerySet[Annotation]) -> QuerySet[Annotation]:
    """What the export reads, fetched up front: exporting then makes no further queries."""
    return queryset.select_related("article", "author", "attributed_to_entity").prefetch_related(
        "tags"
    )


def _datetime(value: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _bodies(annotation: Annotation, iris: Iris) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": PURPOSE_TAGGING, "value": tag.name}
        for tag in annotation.tags.all()
    ]
    if annotation.comment:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": PURPOSE_COMMENTING,
                "value": annotation.comment,
                "format": "text/plain",
            }
        )
    if annotation.assessment != Annotation.Assessment.UNVERIFIED:
        bodies.append(
            {"type": "TextualBody", "purpose": PURPOSE_ASSESSING, "value": annotation.assessment}
        )
    if annotation.attributed_to_id is not None:
        bodies.append(
            {
                "type": "SpecificResource",
                "purpose": PURPOSE_LINKING,
                "source": iris.annotation(annotation.attributed_to_id),
            }
        )
    entity = annotation.attributed_to_entity
    if entity is not None:
        source: dict[str, Any] = {"id": iris.entity(entity.pk), "name": entity.name}
        if entity.wikidata_id:
            # schema:sameAs ("a page that unambiguously indicates the item's identity") is a
            # compact IRI under anno.jsonld's "schema" prefix; {"id": ...} makes it an IRI.
            source["schema:sameAs"] = {"id": WIKIDATA_ENTITY + entity.wikidata_id}
        bodies.append({"type": "SpecificResource", "purpose": PURPOSE_LINKING, "source": source})
    return bodies


def _motivation(bodies: Sequence[dict[str, Any]]) -> str | list[str]:
    purposes = list(dict.fromkeys(body["purpose"] for body in bodies))
    if not purposes:
        return "highlighting"
    return purposes[0] if len(purposes) == 1 else purposes


def _one_or_list(bodies: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    # One value is written as itself, never as a one-item list: the compacted JSON-LD form,
    # and the W3C test suite's checker refuses a one-item list of bodies.
    return bodies[0] if len(bodies) == 1 else bodies


def _annotation(
    annotation: Annotation, *, iris: Iris, with_context: bool, article: Article
) -> dict[str, Any]:
    target: dict[str, Any] = {
        "source": iris.article(article.pk),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": annotation.exact,
                "prefix": annotation.prefix,
                "suffix": annotation.suffix,
            },
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
        ],
    }
    if article.url and _SCHEME.match(article.url):
        target["scope"] = article.url
    bodies = _bodies(annotation, iris)
    data: dict[str, Any] = {}
    if with_context:
        data["@context"] = ANNO_CONTEXT
    data.update(
        {
            "id": iris.annotation(annotation.pk),
            "type": "Annotation",
            "motivation": _motivation(bodies),
            "created": _datetime(annotation.created_at),
            "modified": _datetime(annotation.modified_at),
            "creator": {
                "id": iris.user(annotation.author_id),
                "type": "Person",
                "nickname": annotation.author.get_username(),
            },
        }
    )
    if bodies:
        data["body"] = _one_or_list(bodies)
    data["target"] = target
    return data


def annotation_to_jsonld(
    annotation: Annotation, *, iris: Iris, with_context: bool = True
) -> dict[str, Any]:
    """One annotation as a W3C Web Annotation (a JSON-ready dict)."""
    return _annotation(annotation, iris=iris, with_context=with_context, article=annotation.article)


def collection_to_jsonld(
    article: Article, annotations: Sequence[Annotation], *, iris: Iris
) -> dict[str, Any]:
    """An article's annotations, in the order given, as an AnnotationCollection with one page.

    An empty collection has no ``first`` page, as the Web Annotation Protocol asks.
    """
    for annotation in annotations:
        if annotation.article_id != article.pk:
            raise ValueError(f"annotation {annotation.pk} is not on article {article.pk}")
    collection_id = iris.collection(article.pk)
    data: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": article.title,
        "total": len(annotations),
    }
    if annotations:
        data["first"] = {
            "id": f"{collection_id}?page=1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [
                _annotation(a, iris=iris, with_context=False, article=article) for a in annotations
            ],
        }
    return data


# An ``audience`` (schema:audience) of the author alone marks a private annotation in the team
# collection below; W3C has no term for visibility, and schema.org's Audience is what the model
# suggests for "whom the annotation is intended for".
AUDIENCE_PRIVATE: dict[str, str] = {"type": "schema:Audience", "schema:audienceType": "private"}


def team_collection_to_jsonld(
    team: Team, annotations: Sequence[Annotation], *, iris: Iris
) -> dict[str, Any]:
    """All the given annotations of a team, of every article, as one AnnotationCollection with
    one page: the team export, which another team holding the same articles can import.

    Three things differ from an article's collection, because ids do not travel between teams:
    each target's source is an object naming the article also by its text (``schema:sha256``
    of the text, ``schema:name`` its title); a private annotation carries ``audience``
    ``AUDIENCE_PRIVATE``; and a link to a source annotation that is not in the collection (a
    teammate's private note) is left out, with the motivation following the remaining bodies.
    Each annotation needs ``article`` loaded (its text is not read).
    """
    exported = {annotation.pk for annotation in annotations}
    collection_id = f"{iris.base}/api/teams/{team.pk}/export/?format=jsonld"
    items = []
    for annotation in annotations:
        article = annotation.article
        item = _annotation(annotation, iris=iris, with_context=False, article=article)
        source: dict[str, Any] = {
            "id": item["target"]["source"],
            "type": "Text",
            "format": "text/plain",
        }
        if article.language:
            source["language"] = article.language
        source["schema:name"] = article.title
        source["schema:sha256"] = article.text_sha256
        item["target"]["source"] = source
        if annotation.attributed_to_id is not None and annotation.attributed_to_id not in exported:
            hidden = iris.annotation(annotation.attributed_to_id)
            bodies = [b for b in _as_list(item.get("body", [])) if b.get("source") != hidden]
            target = item.pop("target")
            item.pop("body", None)
            item["motivation"] = _motivation(bodies)
            if bodies:
                item["body"] = _one_or_list(bodies)
            item["target"] = target  # last, as in every other annotation
        if annotation.visibility == Annotation.Visibility.PRIVATE:
            item["audience"] = dict(AUDIENCE_PRIVATE)
        items.append(item)
    data: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": team.name,
        "total": len(items),
    }
    if items:
        data["first"] = {
            "id": f"{collection_id}&page=1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        }
    return data


# --- import -------------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
    for selector in _as_list(raw):
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
    if not (_whole(start) and _whole(end)):
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
    body: dict[str, Any], *, article: Article, iris: Iris, user: AbstractBaseUser | None
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
    data: Any, *, article: Article, iris: Iris, user: AbstractBaseUser | None = None
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
    bodies = [] if raw_bodies is None else _as_list(raw_bodies)
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
