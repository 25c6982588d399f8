"""Claims across the corpus: clusters of claim annotations that say the same thing.

A ``ClaimCluster`` is one claim as a team tracks it (its canonical wording); each claim
annotation that says it is a ``ClaimAppearance`` (one per annotation, with its hedge markers
and strength). ``ClaimBand`` rows are the MinHash LSH index that finds candidate clusters for
a new claim (services/claim_clusters.py). ``ClusterJudgement`` records the analysts' decisions
(confirm, split, move, merge), never deleted: undoing one stamps ``undone_at`` and gives the
appearances back, as for entity judgements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.models.annotations import Annotation
from annotations.models.teams import Team
from annotations.querysets import ClaimAppearanceQuerySet, TeamScopedQuerySet

#: The longest canonical wording kept.
MAX_CANONICAL_CHARS = 2000
STRENGTH_CHOICES = [
    ("asserted", "Asserted"),
    ("attributed", "Attributed"),
    ("hedged", "Hedged"),
    ("unverified", "Unverified report"),
]


class ClaimCluster(models.Model):
    """One claim as a team tracks it across articles and outlets."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    canonical = models.TextField(help_text="The claim's canonical wording.")
    # Set by a "confirm" judgement: an analyst checked that its appearances say one thing.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet["ClaimCluster"].as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(canonical=""), name="claimcluster_canonical_set"),
        ]
        indexes = [models.Index(fields=["team", "-updated_at"], name="claimcluster_team_updated")]

    def __str__(self) -> str:
        return self.canonical[:80]


class ClaimAppearance(models.Model):
    """A claim annotation in its cluster, with what clustering and hedging read from it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(ClaimCluster, on_delete=models.CASCADE, related_name="appearances")
    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, related_name="claim_appearance"
    )
    # Normalised words (hedges dropped, numbers without separators), entities named in the
    # claim's span, and its numbers: what candidates are scored on.
    normalised = models.TextField(blank=True, default="")
    entity_ids = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=list, blank=True)
    # [{"kind", "text", "start", "end"}]: code-point offsets into the article text.
    hedges = models.JSONField(default=list, blank=True)
    strength = models.CharField(max_length=16, choices=STRENGTH_CHOICES, default="asserted")
    # The similarity to the cluster when it joined (null: it started the cluster or an analyst
    # placed it); ``pinned``: an analyst placed or confirmed it here.
    score = models.FloatField(null=True, blank=True)
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimAppearanceQuerySet.as_manager()

    class Meta:
        ordering = ["cluster", "id"]
        indexes = [
            models.Index(fields=["cluster", "annotation"], name="claimappearance_cluster"),
            models.Index(fields=["team", "strength"], name="claimappearance_strength"),
        ]

    def __str__(self) -> str:
        return f"{self.annotation_id} in {self.cluster_id}"


class ClaimBand(models.Model):
    """One LSH band of an appearance's MinHash signature: appearances sharing a band key are
    candidates for the same cluster."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    appearance = models.ForeignKey(ClaimAppearance, on_delete=models.CASCADE, related_name="bands")

    class Meta:
        indexes = [models.Index(fields=["team", "key"], name="claimband_team_key")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.appearance_id}"


class ClusterJudgement(models.Model):
    """An analyst's decision about claim clusters, undoable.

    ``confirm``: the cluster's appearances say one thing (they are pinned). ``split``: the
    listed appearances leave ``cluster`` for a new cluster (``target``). ``move``: they leave
    ``cluster`` for ``target``. ``merge``: all of ``cluster``'s go to ``target``. ``snapshot``
    records each moved appearance's cluster and pin before, so that undo gives them back.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Confirm"
        SPLIT = "split", "Split"
        MOVE = "move", "Move"
        MERGE = "merge", "Merge"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cluster = models.ForeignKey(ClaimCluster, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(
        ClaimCluster, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot = models.JSONField(default=dict, blank=True)

    objects = TeamScopedQuerySet["ClusterJudgement"].as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["cluster"], name="clusterjudgement_cluster"),
            models.Index(fields=["target"], name="clusterjudgement_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.cluster_id} -> {self.target_id}"
