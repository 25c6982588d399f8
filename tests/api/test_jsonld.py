"""The W3C Web Annotation mapping: export valid under the project's W3C schema, import strict."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator

from annotations.formats.jsonld import (
    ANNO_CONTEXT,
    Iris,
    annotation_to_jsonld,
    collection_to_jsonld,
    with_jsonld_relations,
)
from annotations.formats.jsonld_fields import jsonld_to_fields
from annotations.models import Annotation, Entity
from annotations.services.annotations import annotation_create, annotation_delete
from tests.factories import make_article
from tests.jsonld_schema import paths, problems, schema

BASE = "https://newsnotes.example.org"
IRIS = Iris(BASE)

TEXT = (
    "Crowd 👍🏽 cheered. قال المتحدث إن القوات وصلت. Kirby said so.\n"
    "White House national security spokesman John Kirby said the US believes the North Korean "
    "troops traveled by ship to Vladivostok.\n"
    "Moscow at first denied the reports as fake news."
)
RTL_QUOTE = "👍🏽 cheered. قال المتحدث إن القوات وصلت"
SOURCE_QUOTE = "White House national security spokesman John Kirby"
CLAIM_QUOTE = "the US believes the North Korean troops traveled by ship to Vladivostok"
HIGHLIGHT_QUOTE = "Moscow at first denied the reports"


def _span(article, quote: str) -> dict[str, Any]:
    start = article.text.index(quote)
    return {"start": start, "end": start + len(quote), "exact": quote}


def _annotate(article, author, quote: str, **kwargs: Any) -> Annotation:
    return annotation_create(article=article, author=author, **_span(article, quote), **kwargs)


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


@pytest.fixture
def story(team_a, alice):
    return make_article(
        team=team_a,
        text=TEXT,
        title="Kirby on the troops",
        url="https://www.inquirer.net/opinion/north-korean-troops",
        imported_by=alice,
    )


@pytest.fixture
def kirby(team_a):
    return Entity.objects.create(
        team=team_a, name="John Kirby", kind=Entity.Kind.PERSON, wikidata_id="Q7747"
    )


@pytest.fixture
def annotated(story, alice, tags_a, kirby) -> list[Annotation]:
    """One of each: emoji + RTL span, a source, a claim attributed to it, a bare highlight."""
    rtl = _annotate(
        story,
        alice,
        RTL_QUOTE,
        tags=[tags_a["context"]],
        comment="نقل عن المتحدث — the spokesman, quoted in Arabic.",
        assessment=Annotation.Assessment.DISPUTED,
    )
    source = _annotate(story, alice, SOURCE_QUOTE, tags=[tags_a["source"]])
    claim = _annotate(
        story,
        alice,
        CLAIM_QUOTE,
        tags=[tags_a["figure"], tags_a["claim"]],
        comment="Check against satellite imagery.",
        assessment=Annotation.Assessment.SUPPORTED,
        attributed_to=source,
        attributed_to_entity=kirby,
    )
    highlight = _annotate(story, alice, HIGHLIGHT_QUOTE)
    return [rtl, source, claim, highlight]


def _export(story) -> dict[str, Any]:
    rows = list(with_jsonld_relations(Annotation.objects.filter(article=story, deleted_at=None)))
    return collection_to_jsonld(story, rows, iris=IRIS)


def _valid_doc(story) -> dict[str, Any]:
    """A minimal annotation that imports cleanly; the junk table breaks one part at a time."""
    return {
        "@context": ANNO_CONTEXT,
        "type": "Annotation",
        "target": {
            "source": IRIS.article(story.pk),
            "selector": [
                {"type": "TextQuoteSelector", "exact": CLAIM_QUOTE},
                {
                    "type": "TextPositionSelector",
                    "start": TEXT.index(CLAIM_QUOTE),
                    "end": TEXT.index(CLAIM_QUOTE) + len(CLAIM_QUOTE),
                },
            ],
        },
    }


# --- IRIs ---------------------------------------------------------------------------------------


def test_iris_are_absolute_and_parse_back_only_for_their_own_kind():
    assert IRIS.annotation(7) == f"{BASE}/api/annotations/7/"
    assert IRIS.collection(3) == f"{BASE}/api/articles/3/annotations.jsonld"
    assert Iris(BASE + "/").article(3) == f"{BASE}/api/articles/3/"
    assert IRIS.parse(IRIS.entity(42), "entity") == 42
    assert IRIS.parse(IRIS.entity(42), "annotation") is None
    for junk in (None, 42, ["x"], f"{BASE}/api/entities/x/", f"{BASE}/api/entities/042/"):
        assert IRIS.parse(junk, "entity") is None
    assert IRIS.parse("https://evil.example/api/entities/42/", "entity") is None
    assert IRIS.parse(f"{BASE}/api/entities/{10**30}/", "entity") is None


# --- export -------------------------------------------------------------------------------------


def test_claim_exports_tags_comment_assessment_and_both_attributions(annotated, kirby, alice):
    source, claim = annotated[1:3]
    data = annotation_to_jsonld(claim, iris=IRIS)
    assert data["@context"] == ANNO_CONTEXT
    assert data["id"] == f"{BASE}/api/annotations/{claim.pk}/"
    assert data["type"] == "Annotation"
    assert data["motivation"] == ["tagging", "commenting", "assessing", "linking"]
    assert data["creator"] == {
        "id": f"{BASE}/api/users/{alice.pk}/",
        "type": "Person",
        "nickname": "alice",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", data["created"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", data["modified"])
    assert data["body"] == [
        # Tags in the team's vocabulary order (Claim before Figure), not insertion order.
        {"type": "TextualBody", "purpose": "tagging", "value": "Claim"},
        {"type": "TextualBody", "purpose": "tagging", "value": "Figure"},
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": "Check against satellite imagery.",
            "format": "text/plain",
        },
        {"type": "TextualBody", "purpose": "assessing", "value": "supported"},
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": f"{BASE}/api/annotations/{source.pk}/",
        },
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": {
                "id": f"{BASE}/api/entities/{kirby.pk}/",
                "name": "John Kirby",
                "schema:sameAs": {"id": "http://www.wikidata.org/entity/Q7747"},
            },
        },
    ]
    assert data["target"] == {
        "source": f"{BASE}/api/articles/{claim.article_id}/",
        "scope": "https://www.inquirer.net/opinion/north-korean-troops",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": CLAIM_QUOTE,
                "prefix": claim.prefix,
                "suffix": claim.suffix,
            },
            {"type": "TextPositionSelector", "start": claim.start, "end": claim.end},
        ],
    }
    assert "visibility" not in json.dumps(data)


def test_highlight_without_bodies_has_no_body_and_motivation_highlighting(annotated):
    highlight = annotated[3]
    data = annotation_to_jsonld(highlight, iris=IRIS)
    assert data["motivation"] == "highlighting"
    assert "body" not in data
    # "unverified" is the absence of an assessment, so it is not exported as one.
    assert highlight.assessment == Annotation.Assessment.UNVERIFIED


def test_positions_are_code_points_over_emoji_and_right_to_left_text(annotated):
    rtl = annotated[0]
    selectors = annotation_to_jsonld(rtl, iris=IRIS)["target"]["selector"]
    quote, position = selectors
    assert quote["exact"] == RTL_QUOTE
    assert quote["prefix"] == "Crowd "
    # "Crowd " is 6 code points; the thumbs-up with its skin tone is 2 code points (4 UTF-16
    # units), so a UTF-16 end would be 2 larger.
    assert position == {"type": "TextPositionSelector", "start": 6, "end": 6 + len(RTL_QUOTE)}
    assert TEXT[position["start"] : position["end"]] == RTL_QUOTE
    assert len(RTL_QUOTE.encode("utf-16-le")) // 2 == len(RTL_QUOTE) + 2


def test_collection_embeds_one_page_with_every_annotation_without_repeating_context(
    story, annotated
):
    data = _export(story)
    assert data["@context"] == ANNO_CONTEXT
    assert data["id"] == f"{BASE}/api/articles/{story.pk}/annotations.jsonld"
    assert data["type"] == "AnnotationCollection"
    assert data["label"] == "Kirby on the troops"
    assert data["total"] == 4
    page = data["first"]
    assert page["id"] == data["id"] + "?page=1"
    assert page["type"] == "AnnotationPage"
    assert page["startIndex"] == 0
    assert [item["id"] for item in page["items"]] == [IRIS.annotation(a.pk) for a in annotated]
    assert all("@context" not in item for item in page["items"])


def test_empty_collection_has_no_first_page(story):
    data = collection_to_jsonld(story, [], iris=IRIS)
    assert data["total"] == 0
    assert "first" not in data


def test_exporting_prefetched_annotations_makes_no_queries(
    story, annotated, django_assert_num_queries
):
    rows = list(with_jsonld_relations(Annotation.objects.filter(article=story)))
    with django_assert_num_queries(0):
        collection_to_jsonld(story, rows, iris=IRIS)
        for row in rows:
            annotation_to_jsonld(row, iris=IRIS)


# --- the W3C schema -----------------------------------------------------------------------------


def test_the_w3c_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_collection_and_each_annotation_are_valid_under_the_w3c_schema(story, annotated):
    collection = _export(story)
    assert problems(collection, definition="collectionDocument") == []
    # Every annotation was embedded and checked: none was left out of the page.
    assert len(collection["first"]["items"]) == len(annotated) == 4
    for annotation in annotated:
        assert problems(annotation_to_jsonld(annotation, iris=IRIS)) == []


def test_one_body_is_written_as_itself_not_as_a_list_of_one(annotated):
    source = annotation_to_jsonld(annotated[1], iris=IRIS)
    assert source["body"] == {"type": "TextualBody", "purpose": "tagging", "value": "Source"}
    assert source["motivation"] == "tagging"
    claim = annotation_to_jsonld(annotated[2], iris=IRIS)
    assert isinstance(claim["body"], list)
    assert len(claim["body"]) > 1


def _broken(annotated, change) -> dict[str, Any]:
    """The claim's export, valid, then changed by ``change``."""
    claim = annotation_to_jsonld(annotated[2], iris=IRIS)
    assert problems(claim) == []
    broken = copy.deepcopy(claim)
    change(broken)
    return broken


