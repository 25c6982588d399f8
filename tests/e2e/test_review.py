"""The review queue, dashboard and agreement pages in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Article, Entity, Mention, Review
from annotations.services.annotations import annotation_create, annotation_submit, review_create
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXT = (
    "White House national security spokesman John Kirby said the United States believes "
    "the North Korean troops traveled by ship to Vladivostok.\n"
    "Moscow denied that any North Korean soldiers were in Russia.\n"
    "South Korea's intelligence service said it used facial recognition to identify officers.\n"
    "Kirby added that the troops had trained in eastern Russia for several weeks."
)
QUOTES = [
    "the North Korean troops traveled by ship to Vladivostok",
    "Moscow denied that any North Korean soldiers were in Russia",
    "it used facial recognition to identify officers",
    "the troops had trained in eastern Russia for several weeks",
]


def _span(quote: str) -> dict[str, int]:
    start = TEXT.index(quote)
    return {"start": start, "end": start + len(quote)}


@pytest.fixture
def queue(team_a, alice, bob, dave, olga, tags_a):
    """Four of alice's annotations submitted for review, the oldest first, and dave's work on
    the same article (for the agreement page)."""
    # The pages show full names, as in the README's screenshots.
    for user, first, last in ((olga, "Olga", "Owner"), (dave, "Dave", "Analyst")):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    article = make_article(team=team_a, text=TEXT, title="North Korean troops in Russia")
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    for occurrence in (TEXT.index("John Kirby"), TEXT.index("Kirby added")):
        Mention.objects.create(
            article=article,
            entity=kirby,
            start=occurrence + (5 if TEXT[occurrence:].startswith("John") else 0),
            end=occurrence + (10 if TEXT[occurrence:].startswith("John") else 5),
            text="Kirby",
            label="PERSON",
        )
    source = annotation_create(
        article=article, author=alice, **_span("John Kirby"), tags=[tags_a["source"]]
    )
    made = []
    for quote, tag, assessment in zip(
        QUOTES,
        ["claim", "denial", "evidence", "claim"],
        ["supported", "disputed", "unverified", "unverified"],
        strict=True,
    ):
        annotation = annotation_create(
            article=article,
            author=alice,
            **_span(quote),
            tags=[tags_a[tag]],
            assessment=assessment,
            comment=f"Comment on {tag}",
            attributed_to=source if tag == "claim" else None,
            attributed_to_entity=kirby if tag == "claim" else None,
        )
        annotation_submit(annotation=annotation, actor=alice)
        made.append(annotation)
    review_create(annotation=made[1], reviewer=olga, verdict="dispute", note="Moscow said more")
    for quote in (QUOTES[0], "facial recognition", "eastern Russia"):
        annotation_create(article=article, author=dave, **_span(quote), tags=[tags_a["claim"]])
    return {"article": article, "annotations": made}


def _state(annotation: Annotation) -> str:
    return Annotation.objects.get(pk=annotation.pk).review_state


def _no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reviewer_works_through_the_queue_by_keyboard(page: Page, live_server, queue, bob):
    first, disputed, third, fourth = queue["annotations"]
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/review/")
    items = page.locator(".queue-item")
    expect(items).to_have_count(4)
    # Unreviewed first (oldest first), then the disputed one.
    expect(items.nth(0)).to_have_attribute("id", f"q-{first.pk}")
    expect(items.nth(2)).to_have_attribute("id", f"q-{fourth.pk}")
    expect(items.nth(3)).to_have_attribute("id", f"q-{disputed.pk}")
    expect(items.nth(3)).to_contain_text("Moscow said more")
    expect(items.nth(0)).to_contain_text("Comment on claim")
    expect(items.nth(0)).to_contain_text("John Kirby")
    expect(items.nth(0).locator("mark")).to_have_text(QUOTES[0])
    link = items.nth(0).locator("[data-open]")
    expect(link).to_have_attribute("href", f"/articles/{queue['article'].pk}/#a-{first.pk}")
    screenshot(page, "review-queue")

    # j selects the first item: a visible outline, in view.
    page.keyboard.press("j")
    expect(items.nth(0)).to_be_focused()
    outline = items.nth(0).evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"

    # a approves it; the badge changes in place and focus moves to the next item.
    page.keyboard.press("a")
    expect(items.nth(0).locator("[data-state-badge]")).to_have_text("Approved")
    expect(items.nth(1)).to_be_focused()
    assert _state(first) == "approved"
    assert Review.objects.get(annotation=first).reviewer == bob

    # r opens the note box, focused; Ctrl+Enter sends.
    page.keyboard.press("r")
    note = items.nth(1).locator("textarea")
    expect(note).to_be_visible()
    expect(note).to_be_focused()
    page.keyboard.press("Control+Enter")  # an empty note is refused here, not sent
    expect(items.nth(1).locator("[data-error]")).to_contain_text("Write a note")
    assert _state(third) == "submitted"
    page.keyboard.type("Which unit? Name the source.")
    page.keyboard.press("Control+Enter")
    expect(items.nth(1).locator("[data-state-badge]")).to_have_text("Changes requested")
    expect(note).to_be_hidden()
    expect(items.nth(2)).to_be_focused()
    assert _state(third) == "changes_requested"
    assert Review.objects.get(annotation=third).note == "Which unit? Name the source."

    # k goes back, j forward; d disputes with a note.
    page.keyboard.press("k")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("d")
    page.keyboard.type("The text says weeks, not months.")
    page.keyboard.press("Control+Enter")
    expect(items.nth(2).locator("[data-state-badge]")).to_have_text("Disputed")
    assert _state(fourth) == "disputed"

    # The disputed one: approve it with the keyboard too.
    expect(items.nth(3)).to_be_focused()
    page.keyboard.press("a")
    expect(items.nth(3).locator("[data-state-badge]")).to_have_text("Approved")
    assert _state(disputed) == "approved"

    # A verdict the workflow refuses is explained next to the item: request changes on
    # changes requested is not possible (its button is disabled; the key asks the server).
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(items.nth(1)).to_be_focused()
    expect(items.nth(1).locator('[data-verdict="approve"]')).to_be_disabled()
    page.expect_problem(r"400.*/api/reviews/")  # the refusal this step provokes
    page.keyboard.press("a")
    expect(items.nth(1).locator("[data-error]")).to_contain_text("Cannot approve")
    assert _state(third) == "changes_requested"

    # The ? dialog lists the queue's keys; o opens the reader on the annotation.
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_contain_text("Approve the selected annotation")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(items.nth(2)).to_be_focused()
    page.keyboard.press("o")
    page.wait_for_url(f"**/articles/{queue['article'].pk}/#a-{fourth.pk}")
    assert page.js_errors == []


def test_buttons_and_error_next_to_the_item(page: Page, live_server, queue, olga, tags_a):
    # olga (an owner) reviews with the mouse; her own annotation is refused by the server.
    own = annotation_create(
        article=queue["article"], author=olga, **_span("facial recognition"), tags=[]
    )
    annotation_submit(annotation=own, actor=olga)
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server.url}/review/")
    item = page.locator(f"#q-{own.pk}")
    expect(item).to_contain_text("Your own annotation")
    page.expect_problem(r"400.*/api/reviews/")  # the server's refusal, on purpose
    item.get_by_role("button", name="Approve").click()
    expect(item.locator("[data-error]")).to_have_text("Nobody reviews their own annotation.")
    assert _state(own) == "submitted"
    # Request changes by mouse: the note is required.
    first = page.locator(f"#q-{queue['annotations'][0].pk}")
    first.get_by_role("button", name="Request changes").click()
    first.get_by_role("button", name="Request changes", exact=True).last.click()
    expect(first.locator("[data-error]")).to_contain_text("Write a note")
    first.get_by_label("What should change?").fill("Cite the briefing.")
    first.locator("[data-note-send]").click()
    expect(first.locator("[data-state-badge]")).to_have_text("Changes requested")
    assert _state(queue["annotations"][0]) == "changes_requested"
    assert page.js_errors == []


def test_analysts_see_the_queue_read_only(page: Page, live_server, queue, alice):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/review/")
    expect(page.locator(".queue-item")).to_have_count(4)
    expect(page.get_by_text("Read-only for you")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Request changes")).to_have_count(0)
    page.keyboard.press("j")
    expect(page.locator(".queue-item").first).to_be_focused()
    page.keyboard.press("a")
    page.keyboard.press("r")
    page.wait_for_timeout(300)
    assert [_state(a) for a in queue["annotations"]] == [
        "submitted",
        "disputed",
        "submitted",
        "submitted",
    ]
    assert page.js_errors == []


def test_dashboard_and_agreement_pages(page: Page, live_server, queue, olga):
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Team dashboard")).to_be_visible()
    expect(page.locator('[data-count="state-submitted"] .num')).to_have_text("3")
    expect(page.locator('[data-reviewer="olga"] [data-verdict="dispute"]')).to_have_text("1")
    expect(page.locator(".top-entities li").first).to_contain_text("John Kirby")
    expect(page.locator(".who-group").first).to_contain_text(QUOTES[0])
    screenshot(page, "dashboard")
    page.set_viewport_size({"width": 800, "height": 900})
    assert _no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/agreement/")
    expect(page.get_by_role("heading", name="Inter-annotator agreement")).to_be_visible()
    row = page.locator(f'.agreement-summary tr[data-article="{queue["article"].pk}"]')
    # alice: John Kirby + 4 quotes; dave: 3 quotes, one of them exactly alice's first.
    # Exact: 1 match -> F1 = 2*1/(5+3) = 0.25. Partial: facial recognition and eastern
    # Russia overlap too -> 3 matches, F1 = 6/8 = 0.75.
    expect(row.locator('[data-figure="mean_exact_f1"]')).to_have_text("0.25")
    expect(row.locator('[data-figure="mean_partial_f1"]')).to_have_text("0.75")
    screenshot(page, "agreement")

    # The owner turns blind mode on.
    switch = row.get_by_role("switch")
    expect(switch).not_to_be_checked()
    switch.check()
    expect(page.locator("#blind-status")).to_contain_text("Blind mode on")
    assert Article.objects.get(pk=queue["article"].pk).blind is True
    page.set_viewport_size({"width": 800, "height": 900})
    assert _no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/review/")
    assert _no_horizontal_scroll(page)
    assert page.js_errors == []
