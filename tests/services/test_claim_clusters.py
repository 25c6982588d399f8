"""Claim clusters on the project's own sentences: a claim repeated across two outlets joins
one cluster with the right first appearance; a dropped hedge shows; analysts confirm, split,
move and merge, with undo; teams stay apart."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.models import ClaimAppearance, ClaimCluster, ClusterJudgement
from annotations.selectors.claims import appearances_of, assessed_for, clusters_for
from annotations.services.annotations import annotation_update
from annotations.services.claim_clusters import claims_cluster_articles
from annotations.services.cluster_judgements import (
    cluster_confirm,
    cluster_judgement_undo,
    cluster_merge,
    cluster_move,
    cluster_split,
    cluster_update,
)
from tests.claims_world import make_claims

pytestmark = pytest.mark.django_db


def _cluster_of(annotation) -> int:
    return ClaimAppearance.objects.get(annotation=annotation).cluster_id


def test_a_repeated_claim_joins_one_cluster_with_the_earliest_appearance_first(team_a, alice):
    _articles, claims = make_claims(team_a, alice)
    courier_kursk, courier_losses, wire_kursk = claims
    assert _cluster_of(wire_kursk) == _cluster_of(courier_kursk)
    assert _cluster_of(courier_losses) != _cluster_of(wire_kursk)
    cluster = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    rows = appearances_of(alice, cluster)
    # Created second, published first: the wire is the first appearance.
    assert [r["annotation_id"] for r in rows] == [wire_kursk.pk, courier_kursk.pk]
    assert rows[0]["outlet"] == "NewsNotes Wire"
    assert rows[0]["first"]
    assert rows[1]["outlet"] == "Baltic Courier"


def test_a_hedge_dropped_on_repetition_is_shown(team_a, alice):
    _, (_courier_kursk, _, wire_kursk) = make_claims(team_a, alice)
    wire = ClaimAppearance.objects.get(annotation=wire_kursk)
    assert {(m["kind"], m["text"]) for m in wire.hedges} == {
        ("epistemic", "believes"),
        ("approximation", "at least"),
    }
    marker = next(m for m in wire.hedges if m["text"] == "believes")
    # Offsets are code points into the article text.
    assert wire_kursk.article.text[marker["start"] : marker["end"]] == "believes"
    rows = appearances_of(alice, wire.cluster)
    assert rows[0]["dropped"] == []
    assert rows[1]["dropped"] == ["epistemic"]
    assert [kind for _, kind in rows[0]["marked"] if kind] == ["epistemic", "approximation"]


def test_strength_filter_lists_only_clusters_with_that_strength(team_a, alice):
    make_claims(team_a, alice)
    hedged = {c.pk for c in clusters_for(alice, strength="hedged")}
    assert len(hedged) == 2  # both claims say "at least" / "more than" a number
    assert not clusters_for(alice, strength="unverified").exists()


def test_clustering_after_analysis_skips_what_is_clustered(team_a, alice):
    articles, _claims = make_claims(team_a, alice)
    before = ClaimAppearance.objects.count()
    assert claims_cluster_articles(article_ids=[a.pk for a in articles]) == 0
    assert ClaimAppearance.objects.count() == before == 3


def test_confirm_pins_and_undo_withdraws(team_a, alice):
    _, (_courier_kursk, _, wire_kursk) = make_claims(team_a, alice)
    cluster = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    record = cluster_confirm(cluster=cluster, actor=alice, note="Same figure, same region")
    cluster.refresh_from_db()
    assert cluster.confirmed_by == alice
    assert set(
        ClaimAppearance.objects.filter(cluster=cluster).values_list("pinned", flat=True)
    ) == {True}
    cluster_judgement_undo(judgement=record, actor=alice)
    cluster.refresh_from_db()
    assert cluster.confirmed_at is None
    assert not ClaimAppearance.objects.filter(cluster=cluster, pinned=True).exists()
    with pytest.raises(ValidationError) as err:
        cluster_judgement_undo(judgement=record, actor=alice)
    assert "judgement" in err.value.message_dict


def test_split_and_undo(team_a, alice):
    _, (courier_kursk, _courier_losses, wire_kursk) = make_claims(team_a, alice)
    cluster = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    moved = ClaimAppearance.objects.get(annotation=courier_kursk)
    record = cluster_split(cluster=cluster, appearance_ids=[moved.pk], actor=alice)
    assert _cluster_of(courier_kursk) == record.target_id != cluster.pk
    assert record.target.canonical == courier_kursk.exact
    cluster_judgement_undo(judgement=record, actor=alice)
    assert _cluster_of(courier_kursk) == cluster.pk


def test_split_of_a_one_claim_cluster_is_refused(team_a, alice):
    _, (_, courier_losses, _) = make_claims(team_a, alice)
    single = ClaimCluster.objects.get(pk=_cluster_of(courier_losses))
    appearance = ClaimAppearance.objects.get(annotation=courier_losses)
    with pytest.raises(ValidationError) as err:
        cluster_split(cluster=single, appearance_ids=[appearance.pk], actor=alice)
    assert "cluster" in err.value.message_dict
    assert not ClusterJudgement.objects.exists()


def test_split_of_every_appearance_is_refused(team_a, alice):
    _, (_courier_kursk, _, wire_kursk) = make_claims(team_a, alice)
    cluster = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    ids = list(ClaimAppearance.objects.filter(cluster=cluster).values_list("pk", flat=True))
    with pytest.raises(ValidationError) as err:
        cluster_split(cluster=cluster, appearance_ids=ids, actor=alice)
    assert "appearances" in err.value.message_dict


def test_move_then_undo_gives_back_only_what_is_still_there(team_a, alice):
    _, (_courier_kursk, courier_losses, wire_kursk) = make_claims(team_a, alice)
    kursk = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    losses = ClaimCluster.objects.get(pk=_cluster_of(courier_losses))
    moved = ClaimAppearance.objects.get(annotation=courier_losses)
    record = cluster_move(cluster=losses, appearance_ids=[moved.pk], target=kursk, actor=alice)
    assert _cluster_of(courier_losses) == kursk.pk
    # Not listed any more: its only claim left.
    assert losses.pk not in {c.pk for c in clusters_for(alice)}
    cluster_judgement_undo(judgement=record, actor=alice)
    assert _cluster_of(courier_losses) == losses.pk
    assert ClaimAppearance.objects.get(pk=moved.pk).pinned is False


def test_merge_and_undo(team_a, alice):
    _, (_courier_kursk, courier_losses, wire_kursk) = make_claims(team_a, alice)
    kursk = ClaimCluster.objects.get(pk=_cluster_of(wire_kursk))
    losses = ClaimCluster.objects.get(pk=_cluster_of(courier_losses))
    record = cluster_merge(cluster=losses, target=kursk, actor=alice)
    assert ClaimAppearance.objects.filter(cluster=kursk).count() == 3
    cluster_judgement_undo(judgement=record, actor=alice)
    assert ClaimAppearance.objects.filter(cluster=kursk).count() == 2


def test_merge_across_teams_is_refused(team_a, team_b, alice, carol):
    _, (_, _, wire_a) = make_claims(team_a, alice)
    _, (_, _, wire_b) = make_claims(team_b, carol)
    a = ClaimCluster.objects.get(pk=_cluster_of(wire_a))
    b = ClaimCluster.objects.get(pk=_cluster_of(wire_b))
    with pytest.raises(ValidationError) as err:
        cluster_merge(cluster=a, target=b, actor=alice)
    assert "target" in err.value.message_dict
    with pytest.raises(ValidationError):
        cluster_move(
            cluster=a,
            appearance_ids=[ClaimAppearance.objects.get(annotation=wire_a).pk],
            target=b,
            actor=alice,
        )


def test_teams_cluster_apart(team_a, team_b, alice, carol):
    _, (_, _, wire_a) = make_claims(team_a, alice)
    _, (_, _, wire_b) = make_claims(team_b, carol)
    assert _cluster_of(wire_a) != _cluster_of(wire_b)
    assert {c.team_id for c in clusters_for(alice)} == {team_a.pk}
    assert {c.team_id for c in clusters_for(carol)} == {team_b.pk}


def test_viewers_cannot_judge(team_a, alice, victor):
    _, (_, _, wire) = make_claims(team_a, alice)
    with pytest.raises(PermissionDenied):
        cluster_confirm(cluster=ClaimCluster.objects.get(pk=_cluster_of(wire)), actor=victor)


def test_already_assessed(team_a, alice, dave):
    _, (courier_kursk, _, wire_kursk) = make_claims(team_a, alice)
    assert assessed_for(dave, courier_kursk)["assessed"] is None
    annotation_update(annotation=wire_kursk, actor=alice, assessment="disputed")
    found = assessed_for(dave, courier_kursk)
    assert found["assessed"]["assessment"] == "disputed"
    assert found["assessed"]["annotation_id"] == wire_kursk.pk
    assert found["appearances"] == 2


def test_canonical_wording(team_a, alice):
    _, (_, _, wire) = make_claims(team_a, alice)
    cluster = ClaimCluster.objects.get(pk=_cluster_of(wire))
    with pytest.raises(ValidationError) as err:
        cluster_update(cluster=cluster, canonical="  ", actor=alice)
    assert "canonical" in err.value.message_dict
    assert cluster_update(cluster=cluster, canonical="8,000 in  Kursk", actor=alice).canonical == (
        "8,000 in Kursk"
    )


def test_exports_carry_the_cluster_and_hedges(team_a, alice):
    import io
    import json

    from annotations.formats.claims import CLAIM_TERM
    from annotations.services.exports import annotations_export

    _, (courier_kursk, _, wire_kursk) = make_claims(team_a, alice)
    out = io.StringIO()
    annotations_export(team=team_a, user=alice, fmt="jsonl", out=out, base_url="https://nn.example")
    records = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    wire = records[wire_kursk.pk]["claim"]
    assert (
        wire["cluster"] == _cluster_of(wire_kursk) == records[courier_kursk.pk]["claim"]["cluster"]
    )
    assert wire["strength"] == "hedged"
    assert {h["text"] for h in wire["hedges"]} == {"believes", "at least"}

    out = io.StringIO()
    annotations_export(
        team=team_a, user=alice, fmt="jsonld", out=out, base_url="https://nn.example"
    )
    items = json.loads(out.getvalue())["first"]["items"]
    about = [i[CLAIM_TERM] for i in items if CLAIM_TERM in i]
    assert len(about) == 3
    assert f"https://nn.example/api/claims/{_cluster_of(wire_kursk)}/" in {a["id"] for a in about}


def test_suggested_claims_cluster_after_analysis_and_show_once_accepted(team_a, alice):
    from annotations.models import Annotation
    from annotations.services import analysis
    from annotations.services.annotations import suggestion_accept
    from tests.factories import make_article

    texts = [
        "White House spokesman John Kirby said at least 8,000 North Korean troops are now "
        "in the Kursk region.",
        "Pentagon spokesman Pat Ryder said at least 8,000 North Korean troops are now in "
        "the Kursk region.",
    ]
    articles = [make_article(team=team_a, text=t, title=f"A{i}") for i, t in enumerate(texts)]
    analysis.articles_analyze(article_ids=[a.pk for a in articles])
    suggested = Annotation.objects.filter(
        team=team_a, suggestion_state="pending", exact__startswith="at least 8,000"
    )
    assert suggested.count() == 2
    clusters = {_cluster_of(a) for a in suggested}
    assert len(clusters) == 1  # one cluster: two outlets, one claim
    # Pending suggestions are clustered but not shown.
    assert not clusters_for(alice).exists()
    suggestion_accept(annotation=suggested.first(), actor=alice)
    assert [c.pk for c in clusters_for(alice)] == list(clusters)
