"""Correcting entities where one sees them: the entity card in the reader (a click on an
underlined name, or Enter with the caret in it) and on the entity page. Each correction changes
the page in place and the database."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Annotation, Entity, EntityJudgement, Mention
from annotations.services.annotations import annotation_create
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article
from tests.test_team_pages import mention

pytestmark = pytest.mark.e2e

TEXT = (
    "White House spokesman John Kirby said the troops were identified with AI facial "
    "recognition technology.\n"
    "Kirby added that the Washington Post had reported it first.\n"
    "Officials in Washington declined to comment."
)


@pytest.fixture
def desk(team_a, alice, tags_a):
    article = make_article(team=team_a, text=TEXT, title="Kirby on the troops")
    other = make_article(team=team_a, text="John Kirby spoke again.", title="Kirby again")
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    twin = Entity.objects.create(team=team_a, name="Kirby", kind=Entity.Kind.PERSON)
    ai = Entity.objects.create(team=team_a, name="AI", kind=Entity.Kind.GPE)
    washington = Entity.objects.create(team=team_a, name="Washington", kind=Entity.Kind.GPE)
    quote = "the troops were identified with AI facial recognition technology"
    start = TEXT.index(quote)
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=start + len(quote),
        exact=quote,
        tags=[tags_a["claim"]],
        attributed_to_entity=twin,
    )
    return {
        "article": article,
        "kirby": kirby,
        "twin": twin,
        "ai": ai,
        "washington": washington,
        "claim": claim,
        "m_kirby": mention(article, kirby, "John Kirby"),
        "m_other": mention(other, kirby, "John Kirby"),
        "m_ai": mention(article, ai, "AI"),
        "m_twin": mention(article, twin, "Kirby", 1),
        "m_post": mention(article, washington, "Washington"),
        "m_washington": mention(article, washington, "Washington", 1),
    }


def open_reader(page: Page, live_server, article) -> None:
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(page.locator("html[data-ready=true]")).to_be_attached()


def click_mention(page: Page, m: Mention) -> None:
    box = page.evaluate(
        """([start, end]) => {
            const r = window.newsnotes.index.range(start, end).getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
        }""",
        [m.start, m.end],
    )
    page.mouse.click(box["x"], box["y"])


def open_card(page: Page, live_server, desk, key: str, name: str):
    """Alice's reader, and the card of the mention `desk[key]`, named `name`."""
    sign_in(page, live_server, "alice")
    open_reader(page, live_server, desk["article"])
    click_mention(page, desk[key])
    card = page.get_by_role("dialog", name=name)
    expect(card).to_be_visible()
    return card


def underlined(page: Page, kind: str) -> list[str]:
    """The texts underlined as `kind` in the reader."""
    return page.evaluate(
        """(kind) => [...(CSS.highlights.get(`nn-ent-${kind}`) || [])]
            .map((r) => r.toString()).sort()""",
        kind,
    )


def test_reject_a_mention_from_the_reader(live_server, page, alice, desk):
    sign_in(page, live_server, "alice")
    open_reader(page, live_server, desk["article"])
    assert underlined(page, "GPE") == ["AI", "Washington", "Washington"]
    click_mention(page, desk["m_ai"])
    card = page.get_by_role("dialog", name="AI")
    expect(card).to_be_visible()
    expect(card).to_contain_text("State or place (GPE)")
    expect(card).to_contain_text("1 mention in 1 article")
    card.get_by_role("button", name="Reject this mention").click()
    expect(card).to_be_hidden()
    assert Mention.objects.get(pk=desk["m_ai"].pk).rejected
    assert underlined(page, "GPE") == ["Washington", "Washington"]
    expect(page.locator("#entities")).not_to_contain_text("AI")
    expect(page.locator("#live")).to_contain_text("Mention rejected")
    # The entity is no longer offered as "Claimed by", nor listed on the entity page.
    assert "AI" not in page.evaluate(
        "Object.values(window.newsnotes.form.entities).map((e) => e.name)"
    )
    page.reload()
    assert underlined(page, "GPE") == ["Washington", "Washington"]
    page.goto(f"{live_server.url}/entities/")
    expect(page.locator("table.entities")).to_contain_text("Washington")
    expect(page.locator("table.entities")).not_to_contain_text("AI")


