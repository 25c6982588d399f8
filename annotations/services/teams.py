"""Teams, memberships and the default tag vocabulary.

Each write checks who may make it: team owners manage their team through the API and the
pages; site staff manage every team through the admin (``require_manager``). The rules on
what may be written live in the ``*_validate`` functions, which the writes call and which the
admin's forms call too, so that a refused write shows as a form error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import ngettext

from annotations.lib.plural import counted
from annotations.models import Membership, Tag, Team
from annotations.services.search_index import search_index_annotations_of_tags
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

ONE_OWNER = "A team keeps at least one owner."


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


def require_manager(*, user: User | AnonymousUser, team: Team, action: str, perm: str) -> None:
    """Team owners manage their team. Site staff manage every team from the admin, where
    Django's model permission ``perm`` (``annotations.change_tag`` ...) is the right to do so;
    staff alone reach the admin, and only they are asked for it."""
    if user.is_authenticated and user.is_staff and user.has_perm(perm):
        return
    require_role(user=user, team=team, roles=MANAGE_ROLES, action=action)


# --- Teams ---------------------------------------------------------------------------------


def _clean_slug(slug: str, *, max_length: int, default_from: str) -> str:
    slug = (slug or "").strip() or slugify(default_from)[:max_length]
    try:
        validate_slug(slug)
    except ValidationError:
        raise ValidationError(
            {"slug": "Give a slug made of letters, digits, hyphens and underscores."}
        ) from None
    if len(slug) > max_length:
        raise ValidationError({"slug": f"A slug has at most {max_length} characters."})
    return slug


def team_validate(*, name: str, slug: str = "", team: Team | None = None) -> dict[str, str]:
    """The cleaned name and slug of a new team, or of ``team`` renamed; a ValidationError
    naming the field otherwise. A blank slug is made from the name."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A team needs a name."})
    max_name = Team._meta.get_field("name").max_length or 0
    if len(name) > max_name:
        raise ValidationError({"name": f"A team's name has at most {max_name} characters."})
    slug = _clean_slug(
        slug, max_length=Team._meta.get_field("slug").max_length or 0, default_from=name
    )
    clash = Team.objects.filter(slug=slug)
    if team is not None and team.pk is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"slug": f"A team with the slug {slug!r} already exists."})
    return {"name": name, "slug": slug}


@transaction.atomic
def team_create(*, name: str, owner: User | None, slug: str = "") -> Team:
    """A team with the default tags; ``owner`` (if any) becomes its first owner."""
    team = Team.objects.create(**team_validate(name=name, slug=slug))
    if owner is not None:
        Membership.objects.create(team=team, user=owner, role=Role.OWNER)
    tags_create_defaults(team=team)
    return team


@transaction.atomic
def team_update(
    *, team: Team, actor: User, name: str | None = None, slug: str | None = None
) -> Team:
    """Rename a team or change its slug (owners; staff in the admin)."""
    require_manager(user=actor, team=team, action="rename the team", perm="annotations.change_team")
    team = Team.objects.select_for_update().get(pk=team.pk)
    cleaned = team_validate(
        name=team.name if name is None else name,
        slug=team.slug if slug is None else slug,
        team=team,
    )
    team.name, team.slug = cleaned["name"], cleaned["slug"]
    team.save(update_fields=["name", "slug"])
    return team


@transaction.atomic
def team_set_blind_default(*, team: Team, actor: User, blind: bool) -> Team:
    """Whether the team's new articles start in blind mode (owners). Articles already in the
    team keep their own setting (``article_update(blind=...)`` changes one)."""
    require_manager(
        user=actor, team=team, action="change the team's blind mode", perm="annotations.change_team"
    )
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team.blind_default != bool(blind):
        team.blind_default = bool(blind)
        team.save(update_fields=["blind_default"])
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User) -> None:
    """Delete a team and everything in it (staff in the admin; owners have no way to)."""
    if not (actor.is_staff and actor.has_perm("annotations.delete_team")):
        raise PermissionDenied("Only site staff may delete a team.")
    team.delete()


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


# --- Memberships ---------------------------------------------------------------------------


def _validate_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(Role.values)}."})


def owners_validate(*, team: Team, roles: Mapping[int, str | None]) -> None:
    """ValidationError unless ``team`` keeps an owner once each user id in ``roles`` has its
    role there (None: no longer a member). A team that has no owner yet may stay so."""
    owners = (
        set(Membership.objects.filter(team=team, role=Role.OWNER).values_list("user_id", flat=True))
        if team.pk is not None
        else set()
    )
    had_owner = bool(owners)
    for user_id, role in roles.items():
        if role == Role.OWNER:
            owners.add(user_id)
        else:
            owners.discard(user_id)
    if had_owner and not owners:
        raise ValidationError({"role": ONE_OWNER})


def membership_validate(
    *, team: Team, user: User, role: str, membership: Membership | None = None
) -> None:
    """The rules for a new membership, or for ``membership`` given a new role; whether the
    team keeps an owner is ``owners_validate``'s, as one save may change several roles."""
    _validate_role(role)
    if membership is None:
        if team.pk is not None and Membership.objects.filter(team=team, user=user).exists():
            raise ValidationError({"user": f"{user} is already a member of {team}."})
        return
    if (membership.team_id, membership.user_id) != (team.pk, user.pk):
        raise ValidationError(
            {"user": "A membership keeps its user and team; remove it and add another."}
        )


