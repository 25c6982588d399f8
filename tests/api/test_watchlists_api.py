"""/api/watchlists/: create, list, pause with If-Match, delete, hits; a 400 naming the field
for bad input, and 404 for another team's (or another user's) watchlist."""

from __future__ import annotations

import pytest

from annotations.models import Notification, Watchlist
from annotations.services.analysis import articles_analyze
from annotations.services.watchlist_edits import MAX_TEAM_WATCHLISTS, watchlist_create
from tests.api.conftest import client_for
from tests.factories import make_article

KURSK = "North Korean troops moved into the Kursk region, spokesman John Kirby said."


def post(user, body):
    return client_for(user).post("/api/watchlists/", body, format="json")


def test_create_list_and_read_a_personal_saved_search(team_a, alice, carol):
    wire = make_article(team=team_a, text="Earlier text.", outlet_name="Wire One")
    response = post(
        alice,
        {
            "name": "Kursk",
            "query": 'kursk "north korean"',
            "params": {"outlet": [str(wire.outlet_id)], "published_from": "2024-11-01"},
            "email_digest": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert body["kind"] == "search"
    assert body["team"] is None
    assert body["params"] == {"outlet": [wire.outlet_id], "published_from": "2024-11-01"}
    assert body["email_digest"] is True
    assert body["hit_count"] == 0
    assert body["search_url"].startswith("/search/?")
    assert "q=kursk" in body["search_url"]
    mine = client_for(alice).get("/api/watchlists/").json()["results"]
    assert [w["id"] for w in mine] == [body["id"]]
    assert client_for(carol).get("/api/watchlists/").json()["results"] == []
    assert client_for(carol).get(f"/api/watchlists/{body['id']}/").status_code == 404


def test_a_team_watchlist_is_seen_and_changed_by_members_only(team_a, alice, bob, carol, victor):
    response = post(alice, {"name": "Desk", "query": "kursk", "team": team_a.pk})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert client_for(victor).get(f"/api/watchlists/{pk}/").status_code == 200
    assert (
        client_for(victor).patch(f"/api/watchlists/{pk}/", {"paused": True}, format="json")
    ).status_code == 403
    for method in ("get", "patch", "delete"):
        answer = getattr(client_for(carol), method)(f"/api/watchlists/{pk}/", {}, format="json")
        assert answer.status_code == 404, method
    assert client_for(carol).get(f"/api/watchlists/{pk}/hits/").status_code == 404
    changed = client_for(bob).patch(
        f"/api/watchlists/{pk}/", {"paused": True}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200
    assert changed.json()["paused"] is True
    assert changed["ETag"] == '"2"'


def test_pause_with_a_stale_etag_is_412_and_changes_nothing(team_a, alice):
    pk = post(alice, {"name": "Kursk", "query": "kursk"}).json()["id"]
    client = client_for(alice)
    assert (
        client.patch(
            f"/api/watchlists/{pk}/", {"name": "Renamed"}, format="json", HTTP_IF_MATCH='"1"'
        ).status_code
        == 200
    )
    stale = client.patch(
        f"/api/watchlists/{pk}/", {"paused": True}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert Watchlist.objects.get(pk=pk).paused is False
    assert client.delete(f"/api/watchlists/{pk}/", HTTP_IF_MATCH='"1"').status_code == 412
    assert client.delete(f"/api/watchlists/{pk}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert not Watchlist.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "kursk", "params": {"tag": ["claim"]}}, "tag"),
        ({"query": "kursk", "params": {"review": ["approved"]}}, "review"),
        ({"query": "kursk", "params": {"entity": ["12x"]}}, "entity"),
        ({"query": "kursk", "params": {"published_from": "yesterday"}}, "published_from"),
        ({"query": "kursk", "params": {"published_from": ["2024-01-01"]}}, "published_from"),
        ({"query": "kursk", "params": {"nope": 1}}, "params"),
        ({"query": "kursk", "params": ["outlet"]}, "params"),
        ({"query": '"' * 3}, "query"),
        ({"query": "-only -exclusions"}, "query"),
        ({"query": "a " * 300}, "query"),
        ({}, "query"),
        ({"entities": list(range(1, 102))}, "entities"),
        ({"entities": [2**70]}, "entities"),
        ({"query": "kursk", "entities": [1]}, "entities"),
        ({"query": "kursk", "name": ""}, "name"),
        ({"query": "kursk", "name": "x" * 201}, "name"),
        ({"query": "kursk", "paused": "perhaps"}, "paused"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(team_a, alice, body, field):
    response = post(alice, {"name": "W", **body})
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [k for k in errors if k == field or k.startswith(f"{field}.")], errors
    assert not Watchlist.objects.exists()


def test_another_teams_ids_are_unknown_not_forbidden(team_a, team_b, alice, carol):
    theirs = make_article(team=team_b, text="Desk B text.", outlet_name="B Wire")
    response = post(alice, {"name": "B", "query": "kursk", "team": team_b.pk})
    assert response.status_code == 400
    assert "team" in response.json()["errors"]
    response = post(
        alice, {"name": "B", "query": "kursk", "params": {"outlet": [theirs.outlet_id]}}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["outlet"] == [f"Unknown outlet: {theirs.outlet_id}."]


def test_too_many_team_watchlists_is_a_400(team_a, alice):
    for n in range(MAX_TEAM_WATCHLISTS):
        watchlist_create(user=alice, team=team_a, name=f"W{n}", query=f"word{n}")
    response = post(alice, {"name": "More", "query": "kursk", "team": team_a.pk})
    assert response.status_code == 400
    assert "team" in response.json()["errors"]


def test_hits_and_the_inbox_link_to_the_reader(team_a, team_b, alice, carol):
    pk = post(alice, {"name": "Kursk", "query": "kursk"}).json()["id"]
    post(carol, {"name": "Kursk", "query": "kursk"})
    article = make_article(team=team_a, text=KURSK, title="Troops in Kursk", outlet_name="Wire")
    theirs = make_article(team=team_b, text=KURSK, title="Desk B's copy")
    articles_analyze(article_ids=[article.pk, theirs.pk])

    hits = client_for(alice).get(f"/api/watchlists/{pk}/hits/").json()["results"]
    assert [(h["article"]["id"], h["article"]["title"], h["url"]) for h in hits] == [
        (article.pk, "Troops in Kursk", f"/articles/{article.pk}/")
    ]
    assert hits[0]["article"]["outlet"] == "Wire"
    assert client_for(alice).get(f"/api/watchlists/{pk}/").json()["hit_count"] == 1
    notes = client_for(alice).get("/api/notifications/?kind=watch").json()["results"]
    assert [(n["kind"], n["article"], n["text"]) for n in notes] == [
        ("watch", article.pk, "“Kursk”: Troops in Kursk")
    ]
    # Had alice left the team, the notification would no longer show.
    alice.memberships.all().delete()
    assert client_for(alice).get("/api/notifications/").json()["results"] == []
    assert Notification.objects.filter(user=alice).count() == 1
