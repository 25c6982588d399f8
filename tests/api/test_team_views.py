"""GET /api/teams/{id}/dashboard/ and /agreement/, and PATCH /api/articles/{id}/ {"blind": ...}.

The data sets (and their hand-computed figures) are those of tests/test_team_pages.py.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from annotations.models import Article
from annotations.services.annotations import article_submit
from tests.test_team_pages import build_desk, build_desk_b, build_two_analysts


@pytest.fixture
def desk(team_a, alice, bob, dave, olga, tags_a):
    return build_desk(team_a=team_a, alice=alice, bob=bob, dave=dave, tags_a=tags_a)


@pytest.fixture
def desk_b(team_b, carol):
    return build_desk_b(team_b=team_b, carol=carol)


@pytest.fixture
def two_analysts(team_a, alice, dave, olga, tags_a):
    return build_two_analysts(team_a=team_a, alice=alice, dave=dave, olga=olga, tags_a=tags_a)


def dashboard_url(team) -> str:
    return f"/api/teams/{team.pk}/dashboard/"


def agreement_url(team) -> str:
    return f"/api/teams/{team.pk}/agreement/"


def test_dashboard(api, desk, bob, team_a):
    response = api(bob).get(dashboard_url(team_a))
    assert response.status_code == 200
    data = response.json()
    assert data["team"] == team_a.pk
    assert data["annotations"] == 3
    assert {r["value"]: r["count"] for r in data["by_review_state"]}["approved"] == 1
    assert {r["tag"]["slug"]: r["count"] for r in data["by_tag"]}["claim"] == 2
    bob_row = next(r for r in data["by_reviewer"] if r["reviewer"]["username"] == "bob")
    assert (bob_row["approve"], bob_row["request_changes"], bob_row["total"]) == (1, 1, 2)
    assert [(r["entity"]["name"], r["claims"]) for r in data["top_claim_entities"]] == [
        ("John Kirby", 2),
        ("Vladimir Putin", 1),
    ]
    kirby = next(g for g in data["who_claims_what"] if g["entity"]["name"] == "John Kirby")
    assert [c["exact"] for c in kirby["claims"]] == ["the troops traveled by ship"]
    assert kirby["claims"][0]["article"]["title"] == "Kirby on the troops"
    summaries = [e["summary"] for e in data["activity"]]
    assert "Secret plans leaked" not in summaries
    assert "Kirby added that Seoul was told" in summaries


def test_agreement(api, two_analysts, bob, team_a):
    response = api(bob).get(agreement_url(team_a))
    assert response.status_code == 200
    data = response.json()
    (article,) = data["articles"]
    assert article["article"] == {"id": two_analysts.pk, "title": "Two analysts", "blind": False}
    assert article["annotators"] == ["alice", "dave"]
    assert article["withheld"] is False
    assert (article["mean_exact_f1"], article["mean_partial_f1"]) == (0.5, 0.75)
    assert article["tag_alpha"] == pytest.approx(4 / 9)
    (pair,) = article["pairs"]
    assert (pair["a"], pair["b"], pair["matched"]) == ("alice", "dave", 3)
    assert (pair["exact_precision"], pair["exact_recall"], pair["exact_f1"]) == (0.5, 0.5, 0.5)
    assert pair["partial_f1"] == 0.75
    assert pair["tag_kappa"] == pytest.approx(0.4)


def test_agreement_of_a_blind_article_waits_for_the_analysts_submission(
    api, two_analysts, alice, team_a
):
    Article.objects.filter(pk=two_analysts.pk).update(blind=True)
    (article,) = api(alice).get(agreement_url(team_a)).json()["articles"]
    assert article["withheld"] is True
    assert article["mean_exact_f1"] is None
    assert article["pairs"] == []
    article_submit(article=two_analysts, actor=alice)
    (article,) = api(alice).get(agreement_url(team_a)).json()["articles"]
    assert (article["withheld"], article["mean_exact_f1"]) == (False, 0.5)


@pytest.mark.parametrize("url", [dashboard_url, agreement_url])
def test_another_teams_reports_are_404(api, desk, desk_b, carol, team_a, team_b, url):
    response = api(carol).get(url(team_a))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api(carol).get(url(team_b)).status_code == 200


def test_team_b_dashboard_has_nothing_of_team_a(api, desk, desk_b, carol, team_b):
    data = api(carol).get(dashboard_url(team_b)).json()
    assert data["annotations"] == 1
    assert "Kirby" not in str(data)


@pytest.mark.parametrize("path", ["dashboard", "agreement"])
def test_reports_need_authentication_and_a_real_team(api, team_a, bob, path):
    assert api(None).get(f"/api/teams/{team_a.pk}/{path}/").status_code == 401
    assert api(bob).get(f"/api/teams/999999/{path}/").status_code == 404
    assert api(bob).get(f"/api/teams/abc/{path}/").status_code == 404


def test_reports_are_read_only(api, team_a, olga):
    assert api(olga).post(dashboard_url(team_a), {}, format="json").status_code == 405


def test_reports_are_in_the_openapi_document():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/teams/{id}/dashboard/", "/api/teams/{id}/agreement/"):
        operation = schema["paths"][path]["get"]
        assert "200" in operation["responses"]
        assert "404" in operation["responses"]


# --- Blind mode -----------------------------------------------------------------------------------


def test_owners_turn_blind_mode_on_and_off(api, article, olga):
    response = api(olga).patch(f"/api/articles/{article.pk}/", {"blind": True}, format="json")
    assert response.status_code == 200
    assert response.json()["blind"] is True
    article.refresh_from_db()
    assert article.blind is True
    response = api(olga).patch(f"/api/articles/{article.pk}/", {"blind": False}, format="json")
    assert response.json()["blind"] is False
    assert Article.objects.get(pk=article.pk).blind is False


@pytest.mark.parametrize("who", ["alice", "bob", "victor"])
def test_only_owners_turn_blind_mode_on(api, article, alice, bob, victor, who):
    user = {"alice": alice, "bob": bob, "victor": victor}[who]
    response = api(user).patch(f"/api/articles/{article.pk}/", {"blind": True}, format="json")
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).blind is False


def test_blind_mode_of_another_teams_article_is_404(api, article, carol):
    response = api(carol).patch(f"/api/articles/{article.pk}/", {"blind": True}, format="json")
    assert response.status_code == 404


def test_analysts_still_edit_other_fields(api, article, alice):
    response = api(alice).patch(f"/api/articles/{article.pk}/", {"title": "New"}, format="json")
    assert response.status_code == 200
    assert response.json()["blind"] is False


def test_blind_must_be_a_boolean(api, article, olga):
    response = api(olga).patch(f"/api/articles/{article.pk}/", {"blind": "maybe"}, format="json")
    assert response.status_code == 400
    assert "blind" in response.json()["errors"]
