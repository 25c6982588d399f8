"""The annotation form and the preview card stay inside the window and off the passage they
are about, at 1280 by 720, 1280 by 900 and 800 px wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.services.annotations import annotation_create
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

SIZES = [(1280, 720), (1280, 900), (800, 700)]
# A long quote (four to five lines in the reader) and a short one.
LONG = "Russian President Vladimir Putin neither confirmed nor denied"
SHORT = "Kirby said the US is still studying the intelligence"


def select_at(page: Page, quote: str, *, at: float, extend: int = 0) -> None:
    """Select `quote` (and `extend` more code points) in the article with its top at the
    fraction `at` of the window's height, as a person who scrolled there would."""
    page.evaluate(
        """([quote, at, extend]) => {
            const para = window.newsnotes.index.paras.find((p) => p.text.includes(quote));
            const start = para.start + para.text.indexOf(quote);
            const range = window.newsnotes.index.range(start, start + quote.length + extend);
            const top = range.getBoundingClientRect().top;
            window.scrollBy({top: top - window.innerHeight * at, behavior: "instant"});
            const selection = document.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [quote, at, extend],
    )


def inside(box: dict, width: int, height: int) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


def overlaps(box: dict, rects: list[dict]) -> bool:
    return any(
        box["x"] < r["right"]
        and r["left"] < box["x"] + box["width"]
        and box["y"] < r["bottom"]
        and r["top"] < box["y"] + box["height"]
        for r in rects
    )


def selection_rects(page: Page) -> list[dict]:
    return page.evaluate(
        """() => [...document.getSelection().getRangeAt(0).getClientRects()].map((r) =>
            ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))"""
    )


@pytest.fixture
def reader(live_server, page, alice, article):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("html[data-ready=true]")).to_be_attached()
    return page


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("at", [0.1, 0.45, 0.62, 0.85])
@pytest.mark.parametrize(("quote", "extend"), [(SHORT, 0), (LONG, 260)])
def test_the_popover_and_its_save_button_stay_in_the_window(
    reader, width, height, at, quote, extend
):
    page = reader
    page.set_viewport_size({"width": width, "height": height})
    select_at(page, quote, at=at, extend=extend)
    passage = selection_rects(page)
    page.keyboard.press("a")
    form = page.get_by_role("dialog")
    expect(form).to_be_visible()
    box = form.bounding_box()
    assert inside(box, width, height), (box, width, height)
    save = form.get_by_role("button", name="Save")
    save_box = save.bounding_box()
    assert inside(save_box, width, height), (save_box, width, height)
    # Save is on top, not scrolled out of the form: a click at its centre reaches it.
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.textContent",
        [save_box["x"] + save_box["width"] / 2, save_box["y"] + save_box["height"] / 2],
    )
    assert hit == "Save"
    quote_box = form.locator("blockquote.quote").bounding_box()
    assert inside(quote_box, width, height)
    if width >= 900 and extend == 0:
        # Beside the selection, not over it: above it when there is no room below.
        assert not overlaps(box, passage)
    if width < 900:
        # Docked at the bottom, with the selection scrolled into view above it.
        rects = selection_rects(page)
        assert rects[0]["top"] >= 0
        assert rects[0]["bottom"] <= box["y"]
    screenshot(page, f"popover-fit-{width}x{height}-{int(at * 100)}-{extend}")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_preview_card_does_not_cover_its_passage_and_closes(
    live_server, page, alice, article, tags_a, width, height
):
    text = article.text
    start = text.index(LONG)
    end = text.index(".", start + len(LONG) + 200) + 1  # four or five lines
    annotation = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=end,
        exact=text[start:end],
        tags=[tags_a["claim"]],
        comment="Two claims in one passage: split them?",
    )
    sign_in(page, live_server, "alice")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("html[data-ready=true]")).to_be_attached()
    rects_js = """(id) => [...window.newsnotes.annotations.get(id)._range.getClientRects()].map(
        (r) => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))"""
    for at in (0.3, 0.8):
        page.evaluate(
            """([id, at]) => {
                const top = window.newsnotes.annotations.get(id)._range.getBoundingClientRect().top;
                window.scrollBy({top: top - window.innerHeight * at, behavior: "instant"});
            }""",
            [annotation.pk, at],
        )
        rects = page.evaluate(rects_js, annotation.pk)
        assert len(rects) >= 3
        # Hover the first line of the passage.
        first = rects[0]
        page.mouse.move(first["left"] + 20, (first["top"] + first["bottom"]) / 2)
        card = page.get_by_role("group", name="Annotation preview")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Two claims in one passage")
        box = card.bounding_box()
        assert not overlaps(box, page.evaluate(rects_js, annotation.pk)), (box, rects)
        assert inside(box, width, height)
        if at == 0.3:
            screenshot(page, f"preview-card-{width}x{height}")
        # Escape closes it, and so does its close button.
        page.keyboard.press("Escape")
        expect(card).to_be_hidden()
        page.mouse.move(first["left"] + 40, (first["top"] + first["bottom"]) / 2 + 1)
        page.mouse.move(5, 5)
        page.keyboard.press("j")  # the annotation is current: its card opens
        expect(card).to_be_visible()
        assert not overlaps(card.bounding_box(), page.evaluate(rects_js, annotation.pk))
        card.get_by_role("button", name="Close the preview").click()
        expect(card).to_be_hidden()
        page.keyboard.press("Escape")  # and the annotation is no longer current
        expect(page.locator("li.card.active")).to_have_count(0)