def test_schema_rejects_an_annotation_without_context(annotated):
    broken = _broken(annotated, lambda d: d.pop("@context"))
    assert "$: '@context' is a required property" in problems(
        broken, definition="annotationDocument"
    )
    assert problems(broken)  # and it is no other kind of document either


def test_schema_rejects_a_context_without_the_annotation_context(annotated):
    broken = _broken(annotated, lambda d: d.update({"@context": "http://schema.org/"}))
    assert "$['@context']" in paths(broken)
    listed = _broken(annotated, lambda d: d.update({"@context": [ANNO_CONTEXT]}))
    assert "$['@context']" in paths(listed)  # one value is given as a string


def test_schema_rejects_an_annotation_without_target(annotated):
    broken = _broken(annotated, lambda d: d.pop("target"))
    assert "$: 'target' is a required property" in problems(broken, definition="annotationDocument")


@pytest.mark.parametrize("key", ["body", "target"])
def test_schema_rejects_a_one_item_list_for_body_or_target(annotated, key):
    def one_item_list(doc: dict[str, Any]) -> None:
        value = doc[key]
        doc[key] = [value[0] if isinstance(value, list) else value]

    assert f"$.{key}" in paths(_broken(annotated, one_item_list))
    iri = _broken(annotated, lambda d: d.update({key: ["https://example.org/x"]}))
    assert f"$.{key}" in paths(iri)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("created", "2024-11-04T09:30:00"),  # no timezone
        ("modified", "2024-11-04T09:30:00.123456"),
        ("created", "2024-11-04T11:30:00+02:00"),  # the model asks for UTC, written "Z"
        ("created", "2024-11-04"),
        ("generated", "yesterday"),
    ],
)
def test_schema_rejects_a_timestamp_without_the_utc_timezone(annotated, key, value):
    broken = _broken(annotated, lambda d: d.update({key: value}))
    assert f"$.{key}" in paths(broken)


