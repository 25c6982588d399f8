"""The project's URLs plus one baseline endpoint for bench/api_throughput.py.

``/api/bench/annotations-bare/?article=<id>&page_size=1000`` lists the same annotation rows as
``/api/annotations/`` with stock DRF and nothing nested: a ``ListAPIView`` over a vanilla
``ModelSerializer`` of the model's concrete columns (foreign keys as ids; no tags, no nested
author or entity, no reply count), the project's pagination class and default
authentication, filtered to the article with django-filter like the real endpoint.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from rest_framework import generics, serializers

from annotations.api.pagination import CursorPagination
from annotations.models import Annotation
from newsnotes.urls import urlpatterns as project_urlpatterns


class BareAnnotationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Annotation
        fields = [field.name for field in Annotation._meta.concrete_fields]
        read_only_fields = fields


class BareAnnotationList(generics.ListAPIView):
    serializer_class = BareAnnotationSerializer
    pagination_class = CursorPagination
    filterset_fields = ["article"]

    def get_queryset(self) -> QuerySet:
        # The same rows the nested list serves this user (visible_to), nothing joined.
        return Annotation.objects.visible_to(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("start", "id")  # the nested list's reading order
        return paginator


urlpatterns = [
    path(
        "api/bench/annotations-bare/",
        BareAnnotationList.as_view(),
        name="bench-annotations-bare",
    ),
    *project_urlpatterns,
]
