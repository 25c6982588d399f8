"""Figures in the exports: each JSON Lines record carries the figures its annotation states;
the W3C JSON-LD collection has every figure as a ``describing`` item, valid against the W3C
schema; importing either file back brings no figure in as an annotation."""

from __future__ import annotations

import io
import json

import pytest

from annotations.formats.figures import is_figure_item
from annotations.models import Annotation, Figure, Tag
from annotations.services.analysis import articles_analyze
from annotations.services.annotation_imports import annotations_import
from annotations.services.annotations import annotation_create
from annotations.services.exports import annotations_export
from annotations.services.figures import figure_resolve, figures_extract
from tests.factories import make_article
from tests.jsonld_schema import problems


@pytest.fixture
def claimed(article, alice, tags_a):
    """The example article analysed, with alice's claim on the malformed casualty figure."""
    articles_analyze(article_ids=[article.pk])
    start = article.text.index("315,00 Russian soldiers")
    end = article.text.index(" by the end of September")
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=end,
        tags=[t for t in tags_a.values() if t.kind == Tag.Kind.CLAIM],
    )
    figures_extract(article_ids=[article.pk])
    figure = Figure.objects.get(article=article, flagged=True)
    assert figure.claim == claim
    return claim, figure


def export(team, user, fmt: str) -> str:
    out = io.StringIO()
    annotations_export(team=team, user=user, fmt=fmt, out=out, base_url="https://nn.example")
    return out.getvalue()


def test_jsonl_records_carry_the_figures_their_claim_states(claimed, team_a, alice):
    claim, figure = claimed
    figure_resolve(figure=figure, value=315_000, actor=alice)
    records = [json.loads(line) for line in export(team_a, alice, "jsonl").splitlines()]
    record = next(r for r in records if r["id"] == claim.pk)
    assert record["figures"] == [
        {
            "id": figure.pk,
            "claim": claim.pk,
            "start": figure.start,
            "end": figure.end,
            "text": "315,00 Russian soldiers",
            "kind": "casualties",
            "unit": "soldiers",
            "low": 315000.0,
            "high": 315000.0,
            "bound": "exact",
            "subject": "Russia",
            "subject_wikidata": figure.subject.wikidata_id or None,
            "flagged": True,
            "readings": [315000.0, 31500.0],
            "resolved_value": 315000.0,
        }
    ]
    assert all(r["figures"] == [] for r in records if r["id"] != claim.pk)


def test_jsonld_has_every_figure_as_a_valid_describing_item(claimed, team_a, alice):
    claim, figure = claimed
    document = json.loads(export(team_a, alice, "jsonld"))
    assert problems(document) == []
    items = [i for i in document["first"]["items"] if is_figure_item(i)]
    assert len(items) == Figure.objects.filter(team=team_a).count()
    assert document["total"] == len(document["first"]["items"])
    item = next(i for i in items if i["id"] == f"https://nn.example/api/figures/{figure.pk}/")
    words, record, *links = item["body"]
    assert words["value"] == "casualties: 315,000 or 31,500? (Russia)"
    assert json.loads(record["value"])["readings"] == [315000.0, 31500.0]
    claim_iri = f"https://nn.example/api/annotations/{claim.pk}/"
    assert links[0]["source"] == claim_iri
    assert item["target"]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": figure.start,
        "end": figure.end,
    }
    # a figure whose claim is a pending model suggestion (not exported) links no claim
    pending = Figure.objects.filter(
        team=team_a, claim__suggestion_state=Annotation.SuggestionState.PENDING
    ).first()
    assert pending is not None
    other = next(i for i in items if i["id"].endswith(f"/figures/{pending.pk}/"))
    assert all("annotations" not in str(b.get("source", "")) for b in other["body"])


@pytest.mark.parametrize("fmt", ["jsonl", "jsonld"])
def test_importing_an_export_skips_the_figures(claimed, team_a, team_b, alice, carol, fmt):
    claim, _ = claimed
    make_article(team=team_b, text=claim.article.text, title=claim.article.title)
    text = export(team_a, alice, fmt)
    report = annotations_import(
        team=team_b,
        user=carol,
        fmt=fmt,
        stream=io.BytesIO(text.encode()),
        base_url="https://nn.example",
    )
    assert report.as_dict()["errors"] == [], report.as_dict()
    assert (
        len(report.created)
        == Annotation.objects.filter(team=team_a, suggestion_state__in=["", "accepted"]).count()
    )
