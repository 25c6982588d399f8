"""GET /api/entities/{id}/card/: what the reader's entity card shows; and the reads that must
forget a rejected mention or a merged entity (the dashboard, the entity pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotations.models import Annotation, Entity, Membership
from annotations.selectors import oversight
from annotations.services.annotations import annotation_create, suggestion_reject
from annotations.services.entities import entity_merge, mention_reject
from tests.factories import MembershipFactory, UserFactory, make_article
from tests.test_team_pages import mention

TEXT = "Kirby said the troops traveled by ship. The AI software matched the faces."


@pytest.fixture
def desk(team_a, alice, dave, tags_a):
    article = make_article(team=team_a, text=TEXT, title="Kirby on the troops")
    second = make_article(team=team_a, text="Kirby spoke again. Kirby left.", title="Again")
    third = make_article(team=team_a, text="Nothing of Kirby. Kirby.", title="Third")
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    ai = Entity.objects.create(team=team_a, name="AI", kind=Entity.Kind.GPE)
    twin = Entity.objects.create(team=team_a, name="Kirby", kind=Entity.Kind.PERSON)

    def claim(quote, author, entity, **kwargs):
        start = TEXT.index(quote)
        return annotation_create(
            article=article,
            author=author,
            start=start,
            end=start + len(quote),
            exact=quote,
            tags=[tags_a["claim"]],
            attributed_to_entity=entity,
            **kwargs,
        )

    return {
        "article": article,
        "second": second,
        "third": third,
        "kirby": kirby,
        "ai": ai,
        "twin": twin,
        "m_kirby": mention(article, kirby, "Kirby"),
        "m_second": mention(second, kirby, "Kirby"),
        "m_second_2": mention(second, kirby, "Kirby", 1),
        "m_third": mention(third, kirby, "Kirby"),
        "m_ai": mention(article, ai, "AI"),
        "claim": claim("the troops traveled by ship", alice, kirby),
        "private": claim("traveled by ship", dave, kirby, visibility="private"),
        "ai_claim": claim("The AI software matched the faces", alice, twin),
    }


def card_url(entity, article=None) -> str:
    url = f"/api/entities/{entity.pk}/card/"
    return f"{url}?article={article.pk}" if article else url


def test_card_shows_counts_other_articles_and_claims(api, desk, alice):
    mention_reject(mention=desk["m_third"], actor=alice)
    response = api(alice).get(card_url(desk["kirby"], desk["article"]))
    assert response.status_code == 200
    data = response.json()
    entity = data["entity"]
    assert (entity["name"], entity["kind"]) == ("John Kirby", "PERSON")
    # The rejected mention counts nowhere: 3 mentions in 2 articles, not 4 in 3.
    assert (entity["mention_count"], entity["article_count"]) == (3, 2)
    assert data["other_articles"] == [
        {"id": desk["second"].pk, "title": "Again", "mention_count": 2}
    ]
    assert data["other_article_count"] == 1
    # Dave's private note is not alice's to see.
    assert [c["id"] for c in data["claims"]] == [desk["claim"].pk]
    assert data["claims"][0]["exact"] == "the troops traveled by ship"
    assert data["claims"][0]["article_title"] == "Kirby on the troops"
    assert data["claim_count"] == 1
    assert data["can_correct"] is True


def test_without_an_article_every_article_is_listed(api, desk, alice):
    data = api(alice).get(card_url(desk["kirby"])).json()
    assert {a["title"] for a in data["other_articles"]} == {"Kirby on the troops", "Again", "Third"}


def test_rejected_suggestions_are_not_claims_of_the_entity(api, desk, alice, tags_a):
    suggestion = annotation_create(
        article=desk["article"],
        author=alice,
        start=0,
        end=5,
        exact="Kirby",
        tags=[tags_a["claim"]],
        attributed_to_entity=desk["kirby"],
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    data = api(alice).get(card_url(desk["kirby"])).json()
    assert suggestion.pk in [c["id"] for c in data["claims"]]
    suggestion_reject(annotation=suggestion, actor=alice)
    data = api(alice).get(card_url(desk["kirby"])).json()
    assert suggestion.pk not in [c["id"] for c in data["claims"]]


@pytest.mark.parametrize(
    ("role", "can"),
    [
        (Membership.Role.OWNER, True),
        (Membership.Role.ANALYST, True),
        (Membership.Role.REVIEWER, False),
        (Membership.Role.VIEWER, False),
    ],
)
def test_only_owners_and_analysts_may_correct(api, desk, team_a, role, can):
    user = UserFactory(username=f"u-{role}")
    MembershipFactory(team=team_a, user=user, role=role)
    response = api(user).get(card_url(desk["ai"]))
    assert response.status_code == 200
    assert response.json()["can_correct"] is can


def test_another_teams_entity_is_404_and_anonymous_is_401(api, desk, carol):
    assert api(carol).get(card_url(desk["kirby"])).status_code == 404
    assert api(None).get(card_url(desk["kirby"])).status_code == 401


def test_another_teams_article_leaks_nothing(api, desk, carol, team_b):
    # Carol's own entity, with team A's article named: nothing of team A appears.
    own = Entity.objects.create(team=team_b, name="John Kirby", kind=Entity.Kind.PERSON)
    data = api(carol).get(card_url(own, desk["article"])).json()
    assert data["other_articles"] == []
    assert data["claims"] == []


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1" * 30, "1.5"])
def test_a_bad_article_parameter_is_a_400_naming_it(api, desk, alice, value):
    response = api(alice).get(f"/api/entities/{desk['kirby'].pk}/card/?article={value}")
    assert response.status_code == 400
    assert "article" in response.json()["errors"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", lambda d: f"/api/mentions/{d['m_ai'].pk}/reject/", None),
        ("patch", lambda d: f"/api/entities/{d['ai'].pk}/", {"kind": "OTHER"}),
        ("patch", lambda d: f"/api/mentions/{d['m_ai'].pk}/", {"entity": "KIRBY"}),
        ("post", lambda d: f"/api/entities/{d['kirby'].pk}/merge/", {"others": ["TWIN"]}),
        (
            "post",
            lambda d: f"/api/entities/{d['ai'].pk}/split/",
            {"mentions": ["M_AI"], "name": "AI", "kind": "OTHER"},
        ),
    ],
)
def test_reviewers_read_but_do_not_correct(api, desk, bob, method, path, body):
    ids = {"KIRBY": desk["kirby"].pk, "TWIN": desk["twin"].pk, "M_AI": desk["m_ai"].pk}

    def resolve(value):
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return ids.get(value, value) if isinstance(value, str) else value

    data = {k: resolve(v) for k, v in body.items()} if body else None
    response = getattr(api(bob), method)(path(desk), data, format="json")
    assert response.status_code == 403
    assert Entity.objects.get(pk=desk["ai"].pk).kind == "GPE"
    assert not desk["m_ai"].__class__.objects.get(pk=desk["m_ai"].pk).rejected
    assert Entity.objects.filter(pk=desk["twin"].pk).exists()


# --- The reads that must forget a wrong entity ---------------------------------------------


def test_dashboard_forgets_a_rejected_mention(desk, alice, bob, team_a):
    def top():
        data = oversight.dashboard(user=bob, team=team_a)
        return {row["entity"]["name"]: row for row in data["top_claim_entities"]}

    # "AI" is mentioned inside a claim, so it counts among the entities in claims...
    assert top()["AI"]["mentioned"] == 1
    mention_reject(mention=desk["m_ai"], actor=alice)
    # ... until its mention is rejected.
    assert "AI" not in top()


def test_dashboard_and_pages_show_the_survivor_of_a_merge(client, desk, alice, bob, team_a):
    entity_merge(target=desk["kirby"], others=[desk["twin"]], actor=alice)
    data = oversight.dashboard(user=bob, team=team_a)
    names = {g["entity"]["name"] for g in data["who_claims_what"]}
    assert "Kirby" not in names
    assert "John Kirby" in names
    kirby = next(g for g in data["who_claims_what"] if g["entity"]["name"] == "John Kirby")
    assert desk["ai_claim"].pk in [c["id"] for c in kirby["claims"]]
    client.force_login(bob)
    listing = client.get(reverse("annotations:entity-list")).content.decode()
    assert f"/entities/{desk['twin'].pk}/" not in listing
    # The merged entity's page leads to the survivor's, which lists the merge and its undo.
    merged = client.get(reverse("annotations:entity-detail", args=[desk["twin"].pk]))
    assert merged.status_code == 302
    assert merged["Location"] == reverse("annotations:entity-detail", args=[desk["kirby"].pk])


def test_entity_list_leaves_out_an_entity_only_rejected_mentions_named(client, desk, alice, bob):
    client.force_login(bob)
    url = reverse("annotations:entity-list")
    assert f"/entities/{desk['ai'].pk}/" in client.get(url).content.decode()
    mention_reject(mention=desk["m_ai"], actor=alice)
    assert f"/entities/{desk['ai'].pk}/" not in client.get(url).content.decode()
    # An entity that claims are attributed to stays listed without mentions.
    assert f"/entities/{desk['twin'].pk}/" in client.get(url).content.decode()
    page = client.get(reverse("annotations:entity-detail", args=[desk["ai"].pk]))
    assert "No article mentions AI any more." in page.content.decode()


def test_entity_page_offers_corrections_to_analysts_only(client, desk, alice, bob):
    url = reverse("annotations:entity-detail", args=[desk["kirby"].pk])
    client.force_login(alice)
    assert "data-correct-entity" in client.get(url).content.decode()
    assert "data-correct-mention" in client.get(url).content.decode()
    client.force_login(bob)
    assert "data-correct" not in client.get(url).content.decode()


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "0"])
def test_a_malformed_or_missing_id_is_404(api, desk, alice, pk):
    assert api(alice).get(f"/api/entities/{pk}/card/").status_code == 404
