"""Keeping the search index (``models/search.py``) in step with what it indexes.

The services that write searchable text call these inside their own transaction, so the index
commits or rolls back with the data: articles (title, outlet, authors, text), annotations
(quote, comment, tag names, assessment; model suggestions once accepted), replies, review notes
and entities (name and aliases). Each call re-reads the objects by id and replaces their rows,
so calling it twice, or for objects that are gone, is harmless. ``search_reindex`` (the
``search_reindex`` command) rebuilds a team's rows from scratch; the tests check that the
incremental index equals a rebuild after every kind of write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from annotations.lib.searchquery import text_search_config
from annotations.models import Annotation, Article, Entity, Reply, Review, SearchEntry

Kind = SearchEntry.Kind

# PostgreSQL refuses a tsvector over 1 MB; the start of a very long text is what gets indexed.
MAX_INDEXED_CHARS = 300_000
BATCH = 500


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(sorted(set(ids)))
    while batch := list(islice(iterator, BATCH)):
        yield batch


@dataclass(slots=True)
class _Entry:
    """A row to write: what SearchEntry holds but its vector (a model instance costs more to
    make than this one takes to write on PostgreSQL)."""

    kind: str
    object_id: int
    team_id: int
    article_id: int | None = None
    title: str = ""
    body: str = ""
    config: str = "simple"


def _replace(kind: str, ids: Sequence[int], entries: list[_Entry]) -> None:
    SearchEntry.objects.filter(kind=kind, object_id__in=ids).delete()
    if not entries:
        return
    if connection.vendor != "postgresql":  # FTS5 follows by triggers
        SearchEntry.objects.bulk_create(
            SearchEntry(**{name: getattr(e, name) for name in _Entry.__slots__}) for e in entries
        )
        return
    # One statement writes the rows and their vectors: the text crosses the wire once and each
    # row is written once (bulk_create and then an UPDATE took twice as long for an import).
    columns: list[list[Any]] = [
        [e.team_id for e in entries],
        [e.object_id for e in entries],
        [e.article_id for e in entries],
        [e.title for e in entries],
        [e.body for e in entries],
        [e.config for e in entries],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO annotations_searchentry "
            "(team_id, kind, object_id, article_id, title, body, config, indexed_at, vector) "
            "SELECT r.team, %s, r.object, r.article, r.title, r.body, r.config, now(), "
            "setweight(to_tsvector(r.config::regconfig, r.title), 'A') || "
            "setweight(to_tsvector(r.config::regconfig, r.body), 'B') "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], "
            "%s::text[]) AS r(team, object, article, title, body, config)",
            [kind, *columns],
        )


def _no_marks(text: str) -> str:
    """The text without the snippet marks (selectors/search_engines.py). str.replace, not
    str.translate: translate leaves its fast path on the first non-ASCII character, and took
    0.7 s of a 1,000-article import."""
    return text.replace("\ue000", " ").replace("\ue001", " ")


def _entry(kind: str, obj_id: int, team_id: int, **values: Any) -> _Entry:
    values["body"] = _no_marks(values.get("body", "")[:MAX_INDEXED_CHARS])
    values["title"] = _no_marks(values.get("title", "")[:500])
    return _Entry(kind=kind, object_id=obj_id, team_id=team_id, **values)


def search_index_articles(*, ids: Iterable[int]) -> None:
    for batch in _batches(ids):
        search_index_article_rows(
            articles=list(Article.objects.filter(pk__in=batch).select_related("outlet"))
        )


def search_index_article_rows(*, articles: Sequence[Article], text: bool = True) -> None:
    """The rows of these articles, from the objects in hand (with their outlet loaded).

    ``text=False`` indexes the title, outlet and authors only: a bulk import writes that, and
    the analysis job, which detects the language the text is indexed in, writes the whole row
    (services/analysis.py). The title costs little to index; the text, ~0.9 ms an article.
    """
    for start in range(0, len(articles), BATCH):
        batch = articles[start : start + BATCH]
        entries = [
            _entry(
                Kind.ARTICLE,
                a.pk,
                a.team_id,
                article_id=a.pk,
                title=a.title,
                # The text first: a snippet from the start of an article shows its dateline.
                body="\n".join(
                    [
                        a.text if text else "",
                        a.outlet.name if a.outlet else "",
                        " ".join(map(str, a.authors or [])),
                    ]
                ),
                config=text_search_config(a.language),
            )
            for a in batch
        ]
        _replace(Kind.ARTICLE, [a.pk for a in batch], entries)


def _searchable_annotations() -> Q:
    """Analysts' annotations and accepted suggestions: pending and rejected model output is
    not the team's work, and would drown it (tens of suggestions per article)."""
    return ~Q(suggestion_state__in=[Annotation.SuggestionState.PENDING, "rejected"])


