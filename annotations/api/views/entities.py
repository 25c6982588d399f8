"""Entities and their mentions: corrections that NER never undoes (reject, re-link, merge,
split)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import serializers as s
from annotations.api.entity_serializers import EntityCardSerializer
from annotations.api.params import int_field
from annotations.api.users import signed_in
from annotations.models import (
    Entity,
    Mention,
)
from annotations.selectors.entities import entities_with_counts, entity_card
from annotations.services import entities as entity_services
from annotations.services import teams

User = get_user_model()


class EntityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.EntitySerializer
    filterset_class = filters.EntityFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return entities_with_counts(self.request.user)

    def perform_update(self, serializer: Any) -> None:
        entity = serializer.instance
        teams.require_role(
            user=signed_in(self.request),
            team=entity.team,
            roles=teams.ANNOTATE_ROLES,
            action="edit entities",
        )
        serializer.instance = entity_services.entity_update(
            entity=entity, **serializer.validated_data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "article", int, description="Leave this article out of `other_articles`"
            )
        ],
        responses={200: EntityCardSerializer},
    )
    @action(detail=True, methods=["get"])
    def card(self, request: Request, pk: str | None = None) -> Response:
        """The entity with its other articles and the claims attributed to it: what the
        reader's entity card shows."""
        # Not get_object(): the list's filters (its own ?article=) do not apply to the card.
        entity = get_object_or_404(self.get_queryset(), pk=pk)
        article = (
            int_field(request.query_params, "article", minimum=1)
            if request.query_params.get("article")
            else None
        )
        card = entity_card(user=request.user, entity=entity, article_id=article)
        role = teams.membership_role(user=request.user, team=entity.team)
        return Response(
            EntityCardSerializer(
                {
                    "entity": entity,
                    **card,
                    "can_correct": role in teams.ANNOTATE_ROLES,
                }
            ).data
        )

    @extend_schema(request=s.EntityMergeSerializer, responses={200: s.EntitySerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold other entities into this one ("same" judgements, each undoable): their mentions
        and attributions move; the others stay as rows with ``merged_into`` set."""
        target = self.get_object()
        data = s.EntityMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["others"])
        others = list(Entity.objects.visible_to(request.user).filter(pk__in=wanted))
        if len(others) != len(wanted):
            raise ValidationError({"others": "Some of these entities do not exist."})
        entity_services.entity_merge(target=target, others=others, actor=signed_in(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(request=s.EntitySplitSerializer, responses={201: s.EntitySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str | None = None) -> Response:
        """Move some of this entity's mentions to a new entity."""
        entity = self.get_object()
        data = s.EntitySplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["mentions"])
        mentions = list(Mention.objects.filter(entity=entity, pk__in=wanted))
        if len(mentions) != len(wanted):
            raise ValidationError({"mentions": "Every mention must belong to this entity."})
        new = entity_services.entity_split(
            entity=entity,
            mentions=mentions,
            name=data.validated_data["name"],
            kind=data.validated_data["kind"],
            actor=signed_in(request),
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=new.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MentionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.MentionSerializer
    filterset_class = filters.MentionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Mention.objects.visible_to(self.request.user).select_related("entity")

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("article_id", "start")
        return paginator

    @extend_schema(request=s.MentionCreateSerializer, responses={201: s.MentionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark a span the model missed (an analyst's mention; NER never removes it)."""
        data = s.MentionCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        mention = entity_services.mention_create(
            article_id=values["article"].pk,
            entity=values["entity"],
            start=values["start"],
            end=values["end"],
            actor=signed_in(request),
        )
        return Response(s.MentionSerializer(mention).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MentionUpdateSerializer, responses={200: s.MentionSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct the entity a mention names. NER will not change it back."""
        mention = self.get_object()
        data = s.MentionUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        mention = entity_services.mention_set_entity(
            mention=mention, entity=data.validated_data["entity"], actor=signed_in(request)
        )
        return Response(s.MentionSerializer(mention).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: s.MentionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Hide a wrong mention; it stays hidden when NER runs again."""
        mention = entity_services.mention_reject(
            mention=self.get_object(), actor=signed_in(request)
        )
        return Response(s.MentionSerializer(mention).data)
