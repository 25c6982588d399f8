"""The team export is written as it is read, in every format: the same bytes as the whole
document written at once, a few queries per chunk of annotations (never per row), the first
piece before the last chunk is read, and memory flat in the size of the team."""

from __future__ import annotations

import gc
import io
import random
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.formats import FORMATS
from annotations.formats.csv import write_csv
from annotations.formats.figures import figure_record
from annotations.formats.jsonl import write_jsonl
from annotations.formats.jsonld import Iris, team_collection_to_jsonld, write_jsonld
from annotations.formats.records import export_records
from annotations.formats.spacy import to_spacy_records, write_spacy
from annotations.models import Annotation, Article, Entity, Figure, Mention, Reply, Review, Tag
from annotations.selectors.claims import claims_of_annotations
from annotations.services import exports
from annotations.services.exports import TeamExport, annotations_export, exportable_annotations
from tests.factories import make_article

BASE = "https://nn.example"
WORDS = (
    "Kirby said the North Korean troops traveled by ship to Vladivostok; Moscow denied it. "
    "Satellite images show 12 transport ships in the port, “quoted” 👍🏽 قال المتحدث. "
)


def seed(team, authors, count: int, *, seed: int = 5) -> None:
    """``count`` annotations over a few articles: tags, entities, sources (some of them a
    teammate's private note), private notes, approvals, formula-like comments."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    first = Article.objects.filter(team=team).count()
    articles = [
        make_article(
            team=team, text=WORDS * 20 + str(n), title=f"Article {n}", url=f"https://n.ex/{n}"
        )
        for n in range(first, first + max(4, count // 100))
    ] + [make_article(team=team, text=WORDS * 3 + f"Known by its text {first}.", title="No URL")]
    entities = [
        Entity.objects.get_or_create(
            team=team, name="John Kirby", kind="PERSON", wikidata_id="Q6238403"
        )[0],
        Entity.objects.get_or_create(team=team, name="Ministry", kind="ORG")[0],
    ]
    tags = list(Tag.objects.filter(team=team))
    rows = []
    for _ in range(count):
        article = rng.choice(articles)
        start = rng.randrange(0, len(article.text) - 40)
        end = start + rng.randint(1, 40)
        rows.append(
            Annotation(
                team=team,
                article=article,
                start=start,
                end=end,
                exact=article.text[start:end],
                prefix=article.text[max(0, start - 32) : start],
                suffix=article.text[end : end + 32],
                author=rng.choice(authors),
                comment=rng.choice(["", "=SUM(A1)", "two\nlines", "نص 😀", "-1"]),
                assessment=rng.choice(Annotation.Assessment.values),
                visibility=rng.choice(["team"] * 6 + ["private"]),
                review_state=rng.choice(["draft", "approved"]),
                attributed_to_entity=rng.choice([None, None, *entities]),
            )
        )
    created = Annotation.objects.bulk_create(rows)
    through = Annotation.tags.through
    through.objects.bulk_create(
        through(annotation_id=a.pk, tag_id=tag.pk)
        for a in created
        for tag in rng.sample(tags, rng.choice([0, 1, 1, 2]))
    )
    linked = rng.sample(created, count // 4)
    for annotation in linked:
        annotation.attributed_to = rng.choice(created)
    Annotation.objects.bulk_update(linked, ["attributed_to"])
    # The discussion and the review, which every format but spaCy carries.
    replies = Reply.objects.bulk_create(
        Reply(
            annotation=a, author=rng.choice(authors), text=rng.choice(["Source?", "=1+1", "ok 👍"])
        )
        for a in rng.sample(created, count // 5)
    )
    Reply.objects.bulk_create(
        Reply(annotation=r.annotation, parent=r, author=authors[0], text="Agreed.")
        for r in replies[: len(replies) // 2]
    )
    Review.objects.bulk_create(
        Review(
            annotation=a,
            reviewer=authors[-1],
            verdict=rng.choice(Review.Verdict.values),
            note=rng.choice(["", "Check the date."]),
        )
        for a in rng.sample(created, count // 5)
    )
    # Entity mentions, which the spaCy export carries as ents; a rejected one is left out.
    for n, article in enumerate(articles):
        at = article.text.index("Kirby")
        Mention.objects.create(
            article=article,
            entity=entities[0],
            start=at,
            end=at + 5,
            text="Kirby",
            label="PERSON",
            rejected=n == 0,
        )


def whole(team, user, fmt: str) -> str:
    """The export as the whole document, written at once: the writers of the formats."""
    rows = list(exportable_annotations(team=team, user=user))
    out = io.StringIO()
    if fmt == "csv":
        write_csv(export_records(rows), out)
    elif fmt == "jsonl":
        # JSON Lines records also carry the figures each annotation states and each claim's
        # cluster (derived fields: formats/figures.py, selectors/claims.py).
        claims = claims_of_annotations([a.pk for a in rows])
        figures: dict[int, list] = {}
        for figure in Figure.objects.filter(claim__in=rows).order_by("start", "id"):
            figures.setdefault(figure.claim_id, []).append(figure_record(figure))
        records = []
        for annotation, record in zip(rows, export_records(rows), strict=True):
            record["figures"] = figures.get(annotation.pk, [])
            record["claim"] = claims.get(annotation.pk)
            records.append(record)
        write_jsonl(records, out)
    elif fmt == "jsonld":
        write_jsonld(team_collection_to_jsonld(team, rows, iris=Iris(BASE)), out)
    else:
        approved = [a for a in rows if a.review_state == Annotation.ReviewState.APPROVED]
        texts = dict(Article.objects.values_list("pk", "text"))
        mentions: dict[int, list] = {}
        for row in Mention.objects.filter(rejected=False).order_by(
            "article_id", "start", "end", "id"
        ):
            mentions.setdefault(row.article_id, []).append(
                (row.start, row.end, row.entity.kind, row.text)
            )
        write_spacy(to_spacy_records(approved, texts=texts, mentions=mentions), out)
    return out.getvalue()


def streamed(team, user, fmt: str) -> str:
    export = TeamExport(team=team, user=user, fmt=fmt, base_url=BASE)
    return b"".join(export.pieces()).decode("utf-8")


@pytest.fixture
def chunk(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 50)
    monkeypatch.setattr(exports, "TEXT_CHUNK", 2)
    return 50


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_streamed_export_is_the_whole_document_byte_for_byte(team_a, alice, dave, chunk, fmt):
    seed(team_a, [alice, dave], 230)
    expected = whole(team_a, alice, fmt)
    assert expected.count("\n") > 4
    assert streamed(team_a, alice, fmt) == expected
    out = io.StringIO()
    count = annotations_export(team=team_a, user=alice, fmt=fmt, out=out, base_url=BASE)
    assert out.getvalue() == expected
    assert count > 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_export_is_the_whole_document_too(team_a, alice, fmt):
    assert streamed(team_a, alice, fmt) == whole(team_a, alice, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_queries_grow_with_the_chunks_not_the_rows(team_a, alice, dave, chunk, fmt):
    seed(team_a, [alice, dave], 400)
    with CaptureQueriesContext(connection) as queries:
        streamed(team_a, alice, fmt)
    # 8 chunks of 50: the rows, their tags, replies, reviews and the sources they name, the
    # sources' Admiralty grades, and (JSON Lines, JSON-LD) the claims' clusters and figures.
    assert len(queries) <= 7 * 8 + 12, [q["sql"][:80] for q in queries]


def test_the_first_piece_leaves_before_the_last_chunk_is_read(team_a, alice, dave, chunk):
    seed(team_a, [alice, dave], 400)
    with CaptureQueriesContext(connection) as all_queries:
        streamed(team_a, alice, "jsonl")
    pieces = TeamExport(team=team_a, user=alice, fmt="jsonl", base_url=BASE).pieces(size=1)
    with CaptureQueriesContext(connection) as first_queries:
        first = next(pieces)
    assert first.startswith(b'{"id": ')
    assert len(first_queries) < len(all_queries) / 2
    pieces.close()  # a download cut short ends the export's transaction


def export_peak(team, user, fmt: str) -> tuple[int, int]:
    """The export's size, and the peak of memory it allocated."""
    gc.collect()
    size = 0
    tracemalloc.start()
    try:
        for piece in TeamExport(team=team, user=user, fmt=fmt, base_url=BASE).pieces():
            size += len(piece)
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", FORMATS)
def test_memory_stays_flat_in_the_size_of_the_team(team_a, alice, dave, chunk, fmt):
    seed(team_a, [alice, dave], 500)
    small, small_peak = export_peak(team_a, alice, fmt)
    seed(team_a, [alice, dave], 2500, seed=6)
    large, large_peak = export_peak(team_a, alice, fmt)
    assert large > 4 * small
    # Six times the annotations, the same memory: a chunk of rows and a piece of the file.
    assert large_peak < 1.5 * small_peak + 200_000, (small_peak, large_peak)
