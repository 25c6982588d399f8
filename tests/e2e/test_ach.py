"""The ACH pages in Chromium: start an analysis, add hypotheses and evidence (a claim of the
team and free text), rate the matrix with the keyboard, and see the ranking, the
non-diagnostic rows and the sensitivity; restore an earlier version from the history."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from annotations.models import Analysis, Rating
from annotations.services.annotations import annotation_create
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

TEXT = (
    "Kirby said the troops traveled by ship to Vladivostok. Railway workers in Khabarovsk "
    "reported long military trains heading west."
)


def _claims(team, alice, tags):
    article = make_article(team=team, text=TEXT, title="Troops moved east to west")
    for quote in (
        "the troops traveled by ship to Vladivostok",
        "long military trains heading west",
    ):
        start = TEXT.index(quote)
        annotation_create(
            article=article, author=alice, start=start, end=start + len(quote), tags=[tags["claim"]]
        )


def test_build_an_analysis_and_rate_it_with_the_keyboard(
    page: Page, live_server, team_a, alice, tags_a
):
    _claims(team_a, alice, tags_a)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/analyses/")
    page.get_by_label("Question").fill("How did the troops reach Kursk?")
    page.get_by_label("Hypotheses, one a line").fill("By ship, then rail\nBy air")
    page.get_by_role("button", name="Start the analysis").click()
    page.wait_for_url(re.compile(r"/analyses/\d+/$"))
    analysis = Analysis.objects.get()
    expect(page.locator("#ach-question")).to_have_text("How did the troops reach Kursk?")

    page.get_by_label("Hypothesis", exact=True).fill("<b>They never left</b>")
    page.get_by_role("button", name="Add hypothesis").click()
    expect(page.locator(".ach-h")).to_have_count(3)
    expect(page.locator(".ach-h").nth(2)).to_contain_text("<b>They never left</b>")  # as text

    page.get_by_label("Find a claim of the team").fill("ship")
    page.get_by_role("button", name=re.compile("Add the claim: the troops traveled")).click()
    expect(page.locator("#ach-matrix tbody tr")).to_have_count(1)
    page.get_by_label("Find a claim of the team").fill("trains")
    page.get_by_role("button", name=re.compile("Add the claim: long military trains")).click()
    expect(page.locator("#ach-matrix tbody tr")).to_have_count(2)
    page.get_by_label("Or write the evidence").fill("The weather was fine all week")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator("#ach-matrix tbody tr")).to_have_count(3)

    # Row 1 (ship): C, I, II. Row 2 (trains): C, II, I. Row 3 (weather): N everywhere.
    page.locator("td.ach-cell").first.click()
    for key in (
        "c",
        "ArrowRight",
        "i",
        "ArrowRight",
        "Shift+I",
        "ArrowDown",
        "4",
        "ArrowLeft",
        "5",
        "ArrowLeft",
        "2",
        "ArrowDown",
        "3",
        "ArrowRight",
        "n",
        "ArrowRight",
        "n",
    ):
        page.keyboard.press(key)
        if key not in ("ArrowRight", "ArrowLeft", "ArrowDown"):
            # each rating is saved before the next key moves on
            expect(page.locator("td.ach-cell:focus")).not_to_have_text("")
    expect(page.locator("td.ach-cell")).to_have_text(
        ["C", "I", "II", "C", "II", "I", "N", "N", "N"]
    )
    assert Rating.objects.filter(evidence__analysis=analysis).count() == 9

    # Ranking: ship 0, air 1 + 2 = 3, never left 2 + 1 = 3 (tie: the column order).
    expect(page.locator("#ach-ranking li")).to_have_count(3)
    expect(page.locator("#ach-ranking li").first).to_contain_text("By ship, then rail")
    expect(page.locator("#ach-ranking li").nth(1)).to_contain_text("By air")
    weather = page.locator("#ach-matrix tbody tr").nth(2)
    expect(weather).to_contain_text("not diagnostic")
    expect(weather).to_have_class(re.compile("nondiagnostic"))
    first = page.locator("#ach-matrix tbody tr").first
    expect(first).to_contain_text("changes the order")  # without it: air 1 < never left 2
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, "ach")

    # A hand-set weight of 3 on the trains row makes "never left" worse than air.
    page.locator("#ach-matrix tbody tr").nth(1).get_by_label(re.compile("Weight set by hand")).fill(
        "3"
    )
    page.locator("#ach-matrix tbody tr").nth(1).get_by_label(
        re.compile("Weight set by hand")
    ).press("Tab")
    expect(page.locator("#ach-ranking li").nth(2)).to_contain_text("By air")

    # History: restore the version before the weight.
    page.locator("#ach-history summary").click()
    version = analysis.versions.order_by("-number")[1].number
    page.get_by_role("button", name=f"Restore version {version}").click()
    expect(page.locator("#ach-status")).to_have_text(f"Restored version {version}.")
    expect(page.locator("#ach-ranking li").nth(1)).to_contain_text("By air")


def test_another_team_cannot_open_the_matrix(page: Page, live_server, team_a, alice, carol):
    from annotations.services.ach import ach_create

    analysis = ach_create(user=alice, team=team_a, question="Private question", hypotheses=["x"])
    sign_in(page, live_server, "carol")
    page.expect_response(404, f"/analyses/{analysis.pk}/")
    answer = page.goto(f"{live_server.url}/analyses/{analysis.pk}/")
    assert answer is not None
    assert answer.status == 404
    page.goto(f"{live_server.url}/analyses/")
    expect(page.locator("main")).not_to_contain_text("Private question")
