"""History that a person reads, and the warning before an approved annotation is edited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Article
from annotations.services.annotations import (
    annotation_create,
    annotation_submit,
    annotation_update,
    review_create,
)
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

TEXT = (
    "Kirby said the troops traveled by ship to Vladivostok. "
    "A NIS briefing on 18 October gave the same route."
)


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Troops by ship", text=TEXT, text_sha256="h")


def test_history_shows_readable_runs_and_what_a_person_cares_about(
    live_server, page, story, alice, tags_a
):
    source = annotation_create(
        article=story, author=alice, start=55, end=103, tags=[tags_a["source"]]
    )
    claim = annotation_create(
        article=story,
        author=alice,
        start=0,
        end=54,
        comment="Check against the 18 Oct. briefing.",
        tags=[tags_a["claim"]],
    )
    annotation_update(
        annotation=claim, actor=alice, comment="Check of NIS briefing.", attributed_to=source
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{claim.pk}")
    history = page.locator("#details section.history")
    expect(history).to_contain_text("History (2 versions)")
    comment = history.locator('li[data-field="comment"]').first
    expect(comment.locator("del")).to_have_text("against the 18 Oct.")
    expect(comment.locator("ins")).to_have_text("of NIS")
    expect(comment).to_contain_text("Comment: Check against the 18 Oct.of NIS briefing.")
    source_change = history.locator('li[data-field="attributed_to"]')
    expect(source_change.locator("ins")).to_have_text(f"“{source.exact}”")
    expect(history).to_contain_text("v2 · Edited")
    expect(history).to_contain_text("v1 · Created")
    expect(history).to_contain_text("Tags: Claim")
    for noise in ("Start:", "End:", "In trash", "annotation ", "Anchoring"):
        expect(history).not_to_contain_text(noise)
    # The deletion and the insertion stand apart on screen.
    gap = page.evaluate(
        """() => {
          const li = document.querySelector('#details li[data-field="comment"]');
          return li.querySelector('ins').getBoundingClientRect().left
               - li.querySelector('del').getBoundingClientRect().right;
        }"""
    )
    assert gap > 2
    history.scroll_into_view_if_needed()
    screenshot(page, "history-runs")

    page.locator(f'li.card[data-id="{source.pk}"] blockquote').click()
    expect(page.locator("#details section.history")).to_contain_text("History (1 version)")


def test_editing_an_approved_annotation_warns_and_sends_it_back(
    live_server, page, story, alice, bob, tags_a
):
    claim = annotation_create(article=story, author=alice, start=0, end=54, comment="Route.")
    annotation_submit(annotation=claim, actor=alice)
    review_create(annotation=claim, reviewer=bob, verdict="approve")
    draft = annotation_create(article=story, author=alice, start=55, end=103)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    # A draft's form says nothing of review.
    page.locator(f'li.card[data-id="{draft.pk}"]').get_by_role("button", name="Edit").click()
    expect(page.locator("#popover form")).to_be_visible()
    expect(page.locator("#ann-approved-warning")).to_have_count(0)
    page.keyboard.press("Escape")
    card = page.locator(f'li.card[data-id="{claim.pk}"]')
    expect(card).to_contain_text("Approved")
    card.get_by_role("button", name="Edit").click()
    warning = page.locator("#ann-approved-warning")
    expect(warning).to_have_text(
        "This annotation is approved. Saving a change sends it back to review."
    )
    page.locator("#ann-comment").fill("Route by ship, per Kirby.")
    page.get_by_role("button", name="Save changes").click()
    expect(card).to_contain_text("Submitted")
    claim.refresh_from_db()
    assert claim.review_state == Annotation.ReviewState.SUBMITTED
    assert claim.comment == "Route by ship, per Kirby."
