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
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations.lib.searchquery import Query, QueryError, parse, to_fts5, to_tsquery
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


@dataclass
class _Watch:
    pk: int
    user_id: int | None
    team_id: int | None
    kind: str
    query: str
    params: dict[str, Any]
    name: str
    # An entity watchlist's entities, as the entities they are merged into: id -> name.
    entities: dict[int, str] = field(default_factory=dict)


def _marks(values: Iterable[Any]) -> tuple[str, list[Any]]:
    """``IN (...)`` placeholders and their values; an empty list matches nothing."""
    values = list(values) or [None]
    return ", ".join("%s" for _ in values), values


def _select(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    # The reads below run for every analysed batch; plain SQL costs a fifth of the ORM's CPU.
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def _load_watches(team_ids: set[int], user_ids: set[int]) -> list[_Watch]:
    """The active watchlists of these teams and users, with their entities, in one query."""
    teams, team_args = _marks(team_ids)
    users, user_args = _marks(user_ids)
    rows = _select(
        "SELECT w.id, w.user_id, w.team_id, w.kind, w.query, w.params, w.name, "  # noqa: S608
        "e.id, e.name, e.merged_into_id, m.name "
        f"FROM {Watchlist._meta.db_table} w "
        f"LEFT JOIN {WatchlistEntity._meta.db_table} we ON we.watchlist_id = w.id "
        f"LEFT JOIN {Entity._meta.db_table} e ON e.id = we.entity_id "
        f"LEFT JOIN {Entity._meta.db_table} m ON m.id = e.merged_into_id "
        f"WHERE w.paused = %s AND (w.team_id IN ({teams}) OR w.user_id IN ({users})) "
        "ORDER BY w.id",
        [False, *team_args, *user_args],
    )
    watches: dict[int, _Watch] = {}
    for pk, user_id, team_id, kind, query, params, name, entity_id, entity, merged, into in rows:
        watch = watches.get(pk)
        if watch is None:
            params = json.loads(params) if isinstance(params, str) else params
            watch = watches[pk] = _Watch(pk, user_id, team_id, kind, query, params or {}, name)
        if entity_id is not None:
            watch.entities[merged or entity_id] = into or entity
    return list(watches.values())


@functools.lru_cache(maxsize=4096)
def _compiled(query: str) -> Query | None:
    """A saved query, parsed once per process (None: it no longer parses)."""
    try:
        return parse(query)
    except QueryError:  # saved under other limits: matches nothing until edited
        return None


def _canonical(entity_ids: Iterable[int]) -> dict[int, int]:
    """Each entity id -> the entity it was merged into (itself when it was not)."""
    ids = set(entity_ids)
    if not ids:
        return {}
    rows = Entity.objects.filter(pk__in=ids).values_list("pk", "merged_into_id")
    return {pk: merged or pk for pk, merged in rows}


def _published(value: datetime | str | None) -> date | None:
    """The publication date (UTC) of a datetime as PostgreSQL or SQLite returns it."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None:
        return None
    return value.astimezone(UTC).date() if timezone.is_aware(value) else value.date()


def _passes_facets(
    watch: _Watch, article: _Article, mentioned: set[int], canonical: dict[int, int]
) -> bool:
    params = watch.params
    if params.get("outlet") and article.outlet_id not in params["outlet"]:
        return False
    start, end = params.get("published_from"), params.get("published_to")
    if start or end:
        if article.published is None:
            return False
        if start and article.published < date.fromisoformat(start):
            return False
        if end and article.published > date.fromisoformat(end):
            return False
    if params.get("entity"):
        wanted = {canonical.get(pk, pk) for pk in params["entity"]}
        if not wanted & mentioned:
            return False
    return True


def _search_matches(pairs: list[tuple[_Watch, int]]) -> set[tuple[int, int]]:
    """The (watchlist, article) pairs whose saved query matches the article's index row."""
    wanted: list[tuple[int, int, Any]] = []
    for watch, article_id in pairs:
        query = _compiled(watch.query)
        if query is not None:
            wanted.append((watch.pk, article_id, query))
    if not wanted:
        return set()
    if connection.vendor == "postgresql":
        return _search_matches_postgres(wanted)
    return _search_matches_sqlite(wanted)


def _search_matches_postgres(wanted: list[tuple[int, int, Any]]) -> set[tuple[int, int]]:
    # The query in the article's own text search configuration, ORed with "simple" as the
    # search page does; only the batch's rows are read (the unique (kind, object_id) index).
    args: list[Any] = [  # psycopg adapts the lists as arrays
        [w for w, _, _ in wanted],
        [a for _, a, _ in wanted],
        [to_tsquery(q) for _, _, q in wanted],
        SearchEntry.Kind.ARTICLE.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.w, p.a FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS p(w, a, q) "
            "JOIN annotations_searchentry e ON e.kind = %s AND e.object_id = p.a "
            "WHERE e.vector @@ (to_tsquery(e.config::regconfig, p.q) "
            "|| to_tsquery('simple'::regconfig, p.q))",
            args,
        )
        return {(w, a) for w, a in cursor.fetchall()}


def _search_matches_sqlite(wanted: list[tuple[int, int, Any]]) -> set[tuple[int, int]]:
    articles = {a for _, a, _ in wanted}
    row_of = dict(
        SearchEntry.objects.filter(kind=SearchEntry.Kind.ARTICLE, object_id__in=articles)
        .order_by()
        .values_list("object_id", "pk")
    )
    article_of = {row: article for article, row in row_of.items()}
    by_watch: dict[int, tuple[str, list[int]]] = {}
    for watch_id, article_id, query in wanted:
        if article_id in row_of:
            by_watch.setdefault(watch_id, (to_fts5(query), []))[1].append(row_of[article_id])
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


def watchlists_match_articles(*, article_ids: Sequence[int]) -> MatchReport:
    """Match freshly analysed articles against the active watchlists that may see them; record
    the new hits and notify their owners (every member, for a team's watchlist)."""
    report = MatchReport()
    if not article_ids:
        return report
    # No savepoint: inside the analysis batch's transaction, a failure here rolls it all back.
    with transaction.atomic(savepoint=False):
        # The articles with their teams' active members, in one statement.
        marks, args = _marks(article_ids)
        rows = _select(
            "SELECT a.id, a.team_id, a.outlet_id, a.published_at, a.title, p.user_id "  # noqa: S608
            f"FROM {Article._meta.db_table} a LEFT JOIN (SELECT m.team_id, m.user_id "
            f"FROM {Membership._meta.db_table} m "
            f"JOIN {get_user_model()._meta.db_table} u ON u.id = m.user_id "
            "WHERE u.is_active = %s) p ON p.team_id = a.team_id "
            f"WHERE a.id IN ({marks}) ORDER BY a.id",
            [True, *args],
        )
        found: dict[int, _Article] = {}
        members: dict[int, set[int]] = {}
        for pk, team_id, outlet_id, published_at, title, user_id in rows:
            if pk not in found:
                found[pk] = _Article(pk, team_id, outlet_id, _published(published_at), title)
            if user_id is not None:
                members.setdefault(team_id, set()).add(user_id)
        articles = list(found.values())
        if not articles:
            return report
        team_ids = {a.team_id for a in articles}
        user_ids = set().union(*members.values()) if members else set()
        watches = _load_watches(team_ids, user_ids)
        if not watches:
            return report
        by_entity = any(w.entities or w.params.get("entity") for w in watches)
        mentioned = _mentions(articles) if by_entity else {a.pk: set() for a in articles}
        matched = _matches(articles, watches, members, mentioned)
        _record(matched, articles, watches, members, report)
    return report


def _mentions(articles: list[_Article]) -> dict[int, set[int]]:
    """Each article's mentioned entities (not rejected), as the entities they are merged into."""
    marks, args = _marks(a.pk for a in articles)
    rows = _select(
        "SELECT DISTINCT m.article_id, COALESCE(e.merged_into_id, m.entity_id) "  # noqa: S608
        f"FROM {Mention._meta.db_table} m JOIN {Entity._meta.db_table} e ON e.id = m.entity_id "
        f"WHERE m.rejected = %s AND m.article_id IN ({marks})",
        [False, *args],
    )
    out: dict[int, set[int]] = {a.pk: set() for a in articles}
    for article_id, entity_id in rows:
        out[article_id].add(entity_id)
    return out


def _matches(
    articles: list[_Article],
    watches: list[_Watch],
    members: dict[int, set[int]],
    mentioned: dict[int, set[int]],
) -> dict[tuple[int, int], str]:
    """(watchlist, article) -> what matched, for every visible pair that matches."""

    def visible(watch: _Watch, article: _Article) -> bool:
        if watch.team_id is not None:
            return watch.team_id == article.team_id
        return watch.user_id in members.get(article.team_id, set())

    out: dict[tuple[int, int], str] = {}
    entity_watches = [w for w in watches if w.kind == Watchlist.Kind.ENTITIES]
    if entity_watches and any(mentioned.values()):
        for watch in entity_watches:
            for article in articles:
                common = watch.entities.keys() & mentioned[article.pk]
                if common and visible(watch, article):
                    names = sorted(watch.entities[pk] for pk in common)
                    out[(watch.pk, article.pk)] = ("entities: " + ", ".join(names))[:300]
    searches = [w for w in watches if w.kind == Watchlist.Kind.SEARCH]
    canonical = _canonical(pk for w in searches for pk in w.params.get("entity", []))
    pairs = [
        (watch, article.pk)
        for watch in searches
        for article in articles
        if visible(watch, article)
        and _passes_facets(watch, article, mentioned[article.pk], canonical)
    ]
    for pair in _search_matches(pairs):
        out[pair] = "search"
    return out


def _record(
    matched: dict[tuple[int, int], str],
    articles: list[_Article],
    watches: list[_Watch],
    members: dict[int, set[int]],
    report: MatchReport,
) -> None:
    if not matched:
        return
    watch_of = {w.pk: w for w in watches}
    article_of = {a.pk: a for a in articles}

    def notes_of(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, str]]:
        """(watchlist, article, recipient, text) for each pair and each of its recipients."""
        out = []
        for watch_id, article_id in sorted(pairs):
            watch, article = watch_of[watch_id], article_of[article_id]
            recipients = members.get(watch.team_id, set()) if watch.team_id else {watch.user_id}
            text = f"“{watch.name}”: {article.title}"[:300]
            out += [
                (watch_id, article_id, user_id, text)
                for user_id in sorted(r for r in recipients if r is not None)
            ]
        return out

    if connection.vendor == "postgresql":
        hits, notified = _insert_hits_and_notes_postgres(matched, notes_of(matched))
    else:
        new = _insert_hits(matched)
        notes = notes_of(new)
        _insert_notifications([(user, article, text) for _, article, user, text in notes])
        hits, notified = len(new), len(notes)
    report.hits += hits
    report.notifications += notified
    if hits:
        logger.info("watchlists.matched hits=%s notifications=%s", hits, notified)


