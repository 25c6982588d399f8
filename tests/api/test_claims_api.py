"""The claims API: clusters, their timeline and hedges, judgements and their undo, "already
assessed" and its adoption; 400 for bad input, 404 across teams."""

from __future__ import annotations

import pytest

from annotations.models import ClaimAppearance, Membership
from tests.claims_world import make_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team_a, alice):
    return make_claims(team_a, alice)


def _cluster(annotation) -> int:
    return ClaimAppearance.objects.get(annotation=annotation).cluster_id


def test_list_and_detail(api, alice, world):
    _, (courier_kursk, _courier_losses, wire_kursk) = world
    client = api(alice)
    listed = client.get("/api/claims/").json()["results"]
    assert sorted(c["appearances"] for c in listed) == [1, 2]
    detail = client.get(f"/api/claims/{_cluster(wire_kursk)}/")
    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body["first_appearance"]["annotation"] == wire_kursk.pk
    assert body["first_appearance"]["outlet"] == "NewsNotes Wire"
    assert [a["annotation"] for a in body["timeline"]] == [wire_kursk.pk, courier_kursk.pk]
    assert body["timeline"][1]["dropped"] == ["epistemic"]
    assert body["timeline"][0]["reader_url"].endswith(f"#a-{wire_kursk.pk}")
    kinds = {h["kind"] for h in body["timeline"][0]["hedges"]}
    assert kinds == {"epistemic", "approximation"}


def test_filters(api, alice, world):
    client = api(alice)
    assert client.get("/api/claims/?strength=hedged").json()["results"]
    assert client.get("/api/claims/?strength=asserted").json()["results"] == []
    bad = client.get("/api/claims/?strength=firm")
    assert bad.status_code == 400
    assert "strength" in bad.text
    assert client.get("/api/claims/?speaker=abc").status_code == 400
    _, (_, _, wire) = world
    rows = client.get(f"/api/claim-appearances/?cluster={_cluster(wire)}").json()
    assert len(rows) == 2
    assert client.get("/api/claim-appearances/?strength=unverified").json() == []
    assert client.get("/api/claim-appearances/?strength=nope").status_code == 400


