"""The entity network: co-occurrence rows written per article (services/network.py), the
graph and edge reads (selectors/network.py) with merges, filters and team isolation, and
typed relations with their history (services/relations.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from annotations.exceptions import PreconditionFailed
from annotations.lib.sentences import sentence_spans
from annotations.models import EntityPair, Mention, Outlet, RelationEvent
from annotations.selectors.network import (
    NetworkFilters,
    network_edge,
    network_entity,
    network_graph,
    network_team,
)
from annotations.services.annotations import annotation_create
from annotations.services.entities import entity_create, entity_merge
from annotations.services.network import MAX_PER_SENTENCE, network_pairs_compute
from annotations.services.relations import relation_create, relation_delete, relation_update
from tests.factories import make_article

TEXT = (
    "Kim Jong Un met Sergei Shoigu in Pyongyang. "
    "Shoigu later flew to Moscow. "
    "Kim Jong Un and Shoigu signed a pact with Russia."
)


def mention(article, entity, word: str, nth: int = 0) -> Mention:
    at = -1
    for _ in range(nth + 1):
        at = article.text.index(word, at + 1)
    return Mention.objects.create(
        article=article, entity=entity, start=at, end=at + len(word), text=word, label="X"
    )


@pytest.fixture
def people(team_a):
    return {
        name: entity_create(team=team_a, name=name, kind="PERSON")
        for name in ("Kim Jong Un", "Sergei Shoigu", "Pyongyang", "Moscow", "Russia")
    }


def annotate(article, people) -> None:
    mention(article, people["Kim Jong Un"], "Kim Jong Un")
    mention(article, people["Sergei Shoigu"], "Sergei Shoigu")
    mention(article, people["Pyongyang"], "Pyongyang")
    mention(article, people["Sergei Shoigu"], "Shoigu", 1)
    mention(article, people["Moscow"], "Moscow")
    mention(article, people["Kim Jong Un"], "Kim Jong Un", 1)
    mention(article, people["Sergei Shoigu"], "Shoigu", 2)
    mention(article, people["Russia"], "Russia")


def weights(graph) -> dict[tuple[str, str], int]:
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    return {
        tuple(sorted((names[e["left"]], names[e["right"]]))): e["weight"] for e in graph["edges"]
    }


def test_sentence_spans_cover_text_and_skip_abbreviations():
    text = 'Gen. Park met Mr. Kim in the U.S. capital. "Good," he said! Then? Nothing.'
    spans = sentence_spans(text)
    assert [text[a:b].strip() for a, b in spans] == [
        "Gen. Park met Mr. Kim in the U.S. capital.",
        '"Good," he said!',
        "Then?",
        "Nothing.",
    ]
    assert spans[0][0] == 0
    assert spans[-1][1] == len(text)


def test_co_occurrence_counts_by_sentence_and_article(team_a, alice, people):
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    annotate(article, people)
    written = network_pairs_compute(article_ids=[article.pk])
    assert written == EntityPair.objects.filter(article=article).count() > 0

    team = network_team(alice, None)
    by_sentence = weights(network_graph(alice, team=team, filters=NetworkFilters()))
    assert by_sentence == {
        ("Kim Jong Un", "Sergei Shoigu"): 2,  # sentences 1 and 3
        ("Kim Jong Un", "Pyongyang"): 1,
        ("Pyongyang", "Sergei Shoigu"): 1,
        ("Moscow", "Sergei Shoigu"): 1,
        ("Kim Jong Un", "Russia"): 1,
        ("Russia", "Sergei Shoigu"): 1,
    }
    by_article = weights(network_graph(alice, team=team, filters=NetworkFilters(kind="article")))
    assert len(by_article) == 10
    assert set(by_article.values()) == {1}

    heavy = network_graph(alice, team=team, filters=NetworkFilters(min_weight=2))
    assert weights(heavy) == {("Kim Jong Un", "Sergei Shoigu"): 2}
    assert {n["name"] for n in heavy["nodes"]} == {"Kim Jong Un", "Sergei Shoigu"}

    # Computing again replaces the rows rather than adding to them.
    network_pairs_compute(article_ids=[article.pk])
    assert weights(network_graph(alice, team=team, filters=NetworkFilters())) == by_sentence


def test_rejected_mentions_and_caps(team_a, alice):
    names = [f"Person {i:02d}" for i in range(MAX_PER_SENTENCE + 5)]
    text = ", ".join(names) + " met."
    article = make_article(team=team_a, text=text, imported_by=alice)
    entities = [entity_create(team=team_a, name=n, kind="PERSON") for n in names]
    rows = [mention(article, e, e.name) for e in entities]
    Mention.objects.filter(pk=rows[0].pk).update(rejected=True)
    network_pairs_compute(article_ids=[article.pk])
    sentence = EntityPair.objects.filter(article=article, kind="sentence")
    assert sentence.count() == MAX_PER_SENTENCE * (MAX_PER_SENTENCE - 1) // 2
    assert not sentence.filter(left=entities[0]).exists()


def test_claims_pair_the_entities_inside_them(team_a, alice, people, tags_a):
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    annotate(article, people)
    start = TEXT.index("Shoigu later")
    end = TEXT.index("pact") + 4
    annotation_create(article=article, author=alice, start=start, end=end, tags=[tags_a["claim"]])
    network_pairs_compute(article_ids=[article.pk])
    graph = network_graph(alice, team=team_a, filters=NetworkFilters(kind="claim"))
    assert weights(graph) == {
        ("Moscow", "Sergei Shoigu"): 1,
        ("Kim Jong Un", "Moscow"): 1,
        ("Kim Jong Un", "Sergei Shoigu"): 1,
    }


def test_merged_entities_count_as_the_survivor(team_a, alice, people):
    alias = entity_create(team=team_a, name="Marshal Shoigu", kind="PERSON")
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    annotate(article, people)
    # The third sentence names Shoigu through the entity that is merged later.
    Mention.objects.filter(article=article, start=TEXT.rindex("Shoigu")).update(entity=alias)
    network_pairs_compute(article_ids=[article.pk])
    before = weights(network_graph(alice, team=team_a, filters=NetworkFilters()))
    assert before[("Kim Jong Un", "Sergei Shoigu")] == 1
    assert before[("Kim Jong Un", "Marshal Shoigu")] == 1

    entity_merge(target=people["Sergei Shoigu"], others=[alias], actor=alice)
    after = network_graph(alice, team=team_a, filters=NetworkFilters())
    assert weights(after)[("Kim Jong Un", "Sergei Shoigu")] == 2
    assert "Marshal Shoigu" not in {n["name"] for n in after["nodes"]}
    # Asking for the folded entity answers for the one it joined.
    assert network_entity(alice, alias.pk) == people["Sergei Shoigu"]
    edge = network_edge(
        alice, left=people["Kim Jong Un"], right=people["Sergei Shoigu"], filters=NetworkFilters()
    )
    assert [p["text"] for p in edge["passages"]] == [
        "Kim Jong Un met Sergei Shoigu in Pyongyang.",
        "Kim Jong Un and Shoigu signed a pact with Russia.",
    ]
    assert edge["passages"][0]["url"].endswith(f"#t-0-{len(edge['passages'][0]['text'])}")


def test_filters_by_date_outlet_and_tag(team_a, alice, dave, people, tags_a):
    wire = Outlet.objects.create(name="Wire")
    old = make_article(
        team=team_a, text=TEXT, imported_by=alice, published_at=datetime(2024, 1, 5, tzinfo=UTC)
    )
    new = make_article(
        team=team_a,
        text=TEXT + " Again.",
        imported_by=alice,
        outlet=wire,
        published_at=datetime(2024, 3, 5, tzinfo=UTC),
    )
    for article in (old, new):
        annotate(article, people)
    network_pairs_compute(article_ids=[old.pk, new.pk])
    pair = ("Kim Jong Un", "Sergei Shoigu")

    def weight(**filters) -> int:
        graph = network_graph(alice, team=team_a, filters=NetworkFilters(**filters))
        return weights(graph).get(pair, 0)

    assert weight() == 4
    assert weight(date_from=date(2024, 2, 1)) == 2
    assert weight(date_to=date(2024, 1, 5)) == 2
    assert weight(date_from=date(2024, 1, 6), date_to=date(2024, 3, 4)) == 0
    assert weight(outlet=wire.pk) == 2
    assert weight(tag="evidence") == 0
    # A tag counts the articles with an annotation so tagged that the user may see.
    private = annotation_create(
        article=old,
        author=dave,
        start=0,
        end=11,
        tags=[tags_a["evidence"]],
        visibility="private",
    )
    assert weight(tag="evidence") == 0  # dave's private draft is not alice's to see
    private.visibility = "team"
    private.save(update_fields=["visibility"])
    assert weight(tag="evidence") == 2


def test_graph_caps_nodes_and_edges(team_a, alice, people):
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    annotate(article, people)
    network_pairs_compute(article_ids=[article.pk])
    graph = network_graph(alice, team=team_a, filters=NetworkFilters(), max_edges=2)
    assert len(graph["edges"]) == 2
    assert graph["truncated"]
    assert graph["edges"][0]["weight"] == 2  # heaviest first
    graph = network_graph(alice, team=team_a, filters=NetworkFilters(), max_nodes=2)
    assert {n["name"] for n in graph["nodes"]} == {"Kim Jong Un", "Sergei Shoigu"}
    assert len(graph["edges"]) == 1
    assert graph["truncated"]


def test_teams_are_isolated(team_a, team_b, alice, carol, people):
    article = make_article(team=team_a, text=TEXT, imported_by=alice)
    annotate(article, people)
    network_pairs_compute(article_ids=[article.pk])
    with pytest.raises(Http404):
        network_team(carol, team_a.pk)
    assert network_graph(carol, team=team_b, filters=NetworkFilters())["edges"] == []
    with pytest.raises(Http404):
        network_entity(carol, people["Kim Jong Un"].pk)
    with pytest.raises(Http404):
        network_entity(alice, people["Kim Jong Un"].pk, team=team_b)


def test_relations_record_their_history(team_a, alice, dave, victor, carol, people):
    kim, shoigu = people["Kim Jong Un"], people["Sergei Shoigu"]
    relation = relation_create(actor=alice, source=kim, target=shoigu, label="  met   with ")
    assert relation.label == "met with"
    assert relation.version == 1
    updated = relation_update(
        relation=relation, actor=dave, expected_version=1, label="allied with", note="Pact."
    )
    assert updated.version == 2
    with pytest.raises(PreconditionFailed):
        relation_update(relation=relation, actor=dave, expected_version=1, label="x")
    with pytest.raises(ValidationError) as error:
        relation_update(relation=relation, actor=dave, label="x" * 61)
    assert "label" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        relation_create(actor=alice, source=kim, target=kim, label="commands")
    assert "target" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        relation_create(actor=victor, source=kim, target=shoigu, label="commands")
    with pytest.raises(PermissionDenied):
        relation_create(actor=carol, source=kim, target=shoigu, label="commands")
    relation_delete(relation=updated, actor=alice)
    history = list(
        RelationEvent.objects.filter(relation_number=relation.pk).values_list(
            "action", "label", "actor__username"
        )
    )
    assert history == [
        ("created", "met with", "alice"),
        ("updated", "allied with", "dave"),
        ("deleted", "allied with", "alice"),
    ]
