"""Admiralty grading on the server-rendered pages: the dashboard's matrix counts only the
claims the user may see; the entity page shows the grade, its history and the claims' grades;
the reader's data carries the grades its cards show."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from annotations.models import Entity
from annotations.services.annotations import annotation_create
from annotations.services.grading import annotation_credibility_set, source_grade_set
from tests.factories import make_article

TEXT = "Kirby said the troops traveled by ship to Vladivostok."


@pytest.fixture
def graded(team_a, alice, dave, tags_a):
    article = make_article(team=team_a, text=TEXT, outlet_name="Wire One", imported_by=alice)
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    claim = annotation_create(
        article=article,
        author=alice,
        start=0,
        end=5,
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
    )
    annotation_credibility_set(annotation=claim, actor=alice, credibility="2")
    # dave's private claim: alice must not count it.
    annotation_create(
        article=article, author=dave, start=6, end=10, tags=[tags_a["claim"]], visibility="private"
    )
    source_grade_set(team=team_a, actor=alice, entity=kirby, reliability="B", reason="track")
    source_grade_set(team=team_a, actor=alice, outlet=article.outlet, reliability="D")
    return {"article": article, "kirby": kirby, "claim": claim}


def _matrix(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-grade-row="(\w+)">(.*?)</tr>', html, flags=re.S)
    cell = r'<td class="num[^"]*">(?:<strong>)?(\d+)'
    return {name: re.findall(cell, body) for name, body in rows}


def test_the_dashboard_counts_visible_claims_by_grade(client, alice, dave, graded):
    client.force_login(alice)
    html = client.get(reverse("annotations:dashboard")).content.decode()
    assert "Claims by Admiralty grade" in html
    assert _matrix(html) == {"B": ["0", "1", "0", "0", "0", "0", "0", "1"]}
    client.force_login(dave)
    matrix = _matrix(client.get(reverse("annotations:dashboard")).content.decode())
    assert matrix["D"][-1] == "1"  # his private claim, graded by its outlet
    assert matrix["B"][-1] == "1"


def test_the_entity_page_shows_the_grade_and_its_history(client, alice, carol, graded):
    client.force_login(alice)
    url = reverse("annotations:entity-detail", args=[graded["kirby"].pk])
    html = client.get(url).content.decode()
    assert re.search(r"data-current-grade[^>]*>B<", html)
    assert "track" in html
    assert re.search(r'<span class="badge admiralty"[^>]*>B2<', html)
    client.force_login(carol)
    assert client.get(url).status_code == 404


def test_the_reader_carries_the_source_grades(client, alice, graded):
    client.force_login(alice)
    html = client.get(reverse("annotations:article-read", args=[graded["article"].pk])).content
    data = json.loads(
        re.search(rb'<script id="reader-data" type="application/json">(.*?)</script>', html, re.S)
        .group(1)
        .decode()
    )
    assert data["source_grades"] == {"outlet": "D", "entities": {str(graded["kirby"].pk): "B"}}
    assert {a["id"]: a["credibility"] for a in data["annotations"]}[graded["claim"].pk] == "2"
