"""Matching newly analysed articles against the watchlists (``models/watchlists.py``); their
writes are ``services/watchlist_edits.py``.

``watchlists_match_articles`` runs in the analysis job, once per written batch, inside the
batch's transaction: whatever path brought the articles in (paste, HTML, URL, JSON Lines,
feeds), they are matched once their mentions exist, and a failed batch rolls back with its
hits. It never runs the search: each saved query is evaluated against the batch's own index
rows only (PostgreSQL: ``vector @@ to_tsquery`` on those rows, in one statement for every
watchlist; SQLite: FTS5 ``MATCH`` restricted to their rowids, a hundred watchlists per
statement), and entity watchlists against the batch's mentions, merged entities resolved.
A hit is unique per (watchlist, article), so analysing an article again never notifies twice.

Per batch, PostgreSQL runs two statements: one read (the articles, their teams' members, the
entities their mentions count for, and the stamp of the watchlists that may see them), then
one that checks the saved queries, inserts the hits and notifies. The watchlists themselves,
parsed and compiled, are cached per process and read again only when the stamp changes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations.lib.searchquery import QueryError, parse, to_fts5, to_tsquery
from annotations.models import (
    Article,
    Entity,
    Membership,
    Mention,
    Notification,
    SearchEntry,
    Watchlist,
    WatchlistEntity,
    WatchlistHit,
)

logger = logging.getLogger(__name__)

# SQLite allows 500 terms in a compound SELECT; one per watchlist, with room to spare.
FTS_SELECTS_PER_STATEMENT = 100


# --- Matching ----------------------------------------------------------------------------------


@dataclass
class MatchReport:
    hits: int = 0
    notifications: int = 0


@dataclass(frozen=True)
class _Article:
    pk: int
    team_id: int
    outlet_id: int | None
    published: date | None
    title: str


@dataclass(frozen=True)
class _Watch:
    """An active watchlist as matching needs it, compiled once and cached (see ``_watches``)."""

    pk: int
    user_id: int | None
    team_id: int | None
    kind: str
    name: str
    # The saved query in the engine's own syntax (None: it no longer parses).
    compiled: str | None = None
    outlets: frozenset[int] | None = None
    start: date | None = None
    end: date | None = None
    # The entity facet of a search, or the entities of an entity watchlist, as stored (merges
    # are resolved per batch, against the mentions: see ``_read``).
    facet_entities: frozenset[int] = frozenset()
    entities: frozenset[int] = frozenset()


@dataclass
class _Batch:
    articles: list[_Article]
    members: dict[int, set[int]]
    # Per article: every entity whose mentions count as a mention of one the article mentions
    # (the mentioned entity, as the entity it was merged into, and the entities merged into
    # that one) -> that canonical entity.
    classes: dict[int, dict[int, int]]
    names: dict[int, str]  # canonical entity -> its name
    rows: dict[int, int]  # article -> its search index row (SQLite)
    stamp: tuple[Any, ...]


def _marks(values: Iterable[Any]) -> tuple[str, list[Any]]:
    """``IN (...)`` placeholders and their values; an empty list matches nothing."""
    values = list(values) or [None]
    return ", ".join("%s" for _ in values), values


def _select(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    # The reads below run for every analysed batch; plain SQL costs a fifth of the ORM's CPU.
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def _published(value: datetime | str | None) -> date | None:
    """The publication date (UTC) of a datetime as PostgreSQL or SQLite returns it."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return None
    return value.astimezone(UTC).date() if timezone.is_aware(value) else value.date()


