"""articles_analyze: batches parsed one ahead in a helper thread, written in this one."""

from __future__ import annotations

import platform
import sys
import threading

import pytest

from annotations.models import Annotation, Article, Job, Mention
from annotations.services import analysis
from annotations.services.articles import article_update_text
from tests.factories import make_article

HELPER_PREFIX = "newsnotes-nlp"


def _paragraph_articles(team, seed_text: str, count: int) -> list[Article]:
    """``count`` articles of three consecutive paragraphs of the seed article each."""
    lines = [line for line in seed_text.splitlines() if line.strip()]
    assert len(lines) >= 3 * count
    return [
        make_article(team=team, text="\n".join(lines[3 * n : 3 * n + 3]), title=f"Part {n}")
        for n in range(count)
    ]


def _results(article_ids: list[int]) -> list[tuple]:
    """What analysis wrote, per article position, without ids that differ between teams."""
    position = {pk: n for n, pk in enumerate(article_ids)}
    mentions = sorted(
        (position[m.article_id], m.start, m.end, m.text, m.entity.name, m.entity.kind)
        for m in Mention.objects.filter(article_id__in=article_ids).select_related("entity")
    )
    suggestions = sorted(
        (
            position[a.article_id],
            a.start,
            a.end,
            a.attributed_to_entity.name if a.attributed_to_entity else None,
            (a.attributed_to.start, a.attributed_to.end) if a.attributed_to else None,
        )
        for a in Annotation.objects.filter(
            article_id__in=article_ids, origin=Annotation.Origin.MODEL
        ).select_related("attributed_to_entity", "attributed_to")
    )
    return [mentions, suggestions]


@pytest.fixture
def parsing_threads(monkeypatch):
    """The name of the thread each analyze_many call ran in, in order."""
    names: list[str] = []
    real = analysis.analyze_many

    def recording(texts, **kwargs):
        names.append(threading.current_thread().name)
        return real(texts, **kwargs)

    monkeypatch.setattr(analysis, "analyze_many", recording)
    return names


def test_batches_parse_in_a_helper_thread_with_the_same_result_as_one_batch(
    team_a, team_b, seed_text, parsing_threads, monkeypatch
):
    ahead = [a.pk for a in _paragraph_articles(team_a, seed_text, 4)]
    inline = [a.pk for a in _paragraph_articles(team_b, seed_text, 4)]
    trims = []
    monkeypatch.setattr(analysis, "_return_freed_memory", lambda: trims.append(1))

    report = analysis.articles_analyze(article_ids=ahead, batch_size=1)
    assert len(parsing_threads) == 4
    assert all(name.startswith(HELPER_PREFIX) for name in parsing_threads)
    assert report.articles == 4
    assert report.article_ids == ahead
    assert len(trims) == 1  # the helper's arena is trimmed once, after it stopped

    parsing_threads.clear()
    analysis.articles_analyze(article_ids=inline, batch_size=10)
    # One batch: nothing to overlap with, so it parses in the calling thread.
    assert parsing_threads == [threading.current_thread().name]
    assert len(trims) == 1

    written = _results(ahead)
    assert written[0], "the seed paragraphs name entities"
    assert written[1], "and carry reported speech"
    assert written == _results(inline)
    assert not any(t.name.startswith(HELPER_PREFIX) for t in threading.enumerate())


def test_progress_is_reported_after_each_written_batch(team_a, seed_text):
    ids = [a.pk for a in _paragraph_articles(team_a, seed_text, 3)]
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        written = Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE).count()
        seen.append((done, total, written))

    analysis.articles_analyze(article_ids=ids, batch_size=2, on_progress=progress)
    assert seen == [(2, 3, 2), (3, 3, 3)]


