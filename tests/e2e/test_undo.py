"""Undo and volume control for model suggestions: undo after reject (button and `u`) and after
delete, the rejected filter, bulk decisions with a confirmed count, the model's reason on each
suggestion, and a claim with its source suggested together as one card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Article
from annotations.services.analysis import nlp_user
from annotations.services.annotations import annotation_create
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

TEXT = (
    "Kirby said the troops moved by ship. Officials said the convoy left at dawn. "
    "Seoul said satellite images confirm it. Moscow said nothing of the sort happened."
)


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Suggested", text=TEXT, text_sha256="u")


def suggest(story, quote, source=None, rule="verb-object: said", confidence=0.8):
    start = TEXT.index(quote)
    return Annotation.objects.create(
        team=story.team,
        article=story,
        start=start,
        end=start + len(quote),
        exact=quote,
        author=nlp_user(),
        origin="model",
        suggestion_state="pending",
        attributed_to=source,
        suggestion_rule=rule,
        suggestion_confidence=confidence,
    )


def _open(page: Page, live_server, story) -> None:
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator("html[data-ready=true]")).to_have_count(1)


def _state(annotation) -> str:
    return Annotation.objects.get(pk=annotation.pk).suggestion_state


def test_undo_after_reject_with_the_button(live_server, page, story, alice):
    claim = suggest(story, "the troops moved by ship")
    _open(page, live_server, story)
    card = page.locator(f'li.card[data-id="{claim.pk}"]')
    card.get_by_role("button", name="Reject").click()
    expect(card).to_have_count(0)
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Suggestion rejected")
    assert _state(claim) == "rejected"
    screenshot(page, "undo-toast")
    toast.get_by_role("button", name="Undo").click()
    expect(card).to_contain_text("Suggested by the model")
    expect(toast).to_contain_text("pending again")
    assert _state(claim) == "pending"


def test_undo_after_reject_with_u(live_server, page, story, alice):
    claim = suggest(story, "the troops moved by ship")
    _open(page, live_server, story)
    page.keyboard.press("s")  # the next suggestion
    expect(page.locator(f'li.card.active[data-id="{claim.pk}"]')).to_have_count(1)
    page.keyboard.press("n")
    expect(page.locator(f'li.card[data-id="{claim.pk}"]')).to_have_count(0)
    assert _state(claim) == "rejected"
    page.keyboard.press("u")
    expect(page.locator(f'li.card[data-id="{claim.pk}"]')).to_contain_text("Suggested by")
    assert _state(claim) == "pending"
    page.keyboard.press("u")
    expect(page.locator("#toast")).to_contain_text("Nothing to undo")


def test_undo_after_delete(live_server, page, story, alice):
    mine = annotation_create(article=story, author=alice, start=0, end=5, comment="keep me")
    _open(page, live_server, story)
    card = page.locator(f'li.card[data-id="{mine.pk}"]')
    card.get_by_role("button", name="Delete").click()
    expect(card).to_have_count(0)
    assert Annotation.objects.filter(pk=mine.pk, deleted_at__isnull=False).exists()
    page.locator("#toast").get_by_role("button", name="Undo").click()
    expect(card).to_contain_text("keep me")
    assert Annotation.objects.filter(pk=mine.pk, deleted_at__isnull=True).exists()


def test_rejected_filter_shows_rejections_and_reverses_one(live_server, page, story, alice):
    claim = suggest(story, "the convoy left at dawn")
    Annotation.objects.filter(pk=claim.pk).update(suggestion_state="rejected")
    _open(page, live_server, story)
    card = page.locator(f'li.card[data-id="{claim.pk}"]')
    expect(card).to_have_count(0)
    page.get_by_label("Rejected suggestions").check()
    expect(card).to_contain_text("Rejected suggestion")
    card.locator("blockquote").click()  # its panel opens without a 404 for the rejected one
    expect(page.locator("#details")).to_contain_text("Replies (0)")
    screenshot(page, "rejected-filter")
    card.get_by_role("button", name="Restore suggestion").click()
    expect(card).to_contain_text("Suggested by the model")
    assert _state(claim) == "pending"


def test_bulk_reject_confirms_the_count_of_the_shown_suggestions(live_server, page, story, alice):
    claims = [
        suggest(story, quote)
        for quote in ("the troops moved by ship", "the convoy left at dawn", "nothing of the sort")
    ]
    mine = annotation_create(article=story, author=alice, start=0, end=5)
    _open(page, live_server, story)
    bar = page.locator("#bulk")
    expect(bar).to_contain_text("3 suggestions shown")
    messages: list[str] = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    with page.expect_request("**/decide-suggestions/") as request:
        bar.get_by_role("button", name="Reject all shown").click()
    assert request.value.method == "POST"
    expect(page.locator("#toast")).to_contain_text("3 suggestions rejected")
    assert "3 suggestions" in messages[0]
    expect(page.locator("li.card.suggestion")).to_have_count(0)
    expect(bar).to_be_hidden()
    assert {_state(c) for c in claims} == {"rejected"}
    assert Annotation.objects.get(pk=mine.pk).suggestion_state == ""


def test_bulk_declined_changes_nothing(live_server, page, story, alice):
    claim = suggest(story, "the troops moved by ship")
    _open(page, live_server, story)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#bulk").get_by_role("button", name="Accept all shown").click()
    expect(page.locator("#toast")).to_contain_text("Nothing accepted")
    assert _state(claim) == "pending"


def test_a_claim_and_its_source_suggested_together_are_one_card(live_server, page, story, alice):
    source = suggest(story, "Kirby", rule="source of verb-object: said", confidence=0.75)
    claim = suggest(story, "the troops moved by ship", source=source, confidence=0.75)
    _open(page, live_server, story)
    expect(page.locator("li.card")).to_have_count(1)
    card = page.locator(f'li.card[data-id="{claim.pk}"]')
    expect(card).to_contain_text("Source, suggested with it: “Kirby”")
    expect(card).to_contain_text("verb-object: said")
    expect(card).to_contain_text("75 % confidence")
    card.get_by_role("button", name="Accept").click()
    expect(page.locator("li.card")).to_have_count(2)  # both are now ordinary annotations
    assert (_state(claim), _state(source)) == ("accepted", "accepted")
