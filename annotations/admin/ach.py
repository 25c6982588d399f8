"""Analyses of Competing Hypotheses, read-only: the matrix page and the API write them through
services/ach.py, which keeps every change in the analysis's history."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models.ach import Analysis, AnalysisVersion, Evidence, Hypothesis, Rating


@admin.register(Analysis)
class AnalysisAdmin(ReadOnlyAdmin):
    list_display = ["question", "team", "created_by", "version", "updated_at"]
    list_filter = ["team"]
    search_fields = ["question"]


@admin.register(Hypothesis)
class HypothesisAdmin(ReadOnlyAdmin):
    list_display = ["text", "analysis", "position"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["analysis", "annotation", "credibility", "reliability", "weight", "position"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["evidence", "hypothesis", "value"]
    list_filter = ["value"]


@admin.register(AnalysisVersion)
class AnalysisVersionAdmin(ReadOnlyAdmin):
    list_display = ["analysis", "number", "action", "summary", "actor", "created_at"]
