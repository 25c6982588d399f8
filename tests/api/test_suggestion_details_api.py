"""The API shows why the model chose a suggestion's speaker, its reporter and its stance."""

from __future__ import annotations

from annotations.services import analysis
from tests.api.conftest import client_for
from tests.factories import make_article

TEXT = (
    "Russian Foreign Ministry spokeswoman Maria Zakharova spoke to reporters on Thursday. "
    "Ukraine's envoy left the room. "
    "The spokeswoman said the sanctions would fail. "
    "A senior lawmaker in Kyiv said that Zakharova had told diplomats the talks were over. "
    "The Kremlin rejected claims that Russian troops had crossed the border."
)


def _suggestions(team, user) -> dict[str, dict]:
    article = make_article(team=team, text=TEXT, title="Details")
    analysis.articles_analyze(article_ids=[article.pk])
    response = client_for(user).get("/api/annotations/", {"article": article.pk})
    assert response.status_code == 200
    return {row["exact"]: row for row in response.json()["results"]}


def test_list_and_detail_show_speaker_reason_reporter_and_stance(team_a, alice):
    rows = _suggestions(team_a, alice)
    role = rows["the sanctions would fail"]
    details = role["suggestion_details"]
    assert role["attributed_to_entity"]["name"] == "Maria Zakharova"
    assert details["speaker"]["text"] == "The spokeswoman"
    assert details["speaker_reason"] == (
        "\u2018The spokeswoman\u2019 \u2192 Maria Zakharova (sentence 1)"
    )
    assert details["antecedent"]["sentence"] == 1
    assert TEXT[details["antecedent"]["start"] : details["antecedent"]["end"]] == "Maria Zakharova"

    chained = rows["the talks were over"]["suggestion_details"]
    assert chained["reporter"]["text"] == "A senior lawmaker in Kyiv"
    assert chained["reporter"]["entity"] is None  # an unnamed lawmaker is no entity
    assert chained["speaker_reason"] is None  # the speaker is named

    denial = rows["Russian troops had crossed the border"]["suggestion_details"]
    assert denial["stance"] == "denies"
    assert denial["cue"] == "rejected"

    detail = client_for(alice).get(f"/api/annotations/{role['id']}/")
    assert detail.status_code == 200
    assert detail.json()["suggestion_details"] == details


def test_analysts_annotations_have_no_suggestion_details(article, alice):
    start = article.text.index("the US believes")
    response = client_for(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": start, "end": start + 15, "exact": "the US believes"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["suggestion_details"] is None


def test_the_schema_documents_the_details(alice):
    schema = client_for(alice).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "SuggestionDetails" in text
    assert "speaker_reason" in text
