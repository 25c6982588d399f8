from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from annotations.exceptions import PreconditionFailed
from annotations.models import Annotation, Article, ArticleRevision, Entity, Mention
from annotations.services.annotations import annotation_create
from annotations.services.articles import (
    article_create,
    article_edit,
    article_update_text,
    text_sha256,
)
from tests.factories import make_article


def _annotate(article, author, quote):
    start = article.text.index(quote)
    return annotation_create(article=article, author=author, start=start, end=start + len(quote))


def test_create_stores_canonical_text_hash_and_first_revision(team_a, alice):
    article = article_create(
        team=team_a, title=" Troops ", text="Line one.\r\nLine two.\r\n", imported_by=alice
    )
    assert article.text == "Line one.\nLine two."
    assert article.text_sha256 == text_sha256(article.text)
    assert article.title == "Troops"
    revision = ArticleRevision.objects.get(article=article)
    assert (revision.number, revision.text) == (1, article.text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("PK\x03\x04\x00\x00binary", "binary"),
        (b"bytes", "string"),
    ],
)
def test_bad_text_is_refused_naming_the_field(team_a, text, message):
    with pytest.raises(ValidationError) as excinfo:
        article_create(team=team_a, title="t", text=text)
    assert message in excinfo.value.message_dict["text"][0]
    assert not Article.objects.exists()


def test_text_over_the_limit_is_refused(team_a, settings):
    settings.NEWSNOTES_MAX_ARTICLE_CHARS = 100
    with pytest.raises(ValidationError) as excinfo:
        article_create(team=team_a, title="t", text="x" * 101)
    assert "limit" in excinfo.value.message_dict["text"][0]


def test_duplicate_url_in_team_is_a_field_error(team_a):
    make_article(team=team_a, url="https://news.example/x")
    with pytest.raises(ValidationError) as excinfo:
        make_article(team=team_a, url="https://news.example/x", text="Another")
    assert "url" in excinfo.value.message_dict


def test_non_http_url_is_refused(team_a):
    with pytest.raises(ValidationError) as excinfo:
        make_article(team=team_a, url="javascript:alert(1)")
    assert "url" in excinfo.value.message_dict


def test_missing_title_falls_back_to_the_first_line(team_a):
    article = article_create(team=team_a, text="SEOUL (Wire) - Headline here\nBody.")
    assert article.title == "SEOUL (Wire) - Headline here"


def test_outlet_comes_from_the_url_domain(team_a):
    article = make_article(team=team_a, url="https://news.example/view/1", outlet_name="Wire")
    assert article.outlet.domain == "news.example"
    assert article.outlet.name == "Wire"


def test_a_listed_outlet_is_named_by_its_domain(team_a):
    # The project's list (annotations/nlp/data/sources/outlets.jsonl) names the outlet,
    # whichever of its domains the URL uses and whatever the import called it.
    article = make_article(team=team_a, url="https://www.yna.co.kr/view/1", outlet_name="Yonhap")
    assert (article.outlet.domain, article.outlet.name) == ("yna.co.kr", "Yonhap News Agency")
    english = make_article(team=team_a, url="https://en.yna.co.kr/view/2", text="Other text.")
    assert english.outlet == article.outlet
    cnn = make_article(team=team_a, url="https://edition.cnn.com/2026/x", text="Third text.")
    assert (cnn.outlet.domain, cnn.outlet.name) == ("cnn.com", "CNN")


def test_editing_text_creates_a_revision_and_reanchors_annotations(article, alice):
    annotation = _annotate(article, alice, "John Kirby")
    old_start = annotation.start
    new_text = "UPDATED: " + article.text
    article_update_text(article=article, text=new_text, actor=alice, note="added a slug")
    article.refresh_from_db()
    annotation.refresh_from_db()
    assert article.revision == 2
    assert list(article.revisions.values_list("number", flat=True)) == [1, 2]
    assert annotation.start == old_start + len("UPDATED: ")
    assert article.text[annotation.start : annotation.end] == "John Kirby"
    assert annotation.anchor_state == Annotation.AnchorState.REANCHORED
    assert annotation.article_revision == 2
    assert annotation.version == 2


def test_annotation_whose_quote_is_gone_is_orphaned_and_kept(article, alice):
    annotation = _annotate(article, alice, "315,00")
    old = (annotation.start, annotation.end)
    article_update_text(
        article=article, text=article.text.replace("315,00", "315,000"), actor=alice
    )
    annotation.refresh_from_db()
    # "315,00" is still a substring of "315,000": it re-anchors onto it.
    assert annotation.anchor_state == Annotation.AnchorState.ANCHORED
    article.refresh_from_db()
    article_update_text(
        article=article, text=article.text.replace("315,000", "about 315 thousand"), actor=alice
    )
    annotation.refresh_from_db()
    assert annotation.anchor_state == Annotation.AnchorState.ORPHANED
    assert (annotation.start, annotation.end) == old
    # Its offsets still index into the revision it was made on.
    made_on = ArticleRevision.objects.get(article=article, number=annotation.article_revision)
    assert made_on.text[annotation.start : annotation.end] == "315,00"


def test_repeated_quote_reanchors_to_the_occurrence_with_the_same_context(team_a, alice):
    text = "Kirby said yes. Later, Kirby said no."
    article = make_article(team=team_a, text=text)
    second = annotation_create(article=article, author=alice, start=23, end=33)
    assert second.exact == "Kirby said"
    article_update_text(article=article, text="Briefly: " + text, actor=alice)
    second.refresh_from_db()
    assert second.start == 23 + len("Briefly: ")
    assert "no" in article.__class__.objects.get(pk=article.pk).text[second.end : second.end + 4]


def test_stale_revision_changes_nothing(article, alice):
    article_update_text(
        article=article, text=article.text + " More.", actor=alice, expected_revision=1
    )
    with pytest.raises(PreconditionFailed):
        article_update_text(article=article, text="Other", actor=alice, expected_revision=1)
    article.refresh_from_db()
    assert article.revision == 2
    assert article.text.endswith(" More.")


def test_unchanged_text_makes_no_revision(article, alice):
    article_update_text(article=article, text=article.text, actor=alice)
    assert ArticleRevision.objects.filter(article=article).count() == 1


def test_analyst_mentions_survive_an_edit_and_machine_mentions_are_dropped(article, alice):
    kirby = Entity.objects.create(team=article.team, name="John Kirby", kind="PERSON")
    start = article.text.index("John Kirby")
    analyst = Mention.objects.create(
        article=article,
        entity=kirby,
        start=start,
        end=start + 10,
        text="John Kirby",
        label="PERSON",
        origin=Mention.Origin.ANALYST,
    )
    putin = article.text.index("Putin")
    Mention.objects.create(
        article=article, entity=kirby, start=putin, end=putin + 5, text="Putin", label="PERSON"
    )
    article_update_text(article=article, text="Edited. " + article.text, actor=alice)
    assert list(Mention.objects.filter(article=article)) == [analyst]
    analyst.refresh_from_db()
    assert analyst.start == start + len("Edited. ")


def test_edit_keeps_the_date_unless_given_and_none_clears_it(article, alice):
    first = datetime(2024, 11, 1, 9, 30, tzinfo=UTC)
    article_edit(article=article, actor=alice, published_at=first)
    article_edit(article=article, actor=alice, title="Retitled")
    article.refresh_from_db()
    assert (article.title, article.published_at) == ("Retitled", first)
    article_edit(article=article, actor=alice, published_at=None)
    article.refresh_from_db()
    assert article.published_at is None
