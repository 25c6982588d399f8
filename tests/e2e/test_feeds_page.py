"""Browser test of the feeds page: follow a feed (its first poll imports the items), pause,
resume, poll now, a broken feed's error, OPML export and import, delete; and the reader's
"archived" line with its WARC download."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from warcio.archiveiterator import ArchiveIterator

from annotations.models import Article, Feed
from annotations.services.feeds import feed_create, feed_poll
from tests.e2e.conftest import header_link, screenshot, sign_in
from tests.feeds.conftest import archive_dir, site  # noqa: F401 - fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SLOW = 60_000  # the first poll's analysis loads the NER model in the server thread


def open_feeds(page: Page, live_server, username: str) -> None:
    sign_in(page, live_server, username)
    header_link(page, "Feeds").click()
    expect(page.get_by_role("heading", name="Feeds", level=1)).to_be_visible()


def row(page: Page, name: str):
    return page.locator("#feed-list tbody tr", has_text=name)


def test_follow_poll_pause_resume_and_delete_a_feed(page, live_server, site, team_a, alice):  # noqa: F811
    url = site.add_feed("world", ["geneva-talks", "border-crossing"], title="World desk")
    open_feeds(page, live_server, "alice")
    expect(page.locator("html")).to_have_attribute("data-feeds-ready", "true")
    page.get_by_label("Feed URL").fill(url)
    page.get_by_role("button", name="Follow").click()
    feed = row(page, "World desk")
    expect(feed).to_be_visible(timeout=SLOW)
    cells = feed.locator("td")
    expect(cells.nth(1)).to_have_text("ok")
    expect(cells.nth(4)).to_have_text("2")  # items found
    expect(cells.nth(5)).to_have_text("2")  # imported
    assert Article.objects.filter(team=team_a).count() == 2

    feed.get_by_role("button", name="Pause").click()
    expect(row(page, "World desk").locator("td").nth(1)).to_have_text("paused")
    row(page, "World desk").get_by_role("button", name="Resume").click()
    expect(row(page, "World desk").locator("td").nth(1)).to_have_text("ok")
    site.add_feed("world", ["new-item", "geneva-talks", "border-crossing"], title="World desk")
    row(page, "World desk").get_by_role("button", name="Poll now").click()
    expect(row(page, "World desk").locator("td").nth(5)).to_have_text("3", timeout=SLOW)

    # The reader of an imported article says when its page was archived, with its digest.
    article = Article.objects.get(url=site.url("/articles/new-item"))
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    line = page.locator("#archive-line")
    expect(line).to_contain_text("archived")
    expect(line).to_contain_text(f"sha256 {article.archive_records.get().sha256[:12]}")
    with page.expect_download() as info:
        line.get_by_role("link", name="Download WARC").click()
    path = info.value.path()
    assert path is not None
    with open(path, "rb") as warc:
        assert warc.read(2) == b"\x1f\x8b"  # a gzipped WARC record

    page.goto(f"{live_server.url}/feeds/")
    page.once("dialog", lambda dialog: dialog.accept())
    row(page, "World desk").get_by_role("button", name="Delete").click()
    expect(page.locator("#feed-empty")).to_be_visible()
    assert not Feed.objects.exists()
    assert Article.objects.filter(team=team_a).count() == 3  # the articles stay


def test_errors_opml_and_the_screenshot(page, live_server, site, team_a, alice, tmp_path):  # noqa: F811
    world = feed_create(
        team=team_a, actor=alice, url=site.add_feed("world", ["a", "b", "c"]), title="Reuters World"
    )
    feed_poll(feed=world)
    gov = site.add_feed("gov", ["d"])
    feed_create(team=team_a, actor=alice, url=gov, title="Ministry briefings")
    broken = feed_create(team=team_a, actor=alice, url=site.url("/broken.xml"), title="Old wire")
    for _ in range(2):
        feed_poll(feed=broken)
    paused = feed_create(
        team=team_a, actor=alice, url=site.add_feed("eu", ["e"]), title="EU press", paused=True
    )
    Feed.objects.filter(pk=paused.pk).update(last_poll_at=timezone.now() - timedelta(days=1))
    open_feeds(page, live_server, "alice")
    expect(page.locator("html")).to_have_attribute("data-feeds-ready", "true")
    old = row(page, "Old wire")
    expect(old.locator("td").nth(1)).to_have_text("backing off")
    expect(old.locator("td").nth(6)).to_contain_text("HTTP 500")
    expect(old.locator("td").nth(6)).to_contain_text("2 failures in a row")

    # A private address is refused, naming the field.
    page.expect_response(400, "/api/feeds/")
    page.get_by_label("Feed URL").fill("http://10.0.0.7/rss")
    page.get_by_role("button", name="Follow").click()
    expect(page.locator("#feed-error")).to_contain_text("url: 10.0.0.7 is not a public address")

    with page.expect_download() as info:
        page.get_by_role("link", name="Export the team's feeds").click()
    exported = info.value.path()
    assert exported is not None
    opml = exported.read_bytes()
    assert b"Reuters World" in opml
    assert opml.count(b"<outline") == 4
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the team's archive (WARC)").click()
    archive = info.value.path()
    assert archive is not None
    with archive.open("rb") as warc:  # the three items of Reuters World
        assert len(list(ArchiveIterator(warc))) == 3
    extra = tmp_path / "more.opml"
    extra.write_bytes(
        b"<?xml version='1.0'?><opml version='2.0'><head/><body>"
        b"<outline text='Africa desk' xmlUrl='" + site.url("/feeds/africa.xml").encode() + b"'/>"
        b"</body></opml>"
    )
    page.get_by_label("Import an OPML file").set_input_files(str(extra))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(row(page, "Africa desk")).to_be_visible()
    Feed.objects.filter(title="Africa desk").delete()
    page.reload()
    page.set_viewport_size({"width": 1280, "height": 1060})
    expect(page.locator("#feed-list tbody tr")).to_have_count(4)
    page.mouse.move(5, 5)
    screenshot(page, "feeds")
