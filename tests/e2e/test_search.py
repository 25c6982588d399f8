"""The search page in Chromium: the header box and `/`, results with marked snippets, facets in
the URL, keyboard navigation, suggestions while typing, and a hit that opens the reader at the
passage."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Tag
from annotations.services.annotations import annotation_create
from annotations.services.entities import entity_create
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

KIRBY = (
    "WASHINGTON (Wire) - North Korean troops have moved into the Kursk region, White House "
    "spokesman John Kirby said on Thursday. Kirby said at least 8,000 North Korean troops were "
    "in Kursk.\n\nUkrainian President Volodymyr Zelensky urged allies to act before the troops "
    "reach the front line."
)
SEOUL = (
    "SEOUL (Wire) - South Korea's intelligence service said Kim Jong Un sent troops of an elite "
    "unit, the Storm Corps."
)


@pytest.fixture
def desk(team_a, team_b, alice, carol):
    kirby = make_article(
        team=team_a,
        text=KIRBY,
        title="North Korean troops in Kursk, Washington says",
        outlet_name="Wire One",
        published_at=datetime(2024, 11, 1, tzinfo=UTC),
    )
    seoul = make_article(
        team=team_a,
        text=SEOUL,
        title="Seoul names the unit",
        outlet_name="Seoul Daily",
        published_at=datetime(2024, 10, 18, tzinfo=UTC),
    )
    make_article(team=team_b, text="Desk B's troops brief, Zaporizhzhia.", title="B only")
    entity_create(team=team_a, name="Volodymyr Zelensky", kind="PERSON")
    claim = Tag.objects.get(team=team_a, slug="claim")
    start = KIRBY.index("at least 8,000 North Korean troops")
    annotation = annotation_create(
        article=kirby,
        author=alice,
        start=start,
        end=start + len("at least 8,000 North Korean troops"),
        tags=[claim],
        comment="Troop figure from the Pentagon briefing",
    )
    return {"kirby": kirby, "seoul": seoul, "annotation": annotation}


def test_search_from_the_header_with_facets_and_keyboard(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    page.keyboard.press("/")
    header_box = page.get_by_role("searchbox", name="Search").first
    expect(header_box).to_be_focused()
    header_box.fill("troops")
    header_box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=troops"))
    expect(page.get_by_role("status")).to_contain_text("results for")
    articles = page.locator("#group-article")
    expect(articles).to_contain_text("2")
    expect(page.locator(".hit-article mark").first).to_have_text(re.compile("troops", re.I))
    expect(page.get_by_text("Desk B's troops brief")).to_have_count(0)
    screenshot(page, "search")

    # A facet narrows the results and stays in the URL.
    page.locator(".facet", has_text="Outlet").get_by_role("link", name="Seoul Daily").click()
    page.wait_for_url(re.compile(r"outlet=\d+"))
    expect(page.locator(".hit-article")).to_have_count(1)
    expect(page.locator(".hit-article")).to_contain_text("Seoul names the unit")
    page.reload()
    expect(page.locator(".hit-article")).to_have_count(1)
    page.get_by_role("link", name=re.compile("Remove filter Outlet")).click()
    expect(page.locator(".hit-article")).to_have_count(2)

    # Arrow keys walk the results; Enter opens the reader at the passage, flashed.
    page.locator("main h1").click()
    page.keyboard.press("ArrowDown")
    first = page.locator("[data-hit]").first
    expect(first).to_be_focused()
    href = first.get_attribute("href")
    assert href is not None
    assert re.search(r"#t-\d+-\d+$", href)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/articles/\d+/#t-\d+-\d+$"))
    start, end = map(int, href.rsplit("#t-", 1)[1].split("-"))
    expect(page.locator("[data-reader-text]")).to_have_attribute(
        "data-search-hit", f"{start}-{end}"
    )


def test_fuzzy_names_and_suggestions_while_typing(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/search/?q=Zelenskyy")
    expect(page.get_by_role("status")).to_contain_text("also searched for")
    expect(page.locator(".hit-entity")).to_contain_text("Volodymyr Zelensky")
    expect(page.locator(".hit-article")).to_contain_text("North Korean troops in Kursk")

    box = page.locator("#search-q")
    box.fill("")
    box.press_sequentially("zelen", delay=30)
    option = page.get_by_role("option", name=re.compile("Volodymyr Zelensky"))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/entities/\d+/$"))


def test_a_bad_query_says_why(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/search/?q=-troops")
    expect(page.get_by_role("alert")).to_contain_text("exclusions alone find nothing")
    page.goto(f"{live_server.url}/search/?q=troops&tag=nope")
    expect(page.get_by_role("alert")).to_contain_text("Unknown tag: nope")
