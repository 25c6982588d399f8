"""Entities (through their services), and their keys and mentions, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from annotations.admin.base import (
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceForm,
    refusals,
)
from annotations.models import (
    Entity,
    EntityJudgement,
    EntityKey,
    LearnedName,
    Mention,
)
from annotations.services import entities


class EntityForm(ServiceForm):
    def validate(self) -> None:
        entities.entity_validate(
            team=self.value("team"),
            name=self.value("name"),
            kind=self.value("kind"),
            description=self.value("description"),
            wikidata_id=self.value("wikidata_id"),
            aliases=self.value("aliases") or [],
            entity=self.stored,
        )


@admin.register(Entity)
class EntityAdmin(ServiceAdmin):
    form = EntityForm
    list_display = ["name", "kind", "team", "wikidata_id", "gazetteer_id", "mention_count"]
    list_filter = ["kind", "team"]
    search_fields = ["name", "wikidata_id", "gazetteer_id", "description"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entity]:
        return super().get_queryset(request).annotate(mention_count=Count("mentions"))

    @admin.display(ordering="mention_count")
    def mention_count(self, obj: Entity) -> int:
        return obj.mention_count  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Its mentions and the claims attributed to it are in its team.
        return ["team"] if obj else []

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Entity:
        return entities.entity_create(
            team=data["team"],
            name=data["name"],
            kind=data["kind"],
            description=data["description"],
            wikidata_id=data["wikidata_id"],
            gazetteer_id=data["gazetteer_id"],
            aliases=data["aliases"] or [],
        )

    def update(self, request: HttpRequest, obj: Entity, changes: dict[str, Any]) -> Entity:
        if "aliases" in changes:
            changes["aliases"] = changes["aliases"] or []
        return entities.entity_update(entity=obj, **changes)

    def delete(self, request: HttpRequest, obj: Entity) -> None:
        entities.entity_delete(entity=obj)

    def refuse_delete(self, objs: list[Entity]) -> list[str]:
        return refusals(lambda entity: entities.entity_validate_delete(entity=entity), objs)


@admin.register(EntityKey)
class EntityKeyAdmin(ReadOnlyAdmin):
    list_display = ["key", "entity", "team"]
    search_fields = ["key", "entity__name"]
    list_filter = ["team"]


@admin.register(EntityJudgement)
class EntityJudgementAdmin(ReadOnlyAdmin):
    list_display = ["left", "judgement", "right", "user", "created_at", "undone_at", "team"]
    list_filter = ["judgement", "team"]
    search_fields = ["left__name", "right__name"]
    list_select_related = ["left", "right", "user", "team"]


@admin.register(LearnedName)
class LearnedNameAdmin(ReadOnlyAdmin):
    list_display = ["text", "entity", "created_by", "created_at", "team"]
    list_filter = ["team"]
    search_fields = ["text", "name"]
    list_select_related = ["entity", "created_by", "team"]


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ["text", "entity", "label", "origin", "confidence", "rejected", "article"]
    list_filter = ["label", "origin", "rejected", "article__team"]
    search_fields = ["text", "entity__name"]
    list_select_related = ["entity", "article"]
