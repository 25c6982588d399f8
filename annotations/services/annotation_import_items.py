"""Pass 1 of an annotation import (``annotation_imports.py``): each record a format reads,
resolved against the team into an ``ImportItem`` that pass 2 creates, or an error for its row.

A record names its article by URL or text hash, its tags by slug, its entity by name or
Wikidata id, and its source annotation by its id in the same file (or, in JSON-LD, by its IRI);
``Resolver`` finds each in the team, remembering what it found. This pass reads the database
and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.formats import ROW_NAMES
from annotations.formats.figures import is_figure_item
from annotations.formats.jsonld import (
    NON_FIELD,
    PURPOSE_LINKING,
    Iris,
    is_discussion_item,
    is_private,
    purpose_of,
    wikidata_of,
)
from annotations.formats.jsonld_fields import jsonld_to_fields
from annotations.formats.jsonld_notes import note_text, whole_target
from annotations.formats.records import WIKIDATA_ID, key_field, text_field, whole_field
from annotations.formats.spacy import SpacyLine
from annotations.models import Annotation, Article, Entity, Tag, Team
from annotations.services.articles import text_sha256

if TYPE_CHECKING:
    from annotations.services.annotation_imports import AnnotationImportReport

Records = Iterable[tuple[int, dict[str, Any] | ValidationError]]


@dataclass
class ImportItem:
    """One annotation to create, resolved against the team (pass 1), created in pass 2."""

    row: int
    article: Article
    start: int
    end: int
    exact: str | None
    tags: list[Tag]
    comment: str = ""
    assessment: str = Annotation.Assessment.UNVERIFIED
    visibility: str = Annotation.Visibility.TEAM
    entity: Entity | None = None
    source: Annotation | None = None  # a source annotation already in the team
    source_key: str | None = None  # or the file's id of the source annotation
    key: str | None = None  # this annotation's id in the file
    where: str = ""  # within the row (a spaCy line holds many spans)
    tag_subset: bool = False  # spaCy: "already there" if the span has the tag among others

    def say(self, message: str) -> str:
        return f"{self.where}: {message}" if self.where else message


def error_message(exc: ValidationError | PermissionDenied) -> str:
    """An error as one line of a report: ``field: message``, joined by semicolons."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                message if name == NON_FIELD else f"{name}: {message}"
                for name, messages in exc.message_dict.items()
                for message in messages
            )
        return "; ".join(exc.messages)
    return str(exc)


class Resolver:
    """Finds a row's article, tags and entity in the team, remembering what it found."""

    def __init__(self, *, team: Team, user: User) -> None:
        self.team, self.user = team, user
        self._articles: dict[tuple[str, str], Article | None] = {}
        self._tags: dict[str, Tag] | None = None
        self._entities: dict[tuple[str, str], Entity] = {}

    def article(self, *, url: str, sha: str) -> Article:
        key = (url, sha)
        if key not in self._articles:
            articles = Article.objects.filter(team=self.team).select_related("team")
            found = articles.filter(url=url).first() if url else None
            if found is None and sha:
                found = articles.filter(text_sha256=sha).order_by("pk").first()
            self._articles[key] = found
        found = self._articles[key]
        if found is None:
            parts = (f"the URL {url}" if url else "", f"the text {sha[:12]}…" if sha else "")
            named = " or ".join(part for part in parts if part)
            raise ValidationError(
                {"article": f"The team has no article with {named}; import the article first."}
            )
        return found

    def tags(self, slugs: Iterable[str]) -> list[Tag]:
        if self._tags is None:
            self._tags = {tag.slug: tag for tag in Tag.objects.filter(team=self.team)}
        unknown = [slug for slug in slugs if slug not in self._tags]
        if unknown:
            raise ValidationError(
                {"tags": f"The team has no tag {', '.join(repr(s) for s in unknown)}."}
            )
        return [self._tags[slug] for slug in dict.fromkeys(slugs)]

    def entity(self, *, name: str, wikidata: str) -> Entity | None:
        if not name and not wikidata:
            return None
        key = (name, wikidata)
        if key in self._entities:
            return self._entities[key]
        entities = Entity.objects.filter(team=self.team)
        found = entities.filter(wikidata_id=wikidata).first() if wikidata else None
        if found is None and name:
            named = list(entities.filter(name__iexact=name))
            candidates = [e for e in named if e.name == name] or named
            if wikidata:  # an entity with another Wikidata item is another entity
                candidates = [e for e in candidates if e.wikidata_id in ("", wikidata)]
            if len(candidates) > 1:
                raise ValidationError(
                    {
                        "attributed_to_entity": f"The team has {len(candidates)} entities named "
                        f"{name!r}; give its Wikidata id to tell them apart."
                    }
                )
            found = candidates[0] if candidates else None
        if found is None:
            shown = " ".join(part for part in (repr(name) if name else "", wikidata) if part)
            raise ValidationError({"attributed_to_entity": f"The team has no entity {shown}."})
        self._entities[key] = found
        return found