def test_retype_with_the_keyboard_and_escape_returns_to_the_text(live_server, page, alice, desk):
    sign_in(page, live_server, "alice")
    open_reader(page, live_server, desk["article"])
    page.keyboard.press("t")
    page.keyboard.press("Control+Home")
    for _ in range(desk["m_ai"].start + 1):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#live")).to_contain_text("AI, State or place (GPE). Enter opens its card.")
    page.keyboard.press("Enter")
    card = page.get_by_role("dialog", name="AI")
    expect(card).to_be_visible()
    expect(page.locator("#entity-card-title")).to_be_focused()
    card.get_by_label("Kind", exact=True).select_option("OTHER")
    card.get_by_role("button", name="Change kind").click()
    expect(card.locator(".ec-kind")).to_have_text("Other")
    assert Entity.objects.get(pk=desk["ai"].pk).kind == "OTHER"
    assert underlined(page, "OTHER") == ["AI"]
    assert "AI" not in underlined(page, "GPE")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(page.locator("#article-text")).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_link_a_mention_to_another_entity_with_the_search_box(live_server, page, alice, desk):
    card = open_card(page, live_server, desk, "m_twin", "Kirby")
    card.get_by_label("Link the mention to, or merge with, another entity").fill("John")
    card.get_by_role("button", name="Link the mention to John Kirby").click()
    expect(page.get_by_role("dialog", name="John Kirby")).to_be_visible()
    expect(page.locator("#entity-card-status")).to_contain_text("now names John Kirby")
    mention_row = Mention.objects.get(pk=desk["m_twin"].pk)
    assert mention_row.entity == desk["kirby"]
    assert mention_row.origin == "analyst"
    # The card counts the new mention and lists the other article.
    card = page.get_by_role("dialog", name="John Kirby")
    expect(card).to_contain_text("3 mentions in 2 articles")
    expect(card.get_by_role("link", name="Kirby again")).to_be_visible()
    # The sidebar's entity list follows: John Kirby named twice here.
    kirby = desk["kirby"].pk
    expect(page.locator(f'#entities button[data-entity="{kirby}"]')).to_contain_text("2")


def test_merge_an_entity_moves_its_claims(live_server, page, alice, desk):
    sign_in(page, live_server, "alice")
    open_reader(page, live_server, desk["article"])
    claim_card = page.locator(f'li.card[data-id="{desk["claim"].pk}"]')
    expect(claim_card).to_contain_text("Claimed by Kirby")
    click_mention(page, desk["m_twin"])
    card = page.get_by_role("dialog", name="Kirby")
    expect(card.locator(".ec-claims")).to_contain_text("identified with AI")
    card.get_by_label("Link the mention to, or merge with, another entity").fill("John K")
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Merge Kirby into John Kirby").click()
    merged = page.get_by_role("dialog", name="John Kirby")
    expect(merged).to_be_visible()
    expect(merged.locator(".ec-claims")).to_contain_text("identified with AI")
    expect(claim_card).to_contain_text("Claimed by John Kirby")
    # The merged entity stays, folded into the canonical one, so the merge can be undone.
    assert Entity.objects.get(pk=desk["twin"].pk).merged_into_id == desk["kirby"].pk
    assert Annotation.objects.get(pk=desk["claim"].pk).attributed_to_entity == desk["kirby"]
    assert "Kirby" in Entity.objects.get(pk=desk["kirby"].pk).aliases
    expect(merged).to_contain_text("Kirby")  # now an alias


def test_judge_two_entities_not_the_same_or_unsure(live_server, page, alice, desk):
    card = open_card(page, live_server, desk, "m_twin", "Kirby")
    search = card.get_by_label("Link the mention to, or merge with, another entity")
    search.fill("John K")
    card.get_by_role("button", name="Kirby is not the same as John Kirby").click()
    expect(page.get_by_role("dialog", name="Kirby")).to_contain_text(
        "Recorded: Kirby is not John Kirby; they will not be merged."
    )
    judgement = EntityJudgement.objects.get(left=desk["twin"], right=desk["kirby"])
    assert judgement.judgement == "not_same"
    assert judgement.user == alice
    # Unsure replaces it; nothing is merged either way.
    search = page.get_by_role("dialog", name="Kirby").get_by_label(
        "Link the mention to, or merge with, another entity"
    )
    search.fill("John K")
    page.get_by_role("button", name="Unsure whether Kirby is John Kirby").click()
    expect(page.get_by_role("dialog", name="Kirby")).to_contain_text("Recorded: unsure")
    active = EntityJudgement.objects.filter(
        left=desk["twin"], right=desk["kirby"], undone_at__isnull=True
    )
    assert [j.judgement for j in active] == ["unsure"]
    assert Entity.objects.get(pk=desk["twin"].pk).merged_into_id is None


