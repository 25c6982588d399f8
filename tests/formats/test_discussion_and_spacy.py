"""The exports carry the discussion and the review (replies, verdicts, review notes) in JSON
Lines, CSV and JSON-LD; the importer reads our own export back and leaves them out. The spaCy
export holds every tag of a span and the accepted entity mentions as ``ents``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from annotations.formats.jsonld import is_discussion_item
from annotations.models import Annotation, Entity, Mention, Reply, Review
from annotations.nlp.training import docbin_from_records, records_from_docbin
from annotations.services.annotation_imports import annotations_import
from annotations.services.annotations import (
    annotation_create,
    annotation_submit,
    reply_create,
    review_create,
)
from annotations.services.exports import annotations_export
from tests.factories import make_article
from tests.jsonld_schema import problems

BASE = "https://nn.example"
QUOTE = "North Korean"


@pytest.fixture
def discussed(team_a, alice, bob, olga, article, tags_a):
    """An approved claim and figure with a thread (a reply and a reply to it), a request for
    changes with its note, then an approval; accepted and rejected mentions of the article."""
    start = article.text.index(QUOTE)
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=start + len(QUOTE),
        tags=[tags_a["claim"], tags_a["figure"]],
        comment="Check the count.",
    )
    first = reply_create(annotation=claim, author=bob, text="Which source says so?")
    reply_create(annotation=claim, author=alice, text="The NIS briefing.", parent=first)
    annotation_submit(annotation=claim, actor=alice)
    review_create(
        annotation=claim, reviewer=bob, verdict="request_changes", note="Name the briefing."
    )
    annotation_submit(annotation=claim, actor=alice)
    review_create(annotation=claim, reviewer=bob, verdict="approve")
    korea = Entity.objects.create(team=team_a, name="North Korea", kind="GPE")
    ai = Entity.objects.create(team=team_a, name="AI", kind="GPE")
    for entity, text, rejected in ((korea, QUOTE, False), (ai, "Korean", True)):
        at = article.text.index(text)
        Mention.objects.create(
            article=article,
            entity=entity,
            start=at,
            end=at + len(text),
            text=text,
            label=entity.kind,
            rejected=rejected,
        )
    return Annotation.objects.get(pk=claim.pk)


def export(team, user, fmt: str) -> str:
    out = io.StringIO()
    annotations_export(team=team, user=user, fmt=fmt, out=out, base_url=BASE)
    return out.getvalue()


def test_jsonl_records_carry_replies_and_reviews(discussed, team_a, alice):
    [record] = [json.loads(line) for line in export(team_a, alice, "jsonl").splitlines()]
    replies = record["replies"]
    assert [(r["author"], r["text"]) for r in replies] == [
        ("bob", "Which source says so?"),
        ("alice", "The NIS briefing."),
    ]
    assert replies[0]["parent"] is None
    assert replies[1]["parent"] == replies[0]["id"]
    assert [(r["reviewer"], r["verdict"], r["note"]) for r in record["reviews"]] == [
        ("bob", "request_changes", "Name the briefing."),
        ("bob", "approve", ""),
    ]
    assert all(r["created_at"].endswith("Z") for r in replies + record["reviews"])


def test_csv_carries_them_as_json_in_two_columns(discussed, team_a, alice):
    text = export(team_a, alice, "csv")
    [row] = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [r["text"] for r in json.loads(row["replies"])] == [
        "Which source says so?",
        "The NIS briefing.",
    ]
    assert [r["verdict"] for r in json.loads(row["reviews"])] == ["request_changes", "approve"]


def test_jsonld_has_replies_as_replying_and_verdicts_as_assessing(discussed, team_a, alice):
    doc = json.loads(export(team_a, alice, "jsonld"))
    assert problems(doc, definition="collectionDocument") == []
    items = doc["first"]["items"]
    assert doc["total"] == len(items) == 5
    annotation, first, second, changes, approval = items
    claim_iri = f"{BASE}/api/annotations/{discussed.pk}/"
    assert annotation["id"] == claim_iri
    assert (first["motivation"], first["target"]) == ("replying", claim_iri)
    assert first["body"] == {
        "type": "TextualBody",
        "purpose": "replying",
        "value": "Which source says so?",
        "format": "text/plain",
    }
    assert first["creator"]["nickname"] == "bob"
    # A reply to a reply targets the reply it answers.
    assert (second["motivation"], second["target"]) == ("replying", first["id"])
    assert changes["motivation"] == "assessing"
    assert changes["target"] == claim_iri
    assert changes["body"] == [
        {"type": "TextualBody", "purpose": "assessing", "value": "request_changes"},
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": "Name the briefing.",
            "format": "text/plain",
        },
    ]
    assert approval["body"] == {"type": "TextualBody", "purpose": "assessing", "value": "approve"}
    assert [is_discussion_item(i) for i in items] == [False, True, True, True, True]
    for item in items[1:]:
        assert problems(item, definition="annotation") == [], item


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonld"])
def test_our_own_export_imports_back_without_its_discussion(
    discussed, team_a, alice, team_b, carol, fmt
):
    make_article(team=team_b, text=discussed.article.text, title="Same", url=discussed.article.url)
    report = annotations_import(
        team=team_b,
        user=carol,
        fmt=fmt,
        stream=io.BytesIO(export(team_a, alice, fmt).encode("utf-8")),
        base_url=BASE,
    )
    assert (len(report.created), report.errors, report.records) == (1, [], 1)
    imported = Annotation.objects.get(team=team_b)
    assert sorted(imported.tags.values_list("slug", flat=True)) == ["claim", "figure"]
    assert not Reply.objects.filter(annotation__team=team_b).exists()
    assert not Review.objects.filter(annotation__team=team_b).exists()


def test_a_third_partys_bare_iri_target_is_still_an_error(team_b, carol):
    doc = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "x", "purpose": "commenting"},
        "target": "https://example.org/page",
    }
    report = annotations_import(
        team=team_b, user=carol, fmt="jsonld", stream=io.BytesIO(json.dumps(doc).encode())
    )
    assert report.error_count == 1
    assert "target" in report.errors[0]["message"]


# --- spaCy -------------------------------------------------------------------------------------


def test_spacy_has_every_tag_and_the_accepted_mentions_as_ents(discussed, team_a, alice):
    [record] = [json.loads(line) for line in export(team_a, alice, "spacy").splitlines()]
    start = record["text"].index(QUOTE)
    assert record["spans"] == [
        {"start": start, "end": start + len(QUOTE), "label": "claim"},
        {"start": start, "end": start + len(QUOTE), "label": "figure"},
    ]
    # The rejected "Korean" (GPE "AI") is left out.
    assert record["ents"] == [{"start": start, "end": start + len(QUOTE), "label": "GPE"}]


def test_spacy_import_makes_one_annotation_of_a_spans_labels(
    discussed, team_a, alice, team_b, carol
):
    make_article(team=team_b, text=discussed.article.text, title="Same")
    report = annotations_import(
        team=team_b,
        user=carol,
        fmt="spacy",
        stream=io.BytesIO(export(team_a, alice, "spacy").encode("utf-8")),
    )
    assert (len(report.created), report.errors) == (1, [])
    imported = Annotation.objects.get(team=team_b)
    assert sorted(imported.tags.values_list("slug", flat=True)) == ["claim", "figure"]
    assert not Mention.objects.filter(article__team=team_b).exists()  # ents are not imported


def test_docbin_holds_ents_and_keeps_the_longest_of_overlapping_ones():
    text = "Kim Jong Un met Vladimir Putin in Pyongyang."
    record = {
        "text": text,
        "spans": [{"start": 0, "end": 11, "label": "source"}],
        "ents": [
            {"start": 0, "end": 11, "label": "PERSON"},
            {"start": 4, "end": 11, "label": "PERSON"},  # inside the first
            {"start": 16, "end": 30, "label": "PERSON"},
            {"start": 34, "end": 38, "label": "GPE"},  # "Pyon|gyang": not on a token boundary
        ],
        "meta": {"title": "Summit"},
    }
    docbin, misaligned = docbin_from_records([record])
    assert [(m.kind, m.text) for m in misaligned] == [("entity", "Pyon")]
    assert str(misaligned[0]).startswith("line 1 (Summit): entity 34-38 'GPE'")
    [doc] = records_from_docbin(docbin.to_bytes())
    assert doc["ents"] == [
        {"start": 0, "end": 11, "label": "PERSON"},
        {"start": 16, "end": 30, "label": "PERSON"},
    ]
    assert doc["spans"] == [{"start": 0, "end": 11, "label": "source"}]
