"""The two search engines behind ``selectors/search.py``: the same operations on the search
index (``models/search.py``), on PostgreSQL (tsvector, GIN, ``ts_headline``, ``pg_trgm``) and on
SQLite (FTS5 with its ``bm25`` and ``snippet``). Each takes a parsed query
(``lib/searchquery.py``) and returns querysets, so that visibility and facets compose with it
in SQL, whatever the engine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from annotations.lib.searchquery import Query, similarity, to_fts5, to_tsquery, words_of
from annotations.models import SearchEntry

# Snippet highlight marks: private-use characters, stripped from indexed text, so the page can
# split a snippet on them and render every piece as text.
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
# A word "is" an entity's name word when pg_trgm's similarity reaches this.
NAME_SIMILARITY = 0.5
MAX_NAME_CANDIDATES = 50


class Engine(Protocol):
    def matching(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]: ...

    def ranked(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]: ...

    def snippets(self, ids: Sequence[int], query: Query) -> dict[int, str]: ...

    def name_candidates(self, team_ids: Sequence[int], word: str) -> list[str]: ...


def _team_configs(team_ids: Sequence[int]) -> list[str]:
    """The text search configurations in the teams' index, cached for a minute."""
    key = "search-configs:" + ",".join(map(str, sorted(team_ids)))
    found = cache.get(key)
    if found is None:
        found = sorted(
            set(
                SearchEntry.objects.filter(team_id__in=team_ids, kind=SearchEntry.Kind.ARTICLE)
                .order_by()
                .values_list("config", flat=True)
                .distinct()
            )
            | {"simple", "english"}
        )
        cache.set(key, found, 60)
    return list(found)


class PostgresEngine:
    """tsvector columns under GIN; a query is tried in every configuration the teams use
    (an English article is stemmed as English, a French one as French), ORed."""

    def __init__(self, team_ids: Sequence[int]) -> None:
        self.configs = _team_configs(team_ids)

    def _tsquery(self, query: Query) -> Any:
        text = to_tsquery(query)
        combined: Any = None
        for config in self.configs:
            one = SearchQuery(text, search_type="raw", config=config)
            combined = one if combined is None else combined | one
        return combined

    def matching(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        return entries.filter(vector=self._tsquery(query))

    def ranked(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        # ts_rank with length normalisation 1 (divide by 1 + log(length)): long articles do not
        # win by length alone.
        return entries.annotate(
            rank=SearchRank(F("vector"), self._tsquery(query), normalization=1)
        ).order_by("-rank", "-object_id")

    def snippets(self, ids: Sequence[int], query: Query) -> dict[int, str]:
        headline = SearchHeadline(
            "body",
            self._tsquery(query),
            config=F("config"),
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=SNIPPET_WORDS,
            min_words=8,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        rows = SearchEntry.objects.filter(pk__in=ids).annotate(snippet=headline)
        return dict(rows.values_list("pk", "snippet"))

    def name_candidates(self, team_ids: Sequence[int], word: str) -> list[str]:
        with connection.cursor() as cursor:  # the operator below uses this threshold
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(NAME_SIMILARITY)],
            )
        rows = (
            SearchEntry.objects.filter(
                team_id__in=team_ids, kind=SearchEntry.Kind.ENTITY, body__trigram_word_similar=word
            )
            .order_by()
            .values_list("body", flat=True)[:MAX_NAME_CANDIDATES]
        )
        return list(rows)


# The FTS5 statements (table made by migration 0010); the query text is always a parameter.
FTS_MATCH = "SELECT rowid FROM annotations_search_fts WHERE annotations_search_fts MATCH %s"
FTS_RANK = (
    "SELECT -bm25(annotations_search_fts, 4.0, 1.0) FROM annotations_search_fts "
    "WHERE annotations_search_fts MATCH %s AND rowid = annotations_searchentry.id"
)
FTS_SNIPPET = (
    "SELECT rowid, snippet(annotations_search_fts, 1, %s, %s, ' … ', %s) "
    "FROM annotations_search_fts WHERE annotations_search_fts MATCH %s AND rowid IN "
)


class SqliteEngine:
    """FTS5 (porter stemming, diacritics folded), the embedded default's engine."""

    def matching(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        return entries.filter(pk__in=RawSQL(FTS_MATCH, [to_fts5(query)]))  # noqa: S611

    def ranked(self, entries: QuerySet[SearchEntry], query: Query) -> QuerySet[SearchEntry]:
        # bm25 is lower for better matches; titles weigh 4 times the body, as 'A' over 'B'.
        rank = RawSQL(FTS_RANK, [to_fts5(query)], output_field=FloatField())  # noqa: S611
        return entries.annotate(rank=rank).order_by("-rank", "-object_id")

    def snippets(self, ids: Sequence[int], query: Query) -> dict[int, str]:
        if not ids:
            return {}
        marks = "(" + ", ".join("%s" for _ in ids) + ")"
        with connection.cursor() as cursor:
            cursor.execute(
                FTS_SNIPPET + marks, [MARK_START, MARK_END, SNIPPET_WORDS, to_fts5(query), *ids]
            )
            return {row[0]: row[1] for row in cursor.fetchall()}

    def name_candidates(self, team_ids: Sequence[int], word: str) -> list[str]:
        names = SearchEntry.objects.filter(
            team_id__in=team_ids, kind=SearchEntry.Kind.ENTITY
        ).values_list("body", flat=True)
        out = []
        for body in names.iterator(chunk_size=2000):
            if any(similarity(word, w) >= NAME_SIMILARITY for w in words_of(body)):
                out.append(body)
                if len(out) >= MAX_NAME_CANDIDATES:
                    break
        return out


def engine_for(team_ids: Sequence[int]) -> Engine:
    return PostgresEngine(team_ids) if connection.vendor == "postgresql" else SqliteEngine()


def similar_name_words(word: str, names: Iterable[str]) -> list[str]:
    """Words of ``names`` like ``word`` (pg_trgm similarity), best first: the spellings of a
    name that a misspelt or transliterated query word stands for ("zelenskyy" -> "zelensky")."""
    scored: dict[str, float] = {}
    for name in names:
        for candidate in words_of(name):
            if candidate != word:
                score = similarity(word, candidate)
                if score >= NAME_SIMILARITY:
                    scored[candidate] = max(score, scored.get(candidate, 0.0))
    return [w for w, _ in sorted(scored.items(), key=lambda item: (-item[1], item[0]))]
