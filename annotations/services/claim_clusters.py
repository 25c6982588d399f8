"""Claims join clusters: each claim annotation gets a ``ClaimAppearance`` in the cluster of
claims that say the same thing, or starts a new one.

Called once per batch after analysis (``articles_analyze``: the suggested claims of the batch's
articles) and inline when an analyst creates a claim or accepts a suggestion (a few claims:
a handful of queries). Candidates come from the LSH band index (``ClaimBand``); each is scored
(annotations/nlp/claim_similarity.py) and the claim joins the best cluster at
``JOIN_THRESHOLD`` or more. Claims of one batch can join each other's new clusters.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    Annotation,
    ClaimAppearance,
    ClaimBand,
    ClaimCluster,
    Mention,
    Tag,
)
from annotations.models.claims import MAX_CANONICAL_CHARS
from annotations.nlp import claim_similarity as sim
from annotations.nlp import hedges

logger = logging.getLogger(__name__)

#: Candidate clusters scored per claim at most (those sharing the most band keys first).
MAX_CANDIDATES = 10
_CHUNK = 900


@dataclass(slots=True)
class _Claim:
    annotation_id: int
    team_id: int
    text: str
    speaker: int | None
    entity_ids: list[int]
    markers: list[dict[str, Any]]
    strength: str
    features: sim.ClaimFeatures
    cluster_id: int | None = None
    score: float | None = None
    candidates: dict[int, int] = field(default_factory=dict)  # appearance id -> bands shared


@dataclass(slots=True)
class _Known:
    """A clustered appearance as candidates are scored against it."""

    cluster_id: int
    normalised: str
    entity_ids: list[int]
    figures: list[str]
    speaker: int | None


def claim_hedges(*, text: str, start: int, has_speaker: bool) -> tuple[list[dict[str, Any]], str]:
    """The hedge markers of a claim whose text starts at ``start`` in its article (offsets
    into the article) and its strength."""
    markers = hedges.find_markers(text)
    found = [m.as_dict(offset=start) for m in markers]
    return found, hedges.strength(markers, has_speaker=has_speaker)


def _claims_query() -> Any:
    return (
        Annotation.objects.filter(
            deleted_at__isnull=True, tags__kind=Tag.Kind.CLAIM, claim_appearance__isnull=True
        )
        .distinct()
        .values(
            "pk",
            "team_id",
            "article_id",
            "start",
            "end",
            "exact",
            "attributed_to_entity_id",
            "attributed_to_id",
        )
    )


@transaction.atomic
def claims_cluster(*, annotation_ids: Sequence[int]) -> int:
    """Cluster the given annotations that are claims and are not clustered yet."""
    ids = list(dict.fromkeys(annotation_ids))
    if not ids:
        return 0
    return _cluster(list(_claims_query().filter(pk__in=ids).order_by("pk")))


@transaction.atomic
def claims_cluster_articles(*, article_ids: Sequence[int]) -> int:
    """Cluster the claims of the given articles that are not clustered yet (after analysis)."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return 0
    rows: list[dict[str, Any]] = []
    for i in range(0, len(ids), _CHUNK):
        rows += _claims_query().filter(article_id__in=ids[i : i + _CHUNK]).order_by("pk")
    return _cluster(rows)


def _entities_in_spans(rows: list[dict[str, Any]]) -> dict[int, list[int]]:
    """Annotation id -> the entities mentioned inside its span."""
    by_article: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    article_ids = sorted({r["article_id"] for r in rows})
    for i in range(0, len(article_ids), _CHUNK):
        for m in Mention.objects.filter(
            article_id__in=article_ids[i : i + _CHUNK], rejected=False
        ).values_list("article_id", "start", "end", "entity_id"):
            by_article[m[0]].append((m[1], m[2], m[3]))
    out: dict[int, list[int]] = {}
    for r in rows:
        out[r["pk"]] = sorted(
            {
                e
                for s, t, e in by_article.get(r["article_id"], ())
                if s >= r["start"] and t <= r["end"]
            }
        )
    return out