# --- CSV and JSON Lines: flat records -------------------------------------------------------


def _flat_item(values: dict[str, Any], *, row: int, resolver: Resolver) -> ImportItem:
    """A CSV row or JSON Lines record (with Python types) resolved against the team."""
    url = text_field(values, "article_url").strip()
    sha = text_field(values, "article_sha256").strip()
    if not url and not sha:
        raise ValidationError({"article_url": "Give article_url or article_sha256."})
    start, end = whole_field(values, "start"), whole_field(values, "end")
    exact = text_field(values, "exact")
    if not exact:
        raise ValidationError({"exact": "Missing: the quoted text."})
    tags = values.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValidationError({"tags": "Must be a list of tag slugs."})
    entity_name = text_field(values, "attributed_to_entity").strip()
    wikidata = text_field(values, "attributed_to_entity_wikidata").strip()
    if wikidata and not WIKIDATA_ID.fullmatch(wikidata):
        raise ValidationError(
            {"attributed_to_entity_wikidata": f"{wikidata[:30]!r} is not a Wikidata id (Q42)."}
        )
    item = ImportItem(
        row=row,
        article=resolver.article(url=url, sha=sha),
        start=start,
        end=end,
        exact=exact,
        tags=resolver.tags([t.strip() for t in tags if t.strip()]),
        comment=text_field(values, "comment"),
        assessment=text_field(values, "assessment").strip() or Annotation.Assessment.UNVERIFIED,
        visibility=text_field(values, "visibility").strip() or Annotation.Visibility.TEAM,
        entity=resolver.entity(name=entity_name, wikidata=wikidata),
        source_key=key_field(values.get("attributed_to"), "attributed_to"),
        key=key_field(values.get("id"), "id"),
    )
    if sha and item.article.text_sha256 != sha and item.article.text[start:end] != exact:
        raise ValidationError(
            {
                "exact": f"Does not match the article text at {start}-{end}: the team's copy of "
                "the article has another text than the exported one."
            }
        )
    return item


def flat_items(
    records: Records,
    *,
    resolver: Resolver,
    report: AnnotationImportReport,
    keys: dict[str, int],
    failed: set[str],
) -> list[ImportItem]:
    """Every CSV or JSON Lines record resolved, or an error for its row. ``keys`` gets each
    file id's row, ``failed`` the file ids whose row has an error."""
    items = []
    for row, record in records:
        report.records += 1
        if isinstance(record, ValidationError):
            report.error(row, error_message(record))
            continue
        try:
            key = key_field(record.get("id"), "id")
            if key is not None and key in keys:
                unit = ROW_NAMES[report.format]
                raise ValidationError({"id": f"{key} is also the id of {unit} {keys[key]}."})
            if key is not None:
                keys[key] = row
            try:
                items.append(_flat_item(record, row=row, resolver=resolver))
            except ValidationError:
                if key is not None:
                    failed.add(key)
                raise
        except ValidationError as exc:
            report.error(row, error_message(exc))
    return items


# --- JSON-LD ----------------------------------------------------------------------------------


