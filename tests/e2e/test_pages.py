"""Browser tests of the article list, import, entity and sign-in pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from annotations.lib.urlfetch import FetchedPage, FetchError
from annotations.models import Annotation, Article, Entity, Job, Mention
from annotations.services.annotations import annotation_create
from annotations.services.articles import outlet_for
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import UserFactory, make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SLOW = 30_000  # the first import loads the NER model in the server thread
UNREACHABLE = "The server could not be reached. Check your connection and try again."


def _mention(article: Article, entity: Entity, text: str, occurrence: int = 0) -> Mention:
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(text, start + 1)
    return Mention.objects.create(
        article=article,
        entity=entity,
        start=start,
        end=start + len(text),
        text=text,
        label=entity.kind,
    )


@pytest.fixture
def desk_a(team_a, alice, article, tags_a):
    """Team A: the seed article (2 mentions of Kirby, 1 of Putin, 1 claim) and a second one."""
    kirby = Entity.objects.create(
        team=team_a,
        name="John Kirby",
        kind=Entity.Kind.PERSON,
        description="White House national security spokesman",
        wikidata_id="Q6237397",
        aliases=["Kirby", "Admiral Kirby"],
    )
    Article.objects.filter(pk=article.pk).update(
        outlet=outlet_for(name="Asia Times", url="https://asiatimes.com/x"),
        published_at=datetime(2024, 11, 1, 9, 30, tzinfo=UTC),
        authors=["Richard Heydarian"],
    )
    putin = Entity.objects.create(team=team_a, name="Vladimir Putin", kind=Entity.Kind.PERSON)
    mention = _mention(article, kirby, "John Kirby")
    _mention(article, putin, "Vladimir Putin")
    second = make_article(
        team=team_a,
        title="Seoul weighs arms for Kyiv",
        text="Seoul said it may send weapons to Kyiv. Kirby said Washington was consulted.",
        imported_by=alice,
        outlet_name="Yonhap",
        published_at=datetime(2024, 11, 5, 8, 0, tzinfo=UTC),
    )
    _mention(second, kirby, "Kirby")
    start = article.text.index("the US believes")
    claim = annotation_create(
        article=article,
        author=alice,
        start=start,
        end=start + len("the US believes the soldiers spent several weeks"),
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
        assessment=Annotation.Assessment.SUPPORTED,
    )
    annotation_create(
        article=second, author=alice, start=0, end=5, tags=[tags_a["opinion"]], comment="Who?"
    )
    return {"kirby": kirby, "mention": mention, "second": second, "claim": claim}


@pytest.fixture
def desk_b(team_b, carol):
    return make_article(team=team_b, title="Desk B's private brief", text="Only for desk B.")


def _no_js_errors(page: Page) -> None:
    assert page.js_errors == []


def test_article_list_shows_team_articles_and_counts(page, live_server, desk_a, desk_b, article):
    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="Articles", level=1)).to_be_visible()
    rows = page.locator("table.articles tbody tr")
    expect(rows).to_have_count(2)
    row = rows.filter(has=page.get_by_role("link", name="North Korean troops in Kursk"))
    expect(row.locator('[data-col="annotations"]')).to_have_text("1")
    expect(row.locator('[data-col="mentions"]')).to_have_text("2")
    expect(row.locator(".badge")).to_have_text(re.compile("Pending|Done|Running|Failed"))
    expect(page.get_by_text("Desk B's private brief")).to_have_count(0)
    href = row.get_by_role("link", name="North Korean troops in Kursk").get_attribute("href")
    assert href == f"/articles/{article.pk}/"
    screenshot(page, "article-list")
    _no_js_errors(page)


def test_filters_narrow_the_list(page, live_server, desk_a):
    sign_in(page, live_server, "alice")
    rows = page.locator("table.articles tbody tr")
    expect(rows).to_have_count(2)

    page.keyboard.press("/")  # the global shortcut focuses the header's search box
    expect(page.locator("#site-search")).to_be_focused()
    page.get_by_placeholder("Words in the title or text").fill("Kursk")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"\?q=Kursk$"))  # empty fields stay out of the URL
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("North Korean troops in Kursk")

    page.get_by_role("link", name="Clear filters").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Annotated with tag").select_option(label="Opinion")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Seoul weighs arms for Kyiv")

    page.get_by_label("Annotated with tag").select_option(label="Evidence")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="No articles match these filters")).to_be_visible()
    page.get_by_role("link", name="clear all filters").click()
    expect(rows).to_have_count(2)


def test_dates_and_entity_filters(page, live_server, desk_a, article):
    sign_in(page, live_server, "alice")
    rows = page.locator("table.articles tbody tr")
    page.get_by_label("Published on or after").fill("2024-10-31")
    page.get_by_label("Published before").fill("2024-11-02")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1 Nov 2024")
    expect(page.get_by_label("Published on or after")).to_have_value("2024-10-31")

    page.goto(f"{live_server.url}/")
    page.get_by_label("Outlet").select_option(label="Yonhap")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Seoul weighs arms for Kyiv")

    page.goto(f"{live_server.url}/")
    page.get_by_label("Mentions entity").select_option(label="Vladimir Putin · PERSON")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("North Korean troops in Kursk")


def test_empty_team_points_to_the_import_page(page, live_server, alice):
    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name="No articles yet")).to_be_visible()
    page.get_by_role("link", name="Import some").click()
    expect(page.get_by_role("heading", name="Import articles", level=1)).to_be_visible()


def test_import_pasted_text_follows_the_job(page, live_server, alice, team_a):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/")
    expect(page.get_by_role("tab", name="Paste text")).to_have_attribute("aria-selected", "true")
    page.get_by_label("Title").fill("Kirby on the Kursk deployment")
    page.get_by_label("Article text").fill(
        "White House spokesman John Kirby said North Korean troops reached Kursk.\n"
        "Seoul's intelligence service confirmed the deployment."
    )
    page.get_by_label("Outlet").fill("Example Wire")
    page.get_by_label("Published").fill("2024-11-01")
    page.get_by_role("button", name="Import text").click()

    card = page.locator("#panel-text .result").first
    # The API answers once the (immediate) NER job has run: the first one loads the model.
    expect(card.get_by_role("link", name="Kirby on the Kursk deployment")).to_be_visible(
        timeout=SLOW
    )
    expect(card.locator(".job-status")).to_have_text("Succeeded", timeout=SLOW)
    expect(card.locator("progress")).to_have_attribute("value", "1")
    expect(card.get_by_role("link", name="Open the article")).to_be_visible()
    expect(page.get_by_label("Article text")).to_have_value("")  # ready for the next one

    imported = Article.objects.get(team=team_a, title="Kirby on the Kursk deployment")
    assert imported.outlet is not None
    assert imported.outlet.name == "Example Wire"
    assert imported.published_at.date().isoformat() == "2024-11-01"
    href = card.get_by_role("link", name="Open the article").get_attribute("href")
    assert href == f"/articles/{imported.pk}/"
    job_id = int(card.locator("[data-job]").get_attribute("data-job"))
    job = Job.objects.get(pk=job_id)
    assert job.params["article_ids"] == [imported.pk]
    assert job.status == Job.Status.SUCCEEDED

    # The same text again is recognised as already imported.
    page.get_by_label("Article text").fill(
        "White House spokesman John Kirby said North Korean troops reached Kursk.\n"
        "Seoul's intelligence service confirmed the deployment."
    )
    page.get_by_role("button", name="Import text").click()
    expect(page.locator("#panel-text .result").first).to_contain_text("Already in the team")
    assert Article.objects.filter(team=team_a).count() == 1
    screenshot(page, "import")
    _no_js_errors(page)


def test_jsonl_upload_reports_bad_lines(page, live_server, alice, team_a):
    lines = [
        json.dumps({"title": "First", "text": "Kirby spoke in Washington."}),
        '{"title": "Broken", "text": ',
        json.dumps({"title": "Second", "text": "Putin spoke in Moscow.", "url": "https://e.org/2"}),
        json.dumps({"headline": "Wrong field", "text": "x"}),
    ]
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/#jsonl")
    expect(page.get_by_role("tab", name="JSON Lines")).to_have_attribute("aria-selected", "true")
    page.get_by_label("JSON Lines file").set_input_files(
        {
            "name": "batch.jsonl",
            "mimeType": "application/x-ndjson",
            "buffer": "\n".join(lines).encode(),
        }
    )
    page.get_by_role("button", name="Import file").click()
    card = page.locator("#panel-jsonl .result").first
    expect(card.locator(".result-title")).to_have_text("batch.jsonl", timeout=SLOW)
    bad = card.get_by_role("list", name="Lines that were not imported").locator("li")
    expect(bad).to_have_count(2)
    expect(bad.nth(0)).to_contain_text("Line 2")
    expect(bad.nth(0)).to_contain_text("malformed JSON")
    expect(bad.nth(1)).to_contain_text("Line 4")
    expect(card.locator("dl.report")).to_contain_text("New articles2")
    expect(card.locator(".job-status")).to_have_text("Succeeded", timeout=SLOW)
    expect(card.get_by_role("link", name="Open the article list")).to_be_visible()
    assert Article.objects.filter(team=team_a).count() == 2
    _no_js_errors(page)


def test_url_import_shows_the_error_next_to_the_field(page, live_server, alice):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/")
    tab = page.get_by_role("tab", name="Paste text")
    tab.focus()
    page.keyboard.press("ArrowLeft")  # wraps round to the last tab
    expect(page.get_by_role("tab", name="From a URL")).to_be_focused()
    expect(page.get_by_role("tabpanel", name="From a URL")).to_be_visible()
    expect(page.get_by_role("tabpanel", name="Paste text")).to_be_hidden()

    field = page.get_by_label("Article URL")
    field.fill("http://localhost:8000/secret")
    page.expect_response(400, "/api/articles/import-url/")  # the refusal under test
    page.get_by_role("button", name="Fetch and import").click()
    expect(page.locator("#url-url-error")).to_have_text(
        "The host localhost is this machine; it is not fetched."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "url-url-error")
    expect(field).to_be_focused()
    expect(page.get_by_role("button", name="Fetch and import")).to_be_enabled()
    assert Job.objects.count() == 0


PAGE = b"""<!doctype html><html lang="en"><head><title>Kirby on Kursk | Example Wire</title>
<meta property="og:site_name" content="Example Wire"></head><body><article><h1>Kirby on Kursk</h1>
<p>White House national security spokesman John Kirby said North Korean troops reached the
Kursk region of Russia, where they would train before being sent to the front.</p>
<p>Seoul's intelligence service said it had confirmed the deployment with satellite images of
the troops at Russian bases in the Far East.</p></article></body></html>"""


def test_html_upload_imports_the_page(page, live_server, alice, team_a):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/")
    page.get_by_role("tab", name="HTML file").click()
    page.get_by_label("Web page file").set_input_files(
        {"name": "kirby.html", "mimeType": "text/html", "buffer": PAGE}
    )
    page.get_by_label("Original URL").fill("https://example.org/kirby")
    page.get_by_role("button", name="Import HTML").click()
    card = page.locator("#panel-html .result").first
    expect(card.locator(".job-status")).to_have_text("Succeeded", timeout=SLOW)
    imported = Article.objects.get(team=team_a, url="https://example.org/kirby")
    expect(card.locator(".result-title")).to_have_text(imported.title)
    assert "John Kirby said" in imported.text


def test_html_upload_refused_shows_the_error_next_to_the_file(page, live_server, alice, team_a):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/#html")
    field = page.get_by_label("Web page file")
    field.set_input_files(
        {"name": "empty.html", "mimeType": "text/html", "buffer": b"<html><body></body></html>"}
    )
    page.expect_response(400, "/api/articles/import-html/")  # the refusal under test
    page.get_by_role("button", name="Import HTML").click()
    # The API names the field `html`; the page shows it at the file input.
    expect(page.locator("#html-file-error")).to_contain_text("no article text found")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#panel-html [data-form-error]")).to_have_text(
        "The import was refused: correct the marked field."
    )
    expect(page.get_by_role("button", name="Import HTML")).to_be_enabled()
    assert not Article.objects.filter(team=team_a).exists()
    _no_js_errors(page)


@pytest.mark.parametrize(
    ("answer", "shown", "announced"),
    [
        (
            {"status": 502, "content_type": "text/html", "body": "<h1>Bad Gateway</h1>"},
            "The server answered 502.",
            "The server answered 502.",
        ),
        (
            {
                "status": 400,
                "content_type": "application/json",
                "body": json.dumps(
                    {
                        "status": 400,
                        "code": "invalid",
                        "detail": "Invalid input.",
                        "errors": {"team": ["You are not a member of this team."]},
                    }
                ),
            },
            "Team: You are not a member of this team.",
            "Invalid input.",  # the box is an alert: it is read out in full
        ),
        (None, UNREACHABLE, UNREACHABLE),
    ],
    ids=["proxy-error-page", "field-without-input", "unreachable"],
)
def test_import_failure_is_shown_above_the_form(page, live_server, alice, answer, shown, announced):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/")
    page.expect_problem(r"/api/articles/(\s|\]|$)")  # the staged failure under test
    page.route(
        f"{live_server.url}/api/articles/",
        lambda route: route.fulfill(**answer) if answer else route.abort(),
    )
    page.get_by_label("Article text").fill("Kirby said the troops moved.")
    page.get_by_role("button", name="Import text").click()
    expect(page.locator("#panel-text [data-form-error]")).to_have_text(shown)
    expect(page.locator("[data-announce]")).to_have_text(announced)
    expect(page.get_by_role("button", name="Import text")).to_be_enabled()
    expect(page.get_by_label("Article text")).to_have_value("Kirby said the troops moved.")
    assert not Article.objects.exists()
    _no_js_errors(page)


def test_url_import_follows_the_fetch_and_the_analysis(page, live_server, alice, team_a):
    url = "https://example.org/kirby-on-kursk"
    fetched = FetchedPage(
        url=url, final_url=url, status=200, content_type="text/html", charset="utf-8", body=PAGE
    )
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/#url")
    with mock.patch("annotations.services.archive.fetch_url", return_value=fetched):
        page.get_by_label("Article URL").fill(url)
        page.get_by_role("button", name="Fetch and import").click()
        card = page.locator("#panel-url .result").first
        expect(card.locator(".job-status")).to_have_count(2, timeout=SLOW)
    statuses = card.locator(".job-status")
    expect(statuses.nth(0)).to_have_text("Succeeded")
    expect(statuses.nth(1)).to_have_text("Succeeded", timeout=SLOW)
    expect(card.locator(".job-label").nth(1)).to_contain_text("Entity recognition")
    imported = Article.objects.get(team=team_a, url=url)
    link = card.get_by_role("link", name="Open the article").first
    assert link.get_attribute("href") == f"/articles/{imported.pk}/"


def test_url_import_that_cannot_be_fetched_is_shown_as_failed(page, live_server, alice):
    refused = FetchError("example.org resolves to a private address", code="blocked_address")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/import/#url")
    with mock.patch("annotations.services.archive.fetch_url", side_effect=refused):
        page.get_by_label("Article URL").fill("https://example.org/private")
        page.get_by_role("button", name="Fetch and import").click()
        card = page.locator("#panel-url .result").first
        expect(card.locator(".error")).to_have_text(
            "Not imported: example.org resolves to a private address", timeout=SLOW
        )
    expect(card).to_have_class(re.compile("failed"))
    expect(card.get_by_role("link", name="Open the article")).to_have_count(0)


def test_reviewer_sees_why_they_cannot_import(page, live_server, bob):
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/import/")
    expect(
        page.get_by_role("heading", name="Only analysts and owners import articles")
    ).to_be_visible()
    expect(page.locator("form[data-import]")).to_have_count(0)


def test_user_without_a_team_is_told_so(page, live_server, db):
    UserFactory(username="dave")
    sign_in(page, live_server, "dave")
    expect(page.get_by_role("heading", name="You are not in a team")).to_be_visible()
    page.goto(f"{live_server.url}/import/")
    expect(page.get_by_role("heading", name="You are not in a team")).to_be_visible()
    expect(page.locator("form[data-import]")).to_have_count(0)


def test_entity_list_and_detail_show_mentions_in_context(page, live_server, desk_a, article):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/")
    rows = page.locator("table.entities tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("John Kirby")  # the most mentioned first
    expect(rows.first.locator(".badge")).to_have_text("PERSON")
    expect(rows.first.locator("td.num").nth(0)).to_have_text("2")
    expect(rows.first.locator("td.num").nth(1)).to_have_text("2")
    wikidata = rows.first.get_by_role("link", name=re.compile("Q6237397"))
    assert wikidata.get_attribute("href") == "https://www.wikidata.org/wiki/Q6237397"
    assert wikidata.get_attribute("rel") == "noopener noreferrer"

    page.get_by_label("Kind").select_option("GPE")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="No entities match these filters")).to_be_visible()
    page.goto(f"{live_server.url}/entities/?q=admiral")
    expect(rows).to_have_count(1)

    rows.first.get_by_role("link", name="John Kirby").click()
    expect(page.get_by_role("heading", name="John Kirby", level=1)).to_be_visible()
    expect(page.get_by_text("2 mentions in 2 articles")).to_be_visible()
    expect(page.locator(".aliases li")).to_have_text(["Kirby", "Admiral Kirby"])
    contexts = page.locator(".contexts a.kwic")
    expect(contexts).to_have_count(2)
    first = page.locator(f"#mention-{desk_a['mention'].pk}")
    expect(first.locator("mark")).to_have_text("John Kirby")
    expect(first).to_contain_text("national security spokesman John Kirby said the US believes")
    assert first.get_attribute("href") == f"/articles/{article.pk}/#m-{desk_a['mention'].pk}"

    claims = page.get_by_role("region", name="Claims attributed to John Kirby").locator("li")
    expect(claims).to_have_count(1)
    expect(claims.first.locator("blockquote")).to_have_text(desk_a["claim"].exact)
    expect(claims.first).to_contain_text("Supported")
    expect(claims.first).to_contain_text("Draft")
    expect(claims.first).to_contain_text("by alice")
    screenshot(page, "entity")
    _no_js_errors(page)


def test_mention_context_is_escaped(page, live_server, team_a, alice):
    risky = make_article(
        team=team_a, title="<b>bold</b>", text="<script>alert(1)</script> Kirby <img src=x>"
    )
    kirby = Entity.objects.create(team=team_a, name="Kirby <i>", kind=Entity.Kind.PERSON)
    _mention(risky, kirby, "Kirby")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{kirby.pk}/")
    expect(page.locator(".contexts li a.kwic")).to_have_text(
        "<script>alert(1)</script> Kirby <img src=x>"
    )
    expect(page.get_by_role("heading", name="Kirby <i>", level=1)).to_be_visible()
    # The entity card writes the same names and titles as text.
    page.get_by_role("button", name="Correct the mention “Kirby” in <b>bold</b>").click()
    card = page.get_by_role("dialog", name="Kirby <i>")
    expect(card.get_by_role("link", name="<b>bold</b>")).to_be_visible()
    expect(page.locator("main img, main script, main b")).to_have_count(0)


def test_carol_does_not_see_team_a(page, live_server, desk_a, desk_b):
    sign_in(page, live_server, "carol")
    rows = page.locator("table.articles tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Desk B's private brief")
    expect(page.get_by_text("North Korean troops in Kursk")).to_have_count(0)
    page.goto(f"{live_server.url}/entities/")
    expect(page.get_by_text("John Kirby")).to_have_count(0)
    page.expect_response(404, f"/entities/{desk_a['kirby'].pk}/")
    response = page.goto(f"{live_server.url}/entities/{desk_a['kirby'].pk}/")
    assert response is not None
    assert response.status == 404


@pytest.mark.parametrize("path", ["/", "/import/", "/entities/", "entity"])
def test_no_horizontal_scrolling_at_800px(page, live_server, desk_a, path):
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, live_server, "alice")
    if path == "entity":
        path = f"/entities/{desk_a['kirby'].pk}/"
    page.goto(f"{live_server.url}{path}")
    widths = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


@pytest.fixture
def _clear_cache():
    # The failure counters live in the cache, which the database flush between tests keeps.
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_clear_cache")
def test_sign_in_is_throttled(page, live_server, alice):
    page.expect_response(429, "/login/")  # the throttle under test
    for _ in range(6):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
    # Five free mistakes, then the account waits (5 s, doubling); the form keeps the name.
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Too many failed sign-ins for this account; try again in \d+ seconds")
    )
    expect(page.get_by_label("Username")).to_have_value("alice")
