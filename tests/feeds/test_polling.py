"""Polling a feed: new items, duplicates, a 304, a broken feed, the per-poll cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations.models import ArchiveRecord, Article, Feed, FeedItem, Job
from annotations.services.feeds import (
    feed_create,
    feed_poll,
    feed_poll_now,
    feed_update,
    feeds_poll_due,
)
from annotations.services.imports import import_url
from tests.feedserver import article_html


def follow(team, user, url, **kwargs) -> Feed:
    return feed_create(team=team, actor=user, url=url, **kwargs)


def test_new_items_become_archived_articles_queued_for_analysis(site, team_a, alice):
    feed = follow(team_a, alice, site.add_feed("world", ["geneva-talks", "border-crossing"]))
    report = feed_poll(feed=feed)
    assert report.items == 2
    assert report.new == 2
    assert len(report.imported) == 2
    articles = Article.objects.filter(team=team_a).order_by("pk")
    assert [a.url for a in articles] == [
        site.url("/articles/geneva-talks"),
        site.url("/articles/border-crossing"),
    ]
    assert "delegations of Ruritania" in articles[0].text
    assert articles[0].title == "Talks on geneva talks resume in Geneva"
    # Each page's fetch is archived and tied to its article; the feed document is not.
    records = ArchiveRecord.objects.filter(team=team_a)
    assert {r.article_id for r in records} == {a.pk for a in articles}
    analysis = Job.objects.filter(team=team_a, kind=Job.Kind.ANALYZE)
    assert sorted(pk for job in analysis for pk in job.params["article_ids"]) == sorted(
        a.pk for a in articles
    )
    feed.refresh_from_db()
    assert (feed.items_found, feed.items_imported) == (2, 2)
    assert feed.title == "world news"
    assert feed.status == Feed.Status.OK
    assert feed.last_error == ""
    assert feed.last_poll_at is not None
    assert feed.next_poll_at == feed.last_poll_at + timedelta(minutes=feed.interval_minutes)


def test_known_items_are_not_fetched_again_and_new_ones_are(site, team_a, alice):
    url = site.add_feed("world", ["one", "two"])
    feed = follow(team_a, alice, url)
    feed_poll(feed=feed)
    site.add_feed("world", ["three", "one", "two"])  # a new item on top: a new ETag
    report = feed_poll(feed=Feed.objects.get(pk=feed.pk))
    assert report.items == 3
    assert report.new == 1
    assert len(report.imported) == 1
    assert site.hits["/articles/one"] == 1
    assert site.hits["/articles/three"] == 1
    assert Article.objects.filter(team=team_a).count() == 3


def test_duplicate_items_by_url_and_by_text(site, team_a, alice):
    site.pages["/articles/known"] = article_html("known")
    # Already imported by hand: the item is matched by its URL, without a fetch.
    import_url(team=team_a, user=alice, url=site.url("/articles/known"), analyze=False)
    feed = follow(team_a, alice, site.add_feed("world", ["known", "original"]))
    first = feed_poll(feed=feed)
    assert len(first.imported) == 1
    assert first.duplicates == 1
    assert site.hits["/articles/known"] == 1  # only the hand import fetched it
    # Another feed of the team lists a copy of an article under another URL: fetched, and
    # matched by the text hash.
    site.pages["/articles/copy"] = article_html("original")
    other_url = site.add_feed("copies", ["original"])
    site.feeds["/feeds/copies.xml"] = site.feeds["/feeds/copies.xml"].replace(
        "/articles/original", "/articles/copy"
    )
    other = follow(team_a, alice, other_url)
    second = feed_poll(feed=other)
    assert second.imported == []
    assert second.duplicates == 1
    assert site.hits["/articles/copy"] == 1
    item = FeedItem.objects.get(feed=other)
    assert item.duplicate
    assert item.article.url == site.url("/articles/original")
    assert Article.objects.filter(team=team_a).count() == 2
    other.refresh_from_db()
    assert (other.items_found, other.items_imported) == (1, 0)


def test_unchanged_feed_answers_304_and_imports_nothing(site, team_a, alice):
    feed = follow(team_a, alice, site.add_feed("world", ["one"]))
    feed_poll(feed=feed)
    feed.refresh_from_db()
    assert feed.etag
    report = feed_poll(feed=feed)
    assert report.not_modified
    assert site.not_modified["/feeds/world.xml"] == 1
    assert site.hits["/articles/one"] == 1
    feed.refresh_from_db()
    assert feed.status == Feed.Status.OK
    assert feed.items_imported == 1


def test_failing_feed_backs_off_then_is_broken_and_resumes(site, settings, team_a, alice):
    settings.NEWSNOTES_FEED_BROKEN_AFTER = 3
    feed = follow(team_a, alice, site.url("/broken.xml"), interval_minutes=30)
    feed_poll(feed=feed)
    feed.refresh_from_db()
    assert feed.status == Feed.Status.BACKING_OFF
    assert feed.consecutive_failures == 1
    assert "HTTP 500" in feed.last_error
    assert feed.next_poll_at - feed.last_poll_at == timedelta(minutes=60)
    feed_poll(feed=feed)
    feed.refresh_from_db()
    assert feed.next_poll_at - feed.last_poll_at == timedelta(minutes=120)
    feed_poll(feed=feed)
    feed.refresh_from_db()
    assert feed.status == Feed.Status.BROKEN
    assert feed.next_poll_at is None
    Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now() - timedelta(days=1))
    assert feeds_poll_due() == []  # a broken feed is not polled on schedule
    # Resuming makes it due and OK again.
    feed = feed_update(feed=feed, actor=alice, paused=False)
    assert feed.status == Feed.Status.OK
    assert feed.consecutive_failures == 0
    assert feed.next_poll_at <= timezone.now()


def test_not_a_feed_is_a_failure_named(site, team_a, alice):
    site.feeds["/feeds/html.xml"] = "<html><body>no feed here</body></html>"
    feed = follow(team_a, alice, site.url("/feeds/html.xml"))
    report = feed_poll(feed=feed)
    assert "is not a feed" in report.error
    feed.refresh_from_db()
    assert feed.status == Feed.Status.BACKING_OFF


def test_items_past_the_cap_wait_for_the_next_poll(site, settings, team_a, alice):
    settings.NEWSNOTES_FEED_ITEMS_PER_POLL = 2
    feed = follow(team_a, alice, site.add_feed("world", ["a", "b", "c"]))
    first = feed_poll(feed=feed)
    assert first.capped
    assert len(first.imported) == 2
    feed.refresh_from_db()
    assert feed.etag == ""  # so the next poll is not answered 304
    second = feed_poll(feed=feed)
    assert len(second.imported) == 1
    assert not second.not_modified
    assert Article.objects.filter(team=team_a).count() == 3


def test_paused_feed_is_not_polled_on_schedule_but_can_be_polled_now(
    site, team_a, alice, django_capture_on_commit_callbacks
):
    feed = follow(team_a, alice, site.add_feed("world", ["a"]), paused=True)
    assert feeds_poll_due() == []
    with django_capture_on_commit_callbacks(execute=False):
        job = feed_poll_now(feed=feed, actor=alice)
        again = feed_poll_now(feed=feed, actor=alice)
    assert again.pk == job.pk  # a poll in flight is not queued twice
    assert job.kind == Job.Kind.POLL_FEED
    assert job.params == {"feed_id": feed.pk}


def test_limits_and_bad_input_name_the_field(site, settings, team_a, alice, victor):
    settings.NEWSNOTES_FEEDS_PER_TEAM = 1
    follow(team_a, alice, site.add_feed("one", []))
    with pytest.raises(ValidationError) as full:
        follow(team_a, alice, site.add_feed("two", []))
    assert "at most 1 feeds" in full.value.message_dict["url"][0]
    settings.NEWSNOTES_FEEDS_PER_TEAM = 10
    with pytest.raises(ValidationError) as again:
        follow(team_a, alice, site.url("/feeds/one.xml"))
    assert "already follows" in again.value.message_dict["url"][0]
    with pytest.raises(ValidationError) as short:
        follow(team_a, alice, site.url("/feeds/two.xml"), interval_minutes=1)
    assert "interval_minutes" in short.value.message_dict
    with pytest.raises(ValidationError) as private:
        follow(team_a, alice, "http://10.0.0.1/feed.xml")
    assert "not a public address" in private.value.message_dict["url"][0]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        follow(team_a, victor, site.url("/feeds/two.xml"))


def test_size_caps_on_the_feed_and_on_each_page(site, settings, team_a, alice):
    feed = follow(team_a, alice, site.add_feed("world", ["long-page"]))
    settings.NEWSNOTES_FEED_PAGE_MAX_BYTES = 300
    report = feed_poll(feed=feed)
    assert report.failed == 1
    item = FeedItem.objects.get(feed=feed)
    assert "larger than the 300-byte limit" in item.error
    assert item.article is None
    assert not Article.objects.exists()
    settings.NEWSNOTES_FEED_MAX_BYTES = 200
    site.add_feed("world", ["another", "long-page"])  # changed: no 304
    too_big = feed_poll(feed=Feed.objects.get(pk=feed.pk))
    assert "larger than the 200-byte limit" in too_big.error
    assert Feed.objects.get(pk=feed.pk).status == Feed.Status.BACKING_OFF
