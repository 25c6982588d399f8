"""Teams and who belongs to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.querysets import (
    TeamQuerySet,
)


def new_content_stamp() -> str:
    return uuid.uuid4().hex


def default_refetch_hours() -> list[int]:
    """When articles imported from a URL are fetched again, in hours after the import."""
    return [1, 6, 24, 72]


class Team(models.Model):
    """A group of analysts who share articles, entities, tags and annotations."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes after every write that can change how the team's annotations read in a list;
    # cached list pages are keyed by it (services/stamps.py, api/listcache.py). Random, not a
    # counter, so a team id that SQLite reuses never meets an old page.
    content_stamp = models.CharField(max_length=32, default=new_content_stamp, editable=False)
    blind_default = models.BooleanField(
        default=False,
        help_text="New articles start in blind mode: analysts see teammates' work on them only "
        "after submitting their own.",
    )
    # Silent edits: hours after a URL import at which the page is fetched again (empty: never).
    refetch_hours = models.JSONField(default=default_refetch_hours, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a team. Roles gate writes; every member may read."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ANALYST = "analyst", "Analyst"
        REVIEWER = "reviewer", "Reviewer"
        VIEWER = "viewer", "Viewer"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "analyst", "reviewer", "viewer"]),
                name="membership_role_valid",
            ),
        ]
        ordering = ["team", "user"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"