def test_confirm_split_move_and_undo(api, alice, world):
    _, (courier_kursk, courier_losses, wire_kursk) = world
    client = api(alice)
    kursk = _cluster(wire_kursk)
    confirmed = client.post(f"/api/claims/{kursk}/confirm/", {"note": "same"}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert client.get(f"/api/claims/{kursk}/").json()["confirmed_by"]["username"] == "alice"
    undone = client.post(f"/api/claim-judgements/{confirmed.json()['id']}/undo/")
    assert undone.status_code == 200
    assert undone.json()["active"] is False
    assert client.get(f"/api/claims/{kursk}/").json()["confirmed_at"] is None

    courier = ClaimAppearance.objects.get(annotation=courier_kursk).pk
    split = client.post(f"/api/claims/{kursk}/split/", {"appearances": [courier]}, format="json")
    assert split.status_code == 201, split.content
    assert _cluster(courier_kursk) == split.json()["target"]
    client.post(f"/api/claim-judgements/{split.json()['id']}/undo/")
    assert _cluster(courier_kursk) == kursk

    losses = _cluster(courier_losses)
    moved = client.post(
        f"/api/claims/{kursk}/move/", {"appearances": [courier], "target": losses}, format="json"
    )
    assert moved.status_code == 201, moved.content
    assert _cluster(courier_kursk) == losses
    assert client.post(f"/api/claim-judgements/{moved.json()['id']}/undo/").status_code == 200
    assert _cluster(courier_kursk) == kursk
    again = client.post(f"/api/claim-judgements/{moved.json()['id']}/undo/")
    assert again.status_code == 400


def test_bad_input_is_a_400(api, alice, world):
    _, (_courier_kursk, courier_losses, wire_kursk) = world
    client = api(alice)
    single = _cluster(courier_losses)
    appearance = ClaimAppearance.objects.get(annotation=courier_losses).pk
    one = client.post(f"/api/claims/{single}/split/", {"appearances": [appearance]}, format="json")
    assert one.status_code == 400
    assert "cluster" in one.text
    for body in ({}, {"appearances": []}, {"appearances": ["x"]}, {"appearances": [10**30]}):
        assert client.post(f"/api/claims/{single}/split/", body, format="json").status_code == 400
    kursk = _cluster(wire_kursk)
    assert (
        client.post(f"/api/claims/{kursk}/merge/", {"target": kursk}, format="json").status_code
        == 400
    )
    assert (
        client.patch(f"/api/claims/{kursk}/", {"canonical": ""}, format="json").status_code == 400
    )


def test_merge_across_teams_is_a_400(api, team_a, team_b, alice, carol, world):
    _, (_, _, wire_b) = make_claims(team_b, carol)
    _, (_, _, wire_a) = world
    # Alice joins team B too: she sees both clusters, and still may not merge them.
    Membership.objects.create(team=team_b, user=alice, role=Membership.Role.ANALYST)
    client = api(alice)
    response = client.post(
        f"/api/claims/{_cluster(wire_a)}/merge/", {"target": _cluster(wire_b)}, format="json"
    )
    assert response.status_code == 400
    assert "target" in response.text
    # Carol is not in team A: the cluster is not hers to name (400) nor to read (404).
    other = api(carol)
    assert other.get(f"/api/claims/{_cluster(wire_a)}/").status_code == 404
    assert (
        other.post(
            f"/api/claims/{_cluster(wire_b)}/merge/", {"target": _cluster(wire_a)}, format="json"
        ).status_code
        == 400
    )
    assert {c["team"] for c in other.get("/api/claims/").json()["results"]} == {team_b.pk}


def test_already_assessed_and_adopt(api, alice, dave, world):
    _, (courier_kursk, _, wire_kursk) = world
    client = api(dave)
    found = client.get(f"/api/annotations/{courier_kursk.pk}/claim/").json()
    assert found["assessed"] is None
    refused = api(alice).post(f"/api/annotations/{courier_kursk.pk}/claim/adopt/")
    assert refused.status_code == 400
    api(alice).patch(
        f"/api/annotations/{wire_kursk.pk}/", {"assessment": "disputed"}, format="json"
    )
    found = client.get(f"/api/annotations/{courier_kursk.pk}/claim/").json()
    assert found["assessed"]["assessment"] == "disputed"
    # Only the claim's author may change its assessment.
    assert client.post(f"/api/annotations/{courier_kursk.pk}/claim/adopt/").status_code == 403
    adopted = api(alice).post(f"/api/annotations/{courier_kursk.pk}/claim/adopt/")
    assert adopted.status_code == 200, adopted.content
    assert adopted.json()["assessment"] == "disputed"


def test_a_claim_of_another_team_is_404(api, carol, world):
    _, (courier_kursk, _, _) = world
    assert api(carol).get(f"/api/annotations/{courier_kursk.pk}/claim/").status_code == 404


def test_search_has_a_hedge_strength_facet(api, alice, world):
    client = api(alice)
    body = client.get("/api/search/", {"q": "troops", "kind": ["annotation"]}).json()
    assert body["results"]["annotation"]["count"] == 3
    assert body["facets"]["hedge"] == [
        {"value": "hedged", "label": "Hedged", "count": 3, "capped": False}
    ]
    hedged = client.get("/api/search/", {"q": "troops", "hedge": ["hedged"]}).json()
    assert hedged["results"]["annotation"]["count"] == 3
    firm = client.get("/api/search/", {"q": "troops", "hedge": ["asserted"]}).json()
    assert firm["results"]["annotation"]["count"] == 0
    bad = client.get("/api/search/", {"q": "troops", "hedge": ["firm"]})
    assert bad.status_code == 400
    assert "hedge" in bad.text
