"""The entity network, read-only: analysis writes the co-occurrence pairs and analysts type
relations through services/relations.py, which keeps their history."""

from __future__ import annotations

from django.contrib import admin

from annotations.admin.base import ReadOnlyAdmin
from annotations.models.network import EntityPair, Relation, RelationEvent


@admin.register(EntityPair)
class EntityPairAdmin(ReadOnlyAdmin):
    list_display = ["left", "right", "kind", "article", "start", "end"]
    list_filter = ["kind", "team"]
    list_select_related = ["left", "right", "article"]


@admin.register(Relation)
class RelationAdmin(ReadOnlyAdmin):
    list_display = ["source", "label", "target", "team", "created_by", "updated_at"]
    list_filter = ["team"]
    search_fields = ["label", "note"]


@admin.register(RelationEvent)
class RelationEventAdmin(ReadOnlyAdmin):
    list_display = ["action", "source", "label", "target", "actor", "at"]
    list_filter = ["action", "team"]
