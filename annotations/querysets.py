"""Reads. Every query that serves a user starts from ``visible_to(user)``.

A user sees the objects of the teams they belong to and nothing else; private annotations
are seen by their author alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def _team_ids(user: AbstractBaseUser | AnonymousUser) -> Any:
    from .models import Membership

    if not user.is_authenticated:
        return Membership.objects.none().values("team_id")
    return Membership.objects.filter(user=user).values("team_id")


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> TeamQuerySet:
        return self.filter(id__in=_team_ids(user))


class TeamScopedQuerySet(models.QuerySet):
    """For models with a ``team`` foreign key."""

    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> TeamScopedQuerySet:
        return self.filter(team_id__in=_team_ids(user))


class ArticleQuerySet(TeamScopedQuerySet):
    pass


class EntityQuerySet(TeamScopedQuerySet):
    pass


class MentionQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> MentionQuerySet:
        return self.filter(article__team_id__in=_team_ids(user))

    def active(self) -> MentionQuerySet:
        return self.filter(rejected=False)


class AnnotationQuerySet(TeamScopedQuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> AnnotationQuerySet:
        from .models import Annotation

        qs = super().visible_to(user)
        if not user.is_authenticated:
            return qs.none()
        return qs.filter(Q(visibility=Annotation.Visibility.TEAM) | Q(author=user))
