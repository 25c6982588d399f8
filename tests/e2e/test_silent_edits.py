"""Silent edits in the browser: the "edited after import" badge, the quote-changed card and
the word diff between revisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations.models import ArticleRefetch
from annotations.services.annotations import annotation_create
from annotations.services.refetches import article_apply_source_edit
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

pytestmark = pytest.mark.e2e

OLD = "\n".join(
    [
        "Seoul said on Tuesday that the deployment of North Korean troops to Kursk had begun.",
        "The defence minister called it a next step in the alliance between Moscow and "
        "Pyongyang, officials said.",
        "Satellite images seen by the agency showed transport ships leaving Chongjin.",
        "China, North Korea's main trading partner, has called for restraint on all sides.",
    ]
)
NEW = (
    OLD.replace("a next step", "the next step")
    .replace("Satellite images seen by the agency showed transport ships leaving Chongjin.\n", "")
    .replace("on Tuesday", "on Tuesday evening")
)


def test_edited_article_badge_card_and_diff(live_server, page, team_a, alice):
    article = make_article(
        team=team_a,
        text=OLD,
        title="Troops reach Kursk",
        url="https://news.example/kursk",
        authors=["Min-ji Kim"],
    )
    start = OLD.index("called it a next step")
    annotation_create(
        article=article, author=alice, start=start, end=start + 21, exact="called it a next step"
    )
    gone = OLD.index("transport ships")
    annotation_create(article=article, author=alice, start=gone, end=gone + 15)
    ArticleRefetch.objects.create(
        article=article,
        imported_at=article.created_at,
        step=1,
        checks=1,
        edits=1,
        last_result=ArticleRefetch.Result.EDITED,
        last_checked_at=timezone.now(),
        next_at=timezone.now() + timedelta(hours=5),
    )
    article_apply_source_edit(
        article=article, text=NEW, title="Troops reach Kursk, Seoul says", authors=["Min-ji Kim"]
    )

    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "alice")
    expect(page.locator("table.articles .edited-badge")).to_have_text("Edited after import")
    page.locator("#notifications-button").click()
    told = page.locator("#notifications-panel a", has_text="edited after import")
    expect(told).to_have_attribute("href", f"/articles/{article.pk}/diff/")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    badge = page.locator(".reader-head .edited-badge")
    expect(badge).to_have_text("Edited after import")
    card = page.get_by_role("listitem", name="Annotation: called it the next step")
    expect(card.locator(".badge.anchor-quote_changed")).to_have_text("Re-anchored, quote changed")
    expect(page.locator("li.card.orphaned")).to_contain_text("transport ships")
    card.scroll_into_view_if_needed()
    screenshot(page, "article-edited-reader")
    card.get_by_role("button", name="Quote checked").click()
    expect(card.locator(".badge.anchor-reanchored")).to_have_text("Re-anchored")
    expect(card.get_by_role("button", name="Quote checked")).to_have_count(0)

    badge.click()
    page.wait_for_url(f"{live_server.url}/articles/{article.pk}/diff/")
    text = page.locator("#diff-text")
    expect(text.locator("del").first).to_have_text("a")
    expect(text.locator("ins").first).to_have_text(" evening")
    expect(text).to_contain_text("called it")
    expect(page.locator("#diff-title-text ins")).to_have_text(", Seoul says")
    screenshot(page, "article-diff")


def test_owner_sets_the_refetch_schedule_on_the_team_page(live_server, page, team_a, olga):
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server.url}/team/")
    hours = page.get_by_label("Hours after import")
    expect(hours).to_have_value("1, 6, 24, 72")
    hours.fill("6, 2")
    page.expect_response(400, f"/api/teams/{team_a.pk}/")
    page.locator("#refetch-form").get_by_role("button", name="Save").click()
    expect(page.locator("#refetch-error")).to_contain_text("increase")
    hours.fill("2, 12")
    page.locator("#refetch-form").get_by_role("button", name="Save").click()
    expect(page.locator("#team-status")).to_contain_text("2, 12 hours after import")
    team_a.refresh_from_db()
    assert team_a.refetch_hours == [2, 12]
