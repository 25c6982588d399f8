"""Reads. Every query that serves a user starts from ``visible_to(user)``.

A user sees the objects of the teams they belong to and nothing else; private annotations
are seen by their author alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Annotation, Article, Entity, Mention and Team are named in quoted base classes below,
    # which ruff does not read.
    from .models import (  # noqa: F401
        Annotation,
        ApiToken,
        Article,
        ArticleNote,
        ArticleRead,
        ClaimAppearance,
        Entity,
        EntityJudgement,
        Figure,
        Membership,
        Mention,
        SourceGrade,
        Team,
        Watchlist,
    )


def _team_ids(user: User | AnonymousUser) -> models.QuerySet[Membership, Mapping[str, object]]:
    from .models import Membership

    if not user.is_authenticated:
        return Membership.objects.none().values("team_id")
    return Membership.objects.filter(user=user).values("team_id")


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        return self.filter(id__in=_team_ids(user))


class TeamScopedQuerySet[M: models.Model](models.QuerySet[M]):
    """For models with a ``team`` foreign key."""

    def visible_to(self, user: User | AnonymousUser) -> Self:
        return self.filter(team_id__in=_team_ids(user))


class ArticleQuerySet(TeamScopedQuerySet["Article"]):
    pass


class EntityQuerySet(TeamScopedQuerySet["Entity"]):
    def canonical(self) -> Self:
        """Entities not folded into another by a "same" judgement."""
        return self.filter(merged_into__isnull=True)


class EntityJudgementQuerySet(TeamScopedQuerySet["EntityJudgement"]):
    def active(self) -> Self:
        return self.filter(undone_at__isnull=True)


class MentionQuerySet(models.QuerySet["Mention"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        return self.filter(article__team_id__in=_team_ids(user))

    def active(self) -> Self:
        return self.filter(rejected=False)


def _work_visible_to(user: User, *, shared_too: Q | None = None, via: str = "") -> list[Q]:
    """The rule for analysts' work (annotations, page notes): live, not another member's
    private work, and on a blind article teammates' work only once the user has submitted
    their own (reviewers and owners see everything); ``shared_too`` is also always shown.
    ``via`` ("annotation__") applies the rule to a related row's work."""
    from .models import ArticleSubmission, Membership

    privileged = Membership.objects.filter(
        user=user, role__in=[Membership.Role.OWNER, Membership.Role.REVIEWER]
    ).values("team_id")
    submitted = ArticleSubmission.objects.filter(user=user).values("article_id")
    blind_ok = (
        Q(**{f"{via}article__blind": False})
        | Q(**{f"{via}author": user})
        | Q(**{f"{via}team_id__in": privileged})
        | Q(**{f"{via}article_id__in": submitted})
    )
    if shared_too is not None:
        blind_ok |= shared_too
    return [
        Q(**{f"{via}deleted_at__isnull": True}),
        Q(**{f"{via}visibility": "team"}) | Q(**{f"{via}author": user}),
        blind_ok,
    ]


class AnnotationQuerySet(TeamScopedQuerySet["Annotation"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """What the user may see: their teams' live annotations, others' private ones
        excepted; on a blind article, analysts see teammates' work only once they have
        submitted their own (reviewers and owners see everything, suggestions are shared)."""
        from .models import Annotation

        qs = super().visible_to(user)
        if not user.is_authenticated:
            return qs.none()
        return qs.filter(*_work_visible_to(user, shared_too=Q(origin=Annotation.Origin.MODEL)))

    def trash_of(self, user: User | AnonymousUser) -> Self:
        """Deleted annotations the user may restore: their own, or all of a team they own."""
        from .models import Membership

        if not user.is_authenticated:
            return self.none()
        owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values("team_id")
        return TeamScopedQuerySet.visible_to(self, user).filter(
            Q(deleted_at__isnull=False), Q(author=user) | Q(deleted_by=user) | Q(team_id__in=owned)
        )


class ClaimAppearanceQuerySet(TeamScopedQuerySet["ClaimAppearance"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """Appearances whose claim annotation the user may see (the annotations' rule, applied
        through the join: no subquery over the team's annotations)."""
        qs = super().visible_to(user)
        if not user.is_authenticated:
            return qs.none()
        return qs.filter(
            *_work_visible_to(user, shared_too=Q(annotation__origin="model"), via="annotation__")
        )


class ArticleNoteQuerySet(TeamScopedQuerySet["ArticleNote"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """Page notes by the rule of annotations (``_work_visible_to``)."""
        qs = super().visible_to(user)
        if not user.is_authenticated:
            return qs.none()
        return qs.filter(*_work_visible_to(user))


class ArticleReadQuerySet(models.QuerySet["ArticleRead"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """A user's own reading marks only."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """A user's own tokens, and nobody else's (not even a team owner's view)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class WatchlistQuerySet(models.QuerySet["Watchlist"]):
    def visible_to(self, user: User | AnonymousUser) -> Self:
        """The user's own watchlists and those of the teams they belong to."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user=user) | Q(team_id__in=_team_ids(user)))


class FigureQuerySet(TeamScopedQuerySet["Figure"]):
    """Figures follow their article: the team's members see them all."""


class SourceGradeQuerySet(TeamScopedQuerySet["SourceGrade"]):
    """A team's grades of its sources: its members see them all."""
