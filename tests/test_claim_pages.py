"""The claims list and a claim's page; the dashboard's who-claims-what links to claim pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import ClaimAppearance, Entity
from annotations.services.annotations import annotation_update
from tests.claims_world import make_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team_a, alice):
    return make_claims(team_a, alice)


def test_claim_list_and_filters(client, alice, world):
    client.force_login(alice)
    page = client.get("/claims/")
    assert page.status_code == 200
    assert b"At least 8,000 North Korean troops" in page.content
    assert b"Ukrainian forces had lost" in page.content
    hedged = client.get("/claims/?strength=unverified")
    assert b"At least 8,000" not in hedged.content
    assert client.get("/claims/?strength=nonsense").status_code == 400
    found = client.get("/claims/?q=ukrainian")
    assert b"At least 8,000" not in found.content
    assert b"Ukrainian forces" in found.content


def test_claim_page(client, alice, world):
    _, (_courier_kursk, _, wire_kursk) = world
    cluster = ClaimAppearance.objects.get(annotation=wire_kursk).cluster_id
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/claims/{cluster}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("NewsNotes Wire") < body.index("Baltic Courier")
    assert f"/articles/{wire_kursk.article_id}/#a-{wire_kursk.pk}" in body
    assert "Dropped: epistemic" in body
    assert '<mark class="hedge hedge-epistemic"' in body
    # A bounded number of queries, whatever the number of appearances.
    assert len(queries) < 25


def test_claim_page_of_another_team_is_404(client, carol, world):
    _, (_, _, wire) = world
    client.force_login(carol)
    cluster = ClaimAppearance.objects.get(annotation=wire).cluster_id
    assert client.get(f"/claims/{cluster}/").status_code == 404
    assert b"North Korean" not in client.get("/claims/").content


def test_dashboard_links_to_claim_pages(client, team_a, olga, alice, world):
    _, (_, _, wire_kursk) = world
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    annotation_update(annotation=wire_kursk, actor=alice, attributed_to_entity=kirby)
    cluster = ClaimAppearance.objects.get(annotation=wire_kursk).cluster_id
    client.force_login(olga)
    page = client.get("/dashboard/")
    assert f'href="/claims/{cluster}/"'.encode() in page.content
