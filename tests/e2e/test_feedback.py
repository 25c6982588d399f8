"""Every action says what it did, on screen (a toast, plus the live region), and no view is
left stale: submit, `y` on a non-suggestion, "Pick in text", "Restore vN", a deleted source."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Article
from annotations.services.annotations import annotation_create, annotation_update
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_reader import select_text

pytestmark = pytest.mark.e2e

TEXT = (
    "White House spokesman John Kirby said the North Korean troops traveled by ship.\n"
    "South Korea's intelligence service said it used facial recognition to identify officers."
)


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Feedback", text=TEXT, text_sha256="f")


def _open(page: Page, live_server, story, annotation=None) -> None:
    sign_in(page, live_server, "alice")
    anchor = f"#a-{annotation.pk}" if annotation else ""
    page.goto(f"{live_server.url}/articles/{story.pk}/{anchor}")
    expect(page.locator("html[data-ready=true]")).to_have_count(1)


def test_submit_shows_a_toast_and_updates_the_open_panel(live_server, page, story, alice):
    draft = annotation_create(article=story, author=alice, start=0, end=10, comment="draft")
    _open(page, live_server, story, draft)
    details = page.locator("#details")
    expect(details).to_contain_text("Draft")
    page.get_by_role("button", name="Submit my work").click()
    toast = page.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("1 annotation submitted for review.")
    expect(page.locator("#live")).to_contain_text("1 annotation submitted for review.")
    expect(details.locator("strong").first).to_have_text("Submitted")
    expect(page.locator(f'li.card[data-id="{draft.pk}"]')).to_contain_text("Submitted")
    screenshot(page, "toast-submit")


def test_y_on_an_annotation_that_is_not_a_suggestion_says_why(live_server, page, story, alice):
    mine = annotation_create(article=story, author=alice, start=0, end=10)
    _open(page, live_server, story)
    page.keyboard.press("j")
    expect(page.locator(f'li.card.active[data-id="{mine.pk}"]')).to_have_count(1)
    page.keyboard.press("y")
    expect(page.locator("#toast")).to_contain_text("not a model suggestion")


def test_pick_in_text_shows_its_mode_and_escape_leaves_it(live_server, page, story, alice):
    source = annotation_create(article=story, author=alice, start=0, end=10)
    _open(page, live_server, story)
    select_text(page, "the North Korean troops traveled by ship")
    page.get_by_role("button", name="Annotate").click()
    form = page.get_by_role("dialog")
    form.get_by_role("button", name="Pick in text").click()
    banner = page.locator("#mode-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Esc leaves")
    screenshot(page, "pick-mode")
    page.keyboard.press("Escape")
    expect(banner).to_be_hidden()
    expect(form).to_be_visible()  # Esc left the mode, not the form
    expect(page.locator("#toast")).to_contain_text("Source picking cancelled")
    # Picking again, then a click on the source's highlight sets it and ends the mode.
    form.get_by_role("button", name="Pick in text").click()
    expect(banner).to_be_visible()
    box = page.evaluate(
        f"(() => {{ const r = window.newsnotes.annotations.get({source.pk})._range"
        ".getBoundingClientRect(); return {x: r.left + 5, y: r.top + r.height / 2}; })()"
    )
    page.mouse.click(box["x"], box["y"])
    expect(banner).to_be_hidden()
    expect(form.get_by_label("Source (the highlight this claim rests on)")).to_have_value(
        str(source.pk)
    )


def test_restore_version_refreshes_the_preview_card(live_server, page, story, alice):
    annotation = annotation_create(article=story, author=alice, start=0, end=10, comment="first")
    annotation_update(annotation=annotation, actor=alice, comment="second thoughts")
    _open(page, live_server, story)
    page.keyboard.press("j")  # opens the card and the panel
    card = page.locator("#hover-card")
    expect(card).to_contain_text("second thoughts")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#details").get_by_role("button", name="Restore v1").click()
    expect(page.locator("#toast")).to_contain_text("Version 1 restored")
    expect(card).to_contain_text("first")
    expect(card).not_to_contain_text("second thoughts")
    assert Annotation.objects.get(pk=annotation.pk).comment == "first"


def test_a_claim_whose_source_was_deleted_says_so(live_server, page, story, alice):
    source = annotation_create(article=story, author=alice, start=0, end=10)
    claim = annotation_create(article=story, author=alice, start=40, end=60, attributed_to=source)
    _open(page, live_server, story)
    claim_card = page.locator(f'li.card[data-id="{claim.pk}"]')
    expect(claim_card).to_contain_text("Source: “White Hous")
    page.locator(f'li.card[data-id="{source.pk}"]').get_by_role("button", name="Delete").click()
    expect(page.locator(f'li.card[data-id="{source.pk}"]')).to_have_count(0)
    expect(claim_card).to_contain_text("Source: deleted (in the trash)")
    expect(page.locator("#toast")).to_contain_text("Annotation deleted")
    # Live updates of this tab's own delete fetch nothing (no 404 in the console).
    page.wait_for_timeout(1500)
