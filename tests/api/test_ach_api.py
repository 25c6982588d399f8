"""/api/analyses/: create, hypotheses, evidence, one PATCH per cell, the matrix, history and
restore, exports; 400 naming the field, 404 across teams, 412 on a stale If-Match."""

from __future__ import annotations

import csv
import io

import pytest

from annotations.services.annotations import annotation_create
from tests.api.conftest import client_for
from tests.factories import make_article

TEXT = "Kirby said the troops traveled by ship to Vladivostok. =HYPERLINK(1) said nobody."


@pytest.fixture
def made(team_a, alice, tags_a):
    api = client_for(alice)
    created = api.post(
        "/api/analyses/",
        {"team": team_a.pk, "question": "How did they travel?", "hypotheses": ["Ship", "Rail"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"'
    pk = created.json()["id"]
    article = make_article(team=team_a, text=TEXT)
    quote = "the troops traveled by ship"
    claim = annotation_create(
        article=article,
        author=alice,
        start=TEXT.index(quote),
        end=TEXT.index(quote) + len(quote),
        tags=[tags_a["claim"]],
    )
    return api, pk, claim


def test_build_rate_and_rank(made):
    api, pk, claim = made
    candidates = api.get(f"/api/analyses/{pk}/claims/?q=ship").json()
    assert [c["id"] for c in candidates] == [claim.pk]
    added = api.post(
        f"/api/analyses/{pk}/evidence/",
        {"annotation": claim.pk, "credibility": 2},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert added.status_code == 201, added.json()
    assert added["ETag"] == '"2"'
    matrix = added.json()
    ship, rail = (h["id"] for h in matrix["hypotheses"])
    row = matrix["evidence"][0]
    assert row["quote"] == "the troops traveled by ship"
    assert row["effective_weight"] == 1.25
    cell = api.patch(
        f"/api/analyses/{pk}/ratings/",
        {"evidence": row["id"], "hypothesis": ship, "value": "I"},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert cell.status_code == 200
    body = cell.json()
    assert body["ranking"] == [rail, ship]
    assert [h["inconsistency"] for h in body["hypotheses"]] == [1.25, 0.0]
    assert body["evidence"][0]["diagnostic"] is False  # only one rated cell
    assert body["evidence"][0]["changes_top"] is True
    assert api.get(f"/api/analyses/{pk}/matrix/").json() == body
    history = api.get(f"/api/analyses/{pk}/history/").json()
    assert [v["number"] for v in history] == [3, 2, 1]
    assert history[0]["actor"] == "alice"
    back = api.post(f"/api/analyses/{pk}/restore/", {"version": 2}, format="json")
    assert back.status_code == 200
    assert back["ETag"] == '"4"'
    assert back.json()["evidence"][0]["ratings"] == {}
    assert back.json()["ranking"] == [ship, rail]


def test_exports(made):
    api, pk, _claim = made
    api.post(f"/api/analyses/{pk}/evidence/", {"note": "=cmd|' /C calc'!A0"}, format="json")
    matrix = api.get(f"/api/analyses/{pk}/matrix/").json()
    h = matrix["hypotheses"][0]["id"]
    e = matrix["evidence"][0]["id"]
    api.patch(
        f"/api/analyses/{pk}/ratings/",
        {"evidence": e, "hypothesis": h, "value": "CC"},
        format="json",
    )
    answer = api.get(f"/api/analyses/{pk}/export.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][:6] == ["evidence", "claim", "quote", "note", "Ship", "Rail"]
    assert rows[1][3] == "'=cmd|' /C calc'!A0"  # a formula is defused
    assert rows[1][4:6] == ["CC", ""]
    assert rows[-1][3:6] == ["rank", "1", "2"]
    as_json = api.get(f"/api/analyses/{pk}/export.json")
    assert as_json.status_code == 200
    data = as_json.json()
    assert data["format"] == "newsnotes-ach"
    assert data["evidence"][0]["ratings"] == {str(h): "CC"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("ratings/", {"evidence": 1, "hypothesis": 1, "value": "maybe"}, "value"),
        ("evidence/", {"note": "n", "credibility": 9}, "credibility"),
        ("evidence/", {"note": "n", "reliability": "Z"}, "reliability"),
        ("evidence/", {}, "note"),
        ("evidence/", {"annotation": 10**20}, "annotation"),
        ("hypotheses/", {"text": ""}, "text"),
        ("restore/", {"version": 42}, "version"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(made, path, body, field):
    api, pk, _ = made
    if path == "ratings/":
        matrix = api.post(f"/api/analyses/{pk}/evidence/", {"note": "n"}, format="json").json()
        body = {
            **body,
            "evidence": matrix["evidence"][0]["id"],
            "hypothesis": matrix["hypotheses"][0]["id"],
        }
    method = api.patch if path == "ratings/" else api.post
    answer = method(f"/api/analyses/{pk}/{path}", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in str(answer.json())


def test_claim_of_another_team_is_refused(made, team_b, carol):
    api, pk, _ = made
    other = make_article(team=team_b, text=TEXT)
    foreign = annotation_create(article=other, author=carol, start=0, end=5)
    answer = api.post(f"/api/analyses/{pk}/evidence/", {"annotation": foreign.pk}, format="json")
    assert answer.status_code == 400
    assert "annotation" in str(answer.json())


def test_another_team_gets_404_everywhere(made, carol):
    api, pk, _ = made
    matrix = api.post(f"/api/analyses/{pk}/evidence/", {"note": "n"}, format="json").json()
    e, h = matrix["evidence"][0]["id"], matrix["hypotheses"][0]["id"]
    other = client_for(carol)
    assert other.get("/api/analyses/").json()["results"] == []
    for method, path in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("get", "matrix/"),
        ("get", "history/"),
        ("get", "claims/"),
        ("get", "export.csv"),
        ("get", "export.json"),
        ("post", "hypotheses/"),
        ("patch", f"hypotheses/{h}/"),
        ("delete", f"evidence/{e}/"),
        ("patch", "ratings/"),
        ("post", "restore/"),
    ]:
        answer = getattr(other, method)(f"/api/analyses/{pk}/{path}", {}, format="json")
        assert answer.status_code == 404, (method, path)


def test_stale_if_match_is_412_and_changes_nothing(made):
    api, pk, _ = made
    ok = api.post(
        f"/api/analyses/{pk}/hypotheses/", {"text": "Air"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert ok.status_code == 201
    assert ok["ETag"] == '"2"'
    stale = api.post(
        f"/api/analyses/{pk}/hypotheses/", {"text": "Foot"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    h = ok.json()["hypotheses"][0]["id"]
    for call in (
        lambda: api.patch(
            f"/api/analyses/{pk}/", {"question": "x"}, format="json", HTTP_IF_MATCH='"1"'
        ),
        lambda: api.delete(f"/api/analyses/{pk}/hypotheses/{h}/", HTTP_IF_MATCH='"1"'),
        lambda: api.post(
            f"/api/analyses/{pk}/restore/", {"version": 1}, format="json", HTTP_IF_MATCH='"1"'
        ),
    ):
        assert call().status_code == 412
    matrix = api.get(f"/api/analyses/{pk}/matrix/").json()
    assert [x["text"] for x in matrix["hypotheses"]] == ["Ship", "Rail", "Air"]
    assert matrix["version"] == 2
    assert matrix["question"] == "How did they travel?"


def test_edit_rows_and_delete(made):
    api, pk, _ = made
    matrix = api.post(f"/api/analyses/{pk}/evidence/", {"note": "n"}, format="json").json()
    e, h = matrix["evidence"][0]["id"], matrix["hypotheses"][1]["id"]
    edited = api.patch(
        f"/api/analyses/{pk}/evidence/{e}/", {"weight": 2.5, "reliability": "A"}, format="json"
    ).json()
    assert edited["evidence"][0]["effective_weight"] == 2.5
    assert edited["evidence"][0]["reliability"] == "A"
    renamed = api.patch(f"/api/analyses/{pk}/hypotheses/{h}/", {"text": "Train"}, format="json")
    assert [x["text"] for x in renamed.json()["hypotheses"]] == ["Ship", "Train"]
    assert api.delete(f"/api/analyses/{pk}/evidence/{e}/").json()["evidence"] == []
    assert api.delete(f"/api/analyses/{pk}/").status_code == 204
    assert api.get(f"/api/analyses/{pk}/").status_code == 404
