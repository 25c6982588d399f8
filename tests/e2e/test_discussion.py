"""Discussion, history and the trash, in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Article, Notification, Reply
from annotations.services.annotations import annotation_create, annotation_delete, annotation_update
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

TEXT = "Kirby said the troops traveled by ship to Vladivostok. Putin said images reflect something."


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Troops by ship", text=TEXT, text_sha256="d")


def test_reply_with_a_mention_notifies_the_teammate(live_server, page, browser, story, alice, bob):
    annotation = annotation_create(
        article=story, author=alice, start=0, end=5, comment="Who briefed?"
    )
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
    details = page.locator("#details")
    expect(details).to_contain_text("Replies (0)")
    details.get_by_role("button", name="Add a reply").click()
    page.get_by_label("Reply", exact=True).fill("@alice the White House briefing of Nov 1?")
    details.get_by_role("button", name="Send").click()
    expect(details).to_contain_text("Replies (1)")
    reply = Reply.objects.get()
    assert reply.author == bob
    assert Notification.objects.filter(user=alice, kind="mention").count() == 1

    other = browser.new_context()
    try:
        alice_page = other.new_page()
        sign_in(alice_page, live_server, "alice")
        button = alice_page.get_by_role("button", name="Notifications, 1 unread")
        button.click()
        panel = alice_page.locator("#notifications-panel")
        expect(panel).to_contain_text("bob mentioned you")
        expect(panel).to_contain_text("White House briefing")
        expect(alice_page.locator("#notifications-count")).to_have_count(0)
        assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
        # Replying in the thread to bob's reply nests it.
        alice_page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
        thread = alice_page.locator("#details")
        thread.locator(f'li[data-reply="{reply.pk}"]').get_by_role("button", name="Reply").click()
        alice_page.get_by_label("Reply to bob").fill("Yes, the Nov 1 one.")
        thread.get_by_role("button", name="Send").click()
        expect(thread.locator("ul.replies.nested")).to_contain_text("Yes, the Nov 1 one.")
        assert Reply.objects.get(text="Yes, the Nov 1 one.").parent == reply
    finally:
        other.close()


def test_history_shows_the_diff_and_restores_an_earlier_version(
    live_server, page, story, alice, tags_a
):
    annotation = annotation_create(
        article=story,
        author=alice,
        start=0,
        end=5,
        comment="Kirby briefed on Nov 1.",
        tags=[tags_a["source"]],
    )
    annotation_update(
        annotation=annotation, actor=alice, comment="Kirby briefed on Nov 2.", assessment="disputed"
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
    history = page.locator("#details section.history")
    expect(history).to_contain_text("History (2 versions)")
    comment = history.locator('li[data-field="comment"]').first  # the newest version's
    expect(comment.locator("del")).to_have_text("1")
    expect(comment.locator("ins")).to_have_text("2")
    expect(comment).to_contain_text("Kirby briefed on Nov")
    screenshot(page, "history")
    page.once("dialog", lambda dialog: dialog.accept())
    history.get_by_role("button", name="Restore v1").click()
    expect(page.locator("#details section.history")).to_contain_text("History (3 versions)")
    annotation.refresh_from_db()
    assert annotation.comment == "Kirby briefed on Nov 1."
    assert annotation.assessment == "unverified"
    assert annotation.versions.count() == 3
    card = page.locator(f'li.card[data-id="{annotation.pk}"]')
    expect(card).to_contain_text("Kirby briefed on Nov 1.")


def test_submit_for_review_and_withdraw(live_server, page, story, alice):
    annotation = annotation_create(article=story, author=alice, start=0, end=5)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
    page.locator("#details").get_by_role("button", name="Submit for review").click()
    expect(page.locator(f'li.card[data-id="{annotation.pk}"]')).to_contain_text("Submitted")
    annotation.refresh_from_db()
    assert annotation.review_state == "submitted"
    page.locator("#details").get_by_role("button", name="Withdraw to draft").click()
    expect(page.locator("#details").get_by_role("button", name="Submit for review")).to_be_visible()
    annotation.refresh_from_db()
    assert annotation.review_state == "draft"


def test_deleted_annotation_is_restored_from_the_trash(live_server, page, story, alice):
    annotation = annotation_create(article=story, author=alice, start=0, end=5, comment="keep me")
    annotation_delete(annotation=annotation, actor=alice)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/trash/")
    row = page.locator(f'tr[data-id="{annotation.pk}"]')
    expect(row).to_contain_text("keep me")
    row.get_by_role("button", name="Restore").click()
    expect(row).to_contain_text("Restored")
    annotation.refresh_from_db()
    assert annotation.deleted_at is None
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator(f'li.card[data-id="{annotation.pk}"]')).to_contain_text("keep me")


def test_blind_article_reveals_teammates_after_submitting(live_server, page, story, alice, team_a):
    from tests.factories import MembershipFactory, UserFactory

    dana = UserFactory(username="dana")
    MembershipFactory(team=team_a, user=dana)
    Article.objects.filter(pk=story.pk).update(blind=True)
    annotation_create(article=story, author=alice, start=0, end=5, comment="mine")
    theirs = annotation_create(article=story, author=dana, start=56, end=61, comment="theirs")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    expect(page.locator(".badge.blind")).to_be_visible()
    expect(page.locator(f'li.card[data-id="{theirs.pk}"]')).to_have_count(0)
    page.get_by_role("button", name="Submit my work").click()
    expect(page.locator(f'li.card[data-id="{theirs.pk}"]')).to_contain_text("theirs")
    assert Annotation.objects.get(comment="mine").review_state == "submitted"
