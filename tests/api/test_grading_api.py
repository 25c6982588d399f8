"""/api/source-grades/ and /api/annotations/{id}/credibility/: grading through the API, 400s
naming the field, 404 across teams, the annotation list's grade filters, and the grades in the
CSV, JSON Lines and JSON-LD exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotations.models import Article, Entity, SourceGrade
from annotations.services.annotations import annotation_create
from annotations.services.grading import annotation_credibility_set, source_grade_set
from tests.api.conftest import client_for
from tests.factories import make_article
from tests.jsonld_schema import problems

TEXT = "Kirby said the troops traveled by ship to Vladivostok. Moscow denied it."


@pytest.fixture
def kirby(team_a):
    return Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)


@pytest.fixture
def wire(team_a, alice):
    return make_article(team=team_a, text=TEXT, outlet_name="Wire One", imported_by=alice)


@pytest.fixture
def claims(wire, alice, kirby, tags_a):
    by_kirby = annotation_create(
        article=wire,
        author=alice,
        start=0,
        end=5,
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
    )
    other = annotation_create(article=wire, author=alice, start=56, end=62, tags=[tags_a["claim"]])
    return by_kirby, other


def post_grade(user, body):
    return client_for(user).post("/api/source-grades/", body, format="json")


def test_grade_an_entity_then_read_its_history(alice, dave, kirby, team_a):
    first = post_grade(alice, {"entity": kirby.pk, "reliability": "C", "reason": "new voice"})
    assert first.status_code == 201, first.json()
    assert first.json()["current"] is True
    assert first.json()["team"] == team_a.pk
    second = post_grade(dave, {"entity": kirby.pk, "reliability": "B", "reason": "track record"})
    assert second.status_code == 201
    history = client_for(alice).get("/api/source-grades/", {"entity": kirby.pk}).json()
    rows = history["results"]
    assert [(r["reliability"], r["created_by"]["username"], r["current"]) for r in rows] == [
        ("B", "dave", True),
        ("C", "alice", False),
    ]
    current = client_for(alice).get("/api/source-grades/", {"current": "true"}).json()
    assert [r["reliability"] for r in current["results"]] == ["B"]
    cleared = post_grade(alice, {"entity": kirby.pk, "reliability": "", "reason": "retired"})
    assert cleared.status_code == 201
    assert cleared.json()["current"] is False
    assert client_for(alice).get("/api/source-grades/", {"current": "true"}).json()["results"] == []


def test_grade_an_outlet_names_the_team(alice, wire, team_a):
    missing = post_grade(alice, {"outlet": wire.outlet_id, "reliability": "B"})
    assert missing.status_code == 400
    assert "team" in json.dumps(missing.json())
    ok = post_grade(alice, {"outlet": wire.outlet_id, "team": team_a.pk, "reliability": "B"})
    assert ok.status_code == 201, ok.json()
    assert ok.json()["source_name"] == "Wire One"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reliability": "G"}, "reliability"),
        ({"reliability": "b"}, "reliability"),
        ({"reliability": 3}, "reliability"),
        ({"reliability": "B", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"reliability": "B", "expires_at": "soon"}, "expires_at"),
        ({"reliability": "B", "reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_grades_answer_400_naming_the_field(alice, kirby, body, field):
    response = post_grade(alice, {"entity": kirby.pk, **body})
    assert response.status_code == 400
    assert field in json.dumps(response.json())
    assert not SourceGrade.objects.exists()


def test_another_teams_sources_and_grades_are_not_found(alice, carol, kirby, wire, team_a, team_b):
    grade = source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="A")
    response = post_grade(carol, {"entity": kirby.pk, "reliability": "E"})
    assert response.status_code == 400
    assert "entity" in json.dumps(response.json())
    assert client_for(carol).get(f"/api/source-grades/{grade.pk}/").status_code == 404
    wire_of_a = Article.objects.get(team=team_a).outlet_id
    theirs = post_grade(carol, {"outlet": wire_of_a, "team": team_b.pk, "reliability": "E"})
    assert theirs.status_code == 400
    assert "outlet" in json.dumps(theirs.json())
    listed = client_for(carol).get("/api/source-grades/", {"entity": kirby.pk}).json()
    assert listed["results"] == []
    assert client_for(alice).get(f"/api/source-grades/{grade.pk}/").status_code == 200


def test_credibility_with_if_match(alice, carol, claims):
    by_kirby, _ = claims
    url = f"/api/annotations/{by_kirby.pk}/credibility/"
    client = client_for(alice)
    stale = client.put(url, {"credibility": "2"}, format="json", HTTP_IF_MATCH='"99"')
    assert stale.status_code == 412
    ok = client.put(url, {"credibility": "2"}, format="json", HTTP_IF_MATCH=f'"{by_kirby.version}"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["credibility"] == "2"
    assert ok["ETag"] == f'"{by_kirby.version + 1}"'
    bad = client.patch(url, {"credibility": "7"}, format="json")
    assert bad.status_code == 400
    assert "credibility" in bad.json()["errors"] or "credibility" in json.dumps(bad.json())
    assert client_for(carol).put(url, {"credibility": "5"}, format="json").status_code == 404
    listed = client.get("/api/annotations/", {"article": by_kirby.article_id}).json()
    assert {a["id"]: a["credibility"] for a in listed["results"]}[by_kirby.pk] == "2"


def test_the_list_filters_by_credibility_and_source_reliability(alice, team_a, wire, kirby, claims):
    by_kirby, other = claims
    annotation_credibility_set(annotation=by_kirby, actor=alice, credibility="2")
    source_grade_set(team=team_a, actor=alice, outlet=wire.outlet, reliability="C")
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B")

    def ids(**params):
        response = client_for(alice).get("/api/annotations/", {"article": wire.pk, **params})
        assert response.status_code == 200, response.json()
        return {a["id"] for a in response.json()["results"]}

    assert ids(credibility="2") == {by_kirby.pk}
    assert ids(credibility="none") == {other.pk}
    assert ids(reliability="B") == {by_kirby.pk}
    assert ids(reliability="C") == {other.pk}
    assert ids(reliability="A") == set()
    bad = client_for(alice).get("/api/annotations/", {"reliability": "Z"})
    assert bad.status_code == 400
    assert "reliability" in json.dumps(bad.json())


def test_exports_carry_the_grades(alice, team_a, wire, kirby, claims):
    by_kirby, other = claims
    annotation_credibility_set(annotation=by_kirby, actor=alice, credibility="2")
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B")
    source_grade_set(team=team_a, actor=alice, outlet=wire.outlet, reliability="D")
    client = client_for(alice)

    def body(fmt):
        response = client.get(f"/api/teams/{team_a.pk}/export/", {"format": fmt})
        assert response.status_code == 200
        return b"".join(response.streaming_content).decode()

    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(body("csv").lstrip("\ufeff")))}
    assert (rows[by_kirby.pk]["source_reliability"], rows[by_kirby.pk]["credibility"]) == ("B", "2")
    assert (rows[other.pk]["source_reliability"], rows[other.pk]["credibility"]) == ("D", "")
    records = {r["id"]: r for r in map(json.loads, body("jsonl").splitlines())}
    assert records[by_kirby.pk]["source_reliability"] == "B"
    assert records[by_kirby.pk]["credibility"] == "2"
    doc = json.loads(body("jsonld"))
    assert problems(doc, definition="collectionDocument") == []
    ratings = {
        item["id"].rsplit("/", 2)[-2]: item.get("schema:contentRating", {}).get(
            "schema:ratingValue"
        )
        for item in doc["first"]["items"]
    }
    assert ratings[str(by_kirby.pk)] == "B2"
    assert ratings[str(other.pk)] == "D\N{EN DASH}"


def test_search_has_a_grade_facet(alice, carol, team_a, wire, kirby, claims):
    by_kirby, other = claims
    annotation_credibility_set(annotation=by_kirby, actor=alice, credibility="2")
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B")
    client = client_for(alice)
    body = client.get("/api/search/", {"q": "Kirby OR Moscow", "kind": "annotation"}).json()
    assert [(f["value"], f["count"]) for f in body["facets"]["grade"]] == [("B2", 1)]
    narrowed = client.get("/api/search/", {"q": "Kirby OR Moscow", "grade": "B2"}).json()
    hits = narrowed["results"]["annotation"]["hits"]
    assert [h["id"] for h in hits] == [by_kirby.pk]
    for bad in ("G2", "B7", "\N{EN DASH}\N{EN DASH}", "B22"):
        response = client.get("/api/search/", {"q": "Kirby", "grade": bad})
        assert response.status_code == 400
        assert "grade" in response.json()["errors"]
    assert other.pk not in [h["id"] for h in hits]