def search_index_annotations(*, ids: Iterable[int]) -> None:
    labels = dict(Annotation.Assessment.choices)
    for batch in _batches(ids):
        rows = (
            Annotation.objects.filter(pk__in=batch)
            .filter(_searchable_annotations())
            .select_related("article")
            .prefetch_related("tags")
        )
        entries = [
            _entry(
                Kind.ANNOTATION,
                a.pk,
                a.team_id,
                article_id=a.article_id,
                title=a.exact,
                body="\n".join(
                    [a.exact, a.comment, " ".join(t.name for t in a.tags.all())]
                    + ([labels.get(a.assessment, "")] if a.assessment != "unverified" else [])
                ),
                config=text_search_config(a.article.language),
            )
            for a in rows
        ]
        _replace(Kind.ANNOTATION, batch, entries)


def _index_discussion(kind: str, model: Any, text_field: str, ids: Iterable[int]) -> None:
    """Replies (their text) or reviews (their note): rows under an annotation."""
    for batch in _batches(ids):
        rows = model.objects.filter(pk__in=batch).select_related("annotation__article")
        entries = [
            _entry(
                kind,
                row.pk,
                row.annotation.team_id,
                article_id=row.annotation.article_id,
                body=getattr(row, text_field),
                config=text_search_config(row.annotation.article.language),
            )
            for row in rows
            if getattr(row, text_field).strip()
        ]
        _replace(kind, batch, entries)


def search_index_replies(*, ids: Iterable[int]) -> None:
    _index_discussion(Kind.REPLY, Reply, "text", ids)


def search_index_reviews(*, ids: Iterable[int]) -> None:
    _index_discussion(Kind.REVIEW, Review, "note", ids)


def search_index_entities(*, ids: Iterable[int]) -> None:
    for batch in _batches(ids):
        entries = [
            _entry(
                Kind.ENTITY,
                e.pk,
                e.team_id,
                title=e.name,
                body="\n".join([e.name, *map(str, e.aliases or [])]),
                config="simple",  # names are not stemmed
            )
            for e in Entity.objects.filter(pk__in=batch)
        ]
        _replace(Kind.ENTITY, batch, entries)


def search_index_annotations_of_tags(*, tag_ids: Iterable[int]) -> None:
    """Annotations carrying renamed tags (their tag names are indexed)."""
    ids = Annotation.objects.filter(tags__in=list(tag_ids)).values_list("pk", flat=True)
    search_index_annotations(ids=list(ids))


def search_reindex(*, team_id: int) -> dict[str, int]:
    """Rebuild a team's rows from its objects; returns the rows per kind."""
    with transaction.atomic():
        SearchEntry.objects.filter(team_id=team_id).delete()
        search_index_articles(
            ids=Article.objects.filter(team_id=team_id).values_list("pk", flat=True)
        )
        search_index_annotations(
            ids=Annotation.objects.filter(team_id=team_id).values_list("pk", flat=True)
        )
        search_index_replies(
            ids=Reply.objects.filter(annotation__team_id=team_id).values_list("pk", flat=True)
        )
        search_index_reviews(
            ids=Review.objects.filter(annotation__team_id=team_id).values_list("pk", flat=True)
        )
        search_index_entities(
            ids=Entity.objects.filter(team_id=team_id).values_list("pk", flat=True)
        )
    counts: dict[str, int] = {kind: 0 for kind in Kind.values}
    for kind in SearchEntry.objects.filter(team_id=team_id).values_list("kind", flat=True):
        counts[kind] += 1
    return counts
