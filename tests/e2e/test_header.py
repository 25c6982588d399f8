"""The site header in Chromium: one row at 1280 px (and 1024 px) even with long names, tidy at
800 px; the Corpus and account menus open and close with the keyboard and the mouse; every link
in them navigates and marks its page; `/` still focuses the search box."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Membership
from tests.e2e.conftest import header_link, screenshot, sign_in
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_USER = "alexandra.konstantinopoulou-verylongname"
LONG_TEAM = "Eastern Europe, Caucasus and Central Asia desk"

# Every visible child of the header: its box, and the header's own.
BOXES = """() => {
    const header = document.querySelector("header.topbar");
    const boxes = [...header.children]
        .filter((el) => el.getClientRects().length && getComputedStyle(el).position !== "absolute")
        .map((el) => { const r = el.getBoundingClientRect();
                       return {name: el.className || el.tagName, top: r.top, bottom: r.bottom,
                               left: r.left, right: r.right}; });
    const r = header.getBoundingClientRect();
    return {boxes, header: {top: r.top, bottom: r.bottom,
                            width: document.documentElement.clientWidth,
                            scroll: header.scrollWidth, client: header.clientWidth}};
}"""


@pytest.fixture
def crowded(team_a, alice):
    """A user with a long name in two teams, one with a long name: the widest header."""
    user = UserFactory(username=LONG_USER)
    MembershipFactory(team=team_a, user=user, role=Membership.Role.OWNER)
    MembershipFactory(team=TeamFactory(name=LONG_TEAM), user=user, role=Membership.Role.REVIEWER)
    return user


def header_rows(page: Page) -> tuple[list[dict], dict]:
    measured = page.evaluate(BOXES)
    return measured["boxes"], measured["header"]


def assert_one_row(page: Page) -> None:
    boxes, header = header_rows(page)
    names = " ".join(b["name"] for b in boxes)
    for part in ("brand", "main-nav", "site-search", "team-switch", "notifications", "account-nav"):
        assert part in names, f"{part} missing from the header: {names}"
    # One row: every item overlaps the middle line of the first one, and none is cut off.
    middle = (boxes[0]["top"] + boxes[0]["bottom"]) / 2
    for box in boxes:
        assert box["top"] < middle < box["bottom"], f"{box['name']} is on another row: {boxes}"
        assert box["right"] <= header["width"] + 0.5, f"{box['name']} overflows: {box}"
    assert header["bottom"] - header["top"] < 70
    assert header["scroll"] <= header["client"]


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_header_fits_on_one_row(page: Page, live_server, crowded, article, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, LONG_USER)
    for path in ("/", f"/articles/{article.pk}/", "/accounts/tokens/", "/watchlists/"):
        page.goto(live_server.url + path)
        assert_one_row(page)
    # The long name is cut, not wrapped, and still readable in full by assistive technology.
    expect(page.get_by_role("button", name=f"Account: {LONG_USER}")).to_be_visible()


def test_at_800_px_the_links_take_a_second_row_and_nothing_overflows(
    page: Page, live_server, crowded
):
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, live_server, LONG_USER)
    boxes, header = header_rows(page)
    assert header["scroll"] <= header["client"]
    for box in boxes:
        assert box["right"] <= header["width"] + 0.5, f"{box['name']} overflows: {box}"
    nav = next(b for b in boxes if "main-nav" in b["name"])
    search = next(b for b in boxes if "site-search" in b["name"])
    assert nav["top"] >= search["bottom"]  # the links wrap below, as one row of their own
    for name in ("Articles", "Review", "Dashboard"):
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
        ).to_be_visible()
    header_link(page, "Feeds").click()
    page.wait_for_url(re.compile(r"/feeds/$"))


def test_the_corpus_menu_works_with_the_keyboard(page: Page, live_server, alice):
    sign_in(page, live_server, "alice")
    button = page.get_by_role("button", name="Corpus")
    menu = page.locator("#corpus-menu")
    links = menu.get_by_role("link")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    screenshot(page, "header")
    page.keyboard.press("ArrowDown")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowUp")  # wraps around
    expect(links.last).to_be_focused()
    page.keyboard.press("Home")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    # Space opens it too, and Tab walks through the links and out, which closes it.
    page.keyboard.press(" ")
    expect(menu).to_be_visible()
    count = links.count()
    assert count >= 7
    for index in range(count):
        page.keyboard.press("Tab")
        expect(links.nth(index)).to_be_focused()
    page.keyboard.press("Tab")
    expect(menu).to_be_hidden()

    # ArrowDown on the closed button opens it at the first link; Enter follows the link.
    button.focus()
    page.keyboard.press("ArrowDown")
    expect(links.nth(0)).to_be_focused()
    href = links.nth(0).get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{href}")


def test_menus_close_on_an_outside_click_and_one_at_a_time(page: Page, live_server, alice):
    sign_in(page, live_server, "alice")
    corpus = page.locator("#corpus-menu")
    account = page.locator("#account-menu")
    page.get_by_role("button", name="Corpus").click()
    expect(corpus).to_be_visible()
    page.get_by_role("button", name="Corpus").click()
    expect(corpus).to_be_hidden()
    page.get_by_role("button", name="Corpus").click()
    page.get_by_role("button", name="Account: alice").click()  # opening one closes the other
    expect(account).to_be_visible()
    expect(corpus).to_be_hidden()
    page.locator("main h1").click()
    expect(account).to_be_hidden()
    expect(page.get_by_role("button", name="Account: alice")).to_have_attribute(
        "aria-expanded", "false"
    )

    # The header's other controls still work: `/` focuses the search box, the inbox opens.
    page.keyboard.press("/")
    expect(page.locator("#site-search")).to_be_focused()
    page.get_by_role("button", name="Notifications").click()
    expect(page.get_by_role("region", name="Notifications")).to_contain_text("Nothing yet")


def test_every_menu_link_navigates_and_marks_its_page(page: Page, live_server, alice):
    sign_in(page, live_server, "alice")
    found = page.evaluate(
        """() => [...document.querySelectorAll("header.topbar [data-menu] .menu-panel a")]
                   .map((a) => [a.textContent.trim(), a.getAttribute("href")])"""
    )
    names = [name for name, _ in found]
    # The known ones at least; a link added later is one more <li>, and this loop covers it.
    for expected in (
        "Import",
        "Feeds",
        "Entities",
        "Figures",
        "Screening",
        "Watchlists",
        "Agreement",
        "Team",
        "API tokens",
        "Trash",
    ):
        assert expected in names
    for name, href in found:
        page.goto(f"{live_server.url}/")
        header_link(page, name).click()
        page.wait_for_url(f"{live_server.url}{href}")
        expect(page.locator("main h1")).to_be_visible()
        current = page.locator("header.topbar").get_by_role(
            "link", name=name, exact=True, include_hidden=True
        )
        expect(current).to_have_attribute("aria-current", "page")
        # The closed menu's button shows that the current page is in it.
        owner = page.locator(
            "header.topbar [data-menu]",
            has=page.get_by_role("link", name=name, exact=True, include_hidden=True),
        ).locator(".menu-button")
        assert owner.evaluate("b => getComputedStyle(b).textDecorationLine") == "underline"

    # Sign out sits in the account menu.
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Account: alice").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login/"))
    expect(page.get_by_label("Username")).to_be_visible()