def _read(article_ids: Sequence[int]) -> _Batch:
    """One statement: the articles with their teams' active members, the entities their
    mentions count for, the watchlists' stamp (what the cache is checked against) and, on
    SQLite, their index rows."""
    marks, ids = _marks(article_ids)
    article, entity = Article._meta.db_table, Entity._meta.db_table
    watchlist, watch_entity = Watchlist._meta.db_table, WatchlistEntity._meta.db_table
    sqlite = connection.vendor != "postgresql"
    rows_sql = (
        "UNION ALL SELECT 'r', object_id, id, NULL, NULL, NULL, NULL "  # noqa: S608
        f"FROM {SearchEntry._meta.db_table} WHERE kind = %s "
        "AND object_id IN (SELECT id FROM arts) "
        if sqlite
        else ""
    )
    rows = _select(
        f"WITH arts AS (SELECT id, team_id FROM {article} WHERE id IN ({marks})), "  # noqa: S608
        f"ppl AS (SELECT m.team_id, m.user_id FROM {Membership._meta.db_table} m "
        f"JOIN {get_user_model()._meta.db_table} u ON u.id = m.user_id "
        "WHERE u.is_active = %s AND m.team_id IN (SELECT team_id FROM arts)), "
        "mm AS (SELECT DISTINCT m.article_id AS a, COALESCE(e.merged_into_id, m.entity_id) AS c "
        f"FROM {Mention._meta.db_table} m JOIN {entity} e ON e.id = m.entity_id "
        "WHERE m.rejected = %s AND m.article_id IN (SELECT id FROM arts)), "
        f"scope AS (SELECT id, version, updated_at FROM {watchlist} "
        "WHERE team_id IN (SELECT team_id FROM arts) OR user_id IN (SELECT user_id FROM ppl)) "
        "SELECT 'a', a.id, a.team_id, a.outlet_id, a.published_at, a.title, p.user_id "
        f"FROM {article} a JOIN arts ON arts.id = a.id "
        "LEFT JOIN ppl p ON p.team_id = a.team_id "
        f"UNION ALL SELECT 'm', mm.a, mm.c, mm.c, NULL, c.name, NULL FROM mm "
        f"JOIN {entity} c ON c.id = mm.c "
        f"UNION ALL SELECT 'm', mm.a, x.id, mm.c, NULL, c.name, NULL FROM mm "
        f"JOIN {entity} c ON c.id = mm.c JOIN {entity} x ON x.merged_into_id = mm.c "
        "UNION ALL SELECT 's', (SELECT count(*) FROM scope), (SELECT max(id) FROM scope), "
        "(SELECT sum(version) FROM scope), (SELECT max(updated_at) FROM scope), NULL, NULL "
        "UNION ALL SELECT 't', count(*), max(we.id), NULL, NULL, NULL, NULL "
        f"FROM {watch_entity} we WHERE we.watchlist_id IN (SELECT id FROM scope) " + rows_sql,
        [*ids, True, False, *([SearchEntry.Kind.ARTICLE.value] if sqlite else [])],
    )
    found: dict[int, _Article] = {}
    batch = _Batch([], {}, {}, {}, {}, ())
    stamp: list[Any] = []
    for tag, pk, b, c, d, e, f in rows:
        if tag == "a":
            if pk not in found:
                found[pk] = _Article(pk, b, c, _published(d), e)
            if f is not None:
                batch.members.setdefault(b, set()).add(f)
        elif tag == "m":
            batch.classes.setdefault(pk, {})[b] = c
            batch.names[c] = e
        elif tag == "r":
            batch.rows[pk] = b
        else:
            stamp += [tag, pk, b, c, str(d)]
    batch.articles = sorted(found.values(), key=lambda a: a.pk)
    batch.stamp = tuple(stamp)
    return batch


# --- The watchlists, cached per process --------------------------------------------------------

# (database, teams, users) -> (stamp, their active watchlists). The stamp aggregates every
# watchlist of those owners, paused or not (count, highest id, sum of versions, latest edit) and
# their entity rows (count, highest id): ids are never reused, the edit services bump the
# version and every save the edit time, so any creation, edit, pause or deletion, through the
# services or the admin, changes it and the next batch reloads.
_CACHE: dict[tuple[Any, ...], tuple[tuple[Any, ...], list[_Watch]]] = {}
CACHE_SCOPES = 256


def watchlists_cache_clear() -> None:
    """Forget the cached watchlists (tests; the stamp makes it unnecessary otherwise)."""
    _CACHE.clear()


def _watches(batch: _Batch) -> list[_Watch]:
    team_ids = frozenset(a.team_id for a in batch.articles)
    user_ids = frozenset().union(*batch.members.values()) if batch.members else frozenset()
    key = (connection.alias, connection.settings_dict["NAME"], team_ids, user_ids)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == batch.stamp:
        return cached[1]
    watches = _load_watches(team_ids, user_ids)
    if len(_CACHE) >= CACHE_SCOPES:
        _CACHE.clear()
    _CACHE[key] = (batch.stamp, watches)
    return watches


