"""Search (selectors/search.py) over a small corpus, on the run's engine: PostgreSQL or SQLite
FTS5 (CI runs both, so each assertion holds on both)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from annotations.lib.searchquery import QueryError
from annotations.models import Annotation, Entity, SearchEntry, Tag
from annotations.selectors import search as search_module
from annotations.selectors.search import MARK_END, MARK_START, Filters, search
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_update,
    article_submit,
    reply_create,
    review_create,
    suggestion_reject,
)
from annotations.services.entities import entity_create, entity_merge, entity_update
from annotations.services.search_index import search_reindex
from annotations.services.teams import tag_update
from tests.factories import make_article

KIRBY_TEXT = (
    "WASHINGTON (Wire) - North Korean troops have moved into the Kursk region, White House "
    "spokesman John Kirby said on Thursday. Kirby said at least 8,000 North Korean troops "
    "were in Kursk. Ukrainian President Volodymyr Zelensky urged allies to act."
)
SEOUL_TEXT = (
    "SEOUL (Wire) - South Korea's intelligence service said Kim Jong Un sent an elite unit. "
    "Lawmakers were told the soldiers belong to the Storm Corps, a special forces unit."
)
SHIP_TEXT = "MOSCOW (Wire) - The Kremlin denied that troops traveled by ship to Vladivostok."


def span(article, phrase: str) -> tuple[int, int]:
    start = article.text.index(phrase)
    return start, start + len(phrase)


@pytest.fixture
def corpus(team_a, team_b, alice, bob, carol, dave, olga):
    """Team A's articles and work, and team B's, with words that only team B uses."""
    kirby = make_article(
        team=team_a,
        text=KIRBY_TEXT,
        title="North Korean troops in Kursk, Washington says",
        outlet_name="Wire One",
        published_at=datetime(2024, 11, 1, tzinfo=UTC),
        imported_by=alice,
    )
    seoul = make_article(
        team=team_a,
        text=SEOUL_TEXT,
        title="Seoul names the unit",
        outlet_name="Seoul Daily",
        published_at=datetime(2024, 10, 18, tzinfo=UTC),
        imported_by=alice,
    )
    ship = make_article(team=team_a, text=SHIP_TEXT, title="Kremlin denial", outlet_name="Wire One")
    secret = make_article(
        team=team_b,
        text="Desk B alone writes of the Zaporizhzhia plant and of Kirby.",
        title="Desk B's private brief",
    )
    claim = Tag.objects.get(team=team_a, slug="claim")
    source = Tag.objects.get(team=team_a, slug="source")
    zelensky = entity_create(team=team_a, name="Volodymyr Zelensky", kind="PERSON")
    kim = entity_create(team=team_a, name="Kim Jong Un", kind="PERSON", aliases=["Kim"])
    kirby_entity = entity_create(team=team_a, name="John Kirby", kind="PERSON")
    entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    s, e = span(kirby, "at least 8,000 North Korean troops were in Kursk")
    figure = annotation_create(
        article=kirby,
        author=alice,
        start=s,
        end=e,
        tags=[claim],
        comment="Figure matches the Pentagon briefing.",
        assessment="supported",
        attributed_to_entity=kirby_entity,
    )
    s, e = span(kirby, "White House spokesman John Kirby")
    spokesman = annotation_create(
        article=kirby, author=dave, start=s, end=e, tags=[source], comment="On the record."
    )
    s, e = span(seoul, "Kim Jong Un sent an elite unit")
    private = annotation_create(
        article=seoul,
        author=dave,
        start=s,
        end=e,
        comment="Dave's hunch about the quartermaster",
        visibility=Annotation.Visibility.PRIVATE,
    )
    s, e = span(ship, "troops traveled by ship")
    trashed = annotation_create(
        article=ship, author=alice, start=s, end=e, comment="Wrong port: trebuchet"
    )
    annotation_delete(annotation=trashed, actor=alice)
    s, e = span(secret, "Zaporizhzhia plant")
    annotation_create(article=secret, author=carol, start=s, end=e, comment="Desk B only note")
    reply_create(annotation=figure, author=bob, text="The Pentagon number came a day later.")
    return {
        "kirby": kirby,
        "seoul": seoul,
        "ship": ship,
        "secret": secret,
        "figure": figure,
        "spokesman": spokesman,
        "private": private,
        "trashed": trashed,
        "zelensky": zelensky,
        "kim": kim,
        "kirby_entity": kirby_entity,
        "claim": claim,
    }


def ids(results, kind: str) -> list[int]:
    return [hit.id for hit in results.kinds[kind].hits]


def test_finds_every_kind_ranked_with_marked_snippets(corpus, alice):
    results = search(alice, "Kirby")
    assert ids(results, "article") == [corpus["kirby"].pk]
    assert ids(results, "annotation") == [corpus["spokesman"].pk]
    assert ids(results, "entity") == [corpus["kirby_entity"].pk]
    snippet = results.kinds["article"].hits[0].snippet
    assert f"{MARK_START}Kirby{MARK_END}" in snippet
    # The title outranks the body: "Kursk" in a title beats it in the text only.
    kursk = search(alice, "Kursk")
    assert ids(kursk, "article")[0] == corpus["kirby"].pk


def test_stemming_phrases_or_and_exclusion(corpus, alice):
    assert ids(search(alice, "troop"), "article") == sorted(
        ids(search(alice, "troops"), "article"), key=ids(search(alice, "troop"), "article").index
    )
    assert set(ids(search(alice, "troop"), "article")) == {corpus["kirby"].pk, corpus["ship"].pk}
    assert ids(search(alice, '"elite unit"'), "article") == [corpus["seoul"].pk]
    assert ids(search(alice, '"unit elite"'), "article") == []
    either = search(alice, "Vladivostok OR Lawmakers")
    assert set(ids(either, "article")) == {corpus["ship"].pk, corpus["seoul"].pk}
    assert ids(search(alice, "troops -Kremlin"), "article") == [corpus["kirby"].pk]
    assert ids(search(alice, 'troops -"by ship"'), "article") == [corpus["kirby"].pk]


def test_prefix_matching_while_typing(corpus, alice):
    assert ids(search(alice, "Vladiv"), "article") == []
    assert ids(search(alice, "Vladiv", prefix=True), "article") == [corpus["ship"].pk]
    assert ids(search(alice, "zelen", prefix=True), "entity") == [corpus["zelensky"].pk]


def test_fuzzy_names(corpus, alice):
    hyphenated = search(alice, "Kim Jong-un")
    assert ids(hyphenated, "entity") == [corpus["kim"].pk]
    assert ids(hyphenated, "article") == [corpus["seoul"].pk]
    spelt = search(alice, "Zelenskyy")
    assert ids(spelt, "entity") == [corpus["zelensky"].pk]
    assert ids(spelt, "article") == [corpus["kirby"].pk]
    assert spelt.also_searched == {"zelenskyy": ["zelensky"]}
    # Another team's names are no spelling to expand to.
    assert search(alice, "Grossy").also_searched == {}


def test_another_teams_words_never_match_not_even_as_a_count(corpus, alice, carol):
    for word in ("Zaporizhzhia", "Grossi", '"Desk B only note"'):
        results = search(alice, word)
        assert all(r.count == 0 for r in results.kinds.values()), word
        assert all(not values for values in results.facets.values()), word
    # Carol sees her own team's, and none of team A's.
    assert ids(search(carol, "Zaporizhzhia"), "article") == [corpus["secret"].pk]
    assert search(carol, "Kursk").kinds["article"].count == 0


def test_private_notes_trash_and_pending_suggestions_stay_hidden(corpus, alice, dave):
    assert search(alice, "quartermaster").kinds["annotation"].count == 0
    assert ids(search(dave, "quartermaster"), "annotation") == [corpus["private"].pk]
    assert search(alice, "trebuchet").kinds["annotation"].count == 0
    kirby = corpus["kirby"]
    s, e = span(kirby, "Ukrainian President Volodymyr Zelensky urged allies")
    pending = annotation_create(
        article=kirby,
        author=alice,
        start=s,
        end=e,
        comment="Suggested appeal",
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    assert search(alice, "appeal").kinds["annotation"].count == 0
    suggestion_reject(annotation=pending, actor=alice)
    assert search(alice, "appeal").kinds["annotation"].count == 0


def test_blind_work_is_hidden_until_the_analyst_submits(corpus, alice):
    kirby = corpus["kirby"]
    kirby.blind = True
    kirby.save(update_fields=["blind"])
    # Dave's source note on the blind article is hidden from Alice, and not counted.
    assert search(alice, '"On the record"').kinds["annotation"].count == 0
    assert all(row["count"] == 0 for row in search(alice, "Kirby").facets.get("author", []))
    article_submit(article=kirby, actor=alice)
    assert ids(search(alice, '"On the record"'), "annotation") == [corpus["spokesman"].pk]


def test_facets_filter_and_count(corpus, alice):
    results = search(alice, "troops")
    outlets = {row["label"]: row["count"] for row in results.facets["outlet"]}
    assert outlets == {"Wire One": 2}
    tags = {row["value"]: row["count"] for row in results.facets["tag"]}
    assert tags == {"claim": 1}
    assert {r["value"] for r in results.facets["assessment"]} == {"supported"}

    by_tag = search(alice, "troops", filters=Filters(tag=["claim"]))
    assert ids(by_tag, "annotation") == [corpus["figure"].pk]
    assert set(by_tag.kinds) == {"annotation"}  # a tag describes annotations only

    dated = search(alice, "Kursk OR unit", filters=Filters(published_from=date(2024, 10, 31)))
    assert ids(dated, "article") == [corpus["kirby"].pk]
    by_outlet = search(alice, "Kursk OR unit", filters=Filters(outlet=[corpus["seoul"].outlet_id]))
    assert ids(by_outlet, "article") == [corpus["seoul"].pk]
    by_entity = search(alice, "troops", filters=Filters(entity=[corpus["kirby_entity"].pk]))
    assert ids(by_entity, "annotation") == [corpus["figure"].pk]
    by_author = search(alice, "Kirby OR troops", filters=Filters(author=["dave"]))
    assert ids(by_author, "annotation") == [corpus["spokesman"].pk]
    assert ids(by_author, "reply") == []
    assert ids(search(alice, "Pentagon", filters=Filters(author=["bob"])), "reply") != []


def test_review_state_and_disputes(corpus, alice, olga):
    from annotations.services.annotations import annotation_submit

    figure = corpus["figure"]
    annotation_submit(annotation=figure, actor=alice)
    review_create(annotation=figure, reviewer=olga, verdict="dispute", note="Which briefing?")
    assert ids(search(alice, "briefing", filters=Filters(dispute=["open"])), "annotation") == [
        figure.pk
    ]
    assert ids(search(alice, "briefing"), "review") != []  # the review note is searchable
    assert [(r["value"], r["count"]) for r in search(alice, "briefing").facets["dispute"]] == [
        ("open", 1)
    ]
    review_create(annotation=figure, reviewer=olga, verdict="approve", note="")
    assert [(r["value"], r["count"]) for r in search(alice, "briefing").facets["dispute"]] == [
        ("upheld", 1)
    ]
    assert ids(search(alice, "briefing", filters=Filters(dispute=["upheld"])), "annotation") == [
        figure.pk
    ]
    assert (
        search(alice, "briefing", filters=Filters(dispute=["open"])).kinds["annotation"].count == 0
    )
    assert ids(search(alice, "briefing", filters=Filters(review=["approved"])), "annotation") == [
        figure.pk
    ]


def test_edits_reach_the_index(corpus, alice, olga):
    figure = corpus["figure"]
    annotation_update(annotation=figure, actor=alice, comment="Now about a flotilla")
    assert ids(search(alice, "flotilla"), "annotation") == [figure.pk]
    assert search(alice, "Pentagon").kinds["annotation"].count == 0
    tag_update(tag=corpus["claim"], actor=olga, name="Assertion")
    assert ids(search(alice, "assertion"), "annotation") == [figure.pk]
    entity_update(entity=corpus["kim"], aliases=["Kim", "Marshal Kim"])
    assert ids(search(alice, "marshal"), "entity") == [corpus["kim"].pk]


def test_incremental_index_equals_a_rebuild(corpus, alice, team_a):
    entity_merge(target=corpus["kim"], others=[corpus["zelensky"]], actor=alice)
    annotation_update(annotation=corpus["figure"], actor=alice, comment="Changed")

    def rows():
        return sorted(
            SearchEntry.objects.filter(team=team_a).values_list(
                "kind", "object_id", "title", "body", "config"
            )
        )

    before = rows()
    counts = search_reindex(team_id=team_a.pk)
    assert rows() == before
    assert counts["article"] == 3
    assert counts["entity"] == 3  # the merged entity stays, pointing to the canonical one
    assert Entity.objects.get(pk=corpus["zelensky"].pk).merged_into_id == corpus["kim"].pk
    # Its names find the canonical entity, and it is no longer a result of its own.
    assert ids(search(alice, "Zelensky"), "entity") == [corpus["kim"].pk]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 501, "At most 500 characters."),
        (" ".join(["word"] * 25), "At most 24 words."),
        ("-kursk", "exclusions alone find nothing"),
        ('"" -', "at least one word"),
    ],
)
def test_queries_that_cannot_run(alice, text, message):
    with pytest.raises(QueryError, match=message):
        search(alice, text)


def test_reindex_command(corpus, team_a):
    from io import StringIO

    from django.core.management import CommandError, call_command

    SearchEntry.objects.filter(team=team_a).delete()
    out = StringIO()
    call_command("search_reindex", "--team", team_a.slug, stdout=out)
    assert "3 article" in out.getvalue()
    assert SearchEntry.objects.filter(team=team_a, kind="article").count() == 3
    with pytest.raises(CommandError, match="No team with the slug 'nope'"):
        call_command("search_reindex", "--team", "nope")


def test_bulk_imports_are_found_at_once(team_a, alice):
    import json

    from annotations.services.imports import import_jsonl

    for analyze, word in ((True, "quagga"), (False, "okapi")):
        line = json.dumps({"title": f"A {word} near Kherson", "text": f"A {word} was seen."})
        report = import_jsonl(team=team_a, user=alice, lines=[line], analyze=analyze)
        assert ids(search(alice, word), "article") == report.created


def test_the_entity_facet_counts_articles_not_mentions(corpus, alice):
    from tests.test_team_pages import mention

    kirby = corpus["kirby_entity"]
    mention(corpus["kirby"], kirby, "Kirby", 0)
    mention(corpus["kirby"], kirby, "Kirby", 1)  # twice in one article
    mention(corpus["ship"], corpus["zelensky"], "Kremlin")
    facet = {row["label"]: row["count"] for row in search(alice, "troops").facets["entity"]}
    assert facet == {"John Kirby": 1, "Volodymyr Zelensky": 1}


def test_past_the_cap_counts_are_capped_and_only_the_newest_are_ranked(corpus, alice, monkeypatch):
    # "troops": the Kirby article and the newer ship article.
    monkeypatch.setattr(search_module, "MAX_COUNT", 1)
    capped = search(alice, "troops")
    assert capped.kinds["article"].count == 1
    assert capped.kinds["article"].capped
    assert ids(capped, "article") == [corpus["ship"].pk]  # the newest candidate
    assert capped.facets["outlet"] == [
        {"value": corpus["ship"].outlet_id, "label": "Wire One", "count": 1, "capped": True}
    ]
    monkeypatch.setattr(search_module, "MAX_COUNT", 2)
    exact = search(alice, "troops")
    assert (exact.kinds["article"].count, exact.kinds["article"].capped) == (2, False)
    assert {row["count"] for row in exact.facets["outlet"]} == {2}
    assert not any(row["capped"] for rows in exact.facets.values() for row in rows)


def test_the_cap_counts_visible_rows_only(corpus, alice, monkeypatch):
    """The trashed note (newer than the figure) and Dave's private one never fill the cap."""
    monkeypatch.setattr(search_module, "MAX_COUNT", 1)
    troops = search(alice, "troops").kinds["annotation"]
    assert (troops.count, troops.capped) == (1, False)
    assert [hit.id for hit in troops.hits] == [corpus["figure"].pk]
    kim = search(alice, "Kim").kinds["annotation"]
    assert (kim.count, kim.capped) == (0, False)


def test_articles_are_visible_by_team_alone():
    """The search reads an article's visibility off its index row's team (no join): it holds
    while ArticleQuerySet.visible_to is the team rule and nothing more."""
    from annotations.querysets import ArticleQuerySet, TeamScopedQuerySet

    assert ArticleQuerySet.visible_to is TeamScopedQuerySet.visible_to
