"""Browser tests: a claim's page (first appearance, timeline with a dropped hedge, reviews),
confirming its grouping and undoing that; the reader's "already assessed" popover."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import ClaimAppearance, Entity
from annotations.services.annotations import annotation_submit, annotation_update, review_create
from tests.claims_world import make_claims
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claims(team_a, alice, bob):
    articles, (courier_kursk, courier_losses, wire_kursk) = make_claims(team_a, alice)
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    annotation_update(
        annotation=wire_kursk, actor=alice, attributed_to_entity=kirby, assessment="supported"
    )
    annotation_submit(annotation=courier_kursk, actor=alice)
    review_create(
        annotation=courier_kursk,
        reviewer=bob,
        verdict="dispute",
        note="The Courier drops Washington's 'believes': the figure is an estimate.",
    )
    return articles, (courier_kursk, courier_losses, wire_kursk)


def test_claim_page_and_confirming_its_grouping(page, live_server, alice, claims):
    _, (_courier_kursk, _, wire_kursk) = claims
    cluster = ClaimAppearance.objects.get(annotation=wire_kursk).cluster_id
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/claims/")
    expect(page.locator("table.claims-list tbody tr")).to_have_count(2)
    screenshot(page, "claims-list")
    page.get_by_role("link", name="At least 8,000 North Korean troops").click()
    page.wait_for_url(f"{live_server.url}/claims/{cluster}/")
    facts = page.locator(".claim-facts")
    expect(facts).to_contain_text("NewsNotes Wire")
    expect(facts).to_contain_text("John Kirby")
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("First")
    expect(timeline.nth(1)).to_contain_text("Baltic Courier")
    expect(timeline.nth(1)).to_contain_text("Dropped: epistemic")
    expect(timeline.first.locator("mark.hedge-epistemic")).to_have_text("believes")
    expect(page.get_by_role("region", name="Review outcomes and disputes")).to_contain_text(
        "figure is an estimate"
    )
    link = timeline.first.get_by_role("link", name="North Korean troops reach")
    expect(link).to_have_attribute("href", f"/articles/{wire_kursk.article_id}/#a-{wire_kursk.pk}")
    page.set_viewport_size({"width": 1280, "height": 1100})
    screenshot(page, "claim")

    page.get_by_role("button", name="Confirm this grouping").click()
    expect(page.locator("[data-confirmed]")).to_contain_text("Confirmed by alice")
    history = page.get_by_role("region", name="Judgements").locator("li.judgement")
    expect(history).to_have_count(1)
    history.first.get_by_role("button", name="Undo").click()
    expect(history.first).to_contain_text("undone by alice")
    expect(page.locator("[data-confirmed]")).to_have_count(0)


def test_accepting_a_claim_the_team_assessed_offers_the_assessment(
    page, live_server, team_a, alice, dave, claims
):
    from annotations.models import Annotation, Tag
    from annotations.services.analysis import nlp_user
    from annotations.services.claim_clusters import claims_cluster_articles
    from tests.factories import make_article

    text = (
        "SEOUL, Nov 4 - At least 8,000 North Korean troops are now in the Kursk region, "
        "officials said."
    )
    article = make_article(
        team=team_a, text=text, title="Seoul briefing", outlet_name="Seoul Daily"
    )
    quote = "At least 8,000 North Korean troops are now in the Kursk region"
    start = text.index(quote)
    suggestion = Annotation.objects.create(
        team=team_a,
        article=article,
        start=start,
        end=start + len(quote),
        exact=quote,
        author=nlp_user(),
        origin="model",
        suggestion_state="pending",
    )
    suggestion.tags.set([Tag.objects.get(team=team_a, slug="claim")])
    claims_cluster_articles(article_ids=[article.pk])  # as after analysis

    sign_in(page, live_server, "dave")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.locator(f'li.card[data-id="{suggestion.pk}"]').get_by_role("button", name="Accept").click()
    notice = page.locator("[data-already-assessed]")
    expect(notice).to_contain_text("Already assessed")
    expect(notice).to_contain_text("Supported")
    expect(notice).to_contain_text("NewsNotes Wire")
    screenshot(page, "claim-already-assessed")
    notice.get_by_role("button", name="Adopt “Supported”").click()
    expect(notice).to_have_count(0)
    suggestion.refresh_from_db()
    assert suggestion.assessment == "supported"
    assert suggestion.author == dave
