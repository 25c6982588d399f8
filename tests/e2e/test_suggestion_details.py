"""The reader's suggestion card says why the model chose the speaker, who reported the words,
and marks a denial as a denial."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Annotation, Article, Entity
from annotations.services import analysis
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

TEXT = (
    "French Foreign Minister Jean-Luc Bernard met Italian officials in Rome on Monday.\n"
    "The talks lasted four hours.\n"
    "He said the two countries had agreed to share intelligence.\n"
    "Defense Secretary Lloyd Austin said that John Kirby told reporters the troops had moved "
    "west.\n"
    "Moscow at first denied the reports as fake news."
)


def test_suggestion_cards_show_the_reason_the_reporter_and_the_denial(
    live_server, page, alice, team_a
):
    article = Article.objects.create(team=team_a, title="Speakers", text=TEXT, text_sha256="sp")
    analysis.articles_analyze(article_ids=[article.pk])
    suggestions = {
        a.exact: a.pk
        for a in Annotation.objects.filter(article=article, origin=Annotation.Origin.MODEL)
    }
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{article.pk}/")

    pronoun = page.locator(
        f'li.card[data-id="{suggestions["the two countries had agreed to share intelligence"]}"]'
    )
    expect(pronoun).to_contain_text("Suggested by the model")
    expect(pronoun).to_contain_text("Claimed by Jean-Luc Bernard")
    expect(pronoun.locator(".speaker-reason")).to_have_text(
        "Speaker: \u2018He\u2019 \u2192 Jean-Luc Bernard (sentence 1)"
    )

    chained = page.locator(f'li.card[data-id="{suggestions["the troops had moved west"]}"]')
    expect(chained).to_contain_text("Claimed by John Kirby")
    reporter = chained.locator(".reporter a")
    expect(reporter).to_have_text("Defense Secretary Lloyd Austin")
    austin = Entity.objects.get(team=team_a, name="Lloyd Austin")
    expect(reporter).to_have_attribute("href", f"/entities/{austin.pk}/")

    denial = page.locator(
        f'li.card[data-id="{suggestions["Moscow at first denied the reports as fake news"]}"]'
    )
    expect(denial.locator(".badge.stance-denies")).to_have_text("Denial")
    expect(denial).to_contain_text("Denied by Moscow")
    pronoun.scroll_into_view_if_needed()
    screenshot(page, "suggestion-speaker-reason")
