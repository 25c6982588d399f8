"""copy_insert: new instances written like bulk_create (COPY on PostgreSQL)."""

from __future__ import annotations

from annotations.models import Article, ArticleRevision
from annotations.services.articles import text_sha256
from annotations.services.entities import copy_insert


def test_instances_are_written_with_their_ids_defaults_and_times(team_a, alice):
    texts = ["First text, with a tab\tand a backslash \\ in it.", "Second text.\nTwo lines."]
    articles = [
        Article(
            team=team_a,
            title=f"Title {n}",
            text=text,
            text_sha256=text_sha256(text),
            authors=["Mara Lindqvist", "Jo Ã"],
            language="",
            imported_by=alice,
        )
        for n, text in enumerate(texts)
    ]
    copy_insert(articles)
    assert all(a.pk and not a._state.adding for a in articles)
    copy_insert(
        [
            ArticleRevision(article=a, number=1, text=a.text, text_sha256=a.text_sha256)
            for a in articles
        ]
    )
    for article, text in zip(articles, texts, strict=True):
        stored = Article.objects.get(pk=article.pk)
        assert (stored.text, stored.authors, stored.language) == (text, article.authors, "")
        assert (stored.revision, stored.nlp_status, stored.blind) == (1, "pending", False)
        assert stored.created_at is not None
        assert stored.created_at == article.created_at
        assert stored.revisions.get().text == text
    # The sequence moved on: the next row gets a new id.
    later = Article.objects.create(team=team_a, title="Later", text="Later.", text_sha256="x")
    assert later.pk > max(a.pk for a in articles)
    copy_insert([])  # nothing to write is fine
