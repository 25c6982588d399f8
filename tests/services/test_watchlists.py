"""Watchlists (services/watchlists.py, watchlist_edits.py, watchlist_digests.py): matching in
the analysis job for every import path, once per (watchlist, article), within what each owner
may see; the daily digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from annotations.models import (
    Article,
    Entity,
    Mention,
    Notification,
    Watchlist,
    WatchlistDigest,
    WatchlistHit,
)
from annotations.selectors.watchlists import watchlist_hits, watchlists_for
from annotations.services import watchlist_digests
from annotations.services.analysis import articles_analyze
from annotations.services.articles import article_update_text
from annotations.services.entities import entity_create, entity_merge
from annotations.services.imports import import_html, import_jsonl, import_text
from annotations.services.watchlist_digests import watchlists_send_digests
from annotations.services.watchlist_edits import (
    MAX_ENTITIES,
    MAX_PERSONAL_WATCHLISTS,
    watchlist_create,
    watchlist_delete,
    watchlist_update,
)
from annotations.services.watchlists import watchlists_match_articles
from tests.factories import make_article

KURSK = (
    "WASHINGTON (Wire) - North Korean troops have moved into the Kursk region, White House "
    "spokesman John Kirby said on Thursday. Kirby said at least 8,000 soldiers were there."
)
HARBOUR = "BUSAN (Wire) - The harbour reopened on Monday after the storm, port officials said."
LATER = timezone.now() + timedelta(hours=1)  # past the digest's settling time


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and then what it queued on commit (the analysis job, inline)."""

    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return call


def hits(watchlist: Watchlist) -> list[int]:
    return sorted(
        WatchlistHit.objects.filter(watchlist=watchlist).values_list("article_id", flat=True)
    )


def watch_notes(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=Notification.Kind.WATCH))


# --- Matching, by import path ------------------------------------------------------------------


def test_a_pasted_article_notifies_a_personal_and_a_team_watchlist(run, team_a, alice, bob, olga):
    mine = watchlist_create(user=alice, name="Kursk", query='kursk "north korean"')
    team = watchlist_create(user=alice, team=team_a, name="Troops", query="troops -drill")
    missed = watchlist_create(user=alice, name="Harbour", query="harbour")

    article, _ = run(import_text, team=team_a, user=alice, text=KURSK, title="Troops in Kursk")

    assert hits(mine) == [article.pk]
    assert hits(team) == [article.pk]
    assert hits(missed) == []
    # The personal watchlist tells alice; the team's tells every member, alice once per hit.
    assert sorted(n.text for n in watch_notes(alice)) == [
        "“Kursk”: Troops in Kursk",
        "“Troops”: Troops in Kursk",
    ]
    assert [n.article_id for n in watch_notes(bob)] == [article.pk]
    assert [n.text for n in watch_notes(olga)] == ["“Troops”: Troops in Kursk"]


