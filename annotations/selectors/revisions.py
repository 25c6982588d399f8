"""An article's text revisions and the word diff between two of them (silent edits)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from annotations.lib.worddiff import Segment, word_diff
from annotations.models import Article, ArticleRefetch, ArticleRevision


@dataclass(frozen=True)
class RevisionDiff:
    old: ArticleRevision
    new: ArticleRevision
    numbers: list[int]  # every revision of the article, for choosing others
    text: list[Segment]
    title: list[Segment]  # empty when the titles are the same (or the old one is unknown)
    authors_before: list[str]
    authors_after: list[str]
    inserted_words: int
    deleted_words: int


def article_revision_diff(
    *, article: Article, old: int | None = None, new: int | None = None
) -> RevisionDiff:
    """The diff from revision ``old`` to ``new`` of an article the caller may read (default:
    the last revision against the one before it). A revision it does not have is a 404."""
    numbers = list(
        ArticleRevision.objects.filter(article=article)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not numbers:
        raise Http404("This article has no revisions.")
    new = numbers[-1] if new is None else new
    old = max([n for n in numbers if n < new], default=new) if old is None else old
    revisions = {
        r.number: r for r in ArticleRevision.objects.filter(article=article, number__in=[old, new])
    }
    if old not in revisions or new not in revisions:
        raise Http404("This article has no such revision.")
    before, after = revisions[old], revisions[new]
    text = word_diff(before.text, after.text) if old != new else [Segment("equal", after.text)]
    title_changed = before.title and after.title and before.title != after.title
    return RevisionDiff(
        old=before,
        new=after,
        numbers=numbers,
        text=text,
        title=word_diff(before.title, after.title) if title_changed else [],
        authors_before=list(before.authors),
        authors_after=list(after.authors),
        inserted_words=sum(len(s.text.split()) for s in text if s.op == "insert"),
        deleted_words=sum(len(s.text.split()) for s in text if s.op == "delete"),
    )


def article_refetch_state(*, article: Article) -> ArticleRefetch | None:
    """The article's re-fetch schedule and last check, if it was imported from its URL."""
    return ArticleRefetch.objects.filter(article=article).first()
