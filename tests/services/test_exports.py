"""Team exports round-trip through import, in every format.

The story: team A (alice analyst, bob reviewer, dave analyst) annotates two articles -- one with
a URL, one known only by its text -- with tags, comments, assessments, emoji and Arabic, a claim
attributed to a source annotation that stands *later* in the text and to an entity, a comment
that a spreadsheet would run as a formula, and alice's own private note. Dave's private note, a
deleted annotation, a pending and a rejected model suggestion must not be exported. Team B
(carol analyst, rita reviewer) holds the same articles (imported by the same URL and text) and
entities. Exporting A, importing into B and exporting B gives the same file, up to ids,
authors, timestamps and review state (imported annotations start as drafts).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.formats import FORMATS
from annotations.formats.claims import CLAIM_TERM
from annotations.formats.csv import csv_cell, csv_uncell
from annotations.formats.jsonld import is_discussion_item
from annotations.formats.records import EXPORT_FIELDS
from annotations.models import Annotation, Entity, Tag, Team
from annotations.services.annotation_imports import annotations_import
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_submit,
    review_create,
    suggestion_reject,
)
from annotations.services.articles import article_create
from annotations.services.exports import annotations_export, export_filename

URL = "https://www.inquirer.net/world/north-korean-troops"
TEXT = (
    "Crowd 👍🏽 cheered. قال المتحدث إن القوات وصلت.\n"
    "The US believes the North Korean troops traveled by ship to Vladivostok, said John Kirby, "
    "the White House national security spokesman.\n"
    "Moscow at first denied the reports as fake news."
)
TEXT_2 = "Satellite images show 12 transport ships in the port. The ministry called them routine."
FORMULA = '=HYPERLINK("https://evil.example/","click me")'
KIRBY_QID = "Q6238403"


def span(article, quote: str) -> dict[str, Any]:
    start = article.text.index(quote)
    return {"start": start, "end": start + len(quote), "exact": quote}


def annotate(article, author, quote: str, **kwargs: Any) -> Annotation:
    return annotation_create(article=article, author=author, **span(article, quote), **kwargs)


def approve(annotation: Annotation, *, author, reviewer) -> Annotation:
    annotation_submit(annotation=annotation, actor=author)
    review_create(annotation=annotation, reviewer=reviewer, verdict="approve")
    annotation.refresh_from_db()
    return annotation


def same_articles(team: Team) -> list[Any]:
    """The story's articles in a team: one known by URL, one by its text alone; and the
    entities a claim may be attributed to."""
    articles = [
        article_create(team=team, text=TEXT, title="Kirby on the troops", url=URL),
        article_create(team=team, text=TEXT_2, title="Ships in the port"),
    ]
    Entity.objects.create(team=team, name="John Kirby", kind="PERSON", wikidata_id=KIRBY_QID)
    Entity.objects.create(team=team, name="Ministry of Defence", kind="ORG")
    return articles


@dataclass
class Story:
    team: Team
    exported: dict[str, Annotation]  # what alice's export holds
    hidden: dict[str, Annotation]  # what it must not hold


def build_story(team: Team, *, analyst, reviewer, other) -> Story:
    story, port = same_articles(team)
    tags = {tag.slug: tag for tag in Tag.objects.filter(team=team)}
    kirby = Entity.objects.get(team=team, name="John Kirby")
    ministry = Entity.objects.get(team=team, name="Ministry of Defence")
    source = annotate(story, analyst, "John Kirby", tags=[tags["source"]])
    claim = annotate(
        story,
        analyst,
        "The US believes the North Korean troops traveled by ship to Vladivostok",
        tags=[tags["figure"], tags["claim"]],
        comment="Check against satellite imagery.\nTwo lines, “quoted”.",
        assessment=Annotation.Assessment.SUPPORTED,
        attributed_to=source,
        attributed_to_entity=kirby,
    )
    exported = {
        "rtl": annotate(
            story,
            analyst,
            "👍🏽 cheered. قال المتحدث إن القوات وصلت",
            tags=[tags["context"]],
            comment="نقل عن المتحدث — quoted in Arabic 😀",
            assessment=Annotation.Assessment.DISPUTED,
        ),
        "claim": approve(claim, author=analyst, reviewer=reviewer),
        "source": approve(source, author=analyst, reviewer=reviewer),
        "denial": annotate(
            story,
            analyst,
            "Moscow at first denied the reports",
            tags=[tags["denial"]],
            comment=FORMULA,
            assessment=Annotation.Assessment.MISLEADING,
        ),
        "private": annotate(
            story,
            analyst,
            "fake news",
            comment="@dave: +1, check this",
            visibility=Annotation.Visibility.PRIVATE,
        ),
        "figure": approve(
            annotate(
                port,
                analyst,
                "12 transport ships",
                tags=[tags["figure"]],
                comment="-12 or +12? '=1+1",
                attributed_to_entity=ministry,
            ),
            author=analyst,
            reviewer=reviewer,
        ),
        "highlight": annotate(port, analyst, "The ministry called them routine."),
    }
    deleted = annotate(story, analyst, "Moscow", tags=[tags["claim"]])
    annotation_delete(annotation=deleted, actor=analyst)
    rejected = annotate(
        story,
        analyst,
        "denied the reports",
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    suggestion_reject(annotation=rejected, actor=analyst)
    hidden = {
        "others_private": annotate(
            story, other, "North Korean troops", visibility=Annotation.Visibility.PRIVATE
        ),
        "deleted": deleted,
        "pending": annotate(
            story,
            analyst,
            "Vladivostok",
            tags=[tags["claim"]],
            origin=Annotation.Origin.MODEL,
            suggestion_state=Annotation.SuggestionState.PENDING,
        ),
        "rejected": rejected,
    }
    return Story(team=team, exported=exported, hidden=hidden)


@pytest.fixture
def story(team_a, alice, bob, dave) -> Story:
    return build_story(team_a, analyst=alice, reviewer=bob, other=dave)


@pytest.fixture
def mirror(team_b, carol):
    return same_articles(team_b)


def export(team: Team, user, fmt: str) -> str:
    out = io.StringIO()
    annotations_export(team=team, user=user, fmt=fmt, out=out, base_url="https://nn.example")
    return out.getvalue()


def import_(team: Team, user, fmt: str, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return annotations_import(
        team=team, user=user, fmt=fmt, stream=io.BytesIO(data), base_url="https://nn.example"
    )


# --- normalising exports: ids, authors, timestamps (and review state) differ between teams ------


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def jsonl_rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line]


def normal_flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    anchor = {
        str(row["id"]): (row["article_sha256"], row["start"], row["end"], row["exact"])
        for row in rows
    }
    normal = []
    for row in rows:
        row = dict(row)
        # The discussion and the review stay in their team: the importer reads neither.
        for name in ("id", "author", "created_at", "modified_at", "review_state", "replies"):
            del row[name]
        del row["reviews"]
        if row.get("claim"):  # JSON Lines: the claim's cluster is an id of its team
            row["claim"] = {k: v for k, v in row["claim"].items() if k != "cluster"}
        if row["attributed_to"] not in (None, ""):
            row["attributed_to"] = anchor[str(row["attributed_to"])]
        normal.append(row)
    return sorted(normal, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def normal_jsonld(text: str) -> list[dict[str, Any]]:
    doc = json.loads(text)
    assert doc["type"] == "AnnotationCollection"
    items = doc["first"]["items"] if doc["total"] else []
    assert len(items) == doc["total"]
    # Replies and verdicts stay in their team: the importer skips them.
    items = [item for item in items if not is_discussion_item(item)]

    def anchor(item: dict[str, Any]) -> list[Any]:
        return [item["target"]["source"]["schema:sha256"], item["target"]["selector"]]

    anchors = {item["id"]: anchor(item) for item in items}
    normal = []
    for item in items:
        item = copy.deepcopy(item)
        for name in ("id", "created", "modified", "creator"):
            del item[name]
        del item["target"]["source"]["id"]
        if CLAIM_TERM in item:  # the claim's cluster is a resource of its team
            del item[CLAIM_TERM]["id"]
        bodies = item.get("body", [])
        for body in bodies if isinstance(bodies, list) else [bodies]:
            if body["purpose"] == "linking" and isinstance(body["source"], str):
                body["source"] = anchors[body["source"]]
            elif body["purpose"] == "linking":
                del body["source"]["id"]
        normal.append(item)
    return sorted(normal, key=lambda i: json.dumps(i, sort_keys=True, ensure_ascii=False))


def normal(fmt: str, text: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        return normal_flat(csv_rows(text))
    if fmt == "jsonl":
        return normal_flat(jsonl_rows(text))
    return normal_jsonld(text)


# --- the round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "jsonld"])
def test_export_import_export_gives_the_same_file(fmt, story, mirror, alice, team_b, carol):
    first = export(story.team, alice, fmt)
    report = import_(team_b, carol, fmt, first)
    assert report.errors == []
    assert (len(report.created), report.skipped, report.records) == (7, [], 7)
    imported = Annotation.objects.filter(team=team_b)
    assert imported.count() == 7
    assert set(imported.values_list("author__username", flat=True)) == {"carol"}
    assert set(imported.values_list("review_state", flat=True)) == {"draft"}

    second = export(team_b, carol, fmt)
    assert normal(fmt, second) == normal(fmt, first)
    assert len(normal(fmt, first)) == 7

    again = import_(team_b, carol, fmt, first)
    assert (again.created, len(again.skipped), again.errors) == ([], 7, [])
    assert Annotation.objects.filter(team=team_b).count() == 7


def test_the_round_trip_keeps_attributions_entities_visibility_and_text(
    story, mirror, alice, team_b, carol
):
    import_(team_b, carol, "csv", export(story.team, alice, "csv"))
    claim = Annotation.objects.get(team=team_b, exact__startswith="The US believes")
    assert claim.attributed_to.exact == "John Kirby"
    assert claim.attributed_to.team == team_b
    assert claim.attributed_to_entity.wikidata_id == KIRBY_QID
    assert claim.attributed_to_entity.team == team_b
    assert sorted(claim.tags.values_list("slug", flat=True)) == ["claim", "figure"]
    assert claim.comment == story.exported["claim"].comment
    figure = Annotation.objects.get(team=team_b, exact="12 transport ships")
    assert figure.attributed_to_entity.name == "Ministry of Defence"
    assert figure.comment == "-12 or +12? '=1+1"
    private = Annotation.objects.get(team=team_b, exact="fake news")
    assert private.visibility == Annotation.Visibility.PRIVATE
    assert private.comment == "@dave: +1, check this"
    rtl = Annotation.objects.get(team=team_b, tags__slug="context")
    assert rtl.exact == story.exported["rtl"].exact
    assert rtl.comment == "نقل عن المتحدث — quoted in Arabic 😀"
    assert rtl.assessment == Annotation.Assessment.DISPUTED


def test_export_holds_what_the_user_may_see_and_no_suggestions(story, alice):
    for fmt in ("csv", "jsonl"):
        text = export(story.team, alice, fmt)
        rows = csv_rows(text) if fmt == "csv" else jsonl_rows(text)
        assert sorted(int(row["id"]) for row in rows) == sorted(
            a.pk for a in story.exported.values()
        )
    jsonld = json.loads(export(story.team, alice, "jsonld"))
    annotations = [i for i in jsonld["first"]["items"] if not is_discussion_item(i)]
    assert len(annotations) == len(story.exported)
    # Three approvals (claim, source, figure) follow their annotations as "assessing" items.
    assert jsonld["total"] == len(story.exported) + 3
    for hidden in story.hidden.values():
        assert f"/api/annotations/{hidden.pk}/" not in json.dumps(jsonld)


def test_csv_columns_and_one_row(story, alice):
    rows = csv_rows(export(story.team, alice, "csv"))
    assert tuple(rows[0]) == EXPORT_FIELDS
    claim = next(row for row in rows if row["exact"].startswith("The US believes"))
    source = story.exported["source"]
    assert claim == {
        "id": str(story.exported["claim"].pk),
        "article_url": URL,
        "article_sha256": story.exported["claim"].article.text_sha256,
        "article_title": "Kirby on the troops",
        "start": str(TEXT.index("The US believes")),
        "end": str(TEXT.index(", said John Kirby")),
        "exact": "The US believes the North Korean troops traveled by ship to Vladivostok",
        "prefix": claim["prefix"],
        "suffix": ", said John Kirby, the White Hou",
        "tags": "claim|figure",
        "comment": "Check against satellite imagery.\nTwo lines, “quoted”.",
        "assessment": "supported",
        "source_reliability": "",
        "credibility": "",
        "review_state": "approved",
        "visibility": "team",
        "author": "alice",
        "attributed_to": str(source.pk),
        "attributed_to_entity": "John Kirby",
        "attributed_to_entity_wikidata": KIRBY_QID,
        "created_at": claim["created_at"],
        "modified_at": claim["modified_at"],
        "replies": "",
        "reviews": claim["reviews"],
    }
    assert claim["created_at"].endswith("Z")
    [review] = json.loads(claim["reviews"])
    assert (review["reviewer"], review["verdict"], review["note"]) == ("bob", "approve", "")
    # The claim stands before its source: the importer has to look ahead.
    ids = [row["id"] for row in rows]
    assert ids.index(claim["id"]) < ids.index(str(source.pk))
    port = next(row for row in rows if row["exact"] == "12 transport ships")
    assert (port["article_url"], port["article_title"]) == ("", "Ships in the port")


def test_csv_guards_formulas_and_the_import_strips_exactly_the_guard(
    story, mirror, alice, team_b, carol
):
    text = export(story.team, alice, "csv")
    raw = list(csv.reader(io.StringIO(text[1:], newline="")))
    cells = [cell for row in raw for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells
    assert "'-12 or +12? '=1+1" in cells
    assert "'@dave: +1, check this" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    import_(team_b, carol, "csv", text)
    denial = Annotation.objects.get(team=team_b, exact="Moscow at first denied the reports")
    assert denial.comment == FORMULA


@pytest.mark.parametrize(
    "value",
    ["=1+1", "'=1+1", "''=x", "'tis", "-5", "+", "@me", "\tx", "\rx", "'", "", "plain", "a=b"],
)
def test_csv_guard_is_undone_exactly(value):
    assert csv_uncell(csv_cell(value)) == value
    assert csv_cell(value)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_a_source_not_exported_is_not_named(team_a, alice, dave, tags_a):
    story, _ = same_articles(team_a)
    note = annotate(story, dave, "John Kirby", visibility=Annotation.Visibility.PRIVATE)
    claim = annotate(story, dave, "Moscow at first denied the reports", attributed_to=note)
    row = jsonl_rows(export(team_a, alice, "jsonl"))
    assert [(r["id"], r["attributed_to"]) for r in row] == [(claim.pk, None)]
    jsonld = export(team_a, alice, "jsonld")
    assert f"/api/annotations/{note.pk}/" not in jsonld
    assert json.loads(jsonld)["first"]["items"][0]["motivation"] == "highlighting"


# --- spaCy -------------------------------------------------------------------------------------


def test_spacy_export_holds_approved_spans_with_labels_that_slice_the_text(story, alice):
    records = jsonl_rows(export(story.team, alice, "spacy"))
    assert [r["meta"] for r in records] == [
        {
            "article_url": URL,
            "article_sha256": story.exported["claim"].article.text_sha256,
            "title": "Kirby on the troops",
        },
        {
            "article_url": "",
            "article_sha256": story.exported["figure"].article.text_sha256,
            "title": "Ships in the port",
        },
    ]
    assert records[0]["text"] == TEXT
    assert records[1]["text"] == TEXT_2
    labelled = {(r["text"][s["start"] : s["end"]], s["label"]) for r in records for s in r["spans"]}
    assert labelled == {
        ("The US believes the North Korean troops traveled by ship to Vladivostok", "claim"),
        # Every tag of a span, not only the first.
        ("The US believes the North Korean troops traveled by ship to Vladivostok", "figure"),
        ("John Kirby", "source"),
        ("12 transport ships", "figure"),
    }
    approved = Annotation.objects.filter(team=story.team, review_state="approved")
    assert {a.exact for a in approved} == {quote for quote, _ in labelled}


def test_spacy_round_trip_after_the_imported_spans_are_approved(
    story, mirror, alice, team_b, carol, rita
):
    first = export(story.team, alice, "spacy")
    report = import_(team_b, carol, "spacy", first)
    assert (len(report.created), report.errors, report.records) == (3, [], 2)
    # Imported annotations are drafts: nothing is approved in team B yet.
    assert export(team_b, carol, "spacy") == ""
    for annotation in Annotation.objects.filter(team=team_b):
        approve(annotation, author=carol, reviewer=rita)
    assert export(team_b, carol, "spacy") == first
    again = import_(team_b, carol, "spacy", first)
    assert (again.created, len(again.skipped)) == ([], 3)


def test_spacy_import_skips_a_span_that_has_the_label_among_other_tags(
    story, mirror, alice, team_b, carol
):
    import_(team_b, carol, "csv", export(story.team, alice, "csv"))
    report = import_(team_b, carol, "spacy", export(story.team, alice, "spacy"))
    assert (report.created, len(report.skipped), report.errors) == ([], 3, [])


def test_spacy_docbin_keeps_aligned_spans_and_reports_the_others(story, alice):
    from annotations.nlp.training import docbin_from_records, records_from_docbin

    records = jsonl_rows(export(story.team, alice, "spacy"))
    misfit = {"start": 0, "end": 5, "label": "context"}  # "Satel|lite"
    records[1]["spans"].append(misfit)
    docbin, misaligned = docbin_from_records(records)
    assert [(m.record, m.text, m.label) for m in misaligned] == [(2, "Satel", "context")]
    assert str(misaligned[0]) == (
        "line 2 (Ships in the port): span 0-5 'context' ('Satel') does not start and end on "
        "token boundaries"
    )
    records[1]["spans"].remove(misfit)
    assert records_from_docbin(docbin.to_bytes()) == [
        {"text": r["text"], "spans": r["spans"], "ents": r["ents"]} for r in records
    ]


# --- import: rules, errors and junk ----------------------------------------------------------


def jsonl(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def record(**fields: Any) -> dict[str, Any]:
    base = {"article_url": URL, **span_of(TEXT, "John Kirby"), "tags": ["source"]}
    return {**base, **fields}


def span_of(text: str, quote: str) -> dict[str, Any]:
    start = text.index(quote)
    return {"start": start, "end": start + len(quote), "exact": quote}


def test_bad_rows_are_reported_with_their_line_and_the_rest_goes_on(mirror, team_b, carol):
    lines = [
        record(
            id=1, attributed_to=3, comment="a claim before its source", **span_of(TEXT, "Moscow")
        ),
        "{not json",
        record(id=2, article_url="https://elsewhere.example/x"),
        record(id=3),
        record(id=4, tags=["rumour"]),
        record(id=5, start=0, end=5, exact="Nope!"),
        record(id=6, attributed_to=99, comment="6"),
        [1, 2],
        record(id=7, wat=True),
        record(id=8, attributed_to=2, comment="8"),
        record(id=9, attributed_to_entity="Nobody", comment="9"),
        record(id=3, comment="12"),
        record(
            id=10, article_url="", article_sha256=mirror[1].text_sha256, **span_of(TEXT_2, "12")
        ),
        "",
        record(id=11, start=True, comment="15"),
    ]
    data = jsonl(*lines).encode() + b'{"comment": "\xff"}\n'
    report = import_(team_b, carol, "jsonl", data)
    assert report.records == 15
    assert len(report.created) == 3  # lines 1, 4 and 13
    messages = {error["row"]: error["message"] for error in report.errors}
    assert messages == {
        2: "malformed JSON: Expecting property name enclosed in double quotes at column 2",
        3: "article: The team has no article with the URL https://elsewhere.example/x; "
        "import the article first.",
        5: "tags: The team has no tag 'rumour'.",
        6: messages[6],
        7: "attributed_to: no annotation has the id 99 in this file.",
        8: "each line must be a JSON object",
        9: "unknown field wat",
        10: "attributed_to: its source (line 3) was not imported.",
        11: "attributed_to_entity: The team has no entity 'Nobody'.",
        12: "id: 3 is also the id of line 4.",
        15: "start: Must be a whole number of characters (code points).",
        16: "not UTF-8 text (byte 13)",
    }
    assert messages[6].startswith("exact: Does not match the article text at 0-5")
    claim = Annotation.objects.get(team=team_b, comment="a claim before its source")
    assert claim.attributed_to.exact == "John Kirby"
    assert Annotation.objects.filter(team=team_b, exact="12").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "spacy"])
def test_a_line_with_an_overlong_number_is_an_error_of_its_line(mirror, team_b, carol, fmt):
    start = TEXT.index("John Kirby")
    spans = [{"start": start, "end": start + 10, "label": "source"}]
    good = record() if fmt == "jsonl" else {"text": TEXT, "spans": spans}
    data = b'{"start": ' + b"1" * 5000 + b"}\n" + jsonl(good).encode()
    report = import_(team_b, carol, fmt, data)
    assert report.errors == [{"row": 1, "message": "a number has more than 4300 digits"}]
    assert len(report.created) == 1


def test_attributions_in_a_cycle_are_errors(mirror, team_b, carol):
    text = jsonl(record(id=1, attributed_to=2), record(id=2, attributed_to=1, tags=[]))
    report = import_(team_b, carol, "jsonl", text)
    assert report.created == []
    assert [e["message"] for e in report.errors] == ["attributed_to: a cycle of attributions."] * 2


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(mirror, team_b, carol):
    header = "article_url,start,end,exact,tags,comment\r\n"
    start = TEXT.index("John Kirby")
    rows = [
        f'{URL},{start},{start + 10},John Kirby,source,"two\nlines"',
        f"{URL},{start},{start + 10},John Kirby,nope,",
        f"{URL},x,{start + 10},John Kirby,,",
        f"{URL},{start}",
        f'{URL},{start},{start + 10},John Kirby,source,"\'=SUM(A1)"',
    ]
    report = import_(team_b, carol, "csv", header + "\r\n".join(rows) + "\r\n")
    assert len(report.created) == 2
    assert [(e["row"], e["message"]) for e in report.errors] == [
        (3, "tags: The team has no tag 'nope'."),
        (4, "start: Must be a whole number of characters (code points)."),
        (5, "2 cells where the header has 6 columns"),
    ]
    assert Annotation.objects.filter(team=team_b, comment="two\nlines").exists()
    assert Annotation.objects.filter(team=team_b, comment="=SUM(A1)").exists()


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("csv", b"", "The file is empty"),
        ("csv", b"id,url,start\r\n1,x,2\r\n", "Unknown column 'url'"),
        ("csv", b"id,start,end\r\n", "lacks the columns exact, article_url or article_sha256"),
        ("csv", b'start,end,exact,article_url\r\n1,2,"a"b,x\r\n', "Malformed CSV at row 2"),
        ("csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("csv", b"start,end\xff\xfe", "not UTF-8 text (byte 9)"),
        ("jsonl", "x".encode("utf-16"), "UTF-16"),
        ("jsonld", b'{"type": "AnnotationCollection", "first": ', "Malformed JSON"),
        ("jsonld", b'{"type": "Thing"}', "Give a W3C AnnotationCollection"),
        ("jsonld", b'[{"type": "Annotation"}', "Malformed JSON"),
        ("jsonld", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("jsonld", b'{"type": "Annotation", "total": ' + b"1" * 5000 + b"}", "4300 digits"),
        ("spacy", b"\x00\x01\x02", "binary file"),
    ],
)
def test_unreadable_files_are_refused_whole(mirror, team_b, carol, fmt, content, message):
    with pytest.raises(ValidationError) as excinfo:
        import_(team_b, carol, fmt, content)
    assert list(excinfo.value.message_dict) == ["file"]
    assert message in excinfo.value.message_dict["file"][0]
    assert not Annotation.objects.filter(team=team_b).exists()


def test_jsonld_items_with_errors_name_their_position(story, mirror, alice, team_b, carol):
    doc = json.loads(export(story.team, alice, "jsonld"))
    items = doc["first"]["items"]
    items[0]["body"] = [{"type": "TextualBody", "purpose": "tagging", "value": "Rumour"}]
    items[1]["target"]["scope"] = "https://elsewhere.example/"
    items[1]["target"]["source"]["schema:sha256"] = "0" * 64
    items.append("junk")
    report = import_(team_b, carol, "jsonld", json.dumps(doc))
    assert report.records == 8  # the three verdicts are skipped, not counted
    assert report.errors[:2] == [
        {"row": 1, "message": "body: unknown tag 'Rumour'"},
        {
            "row": 2,
            "message": "article: The team has no article with the URL https://elsewhere.example/ "
            "or the text 000000000000…; import the article first.",
        },
    ]
    assert report.errors[-1] == {
        "row": len(items),
        "message": "Each item must be an annotation (a JSON object).",
    }


def test_spacy_lines_and_spans_with_errors(mirror, team_b, carol):
    start = TEXT.index("John Kirby")
    good = {"start": start, "end": start + 10}
    edited = TEXT + " Edited."
    text = jsonl(
        {"text": TEXT, "spans": [{**good, "label": "source"}, {**good, "label": "nope"}]},
        {"text": edited, "spans": [{**good, "label": "source"}]},
        {"text": TEXT, "spans": [{"start": 5, "end": 2, "label": "claim"}, "x"]},
        {"text": TEXT, "spans": [], "meta": {"article_url": URL}, "extra": 1},
    )
    report = import_(team_b, carol, "spacy", text)
    assert len(report.created) == 1
    digest = hashlib.sha256(edited.encode()).hexdigest()
    assert sorted(report.errors, key=lambda e: (e["row"], e["message"])) == [
        {"row": 1, "message": f"span 2 ({start}-{start + 10}): tags: The team has no tag 'nope'."},
        {
            "row": 2,
            "message": f"article: The team has no article with the text {digest[:12]}…; "
            "import the article first.",
        },
        {"row": 3, "message": "span 1 (5-2): end: Must be greater than start (5)."},
        {"row": 3, "message": "span 2: Must be an object with start, end and label."},
        {"row": 4, "message": "unknown field extra"},
    ]


def test_import_is_for_analysts_and_owners(mirror, team_b, carol, rita):
    with pytest.raises(PermissionDenied):
        import_(team_b, rita, "jsonl", jsonl(record()))
    assert not Annotation.objects.filter(team=team_b).exists()


def test_export_is_for_members(story, carol):
    with pytest.raises(PermissionDenied):
        export(story.team, carol, "csv")


def test_unknown_format_names_format(story, alice):
    with pytest.raises(ValidationError) as excinfo:
        export(story.team, alice, "xlsx")
    assert list(excinfo.value.message_dict) == ["format"]
    assert FORMATS == ("csv", "jsonl", "jsonld", "spacy")


def test_export_filename(team_a):
    assert export_filename(team=team_a, fmt="spacy").startswith("newsnotes-desk-a-")
    assert export_filename(team=team_a, fmt="spacy").endswith(".spacy.jsonl")


# --- commands ----------------------------------------------------------------------------------


def test_commands_round_trip_through_a_file(story, mirror, alice, team_b, carol, tmp_path):
    path = tmp_path / "a.csv"
    err = io.StringIO()
    call_command(
        "export_annotations", "--team=desk-a", "--format=csv", "--user=alice", "-o", path,
        stderr=err,
    )  # fmt: skip
    assert err.getvalue().strip() == f"7 annotations exported to {path}."
    out = io.StringIO()
    call_command(
        "import_annotations", path, "--team=desk-b", "--format=csv", "--user=carol", stdout=out
    )
    assert out.getvalue().strip() == "7 imported, 0 already there, 0 errors."
    again = io.StringIO()
    call_command(
        "import_annotations", path, "--team=desk-b", "--format=csv", "--user=carol", stdout=again
    )
    assert again.getvalue().strip() == "0 imported, 7 already there, 0 errors."
    stdout = io.StringIO()
    call_command(
        "export_annotations", "--team=desk-b", "--format=csv", "--user=carol", stdout=stdout,
        stderr=io.StringIO(),
    )  # fmt: skip
    assert normal("csv", stdout.getvalue()) == normal("csv", path.read_text(encoding="utf-8"))


def test_import_command_reports_rows_on_stderr_and_fails_when_nothing_imports(
    mirror, team_b, carol, tmp_path
):
    path = tmp_path / "bad.jsonl"
    path.write_text(jsonl(record(tags=["nope"]), "{"), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing could be imported"):
        call_command(
            "import_annotations", path, "--team=desk-b", "--format=jsonl", "--user=carol",
            stderr=err, stdout=io.StringIO(),
        )  # fmt: skip
    assert err.getvalue().splitlines() == [
        "line 1: tags: The team has no tag 'nope'.",
        "line 2: malformed JSON: Expecting property name enclosed in double quotes at column 2",
    ]
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01")
    with pytest.raises(CommandError, match="binary file"):
        call_command("import_annotations", binary, "--team=desk-b", "--format=csv", "--user=carol")
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "import_annotations", tmp_path / "missing.csv", "--team=desk-b", "--format=csv",
            "--user=carol",
        )  # fmt: skip


def test_export_command_writes_a_docbin(story, alice, tmp_path):
    path = tmp_path / "train.spacy"
    err = io.StringIO()
    call_command(
        "export_annotations", "--team=desk-a", "--format=docbin", "--user=alice", "-o", path,
        stderr=err,
    )  # fmt: skip
    assert path.stat().st_size > 0
    assert "2 articles, 4 spans and 0 entity mentions" in err.getvalue()
