"""The periodic runner (a lease row per entry) and a worker killed in the middle of a poll."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from annotations.models import Article, Feed, FeedItem, Job, PeriodicLease
from annotations.periodic import PERIODIC, Periodic
from annotations.services import feeds as feeds_service
from annotations.services.feeds import feed_create, feeds_poll_due
from annotations.services.jobs import job_run, jobs_sweep
from annotations.services.periodic import periodic_claim, periodic_tick

CALLS: list[str] = []


def count_call() -> None:
    CALLS.append("called")


ENTRY = Periodic("test.count", timedelta(minutes=5), "tests.feeds.test_scheduling.count_call")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_feeds_poll_and_the_sweeper_are_periodic_entries():
    names = {entry.name: entry.function for entry in PERIODIC}
    assert names["feeds.poll"] == "annotations.services.feeds.feeds_poll_due"
    assert names["jobs.sweep"] == "annotations.services.jobs.jobs_sweep"


@pytest.mark.django_db
def test_an_entry_fires_once_per_period_whichever_worker_ticks():
    now = timezone.now()
    assert periodic_tick(worker="a", now=now, entries=[ENTRY]).fired == ["test.count"]
    assert periodic_tick(worker="b", now=now, entries=[ENTRY]).fired == []
    later = now + timedelta(minutes=4)
    assert periodic_tick(worker="b", now=later, entries=[ENTRY]).fired == []
    assert CALLS == ["called"]
    lease = PeriodicLease.objects.get(name="test.count")
    assert (lease.last_worker, lease.next_run_at) == ("a", now + timedelta(minutes=5))
    due = now + timedelta(minutes=5)
    assert periodic_tick(worker="b", now=due, entries=[ENTRY]).fired == ["test.count"]
    assert CALLS == ["called", "called"]


@pytest.mark.django_db
def test_a_failing_entry_is_reported_and_the_others_still_run():
    broken = Periodic("test.broken", timedelta(minutes=1), "tests.feeds.test_scheduling.nowhere")
    report = periodic_tick(worker="a", entries=[broken, ENTRY])
    assert report.failed == ["test.broken"]
    assert report.fired == ["test.broken", "test.count"]
    assert CALLS == ["called"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_a_lease_fire_it_once():
    now = timezone.now()
    PeriodicLease.objects.create(name=ENTRY.name, next_run_at=now - timedelta(seconds=1))
    start = threading.Barrier(2)
    wins: list[bool] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            wins.append(periodic_claim(entry=ENTRY, worker=name, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, True]


class Killed(BaseException):
    """The worker process dies (SIGKILL, OOM): no exception handler of ours runs."""


def test_worker_killed_mid_poll_loses_nothing_and_duplicates_nothing(
    site, team_a, alice, monkeypatch, django_capture_on_commit_callbacks
):
    slugs = [f"story-{n}" for n in range(5)]
    feed = feed_create(team=team_a, actor=alice, url=site.add_feed("world", slugs))
    with django_capture_on_commit_callbacks(execute=False):
        (job_id,) = feeds_poll_due()
        assert feeds_poll_due() == []  # queued once, however often the entry fires
    real = feeds_service._item_import_one
    calls = []

    def dies_on_the_third_item(**kwargs):
        calls.append(kwargs["key"])
        if len(calls) == 3:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(feeds_service, "_item_import_one", dies_on_the_third_item)
    with pytest.raises(Killed):
        job_run(job_id=job_id)
    monkeypatch.setattr(feeds_service, "_item_import_one", real)
    job = Job.objects.get(pk=job_id)
    assert job.status == Job.Status.RUNNING  # as a dead worker leaves it
    assert Article.objects.filter(team=team_a).count() == 2  # the third rolled back whole
    with django_capture_on_commit_callbacks(execute=False):
        assert feeds_poll_due() == []  # the feed's poll is still in flight
    Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs_sweep().requeued == [job_id]
    result = job_run(job_id=job_id)
    assert result["new"] == 3
    assert len(result["imported"]) == 3
    urls = list(Article.objects.filter(team=team_a).values_list("url", flat=True))
    assert sorted(urls) == sorted(site.url(f"/articles/{slug}") for slug in slugs)
    assert FeedItem.objects.filter(feed=feed).count() == 5
    feed.refresh_from_db()
    assert (feed.items_found, feed.items_imported) == (5, 5)
    assert Job.objects.get(pk=job_id).status == Job.Status.SUCCEEDED
    assert Job.objects.filter(team=team_a, kind=Job.Kind.ANALYZE).count() == 5
    assert feed.next_poll_at > timezone.now()
    assert Feed.objects.get(pk=feed.pk).poll_job_id == job_id


def test_old_successful_poll_jobs_are_pruned(team_a, django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(days=3)
    done = Job.objects.create(
        team=team_a, kind=Job.Kind.POLL_FEED, status=Job.Status.SUCCEEDED, finished_at=old
    )
    failed = Job.objects.create(
        team=team_a, kind=Job.Kind.POLL_FEED, status=Job.Status.FAILED, finished_at=old
    )
    recent = Job.objects.create(
        team=team_a,
        kind=Job.Kind.POLL_FEED,
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
    )
    analysis = Job.objects.create(
        team=team_a, kind=Job.Kind.ANALYZE, status=Job.Status.SUCCEEDED, finished_at=old
    )
    with django_capture_on_commit_callbacks(execute=False):
        feeds_poll_due()
    left = set(Job.objects.values_list("pk", flat=True))
    assert left == {failed.pk, recent.pk, analysis.pk}
    assert done.pk not in left
