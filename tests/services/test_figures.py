"""Figures written by the analysis job, their resolution, and their consistency across
articles, on the project's own sentences (the example article and the demo articles)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.models import Annotation, Entity, Figure
from annotations.selectors.figures import figure_consistency
from annotations.services.analysis import articles_analyze
from annotations.services.articles import article_update_text
from annotations.services.figures import figure_resolve, figures_extract
from tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]
DEMO = {
    json.loads(line)["title"]: json.loads(line)
    for line in (ROOT / "annotations/demo/articles.jsonl").open()
}


def demo_article(team, word: str):
    title, data = next((t, d) for t, d in DEMO.items() if word in t)
    article = make_article(
        team=team,
        text=data["text"],
        title=title,
        outlet_name=data["outlet"],
        published_at=datetime.fromisoformat(data["published_at"]),
    )
    articles_analyze(article_ids=[article.pk])
    return article


def flagged_of(article) -> Figure:
    return Figure.objects.get(article=article, flagged=True)


@pytest.fixture
def analysed(article):
    article.published_at = datetime(2024, 11, 4, tzinfo=UTC)
    article.save(update_fields=["published_at"])
    articles_analyze(article_ids=[article.pk])
    return article


def test_analysis_writes_the_figures_with_their_claim_and_subject(analysed):
    figure = flagged_of(analysed)
    assert figure.text == "315,00 Russian soldiers"
    assert analysed.text[figure.start : figure.end] == figure.text
    assert figure.readings == [315_000.0, 31_500.0]
    assert (figure.low, figure.high, figure.kind) == (None, None, "casualties")
    assert figure.subject is not None
    assert figure.subject.name == "Russia"
    # the model's claim suggestion covers it: "315,00 Russian soldiers had been killed ..."
    claim = figure.claim
    assert claim is not None
    assert claim.origin == Annotation.Origin.MODEL
    assert claim.start <= figure.number_start < figure.number_end <= claim.end
    troops = Figure.objects.get(article=analysed, text="about 11,000 North Korean troops")
    assert (troops.kind, troops.low, troops.bound) == ("troops", 11_000, "about")
    assert troops.subject is not None
    assert troops.subject.name == "North Korea"


def test_a_resolution_is_kept_when_the_article_is_analysed_again(analysed, alice):
    figure = flagged_of(analysed)
    count = Figure.objects.filter(article=analysed).count()
    figure_resolve(figure=figure, value=315_000, actor=alice)
    assert figures_extract(article_ids=[analysed.pk]) == count
    assert Figure.objects.filter(article=analysed).count() == count
    # an edit before the figure moves it; the row, its id and its resolution stay
    article_update_text(article=analysed, text="UPDATE: " + analysed.text, actor=alice)
    articles_analyze(article_ids=[analysed.pk])
    again = Figure.objects.get(pk=figure.pk)
    assert again.start == figure.start + len("UPDATE: ")
    assert (again.resolved_value, again.low, again.high) == (315_000, 315_000, 315_000)
    assert again.resolved_by == alice
    assert Figure.objects.filter(article=analysed).count() == count


def test_a_figure_gone_from_the_text_is_deleted(analysed, alice):
    figure = flagged_of(analysed)
    text = analysed.text.replace("315,00 Russian soldiers", "many Russian soldiers")
    article_update_text(article=analysed, text=text, actor=alice)
    articles_analyze(article_ids=[analysed.pk])
    assert not Figure.objects.filter(pk=figure.pk).exists()


def test_resolve_to_a_reading_and_undo_with_history(analysed, alice, olga):
    figure = flagged_of(analysed)
    figure_resolve(figure=figure, value=31_500.0, actor=alice)
    figure.refresh_from_db()
    assert (figure.resolved_value, figure.low, figure.resolved_by) == (31_500, 31_500, alice)
    figure_resolve(figure=figure, value=None, actor=olga)
    figure.refresh_from_db()
    assert (figure.resolved_value, figure.low, figure.resolved_by) == (None, None, None)
    assert [h["value"] for h in figure.resolution_history] == [31_500, None]
    assert [h["user"] for h in figure.resolution_history] == [alice.pk, olga.pk]


def test_resolve_refuses_a_value_that_is_not_a_reading(analysed, alice):
    figure = flagged_of(analysed)
    with pytest.raises(ValidationError) as error:
        figure_resolve(figure=figure, value=315.0, actor=alice)
    assert "value" in error.value.message_dict
    assert "315,000, 31,500" in error.value.message_dict["value"][0]
    figure.refresh_from_db()
    assert figure.resolved_value is None
    with pytest.raises(ValidationError):  # nothing to undo
        figure_resolve(figure=figure, value=None, actor=alice)
    plain = Figure.objects.filter(article=analysed, flagged=False).first()
    with pytest.raises(ValidationError):  # not flagged
        figure_resolve(figure=plain, value=plain.low, actor=alice)


def test_viewers_and_other_teams_may_not_resolve(analysed, victor, carol):
    figure = flagged_of(analysed)
    for user in (victor, carol):
        with pytest.raises(PermissionDenied):
            figure_resolve(figure=figure, value=315_000, actor=user)
    figure.refresh_from_db()
    assert figure.resolved_value is None


def test_contradicting_troop_figures_across_two_articles(analysed, team_a, alice):
    kursk = demo_article(team_a, "Kursk region")
    korea = Entity.objects.get(team=team_a, name="North Korea", merged_into=None)
    view = figure_consistency(user=alice, subject=korea, kind="troops", factor=2.0)
    values = {(p["article"], p["low"]): p for p in view["points"]}
    # Washington: at least 8,000 of roughly 10,000; Seoul's lawmaker: about 11,000, up from
    # an estimate of 1,500 (in October), more than 2x below every other figure
    assert set(values) >= {(kursk.pk, 8_000), (kursk.pk, 10_000), (analysed.pk, 11_000)}
    low = values[(analysed.pk, 1_500)]
    assert low["outlier"] is True
    assert {values[(kursk.pk, 8_000)]["id"], values[(analysed.pk, 11_000)]["id"]} <= set(
        low["contradicts"]
    )
    assert values[(kursk.pk, 8_000)]["outlier"] is False
    assert view["outliers"] == 1
    # a looser factor sees no contradiction
    loose = figure_consistency(user=alice, subject=korea, kind="troops", factor=10.0)
    assert loose["outliers"] == 0
    assert loose["contradictions"] == 0


def test_the_resolution_of_315_00_decides_whether_it_contradicts_315_000(analysed, team_a, alice):
    demo_article(team_a, "Casualty")
    russia = Entity.objects.get(team=team_a, name="Russia", merged_into=None)
    figure = flagged_of(analysed)
    view = figure_consistency(user=alice, subject=russia, kind="casualties", factor=2.0)
    assert [u["id"] for u in view["unresolved"]] == [figure.pk]
    assert figure.pk not in {p["id"] for p in view["points"]}
    figure_resolve(figure=figure, value=31_500, actor=alice)
    view = figure_consistency(user=alice, subject=russia, kind="casualties", factor=2.0)
    point = next(p for p in view["points"] if p["id"] == figure.pk)
    wire = next(p for p in view["points"] if p["low"] == 315_000)
    # 31,500 against "about 315,000": a contradiction (two figures: neither is the outlier);
    # the daily rate ("more than 1,200" a day) is compared with rates only
    assert point["contradicts"] == [wire["id"]]
    assert wire["contradicts"] == [point["id"]]
    assert point["outlier"] is False
    assert view["contradictions"] == 1
    figure_resolve(figure=figure, value=315_000, actor=alice)
    view = figure_consistency(user=alice, subject=russia, kind="casualties", factor=2.0)
    point = next(p for p in view["points"] if p["id"] == figure.pk)
    assert point["outlier"] is False
    assert point["contradicts"] == []


def test_consistency_shows_only_the_users_teams(analysed, carol, team_a):
    korea = Entity.objects.get(team=team_a, name="North Korea", merged_into=None)
    view = figure_consistency(user=carol, subject=korea, kind="troops")
    assert view["points"] == []
    assert view["unresolved"] == []
