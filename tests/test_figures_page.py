"""The figures page: the chosen subject's figures with the chart's data; bad choices are a 400
naming the field; another team's subject is not offered."""

from __future__ import annotations

import json
import re

import pytest

from annotations.models import Entity
from annotations.services.analysis import articles_analyze


@pytest.fixture
def analysed(article):
    articles_analyze(article_ids=[article.pk])
    return article


def chart_data(html: str) -> dict:
    match = re.search(
        r'<script id="figures-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def test_the_page_shows_the_subjects_figures(client, alice, analysed):
    client.force_login(alice)
    korea = Entity.objects.get(team=analysed.team, name="North Korea")
    response = client.get(f"/figures/?subject={korea.pk}&kind=troops")
    assert response.status_code == 200
    html = response.content.decode()
    data = chart_data(html)
    assert {p["low"] for p in data["points"]} >= {11_000, 1_500}
    assert "1 contradiction" in html  # about 11,000 and 1,500: two figures, no outlier
    assert f'href="/articles/{analysed.pk}/#a-' in html
    # with nothing chosen, the subject and kind with the most figures
    assert client.get("/figures/").status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [("kind=bananas", "err_kind"), ("subject=999999", "err_subject"), ("factor=0", "err_factor")],
)
def test_bad_choices_are_a_400_naming_the_field(client, alice, analysed, query, field):
    client.force_login(alice)
    response = client.get(f"/figures/?{query}")
    assert response.status_code == 400
    assert f'id="{field}"' in response.content.decode()


def test_another_teams_subject_is_refused(client, carol, analysed):
    client.force_login(carol)
    korea = Entity.objects.get(team=analysed.team, name="North Korea")
    response = client.get(f"/figures/?subject={korea.pk}&kind=troops")
    assert response.status_code == 400
    assert "figures-data" not in response.content.decode()


def test_signed_out_goes_to_the_login(client):
    response = client.get("/figures/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