def _compile(query: str) -> str | None:
    try:
        parsed = parse(query)
    except QueryError:  # saved under other limits: matches nothing until edited
        return None
    return to_tsquery(parsed) if connection.vendor == "postgresql" else to_fts5(parsed)


def _load_watches(team_ids: Iterable[int], user_ids: Iterable[int]) -> list[_Watch]:
    """The active watchlists of these teams and users, with their entities, in one query."""
    teams, team_args = _marks(team_ids)
    users, user_args = _marks(user_ids)
    rows = _select(
        "SELECT w.id, w.user_id, w.team_id, w.kind, w.query, w.params, w.name, we.entity_id "  # noqa: S608
        f"FROM {Watchlist._meta.db_table} w "
        f"LEFT JOIN {WatchlistEntity._meta.db_table} we ON we.watchlist_id = w.id "
        f"WHERE w.paused = %s AND (w.team_id IN ({teams}) OR w.user_id IN ({users})) "
        "ORDER BY w.id",
        [False, *team_args, *user_args],
    )
    fields: dict[int, dict[str, Any]] = {}
    for pk, user_id, team_id, kind, query, params, name, entity_id in rows:
        watch = fields.get(pk)
        if watch is None:
            params = (json.loads(params) if isinstance(params, str) else params) or {}
            watch = fields[pk] = {
                "pk": pk,
                "user_id": user_id,
                "team_id": team_id,
                "kind": kind,
                "name": name,
                "entities": set(),
            }
            if kind == Watchlist.Kind.SEARCH:
                start, end = params.get("published_from"), params.get("published_to")
                watch |= {
                    "compiled": _compile(query),
                    "outlets": frozenset(params["outlet"]) if params.get("outlet") else None,
                    "start": date.fromisoformat(start) if start else None,
                    "end": date.fromisoformat(end) if end else None,
                    "facet_entities": frozenset(params.get("entity") or ()),
                }
        if entity_id is not None:
            watch["entities"].add(entity_id)
    return [_Watch(**w | {"entities": frozenset(w["entities"])}) for w in fields.values()]


# --- Matching ----------------------------------------------------------------------------------


def watchlists_match_articles(*, article_ids: Sequence[int]) -> MatchReport:
    """Match freshly analysed articles against the active watchlists that may see them; record
    the new hits and notify their owners (every member, for a team's watchlist)."""
    report = MatchReport()
    if not article_ids:
        return report
    # No savepoint: inside the analysis batch's transaction, a failure here rolls it all back.
    with transaction.atomic(savepoint=False):
        batch = _read(article_ids)
        if not batch.articles:
            return report
        watches = _watches(batch)
        if not watches:
            return report
        matched, candidates = _matches(batch, watches)
        if connection.vendor == "postgresql":
            _record_postgres(matched, candidates, batch, watches, report)
        else:
            for pair in _search_matches_sqlite(candidates, batch.rows):
                matched[pair] = "search"
            _record(matched, batch.articles, watches, batch.members, report)
    return report


def _passes_facets(watch: _Watch, article: _Article, classes: dict[int, int]) -> bool:
    if watch.outlets is not None and article.outlet_id not in watch.outlets:
        return False
    if watch.start or watch.end:
        if article.published is None:
            return False
        if watch.start and article.published < watch.start:
            return False
        if watch.end and article.published > watch.end:
            return False
    return not watch.facet_entities or any(pk in classes for pk in watch.facet_entities)


def _matches(
    batch: _Batch, watches: list[_Watch]
) -> tuple[dict[tuple[int, int], str], list[tuple[_Watch, int]]]:
    """(watchlist, article) -> what matched for the entity watchlists, and the (search
    watchlist, article) pairs left for the full-text check: visible, facets passed."""
    members = batch.members

    def visible(watch: _Watch, article: _Article) -> bool:
        if watch.team_id is not None:
            return watch.team_id == article.team_id
        return watch.user_id in members.get(article.team_id, set())

    out: dict[tuple[int, int], str] = {}
    candidates: list[tuple[_Watch, int]] = []
    for article in batch.articles:
        classes = batch.classes.get(article.pk, {})
        for watch in watches:
            if watch.kind == Watchlist.Kind.ENTITIES:
                if not classes:
                    continue
                common = {classes[pk] for pk in watch.entities if pk in classes}
                if common and visible(watch, article):
                    names = sorted(batch.names[pk] for pk in common)
                    out[(watch.pk, article.pk)] = ("entities: " + ", ".join(names))[:300]
            elif (
                watch.compiled is not None
                and visible(watch, article)
                and _passes_facets(watch, article, classes)
            ):
                candidates.append((watch, article.pk))
    return out, candidates


