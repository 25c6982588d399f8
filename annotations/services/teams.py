"""Teams, memberships and the default tag vocabulary."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from annotations.models import Membership, Tag, Team
from annotations.services.stamps import teams_touch

Role = Membership.Role

# Who may do what. Owners may do everything.
ANNOTATE_ROLES = frozenset({Role.OWNER, Role.ANALYST})
REVIEW_ROLES = frozenset({Role.OWNER, Role.REVIEWER})
IMPORT_ROLES = frozenset({Role.OWNER, Role.ANALYST})
MANAGE_ROLES = frozenset({Role.OWNER})
DISCUSS_ROLES = frozenset({Role.OWNER, Role.ANALYST, Role.REVIEWER})

# name, kind, colour, description. Colours are distinguishable for the common kinds of
# colour blindness (Okabe-Ito palette).
DEFAULT_TAGS: tuple[tuple[str, str, str, str], ...] = (
    ("Claim", Tag.Kind.CLAIM, "#D55E00", "A statement of fact that someone puts forward"),
    ("Source", Tag.Kind.SOURCE, "#0072B2", "Who or what a claim rests on"),
    ("Evidence", Tag.Kind.EVIDENCE, "#009E73", "Material offered in support: images, documents"),
    ("Figure", Tag.Kind.FIGURE, "#E69F00", "A number to check: casualties, troops, equipment"),
    ("Opinion", Tag.Kind.OPINION, "#CC79A7", "Judgement or analysis, not a factual claim"),
    ("Denial", Tag.Kind.CLAIM, "#56B4E9", "A party denies a claim"),
    ("Context", Tag.Kind.OTHER, "#999999", "Background the reader needs"),
)


def membership_role(*, user: User | AnonymousUser, team: Team) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()


def require_role(
    *, user: User | AnonymousUser, team: Team, roles: Iterable[str], action: str
) -> str:
    """The user's role in the team, or PermissionDenied saying which roles may ``action``."""
    role = membership_role(user=user, team=team)
    allowed = set(roles)
    if role is None or role not in allowed:
        names = ", ".join(sorted(allowed))
        raise PermissionDenied(f"Only team members with the role {names} may {action}.")
    return role


@transaction.atomic
def team_create(*, name: str, owner: User | None, slug: str = "") -> Team:
    """A team with the default tags; ``owner`` (if any) becomes its first owner."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError({"slug": "Give a slug made of letters, digits and hyphens."})
    if Team.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A team with the slug {slug!r} already exists."})
    team = Team.objects.create(name=name, slug=slug)
    if owner is not None:
        Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    tags_create_defaults(team=team)
    return team


def tags_create_defaults(*, team: Team) -> list[Tag]:
    """Give a team the default vocabulary; tags it already has are left alone."""
    existing = set(Tag.objects.filter(team=team).values_list("slug", flat=True))
    new = [
        Tag(
            team=team,
            name=name,
            slug=slugify(name),
            kind=kind,
            colour=colour,
            description=description,
            position=position,
        )
        for position, (name, kind, colour, description) in enumerate(DEFAULT_TAGS)
        if slugify(name) not in existing
    ]
    return Tag.objects.bulk_create(new)


@transaction.atomic
def membership_set(*, team: Team, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(Role.values)}."})
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        if membership.role == Role.OWNER and _last_owner(team=team, user=user):
            raise ValidationError({"role": "A team keeps at least one owner."})
        membership.role = role
        membership.save(update_fields=["role"])
    teams_touch(team_ids=[team.pk])  # roles decide what a member sees
    return membership


def _last_owner(*, team: Team, user: User) -> bool:
    return not Membership.objects.filter(team=team, role=Role.OWNER).exclude(user=user).exists()


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Owners remove members; anyone may leave. A team keeps at least one owner."""
    if membership.user_id != actor.pk:
        require_role(user=actor, team=membership.team, roles=MANAGE_ROLES, action="remove members")
    if membership.role == Role.OWNER and _last_owner(team=membership.team, user=membership.user):
        raise ValidationError({"role": "A team keeps at least one owner."})
    membership.delete()
    teams_touch(team_ids=[membership.team_id])


def _tag_fields(**fields: object) -> dict[str, object]:
    if "kind" in fields and fields["kind"] not in Tag.Kind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(Tag.Kind.values)}."})
    if "name" in fields:
        name = " ".join(str(fields["name"]).split())
        if not name:
            raise ValidationError({"name": "A tag needs a name."})
        fields["name"] = name
    return fields


@transaction.atomic
def tag_create(
    *,
    actor: User,
    team: Team,
    name: str,
    slug: str = "",
    colour: str = "#888888",
    kind: str = Tag.Kind.OTHER,
    description: str = "",
    position: int = 100,
) -> Tag:
    require_role(user=actor, team=team, roles=MANAGE_ROLES, action="manage tags")
    fields = _tag_fields(name=name, kind=kind)
    slug = slug or slugify(str(fields["name"]))
    if not slug:
        raise ValidationError({"slug": "Give a slug made of letters, digits and hyphens."})
    if Tag.objects.filter(team=team, slug=slug).exists():
        raise ValidationError({"slug": f"The team already has a tag {slug!r}."})
    teams_touch(team_ids=[team.pk])
    return Tag.objects.create(
        team=team,
        name=str(fields["name"]),
        slug=slug,
        colour=colour,
        kind=kind,
        description=description,
        position=position,
    )


@transaction.atomic
def tag_update(*, tag: Tag, actor: User, **fields: object) -> Tag:
    require_role(user=actor, team=tag.team, roles=MANAGE_ROLES, action="manage tags")
    fields = _tag_fields(**fields)
    slug = fields.get("slug")
    if slug and Tag.objects.filter(team=tag.team, slug=slug).exclude(pk=tag.pk).exists():
        raise ValidationError({"slug": f"The team already has a tag {slug!r}."})
    for name, value in fields.items():
        setattr(tag, name, value)
    tag.save()
    teams_touch(team_ids=[tag.team_id])  # annotations show their tags' names and colours
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: User) -> None:
    """Delete an unused tag. A tag in use would vanish from analysts' annotations: refused."""
    require_role(user=actor, team=tag.team, roles=MANAGE_ROLES, action="manage tags")
    used = tag.annotations.count()
    if used:
        raise ValidationError({"tag": f"{used} annotation(s) use this tag; retag them first."})
    tag.delete()
    teams_touch(team_ids=[tag.team_id])