def _jsonld_article(target: dict[str, Any], *, resolver: Resolver, iris: Iris) -> Article:
    source = target.get("source")
    source_iri = source.get("id") if isinstance(source, dict) else source
    sha = source.get("schema:sha256") if isinstance(source, dict) else None
    url = target.get("scope")
    url, sha = (url if isinstance(url, str) else ""), (sha if isinstance(sha, str) else "")
    if url or sha:
        return resolver.article(url=url, sha=sha)
    # An article's own collection, imported back into its team.
    pk = iris.parse(source_iri, "article")
    article = (
        Article.objects.filter(team=resolver.team, pk=pk).select_related("team").first()
        if pk is not None
        else None
    )
    if article is None:
        raise ValidationError(
            {"target": "Name the article by its scope (URL) or schema:sha256 (its text)."}
        )
    return article


def _jsonld_link(
    link: Any, *, resolver: Resolver, iris: Iris, keys: dict[str, int]
) -> Annotation | Entity | str:
    """What a linking body names: an entity, an annotation of the team, or a file id."""
    if "type" in link and link["type"] != "SpecificResource":
        raise ValidationError({"body": "A linking body must be a SpecificResource."})
    linked = link.get("source")
    iri = linked.get("id") if isinstance(linked, dict) else linked
    entity_like = isinstance(linked, dict) and ("name" in linked or "schema:sameAs" in linked)
    if isinstance(iri, str) and iri in keys and not entity_like:
        return iri
    if entity_like:
        name = linked.get("name")
        entity = resolver.entity(
            name=name.strip() if isinstance(name, str) else "",
            wikidata=wikidata_of(linked.get("schema:sameAs")),
        )
        if entity is None:
            raise ValidationError({"body": "A linked entity needs a name or a Wikidata item."})
        return entity
    if (pk := iris.parse(iri, "annotation")) is not None:
        annotation = (
            Annotation.objects.visible_to(resolver.user).filter(team=resolver.team, pk=pk).first()
        )
        if annotation is None:
            raise ValidationError({"body": f"No annotation {iri} in this file or the team."})
        return annotation
    if (pk := iris.parse(iri, "entity")) is not None:
        found = Entity.objects.filter(team=resolver.team, pk=pk).first()
        if found is None:
            raise ValidationError({"body": f"No such entity: {iri}"})
        return found
    raise ValidationError(
        {"body": "A linking body's source must be an annotation of this file or an entity."}
    )


def _jsonld_item(
    data: Any, *, row: int, resolver: Resolver, iris: Iris, keys: dict[str, int]
) -> ImportItem:
    if not isinstance(data, dict):
        raise ValidationError("Each item must be an annotation (a JSON object).")
    target = data.get("target")
    if isinstance(target, list) and len(target) == 1:
        target = target[0]
    if not isinstance(target, dict):
        raise ValidationError({"target": "Must be an object with source and selector."})
    article = _jsonld_article(target, resolver=resolver, iris=iris)
    bodies = data.get("body")
    bodies = [] if bodies is None else bodies if isinstance(bodies, list) else [bodies]
    links = [body for body in bodies if purpose_of(body) == PURPOSE_LINKING]
    document = {k: v for k, v in data.items() if k not in ("body", "audience")}
    document["target"] = {**target, "source": iris.article(article.pk)}
    if len(links) < len(bodies):
        document["body"] = [body for body in bodies if purpose_of(body) != PURPOSE_LINKING]
    fields = jsonld_to_fields(document, article=article, iris=iris, user=resolver.user)
    item = ImportItem(
        row=row,
        article=article,
        start=fields["start"],
        end=fields["end"],
        exact=fields["exact"],
        tags=fields["tags"],
        comment=fields["comment"],
        assessment=fields["assessment"],
        visibility=(
            Annotation.Visibility.PRIVATE
            if is_private(data.get("audience"))
            else Annotation.Visibility.TEAM
        ),
        key=data["id"] if isinstance(data.get("id"), str) else None,
    )
    for link in links:
        found = _jsonld_link(link, resolver=resolver, iris=iris, keys=keys)
        if isinstance(found, Entity):
            if item.entity is not None:
                raise ValidationError({"body": "More than one body for the attributed to entity."})
            item.entity = found
            continue
        if item.source is not None or item.source_key is not None:
            raise ValidationError({"body": "More than one body for the attributed to."})
        if isinstance(found, Annotation):
            item.source = found
        else:
            item.source_key = found
    return item