def test_schema_accepts_the_timestamps_the_export_writes(annotated):
    claim = annotation_to_jsonld(annotated[2], iris=IRIS)
    for value in ("2024-11-04T09:30:00Z", "2024-11-04T09:30:00.123456Z"):
        assert problems(claim | {"created": value, "generated": value}) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda s: s.update(start=-1), "$.target.selector[1].start"),
        (lambda s: s.update(end=-3), "$.target.selector[1].end"),
        (lambda s: s.update(start=1.5), "$.target.selector[1].start"),
        (lambda s: s.update(start="7"), "$.target.selector[1].start"),
        (lambda s: s.pop("end"), "$.target.selector[1]"),
    ],
    ids=["negative-start", "negative-end", "fraction", "string", "no-end"],
)
def test_schema_rejects_a_broken_text_position_selector(annotated, change, path):
    broken = _broken(annotated, lambda d: change(d["target"]["selector"][1]))
    assert path in paths(broken)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.pop("exact"),
        lambda s: s.update(exact=""),
        lambda s: s.update(prefix=None),
        lambda s: s.update(exactly="typo"),
    ],
    ids=["no-exact", "empty-exact", "null-prefix", "unknown-key"],
)
def test_schema_rejects_a_broken_text_quote_selector(annotated, change):
    broken = _broken(annotated, lambda d: change(d["target"]["selector"][0]))
    assert any(p.startswith("$.target.selector[0]") for p in paths(broken))


