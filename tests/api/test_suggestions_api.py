"""Undoing a rejection and deciding many suggestions at once (POST /api/annotations/<id>/unreject/,
POST /api/articles/<id>/decide-suggestions/)."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, AnnotationVersion
from annotations.services.analysis import nlp_user
from annotations.services.suggestions import MAX_BULK
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def _suggest(article, start, end, source=None, rule="verb-object: said", confidence=0.9):
    return Annotation.objects.create(
        team=article.team,
        article=article,
        start=start,
        end=end,
        exact=article.text[start:end],
        author=nlp_user(),
        origin="model",
        suggestion_state="pending",
        attributed_to=source,
        suggestion_rule=rule,
        suggestion_confidence=confidence,
    )


def test_suggestions_show_their_rule_and_confidence(article, alice):
    claim = _suggest(article, 10, 20, rule="according-to: according to", confidence=0.85)
    row = client_for(alice).get(f"/api/annotations/{claim.pk}/").json()
    assert row["suggestion_rule"] == "according-to: according to"
    assert row["suggestion_confidence"] == 0.85


def test_a_rejection_is_reversed_with_its_source_and_history(article, alice):
    source = _suggest(article, 0, 5)
    claim = _suggest(article, 10, 20, source=source)
    client = client_for(alice)
    assert client.post(f"/api/annotations/{claim.pk}/reject/").status_code == 200
    source.refresh_from_db()
    assert source.suggestion_state == "rejected"
    undone = client.post(f"/api/annotations/{claim.pk}/unreject/")
    assert undone.status_code == 200
    assert undone.json()["suggestion_state"] == "pending"
    source.refresh_from_db()
    assert source.suggestion_state == "pending"
    actions = list(
        AnnotationVersion.objects.filter(annotation=claim).values_list("action", flat=True)
    )
    assert actions[-1] == "unrejected"
    again = client.post(f"/api/annotations/{claim.pk}/unreject/")
    assert again.status_code == 400
    assert "suggestion_state" in again.json()["errors"]


def test_unreject_needs_an_analyst_and_hides_other_teams(article, alice, bob, carol):
    claim = _suggest(article, 10, 20)
    client_for(alice).post(f"/api/annotations/{claim.pk}/reject/")
    assert client_for(bob).post(f"/api/annotations/{claim.pk}/unreject/").status_code == 403
    assert client_for(carol).post(f"/api/annotations/{claim.pk}/unreject/").status_code == 404
    claim.refresh_from_db()
    assert claim.suggestion_state == "rejected"


def test_bulk_reject_changes_all_in_one_call(article, alice):
    source = _suggest(article, 0, 5)
    claims = [_suggest(article, 10, 20, source=source), _suggest(article, 30, 40)]
    response = client_for(alice).post(
        f"/api/articles/{article.pk}/decide-suggestions/",
        {"verdict": "reject", "ids": [c.pk for c in claims]},
        format="json",
    )
    assert response.status_code == 200
    changed = {row["id"]: row["suggestion_state"] for row in response.json()["changed"]}
    assert changed == {claims[0].pk: "rejected", claims[1].pk: "rejected", source.pk: "rejected"}
    assert set(Annotation.objects.values_list("suggestion_state", flat=True)) == {"rejected"}


def test_bulk_accept_is_all_or_nothing(article, alice, olga):
    claim = _suggest(article, 10, 20)
    done = _suggest(article, 30, 40)
    client_for(alice).post(f"/api/annotations/{done.pk}/accept/")
    response = client_for(alice).post(
        f"/api/articles/{article.pk}/decide-suggestions/",
        {"verdict": "accept", "ids": [claim.pk, done.pk]},
        format="json",
    )
    assert response.status_code == 400
    claim.refresh_from_db()
    assert claim.suggestion_state == "pending"  # rolled back with the refused one


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"verdict": "maybe", "ids": [1]}, "verdict"),
        ({"verdict": "accept", "ids": []}, "ids"),
        ({"verdict": "accept", "ids": list(range(1, MAX_BULK + 2))}, "ids"),
        ({"verdict": "accept", "ids": "1"}, "ids"),
        ({"verdict": "accept", "ids": [2**63]}, "ids.0"),
    ],
)
def test_bulk_refuses_bad_input_naming_the_field(article, alice, body, field):
    response = client_for(alice).post(
        f"/api/articles/{article.pk}/decide-suggestions/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_bulk_hides_other_teams_and_their_suggestions(article, alice, bob, carol, team_b):
    from tests.factories import make_article

    claim = _suggest(article, 10, 20)
    url = f"/api/articles/{article.pk}/decide-suggestions/"
    body = {"verdict": "reject", "ids": [claim.pk]}
    assert client_for(carol).post(url, body, format="json").status_code == 404
    assert client_for(bob).post(url, body, format="json").status_code == 403
    # An id of another article (here: another team's) is refused, not decided.
    other = make_article(team=team_b, text=article.text, title="Theirs")
    theirs = _suggest(other, 10, 20)
    response = client_for(alice).post(
        url, {"verdict": "reject", "ids": [claim.pk, theirs.pk]}, format="json"
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    claim.refresh_from_db()
    assert (theirs.suggestion_state, claim.suggestion_state) == ("pending", "pending")