@transaction.atomic
def membership_create(*, team: Team, user: User, role: str, actor: User) -> Membership:
    require_manager(
        user=actor, team=team, action="manage members", perm="annotations.add_membership"
    )
    membership_validate(team=team, user=user, role=role)
    membership = Membership.objects.create(team=team, user=user, role=role)
    teams_touch(team_ids=[team.pk])  # roles decide what a member sees
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, role: str, actor: User) -> Membership:
    """Give a member another role. A team keeps at least one owner."""
    require_manager(
        user=actor,
        team=membership.team,
        action="manage members",
        perm="annotations.change_membership",
    )
    # The rules apply to the stored role, not to an instance a form has already changed.
    current = Membership.objects.select_for_update().select_related("team", "user")
    membership = current.get(pk=membership.pk)
    membership_validate(
        team=membership.team, user=membership.user, role=role, membership=membership
    )
    owners_validate(team=membership.team, roles={membership.user_id: role})
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        teams_touch(team_ids=[membership.team_id])
    return membership


@transaction.atomic
def membership_set(*, team: Team, user: User, role: str) -> Membership:
    """Make ``user`` a member of ``team`` with ``role``, or give them that role. The caller
    has checked that its user may (the API, the demo command)."""
    _validate_role(role)
    membership, created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        owners_validate(team=team, roles={user.pk: role})
        membership.role = role
        membership.save(update_fields=["role"])
    teams_touch(team_ids=[team.pk])  # roles decide what a member sees
    return membership


def membership_validate_remove(*, memberships: Iterable[Membership]) -> None:
    """ValidationError unless each team keeps an owner once ``memberships`` are removed."""
    by_team: dict[int, tuple[Team, dict[int, str | None]]] = {}
    for membership in memberships:
        by_team.setdefault(membership.team_id, (membership.team, {}))[1][membership.user_id] = None
    for team, roles in by_team.values():
        owners_validate(team=team, roles=roles)


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    """Owners remove members; anyone may leave. A team keeps at least one owner."""
    if membership.user_id != actor.pk:
        require_manager(
            user=actor,
            team=membership.team,
            action="remove members",
            perm="annotations.delete_membership",
        )
    membership_validate_remove(memberships=[membership])
    membership.delete()
    teams_touch(team_ids=[membership.team_id])


# --- Tags ----------------------------------------------------------------------------------


def tag_validate(
    *,
    team: Team,
    name: str,
    slug: str = "",
    colour: str = "#888888",
    kind: str = Tag.Kind.OTHER,
    tag: Tag | None = None,
) -> dict[str, str]:
    """The cleaned name and slug of a new tag of ``team``, or of ``tag`` changed; a
    ValidationError naming the field otherwise. A blank slug is made from the name."""
    if kind not in Tag.Kind.values:
        raise ValidationError({"kind": f"Kind must be one of {', '.join(Tag.Kind.values)}."})
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": "A tag needs a name."})
    max_name = Tag._meta.get_field("name").max_length or 0
    if len(name) > max_name:
        raise ValidationError({"name": f"A tag's name has at most {max_name} characters."})
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        raise ValidationError({"colour": "Give a colour as #rrggbb, such as #D55E00."})
    slug = _clean_slug(
        slug, max_length=Tag._meta.get_field("slug").max_length or 0, default_from=name
    )
    clash = Tag.objects.filter(team=team, slug=slug) if team.pk is not None else None
    if clash is not None and tag is not None:
        clash = clash.exclude(pk=tag.pk)
    if clash is not None and clash.exists():
        raise ValidationError({"slug": f"The team already has a tag {slug!r}."})
    return {"name": name, "slug": slug}


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
    require_manager(user=actor, team=team, action="manage tags", perm="annotations.add_tag")
    cleaned = tag_validate(team=team, name=name, slug=slug, colour=colour, kind=kind)
    teams_touch(team_ids=[team.pk])
    return Tag.objects.create(
        team=team,
        name=cleaned["name"],
        slug=cleaned["slug"],
        colour=colour,
        kind=kind,
        description=description,
        position=position,
    )


TAG_FIELDS = frozenset({"name", "slug", "colour", "kind", "description", "position"})


@transaction.atomic
def tag_update(*, tag: Tag, actor: User, **fields: object) -> Tag:
    """Change a tag's ``name``, ``slug``, ``colour``, ``kind``, ``description`` or
    ``position``; it stays in its team."""
    require_manager(user=actor, team=tag.team, action="manage tags", perm="annotations.change_tag")
    if "team" in fields:
        raise ValidationError({"team": "A tag stays in its team."})
    if unknown := set(fields) - TAG_FIELDS:
        raise TypeError(f"tag_update() got unexpected fields {sorted(unknown)}")
    tag = Tag.objects.select_for_update().select_related("team").get(pk=tag.pk)
    for name, value in fields.items():
        setattr(tag, name, value)
    cleaned = tag_validate(
        team=tag.team, name=tag.name, slug=tag.slug, colour=tag.colour, kind=tag.kind, tag=tag
    )
    renamed = tag.name != cleaned["name"] or "name" in fields
    tag.name, tag.slug = cleaned["name"], cleaned["slug"]
    tag.save()
    if renamed:  # annotations are found by their tags' names
        search_index_annotations_of_tags(tag_ids=[tag.pk])
    teams_touch(team_ids=[tag.team_id])  # annotations show their tags' names and colours
    return tag


def tag_validate_delete(*, tag: Tag) -> None:
    """A tag in use would vanish from analysts' annotations: refused."""
    used = tag.annotations.count()
    if used:
        raise ValidationError(
            {
                "tag": f"{counted(used, 'annotation')} {ngettext('uses', 'use', used)} this tag; "
                "retag them first."
            }
        )


@transaction.atomic
def tag_delete(*, tag: Tag, actor: User) -> None:
    """Delete an unused tag."""
    require_manager(user=actor, team=tag.team, action="manage tags", perm="annotations.delete_tag")
    tag_validate_delete(tag=tag)
    tag.delete()
    teams_touch(team_ids=[tag.team_id])