def test_schema_requires_the_linking_purpose_on_a_specific_resource_body(annotated):
    # Why each SpecificResource body carries "purpose": with only "source" the W3C test suite
    # does not recognise it as a body at all, and neither does the schema.
    def drop_purposes(doc: dict[str, Any]) -> None:
        for body in doc["body"]:
            if body["type"] == "SpecificResource":
                del body["purpose"]

    broken = _broken(annotated, drop_purposes)
    assert {"$.body[4]", "$.body[5]"} <= paths(broken)


def test_schema_rejects_body_and_body_value_together_and_unknown_keys(annotated):
    both = _broken(annotated, lambda d: d.update({"bodyValue": "A comment"}))
    assert problems(both)
    typo = _broken(annotated, lambda d: d.update({"motivations": "tagging"}))
    assert problems(typo)
    prefixed = _broken(annotated, lambda d: d.update({"schema:about": "x"}))
    assert problems(prefixed) == []  # a compact IRI under anno.jsonld's prefixes is a term


def test_schema_rejects_an_empty_collection_with_a_first_page_and_a_full_one_without(story):
    empty = collection_to_jsonld(story, [], iris=IRIS)
    assert problems(empty) == []
    assert problems(empty | {"first": f"{IRIS.collection(story.pk)}?page=1"})
    assert problems(empty | {"total": 3})


# --- round trip ---------------------------------------------------------------------------------


