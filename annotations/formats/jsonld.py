"""W3C Web Annotation (JSON-LD): the team export, the API's JSON-LD, and reading a document.

Writing maps an ``Annotation`` to the W3C Web Annotation Data Model
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

The team export (format ``jsonld``) is one AnnotationCollection of the whole team
(``team_collection_to_jsonld``): each target's source also names the article by its text's
``schema:sha256`` and its title, and a private annotation carries an ``audience``. The API
serves one annotation (``annotation_to_jsonld``) and an article's collection
(``collection_to_jsonld``). In the team collection each annotation is followed by its
discussion and review (``discussion_items``): replies as annotations with motivation
``replying`` and verdicts with their notes as ``assessing``, each targeting the annotation (a
reply to a reply targets that reply) by IRI, as the W3C model's example of a reply does. The
collection's ``total`` counts them.

Reading: ``read_jsonld`` takes a file to the items of its collection, page or single
annotation (a ValidationError naming ``file`` if it cannot); ``jsonld_fields.py`` reads one
annotation back into the keyword arguments of ``annotation_create``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any, Literal

from django.db.models import QuerySet
from django.utils import timezone

from annotations.formats.files import file_error, text_pieces
from annotations.formats.jsonld_grading import admiralty_rating
from annotations.formats.jsonstream import JsonError, JsonReader
from annotations.formats.records import WIKIDATA_ID
from annotations.models import Annotation, Article, Team

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

# The API key for an error that concerns the whole document (as in annotations.api.errors).
NON_FIELD = "non_field_errors"

IriKind = Literal["annotation", "article", "entity", "note", "user", "reply", "review"]
_PLURAL: dict[str, str] = {
    "annotation": "annotations",
    "article": "articles",
    "entity": "entities",
    "note": "notes",
    "user": "users",
    "reply": "replies",
    "review": "reviews",
}
# No leading zeros (one spelling per IRI), and at most 18 digits: that stays inside a signed
# 64-bit integer, where a longer key would make the database driver raise OverflowError.
_PK = r"([1-9][0-9]{0,17})"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")

PURPOSE_TAGGING = "tagging"
PURPOSE_COMMENTING = "commenting"
PURPOSE_ASSESSING = "assessing"
PURPOSE_LINKING = "linking"
PURPOSE_REPLYING = "replying"
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

    def reply(self, pk: object) -> str:
        return self._iri("reply", pk)

    def review(self, pk: object) -> str:
        return self._iri("review", pk)

    def note(self, pk: object) -> str:
        return self._iri("note", pk)

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


def as_list(value: Any) -> list[Any]:
    """A JSON-LD property's values: a single value, or the items of a list."""
    return value if isinstance(value, list) else [value]


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


def article_source(article: Article, *, iris: Iris) -> dict[str, Any]:
    """An article as a target's source in the team collection: its IRI, and its title and
    text hash, by which another team holding the same article finds it."""
    source: dict[str, Any] = {
        "id": iris.article(article.pk),
        "type": "Text",
        "format": "text/plain",
    }
    if article.language:
        source["language"] = article.language
    source["schema:name"] = article.title
    source["schema:sha256"] = article.text_sha256
    return source


def team_collection_item(
    annotation: Annotation, *, iris: Iris, exported: Container[int], reliability: str = ""
) -> dict[str, Any]:
    """One annotation as an item of the team collection (``team_collection_to_jsonld``), its
    link to a source annotation kept only if that one is ``exported``; ``reliability`` is the
    team's current grade of its source (with its credibility: ``schema:contentRating``)."""
    article = annotation.article
    item = _annotation(annotation, iris=iris, with_context=False, article=article)
    rating = admiralty_rating(reliability, annotation.credibility)
    if rating is not None:
        target = item.pop("target")
        item["schema:contentRating"] = rating
        item["target"] = target  # last, as in every other annotation
    item["target"]["source"] = article_source(article, iris=iris)
    if annotation.attributed_to_id is not None and annotation.attributed_to_id not in exported:
        hidden = iris.annotation(annotation.attributed_to_id)
        bodies = [b for b in as_list(item.get("body", [])) if b.get("source") != hidden]
        target = item.pop("target")
        item.pop("body", None)
        item["motivation"] = _motivation(bodies)
        if bodies:
            item["body"] = _one_or_list(bodies)
        item["target"] = target  # last, as in every other annotation
    if annotation.visibility == Annotation.Visibility.PRIVATE:
        item["audience"] = dict(AUDIENCE_PRIVATE)
    return item


def _person(user: Any, iris: Iris) -> dict[str, Any]:
    return {"id": iris.user(user.pk), "type": "Person", "nickname": user.get_username()}