def _insert_hits_and_notes_postgres(
    matched: dict[tuple[int, int], str], notes: list[tuple[int, int, int, str]]
) -> tuple[int, int]:
    """One statement: the hits (``ON CONFLICT DO NOTHING``), and the notifications of the pairs
    that were new only; two jobs matching the same article at once wait on the unique index,
    and only the one that inserted a pair notifies of it. Returns (hits, notifications)."""
    pairs = sorted(matched)
    now = timezone.now()
    rows = _select(
        f"WITH new AS (INSERT INTO {WatchlistHit._meta.db_table} "  # noqa: S608
        "(watchlist_id, article_id, matched_on, created_at) "
        "SELECT w, a, m, %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS x(w, a, m) "
        "ON CONFLICT (watchlist_id, article_id) DO NOTHING RETURNING watchlist_id, article_id), "
        f"told AS (INSERT INTO {Notification._meta.db_table} "
        "(user_id, kind, article_id, text, created_at) "
        "SELECT r.u, %s, r.a, r.t, %s "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[]) AS r(w, a, u, t) "
        "JOIN new ON new.watchlist_id = r.w AND new.article_id = r.a RETURNING 1) "
        "SELECT (SELECT count(*) FROM new), (SELECT count(*) FROM told)",
        [
            now,
            [w for w, _ in pairs],
            [a for _, a in pairs],
            [matched[pair] for pair in pairs],
            Notification.Kind.WATCH.value,
            now,
            [n[0] for n in notes],
            [n[1] for n in notes],
            [n[2] for n in notes],
            [n[3] for n in notes],
        ],
    )
    return int(rows[0][0]), int(rows[0][1])


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