def _normalised(collection: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """Annotation IRIs mapped through ``ids``; created, modified and creator blanked."""
    data = copy.deepcopy(collection)
    for item in data["first"]["items"]:
        item["id"] = ids.get(item["id"], item["id"])
        bodies = item.get("body", [])
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if body.get("purpose") == "linking" and isinstance(body["source"], str):
                body["source"] = ids.get(body["source"], body["source"])
        item["created"] = item["modified"] = item["creator"] = "(normalised)"
    return data


def test_export_import_export_round_trip_is_identical_but_for_ids_dates_and_creator(
    story, annotated, alice, dave
):
    before = _export(story)
    # Delete the originals (claims before their sources), then import the export as dave.
    for annotation in sorted(annotated, key=lambda a: a.attributed_to_id is None):
        annotation_delete(annotation=annotation, actor=alice)
    assert not Annotation.objects.filter(article=story, deleted_at__isnull=True).exists()

    new_ids: dict[str, str] = {}
    for item in before["first"]["items"]:
        # Links between imported annotations point at the copies made so far.
        item = _normalised({"first": {"items": [item]}}, new_ids)["first"]["items"][0]
        fields = jsonld_to_fields(item, article=story, iris=IRIS)
        created = annotation_create(article=story, author=dave, **fields)
        new_ids[item["id"]] = IRIS.annotation(created.pk)

    after = _export(story)
    assert len(after["first"]["items"]) == 4
    assert {item["creator"]["nickname"] for item in after["first"]["items"]} == {"dave"}
    assert set(new_ids.values()) == {item["id"] for item in after["first"]["items"]}
    assert _normalised(after, {}) == _normalised(before, new_ids)


def test_import_accepts_single_objects_and_no_context(story, tags_a):
    doc = {
        "type": "Annotation",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": "claim"},
        "target": {
            "source": {"id": IRIS.article(story.pk)},
            "selector": {"type": "TextQuoteSelector", "exact": CLAIM_QUOTE},
        },
    }
    fields = jsonld_to_fields(doc, article=story, iris=IRIS)
    start = TEXT.index(CLAIM_QUOTE)
    assert fields == {
        "start": start,
        "end": start + len(CLAIM_QUOTE),
        "exact": CLAIM_QUOTE,
        "tags": [tags_a["claim"]],
        "comment": "",
        "assessment": "unverified",
        "attributed_to": None,
        "attributed_to_entity": None,
    }


def test_import_locates_a_repeated_quote_by_its_prefix_and_suffix(team_a):
    text = "Kirby said no. Then Kirby said yes. Later Kirby said maybe."
    article = make_article(team=team_a, text=text)
    doc = {
        "type": "Annotation",
        "target": {
            "source": IRIS.article(article.pk),
            "selector": {
                "type": "TextQuoteSelector",
                "exact": "Kirby said",
                "prefix": "Then ",
                "suffix": " yes",
            },
        },
    }
    fields = jsonld_to_fields(doc, article=article, iris=IRIS)
    assert (fields["start"], fields["end"]) == (20, 30)
    assert text[20:30] == "Kirby said"


def test_import_takes_a_position_alone_and_leaves_exact_to_the_service(story):
    doc = {
        "type": "Annotation",
        "target": {
            "source": IRIS.article(story.pk),
            "selector": {"type": "TextPositionSelector", "start": 6, "end": 8},
        },
    }
    fields = jsonld_to_fields(doc, article=story, iris=IRIS)
    assert (fields["start"], fields["end"], fields["exact"]) == (6, 8, None)


def test_import_reads_body_value_as_the_comment(story):
    doc = _valid_doc(story) | {"bodyValue": "Needs a second source."}
    assert jsonld_to_fields(doc, article=story, iris=IRIS)["comment"] == "Needs a second source."


# --- junk input ---------------------------------------------------------------------------------


def _target(**changes: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["target"].update(changes)

    return change


def _selector(index: int, **changes: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc["target"]["selector"][index].update(changes)

    return change


def _set(key: str, value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc[key] = value

    return change


def _drop(key: str) -> Any:
    def change(doc: dict[str, Any]) -> None:
        del doc[key]

    return change


def _tb(purpose: Any, value: Any = "x", **extra: Any) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, **extra}


def _link(source: Any) -> dict[str, Any]:
    return {"type": "SpecificResource", "purpose": "linking", "source": source}


JUNK_DOCUMENTS = [
    pytest.param(None, "non_field_errors", id="null"),
    pytest.param([], "non_field_errors", id="list"),
    pytest.param(42, "non_field_errors", id="number"),
    pytest.param("Annotation", "non_field_errors", id="string"),
    pytest.param({}, "type", id="empty-object"),
]

JUNK_CHANGES = [
    # the envelope
    pytest.param(_set("@context", "http://example.org/other.jsonld"), "@context", id="context"),
    pytest.param(_set("@context", 5), "@context", id="context-number"),
    pytest.param(_set("type", "Note"), "type", id="type-wrong"),
    pytest.param(_drop("type"), "type", id="type-missing"),
    pytest.param(_set("type", None), "type", id="type-null"),
    # the target
    pytest.param(_drop("target"), "target", id="target-missing"),
    pytest.param(_set("target", None), "target", id="target-null"),
    pytest.param(_set("target", 7), "target", id="target-number"),
    pytest.param(_set("target", []), "target", id="target-empty-list"),
    pytest.param(lambda d: d.update(target=[d["target"], d["target"]]), "target", id="2-targets"),
    pytest.param(lambda d: d.update(target=d["target"]["source"]), "target", id="target-bare-iri"),
    pytest.param(_target(source=None), "target", id="source-null"),
    pytest.param(_target(source=["x"]), "target", id="source-list"),
    pytest.param(_target(source={"id": None}), "target", id="source-object-without-id"),
    pytest.param(_target(source=f"{BASE}/api/articles/999999/"), "target", id="other-article"),
    pytest.param(_target(source="https://www.inquirer.net/x"), "target", id="foreign-source"),
    # the selectors
    pytest.param(lambda d: d["target"].pop("selector"), "target.selector", id="no-selector"),
    pytest.param(_target(selector=None), "target.selector", id="selector-null"),
    pytest.param(_target(selector=[]), "target.selector", id="selector-empty"),
    pytest.param(_target(selector=[5]), "target.selector", id="selector-number"),
    pytest.param(_target(selector=[{"exact": "x"}]), "target.selector", id="selector-no-type"),
    pytest.param(
        _target(selector={"type": "FragmentSelector", "value": "t=1"}),
        "target.selector",
        id="only-unknown-selector",
    ),
    pytest.param(
        lambda d: d["target"]["selector"].append(copy.deepcopy(d["target"]["selector"][1])),
        "target.selector",
        id="two-position-selectors",
    ),
    pytest.param(_selector(0, exact=""), "target.selector", id="exact-empty"),
    pytest.param(_selector(0, exact=5), "target.selector", id="exact-number"),
    pytest.param(_selector(0, exact=None), "target.selector", id="exact-null"),
    pytest.param(_selector(0, prefix=["a"]), "target.selector", id="prefix-list"),
    pytest.param(_selector(0, exact="Kirby said yes"), "target.selector", id="exact-disagrees"),
    pytest.param(_selector(0, prefix="Pyongyang says "), "target.selector", id="prefix-disagrees"),
    pytest.param(_selector(0, refinedBy={"type": "X"}), "target.selector", id="refined-by"),
    pytest.param(_selector(1, start="3"), "target.selector", id="start-string"),
    pytest.param(_selector(1, start=True), "target.selector", id="start-bool"),
    pytest.param(_selector(1, start=1.5), "target.selector", id="start-float"),
    pytest.param(_selector(1, start=None), "target.selector", id="start-null"),
    pytest.param(lambda d: d["target"]["selector"][1].pop("end"), "target.selector", id="no-end"),
    pytest.param(_selector(1, start=-1), "target.selector", id="start-negative"),
    pytest.param(_selector(1, start=20, end=20), "target.selector", id="empty-span"),
    pytest.param(_selector(1, end=10**9), "target.selector", id="end-past-text"),
    pytest.param(
        lambda d: d["target"].update(selector=d["target"]["selector"][0] | {"exact": "absent"}),
        "target.selector",
        id="quote-not-in-text",
    ),
    pytest.param(
        lambda d: d["target"].update(selector={"type": "TextQuoteSelector", "exact": "Kirby"}),
        "target.selector",
        id="quote-ambiguous",
    ),
    # the bodies
    pytest.param(_set("body", 5), "body", id="body-number"),
    pytest.param(_set("body", "https://example.org/comment"), "body", id="body-iri"),
    pytest.param(_set("body", [None]), "body", id="body-null-item"),
    pytest.param(_set("body", [[]]), "body", id="body-nested-list"),
    pytest.param(_set("body", {"type": "TextualBody", "value": "x"}), "body", id="no-purpose"),
    pytest.param(_set("body", _tb(None)), "body", id="purpose-null"),
    pytest.param(_set("body", _tb("describing")), "body", id="purpose-unknown"),
    pytest.param(_set("body", _tb(["tagging", "commenting"])), "body", id="two-purposes"),
    pytest.param(_set("body", _tb("tagging", "Nope")), "body", id="unknown-tag"),
    pytest.param(_set("body", _tb("tagging", 5)), "body", id="tag-number"),
    pytest.param(_set("body", _tb("tagging", None)), "body", id="tag-null"),
    pytest.param(
        _set("body", {"type": "Image", "purpose": "tagging", "value": "Claim"}),
        "body",
        id="tag-not-textual",
    ),
    pytest.param(_set("body", _tb("commenting", ["x"])), "body", id="comment-list"),
    pytest.param(
        _set("body", _tb("commenting", "<b>x</b>", format="text/html")), "body", id="html"
    ),
    pytest.param(
        _set("body", [_tb("commenting", "a"), _tb("commenting", "b")]), "body", id="2-comments"
    ),
    pytest.param(_set("body", _tb("assessing", "maybe")), "body", id="assessment-unknown"),
    pytest.param(_set("body", _tb("assessing", None)), "body", id="assessment-null"),
    pytest.param(_set("body", _link(None)), "body", id="link-null"),
    pytest.param(_set("body", _link({"name": "Kirby"})), "body", id="link-without-id"),
    pytest.param(_set("body", _link(f"{BASE}/api/annotations/999999/")), "body", id="no-such"),
    pytest.param(_set("body", _link(f"{BASE}/api/entities/999999/")), "body", id="no-entity"),
    pytest.param(
        _set("body", _link(f"{BASE}/api/annotations/{10**30}/")), "body", id="pk-overflow"
    ),
    pytest.param(_set("body", _link(f"{BASE}/api/articles/1/")), "body", id="link-to-article"),
    pytest.param(
        _set("body", _link("http://www.wikidata.org/entity/Q7747")), "body", id="link-external"
    ),
    pytest.param(
        _set("body", {"type": "TextualBody", "purpose": "linking", "value": "x"}),
        "body",
        id="link-textual",
    ),
    pytest.param(_set("bodyValue", 5), "bodyValue", id="body-value-number"),
    pytest.param(
        lambda d: d.update(body=_tb("commenting"), bodyValue="x"),
        "bodyValue",
        id="body-and-body-value",
    ),
]


@pytest.mark.parametrize(("doc", "field"), JUNK_DOCUMENTS)
def test_junk_document_is_refused_naming_the_problem(story, doc, field):
    with pytest.raises(ValidationError) as excinfo:
        jsonld_to_fields(doc, article=story, iris=IRIS)
    assert list(_errors(excinfo)) == [field]


@pytest.mark.parametrize(("change", "field"), JUNK_CHANGES)
def test_junk_part_is_refused_naming_its_key(story, change, field):
    doc = _valid_doc(story)
    jsonld_to_fields(copy.deepcopy(doc), article=story, iris=IRIS)  # the base case is fine
    change(doc)
    with pytest.raises(ValidationError) as excinfo:
        jsonld_to_fields(doc, article=story, iris=IRIS)
    assert list(_errors(excinfo)) == [field]


def test_duplicate_links_to_annotations_are_refused(story, annotated):
    rtl, source = annotated[:2]
    doc = _valid_doc(story) | {
        "body": [_link(IRIS.annotation(source.pk)), _link(IRIS.annotation(rtl.pk))]
    }
    with pytest.raises(ValidationError) as excinfo:
        jsonld_to_fields(doc, article=story, iris=IRIS)
    assert "More than one" in _errors(excinfo)["body"][0]


# --- teams and privacy --------------------------------------------------------------------------


def test_links_to_another_teams_annotation_or_entity_are_not_found(story, team_b, carol):
    theirs = make_article(team=team_b, text=TEXT, title="Their copy")
    their_annotation = _annotate(theirs, carol, SOURCE_QUOTE)
    their_entity = Entity.objects.create(team=team_b, name="John Kirby", kind="PERSON")
    for iri in (IRIS.annotation(their_annotation.pk), IRIS.entity(their_entity.pk)):
        doc = _valid_doc(story) | {"body": [_link(iri)]}
        with pytest.raises(ValidationError) as excinfo:
            jsonld_to_fields(doc, article=story, iris=IRIS)
        assert _errors(excinfo)["body"][0].startswith("No such")


def test_tags_resolve_in_the_articles_team_only(story, team_b):
    # Team B has the same default vocabulary; the tag must still be team A's.
    doc = _valid_doc(story) | {"body": _tb("tagging", "Claim")}
    [tag] = jsonld_to_fields(doc, article=story, iris=IRIS)["tags"]
    assert tag.team_id == story.team_id


def test_tags_match_by_name_case_insensitively_or_by_slug(story, tags_a):
    bodies = [_tb("tagging", "EVIDENCE"), _tb("tagging", "denial"), _tb("tagging", "Claim")]
    doc = _valid_doc(story) | {"body": bodies}
    tags = jsonld_to_fields(doc, article=story, iris=IRIS)["tags"]
    assert tags == [tags_a["evidence"], tags_a["denial"], tags_a["claim"]]


def test_a_teammates_private_annotation_is_not_found_for_the_user(story, alice, dave):
    private = _annotate(story, alice, SOURCE_QUOTE, visibility=Annotation.Visibility.PRIVATE)
    doc = _valid_doc(story) | {"body": [_link(IRIS.annotation(private.pk))]}
    with pytest.raises(ValidationError) as excinfo:
        jsonld_to_fields(doc, article=story, iris=IRIS, user=dave)
    assert _errors(excinfo)["body"][0].startswith("No such annotation")
    # Its author may link to it.
    fields = jsonld_to_fields(doc, article=story, iris=IRIS, user=alice)
    assert fields["attributed_to"] == private
