"""Browser tests of figures: resolving a malformed figure in the reader, and the figures page's
chart of one subject's troop numbers from two sources, with the outlier flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotations.models import Entity, Figure
from annotations.services.analysis import articles_analyze
from tests.e2e.conftest import header_link, screenshot, sign_in
from tests.factories import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def test_resolve_a_malformed_figure_in_the_reader(page, live_server, alice, article):
    articles_analyze(article_ids=[article.pk])
    figure = Figure.objects.get(article=article, flagged=True)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    panel = page.get_by_role("region", name="Figures")
    item = panel.locator(f'li[data-figure="{figure.pk}"]')
    expect(item).to_contain_text("Malformed number")
    expect(item).to_contain_text("315,00 Russian soldiers")
    expect(panel.locator("li.figure-item").first).to_have_attribute(
        "data-figure", str(figure.pk)
    )  # the one to resolve comes first
    item.scroll_into_view_if_needed()
    screenshot(page, "figures-reader")
    item.get_by_label("31,500").check()
    item.get_by_role("button", name="Resolve").click()
    expect(item).to_contain_text("Read as 31,500 by alice")
    expect(item).to_contain_text("Resolved")
    figure.refresh_from_db()
    assert figure.resolved_value == 31_500
    assert figure.resolved_by == alice

    # and back: the undo brings the choice back
    page.locator(f'li[data-figure="{figure.pk}"]').get_by_role("button", name="Undo").click()
    item = panel.locator(f'li[data-figure="{figure.pk}"]')
    expect(item.get_by_role("button", name="Resolve")).to_be_visible()
    figure.refresh_from_db()
    assert figure.resolved_value is None


def test_figures_page_charts_troop_numbers_and_flags_the_outlier(
    page, live_server, team_a, alice, seed_text
):
    kursk = json.loads((ROOT / "annotations/demo/articles.jsonl").open().readline())
    wire = make_article(
        team=team_a,
        text=kursk["text"],
        title=kursk["title"],
        outlet_name=kursk["outlet"],
        published_at=datetime.fromisoformat(kursk["published_at"]),
    )
    # the example article, as another outlet's report three days later
    article = make_article(
        team=team_a,
        text=seed_text,
        title="North Korean troops in Kursk",
        outlet_name="NewsNotes Seoul Desk",
        published_at=datetime(2024, 11, 4, 6, tzinfo=UTC),
    )
    articles_analyze(article_ids=[wire.pk, article.pk])
    korea = Entity.objects.get(team=team_a, name="North Korea", merged_into=None)
    outlier = Figure.objects.get(article=article, kind="troops", low=1_500)

    sign_in(page, live_server, "alice")
    page.set_viewport_size({"width": 1280, "height": 900})
    header_link(page, "Figures").click()
    page.get_by_label("Subject").select_option(str(korea.pk))
    page.get_by_label("Kind").select_option("troops")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#figure-summary")).to_contain_text("1 outlier")
    expect(page.locator("#figure-chart")).to_have_attribute("data-points", "4")
    row = page.locator(f"#figure-{outlier.pk}")
    expect(row).to_have_class("is-outlier")
    expect(row).to_contain_text("Outlier")
    expect(page.locator("#figures-table tbody tr")).to_have_count(4)
    page.mouse.move(5, 5)
    screenshot(page, "figures")
    # a figure's link opens the reader at the claim that states it
    claim = outlier.claim
    assert claim is not None
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.pk}/#a-{claim.pk}")