def discussion_items(annotation: Annotation, *, iris: Iris) -> list[dict[str, Any]]:
    """The annotation's discussion and review as W3C annotations that follow it in the team
    collection: each reply an annotation with motivation ``replying`` whose target is the
    annotation (or the reply it answers) and whose body is its text; each verdict one with
    motivation ``assessing``, its verdict a body with purpose ``assessing`` and its note one
    with purpose ``commenting``. The annotation needs ``replies`` and ``reviews`` loaded with
    their authors, oldest first. Importers of the collection skip these items."""
    items: list[dict[str, Any]] = []
    for reply in annotation.replies.all():
        target = iris.reply(reply.parent_id) if reply.parent_id else iris.annotation(annotation.pk)
        items.append(
            {
                "id": iris.reply(reply.pk),
                "type": "Annotation",
                "motivation": PURPOSE_REPLYING,
                "created": _datetime(reply.created_at),
                "modified": _datetime(reply.modified_at),
                "creator": _person(reply.author, iris),
                "body": {
                    "type": "TextualBody",
                    "purpose": PURPOSE_REPLYING,
                    "value": reply.text,
                    "format": "text/plain",
                },
                "target": target,
            }
        )
    for review in annotation.reviews.all():
        bodies: list[dict[str, Any]] = [
            {"type": "TextualBody", "purpose": PURPOSE_ASSESSING, "value": review.verdict}
        ]
        if review.note:
            bodies.append(
                {
                    "type": "TextualBody",
                    "purpose": PURPOSE_COMMENTING,
                    "value": review.note,
                    "format": "text/plain",
                }
            )
        items.append(
            {
                "id": iris.review(review.pk),
                "type": "Annotation",
                "motivation": PURPOSE_ASSESSING,
                "created": _datetime(review.created_at),
                "creator": _person(review.reviewer, iris),
                "body": _one_or_list(bodies),
                "target": iris.annotation(annotation.pk),
            }
        )
    return items


def is_discussion_item(item: Any) -> bool:
    """Whether a collection item is a reply or a verdict (``discussion_items``): motivated
    ``replying`` or ``assessing``, aimed at another annotation by its IRI, with no text
    selector."""
    if not isinstance(item, dict):
        return False
    motivations = {m for m in as_list(item.get("motivation")) if isinstance(m, str)}
    targets = as_list(item.get("target"))
    return (
        bool(motivations & {PURPOSE_REPLYING, PURPOSE_ASSESSING})
        and motivations <= {PURPOSE_REPLYING, PURPOSE_ASSESSING, PURPOSE_COMMENTING}
        and all(isinstance(target, str) for target in targets)
    )


