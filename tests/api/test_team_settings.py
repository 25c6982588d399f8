"""What the team page writes through: PATCH /api/teams/{id}/ (name, blind_default), the DocBin
export, tags and memberships, with their role checks and another team's ids answering 404."""

from __future__ import annotations

import pytest

from annotations.models import Article, Membership, Tag, Team
from annotations.nlp.training import records_from_docbin
from tests.api.conftest import client_for
from tests.factories import UserFactory, make_approved, make_article


def team_url(team) -> str:
    return f"/api/teams/{team.pk}/"


# --- the team's blind-mode default ----------------------------------------------------------


def test_owners_set_the_blind_default_and_new_articles_start_blind(team_a, olga, alice):
    response = client_for(olga).patch(team_url(team_a), {"blind_default": True}, format="json")
    assert response.status_code == 200
    assert response.json()["blind_default"] is True
    team_a.refresh_from_db()
    assert team_a.blind_default
    assert make_article(team=team_a, text="A new article.", title="New").blind is True
    response = client_for(alice).post(
        "/api/articles/import-jsonl/",
        {"team": team_a.pk, "file": _jsonl("Another article, imported.")},
        format="multipart",
    )
    assert response.status_code in (200, 201, 202), response.json()
    assert Article.objects.get(team=team_a, title="Imported").blind is True


