"""The README's screenshots, taken from the demo data as an analyst sees it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from annotations.models import Annotation, Article, Mention
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_demo_reader_popover_and_sidebar(live_server, page):
    call_command("demo", stdout=StringIO())
    article = Article.objects.get(url__endswith="north-korean-troops-kursk")
    claim = Annotation.objects.get(
        article=article, exact__startswith="at least 8,000", author__username="analyst"
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("newsnotes-analyst")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_function("document.documentElement.dataset.ready === 'true'")
    drawn = page.evaluate("[...CSS.highlights.values()].reduce((n, h) => n + h.size, 0)")
    assert drawn >= Annotation.objects.filter(article=article).count()
    page.mouse.move(5, 5)
    screenshot(page, "reader")

    # The sidebar with the claim's discussion, history and attribution.
    page.locator(f'li.card[data-id="{claim.pk}"]').click()
    expect(page.locator("#details")).to_contain_text("History")
    page.locator("#details").evaluate("el => el.scrollIntoView({block: 'center'})")
    page.mouse.move(5, 5)
    screenshot(page, "sidebar")

    # The popover on a fresh selection.
    page.evaluate(
        """() => {
            const text = document.getElementById("article-text").textContent;
            const quote = "Ukrainian President Volodymyr Zelensky urged allies";
            const start = window.newsnotes.index.paras.find((p) => p.text.includes(quote));
            const at = start.start + start.text.indexOf(quote);
            const range = window.newsnotes.index.range(at, at + quote.length);
            const selection = document.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            range.startContainer.parentElement.scrollIntoView({block: "center"});
            return text.length;
        }"""
    )
    page.get_by_role("button", name="Annotate").click()
    form = page.get_by_role("dialog")
    form.get_by_label("Claim", exact=True).check()
    form.get_by_label("Comment").fill("Appeal, not a factual claim: tag as opinion?")
    form.get_by_label("Claimed by / on whose authority (entity)").fill("Volodymyr Zelensky")
    screenshot(page, "popover")


def test_demo_entity_card(live_server, page):
    call_command("demo", stdout=StringIO())
    article = Article.objects.get(url__endswith="north-korean-troops-kursk")
    kirby = (
        Mention.objects.filter(article=article, entity__name="John Kirby", rejected=False)
        .order_by("start")
        .first()
    )
    assert kirby is not None
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("newsnotes-analyst")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("html[data-ready=true]")).to_be_attached()
    box = page.evaluate(
        """([start, end]) => {
            const range = window.newsnotes.index.range(start, end);
            range.startContainer.parentElement.scrollIntoView({block: "start"});
            window.scrollBy({top: -80, behavior: "instant"});
            const r = range.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
        }""",
        [kirby.start, kirby.end],
    )
    page.mouse.click(box["x"], box["y"])
    card = page.get_by_role("dialog", name="John Kirby")
    expect(card.locator(".ec-claims li").first).to_be_visible()
    card.get_by_label("Link the mention to, or merge with, another entity").fill("White")
    expect(card.get_by_role("button", name="Link the mention to White House")).to_be_visible()
    page.mouse.move(5, 5)
    screenshot(page, "entity-card")


def test_demo_team_page(live_server, page):
    """The team page as its owner sees it (the demo team has no owner: the reviewer becomes
    one here)."""
    from django.contrib.auth import get_user_model

    from annotations.models import Team
    from annotations.services.teams import membership_set

    call_command("demo", stdout=StringIO())
    team = Team.objects.get(slug="demo")
    membership_set(team=team, user=get_user_model().objects.get(username="reviewer"), role="owner")
    page.set_viewport_size({"width": 1280, "height": 1640})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill("newsnotes-reviewer")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/team/")
    expect(page.locator("html")).to_have_attribute("data-team-ready", "true")
    expect(page.locator("#tag-list li")).to_have_count(7)
    page.mouse.move(5, 5)
    screenshot(page, "team")