def _team_collection(team: Team, items: list[Any], *, total: int, iris: Iris) -> dict[str, Any]:
    collection_id = f"{iris.base}/api/teams/{team.pk}/export/?format=jsonld"
    data: dict[str, Any] = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": team.name,
        "total": total,
    }
    if total:
        data["first"] = {
            "id": f"{collection_id}&page=1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        }
    return data


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
    Each annotation needs ``article`` loaded (its text is not read). ``team_collection_lines``
    writes the same document an item at a time.
    """
    exported = {annotation.pk for annotation in annotations}
    items = [
        item
        for a in annotations
        for item in (
            team_collection_item(a, iris=iris, exported=exported),
            *discussion_items(a, iris=iris),
        )
    ]
    return _team_collection(team, items, total=len(items), iris=iris)


def write_jsonld(document: dict[str, Any], out: IO[str]) -> None:
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


# Where the total and the items go in the document written around them: the total after its
# key (no string of the document can hold an unescaped quote), the items on a line of their
# own, three levels deep (collection, first page, items), where nothing else can stand.
_TOTAL_HERE = -7_305_911_442
_ITEMS_HERE = "\n      " + json.dumps("@items@")
_ITEM_INDENT = "\n      "


def team_collection_lines(
    team: Team,
    items: Iterable[dict[str, Any]],
    *,
    total: int | Callable[[], int],
    iris: Iris,
) -> Iterator[str]:
    """The team collection of ``total`` items (``team_collection_item``), written as they come,
    byte for byte as ``write_jsonld(team_collection_to_jsonld(...))`` writes it at once. A
    ``total`` to count is counted once the document's start has been handed on."""

    def text(count: int, page: list[Any]) -> str:
        document = _team_collection(team, page, total=count, iris=iris)
        return json.dumps(document, ensure_ascii=False, indent=2)

    total_key = f'"total": {_TOTAL_HERE}'
    start, _, _ = text(_TOTAL_HERE, []).partition(total_key)
    yield start + '"total": '
    count = total() if callable(total) else total
    if not count:
        yield "0" + text(0, []).partition('"total": 0')[2] + "\n"
        return
    head, _, tail = text(count, ["@items@"]).partition(_ITEMS_HERE)
    yield f"{count}" + head.partition(f'"total": {count}')[2]
    for number, item in enumerate(items):
        dumped = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", _ITEM_INDENT)
        yield ("," if number else "") + _ITEM_INDENT + dumped
    yield tail + "\n"


# --- reading a document ---------------------------------------------------------------------


_NOT_W3C = "Give a W3C AnnotationCollection, AnnotationPage or Annotation (its type says which)."


def _kinds(document: dict[str, Any]) -> list[Any]:
    kind = document.get("type")
    return kind if isinstance(kind, list) else [kind]


def _array(reader: JsonReader) -> Iterator[Any]:
    for _ in reader.elements():
        yield reader.value()


def _walk(reader: JsonReader) -> Iterator[Any]:
    """The items of the document, yielded as they are read: a collection's first page's items,
    a page's items or the elements of a list. The document's other members are small and read
    whole; whether the items read were the right ones is checked at the end, once the type
    is known (a type given first decides at once)."""
    if reader.peek() == "[":
        yield from _array(reader)
        reader.end()
        return
    if reader.peek() != "{":
        reader.value()
        reader.end()
        raise file_error("Give a W3C AnnotationCollection, AnnotationPage or Annotation.")
    top: dict[str, Any] = {}
    streamed = ""  # where the items were read from: "first" (a collection) or "page"
    for key in reader.members():
        kinds = _kinds(top) if "type" in top else None
        collection = kinds is None or "AnnotationCollection" in kinds
        page = kinds is None or "AnnotationPage" in kinds
        if key == "first" and collection and not streamed and reader.peek() == "{":
            first: dict[str, Any] = {}
            for inner in reader.members():
                if inner == "items" and not streamed and reader.peek() == "[":
                    streamed = first["items"] = "first"
                    yield from _array(reader)
                else:
                    first[inner] = reader.value()
            top[key] = first
        elif key == "items" and page and not streamed and reader.peek() == "[":
            streamed = top[key] = "page"
            yield from _array(reader)
        else:
            top[key] = reader.value()
    reader.end()
    kinds = _kinds(top)
    if "AnnotationCollection" in kinds and streamed != "page":
        page_one = top.get("first")
        if page_one is None:
            return
        if not isinstance(page_one, dict):
            raise file_error("The collection's first page must be embedded (an object with items).")
        if page_one.get("next"):
            raise file_error("The collection has more than one page; give one page.")
        if streamed != "first":
            raise file_error("The annotation page needs a list of items.")
    elif "AnnotationPage" in kinds and streamed != "first":
        if streamed != "page":
            raise file_error("The annotation page needs a list of items.")
    elif "Annotation" in kinds and not streamed:
        yield top
    else:
        raise file_error(_NOT_W3C)


def read_jsonld(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The items of a W3C AnnotationCollection (of one embedded page), an AnnotationPage, a
    single Annotation or a list of them, unchecked, one at a time as the file is read in
    chunks (``files.file_chunks``); a ValidationError naming ``file`` if the file is not one
    of those, which may come after some items (an import then writes nothing)."""
    reader = JsonReader(text_pieces(chunks))
    try:
        yield from _walk(reader)
    except JsonError as exc:
        raise file_error(
            f"Malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise file_error("The JSON is nested too deeply.") from None
    except ValueError:  # an integer longer than int() converts
        raise file_error(
            f"The JSON has a number of more than {sys.get_int_max_str_digits()} digits."
        ) from None


def wikidata_of(same_as: Any) -> str:
    """The Wikidata id (Q42) among an entity's ``schema:sameAs`` values, else ""."""
    for value in same_as if isinstance(same_as, list) else [same_as]:
        iri = value.get("id") if isinstance(value, dict) else value
        if isinstance(iri, str) and iri.startswith(WIKIDATA_ENTITY):
            qid = iri.removeprefix(WIKIDATA_ENTITY)
            if WIKIDATA_ID.fullmatch(qid):
                return qid
    return ""


def is_private(audience: Any) -> bool:
    """Whether an annotation's ``audience`` marks it private (``AUDIENCE_PRIVATE``)."""
    for value in audience if isinstance(audience, list) else [audience]:
        if (
            isinstance(value, dict)
            and value.get("schema:audienceType") == AUDIENCE_PRIVATE["schema:audienceType"]
        ):
            return True
    return False


def purpose_of(body: Any) -> Any:
    """A body's purpose, a one-item list read as its item."""
    purpose = body.get("purpose") if isinstance(body, dict) else None
    return purpose[0] if isinstance(purpose, list) and len(purpose) == 1 else purpose
