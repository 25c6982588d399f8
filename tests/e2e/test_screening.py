"""The batch screening page in Chromium: paste names, watch the job's progress, read the
results with their filters and entity links, download the CSV, and a bad list's field error."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Job, Tag
from annotations.services.annotations import annotation_create
from annotations.services.entities import entity_create, mention_create
from annotations.services.jobs import job_run
from annotations.services.screening import screening_create
from tests.e2e.conftest import header_link, screenshot, sign_in
from tests.factories import make_article

KIRBY = (
    "WASHINGTON (Wire) - White House spokesman John Kirby said on Thursday that at least 8,000 "
    "North Korean troops were in Kursk. Volodymyr Zelensky urged allies to act."
)
SEOUL = "SEOUL (Wire) - Kim Jong Un sent an elite unit, lawmakers were told; Zelensky agreed."


@pytest.fixture
def desk(team_a, team_b, alice, carol, settings):
    # Jobs wait in the queue until the test runs them, so the page shows their progress.
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    first = make_article(team=team_a, text=KIRBY, published_at=datetime(2024, 10, 18, tzinfo=UTC))
    second = make_article(team=team_a, text=SEOUL, published_at=datetime(2024, 11, 1, tzinfo=UTC))
    kirby = entity_create(team=team_a, name="John Kirby", kind="PERSON")
    zelensky = entity_create(
        team=team_a, name="Volodymyr Zelensky", kind="PERSON", aliases=["Zelensky"]
    )
    kim = entity_create(team=team_a, name="Kim Jong Un", kind="PERSON")
    entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    for article, entity, phrase in [
        (first, kirby, "John Kirby"),
        (first, zelensky, "Volodymyr Zelensky"),
        (second, kim, "Kim Jong Un"),
        (second, zelensky, "Zelensky"),
    ]:
        start = article.text.index(phrase)
        mention_create(
            article_id=article.pk, entity=entity, start=start, end=start + len(phrase), actor=alice
        )
    claim = Tag.objects.get(team=team_a, slug="claim")
    start = KIRBY.index("at least 8,000")
    annotation_create(
        article=first,
        author=alice,
        start=start,
        end=KIRBY.index(" Volodymyr"),
        tags=[claim],
        attributed_to_entity=kirby,
    )
    return {"kirby": kirby, "zelensky": zelensky, "kim": kim}


def test_paste_names_follow_progress_read_and_download(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    header_link(page, "Screening").click()
    page.wait_for_url(re.compile(r"/screening/$"))
    expect(page.get_by_text("No screening yet")).to_be_visible()

    page.get_by_label("Names").fill(
        "John Kirby\nZelensky\nVolodymyr Zelenskyy\nKim Jong-un\nRafael Grossi\nNobody Known\n"
    )
    page.get_by_label("Title").fill("Briefing list")
    page.get_by_role("button", name="Screen names").click()

    progress = page.locator("[data-progress]")
    expect(progress).to_contain_text("Screening names")
    expect(progress).to_contain_text("Queued")
    job = Job.objects.get(kind=Job.Kind.SCREEN)
    job_run(job_id=job.pk)

    page.wait_for_url(re.compile(r"/screening/\d+/$"))
    table = page.locator("table.screen-table")
    expect(table.locator("tbody tr")).to_have_count(6)
    kirby_row = table.locator("tr", has_text="John Kirby").first
    expect(kirby_row).to_contain_text("Exact")
    expect(kirby_row.locator("td").nth(6)).to_have_text("1")  # the claim
    expect(kirby_row).to_contain_text("18 Oct 2024")
    expect(table.locator("tr", has_text="Kim Jong-un")).to_contain_text("Fuzzy")
    expect(table.locator("tr", has_text="Rafael Grossi")).to_contain_text("No match")
    zelensky = table.locator("tr", has_text="Volodymyr Zelenskyy")
    expect(zelensky).to_contain_text("Fuzzy")
    expect(zelensky.locator("td").nth(5)).to_have_text("2")
    expect(page.locator(".screen-past")).to_contain_text("Briefing list")
    expect(page.locator(".screen-past")).to_contain_text("Succeeded")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "screening")

    # The filter by match kind stays in the URL.
    page.get_by_role("navigation", name="Filter by match").get_by_role("link", name="Alias").click()
    page.wait_for_url(re.compile(r"\?match=alias$"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Zelensky")

    # The download follows the filter.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["name"], r["match_kind"]) for r in rows] == [("Zelensky", "alias")]

    # The entity link opens the entity's page.
    page.get_by_role("link", name="All").click()
    table.get_by_role("link", name="Kim Jong Un").click()
    page.wait_for_url(re.compile(rf"/entities/{desk['kim'].pk}/$"))


def test_an_empty_list_is_refused_next_to_its_field(page: Page, live_server, desk):
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/screening/")
    page.expect_response(400, "/api/screenings/")
    page.get_by_label("Names").fill("\n  \n")
    page.get_by_role("button", name="Screen names").click()
    error = page.locator("#screen-names-error")
    expect(error).to_have_text(re.compile("no names"))
    expect(page.get_by_label("Names")).to_have_attribute("aria-invalid", "true")


def test_another_teams_screening_is_404(page: Page, live_server, desk, carol):

    screening = screening_create(
        team=desk["kim"].team, actor=desk["kim"].team.memberships.first().user, names=["Kim"]
    )
    sign_in(page, live_server, "carol")
    page.expect_response(404, f"/screening/{screening.pk}/")
    response = page.goto(f"{live_server.url}/screening/{screening.pk}/")
    assert response is not None
    assert response.status == 404
