"""Materialised summaries of pages that aggregate a whole team (the dashboard).

A snapshot is one viewer's page, computed with that viewer's visibility rules
(``Annotation.objects.visible_to``): it is never shown to anyone else, so private notes, blind
work and the trash stay out of it exactly as on the live page. It records the team's last event
when it was computed: a snapshot with no event since is current.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from annotations.models.teams import Team


class DashboardSnapshot(models.Model):
    """The dashboard as one user saw it at ``computed_at`` (see ``selectors.summaries``)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField()
    last_event_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0, help_text="What computing it live cost")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="dashboard_snapshot_unique")
        ]

    def __str__(self) -> str:
        return f"dashboard of {self.user_id} in {self.team_id} at {self.computed_at}"