def _search_matches_sqlite(
    candidates: list[tuple[_Watch, int]], row_of: dict[int, int]
) -> set[tuple[int, int]]:
    """The (watchlist, article) pairs whose saved query matches the article's index row: FTS5
    ``MATCH`` restricted to those rows, a hundred watchlists per statement."""
    article_of = {row: article for article, row in row_of.items()}
    by_watch: dict[int, tuple[str, list[int]]] = {}
    for watch, article_id in candidates:
        if article_id in row_of and watch.compiled is not None:
            by_watch.setdefault(watch.pk, (watch.compiled, []))[1].append(row_of[article_id])
    found: set[tuple[int, int]] = set()
    items = list(by_watch.items())
    with connection.cursor() as cursor:
        for offset in range(0, len(items), FTS_SELECTS_PER_STATEMENT):
            selects: list[str] = []
            args: list[Any] = []
            for watch_id, (expression, rows) in items[offset : offset + FTS_SELECTS_PER_STATEMENT]:
                marks = ", ".join("%s" for _ in rows)
                selects.append(
                    f"SELECT %s, rowid FROM annotations_search_fts "  # noqa: S608 (only marks)
                    f"WHERE annotations_search_fts MATCH %s AND rowid IN ({marks})"
                )
                args += [watch_id, expression, *rows]
            cursor.execute(" UNION ALL ".join(selects), args)
            found.update((w, article_of[row]) for w, row in cursor.fetchall())
    return found


def _recipients(watch: _Watch, members: dict[int, set[int]]) -> list[int]:
    recipients = members.get(watch.team_id, set()) if watch.team_id else {watch.user_id}
    return sorted(r for r in recipients if r is not None)


def _record(
    matched: dict[tuple[int, int], str],
    articles: list[_Article],
    watches: list[_Watch],
    members: dict[int, set[int]],
    report: MatchReport,
) -> None:
    """Insert the hits (SQLite), then notify of the pairs that were new."""
    if not matched:
        return
    watch_of = {w.pk: w for w in watches}
    article_of = {a.pk: a for a in articles}
    new = _insert_hits(matched)
    notes = []
    for watch_id, article_id in sorted(new):
        watch, article = watch_of[watch_id], article_of[article_id]
        text = f"“{watch.name}”: {article.title}"[:300]
        notes += [(user_id, article_id, text) for user_id in _recipients(watch, members)]
    _insert_notifications(notes)
    _count(report, len(new), len(notes))


def _count(report: MatchReport, hits: int, notified: int) -> None:
    report.hits += hits
    report.notifications += notified
    if hits:
        logger.info("watchlists.matched hits=%s notifications=%s", hits, notified)


