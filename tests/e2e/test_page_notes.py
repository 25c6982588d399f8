"""Page notes on a whole article, in the reader's sidebar."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Article, ArticleNote
from annotations.services.notes import article_note_create
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

TEXT = "Kirby said the troops traveled by ship to Vladivostok. Putin said nothing."


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Troops by ship", text=TEXT, text_sha256="n")


def test_add_edit_and_read_the_history_of_a_page_note(live_server, page, story, alice, bob):
    article_note_create(article=story, author=bob, text="Check the **wire** original.")
    article_note_create(article=story, author=bob, text="bob's private note", visibility="private")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    notes = page.locator("#page-notes")
    expect(notes.locator("#page-notes-count")).to_have_text("1")
    expect(notes.locator("li.note strong").nth(1)).to_have_text("wire")
    expect(notes).not_to_contain_text("private note")

    notes.get_by_role("button", name="Add a page note").click()
    page.get_by_label("Note on the whole article").fill(
        "Two sources disagree:\n\n- [NIS](https://www.nis.go.kr/)\n- _Pentagon_"
    )
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator("#page-notes-count")).to_have_text("2")
    mine = ArticleNote.objects.get(author=alice)
    item = notes.locator(f'li[data-note="{mine.pk}"]')
    link = item.get_by_role("link", name="NIS")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(item.locator("em")).to_have_text("Pentagon")

    item.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit the note").fill("Two sources agree.")
    item.get_by_role("button", name="Save note").click()
    item = notes.locator(f'li[data-note="{mine.pk}"]')
    expect(item).to_contain_text("Two sources agree.")
    item.get_by_role("button", name="History").click()
    expect(item.locator(".note-history li")).to_have_count(2)
    expect(item.locator(".note-history")).to_contain_text("v2 · Edited")
    screenshot(page, "page-notes")
    mine.refresh_from_db()
    assert (mine.text, mine.version) == ("Two sources agree.", 2)
    # bob's note has no Edit button for alice.
    bobs = notes.locator("li.note").first
    expect(bobs.get_by_role("button", name="Edit")).to_have_count(0)
