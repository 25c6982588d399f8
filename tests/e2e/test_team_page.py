"""Browser tests of the team page: export in every format, the tag editor, blind mode and the
members' roles (owners manage, everyone else reads)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Article, Membership, Tag, Team
from annotations.services.annotations import reply_create
from tests.e2e.conftest import header_link, sign_in
from tests.factories import UserFactory, make_approved

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUOTE = "North Korean"


@pytest.fixture
def desk(team_a, alice, bob, olga, article, tags_a):
    """Team A with an approved claim that has a reply and a verdict with a note."""
    claim = make_approved(
        article=article,
        author=alice,
        reviewer=bob,
        quote=QUOTE,
        tags=[tags_a["claim"], tags_a["figure"]],
        note="Matches the briefing.",
    )
    reply_create(annotation=claim, author=bob, text="Which source says so?")
    return claim


def open_team(page: Page, live_server, username: str) -> None:
    sign_in(page, live_server, username)
    header_link(page, "Team").click()
    expect(page.get_by_role("heading", name="Desk A", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-team-ready", "true")


def download(page: Page, fmt: str) -> bytes:
    with page.expect_download() as info:
        page.locator(f'a[data-export="{fmt}"]').click()
    path = info.value.path()
    assert path is not None
    with open(path, "rb") as file:
        return file.read()


def test_every_format_downloads_from_the_team_page_with_the_discussion(live_server, page, desk):
    open_team(page, live_server, "alice")

    rows = list(csv.DictReader(io.StringIO(download(page, "csv").decode("utf-8-sig"))))
    assert [row["exact"] for row in rows] == [QUOTE]
    assert json.loads(rows[0]["replies"])[0]["text"] == "Which source says so?"
    assert json.loads(rows[0]["reviews"])[0]["note"] == "Matches the briefing."

    [record] = [json.loads(line) for line in download(page, "jsonl").decode().splitlines()]
    assert record["replies"][0]["author"] == "bob"
    assert record["reviews"][0]["verdict"] == "approve"

    collection = json.loads(download(page, "jsonld"))
    motivations = [item["motivation"] for item in collection["first"]["items"]]
    assert motivations[1:] == ["replying", "assessing"]

    [line] = [json.loads(line) for line in download(page, "spacy").decode().splitlines()]
    assert {span["label"] for span in line["spans"]} == {"claim", "figure"}

    from annotations.nlp.training import records_from_docbin

    [doc] = records_from_docbin(download(page, "docbin"))
    assert {(doc["text"][s["start"] : s["end"]], s["label"]) for s in doc["spans"]} == {
        (QUOTE, "claim"),
        (QUOTE, "figure"),
    }


def test_owners_edit_reorder_add_and_delete_tags(live_server, page, desk, team_a):
    open_team(page, live_server, "olga")
    tags = page.locator("#tag-list")
    context = tags.locator("li[data-tag]", has=page.get_by_label("Name of Context"))
    context.get_by_label("Name of Context").fill("Background")
    context.get_by_label("Description of Context").fill("What a reader needs first")
    context.get_by_label("Kind of Context").select_option("opinion")
    context.locator("input[type=color]").fill("#123456")
    context.get_by_role("button", name="Save").click()
    expect(page.locator("#team-status")).to_have_text("Tag “Background” saved.")
    tag = Tag.objects.get(team=team_a, slug="context")
    assert (tag.name, tag.description, tag.kind, tag.colour) == (
        "Background",
        "What a reader needs first",
        "opinion",
        "#123456",
    )

    # Up one place: before Denial.
    page.get_by_role("button", name="Move Background up").click()
    expect(page.locator("#team-status")).to_have_text("“Background” moved to place 6 of 7.")
    order = list(
        Tag.objects.filter(team=team_a).order_by("position").values_list("slug", flat=True)
    )
    assert order[4:] == ["opinion", "context", "denial"]
    page.reload()
    expect(tags.locator("li").nth(5).locator("input[name=name]")).to_have_value("Background")

    page.get_by_placeholder("New tag, e.g. Rumour").fill("Rumour")
    page.get_by_label("Kind of the new tag").select_option("claim")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#team-status")).to_have_text("Tag “Rumour” added.")
    assert Tag.objects.get(team=team_a, slug="rumour").kind == "claim"
    expect(tags.locator("li").last.locator("input[name=name]")).to_have_value("Rumour")

    page.get_by_role("button", name="Delete Rumour").click()
    expect(page.locator("#team-status")).to_have_text("Tag “Rumour” deleted.")
    assert not Tag.objects.filter(team=team_a, slug="rumour").exists()

    # A tag in use stays, and the page says why.
    page.expect_problem(r"HTTP 400: DELETE .*/api/tags/|status of 400 .*/api/tags/")
    page.get_by_role("button", name="Delete Claim").click()
    expect(page.locator("#tag-error")).to_contain_text("1 annotation uses this tag")
    assert Tag.objects.filter(team=team_a, slug="claim").exists()


def test_owners_turn_blind_mode_on_for_the_team_and_for_an_article(live_server, page, desk, team_a):
    open_team(page, live_server, "olga")
    page.get_by_role("switch", name="New articles start blind").check()
    expect(page.locator("#team-status")).to_have_text("New articles now start blind.")
    assert Team.objects.get(pk=team_a.pk).blind_default
    article = desk.article
    page.locator("#blind tr", has_text=article.title).get_by_role("switch").check()
    expect(page.locator("#team-status")).to_have_text(f"Blind mode on for “{article.title}”.")
    assert Article.objects.get(pk=article.pk).blind
    page.reload()
    expect(page.get_by_role("switch", name="New articles start blind")).to_be_checked()


def test_owners_change_roles_add_and_remove_members(live_server, page, desk, team_a, alice, olga):
    UserFactory(username="nadia")
    open_team(page, live_server, "olga")
    page.get_by_label("Role of alice").select_option("reviewer")
    expect(page.locator("#team-status")).to_have_text("alice is now reviewer.")
    assert Membership.objects.get(team=team_a, user=alice).role == "reviewer"

    page.get_by_label("Add a user by username").fill("nadia")
    page.get_by_label("Role of the new member").select_option("viewer")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#team-status")).to_have_text("nadia is a member, as viewer.")
    assert Membership.objects.get(team=team_a, user__username="nadia").role == "viewer"
    page.get_by_role("button", name="Remove nadia").click()
    expect(page.locator("#team-status")).to_have_text("nadia was removed from the team.")
    assert not Membership.objects.filter(team=team_a, user__username="nadia").exists()

    # The last owner stays an owner.
    page.expect_problem(r"HTTP 400: PATCH .*/api/memberships/|status of 400 .*/api/memberships/")
    page.get_by_label("Role of olga").select_option("analyst")
    expect(page.locator("#member-error")).to_contain_text("A team keeps at least one owner.")
    expect(page.get_by_label("Role of olga")).to_have_value("owner")
    assert Membership.objects.get(team=team_a, user=olga).role == "owner"


def test_members_who_are_not_owners_read_the_page_without_controls(live_server, page, desk):
    open_team(page, live_server, "alice")
    expect(page.locator("#tag-list li")).to_have_count(7)
    expect(page.locator("#members")).to_contain_text("olga")
    expect(page.locator("main input, main select")).to_have_count(0)
    expect(page.get_by_role("button", name="Add tag")).to_have_count(0)
    expect(page.locator("a[data-export]")).to_have_count(5)