def _cluster(rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    entities = _entities_in_spans(rows)
    claims: list[_Claim] = []
    for r in rows:
        markers = hedges.find_markers(r["exact"])
        has_speaker = bool(r["attributed_to_entity_id"] or r["attributed_to_id"])
        claims.append(
            _Claim(
                annotation_id=r["pk"],
                team_id=r["team_id"],
                text=r["exact"],
                speaker=r["attributed_to_entity_id"],
                entity_ids=entities[r["pk"]],
                markers=[m.as_dict(offset=r["start"]) for m in markers],
                strength=hedges.strength(markers, has_speaker=has_speaker),
                features=sim.features(r["exact"], markers),
            )
        )
    known, indexed = _candidates(claims)
    _assign(claims, known)
    _write(claims, indexed)
    logger.info("claims.clustered count=%s", len(claims))
    return len(claims)


def _candidates(claims: list[_Claim]) -> tuple[dict[int, _Known], set[tuple[int, int]]]:
    """Fill each claim's candidates from the band index: per candidate cluster, the appearance
    sharing the most bands with the claim, for the ``MAX_CANDIDATES`` clusters sharing most.
    Returns the candidates' data by appearance id, and the (band key, cluster) pairs the
    index already holds."""
    by_team: dict[int, dict[int, list[_Claim]]] = defaultdict(lambda: defaultdict(list))
    for claim in claims:
        for key in claim.features.band_keys:
            by_team[claim.team_id][key].append(claim)
    shared: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)  # claim -> (cluster, app)
    indexed: set[tuple[int, int]] = set()
    for team_id, keyed in by_team.items():
        keys = list(keyed)
        for i in range(0, len(keys), _CHUNK):
            for key, appearance_id, cluster_id in ClaimBand.objects.filter(
                team_id=team_id, key__in=keys[i : i + _CHUNK]
            ).values_list("key", "appearance_id", "appearance__cluster_id"):
                indexed.add((key, cluster_id))
                for claim in keyed[key]:
                    counts = shared[id(claim)]
                    pair = (cluster_id, appearance_id)
                    counts[pair] = counts.get(pair, 0) + 1
    wanted: set[int] = set()
    for claim in claims:
        best: dict[int, tuple[int, int]] = {}  # cluster -> (bands shared, appearance)
        for (cluster_id, appearance_id), n in shared.get(id(claim), {}).items():
            if cluster_id not in best or n > best[cluster_id][0]:
                best[cluster_id] = (n, appearance_id)
        top = sorted(best.values(), reverse=True)[:MAX_CANDIDATES]
        claim.candidates = {appearance_id: n for n, appearance_id in top}
        wanted.update(claim.candidates)
    known: dict[int, _Known] = {}
    ids = sorted(wanted)
    for i in range(0, len(ids), _CHUNK):
        for a in ClaimAppearance.objects.filter(pk__in=ids[i : i + _CHUNK]).values(
            "pk",
            "cluster_id",
            "normalised",
            "entity_ids",
            "figures",
            "annotation__attributed_to_entity_id",
        ):
            known[a["pk"]] = _Known(
                a["cluster_id"],
                a["normalised"],
                a["entity_ids"],
                a["figures"],
                a["annotation__attributed_to_entity_id"],
            )
    return known, indexed


def _score(claim: _Claim, other: _Known | _Claim) -> float:
    figs: Sequence[str]
    if isinstance(other, _Claim):
        text, ents, figs, speaker = (
            other.features.normalised,
            other.entity_ids,
            other.features.figures,
            other.speaker,
        )
    else:
        text, ents, figs, speaker = other.normalised, other.entity_ids, other.figures, other.speaker
    return sim.score(
        claim.features.normalised,
        text,
        a_entities=claim.entity_ids,
        b_entities=ents,
        a_figures=claim.features.figures,
        b_figures=figs,
        a_speaker=claim.speaker,
        b_speaker=speaker,
    )


