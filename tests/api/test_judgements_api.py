"""The judgements API: list, record, undo; another team's ids answer 404 (URL) or 400 (body)."""

from __future__ import annotations

import pytest

from annotations.models import Entity, EntityJudgement, Mention


@pytest.fixture
def pair(team_a, article):
    start = article.text.index("John Kirby")
    full = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    short = Entity.objects.create(team=team_a, name="Kirby", kind="PERSON")
    mention = Mention.objects.create(
        article=article, entity=short, start=start + 5, end=start + 10, text="Kirby", label="PERSON"
    )
    return full, short, mention


def test_record_list_and_undo_a_merge(api, alice, pair):
    full, short, mention = pair
    client = api(alice)
    response = client.post(
        "/api/judgements/",
        {"left": full.pk, "right": short.pk, "judgement": "same"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["judgement"] == "same"
    assert body["active"] is True
    assert body["user"]["username"] == "alice"
    assert (body["left"]["id"], body["right"]["id"]) == (full.pk, short.pk)
    assert Mention.objects.get(pk=mention.pk).entity == full
    entity = client.get(f"/api/entities/{short.pk}/").json()
    assert entity["merged_into"] == full.pk

    listed = client.get(f"/api/judgements/?entity={short.pk}").json()
    assert [j["id"] for j in listed["results"]] == [body["id"]]

    undone = client.post(f"/api/judgements/{body['id']}/undo/")
    assert undone.status_code == 200, undone.content
    assert undone.json()["active"] is False
    assert undone.json()["undone_by"]["username"] == "alice"
    assert Mention.objects.get(pk=mention.pk).entity == short
    again = client.post(f"/api/judgements/{body['id']}/undo/")
    assert again.status_code == 400
    assert "judgement" in again.json()["errors"]


def test_not_same_then_merge_is_a_400_naming_the_field(api, alice, pair):
    full, short, _ = pair
    client = api(alice)
    assert (
        client.post(
            "/api/judgements/",
            {"left": full.pk, "right": short.pk, "judgement": "not_same"},
            format="json",
        ).status_code
        == 201
    )
    merge = client.post(f"/api/entities/{full.pk}/merge/", {"others": [short.pk]}, format="json")
    assert merge.status_code == 400
    assert "not the same" in str(merge.json())
    bad = client.post(
        "/api/judgements/",
        {"left": full.pk, "right": short.pk, "judgement": "maybe"},
        format="json",
    )
    assert bad.status_code == 400
    assert "judgement" in bad.json()["errors"]


def test_other_teams_judgements_are_404_and_their_entities_400(api, alice, carol, bob, pair):
    full, short, _ = pair
    record = (
        api(alice)
        .post(
            "/api/judgements/",
            {"left": full.pk, "right": short.pk, "judgement": "unsure"},
            format="json",
        )
        .json()
    )
    outsider = api(carol)
    assert outsider.get(f"/api/judgements/{record['id']}/").status_code == 404
    assert outsider.post(f"/api/judgements/{record['id']}/undo/").status_code == 404
    assert outsider.get("/api/judgements/").json()["results"] == []
    own = Entity.objects.create(team=carol.memberships.get().team, name="X", kind="PERSON")
    crossed = outsider.post(
        "/api/judgements/", {"left": own.pk, "right": full.pk, "judgement": "same"}, format="json"
    )
    assert crossed.status_code == 400
    assert "right" in crossed.json()["errors"]
    # A reviewer reads but does not judge.
    assert api(bob).post(f"/api/judgements/{record['id']}/undo/").status_code == 403
    assert EntityJudgement.objects.get(pk=record["id"]).undone_at is None


def test_imported_text_gets_its_language_detected_unless_stated(api, alice, team_a):
    client = api(alice)
    french = "Le président Emmanuel Macron a déclaré mardi que la France soutiendrait l'Ukraine."
    detected = client.post("/api/articles/", {"team": team_a.pk, "text": french}, format="json")
    assert detected.status_code == 201, detected.content
    assert detected.json()["language"] == "fr"
    stated = client.post(
        "/api/articles/",
        {"team": team_a.pk, "text": french + " Encore.", "language": "en"},
        format="json",
    )
    assert stated.json()["language"] == "en"
