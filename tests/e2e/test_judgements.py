"""Browser tests: an entity page's judgement history and its undo; the reader's notice for a
language without full entity recognition."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from annotations.models import Entity, Mention
from annotations.services.analysis import articles_analyze
from annotations.services.entities import entity_merge
from annotations.services.judgements import judgement_record
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_entity_page_shows_judgements_and_undoes_a_merge(page, live_server, team_a, alice, article):
    start = article.text.index("John Kirby")
    full = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    short = Entity.objects.create(team=team_a, name="Kirby", kind="PERSON")
    other = Entity.objects.create(team=team_a, name="Kirby Smith", kind="PERSON")
    Mention.objects.create(
        article=article, entity=full, start=start, end=start + 10, text="John Kirby", label="PERSON"
    )
    later = article.text.index("Kirby", start + 11)
    Mention.objects.create(
        article=article, entity=short, start=later, end=later + 5, text="Kirby", label="PERSON"
    )
    judgement_record(left=full, right=other, judgement="not_same", actor=alice)
    entity_merge(target=full, others=[short], actor=alice)

    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/entities/{full.pk}/")
    expect(page.get_by_text("2 mentions in 1 article")).to_be_visible()
    history = page.get_by_role("region", name="Judgements").locator("li.judgement")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("The same")
    expect(history.first).to_contain_text("by alice")
    expect(history.nth(1)).to_contain_text("Not the same")
    expect(history.nth(1)).to_contain_text("Kirby Smith")
    screenshot(page, "entity-judgements")

    history.first.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("1 mention in 1 article")).to_be_visible()
    expect(history.first).to_contain_text("undone by alice")
    expect(history.first.get_by_role("button", name="Undo")).to_have_count(0)
    page.goto(f"{live_server.url}/entities/{short.pk}/")
    expect(page.get_by_text("1 mention in 1 article")).to_be_visible()


def test_reader_says_when_full_ner_is_not_available(page, live_server, team_a, alice):
    russian = make_article(
        team=team_a, text="Владимир Путин прибыл в Пхеньян во вторник.", title="Путин в Пхеньяне"
    )
    english = make_article(team=team_a, text="Kirby said the talks would resume.", title="EN")
    assert russian.language == "ru"
    articles_analyze(article_ids=[russian.pk, english.pk])
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/articles/{russian.pk}/")
    notice = page.get_by_role("note")
    expect(notice).to_contain_text("This article is in Russian")
    expect(notice).to_contain_text("Full entity recognition is not available for this language")
    expect(page.locator("#entities")).to_contain_text("Vladimir Putin")  # the gazetteer's
    expect(page.locator("#entities")).to_contain_text("Pyongyang")
    screenshot(page, "reader-language-notice")
    page.goto(f"{live_server.url}/articles/{english.pk}/")
    expect(page.get_by_role("heading", name="EN", level=1)).to_be_visible()
    expect(page.locator("[data-language-notice]")).to_have_count(0)
