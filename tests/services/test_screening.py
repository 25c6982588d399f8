"""Batch screening (services/screening.py, selectors/screening*.py) on the run's engine:
pg_trgm candidates on PostgreSQL, the blocking index on SQLite (CI runs both)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from annotations.formats.screening import names_from_file, names_from_text
from annotations.models import MAX_SCREENING_NAMES, Article, Job, ScreeningResult, Tag
from annotations.services.annotations import annotation_create, annotation_delete
from annotations.services.entities import entity_create, entity_merge, mention_create
from annotations.services.screening import screening_create, screening_rerun
from tests.factories import make_article

KIRBY = "White House spokesman John Kirby said the troops were in Kursk. Kirby said more."
SEOUL = "SEOUL - Lawmakers heard that John Kirby and Kim Jong Un were both quoted on Friday."


def span(article, phrase: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = article.text.index(phrase, start + 1)
    return start, start + len(phrase)


def mention(article, entity, phrase: str, actor, nth: int = 0):
    start, end = span(article, phrase, nth)
    return mention_create(article_id=article.pk, entity=entity, start=start, end=end, actor=actor)


@pytest.fixture
def world(team_a, team_b, alice, carol):
    kirby = entity_create(team=team_a, name="John Kirby", kind="PERSON")
    zelensky = entity_create(
        team=team_a, name="Volodymyr Zelensky", kind="PERSON", aliases=["Zelensky"]
    )
    kim = entity_create(team=team_a, name="Kim Jong Un", kind="PERSON")
    # Team B's entities: never a match for team A, even with team A's names.
    entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    entity_create(team=team_b, name="Volodymyr Zelenskyy", kind="PERSON", aliases=["Zelenskyy"])
    first = make_article(
        team=team_a, text=KIRBY, published_at=datetime(2024, 10, 18, 9, tzinfo=UTC)
    )
    second = make_article(
        team=team_a, text=SEOUL, published_at=datetime(2024, 11, 1, 12, tzinfo=UTC)
    )
    undated = make_article(team=team_a, text="Kim Jong Un inspected a factory.", title="Undated")
    mention(first, kirby, "John Kirby", alice)
    mention(first, kirby, "Kirby", alice, nth=1)
    mention(second, kirby, "John Kirby", alice)
    mention(second, kim, "Kim Jong Un", alice)
    mention(undated, kim, "Kim Jong Un", alice)
    b_article = make_article(team=team_b, text="Carol's desk also quotes John Kirby at length.")
    b_kirby = entity_create(team=team_b, name="John Kirby", kind="PERSON")
    mention(b_article, b_kirby, "John Kirby", carol)
    return {
        "kirby": kirby,
        "zelensky": zelensky,
        "kim": kim,
        "first": first,
        "second": second,
        "undated": undated,
    }


def run(team, user, names, capture):
    with capture(execute=True):
        screening = screening_create(team=team, actor=user, names=names)
    screening.refresh_from_db()
    return screening


def by_name(screening) -> dict[str, list[ScreeningResult]]:
    out: dict[str, list[ScreeningResult]] = {}
    for row in ScreeningResult.objects.filter(screening=screening).order_by("position", "-score"):
        out.setdefault(row.name, []).append(row)
    return out


def test_exact_alias_fuzzy_and_no_match(world, team_a, alice, django_capture_on_commit_callbacks):
    names = ["john kirby", "Zelensky", "Zelenskyy", "Kim Jong-un", "Rafael Grossi", "Nobody"]
    screening = run(team_a, alice, names, django_capture_on_commit_callbacks)
    assert screening.job.status == Job.Status.SUCCEEDED
    assert (screening.job.done, screening.job.total) == (6, 6)
    rows = by_name(screening)
    assert [r.position for r in ScreeningResult.objects.filter(screening=screening)] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]

    kirby = rows["john kirby"][0]
    assert (kirby.match_kind, kirby.score, kirby.entity_id) == ("exact", 1.0, world["kirby"].pk)

    alias = rows["Zelensky"][0]
    assert (alias.match_kind, alias.score, alias.entity_id, alias.matched_name) == (
        "alias",
        1.0,
        world["zelensky"].pk,
        "Zelensky",
    )

    fuzzy = rows["Zelenskyy"]
    assert [(r.match_kind, r.entity_id) for r in fuzzy] == [("fuzzy", world["zelensky"].pk)]
    assert 0.9 < fuzzy[0].score < 1.0

    kim = rows["Kim Jong-un"]
    assert [(r.match_kind, r.entity_id, r.score) for r in kim] == [("fuzzy", world["kim"].pk, 1.0)]

    # Team B's Rafael Grossi (and its "Zelenskyy") are never seen from team A.
    assert [(r.match_kind, r.entity_id) for r in rows["Rafael Grossi"]] == [("none", None)]
    assert [(r.match_kind, r.entity_id) for r in rows["Nobody"]] == [("none", None)]


def test_counts_and_first_last_dates(world, team_a, alice, django_capture_on_commit_callbacks):
    claim = Tag.objects.get(team=team_a, slug="claim")
    first, second = world["first"], world["second"]
    s, e = span(first, "John Kirby said the troops were in Kursk")
    annotation_create(  # attributed to Kirby, and its span names him: counts once
        article=first,
        author=alice,
        start=s,
        end=e,
        tags=[claim],
        attributed_to_entity=world["kirby"],
    )
    s, e = span(second, "John Kirby and Kim Jong Un were both quoted")
    annotation_create(article=second, author=alice, start=s, end=e, tags=[claim])
    screening = run(
        team_a, alice, ["John Kirby", "Kim Jong Un"], django_capture_on_commit_callbacks
    )
    rows = by_name(screening)

    kirby = rows["John Kirby"][0]
    assert (kirby.article_count, kirby.claim_count) == (2, 2)
    assert kirby.first_seen == datetime(2024, 10, 18, 9, tzinfo=UTC)
    assert kirby.last_seen == datetime(2024, 11, 1, 12, tzinfo=UTC)

    kim = rows["Kim Jong Un"][0]
    assert (kim.article_count, kim.claim_count) == (2, 1)
    # The undated article counts from its import date: the latest of the two.
    assert kim.first_seen == datetime(2024, 11, 1, 12, tzinfo=UTC)
    assert kim.last_seen == world["undated"].created_at


def test_counts_leave_out_private_trashed_and_blind_work(
    world, team_a, alice, dave, django_capture_on_commit_callbacks
):
    claim = Tag.objects.get(team=team_a, slug="claim")
    first, second = world["first"], world["second"]
    s, e = span(first, "John Kirby said the troops were in Kursk")
    annotation_create(
        article=first,
        author=alice,
        start=s,
        end=e,
        tags=[claim],
        attributed_to_entity=world["kirby"],
        visibility="private",
    )
    trashed = annotation_create(
        article=first,
        author=dave,
        start=s,
        end=e,
        tags=[claim],
        attributed_to_entity=world["kirby"],
    )
    annotation_delete(annotation=trashed, actor=dave)
    Article.objects.filter(pk=second.pk).update(blind=True)
    s, e = span(second, "John Kirby and Kim Jong Un were both quoted")
    annotation_create(
        article=second,
        author=dave,
        start=s,
        end=e,
        tags=[claim],
        attributed_to_entity=world["kirby"],
    )
    # Not a claim: a comment tagged with another kind of tag.
    source = Tag.objects.get(team=team_a, slug="source")
    s, e = span(first, "Kirby said more", 0)
    annotation_create(
        article=first,
        author=alice,
        start=s,
        end=e,
        tags=[source],
        attributed_to_entity=world["kirby"],
    )
    screening = run(team_a, alice, ["John Kirby"], django_capture_on_commit_callbacks)
    kirby = by_name(screening)["John Kirby"][0]
    assert kirby.claim_count == 0
    assert kirby.article_count == 2


def test_merged_entity_matches_as_its_survivor(
    world, team_a, alice, olga, django_capture_on_commit_callbacks
):
    dup = entity_create(team=team_a, name="Jon Kirby", kind="PERSON")
    entity_merge(target=world["kirby"], others=[dup], actor=olga)
    screening = run(team_a, alice, ["Jon Kirby"], django_capture_on_commit_callbacks)
    found = by_name(screening)["Jon Kirby"]
    assert [(r.match_kind, r.entity_id) for r in found] == [("alias", world["kirby"].pk)]


def test_rerun_replaces_results(world, team_a, alice, django_capture_on_commit_callbacks):
    screening = run(team_a, alice, ["John Kirby", "Zelenskyy"], django_capture_on_commit_callbacks)
    before = list(
        ScreeningResult.objects.filter(screening=screening).values_list(
            "position", "match_kind", "entity_id", "score"
        )
    )
    entity_create(team=team_a, name="Jon Kirby", kind="PERSON")
    with django_capture_on_commit_callbacks(execute=True):
        screening_rerun(screening=screening, actor=alice)
    after = list(
        ScreeningResult.objects.filter(screening=screening).values_list(
            "position", "match_kind", "entity_id", "score"
        )
    )
    assert len(after) == len(before) + 1  # the new near-namesake, no duplicated rows
    assert set(before) < set(after)


def test_rerun_refused_while_running(world, team_a, alice):
    screening = screening_create(team=team_a, actor=alice, names=["John Kirby"])
    with pytest.raises(ValidationError) as caught:
        screening_rerun(screening=screening, actor=alice)
    assert "screening" in caught.value.message_dict


def test_the_cap_and_bad_lists(team_a, alice):
    too_many = [f"Name {i}" for i in range(MAX_SCREENING_NAMES + 1)]
    for names, message in [
        (too_many, "At most 5,000 names"),
        (["", "  "], "no names"),
        (["x" * 301], "longer than 300"),
        ([3], "not text"),
        (["Kim\x00"], "NUL"),
    ]:
        with pytest.raises(ValidationError) as caught:
            screening_create(team=team_a, actor=alice, names=names)
        assert message in caught.value.message_dict["names"][0]
    with pytest.raises(ValidationError) as caught:
        screening_create(team=team_a, actor=alice, names=["Kim"], title="a\x00b")
    assert "NUL" in caught.value.message_dict["title"][0]
    # Exactly the cap, with blanks and repeats that do not count.
    at_cap = [f"Name {i}" for i in range(MAX_SCREENING_NAMES)] + ["Name 1", ""]
    screening = screening_create(team=team_a, actor=alice, names=at_cap)
    assert screening.name_count == MAX_SCREENING_NAMES


def test_non_member_cannot_screen(team_a, carol):
    with pytest.raises(ValidationError) as caught:
        screening_create(team=team_a, actor=carol, names=["John Kirby"])
    assert "team" in caught.value.message_dict


def test_lists_from_paste_and_files():
    assert names_from_text("Kim Jong Un\n\n  John   Kirby \nKim Jong Un\n") == [
        "Kim Jong Un",
        "John Kirby",
    ]
    csv_file = b'id;Full Name;country\n1;Kim Jong Un;KP\n2;"Kirby, John";US\n'
    assert names_from_file(csv_file, filename="list.csv") == ["Kim Jong Un", "Kirby, John"]
    assert names_from_file(b"\xef\xbb\xbfName\nZelensky\n", filename="x.csv") == ["Zelensky"]
    assert names_from_file(b"Kirby, John\nZelensky", filename="list.txt") == [
        "Kirby, John",
        "Zelensky",
    ]
    for data, filename, message in [
        (b"id,country\n1,KP\n", "list.csv", "no name column"),
        (b"\xff\xfeK\x00", "list.txt", "UTF-16"),
        (b"Kim\xe9", "list.txt", "not UTF-8"),
        (b"\x00\x01\x02\x03", "list.txt", "binary"),
        (b"name\n", "list.csv", "no names"),
        (b"a" * (2**20 + 1), "list.txt", "larger than"),
    ]:
        with pytest.raises(ValidationError) as caught:
            names_from_file(data, filename=filename)
        assert message in caught.value.message_dict["file"][0], filename
