"""The analyst's flow in a real browser: sign in, import, select, tag, link, reload, share."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Article, Membership
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.e2e

TEXT = (
    "White House national security spokesman John Kirby said the United States believes "
    "the North Korean troops traveled by ship to Vladivostok.\n"
    "South Korea's intelligence service said it used facial recognition to identify officers."
)


def select_text(page: Page, quote: str, occurrence: int = 0) -> None:
    """Select `quote` in the article with the mouse, as a person would: press at its first
    character and release after its last."""
    box = page.evaluate(
        """([quote, occurrence]) => {
            const root = document.getElementById("article-text");
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let seen = 0;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                let at = node.data.indexOf(quote);
                while (at !== -1) {
                    if (seen++ === occurrence) {
                        const first = new Range();
                        first.setStart(node, at);
                        first.setEnd(node, at + 1);
                        const last = new Range();
                        last.setStart(node, at + quote.length - 1);
                        last.setEnd(node, at + quote.length);
                        const a = first.getClientRects()[0], b = last.getClientRects()[0];
                        // Press on the start edge of the first character and release on the
                        // end edge of the last: in right-to-left text those are their right
                        // and left edges.
                        const sameLine = Math.abs(a.top - b.top) < 2;
                        const rtl = sameLine && b.right <= a.left + 1;
                        return {x1: rtl ? a.right - 1 : a.left + 1, y1: (a.top + a.bottom) / 2,
                                x2: rtl ? b.left + 1 : b.right - 1, y2: (b.top + b.bottom) / 2};
                    }
                    at = node.data.indexOf(quote, at + 1);
                }
            }
            return null;
        }""",
        [quote, occurrence],
    )
    assert box, f"{quote!r} is not in the article"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()
    assert page.evaluate("document.getSelection().toString()") == quote


def annotate(
    page: Page, *, tags: list[str], comment: str = "", source: str = "", entity: str = ""
) -> None:
    page.get_by_role("button", name="Annotate").click()
    form = page.get_by_role("dialog")
    for tag in tags:
        form.get_by_label(tag, exact=True).check()
    if comment:
        form.get_by_label("Comment").fill(comment)
    if source:
        form.get_by_label("Source (the highlight this claim rests on)").select_option(label=source)
    if entity:
        form.get_by_label("Claimed by / on whose authority (entity)").fill(entity)
    form.get_by_role("button", name="Save").click()
    expect(form).to_be_hidden()


def highlighted_text(page: Page, annotation_id: int) -> str:
    return page.evaluate(f"window.newsnotes.annotations.get({annotation_id})._range.toString()")


def test_analyst_imports_tags_a_claim_links_its_source_and_teammates_see_it(
    live_server, page, browser, alice, team_a, carol
):
    sign_in(page, live_server, "alice")
    # 1. Import an article (pasted text) through the import page's API.
    page.goto(f"{live_server.url}/import/")
    page.evaluate(
        """async ([team, text]) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const r = await fetch("/api/articles/", {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({team, title: "Kirby on troop movements", text})});
            if (r.status !== 201) throw new Error(await r.text());
        }""",
        [team_a.pk, TEXT],
    )
    article = Article.objects.get(title="Kirby on troop movements")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.get_by_role("heading", name="Kirby on troop movements")).to_be_visible()

    # 2. Tag the source, then 3. a claim linked to it and to John Kirby.
    select_text(page, "White House national security spokesman John Kirby")
    annotate(page, tags=["Source"], comment="On the record.")
    source = Annotation.objects.get(
        article=article, origin="analyst", exact__startswith="White House"
    )
    claim_quote = "the North Korean troops traveled by ship to Vladivostok"
    select_text(page, claim_quote)
    annotate(
        page,
        tags=["Claim"],
        comment="Check against Japanese reporting.",
        source="“White House national security spokesman John Kirby” (Source)",
        entity="John Kirby",
    )
    claim = Annotation.objects.get(article=article, origin="analyst", exact=claim_quote)
    assert claim.attributed_to == source
    assert claim.attributed_to_entity.name == "John Kirby"
    assert claim.start == TEXT.index(claim_quote)
    assert list(claim.tags.values_list("slug", flat=True)) == ["claim"]
    screenshot(page, "reader-new-claim")

    # 4. Reload: the claim is drawn on the same characters.
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ready === 'true'")
    assert highlighted_text(page, claim.pk) == claim_quote
    card = page.locator(f'li.card[data-id="{claim.pk}"]')
    expect(card).to_contain_text("Claimed by John Kirby")
    expect(card).to_contain_text("Source:")

    # 5. A teammate sees it; a user of another team does not.
    bob = UserFactory(username="bob2")
    MembershipFactory(team=team_a, user=bob, role=Membership.Role.REVIEWER)
    other = browser.new_context()
    try:
        teammate = other.new_page()
        sign_in(teammate, live_server, "bob2")
        teammate.goto(f"{live_server.url}/articles/{article.pk}/")
        expect(teammate.locator(f'li.card[data-id="{claim.pk}"]')).to_contain_text(claim_quote)
        teammate.context.clear_cookies()
        sign_in(teammate, live_server, "carol")
        response = teammate.goto(f"{live_server.url}/articles/{article.pk}/")
        assert response.status == 404
        api = teammate.request.get(f"{live_server.url}/api/annotations/{claim.pk}/")
        assert api.status == 404
    finally:
        other.close()
    assert page.js_errors == []


@pytest.mark.parametrize(
    "quote",
    ["قال المتحدث إن القوات وصلت", "Kirby said so", "👍🏽 cheered"],
)
def test_annotation_on_emoji_and_rtl_text_lands_on_the_same_characters(
    live_server, page, alice, team_a, quote
):
    # Astral characters (the double-struck X, the emoji) are 2 UTF-16 units but 1 code point;
    # the e before U+0301 takes a combining accent (2 code points); the Arabic runs right to left.
    text = (
        "\U0001d54f Crowd 👍🏽 cheered. قال المتحدث إن القوات وصلت. "
        "Cafe\u0301 owner: Kirby said so 🇺🇦."
    )
    article = Article.objects.create(team=team_a, title="Mixed scripts", text=text, text_sha256="x")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    select_text(page, quote)
    annotate(page, tags=["Claim"])
    annotation = Annotation.objects.get(article=article)
    assert annotation.exact == quote
    assert annotation.start == text.index(quote)  # Python str indexes are code points
    page.reload()
    page.wait_for_function("document.documentElement.dataset.ready === 'true'")
    assert highlighted_text(page, annotation.pk) == quote


def test_keyboard_only_annotation(live_server, page, alice, team_a):
    article = Article.objects.create(
        team=team_a, title="Keys", text="Putin said images are serious.", text_sha256="k"
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.keyboard.press("t")  # focus the article text
    page.keyboard.press("Control+Home")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("document.getSelection().toString()") == "Putin"
    page.keyboard.press("a")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("1")  # first tag: Claim
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    annotation = Annotation.objects.get(article=article)
    assert (annotation.start, annotation.end, annotation.exact) == (0, 5, "Putin")
    assert annotation.tags.get().slug == "claim"
    page.keyboard.press("j")
    expect(page.locator("li.card.active")).to_contain_text("Putin")
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Keyboard shortcuts")).to_be_visible()


def test_stale_edit_shows_a_conflict_and_offers_a_reload(live_server, page, alice, team_a):
    from annotations.services.annotations import annotation_create, annotation_update

    article = Article.objects.create(
        team=team_a, title="Edits", text="Kirby said the troops moved.", text_sha256="e"
    )
    annotation = annotation_create(article=article, author=alice, start=0, end=5, comment="first")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.locator(f'li.card[data-id="{annotation.pk}"]').get_by_role("button", name="Edit").click()
    annotation_update(annotation=annotation, actor=alice, comment="changed elsewhere")
    page.expect_problem(r"412")  # the stale save, on purpose
    page.get_by_label("Comment").fill("my edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone else changed this annotation")
    annotation.refresh_from_db()
    assert annotation.comment == "changed elsewhere"
    page.get_by_role("button", name="Reload the annotation").click()
    expect(page.get_by_label("Comment")).to_have_value("changed elsewhere")
    screenshot(page, "conflict")


def test_suggestion_is_accepted_in_one_action(live_server, page, alice, team_a):
    from annotations.services.analysis import nlp_user

    article = Article.objects.create(
        team=team_a, title="Suggested", text="Kirby said the troops moved.", text_sha256="s"
    )
    suggestion = Annotation.objects.create(
        team=team_a,
        article=article,
        start=11,
        end=27,
        exact="the troops moved",
        author=nlp_user(),
        origin="model",
        suggestion_state="pending",
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    card = page.locator(f'li.card[data-id="{suggestion.pk}"]')
    expect(card).to_contain_text("Suggested by the model")
    card.get_by_role("button", name="Accept").click()
    expect(card).not_to_contain_text("Suggested by the model")
    suggestion.refresh_from_db()
    assert suggestion.suggestion_state == "accepted"
    assert suggestion.author == alice


def test_reader_works_at_800px_without_horizontal_scrolling(live_server, page, alice, team_a):
    from annotations.services.annotations import annotation_create

    article = Article.objects.create(team=team_a, title="Narrow", text=TEXT, text_sha256="n")
    annotation_create(article=article, author=alice, start=0, end=10, comment="narrow screen")
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_function("document.documentElement.dataset.ready === 'true'")
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    expect(page.locator("li.card")).to_contain_text("narrow screen")
    select_text(page, "the North Korean troops")
    page.get_by_role("button", name="Annotate").click()
    expect(page.get_by_role("dialog")).to_be_in_viewport()
    screenshot(page, "reader-800")
