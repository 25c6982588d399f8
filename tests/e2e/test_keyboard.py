"""The keyboard: moving through the text by paragraph and sentence, jumping to entities and
suggestions, each page's `?` dialog built from its own keys, @mention autocomplete."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Article, Entity, Mention, Notification
from annotations.services.analysis import nlp_user
from annotations.services.annotations import annotation_create, annotation_submit
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

PARAGRAPHS = [
    f"Paragraph {n} opens here. Its second sentence follows. Kirby said more in {n}."
    for n in range(1, 11)
]
TEXT = "\n".join(PARAGRAPHS)


@pytest.fixture
def long_story(team_a):
    article = Article.objects.create(
        team=team_a, title="Ten paragraphs", text=TEXT, text_sha256="p"
    )
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    at = 0
    for paragraph in PARAGRAPHS:
        start = at + paragraph.index("Kirby")
        Mention.objects.create(
            article=article, entity=kirby, start=start, end=start + 5, text="Kirby", label="PERSON"
        )
        at += len(paragraph) + 1
    return article


def _caret(page: Page) -> dict:
    """The paragraph number (1-based) and the text after the caret."""
    return page.evaluate(
        """() => {
            const s = document.getSelection();
            const p = s.focusNode.parentElement.closest("p.para");
            const paras = [...document.querySelectorAll("#article-text p.para")];
            const after = s.focusNode.data.slice(s.focusOffset, s.focusOffset + 20);
            return {para: paras.indexOf(p) + 1, after, selected: s.toString()};
        }"""
    )


def test_move_by_paragraph_and_sentence_and_jump_to_entities(live_server, page, long_story, alice):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{long_story.pk}/")
    expect(page.locator("html[data-ready=true]")).to_have_count(1)
    page.keyboard.press("t")
    for _ in range(7):  # the 8th paragraph in 7 presses
        page.keyboard.press("}")
    assert _caret(page)["para"] == 8
    assert _caret(page)["after"].startswith("Paragraph 8 opens")
    page.keyboard.press(")")
    assert _caret(page)["after"].startswith("Its second sentence")
    page.keyboard.press(")")
    assert _caret(page)["after"].startswith("Kirby said more")
    page.keyboard.press("(")
    assert _caret(page)["after"].startswith("Its second sentence")
    page.keyboard.press("{")  # from inside a paragraph: to its start, then the one before
    assert (_caret(page)["para"], _caret(page)["after"][:11]) == (8, "Paragraph 8")
    page.keyboard.press("{")
    assert _caret(page)["para"] == 7
    # ] selects the next entity mention: `a` annotates it at once.
    page.keyboard.press("]")
    caret = _caret(page)
    assert (caret["para"], caret["selected"]) == (7, "Kirby")
    page.keyboard.press("]")
    assert (_caret(page)["para"], _caret(page)["selected"]) == (8, "Kirby")
    page.keyboard.press("[")
    assert _caret(page)["para"] == 7
    expect(page.locator("#toast")).to_contain_text("John Kirby")
    # Shift+arrows go on from where the jump put the caret.
    page.keyboard.press("a")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog").locator("blockquote")).to_have_text("Kirby")


def test_jump_to_the_next_and_previous_suggestion(live_server, page, long_story, alice):
    first, second = (
        Annotation.objects.create(
            team=long_story.team,
            article=long_story,
            start=TEXT.index(quote),
            end=TEXT.index(quote) + len(quote),
            exact=quote,
            author=nlp_user(),
            origin="model",
            suggestion_state="pending",
        )
        for quote in ("more in 3", "more in 9")
    )
    fifth = TEXT.index("Paragraph 5")
    annotation_create(article=long_story, author=alice, start=fifth, end=fifth + 11)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{long_story.pk}/")
    page.keyboard.press("s")
    expect(page.locator(f'li.card.active[data-id="{first.pk}"]')).to_have_count(1)
    page.keyboard.press("s")
    expect(page.locator(f'li.card.active[data-id="{second.pk}"]')).to_have_count(1)
    page.keyboard.press("s")
    expect(page.locator("#toast")).to_contain_text("No next suggestion")
    page.keyboard.press("S")
    expect(page.locator(f'li.card.active[data-id="{first.pk}"]')).to_have_count(1)


def _dialog_keys(page: Page) -> str:
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    expect(dialog).to_be_visible()
    text = dialog.inner_text()
    page.keyboard.press("Escape")
    return text


def test_each_pages_dialog_lists_its_own_keys(live_server, page, long_story, alice, bob):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{long_story.pk}/")
    expect(page.locator("html[data-ready=true]")).to_have_count(1)
    reader = _dialog_keys(page)
    for line in (
        "Next / previous paragraph",
        "Next / previous sentence",
        "Next / previous entity mention",
        "Next / previous model suggestion",
        "Undo the last delete or reject",
        "Accept / reject the current suggestion",
        "Go to articles",
    ):
        assert line in reader
    screenshot(page, "shortcuts-reader")
    page.goto(f"{live_server.url}/import/")
    imports = _dialog_keys(page)
    assert "Previous or next import method" in imports
    assert "paragraph" not in imports

    # The review queue: a reviewer's dialog lists a, r and d; an analyst's does not.
    draft = annotation_create(article=long_story, author=alice, start=0, end=9)
    annotation_submit(annotation=draft, actor=alice)
    page.goto(f"{live_server.url}/review/")
    analyst = _dialog_keys(page)
    assert "Next annotation in the queue" in analyst
    assert "Approve the selected annotation" not in analyst
    page.context.clear_cookies()
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/review/")
    page.locator("#shortcuts").wait_for(state="attached")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    for line in (
        "Approve the selected annotation",
        "Request changes",
        "Dispute",
        "Open the selected annotation in the reader",
    ):
        expect(dialog).to_contain_text(line)
    for key in ("a", "r", "d", "j", "k", "o"):
        expect(dialog.locator("dt kbd", has_text=key).first).to_be_visible()
    screenshot(page, "shortcuts-review")


def test_mention_autocomplete_in_a_reply(live_server, page, long_story, alice, olga):
    olga.first_name, olga.last_name = "Olga", "Owner"
    olga.save(update_fields=["first_name", "last_name"])
    annotation = annotation_create(article=long_story, author=alice, start=0, end=9)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{long_story.pk}/#a-{annotation.pk}")
    details = page.locator("#details")
    details.get_by_role("button", name="Add a reply").click()
    box = page.get_by_label("Reply", exact=True)
    box.press_sequentially("Ask @Own")  # the display name matches too
    options = page.get_by_role("listbox", name="Teammates to mention").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@olga")
    expect(options.first).to_contain_text("Olga Owner")
    screenshot(page, "mention-autocomplete")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Ask @olga ")
    box.press_sequentially("and @")
    expect(options).to_have_count(2)  # alice and olga
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")  # closes the list, keeps the form
    expect(options).to_have_count(0)
    expect(box).to_be_visible()
    box.press_sequentially(" about it")
    page.keyboard.press("Control+Enter")
    expect(details).to_contain_text("Replies (1)")
    assert Notification.objects.filter(user=olga, kind="mention").count() == 1
