"""/api/network/, /api/network/edges/ and /api/relations/: the graph of a team, the passages
behind an edge, typed relations (CRUD, If-Match, history, CSV and JSON export); 400 naming
the field for bad input, 404 for another team's team, entity or relation."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotations.models import EntityPair, Mention
from annotations.services.analysis import articles_analyze
from annotations.services.entities import entity_create
from annotations.services.network import network_pairs_compute
from tests.api.conftest import client_for
from tests.factories import make_article

TEXT = "Kim Jong Un met Sergei Shoigu in Pyongyang. Shoigu later flew to Moscow."


@pytest.fixture
def world(team_a, alice):
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    people = {}
    for name, word in (("Kim Jong Un", "Kim Jong Un"), ("Sergei Shoigu", "Sergei Shoigu")):
        people[name] = entity_create(team=team_a, name=name, kind="PERSON")
        at = TEXT.index(word)
        Mention.objects.create(
            article=article, entity=people[name], start=at, end=at + len(word), text=word
        )
    network_pairs_compute(article_ids=[article.pk])
    return article, people["Kim Jong Un"], people["Sergei Shoigu"]


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def test_graph_and_edge(world, alice):
    article, kim, shoigu = world
    graph = client_for(alice).get("/api/network/").json()
    assert [n["name"] for n in graph["nodes"]] == ["Kim Jong Un", "Sergei Shoigu"]
    assert graph["edges"] == [{"left": kim.pk, "right": shoigu.pk, "weight": 1, "relations": []}]
    edge = client_for(alice).get(f"/api/network/edges/?left={shoigu.pk}&right={kim.pk}").json()
    assert edge["left"]["name"] == "Sergei Shoigu"
    [passage] = edge["passages"]
    assert passage["text"] == "Kim Jong Un met Sergei Shoigu in Pyongyang."
    assert passage["url"] == f"/articles/{article.pk}/#t-0-43"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2024-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2024-02-01&to=2024-01-01", "to"),
        ("min_weight=0", "min_weight"),
        ("min_weight=abc", "min_weight"),
        ("outlet=-3", "outlet"),
        ("kind=tweet", "kind"),
        ("tag=not%20a%20slug", "tag"),
        ("team=99999999999999999999999", "team"),
    ],
)
def test_bad_filters_are_400_naming_the_field(alice, world, query, field):
    assert field in errors(client_for(alice).get(f"/api/network/?{query}"))


def test_bad_edge_is_400_and_other_teams_are_404(world, alice, carol, team_a):
    _, kim, shoigu = world
    assert "left" in errors(client_for(alice).get(f"/api/network/edges/?right={kim.pk}"))
    same = f"/api/network/edges/?left={kim.pk}&right={kim.pk}"
    assert "right" in errors(client_for(alice).get(same))
    assert client_for(carol).get(f"/api/network/?team={team_a.pk}").status_code == 404
    pair = f"/api/network/edges/?left={kim.pk}&right={shoigu.pk}"
    assert client_for(carol).get(pair).status_code == 404
    assert client_for(carol).get("/api/network/").json()["edges"] == []


def test_relations_crud_history_and_export(world, alice, dave, carol):
    _, kim, shoigu = world
    client = client_for(alice)
    bad = client.post("/api/relations/", {"source": kim.pk, "target": shoigu.pk}, format="json")
    assert "label" in errors(bad)
    too_long = {"source": kim.pk, "target": shoigu.pk, "label": "x" * 61}
    assert "label" in errors(client.post("/api/relations/", too_long, format="json"))
    created = client.post(
        "/api/relations/",
        {"source": kim.pk, "target": shoigu.pk, "label": "met with", "note": "=cmd"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created["ETag"] == '"1"'
    assert client_for(carol).get(f"/api/relations/{pk}/").status_code == 404
    theirs = {"source": kim.pk, "target": shoigu.pk, "label": "commands"}
    refused = client_for(carol).post("/api/relations/", theirs, format="json")
    assert refused.status_code == 400  # entities named in the body: a 400 naming the field
    assert "source" in refused.json()["errors"]

    stale = client_for(dave).patch(
        f"/api/relations/{pk}/", {"label": "allied with"}, format="json", HTTP_IF_MATCH='"7"'
    )
    assert stale.status_code == 412
    changed = client_for(dave).patch(
        f"/api/relations/{pk}/", {"label": "allied with"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert changed.status_code == 200
    assert changed["ETag"] == '"2"'
    body = changed.json()
    assert body["label"] == "allied with"
    assert [(h["action"], h["label"], h["by"]) for h in body["history"]] == [
        ("created", "met with", "alice"),
        ("updated", "allied with", "dave"),
    ]
    graph = client.get("/api/network/").json()
    assert graph["edges"][0]["relations"] == ["allied with"]
    edge = client.get(f"/api/network/edges/?left={kim.pk}&right={shoigu.pk}").json()
    assert [r["label"] for r in edge["relations"]] == ["allied with"]

    exported = client.get("/api/relations/export/?file_format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["label"] == "allied with"
    assert rows[0]["note"] == "'=cmd"
    assert rows[0]["source"] == "Kim Jong Un"
    assert rows[0]["changes"] == "2"
    as_json = client.get("/api/relations/export/?file_format=json")
    data = json.loads(b"".join(as_json.streaming_content))
    assert data[0]["id"] == pk
    assert len(data[0]["history"]) == 2
    assert "file_format" in errors(client.get("/api/relations/export/?file_format=xml"))
    empty = client_for(carol).get("/api/relations/export/?file_format=json")
    assert json.loads(b"".join(empty.streaming_content)) == []

    assert client_for(carol).delete(f"/api/relations/{pk}/").status_code == 404
    assert client.delete(f"/api/relations/{pk}/").status_code == 204
    assert client.get("/api/relations/").json() == []


def test_analysis_writes_the_pairs(team_a, alice):
    article = make_article(
        team=team_a,
        text="White House spokesman John Kirby met Antony Blinken in Washington on Monday.",
        imported_by=alice,
    )
    articles_analyze(article_ids=[article.pk])
    mentioned = set(Mention.objects.filter(article=article).values_list("entity_id", flat=True))
    assert len(mentioned) >= 2
    pairs = EntityPair.objects.filter(article=article, kind="sentence")
    assert pairs.count() == len(mentioned) * (len(mentioned) - 1) // 2