def _jsonl(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = f'{{"text": "{text}", "title": "Imported"}}\n'.encode()
    return SimpleUploadedFile("a.jsonl", line, content_type="application/x-ndjson")


def test_articles_already_there_keep_their_blind_mode(team_a, olga, article):
    client_for(olga).patch(team_url(team_a), {"blind_default": True}, format="json")
    assert Article.objects.get(pk=article.pk).blind is False


def test_the_team_shows_its_blind_default_to_members(team_a, alice):
    data = client_for(alice).get(team_url(team_a)).json()
    assert data["blind_default"] is False
    assert data["role"] == "analyst"


@pytest.mark.parametrize("who", ["alice", "bob", "victor"])
def test_only_owners_change_the_team(team_a, olga, alice, bob, victor, who):
    user = {"alice": alice, "bob": bob, "victor": victor}[who]
    response = client_for(user).patch(team_url(team_a), {"blind_default": True}, format="json")
    assert response.status_code == 403
    response = client_for(user).patch(team_url(team_a), {"name": "Mine"}, format="json")
    assert response.status_code == 403
    assert Team.objects.get(pk=team_a.pk).blind_default is False
    assert Team.objects.get(pk=team_a.pk).name == "Desk A"


def test_another_teams_settings_are_404(team_a, team_b, carol, olga):
    assert (
        client_for(carol)
        .patch(team_url(team_a), {"blind_default": True}, format="json")
        .status_code
        == 404
    )
    assert (
        client_for(olga).patch(team_url(team_b), {"blind_default": True}, format="json").status_code
        == 404
    )
    assert (
        client_for(None).patch(team_url(team_a), {"blind_default": True}, format="json").status_code
        == 401
    )


def test_a_bad_team_update_names_its_field(team_a, olga):
    response = client_for(olga).patch(team_url(team_a), {"blind_default": "maybe"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["blind_default"]
    response = client_for(olga).patch(team_url(team_a), {"name": "  "}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_owners_rename_the_team(team_a, olga):
    response = client_for(olga).patch(team_url(team_a), {"name": "Desk Alpha"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Desk Alpha"


# --- the DocBin download -------------------------------------------------------------------


@pytest.fixture
def approved(team_a, alice, bob, article, tags_a):
    return make_approved(
        article=article,
        author=alice,
        reviewer=bob,
        quote="North Korean",
        tags=[tags_a["claim"], tags_a["figure"]],
    )


def test_the_docbin_is_a_download_with_every_tag_of_a_span(team_a, alice, approved):
    response = client_for(alice).get(f"/api/teams/{team_a.pk}/export/", {"format": "docbin"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].endswith('.spacy"')
    assert response["X-Misaligned"] == "0"
    [doc] = records_from_docbin(response.content)
    labels = {(doc["text"][s["start"] : s["end"]], s["label"]) for s in doc["spans"]}
    assert labels == {("North Korean", "claim"), ("North Korean", "figure")}


def test_the_docbin_of_another_team_is_404(team_a, carol, approved):
    response = client_for(carol).get(f"/api/teams/{team_a.pk}/export/", {"format": "docbin"})
    assert response.status_code == 404


# --- tags ----------------------------------------------------------------------------------


def test_owners_edit_tags_others_are_refused(team_a, olga, alice, tags_a):
    tag = tags_a["context"]
    url = f"/api/tags/{tag.pk}/"
    body = {
        "name": "Background",
        "colour": "#123456",
        "kind": "opinion",
        "description": "d",
        "position": 3,
    }
    assert client_for(alice).patch(url, body, format="json").status_code == 403
    response = client_for(olga).patch(url, body, format="json")
    assert response.status_code == 200
    tag.refresh_from_db()
    assert (tag.name, tag.colour, tag.kind, tag.description, tag.position) == (
        "Background",
        "#123456",
        "opinion",
        "d",
        3,
    )
    assert client_for(alice).delete(url).status_code == 403
    assert client_for(olga).delete(url).status_code == 204


def test_a_tag_in_use_is_not_deleted(team_a, olga, approved, tags_a):
    response = client_for(olga).delete(f"/api/tags/{tags_a['claim'].pk}/")
    assert response.status_code == 400
    assert "retag them first" in str(response.json()["errors"])
    assert Tag.objects.filter(pk=tags_a["claim"].pk).exists()


def test_another_teams_tag_is_404(team_a, carol, tags_a):
    url = f"/api/tags/{tags_a['claim'].pk}/"
    assert client_for(carol).patch(url, {"name": "X"}, format="json").status_code == 404
    assert client_for(carol).delete(url).status_code == 404


# --- members -------------------------------------------------------------------------------


def test_owners_change_roles_add_and_remove_members(team_a, olga, alice):
    nadia = UserFactory(username="nadia")
    owner = client_for(olga)
    mine = Membership.objects.get(team=team_a, user=alice)
    response = owner.patch(f"/api/memberships/{mine.pk}/", {"role": "reviewer"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "reviewer"
    response = owner.post(
        "/api/memberships/",
        {"team": team_a.pk, "username": "nadia", "role": "viewer"},
        format="json",
    )
    assert response.status_code == 201
    added = Membership.objects.get(team=team_a, user=nadia)
    assert added.role == "viewer"
    assert owner.delete(f"/api/memberships/{added.pk}/").status_code == 204
    assert not Membership.objects.filter(team=team_a, user=nadia).exists()


def test_adding_an_unknown_user_names_username(team_a, olga):
    response = client_for(olga).post(
        "/api/memberships/", {"team": team_a.pk, "username": "nobody"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]


def test_the_last_owner_is_neither_demoted_nor_removed(team_a, olga):
    mine = Membership.objects.get(team=team_a, user=olga)
    response = client_for(olga).patch(
        f"/api/memberships/{mine.pk}/", {"role": "analyst"}, format="json"
    )
    assert response.status_code == 400
    assert "at least one owner" in str(response.json()["errors"])
    assert client_for(olga).delete(f"/api/memberships/{mine.pk}/").status_code == 400
    assert Membership.objects.get(pk=mine.pk).role == "owner"


@pytest.mark.parametrize("who", ["alice", "bob", "victor"])
def test_only_owners_manage_members(team_a, olga, alice, bob, victor, who):
    user = {"alice": alice, "bob": bob, "victor": victor}[who]
    theirs = Membership.objects.get(team=team_a, user=olga)
    client = client_for(user)
    assert (
        client.patch(
            f"/api/memberships/{theirs.pk}/", {"role": "viewer"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/memberships/{theirs.pk}/").status_code == 403
    response = client.post(
        "/api/memberships/", {"team": team_a.pk, "username": "carol"}, format="json"
    )
    assert response.status_code == 403


def test_another_teams_memberships_are_404(team_a, olga, carol):
    theirs = Membership.objects.get(user=carol)
    client = client_for(olga)
    assert (
        client.patch(
            f"/api/memberships/{theirs.pk}/", {"role": "viewer"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/memberships/{theirs.pk}/").status_code == 404