def test_an_edit_after_its_batch_was_read_leaves_the_article_pending(team_a, alice, seed_text):
    """The next batch is read (and parsed) before the current one is written; a text edit in
    between makes that analysis stale, so it is dropped and the article stays pending."""
    articles = _paragraph_articles(team_a, seed_text, 2)
    edited = articles[1]

    def edit_after_first_batch(done: int, total: int) -> None:
        if done == 1:
            article_update_text(article=edited, text=edited.text + " Kirby said more.", actor=alice)

    report = analysis.articles_analyze(
        article_ids=[a.pk for a in articles], batch_size=1, on_progress=edit_after_first_batch
    )
    assert report.article_ids == [articles[0].pk]
    edited.refresh_from_db()
    assert edited.revision == 2
    assert edited.nlp_status == Article.NlpStatus.PENDING
    assert not Mention.objects.filter(article=edited).exists()
    assert not Annotation.objects.filter(article=edited, origin=Annotation.Origin.MODEL).exists()
    # The next run analyses the edited text, up to its last word.
    again = analysis.articles_analyze(article_ids=[a.pk for a in articles])
    assert (again.articles, again.skipped) == (1, 1)
    kirby = edited.text.rindex("Kirby")
    assert Mention.objects.filter(article=edited, start=kirby, text="Kirby").exists()


def test_a_failed_write_stops_the_helper_and_keeps_the_batches_before_it(
    team_a, seed_text, monkeypatch, parsing_threads
):
    ids = [a.pk for a in _paragraph_articles(team_a, seed_text, 5)]
    real = analysis.mentions_replace
    writes = {"n": 0}

    def fails_on_second_write(**kwargs):
        writes["n"] += 1
        if writes["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(analysis, "mentions_replace", fails_on_second_write)
    with pytest.raises(RuntimeError, match="database went away"):
        analysis.articles_analyze(article_ids=ids, batch_size=1)
    # Batch 3 was queued before batch 2's write; nothing after it was parsed.
    assert len(parsing_threads) <= 3
    assert not any(t.name.startswith(HELPER_PREFIX) for t in threading.enumerate())
    done = list(
        Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE).values_list(
            "pk", flat=True
        )
    )
    assert done == ids[:1]
    assert set(Mention.objects.filter(article_id__in=ids).values_list("article_id", flat=True)) == {
        ids[0]
    }


def test_a_parse_failure_reaches_the_caller_after_the_batches_before_it(
    team_a, seed_text, monkeypatch
):
    ids = [a.pk for a in _paragraph_articles(team_a, seed_text, 4)]
    real = analysis.analyze_many
    calls = {"n": 0}

    def fails_on_third(texts, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("model crashed")
        return real(texts, **kwargs)

    monkeypatch.setattr(analysis, "analyze_many", fails_on_third)
    with pytest.raises(ValueError, match="model crashed"):
        analysis.articles_analyze(article_ids=ids, batch_size=1)
    assert (
        list(
            Article.objects.filter(pk__in=ids, nlp_status=Article.NlpStatus.DONE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        == ids[:2]
    )
    assert not any(t.name.startswith(HELPER_PREFIX) for t in threading.enumerate())


def test_returning_freed_memory_is_safe_to_call(monkeypatch):
    # glibc's malloc_trim where there is one; a no-op elsewhere. Never raises.
    trims: list[int] = []

    class Glibc:
        def malloc_trim(self, pad: int) -> int:
            trims.append(pad)
            return 1

    monkeypatch.setattr(analysis, "_libc", Glibc)
    assert analysis._return_freed_memory() is None
    assert trims == [0]
    # musl and others have a libc without malloc_trim; other systems have no libc to ask.
    for libc in (object(), None):
        monkeypatch.setattr(analysis, "_libc", lambda libc=libc: libc)
        assert analysis._return_freed_memory() is None
    assert trims == [0]
    monkeypatch.undo()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert callable(getattr(analysis._libc(), "malloc_trim", None))
    assert analysis._return_freed_memory() is None  # the real call, here


def test_a_text_edit_queues_the_analysis_of_the_new_text(
    team_a, alice, seed_text, django_capture_on_commit_callbacks
):
    article = make_article(team=team_a, text=seed_text, title="Seed")
    analysis.articles_analyze(article_ids=[article.pk])
    with django_capture_on_commit_callbacks(execute=True):
        article_update_text(
            article=article, text=seed_text + "\nJohn Kirby said more.", actor=alice
        )
    job = Job.objects.get(team=team_a, kind=Job.Kind.ANALYZE)
    assert (job.status, job.params, job.created_by) == (
        Job.Status.SUCCEEDED,
        {"article_ids": [article.pk]},
        alice,
    )
    article.refresh_from_db()
    assert (article.nlp_status, article.nlp_revision) == (Article.NlpStatus.DONE, 2)
    kirby = article.text.rindex("John Kirby")
    assert Mention.objects.filter(article=article, start=kirby, text="John Kirby").exists()
