"""The feeds page and the reader's archived line, through Django's test client."""

from __future__ import annotations

from annotations.models import ArchiveRecord
from annotations.services.feeds import feed_create, feed_poll
from annotations.services.imports import import_url
from tests.feedserver import article_html


def test_feeds_page_lists_the_current_team_feeds_with_their_state(
    client, site, team_a, team_b, alice, carol
):
    ours = feed_create(team=team_a, actor=alice, url=site.add_feed("world", ["a"]), title="World")
    feed_poll(feed=ours)
    feed_create(team=team_b, actor=carol, url=site.add_feed("theirs", []), title="Their feed")
    client.force_login(alice)
    page = client.get("/feeds/").content.decode()
    assert "World" in page
    assert "Their feed" not in page
    assert 'data-action="poll"' in page
    assert '<td class="num">1</td>' in page  # found and imported
    assert "/api/feeds/opml/?team=" in page


def test_viewers_see_the_feeds_but_no_controls(client, site, team_a, alice, victor):
    feed_create(team=team_a, actor=alice, url=site.add_feed("world", []), title="World")
    client.force_login(victor)
    page = client.get("/feeds/").content.decode()
    assert "World" in page
    assert 'id="feed-form"' not in page
    assert 'data-action="poll"' not in page


def test_reader_shows_when_the_page_was_archived_and_its_digest(client, site, team_a, alice):
    site.pages["/articles/one"] = article_html("one")
    article, _ = import_url(team=team_a, user=alice, url=site.url("/articles/one"), analyze=False)
    record = ArchiveRecord.objects.get(article=article)
    client.force_login(alice)
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert f'sha256 <code title="{record.sha256}">{record.sha256[:12]}</code>' in page
    assert f"/api/archive/{record.pk}/download/" in page
    assert "archived <time" in page