def test_a_json_lines_import_matches_each_article(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kirby", query="kirby or peskov")
    report = run(
        import_jsonl,
        team=team_a,
        user=alice,
        lines=[
            json.dumps({"title": "Kursk", "text": KURSK}).encode(),
            json.dumps({"title": "Busan", "text": HARBOUR}).encode(),
            json.dumps({"title": "Peskov", "text": "Dmitry Peskov denied it on Friday."}).encode(),
        ],
    )
    kursk, _busan, peskov = report.created
    assert hits(watch) == sorted([kursk, peskov])
    assert len(watch_notes(alice)) == 2


def kirby_of(run, team, user) -> Entity:
    """The entity the analysis links "John Kirby" to, made by analysing a first article."""
    seed, _ = run(import_text, team=team, user=user, text="John Kirby spoke.", title="Seed")
    return Entity.objects.get(team=team, mentions__article=seed, name="John Kirby")


def test_an_html_import_matches_an_entity_watchlist(run, team_a, alice):
    kirby = kirby_of(run, team_a, alice)
    watch = watchlist_create(user=alice, name="Kirby", entities=[kirby.pk])
    page = f"<html><head><title>Kirby</title></head><body><article><p>{KURSK}</p></article></body>"
    article, _ = run(import_html, team=team_a, user=alice, html=page, url="https://n.example/k")
    assert Mention.objects.filter(article=article, entity=kirby).exists()
    assert hits(watch) == [article.pk]
    assert WatchlistHit.objects.get(watchlist=watch).matched_on == "entities: John Kirby"


def test_an_entity_watched_before_a_merge_matches_mentions_of_the_entity_it_joined(
    run, team_a, alice
):
    kirby = kirby_of(run, team_a, alice)
    watch = watchlist_create(user=alice, name="Spokesman", entities=[kirby.pk])
    target = entity_create(team=team_a, name="Kirby, John", kind="PERSON")
    entity_merge(target=target, others=[kirby], actor=alice)
    article, _ = run(import_text, team=team_a, user=alice, text=KURSK)
    assert Mention.objects.filter(article=article, entity=target).exists()
    assert not Mention.objects.filter(article=article, entity=kirby).exists()
    assert hits(watch) == [article.pk]


def test_analysing_again_never_notifies_twice(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    article, _ = run(import_text, team=team_a, user=alice, text=KURSK)
    assert len(watch_notes(alice)) == 1
    # An edit queues a fresh analysis (run inline in tests); the article still matches.
    run(article_update_text, article=article, text=KURSK + " Kursk again.", actor=alice)
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.DONE
    assert article.nlp_revision == 2
    report = watchlists_match_articles(article_ids=[article.pk])
    assert report.hits == 0
    assert hits(watch) == [article.pk]
    assert len(watch_notes(alice)) == 1


def test_a_paused_watchlist_never_matches_and_matches_again_once_resumed(run, team_a, alice):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk", paused=True)
    first, _ = run(import_text, team=team_a, user=alice, text=KURSK)
    assert hits(watch) == []
    watch = watchlist_update(watchlist=watch, actor=alice, paused=False)
    second, _ = run(import_text, team=team_a, user=alice, text=KURSK + " More.")
    assert hits(watch) == [second.pk]
    assert first.pk != second.pk


def test_facets_of_a_saved_search_narrow_the_match(team_a, alice):
    wire = make_article(team=team_a, text="Old text.", outlet_name="Wire One")
    outlet_id = wire.outlet_id
    by_outlet = watchlist_create(
        user=alice, name="Wire", query="kursk", params={"outlet": [outlet_id]}
    )
    by_date = watchlist_create(
        user=alice,
        name="November",
        query="kursk",
        params={"published_from": "2024-11-01", "published_to": "2024-11-30"},
    )
    inside = make_article(
        team=team_a,
        text=KURSK,
        outlet_name="Wire One",
        published_at=datetime(2024, 11, 2, tzinfo=UTC),
    )
    outside = make_article(
        team=team_a,
        text=KURSK + " Later.",
        outlet_name="Other Wire",
        published_at=datetime(2024, 12, 2, tzinfo=UTC),
    )
    undated = make_article(team=team_a, text=KURSK + " Undated.", outlet_name="Wire One")
    articles_analyze(article_ids=[inside.pk, outside.pk, undated.pk])
    assert hits(by_outlet) == sorted([inside.pk, undated.pk])
    assert hits(by_date) == [inside.pk]


def test_another_teams_article_never_matches_nor_counts(run, team_a, team_b, alice, carol):
    theirs = watchlist_create(user=carol, name="Kursk", query="kursk")
    their_team = watchlist_create(user=carol, team=team_b, name="Kirby", query="kirby")
    kirby_a = kirby_of(run, team_a, alice)
    ours = watchlist_create(user=alice, name="Kirby", entities=[kirby_a.pk])
    article, _ = run(import_text, team=team_a, user=alice, text=KURSK)
    assert hits(theirs) == []
    assert hits(their_team) == []
    assert watch_notes(carol) == []
    assert hits(ours) == [article.pk]
    # Nor does carol see alice's watchlist or its hits.
    assert set(watchlists_for(carol)) == {theirs, their_team}
    assert list(watchlist_hits(carol)) == []
    # Carol's own article reaches her watchlists, not alice's.
    b_article, _ = run(import_text, team=team_b, user=carol, text=KURSK)
    assert hits(theirs) == [b_article.pk]
    assert hits(their_team) == [b_article.pk]
    assert hits(ours) == [article.pk]


def test_a_member_who_left_hears_no_more(run, team_a, alice, dave):
    watch = watchlist_create(user=dave, name="Kursk", query="kursk")
    team_watch = watchlist_create(user=alice, team=team_a, name="Kursk", query="kursk")
    dave.memberships.all().delete()
    article, _ = run(import_text, team=team_a, user=alice, text=KURSK)
    assert hits(watch) == []
    assert hits(team_watch) == [article.pk]
    assert watch_notes(dave) == []


# --- Validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"query": "kursk", "params": {"tag": ["claim"]}}, "tag"),
        ({"query": "kursk", "params": {"author": ["alice"]}}, "author"),
        ({"query": "kursk", "params": {"outlet": ["999999"]}}, "outlet"),
        ({"query": "kursk", "params": {"colour": ["red"]}}, "params"),
        ({"query": "kursk", "params": {"kind": ["annotation"]}}, "kind"),
        ({"query": "kursk", "params": "outlet=3"}, "params"),
        ({"query": " ".join(f"w{n}" for n in range(30))}, "query"),
        ({"query": "-moscow"}, "query"),
        ({"query": "x" * 501}, "query"),
        ({}, "query"),
        ({"entities": [999999]}, "entities"),
        ({"entities": ["1"]}, "entities"),
        ({"query": "kursk", "name": "  "}, "name"),
    ],
)
def test_bad_watchlists_are_field_errors(team_a, alice, kwargs, field):
    kwargs = {"name": "A watchlist", **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        watchlist_create(user=alice, **kwargs)
    assert field in excinfo.value.message_dict
    assert not Watchlist.objects.exists()


def test_caps_and_other_teams_entities(team_a, team_b, alice, carol, victor):
    for n in range(MAX_PERSONAL_WATCHLISTS):
        watchlist_create(user=alice, name=f"W{n}", query=f"word{n}")
    with pytest.raises(ValidationError) as excinfo:
        watchlist_create(user=alice, name="One more", query="kursk")
    assert "team" in excinfo.value.message_dict
    # A team's watchlists are counted apart from personal ones.
    watchlist_create(user=alice, team=team_a, name="Team", query="kursk")
    theirs = entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    with pytest.raises(ValidationError) as excinfo:
        watchlist_create(user=carol, team=team_b, name="Mixed", entities=[theirs.pk, 10**9])
    assert "entities" in excinfo.value.message_dict
    many = [entity_create(team=team_b, name=f"Person {n}", kind="PERSON").pk for n in range(101)]
    with pytest.raises(ValidationError) as excinfo:
        watchlist_create(user=carol, name="Many", entities=many)
    assert str(MAX_ENTITIES) in str(excinfo.value)
    with pytest.raises(ValidationError):  # team A's members cannot watch team B's entity
        watchlist_create(user=alice, name="Grossi", entities=[theirs.pk])
    with pytest.raises(PermissionDenied):  # viewers read; they do not add team watchlists
        watchlist_create(user=victor, team=team_a, name="View", query="kursk")


def test_updates_keep_the_kind_and_delete_removes_hits(run, team_a, alice, bob):
    watch = watchlist_create(user=alice, name="Kursk", query="kursk")
    run(import_text, team=team_a, user=alice, text=KURSK)
    watch = watchlist_update(watchlist=watch, actor=alice, name=" Kursk front ", query="kirby")
    assert (watch.name, watch.query, watch.version) == ("Kursk front", "kirby", 2)
    with pytest.raises(ValidationError) as excinfo:
        watchlist_update(watchlist=watch, actor=alice, entities=[1])
    assert "entities" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        watchlist_update(watchlist=watch, actor=bob, paused=True)
    watchlist_delete(watchlist=watch, actor=alice)
    assert not WatchlistHit.objects.exists()
    assert Notification.objects.filter(kind=Notification.Kind.WATCH).count() == 1


# --- Digest ------------------------------------------------------------------------------------


@pytest.fixture
def mailable(alice, bob, olga):
    for user, address in ((alice, "alice@example.org"), (bob, "bob@example.org"), (olga, "")):
        user.email = address
        user.save(update_fields=["email"])
    return alice


def test_the_digest_sends_each_user_their_hits_once(
    run, team_a, team_b, mailable, alice, bob, carol
):
    carol.email = "carol@example.org"
    carol.save(update_fields=["email"])
    watchlist_create(user=alice, name="Kursk desk", query="kursk", email_digest=True)
    watchlist_create(user=alice, team=team_a, name="Team Kirby", query="kirby", email_digest=True)
    watchlist_create(user=alice, name="Quiet", query="troops")  # not in the digest
    watchlist_create(user=carol, name="B Kursk", query="kursk", email_digest=True)
    article, _ = run(import_text, team=team_a, user=alice, text=KURSK, title="Troops in Kursk")
    run(import_text, team=team_a, user=alice, text=HARBOUR, title="Harbour reopens")

    assert watchlists_send_digests().sent == 0  # hits still settling
    report = watchlists_send_digests(now=LATER)
    assert report.sent == 2  # alice and bob; olga has no address; carol's team had nothing
    by_user = {m.to[0]: m for m in mail.outbox}
    assert set(by_user) == {"alice@example.org", "bob@example.org"}
    alice_mail = by_user["alice@example.org"]
    assert alice_mail.subject == "NewsNotes: 2 new articles on your watchlists"
    assert "Kursk desk" in alice_mail.body
    assert "Team Kirby (team Desk A)" in alice_mail.body
    assert "Quiet" not in alice_mail.body
    assert "Harbour" not in alice_mail.body
    assert f"/articles/{article.pk}/" in alice_mail.body
    bob_mail = by_user["bob@example.org"]
    assert "Team Kirby" in bob_mail.body
    assert "Kursk desk" not in bob_mail.body

    # Run again (a second worker, or the next day with nothing new): nothing is sent twice.
    assert watchlists_send_digests(now=LATER).sent == 0
    assert len(mail.outbox) == 2
    # A new hit goes in the next digest, alone.
    run(import_text, team=team_a, user=alice, text=KURSK + " Again.", title="Kursk, again")
    assert watchlists_send_digests(now=LATER + timedelta(hours=1)).sent == 2
    assert "Kursk, again" in mail.outbox[-1].body
    assert "Troops in Kursk" not in mail.outbox[-1].body
    assert WatchlistDigest.objects.get(user=alice).sent_count == 2


def test_a_failed_send_is_tried_again_and_a_killed_run_never_sends_twice(
    run, team_a, mailable, alice, monkeypatch
):
    watchlist_create(user=alice, name="Kursk", query="kursk", email_digest=True)
    run(import_text, team=team_a, user=alice, text=KURSK, title="Troops in Kursk")

    def refuse(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(watchlist_digests.EmailMultiAlternatives, "send", refuse)
    assert watchlists_send_digests(now=LATER).failed == 1
    assert WatchlistDigest.objects.get(user=alice).last_hit_id == 0  # put back
    monkeypatch.undo()
    assert watchlists_send_digests(now=LATER).sent == 1
    assert len(mail.outbox) == 1

    # A run killed after its state committed but before the send: the next run sends nothing.
    run(import_text, team=team_a, user=alice, text=KURSK + " Again.", title="Kursk, again")

    def killed(self, *args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(watchlist_digests.EmailMultiAlternatives, "send", killed)
    with pytest.raises(SystemExit):
        watchlists_send_digests(now=LATER + timedelta(hours=1))
    monkeypatch.undo()
    assert watchlists_send_digests(now=LATER + timedelta(hours=2)).sent == 0
    assert len(mail.outbox) == 1


def test_periodic_entry_names_the_digest():
    from django.utils.module_loading import import_string

    from annotations.periodic import PERIODIC

    entry = next(p for p in PERIODIC if p.name == "watchlists.digest")
    assert entry.every == timedelta(days=1)
    assert import_string(entry.function) is watchlists_send_digests