def _record_postgres(
    matched: dict[tuple[int, int], str],
    candidates: list[tuple[_Watch, int]],
    batch: _Batch,
    watches: list[_Watch],
    report: MatchReport,
) -> None:
    """One statement: the saved queries checked against the batch's own index rows, the hits
    (those and the entity matches, ``ON CONFLICT DO NOTHING``), and the notifications of the
    pairs that were new only; two jobs matching the same article at once wait on the unique
    index, and only the one that inserted a pair notifies of it.

    Each query is tried in the article's own text search configuration, ORed with "simple" as
    the search page does; only the batch's rows are read (the unique (kind, object_id) index).
    """
    if not matched and not candidates:
        return
    pairs = sorted(matched)
    involved = {w for w, _ in pairs} | {w.pk for w, _ in candidates}
    recipients = [
        (w.pk, user) for w in watches if w.pk in involved for user in _recipients(w, batch.members)
    ]
    named = [w for w in watches if w.pk in involved]
    now = timezone.now()
    hit, article = WatchlistHit._meta.db_table, Article._meta.db_table
    rows = _select(
        "WITH found AS (SELECT p.w, p.a, 'search' AS m "  # noqa: S608
        "FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS p(w, a, q) "
        f"JOIN {SearchEntry._meta.db_table} e ON e.kind = %s AND e.object_id = p.a "
        "AND e.object_id = ANY(%s::bigint[]) "
        "WHERE e.vector @@ (to_tsquery(e.config::regconfig, p.q) "
        "|| to_tsquery('simple'::regconfig, p.q)) "
        "UNION ALL SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS x(w, a, m)), "
        f"new AS (INSERT INTO {hit} (watchlist_id, article_id, matched_on, created_at) "
        "SELECT w, a, m, %s FROM found ORDER BY w, a "
        "ON CONFLICT (watchlist_id, article_id) DO NOTHING RETURNING watchlist_id, article_id), "
        f"told AS (INSERT INTO {Notification._meta.db_table} "
        "(user_id, kind, article_id, text, created_at) "
        "SELECT r.u, %s, new.article_id, left('“' || n.t || '”: ' || a.title, 300), %s "
        "FROM new JOIN unnest(%s::bigint[], %s::text[]) AS n(w, t) ON n.w = new.watchlist_id "
        "JOIN unnest(%s::bigint[], %s::bigint[]) AS r(w, u) ON r.w = new.watchlist_id "
        f"JOIN {article} a ON a.id = new.article_id "
        "ORDER BY new.watchlist_id, new.article_id, r.u RETURNING 1) "
        "SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM told)",
        [  # psycopg adapts the lists as arrays
            [w.pk for w, _ in candidates],
            [a for _, a in candidates],
            [w.compiled for w, _ in candidates],
            SearchEntry.Kind.ARTICLE.value,
            [a.pk for a in batch.articles],  # the index's range, whatever the estimates
            [w for w, _ in pairs],
            [a for _, a in pairs],
            [matched[pair] for pair in pairs],
            now,
            Notification.Kind.WATCH.value,
            now,
            [w.pk for w in named],
            [w.name for w in named],
            [w for w, _ in recipients],
            [u for _, u in recipients],
        ],
    )
    _count(report, int(rows[0][0]), int(rows[0][1]))


# Rows per INSERT statement: well under SQLite's 32,766 parameters.
INSERT_ROWS = 1000


def _insert_hits(matched: dict[tuple[int, int], str]) -> list[tuple[int, int]]:
    """Insert the hits (SQLite); the (watchlist, article) pairs that were new, by ``ON
    CONFLICT DO NOTHING RETURNING`` (SQLite 3.35+; SQLite writers take turns anyway)."""
    table = WatchlistHit._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    pairs = sorted(matched)
    new: list[tuple[int, int]] = []
    with connection.cursor() as cursor:
        for offset in range(0, len(pairs), INSERT_ROWS):
            chunk = pairs[offset : offset + INSERT_ROWS]
            rows = ", ".join("(%s, %s, %s, %s)" for _ in chunk)
            cursor.execute(
                f"INSERT INTO {table} (watchlist_id, article_id, matched_on, created_at) "  # noqa: S608
                f"VALUES {rows} ON CONFLICT (watchlist_id, article_id) DO NOTHING "
                "RETURNING watchlist_id, article_id",
                [v for w, a in chunk for v in (w, a, matched[(w, a)], now)],
            )
            new += [(w, a) for w, a in cursor.fetchall()]
    return new


def _insert_notifications(notes: list[tuple[int, int, str]]) -> None:
    """One "watch" notification per (user, article, text), in a few statements (SQLite)."""
    table = Notification._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    kind = Notification.Kind.WATCH.value
    with connection.cursor() as cursor:
        for offset in range(0, len(notes), INSERT_ROWS):
            chunk = notes[offset : offset + INSERT_ROWS]
            rows = ", ".join("(%s, %s, %s, %s, %s)" for _ in chunk)
            cursor.execute(
                f"INSERT INTO {table} (user_id, kind, article_id, text, created_at) "  # noqa: S608
                f"VALUES {rows}",
                [v for user, article, text in chunk for v in (user, kind, article, text, now)],
            )