@dataclass
class NoteItem:
    """A page note to create (a JSON-LD item whose target is a whole article)."""

    row: int
    article: Article
    text: str
    visibility: str


def _jsonld_note(
    data: dict[str, Any], target: dict[str, Any], *, row: int, resolver: Resolver, iris: Iris
) -> NoteItem:
    text = note_text(data)
    if not text:
        raise ValidationError({"body": "A note on a whole article needs a commenting body."})
    return NoteItem(
        row=row,
        article=_jsonld_article(target, resolver=resolver, iris=iris),
        text=text,
        visibility="private" if is_private(data.get("audience")) else "team",
    )


def jsonld_items(
    read_items: Callable[[], Iterable[Any]],
    *,
    resolver: Resolver,
    report: AnnotationImportReport,
    iris: Iris,
    keys: dict[str, int],
    failed: set[str],
    notes: list[NoteItem] | None = None,
) -> list[ImportItem]:
    """Every item of a W3C JSON-LD file resolved, or an error for its position (from 1).
    ``read_items`` reads the file's items afresh: once for the ids they give (a link may name
    an item further down), once to resolve them."""
    for number, raw in enumerate(read_items(), start=1):
        key = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(key, str) and key not in keys:
            keys[key] = number
    items = []
    for number, raw in enumerate(read_items(), start=1):
        if is_discussion_item(raw) or is_figure_item(raw):
            continue  # a reply, a verdict or a figure (our own export writes them): not imported
        report.records += 1
        try:
            key = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(key, str) and keys.get(key) != number:
                raise ValidationError({"id": f"{key} is also the id of item {keys[key]}."})
            whole = whole_target(raw) if notes is not None else None
            if notes is not None and whole is not None:
                notes.append(_jsonld_note(raw, whole, row=number, resolver=resolver, iris=iris))
                continue
            items.append(_jsonld_item(raw, row=number, resolver=resolver, iris=iris, keys=keys))
        except ValidationError as exc:
            if isinstance(key, str) and keys.get(key) == number:
                failed.add(key)
            report.error(number, error_message(exc))
    return items


# --- spaCy ------------------------------------------------------------------------------------


def spacy_items(
    lines: Iterable[tuple[int, SpacyLine | ValidationError]],
    *,
    resolver: Resolver,
    report: AnnotationImportReport,
) -> list[ImportItem]:
    """Every span of every spaCy line resolved, or an error for its line (naming the span)."""
    items = []
    for number, line in lines:
        report.records += 1
        try:
            if isinstance(line, ValidationError):
                raise line
            article = resolver.article(url=line.url, sha=line.sha or text_sha256(line.text))
            if article.text != line.text:
                raise ValidationError(
                    {"text": "Differs from the team's article; the spans would not fit it."}
                )
        except ValidationError as exc:
            report.error(number, error_message(exc))
            continue
        # The labels of one span (an annotation's tags) make one annotation.
        by_span: dict[tuple[int, int], ImportItem] = {}
        for where, span in line.spans:
            try:
                if isinstance(span, ValidationError):
                    raise span
                tags = resolver.tags([span.label])
            except ValidationError as exc:
                report.error(number, f"{where}: {error_message(exc)}")
                continue
            same = by_span.get((span.start, span.end))
            if same is not None:
                same.tags.extend(tag for tag in tags if tag not in same.tags)
                continue
            item = ImportItem(
                row=number,
                article=article,
                start=span.start,
                end=span.end,
                exact=None,
                tags=tags,
                where=where,
                tag_subset=True,
            )
            by_span[(span.start, span.end)] = item
            items.append(item)
    return items
