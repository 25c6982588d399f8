"""The figures API: list with filters, resolve (400 naming ``value`` for a non-reading), the
consistency view; another team's figure or subject answers 404."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, Entity, Figure, Tag
from annotations.services.analysis import articles_analyze
from annotations.services.annotations import annotation_create, annotation_delete
from annotations.services.figures import figures_extract


@pytest.fixture
def analysed(article):
    articles_analyze(article_ids=[article.pk])
    return article


def flagged_of(article) -> Figure:
    return Figure.objects.get(article=article, flagged=True)


def test_list_and_filter_figures(api, alice, analysed):
    client = api(alice)
    body = client.get(f"/api/figures/?article={analysed.pk}&page_size=100").json()
    texts = [f["text"] for f in body["results"]]
    assert "about 11,000 North Korean troops" in texts
    assert "315,00 Russian soldiers" in texts
    flagged = client.get("/api/figures/?flagged=true").json()["results"]
    assert [f["text"] for f in flagged] == ["315,00 Russian soldiers"]
    figure = flagged[0]
    assert figure["readings"] == [315000.0, 31500.0]
    assert figure["reading_labels"] == ["315,000", "31,500"]
    assert figure["value_label"] == "315,000 or 31,500?"
    assert figure["low"] is None
    assert figure["url"] == f"/articles/{analysed.pk}/#a-{figure['claim']}"
    troops = client.get("/api/figures/?kind=troops").json()["results"]
    assert troops
    assert {f["kind"] for f in troops} == {"troops"}
    korea = Entity.objects.get(team=analysed.team, name="North Korea")
    about = client.get(f"/api/figures/?subject={korea.pk}").json()["results"]
    assert about
    assert {f["subject"] for f in about} == {korea.pk}
    assert client.get("/api/figures/?kind=bananas").status_code == 400
    assert client.get("/api/figures/?article=abc").status_code == 400


def test_resolve_through_the_api(api, alice, analysed):
    figure = flagged_of(analysed)
    client = api(alice)
    wrong = client.post(f"/api/figures/{figure.pk}/resolve/", {"value": 315}, format="json")
    assert wrong.status_code == 400
    assert "value" in wrong.json()["errors"]
    assert client.post(f"/api/figures/{figure.pk}/resolve/", {}, format="json").status_code == 400
    text = client.post(f"/api/figures/{figure.pk}/resolve/", {"value": "x"}, format="json")
    assert text.status_code == 400
    done = client.post(f"/api/figures/{figure.pk}/resolve/", {"value": 315000}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["resolved_value"], body["low"], body["value_label"]) == (315000, 315000, "315,000")
    assert body["resolved_by"]["name"] == "alice"
    undone = client.post(f"/api/figures/{figure.pk}/resolve/", {"value": None}, format="json")
    assert undone.status_code == 200
    assert undone.json()["resolved_value"] is None
    history = undone.json()["resolution_history"]
    assert [(h["value"], h["user"]) for h in history] == [(315000, alice.pk), (None, alice.pk)]


def test_other_teams_get_404_and_viewers_403(api, carol, victor, analysed):
    figure = flagged_of(analysed)
    client = api(carol)
    assert client.get(f"/api/figures/{figure.pk}/").status_code == 404
    assert client.get("/api/figures/%C3%8D%5D/").status_code == 404
    assert client.get("/api/figures/99999999999999999999999/").status_code == 404
    assert client.post("/api/figures/x/resolve/", {"value": 1}, format="json").status_code == 404
    response = client.post(f"/api/figures/{figure.pk}/resolve/", {"value": 315000}, format="json")
    assert response.status_code == 404
    assert client.get("/api/figures/").json()["results"] == []
    korea = Entity.objects.get(team=analysed.team, name="North Korea")
    other = client.get(f"/api/figures/consistency/?subject={korea.pk}&kind=troops")
    assert other.status_code == 400  # a query parameter: as if no such entity
    assert "subject" in other.json()["errors"]
    viewer = api(victor).post(
        f"/api/figures/{figure.pk}/resolve/", {"value": 315000}, format="json"
    )
    assert viewer.status_code == 403
    figure.refresh_from_db()
    assert figure.resolved_value is None


def test_claims_an_analyst_writes_are_linked_private_and_trashed_ones_are_not(
    api, alice, dave, analysed, tags_a
):
    figure = flagged_of(analysed)
    start = analysed.text.index("315,00 Russian soldiers")
    end = start + len("315,00 Russian soldiers had been killed")
    claim_tags = [t for t in tags_a.values() if t.kind == Tag.Kind.CLAIM]
    mine = annotation_create(article=analysed, author=alice, start=start, end=end, tags=claim_tags)
    annotation_create(
        article=analysed,
        author=alice,
        start=start,
        end=start + 6,
        tags=claim_tags,
        visibility=Annotation.Visibility.PRIVATE,
    )
    figures_extract(article_ids=[analysed.pk])
    figure.refresh_from_db()
    assert figure.claim == mine  # the smallest claim shared with the team that covers it
    assert api(dave).get(f"/api/figures/{figure.pk}/").json()["claim"] == mine.pk
    annotation_delete(annotation=mine, actor=alice)
    body = api(dave).get(f"/api/figures/{figure.pk}/").json()
    assert body["claim"] is None  # in the trash: not shown, not linked
    assert body["url"] == f"/articles/{analysed.pk}/"


def test_consistency_endpoint(api, alice, analysed):
    client = api(alice)
    korea = Entity.objects.get(team=analysed.team, name="North Korea")
    body = client.get(f"/api/figures/consistency/?subject={korea.pk}&kind=troops").json()
    assert body["subject"]["name"] == "North Korea"
    assert body["factor"] == 2.0
    points = {p["low"]: p for p in body["points"]}
    # "about 11,000 ... up from an estimate of 1,500": two figures that far apart contradict
    assert points[11000]["contradicts"] == [points[1500]["id"]]
    assert points[1500]["contradicts"] == [points[11000]["id"]]
    assert (body["contradictions"], body["outliers"]) == (1, 0)
    loose = client.get(f"/api/figures/consistency/?subject={korea.pk}&kind=troops&factor=10")
    assert loose.json()["contradictions"] == 0
    for query, field in [
        ("kind=troops", "subject"),
        (f"subject={korea.pk}", "kind"),
        (f"subject={korea.pk}&kind=bananas", "kind"),
        (f"subject={korea.pk}&kind=troops&factor=0.5", "factor"),
        (f"subject={korea.pk}&kind=troops&factor=nan", "factor"),
        (f"subject={korea.pk}&kind=troops&factor=abc", "factor"),
        ("subject=99999999999999999999999&kind=troops", "subject"),
    ]:
        response = client.get(f"/api/figures/consistency/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["errors"], query
