"""GET /api/search/: the response's shape, its links, and a 400 naming the field for every
parameter that cannot be used (never a 500, never an oracle across teams)."""

from __future__ import annotations

import pytest

from annotations.models import Entity
from annotations.services.annotations import annotation_create
from annotations.services.entities import entity_create
from tests.api.conftest import client_for
from tests.factories import make_article

TEXT = "Kirby said 8,000 North Korean troops are in Kursk. Peskov did not confirm it."


@pytest.fixture
def world(team_a, team_b, alice, carol):
    article = make_article(team=team_a, text=TEXT, title="Troops in Kursk", outlet_name="Wire")
    start = TEXT.index("8,000 North Korean troops")
    annotation = annotation_create(
        article=article, author=alice, start=start, end=start + 25, comment="Pentagon figure"
    )
    entity_create(team=team_a, name="John Kirby", kind="PERSON")
    other = make_article(team=team_b, text="Desk B writes of Zaporizhzhia.", title="B")
    hidden = entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    return {"article": article, "annotation": annotation, "other": other, "hidden": hidden}


def get(user, **params):
    return client_for(user).get("/api/search/", params, format="json")


def test_results_by_kind_with_highlights_and_reader_links(world, alice):
    response = get(alice, q="troops")
    assert response.status_code == 200
    body = response.json()
    article_hit = body["results"]["article"]["hits"][0]
    assert body["results"]["article"]["count"] == 1
    start, end = article_hit["highlights"][0]
    assert article_hit["snippet"][start:end].casefold() == "troops"
    at = TEXT.index("troops")
    assert article_hit["url"] == f"/articles/{world['article'].pk}/#t-{at}-{at + 6}"
    annotation_hit = body["results"]["annotation"]["hits"][0]
    assert annotation_hit["url"] == (f"/articles/{world['article'].pk}/#a-{world['annotation'].pk}")
    assert annotation_hit["exact"] == "8,000 North Korean troops"
    assert body["facets"]["outlet"] == [
        {"value": world["article"].outlet_id, "label": "Wire", "count": 1, "capped": False}
    ]


def test_kinds_and_prefix(world, alice):
    body = get(alice, q="kirb", prefix="true", kind=["entity"]).json()
    assert list(body["results"]) == ["entity"]
    assert [h["name"] for h in body["results"]["entity"]["hits"]] == ["John Kirby"]


def test_signed_out_is_refused(world, client):
    assert client.get("/api/search/", {"q": "troops"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": " ".join(["w"] * 30)}, "q"),
        ({"q": "-troops"}, "q"),
        ({"q": "troops", "kind": "video"}, "kind"),
        ({"q": "troops", "tag": "no-such-tag"}, "tag"),
        ({"q": "troops", "entity": "abc"}, "entity"),
        ({"q": "troops", "entity": "99999999999999999999999"}, "entity"),
        ({"q": "troops", "outlet": "0"}, "outlet"),
        ({"q": "troops", "assessment": "maybe"}, "assessment"),
        ({"q": "troops", "review": "pending"}, "review"),
        ({"q": "troops", "dispute": "won"}, "dispute"),
        ({"q": "troops", "author": "nobody"}, "author"),
        ({"q": "troops", "published_from": "2024-13-01"}, "published_from"),
        (
            {"q": "troops", "published_from": "2024-11-02", "published_to": "2024-11-01"},
            "published_to",
        ),
        ({"q": "troops", "tag": [f"t{i}" for i in range(51)]}, "tag"),
        ({"q": "troops", "limit": "0"}, "limit"),
        ({"q": "troops", "offset": "1000000"}, "offset"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(world, alice, params, field):
    response = get(alice, **params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_another_teams_ids_read_as_unknown_not_as_forbidden(world, alice):
    theirs = get(alice, q="troops", entity=str(world["hidden"].pk)).json()
    missing_id = Entity.objects.order_by("-pk").first().pk + 1000
    nowhere = get(alice, q="troops", entity=str(missing_id)).json()
    assert theirs["errors"]["entity"] == [f"Unknown entity: {world['hidden'].pk}."]
    assert nowhere["errors"]["entity"] == [f"Unknown entity: {missing_id}."]
    their_outlet = get(alice, q="troops", outlet=str(world["other"].outlet_id or 0))
    assert their_outlet.status_code == 400


def test_another_teams_words_count_nothing(world, alice):
    body = get(alice, q="Zaporizhzhia OR Grossi").json()
    assert all(kind["count"] == 0 for kind in body["results"].values())
    assert all(values == [] for values in body["facets"].values())


def test_capped_counts_read_1000_plus(world, team_a, alice, client, monkeypatch):
    from annotations.selectors import search as search_module

    make_article(
        team=team_a, text="More North Korean troops.", title="Troops again", outlet_name="Wire"
    )
    monkeypatch.setattr(search_module, "MAX_COUNT", 1)
    body = get(alice, q="troops").json()
    assert body["results"]["article"]["count"] == 1
    assert body["results"]["article"]["capped"] is True
    assert body["results"]["annotation"]["capped"] is False
    assert body["facets"]["outlet"][0]["capped"] is True
    client.force_login(alice)
    page = client.get("/search/", {"q": "troops"}).content.decode()
    assert '<h2 id="group-article">Articles <span class="count">1+</span></h2>' in page
    assert '<span class="count">1+</span>' in page.split('id="group-annotation"')[0]


def test_the_page_writes_counts_with_separators():
    from annotations.views.search import _count

    assert (_count(1000, True), _count(1000, False), _count(7, False)) == ("1,000+", "1,000", "7")
