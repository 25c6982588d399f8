"""Admiralty grading in Chromium: an analyst grades a source on its entity page (with a reason
and an expiry, kept in its history), and the claim attributed to it shows the combined grade
("B2") on its card in the reader; the card's credibility select regrades the claim."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Entity, SourceGrade
from annotations.services.annotations import annotation_create
from annotations.services.grading import annotation_credibility_set
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

TEXT = (
    "WASHINGTON (Wire) - North Korean troops have moved into the Kursk region, White House "
    "spokesman John Kirby said on Thursday. Kirby said at least 8,000 soldiers were there."
)
QUOTE = "North Korean troops have moved into the Kursk region"


@pytest.fixture
def desk(team_a, alice, tags_a):
    article = make_article(
        team=team_a,
        text=TEXT,
        title="North Korean troops in Kursk",
        outlet_name="Wire One",
        published_at=datetime(2024, 11, 1, tzinfo=UTC),
    )
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    start = TEXT.index(QUOTE)
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=start + len(QUOTE),
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
    )
    claim = annotation_credibility_set(annotation=claim, actor=alice, credibility="2")
    return {"article": article, "kirby": kirby, "claim": claim}


def test_grade_a_source_then_see_b2_on_the_claim_card(page: Page, live_server, desk, alice):
    sign_in(page, live_server, "alice")
    kirby = desk["kirby"]
    page.goto(f"{live_server.url}/entities/{kirby.pk}/")
    section = page.locator("#source-grade")
    expect(section.locator("[data-current-grade]")).to_have_text("Not graded")
    page.get_by_label("Reliability", exact=True).select_option("B")
    page.get_by_label("Why").fill("Official spokesman; consistent with later reporting")
    page.get_by_label("Expires").fill("2099-12-31")
    page.get_by_role("button", name="Save grade").click()
    expect(section.locator("[data-current-grade]")).to_have_text("B")
    row = section.locator(".grade-history tbody tr").first
    expect(row).to_contain_text("B")
    expect(row).to_contain_text("current")
    expect(row).to_contain_text("Official spokesman")
    expect(row).to_contain_text("31 Dec 2099")
    grade = SourceGrade.objects.get(entity=kirby)
    assert (grade.reliability, grade.created_by, grade.expires_at.year) == ("B", alice, 2099)
    # The claim list of the entity page shows the combined grade too.
    expect(page.locator(".claims .badge.admiralty")).to_have_text("B2")
    screenshot(page, "admiralty")

    # The reader: the claim's card shows "B2" at once (the source's grade, the claim's own).
    page.goto(f"{live_server.url}/articles/{desk['article'].pk}/")
    card = page.locator(f"li.card[data-id='{desk['claim'].pk}']")
    expect(card.locator(".badge.admiralty")).to_have_text("B2")
    # Regrade the claim's credibility from its card.
    card.get_by_label("Credibility of this claim").select_option("3")
    expect(card.locator(".badge.admiralty")).to_have_text("B3")
    assert Annotation.objects.get(pk=desk["claim"].pk).credibility == "3"
    screenshot(page, "admiralty-reader")

    # The dashboard counts it: reliability B (row), credibility 3 (column).
    page.goto(f"{live_server.url}/dashboard/")
    row = page.locator("tr[data-grade-row='B']")
    expect(row.locator("td").nth(2)).to_have_text("1")
    expect(row.locator("td").last).to_have_text("1")
    page.locator(".grade-distribution").scroll_into_view_if_needed()
    screenshot(page, "admiralty-dashboard")


def test_a_bad_expiry_is_named_next_to_its_field(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{desk['kirby'].pk}/")
    page.expect_response(400, "/api/source-grades/")
    page.get_by_label("Reliability", exact=True).select_option("C")
    page.get_by_label("Expires").fill("2001-01-01")
    page.get_by_role("button", name="Save grade").click()
    expect(page.locator("#grade-expires-error")).to_contain_text("future")
    assert not SourceGrade.objects.exists()
