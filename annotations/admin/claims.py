"""Claim clusters, read-only: clustering and the analysts' judgements write them through the
services (services/claim_clusters.py, services/cluster_judgements.py)."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models import ClaimAppearance, ClaimBand, ClaimCluster, ClusterJudgement


@admin.register(ClaimCluster)
class ClaimClusterAdmin(ReadOnlyAdmin):
    list_display = ["canonical", "team", "confirmed_at", "updated_at"]
    list_filter = ["team"]
    search_fields = ["canonical"]


@admin.register(ClaimAppearance)
class ClaimAppearanceAdmin(ReadOnlyAdmin):
    list_display = ["annotation", "cluster", "strength", "score", "pinned", "created_at"]
    list_filter = ["strength", "pinned", "team"]
    list_select_related = ["annotation", "cluster"]


@admin.register(ClaimBand)
class ClaimBandAdmin(ReadOnlyAdmin):
    list_display = ["team", "key", "appearance"]


@admin.register(ClusterJudgement)
class ClusterJudgementAdmin(ReadOnlyAdmin):
    list_display = ["kind", "cluster", "target", "user", "created_at", "undone_at"]
    list_filter = ["kind", "team"]