def test_split_a_mention_off_into_a_new_entity(live_server, page, alice, desk):
    card = open_card(page, live_server, desk, "m_post", "Washington")
    card.get_by_label("Name of the new entity").fill("The Washington Post")
    card.get_by_label("Kind of the new entity").select_option("ORG")
    card.get_by_role("button", name="Split off").click()
    expect(page.get_by_role("dialog", name="The Washington Post")).to_be_visible()
    new = Entity.objects.get(name="The Washington Post")
    assert new.kind == "ORG"
    assert Mention.objects.get(pk=desk["m_post"].pk).entity == new
    assert Mention.objects.get(pk=desk["m_washington"].pk).entity == desk["washington"]
    assert underlined(page, "ORG") == ["Washington"]
    screenshot(page, "entity-card-split")


def test_a_reviewer_reads_the_card_without_corrections(live_server, page, bob, desk):
    sign_in(page, live_server, "bob")
    open_reader(page, live_server, desk["article"])
    click_mention(page, desk["m_kirby"])
    card = page.get_by_role("dialog", name="John Kirby")
    expect(card).to_contain_text("2 mentions in 2 articles")
    expect(card.get_by_role("link", name="Kirby again")).to_be_visible()
    expect(card.get_by_role("button", name="Reject this mention")).to_have_count(0)
    expect(card.get_by_role("link", name="John Kirby")).to_have_attribute(
        "href", f"/entities/{desk['kirby'].pk}/"
    )
    card.get_by_role("button", name="Close the entity card").click()
    expect(card).to_be_hidden()
    page.goto(f"{live_server.url}/entities/{desk['washington'].pk}/")
    expect(page.get_by_role("button", name="Correct this entity…")).to_have_count(0)


def test_the_entity_page_offers_the_same_corrections(live_server, page, alice, desk):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{desk['washington'].pk}/")
    page.get_by_role("button", name="Correct the mention “Washington”").first.click()
    card = page.get_by_role("dialog", name="Washington")
    expect(card.locator(".ec-mention q")).to_have_text("Washington")
    card.get_by_role("button", name="Reject this mention").click()
    expect(page.locator(".entity-head .count")).to_contain_text("1 mention in 1 article")
    assert Mention.objects.get(pk=desk["m_post"].pk).rejected
    # Merge the entity itself from the page's header: the page becomes the survivor's.
    page.get_by_role("button", name="Correct this entity…").click()
    card = page.get_by_role("dialog", name="Washington")
    card.get_by_label("Merge with another entity").fill("AI")
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Merge Washington into AI").click()
    page.wait_for_url(f"{live_server.url}/entities/{desk['ai'].pk}/")
    expect(page.locator(".aliases")).to_contain_text("Washington")
    assert Mention.objects.get(pk=desk["m_washington"].pk).entity == desk["ai"]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (800, 700)])
def test_the_card_fits_the_window_and_leaves_the_name_visible(
    live_server, page, alice, desk, width, height
):
    sign_in(page, live_server, "alice")
    page.set_viewport_size({"width": width, "height": height})
    open_reader(page, live_server, desk["article"])
    click_mention(page, desk["m_washington"])
    card = page.get_by_role("dialog", name="Washington")
    expect(card.get_by_role("button", name="Split off")).to_be_attached()
    card.get_by_label("Link the mention to, or merge with, another entity").fill("a")
    expect(card.locator(".ec-results li").first).to_be_visible()
    box = card.bounding_box()
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= width
    assert box["y"] + box["height"] <= height
    name = page.evaluate(
        """([start, end]) => {
            const r = window.newsnotes.index.range(start, end).getBoundingClientRect();
            return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
        }""",
        [desk["m_washington"].start, desk["m_washington"].end],
    )
    covers = (
        box["x"] < name["right"]
        and name["left"] < box["x"] + box["width"]
        and box["y"] < name["bottom"]
        and name["top"] < box["y"] + box["height"]
    )
    assert not covers
