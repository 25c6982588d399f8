"""Background jobs (imports, analysis) of the user's teams, with their progress."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from rest_framework import viewsets

from annotations import filters
from annotations.api import activity_serializers as activity
from annotations.models import (
    Job,
)

User = get_user_model()


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = activity.JobSerializer
    filterset_class = filters.JobFilter

    def get_queryset(self) -> QuerySet:
        return Job.objects.visible_to(self.request.user)
