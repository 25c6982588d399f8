"""The watchlists page in Chromium: "Watch this search" on the search page and "Watch" on an
entity page fill in the form; a new article that matches shows as a hit and in the inbox;
rename, pause and delete work from the list."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Entity, Watchlist, WatchlistHit
from annotations.services.imports import import_text
from annotations.services.watchlist_edits import watchlist_create
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

KURSK = (
    "WASHINGTON (Wire) - North Korean troops have moved into the Kursk region, White House "
    "spokesman John Kirby said on Thursday. Kirby said at least 8,000 soldiers were there."
)


@pytest.fixture
def desk(team_a, team_b, alice, bob, carol):
    wire = make_article(
        team=team_a,
        text="Troops were seen near Kursk, Wire One reported.",
        title="Troops near Kursk",
        outlet_name="Wire One",
        published_at=datetime(2024, 10, 30, tzinfo=UTC),
    )
    return {"wire": wire}


def test_watch_a_search_then_see_a_new_article_as_a_hit(page: Page, live_server, desk, alice):
    sign_in(page, live_server, "alice")
    outlet = desk["wire"].outlet_id
    page.goto(f"{live_server.url}/search/?q=kursk&outlet={outlet}")
    page.get_by_role("link", name="Watch this search").click()
    page.wait_for_url(re.compile(r"/watchlists/\?"))
    expect(page.get_by_label("Search to watch")).to_have_value("kursk")
    expect(page.locator(".watch-new")).to_contain_text("Outlet: Wire One")
    page.get_by_label("Name").fill("Kursk on the wire")
    page.get_by_label("For").select_option(label="Everyone in Desk A")
    page.get_by_role("button", name="Create watchlist").click()
    page.wait_for_url(f"{live_server.url}/watchlists/")
    row = page.locator("#watch-list tbody tr", has_text="Kursk on the wire")
    expect(row).to_contain_text("Outlet: Wire One")
    expect(row).to_contain_text("Desk A")
    watch = Watchlist.objects.get(name="Kursk on the wire")
    assert watch.params == {"outlet": [outlet]}
    assert watch.team_id == desk["wire"].team_id

    # A new article on that outlet arrives (a paste, analysed by the job): a hit, in the inbox.
    article, _ = import_text(
        team=desk["wire"].team,
        user=alice,
        text=KURSK,
        title="North Korean troops in Kursk",
        outlet_name="Wire One",
        published_at="2024-11-01T09:00:00Z",
    )
    assert WatchlistHit.objects.filter(watchlist=watch, article=article).exists()
    import_text(team=desk["wire"].team, user=alice, text="Harbour news, nothing else.")
    kirby = Entity.objects.get(team=desk["wire"].team, name="John Kirby")
    watchlist_create(user=alice, name="Kirby", entities=[kirby.pk], email_digest=True)
    page.reload()
    expect(row.locator("td.num")).to_have_text("1")
    hit = page.locator(".watch-hits li").first
    expect(hit).to_contain_text("North Korean troops in Kursk")
    expect(hit).to_contain_text("Kursk on the wire")
    expect(page.locator("#notifications-count")).to_have_text("1")
    screenshot(page, "watchlists")
    page.get_by_role("button", name=re.compile("Notifications")).click()
    note = page.locator("#notifications-panel li").first
    expect(note).to_contain_text("matched a watchlist")
    expect(note).to_contain_text("“Kursk on the wire”: North Korean troops in Kursk")
    note.get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/articles/{article.pk}/")


def test_rename_pause_and_delete_from_the_list(page: Page, live_server, desk, alice):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/watchlists/")
    page.get_by_label("Search to watch").fill("troops -drill")
    page.get_by_label("Name").fill("Troops")
    page.get_by_role("button", name="Create watchlist").click()
    page.wait_for_url(f"{live_server.url}/watchlists/")
    row = page.locator("#watch-list tbody tr", has_text="Troops")
    expect(row).to_contain_text("You")

    row.get_by_role("button", name="Rename Troops").click()
    box = row.get_by_label("New name")
    box.fill("Troop moves")
    box.press("Enter")
    expect(row.locator("[data-name]")).to_have_text("Troop moves")
    row.get_by_role("button", name="Pause Troop moves").click()
    expect(row.get_by_role("button", name=re.compile("^Resume"))).to_be_visible()
    expect(row).to_contain_text("paused")
    row.get_by_role("checkbox", name="E-mail digest for Troop moves").check()
    expect(row).to_have_attribute("data-version", "4")  # three PATCHes answered
    page.reload()
    row = page.locator("#watch-list tbody tr", has_text="Troop moves")
    expect(row).to_have_class(re.compile("paused"))
    expect(row.get_by_role("checkbox")).to_be_checked()
    watch = Watchlist.objects.get()
    assert (watch.name, watch.paused, watch.email_digest, watch.version) == (
        "Troop moves",
        True,
        True,
        4,
    )

    delete = row.get_by_role("button", name="Delete Troop moves")
    delete.click()
    expect(delete).to_have_text("Confirm delete")
    delete.click()
    expect(page.locator("#watch-list tbody tr")).to_have_count(0)
    expect(page.locator("#watch-empty")).to_be_visible()
    assert not Watchlist.objects.exists()


def test_watch_an_entity_from_its_page(page: Page, live_server, desk, alice):
    import_text(team=desk["wire"].team, user=alice, text=KURSK, title="Kirby speaks")
    kirby = Entity.objects.get(team=desk["wire"].team, name="John Kirby")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{kirby.pk}/")
    page.get_by_role("link", name="Watch", exact=True).click()
    page.wait_for_url(re.compile(rf"/watchlists/\?watch_entity={kirby.pk}$"))
    expect(page.locator(".watch-new")).to_contain_text("Entity: John Kirby")
    expect(page.get_by_label("Name")).to_have_value("John Kirby")
    page.get_by_role("button", name="Create watchlist").click()
    page.wait_for_url(f"{live_server.url}/watchlists/")
    row = page.locator("#watch-list tbody tr", has_text="John Kirby")
    expect(row.get_by_role("link", name="John Kirby")).to_have_attribute(
        "href", f"/entities/{kirby.pk}/"
    )
    assert list(Watchlist.objects.get().entities.all()) == [kirby]


def test_a_search_with_annotation_filters_cannot_be_watched_and_errors_show(
    page: Page, live_server, desk
):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/search/?q=kursk&tag=claim")
    expect(page.get_by_role("link", name="Watch this search")).to_have_count(0)
    expect(page.locator(".watch-search")).to_contain_text("remove the filters on annotations")
    page.goto(f"{live_server.url}/watchlists/")
    page.get_by_label("Search to watch").fill("-only")
    page.get_by_label("Name").fill("Nothing")
    page.expect_response(400, "/api/watchlists/")
    page.get_by_role("button", name="Create watchlist").click()
    expect(page.locator("#watch-error")).to_contain_text("query: Give at least one word")
    assert not Watchlist.objects.exists()
