"""Services behind the smaller things: pasted titles, review notifications, plurals, reading
marks, the next-to-annotate queue, the favicon."""

from __future__ import annotations

import pytest

from annotations.lib.plural import counted, noun
from annotations.models import ArticleRead, Notification
from annotations.selectors.queue import next_to_annotate
from annotations.services.annotations import annotation_create, annotation_submit, review_create
from annotations.services.imports import import_text
from annotations.services.reads import article_read_record
from tests.factories import make_article


def test_paste_without_title_uses_the_headline_once(team_a, alice):
    article, created = import_text(
        team=team_a,
        user=alice,
        text="North Korean troops in Kursk\nKirby said 8,000 troops are there.",
        analyze=False,
    )
    assert created
    assert article.title == "North Korean troops in Kursk"
    assert article.text == "Kirby said 8,000 troops are there."
    # Pasting the same again finds it.
    again, created = import_text(
        team=team_a,
        user=alice,
        text="North Korean troops in Kursk\nKirby said 8,000 troops are there.",
        analyze=False,
    )
    assert (again.pk, created) == (article.pk, False)


def test_paste_with_a_title_keeps_the_text_whole(team_a, alice):
    article, _ = import_text(
        team=team_a, user=alice, title="Given", text="Headline\nBody.", analyze=False
    )
    assert (article.title, article.text) == ("Given", "Headline\nBody.")


@pytest.mark.parametrize(
    ("verdict", "note", "expected"),
    [
        ("approve", "", "Approved “Kirby said”"),
        ("request_changes", "Cite it.", "Asked for changes to “Kirby said”: Cite it."),
        ("dispute", "No source.", "Disputed “Kirby said”: No source."),
    ],
)
def test_review_notifications_say_what_was_reviewed(article, alice, bob, verdict, note, expected):
    start = article.text.index("Kirby said")
    annotation = annotation_create(article=article, author=alice, start=start, end=start + 10)
    annotation_submit(annotation=annotation, actor=alice)
    review_create(annotation=annotation, reviewer=bob, verdict=verdict, note=note)
    assert Notification.objects.get(user=alice, kind="review").text == expected


def test_counted_and_noun():
    assert counted(1, "article") == "1 article"
    assert counted(0, "article") == "0 articles"
    assert counted(1234, "reply", "replies") == "1,234 replies"
    assert noun(2, "column") == "columns"


def test_reading_marks_and_the_queue(team_a, alice, dave):
    first = make_article(team=team_a, title="First", text="First text.")
    second = make_article(team=team_a, title="Second", text="Second text.")
    assert list(next_to_annotate(user=alice, team=team_a)) == [second, first]
    article_read_record(article=first, user=alice)
    article_read_record(article=first, user=alice)
    assert ArticleRead.objects.filter(user=alice).count() == 1
    annotation_create(article=first, author=alice, start=0, end=5)
    # Read and annotated: done; dave's reading does not count for alice.
    article_read_record(article=second, user=dave)
    queue = list(next_to_annotate(user=alice, team=team_a))
    assert queue == [second]
    assert queue[0].read is False


def test_favicon_ico_redirects_to_the_svg(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith("annotations/favicon.svg")
    assert client.post("/favicon.ico").status_code == 405
