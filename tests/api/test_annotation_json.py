"""The annotation list's rows rendered by the database (selectors/annotation_json.py) have the
shape that rows.annotation_dicts builds in Python, field for field, on both databases."""

from __future__ import annotations

import orjson
import pytest

from annotations.models import Annotation, Entity
from annotations.rows import ANNOTATION_COLUMNS, annotation_dicts
from annotations.selectors.annotation_json import (
    annotation_json_fragments,
    annotation_json_values,
)
from annotations.selectors.annotations import annotation_queryset
from annotations.services.annotations import annotation_create, reply_create
from tests.api.conftest import client_for
from tests.factories import make_article

pytestmark = pytest.mark.django_db

TEXT = (
    'Kirby said "they are there" 🇰🇵🪖 while Seoul\'s NIS said 3,000. '
    "قالت الوزارة إن القوات وصلت. Then more text follows here for good measure."
)


def _span(article, quote: str) -> tuple[int, int]:
    start = article.text.index(quote)
    return start, start + len(quote)


@pytest.fixture
def varied(team_a, alice, bob, dave, tags_a):
    alice.first_name, alice.last_name = "Alice", "Ng"
    alice.save()
    article = make_article(team=team_a, text=TEXT, title="Varied")
    entity = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    source = annotation_create(
        article=article, author=alice, start=0, end=5, tags=[tags_a["source"]]
    )
    start, end = _span(article, '"they are there" 🇰🇵🪖')
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=end,
        tags=[tags_a["claim"], tags_a["source"]],
        comment="**Bold** claim, see <script>alert(1)</script> and @bob",
        attributed_to=source,
        attributed_to_entity=entity,
        assessment=Annotation.Assessment.DISPUTED,
    )
    reply_create(annotation=claim, author=bob, text="Which briefing?")
    start, end = _span(article, "قالت الوزارة")
    annotation_create(
        article=article,
        author=dave,
        start=start,
        end=end,
        visibility=Annotation.Visibility.PRIVATE,
    )
    start, end = _span(article, "NIS said 3,000")
    suggestion = annotation_create(
        article=article,
        author=bob,
        start=start,
        end=end,
        tags=[tags_a["claim"]],
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    Annotation.objects.filter(pk=suggestion.pk).update(
        suggestion_rule="said",
        suggestion_confidence=0.85,
        suggestion_details={"speaker": {"text": "NIS", "start": 1}, "cues": ["said"]},
    )
    return article


@pytest.mark.parametrize("user", ["alice", "bob", "dave"])
def test_database_rows_match_the_python_rows(varied, request, user):
    viewer = request.getfixturevalue(user)
    queryset = annotation_queryset(viewer).filter(article=varied).order_by("start", "id")
    expected = annotation_dicts(queryset.values(*ANNOTATION_COLUMNS))
    fragments = annotation_json_fragments(annotation_json_values(queryset))
    rendered = orjson.loads(orjson.dumps(fragments))
    assert len(expected) >= 3
    assert rendered == expected


def test_the_list_serves_the_database_rows(varied, alice):
    client = client_for(alice)
    response = client.get(f"/api/annotations/?article={varied.pk}&page_size=1000")
    assert response.status_code == 200
    rows = response.json()["results"]
    one = client.get(f"/api/annotations/{rows[1]['id']}/").json()
    assert rows[1] == one
    assert "<script>" not in rows[1]["comment_html"]
    indented = client.get(
        f"/api/annotations/?article={varied.pk}&page_size=1000",
        HTTP_ACCEPT="application/json; indent=2",
    )
    assert indented.json()["results"] == rows


def test_paging_through_database_rows(varied, alice):
    client = client_for(alice)
    first = client.get(f"/api/annotations/?article={varied.pk}&page_size=2").json()
    second = client.get(first["next"]).json()
    everything = client.get(f"/api/annotations/?article={varied.pk}&page_size=1000").json()
    assert [r["id"] for r in first["results"] + second["results"]] == [
        r["id"] for r in everything["results"]
    ]
