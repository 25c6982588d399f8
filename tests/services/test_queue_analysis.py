"""articles_queue_analysis: the one write behind the API's analyze action and the command."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from annotations.models import Article, Job
from annotations.services.jobs import articles_queue_analysis


def _mark_done(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(nlp_status=Article.NlpStatus.DONE)


def test_queueing_marks_the_articles_pending_and_queues_one_job(article, alice, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    _mark_done(article)
    job = articles_queue_analysis(team=article.team, article_ids=[article.pk], actor=alice)
    assert job is not None
    assert (job.kind, job.params, job.created_by, job.total) == (
        Job.Kind.ANALYZE,
        {"article_ids": [article.pk]},
        alice,
        1,
    )
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.PENDING


def test_a_reviewer_may_not_queue_analysis_and_nothing_changes(article, bob):
    _mark_done(article)
    with pytest.raises(PermissionDenied):
        articles_queue_analysis(team=article.team, article_ids=[article.pk], actor=bob)
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.DONE
    assert not Job.objects.exists()


def test_another_team_s_article_ids_are_ignored(article, carol):
    _mark_done(article)
    team_b = carol.memberships.get().team
    job = articles_queue_analysis(team=team_b, article_ids=[article.pk], actor=carol)
    assert job is None
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.DONE


def test_without_enqueue_the_articles_are_only_marked(article):
    _mark_done(article)
    assert (
        articles_queue_analysis(
            team=article.team, article_ids=[article.pk], actor=None, enqueue=False
        )
        is None
    )
    article.refresh_from_db()
    assert article.nlp_status == Article.NlpStatus.PENDING
    assert not Job.objects.exists()
