"""The network page in Chromium: the graph draws from the team's co-occurrences, clicking a
link (on the canvas, or in the list under it) opens the sentences behind it with links into
the reader, and an analyst types a relation that the link then shows; a bad filter in the
URL is named; another team's entities never show."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from annotations.models import Mention, Relation
from annotations.services.entities import entity_create
from annotations.services.network import network_pairs_compute
from tests.e2e.conftest import header_link, screenshot, sign_in
from tests.factories import make_article

CAST = {
    "Kim Jong Un": "PERSON",
    "Sergei Shoigu": "PERSON",
    "Vladimir Putin": "PERSON",
    "Choe Son Hui": "PERSON",
    "Andrei Belousov": "PERSON",
    "Russia": "GPE",
    "North Korea": "GPE",
    "Ukraine": "GPE",
    "Pyongyang": "GPE",
    "Kursk": "LOC",
    "Wagner Group": "ORG",
    "KPA": "ORG",
}
SENTENCES = [
    "Kim Jong Un met Sergei Shoigu in Pyongyang.",
    "Vladimir Putin thanked Kim Jong Un for the KPA troops sent to Kursk.",
    "Choe Son Hui flew to Russia to meet Vladimir Putin.",
    "Andrei Belousov replaced Sergei Shoigu while Russia pressed on in Ukraine.",
    "North Korea denied that the KPA fought in Kursk.",
    "The Wagner Group recruited in Russia and fought in Ukraine.",
    "Sergei Shoigu and Andrei Belousov spoke of North Korea.",
    "Kim Jong Un and Vladimir Putin signed a pact in Pyongyang.",
]


def annotate(article, entities) -> None:
    for name, entity in entities.items():
        at = article.text.find(name)
        while at >= 0:
            Mention.objects.create(
                article=article, entity=entity, start=at, end=at + len(name), text=name
            )
            at = article.text.find(name, at + len(name))


@pytest.fixture
def desk(team_a, team_b, alice, carol):
    entities = {name: entity_create(team=team_a, name=name, kind=k) for name, k in CAST.items()}
    articles = []
    for day, first in enumerate(range(0, len(SENTENCES), 2), start=1):
        article = make_article(
            team=team_a,
            text=" ".join(SENTENCES[first : first + 2]),
            title=f"Dispatch {day}",
            outlet_name="Wire One",
            published_at=datetime(2024, 11, day, tzinfo=UTC),
        )
        annotate(article, entities)
        articles.append(article)
    # Another team's article naming two of its own entities: never on Desk A's page.
    theirs = make_article(team=team_b, text="Secret Agent met Hidden Minister in Minsk.")
    annotate(
        theirs,
        {
            n: entity_create(team=team_b, name=n, kind="PERSON")
            for n in ("Secret Agent", "Hidden Minister")
        },
    )
    network_pairs_compute(article_ids=[a.pk for a in [*articles, theirs]])
    return {"entities": entities, "articles": articles}


# The middle one of the pixels drawn in the edges' grey (#9aa4ae), as [x, y] in CSS pixels of
# the graph's box: the labels are darker, the nodes blue.
EDGE_PIXEL = """(box) => {
  for (const canvas of box.querySelectorAll("canvas")) {
    const { width, height } = canvas;
    const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    const found = [];
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 100 && r > 130 && r < 180 && g > r && b > g && b - r < 30) found.push(i / 4);
    }
    if (found.length) {
      const at = found[Math.floor(found.length / 2)];
      const scale = width / box.clientWidth;
      return [(at % width) / scale, Math.floor(at / width) / scale];
    }
  }
  return null;
}"""


def ready(page: Page) -> None:
    expect(page.locator("#network")).to_have_attribute("data-ready", "1", timeout=15000)


def test_graph_draws_and_a_link_opens_its_sentences_and_takes_a_relation(
    page: Page, live_server, desk, alice
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "alice")
    header_link(page, "Network").click()
    page.wait_for_url(f"{live_server.url}/network/")
    ready(page)
    expect(page.locator("#network-count")).to_have_text(re.compile(r"^12 entities · \d+ links$"))
    expect(page.locator("#network canvas").first).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Hidden Minister")

    links = page.locator("#network-links")
    links.locator("summary").click()
    links.get_by_role("button", name="Kim Jong Un — Vladimir Putin").click()
    panel = page.locator("#network-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Kim Jong Un — Vladimir Putin")
    expect(panel.locator(".passages li")).to_have_count(2)
    expect(panel.locator(".passages")).to_contain_text(
        "Kim Jong Un and Vladimir Putin signed a pact in Pyongyang."
    )
    reader = panel.get_by_role("link", name="Dispatch 4")
    expect(reader).to_have_attribute("href", re.compile(r"^/articles/\d+/#t-\d+-\d+$"))

    panel.get_by_label("Direction").select_option(label="Vladimir Putin → Kim Jong Un")
    panel.get_by_role("combobox", name="Relation").fill("allied with")
    panel.get_by_label("Note").fill("The June 2024 pact.")
    panel.get_by_role("button", name="Add relation").click()
    expect(panel.locator(".relations li")).to_contain_text("Vladimir Putin allied with Kim Jong Un")
    expect(panel.locator(".relations li")).to_contain_text("created by alice")
    relation = Relation.objects.get()
    assert (relation.source.name, relation.target.name) == ("Vladimir Putin", "Kim Jong Un")
    assert relation.note == "The June 2024 pact."
    row = links.locator("tr", has_text="Kim Jong Un — Vladimir Putin")
    expect(row).to_contain_text("allied with")
    page.locator("h1").scroll_into_view_if_needed()
    screenshot(page, "network")

    # A label past the cap is refused with the field named; nothing is written.
    panel.get_by_role("combobox", name="Relation").fill("x" * 60)
    page.expect_response(400, "/api/relations/")
    panel.get_by_role("combobox", name="Relation").evaluate("(node) => { node.maxLength = 200; }")
    panel.get_by_role("combobox", name="Relation").fill("x" * 61)
    panel.get_by_role("button", name="Add relation").click()
    expect(panel.locator("#relation-error")).to_contain_text("label:")
    assert Relation.objects.count() == 1


def test_click_on_the_drawn_link(page: Page, live_server, team_a, alice):
    kim = entity_create(team=team_a, name="Kim Jong Un", kind="PERSON")
    shoigu = entity_create(team=team_a, name="Sergei Shoigu", kind="PERSON")
    article = make_article(team=team_a, text="Kim Jong Un met Sergei Shoigu in Pyongyang.")
    annotate(article, {"Kim Jong Un": kim, "Sergei Shoigu": shoigu})
    network_pairs_compute(article_ids=[article.pk])
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/network/?kind=sentence&min_weight=1")
    ready(page)
    # Where the link is drawn: found from the canvas's pixels, since the layout places it.
    box = page.locator("#network").bounding_box()
    assert box is not None
    point = page.locator("#network").evaluate(EDGE_PIXEL)
    assert point is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    panel = page.locator("#network-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Kim Jong Un — Sergei Shoigu")
    expect(panel.locator(".passages blockquote")).to_have_text(
        "Kim Jong Un met Sergei Shoigu in Pyongyang."
    )


def test_a_bad_filter_is_named(page: Page, live_server, desk, alice):
    sign_in(page, live_server, "alice")
    page.expect_response(400, "/api/network/")
    page.goto(f"{live_server.url}/network/?from=2024-12-01&to=2024-11-01")
    ready(page)
    expect(page.locator("#network-error")).to_contain_text("to: Give a date on or after")
    page.goto(f"{live_server.url}/network/?from=2024-11-04")
    ready(page)
    expect(page.locator("#network-count")).to_have_text("6 entities · 6 links")
