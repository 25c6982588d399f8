"""The smaller things of issue 14, in Chromium: pasted titles, plurals, the inbox, the trash,
the entity page's empty state, the favicon, Markdown comments, the next-to-annotate queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Article, Entity
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_submit,
    reply_create,
    review_create,
)
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

pytestmark = pytest.mark.e2e

SLOW = 30_000  # the first import loads the NER model in the server thread
TEXT = "Kirby said the troops traveled by ship to Vladivostok. Putin said nothing."


@pytest.fixture
def story(team_a):
    return Article.objects.create(team=team_a, title="Troops by ship", text=TEXT, text_sha256="s")


def test_pasted_text_without_a_title_takes_its_headline_once(page, live_server, alice, team_a):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/")
    page.get_by_label("Article text").fill(
        "Kirby: North Korean troops in Kursk\n"
        "White House spokesman John Kirby said North Korean troops reached Kursk."
    )
    page.get_by_role("button", name="Import text").click()
    card = page.locator("#panel-text .result").first
    expect(card.get_by_role("link", name="Kirby: North Korean troops in Kursk")).to_be_visible(
        timeout=SLOW
    )
    expect(card.locator(".job-status")).to_have_text("Succeeded", timeout=SLOW)
    expect(card).to_contain_text("1 article analysed")
    expect(card).not_to_contain_text("(s)")
    article = Article.objects.get(team=team_a)
    assert article.title == "Kirby: North Korean troops in Kursk"
    assert article.text.startswith("White House spokesman")


def test_plurals_read_as_english(page, live_server, story, alice):
    annotation = annotation_create(article=story, author=alice, start=0, end=5)
    reply_create(annotation=annotation, author=alice, text="One reply.")
    sign_in(page, live_server, "alice")
    expect(page.locator(".page-head .count")).to_have_text("Desk A · 1 article")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
    expect(page.locator("#details section.history h3")).to_have_text("History (1 version)")
    card = page.locator(f'li.card[data-id="{annotation.pk}"]')
    expect(card).to_contain_text("1 reply")
    expect(page.locator("body")).not_to_contain_text("(s)")


def test_the_inbox_says_what_a_verdict_was_about(page, live_server, story, alice, bob):
    annotation = annotation_create(article=story, author=alice, start=0, end=54)
    annotation_submit(annotation=annotation, actor=alice)
    review_create(annotation=annotation, reviewer=bob, verdict="approve")
    sign_in(page, live_server, "alice")
    page.get_by_role("button", name="Notifications, 1 unread").click()
    panel = page.locator("#notifications-panel")
    expect(panel).to_contain_text(
        "Approved “Kirby said the troops traveled by ship to Vladivostok.”"
    )
    expect(panel).not_to_contain_text("Approve:")


def test_trash_shows_display_names(page, live_server, story, alice):
    alice.first_name, alice.last_name = "Alice", "Moreau"
    alice.save()
    annotation = annotation_create(article=story, author=alice, start=0, end=5)
    annotation_delete(annotation=annotation, actor=alice)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/trash/")
    row = page.locator(f'tr[data-id="{annotation.pk}"]')
    expect(row).to_contain_text("Alice Moreau")
    expect(row).to_contain_text("by Alice Moreau")


def test_entity_empty_state_names_the_form_field_that_exists(page, live_server, story, alice):
    entity = Entity.objects.create(team=story.team, name="John Kirby", kind="PERSON")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{entity.pk}/")
    empty = page.locator(".empty", has_text="attributes a claim")
    expect(empty).to_contain_text("under “Claimed by”")
    expect(page.locator("body")).not_to_contain_text("attributed to”")
    # The field it names is the form's.
    page.goto(f"{live_server.url}/articles/{story.pk}/")
    page.locator("#article-text").focus()
    page.evaluate(
        """() => {
          const p = document.querySelector('#article-text p');
          const range = document.createRange();
          range.setStart(p.firstChild, 0); range.setEnd(p.firstChild, 5);
          const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
        }"""
    )
    page.keyboard.press("a")
    expect(page.get_by_label("Claimed by", exact=False)).to_be_visible()


def test_favicon_is_linked_and_favicon_ico_redirects_to_it(page, live_server, alice):
    sign_in(page, live_server, "alice")
    icon = page.locator('link[rel="icon"]')
    href = icon.get_attribute("href")
    assert href
    assert href.endswith(".svg")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert "image/svg+xml" in response.headers["content-type"]
    ico = page.request.get(f"{live_server.url}/favicon.ico", max_redirects=0)
    assert ico.status == 301
    assert ico.headers["location"] == href
    followed = page.request.get(f"{live_server.url}/favicon.ico")
    assert followed.status == 200
    page.goto(f"{live_server.url}{href}")
    screenshot(page, "favicon")


XSS = (
    "**Bold** and [a link](https://example.org/x).\n\n"
    "- one\n- two\n\n"
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">\n\n'
    "[click](javascript:window.__pwned=3) "
    '<a href="javascript:window.__pwned=4">raw</a>'
)


def test_markdown_comments_render_and_attacks_stay_inert(page, live_server, story, alice, bob):
    annotation = annotation_create(article=story, author=alice, start=0, end=54, comment=XSS)
    reply_create(annotation=annotation, author=bob, text="See _this_: <b onmouseover=x>b</b>")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{story.pk}/#a-{annotation.pk}")
    card = page.locator(f'li.card[data-id="{annotation.pk}"]')
    comment = card.locator(".comment")
    expect(comment.locator("strong")).to_have_text("Bold")
    expect(comment.locator("li")).to_have_count(2)
    link = comment.get_by_role("link", name="a link")
    expect(link).to_have_attribute("href", "https://example.org/x")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    # The attacks show as text; nothing ran, no element carries a handler or a script URL.
    expect(comment).to_contain_text("<script>window.__pwned = 1</script>")
    assert comment.locator("script, img, [onerror], [onmouseover]").count() == 0
    scripted = page.locator('#details a[href^="javascript"], li.card a[href^="javascript"]')
    assert scripted.count() == 0
    reply = page.locator("#details .reply-text")
    expect(reply.locator("em")).to_have_text("this")
    expect(reply).to_contain_text("<b onmouseover=x>b</b>")
    comment.hover()
    card.locator(".comment a").first.hover()
    assert page.evaluate("() => window.__pwned") is None
    screenshot(page, "markdown-comment")


def test_next_to_annotate_lists_unread_and_unannotated_newest_first(
    page, live_server, team_a, alice
):
    from datetime import UTC, datetime

    def dated(title, day):
        return make_article(
            team=team_a,
            title=title,
            text=f"{title}. Kirby said so.",
            published_at=datetime(2024, 11, day, tzinfo=UTC),
        )

    dated("Older story", 1)
    read_only, annotated, submitted = (
        dated("Read story", 2),
        dated("Annotated story", 3),
        dated("Submitted story", 4),
    )
    dated("Newest story", 5)
    annotation_create(article=annotated, author=alice, start=0, end=5)
    mine = annotation_create(article=submitted, author=alice, start=0, end=5)
    from annotations.services.annotations import article_submit

    article_submit(article=submitted, actor=alice)
    assert mine.pk
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{read_only.pk}/")
    page.goto(f"{live_server.url}/articles/{annotated.pk}/")
    page.goto(f"{live_server.url}/")
    queue = page.locator(".next-queue")
    expect(queue.get_by_role("heading")).to_contain_text("Next to annotate")
    titles = queue.locator("li a")
    # Annotated-but-unread stays (unread); read-and-annotated and submitted leave.
    expect(titles).to_have_text(["Newest story", "Read story", "Older story"])
    expect(queue.locator("li").nth(1)).to_contain_text("read, not annotated")
    expect(queue.locator("li").nth(0)).to_contain_text("unread")
    screenshot(page, "next-to-annotate")
