"""The per-process cache of compiled watchlists (services/watchlists.py): an edit, a pause, a
deletion, a new watchlist, changed entities or a merge take effect on the very next article the
same process analyses, while an unchanged set of watchlists is not read again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Watchlist, WatchlistHit
from annotations.services import watchlists as matching
from annotations.services.entities import entity_create, entity_merge
from annotations.services.imports import import_text
from annotations.services.watchlist_edits import (
    watchlist_create,
    watchlist_delete,
    watchlist_update,
)
from tests.services.test_watchlists import KURSK, hits, kirby_of, watch_notes
from tests.services.test_watchlists import run as run  # the fixture


@pytest.fixture(autouse=True)
def cold_cache():
    matching.watchlists_cache_clear()
    yield
    matching.watchlists_cache_clear()


def kursk(run, team, user, n: int):
    article, _ = run(import_text, team=team, user=user, text=f"{KURSK} Report {n}.")
    return article


def loads(article_ids) -> int:
    """How many times matching these articles read the watchlists themselves."""
    with CaptureQueriesContext(connection) as queries:
        matching.watchlists_match_articles(article_ids=article_ids)
    return sum(
        "FROM annotations_watchlist w LEFT JOIN" in q["sql"] for q in queries.captured_queries
    )


def test_unchanged_watchlists_are_read_once_and_any_edit_reloads_them(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    first = kursk(run, team_a, alice, 1)
    assert loads([first.pk]) == 0  # the analysis job just cached them
    watchlist_update(watchlist=watch, actor=alice, name="Kursk front")
    assert loads([first.pk]) == 1
    assert loads([first.pk]) == 0


def test_an_edited_query_takes_effect_on_the_next_article(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    first = kursk(run, team_a, alice, 1)
    watch = watchlist_update(watchlist=watch, actor=alice, query="harbour")
    kursk(run, team_a, alice, 2)
    watchlist_update(watchlist=watch, actor=alice, query="kirby", params={"published_from": ""})
    third = kursk(run, team_a, alice, 3)
    assert hits(watch) == [first.pk, third.pk]


def test_a_renamed_watchlist_notifies_under_its_new_name(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    kursk(run, team_a, alice, 1)
    watchlist_update(watchlist=watch, actor=alice, name="Front line")
    kursk(run, team_a, alice, 2)
    assert sorted(n.text.split(":")[0] for n in watch_notes(alice)) == [
        "“Front line”",
        "“Kursk”",
    ]


def test_pausing_resuming_and_deleting_take_effect_on_the_next_article(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    other = watchlist_create(user=alice, name="Troops", query="troops")
    first = kursk(run, team_a, alice, 1)
    watch = watchlist_update(watchlist=watch, actor=alice, paused=True)
    second = kursk(run, team_a, alice, 2)
    watch = watchlist_update(watchlist=watch, actor=alice, paused=False)
    third = kursk(run, team_a, alice, 3)
    assert hits(watch) == [first.pk, third.pk]
    watchlist_delete(watchlist=other, actor=alice)
    fourth = kursk(run, team_a, alice, 4)
    assert hits(watch) == [first.pk, third.pk, fourth.pk]
    assert not WatchlistHit.objects.filter(article=fourth).exclude(watchlist=watch).exists()
    assert second.pk not in hits(watch)


def test_a_pause_saved_outside_the_services_still_takes_effect(run, team_a, alice):
    # The admin saves the row without bumping the version; the edit time still moves.
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    kursk(run, team_a, alice, 1)
    row = Watchlist.objects.get(pk=watch.pk)
    row.paused = True
    row.save()
    second = kursk(run, team_a, alice, 2)
    assert second.pk not in hits(watch)


def test_a_new_watchlist_matches_the_next_article(run, team_a, alice, bob):
    kursk(run, team_a, alice, 1)  # caches the (empty) watchlists of team_a's members
    watch = watchlist_create(user=bob, team=team_a, name="Troops", query="troops")
    second = kursk(run, team_a, alice, 2)
    assert hits(watch) == [second.pk]


def test_changed_entities_and_merges_take_effect_on_the_next_article(run, team_a, alice):
    kirby = kirby_of(run, team_a, alice)
    other = entity_create(team=team_a, name="Somebody Else", kind="PERSON")
    watch = watchlist_create(user=alice, name="People", entities=[other.pk])
    first = kursk(run, team_a, alice, 1)
    watch = watchlist_update(watchlist=watch, actor=alice, entities=[kirby.pk])
    second = kursk(run, team_a, alice, 2)
    assert hits(watch) == [second.pk]
    # A merge moves no watchlist row: it is resolved against each batch's mentions.
    target = entity_create(team=team_a, name="Kirby, John", kind="PERSON")
    entity_merge(target=target, others=[kirby], actor=alice)
    third = kursk(run, team_a, alice, 3)
    assert hits(watch) == [second.pk, third.pk]
    assert WatchlistHit.objects.get(watchlist=watch, article=third).matched_on == (
        "entities: Kirby, John"
    )
    assert first.pk not in hits(watch)