def _assign(claims: list[_Claim], known: dict[int, _Known]) -> None:
    """Choose each claim's cluster: the best-scoring candidate's, else a new one. A claim of
    this batch without a cluster yet is a candidate for the later ones that share a band."""
    batch_bands: dict[tuple[int, int], list[_Claim]] = defaultdict(list)
    new_clusters: dict[int, int] = {}  # index of the founding claim -> placeholder id
    for index, claim in enumerate(claims):
        best: tuple[float, int | None] = (0.0, None)
        for appearance_id in claim.candidates:
            other = known.get(appearance_id)
            if other is not None:
                s = _score(claim, other)
                if s > best[0]:
                    best = (s, other.cluster_id)
        seen: set[int] = set()
        for key in claim.features.band_keys:
            for peer in batch_bands.get((claim.team_id, key), ()):
                if id(peer) in seen:
                    continue
                seen.add(id(peer))
                s = _score(claim, peer)
                if s > best[0]:
                    best = (s, peer.cluster_id)
        if best[1] is not None and best[0] >= sim.JOIN_THRESHOLD:
            claim.cluster_id, claim.score = best[1], best[0]
        else:
            # A placeholder (negative) until the new cluster is written.
            claim.cluster_id = -(index + 1)
            new_clusters[index] = claim.cluster_id
        for key in claim.features.band_keys:
            batch_bands[(claim.team_id, key)].append(claim)


def _write(claims: list[_Claim], indexed: set[tuple[int, int]]) -> None:
    """Write the new clusters, the appearances and their band keys. A cluster needs each key
    once to be found by it: a key the cluster already holds is not written again (so that a
    common claim's thousand appearances do not make every lookup read a thousand rows)."""
    founders = [
        c for c in claims if c.cluster_id is not None and c.cluster_id < 0 and c.score is None
    ]
    created = ClaimCluster.objects.bulk_create(
        [ClaimCluster(team_id=c.team_id, canonical=c.text[:MAX_CANONICAL_CHARS]) for c in founders]
    )
    real = {c.cluster_id: cluster.pk for c, cluster in zip(founders, created, strict=True)}
    appearances = ClaimAppearance.objects.bulk_create(
        [
            ClaimAppearance(
                team_id=c.team_id,
                cluster_id=real.get(c.cluster_id or 0, c.cluster_id or 0),
                annotation_id=c.annotation_id,
                normalised=c.features.normalised,
                entity_ids=c.entity_ids,
                figures=list(c.features.figures),
                hedges=c.markers,
                strength=c.strength,
                score=c.score,
            )
            for c in claims
        ]
    )
    if not appearances or appearances[0].pk is None:  # a backend that does not return ids
        pks = dict(
            ClaimAppearance.objects.filter(
                annotation_id__in=[c.annotation_id for c in claims]
            ).values_list("annotation_id", "pk")
        )
    else:
        pks = {a.annotation_id: a.pk for a in appearances}
    bands = []
    for c in claims:
        cluster_id = real.get(c.cluster_id or 0, c.cluster_id or 0)
        for key in c.features.band_keys:
            if (key, cluster_id) not in indexed:
                indexed.add((key, cluster_id))
                bands.append(
                    ClaimBand(team_id=c.team_id, key=key, appearance_id=pks[c.annotation_id])
                )
    ClaimBand.objects.bulk_create(bands, batch_size=2000)
    touched = {
        cid for c in claims if (cid := real.get(c.cluster_id or 0, c.cluster_id)) and c.score
    }
    if touched:
        ClaimCluster.objects.filter(pk__in=touched).update(updated_at=timezone.now())


def claims_refresh(*, annotation_ids: Sequence[int]) -> None:
    """After an analyst's write: a new claim joins its cluster; an edited one has its hedges
    read again (its text or speaker may have changed)."""
    ids = list(annotation_ids)
    for a in ClaimAppearance.objects.filter(annotation_id__in=ids).values(
        "pk",
        "hedges",
        "strength",
        "annotation__exact",
        "annotation__start",
        "annotation__attributed_to_entity_id",
        "annotation__attributed_to_id",
    ):
        found, strength = claim_hedges(
            text=a["annotation__exact"],
            start=a["annotation__start"],
            has_speaker=bool(
                a["annotation__attributed_to_entity_id"] or a["annotation__attributed_to_id"]
            ),
        )
        if found != a["hedges"] or strength != a["strength"]:
            ClaimAppearance.objects.filter(pk=a["pk"]).update(hedges=found, strength=strength)
    claims_cluster(annotation_ids=ids)
