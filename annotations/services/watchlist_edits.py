"""Watchlists (``models/watchlists.py``): their writes, checked as the search page checks a
search.

A search watchlist keeps the query and facets exactly as the search page takes them, checked
by the same form (``search_form.py``). It watches *articles*, so of the facets it keeps those
that describe an article (outlet, published date range, entity); the annotation facets (tag,
assessment, review state, dispute, author) are refused by name, since a new article has no
annotations yet. Matching new articles is ``services/watchlists.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from annotations.exceptions import PreconditionFailed
from annotations.models import Entity, Team, Watchlist, WatchlistEntity
from annotations.search_form import LIST_FIELDS, SearchForm
from annotations.services.teams import DISCUSS_ROLES, require_role

MAX_PERSONAL_WATCHLISTS = 50  # per user
MAX_TEAM_WATCHLISTS = 100  # per team
MAX_ENTITIES = 100  # per watchlist
MAX_NAME_CHARS = 200
# Facets that describe an article, so that a new article can pass or fail them.
ARTICLE_FACETS = ("kind", "outlet", "entity", "published_from", "published_to")
# Facets of annotations: a new article has none, so a watchlist cannot use them.
ANNOTATION_FACETS = ("tag", "assessment", "review", "dispute", "author", "grade")
# Paging and typing aids of the search page, dropped from a saved search.
IGNORED_PARAMS = ("limit", "offset", "prefix", "q")


# --- Validation --------------------------------------------------------------------------------


def _form_data(params: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in params.items():
        if name in LIST_FIELDS:
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, (dict, list)) for v in values):
                raise ValidationError({name: "Give a list of values."})
            data[name] = [str(v) for v in values]
        else:
            if isinstance(value, (dict, list)):
                raise ValidationError({name: "Give one value."})
            data[name] = "" if value is None else str(value)
    return data


def clean_search(
    *, user: User, team: Team | None, query: str, params: Any
) -> tuple[str, dict[str, Any]]:
    """The query and the facets, checked as the search page checks them, in stored form."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": 'Give the facets as an object: {"outlet": [3]}.'})
    known = set(ARTICLE_FACETS) | set(ANNOTATION_FACETS) | set(IGNORED_PARAMS)
    unknown = sorted(str(k) for k in params if k not in known)
    if unknown:
        raise ValidationError({"params": f"Unknown search parameter: {', '.join(unknown[:5])}."})
    for name in ANNOTATION_FACETS:
        if params.get(name) not in (None, "", []):
            raise ValidationError(
                {
                    name: "A watchlist watches new articles, and this filter describes "
                    "annotations: remove it to watch the search."
                }
            )
    data = _form_data({k: v for k, v in params.items() if k in ARTICLE_FACETS})
    form = SearchForm({"q": query, **data}, user=user)
    if not form.is_valid():
        raise ValidationError(
            {
                ("query" if name == "q" else name): [str(e) for e in errors]
                for name, errors in form.errors.items()
            }
        )
    cleaned = form.cleaned_data
    if cleaned["kind"] and "article" not in cleaned["kind"]:
        raise ValidationError({"kind": "A watchlist watches articles: include the kind article."})
    if team is not None and cleaned["entity"]:
        others = Entity.objects.filter(pk__in=cleaned["entity"]).exclude(team=team)
        if others.exists():
            raise ValidationError({"entity": "Give entities of the watchlist's team."})
    stored: dict[str, Any] = {}
    for name in ("outlet", "entity"):
        if cleaned[name]:
            stored[name] = sorted(set(cleaned[name]))
    for name in ("published_from", "published_to"):
        if cleaned[name]:
            stored[name] = cleaned[name].isoformat()
    return str(cleaned["q"]), stored


def _clean_entities(*, user: User, team: Team | None, entities: Iterable[Any]) -> list[int]:
    ids: list[int] = []
    for value in entities:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise ValidationError({"entities": f"{value!r} is not an entity id."})
        ids.append(value)
    ids = sorted(set(ids))
    if len(ids) > MAX_ENTITIES:
        raise ValidationError({"entities": f"At most {MAX_ENTITIES} entities per watchlist."})
    visible = Entity.objects.visible_to(user).filter(pk__in=ids)
    if team is not None:
        visible = visible.filter(team=team)
    found = set(visible.values_list("pk", flat=True))
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise ValidationError({"entities": f"Unknown entity: {', '.join(map(str, unknown[:5]))}."})
    return ids


def _clean_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError({"name": "Name the watchlist."})
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError({"name": f"At most {MAX_NAME_CHARS} characters."})
    return name


def _check_room(*, user: User, team: Team | None) -> None:
    if team is not None:
        if Watchlist.objects.filter(team=team).count() >= MAX_TEAM_WATCHLISTS:
            raise ValidationError(
                {"team": f"The team has {MAX_TEAM_WATCHLISTS} watchlists; delete one first."}
            )
    elif Watchlist.objects.filter(user=user).count() >= MAX_PERSONAL_WATCHLISTS:
        raise ValidationError(
            {"team": f"You have {MAX_PERSONAL_WATCHLISTS} personal watchlists; delete one first."}
        )


def _may_manage(*, user: User | AnonymousUser, watchlist: Watchlist) -> None:
    if watchlist.team is not None:
        require_role(
            user=user, team=watchlist.team, roles=DISCUSS_ROLES, action="change team watchlists"
        )
    elif watchlist.user_id != user.pk:
        raise PermissionDenied("Only its owner may change a personal watchlist.")


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def watchlist_create(
    *,
    user: User,
    name: str,
    team: Team | None = None,
    query: str = "",
    params: Any = None,
    entities: Iterable[Any] | None = None,
    paused: bool = False,
    email_digest: bool = False,
) -> Watchlist:
    """A personal watchlist (no ``team``) or one of ``team``, whose members all hear of it.
    Give either a search (``query`` and its facets in ``params``) or ``entities``."""
    name = _clean_name(name)
    if team is not None:
        require_role(user=user, team=team, roles=DISCUSS_ROLES, action="add team watchlists")
    entity_list = list(entities or [])
    if (query or "").strip() and entity_list:
        raise ValidationError({"entities": "Watch a search or entities, not both at once."})
    stored_params: dict[str, Any] = {}
    entity_ids: list[int] = []
    if (query or "").strip():
        kind = Watchlist.Kind.SEARCH
        query, stored_params = clean_search(user=user, team=team, query=query, params=params)
    elif entity_list:
        kind = Watchlist.Kind.ENTITIES
        if params:
            raise ValidationError({"params": "Facets belong to a saved search; give a query."})
        entity_ids = _clean_entities(user=user, team=team, entities=entity_list)
    else:
        raise ValidationError({"query": "Give a search to watch, or pick entities."})
    _check_room(user=user, team=team)
    watchlist = Watchlist.objects.create(
        user=None if team is not None else user,
        team=team,
        name=name,
        kind=kind,
        query=query if kind == Watchlist.Kind.SEARCH else "",
        params=stored_params,
        paused=bool(paused),
        email_digest=bool(email_digest),
        created_by=user,
    )
    WatchlistEntity.objects.bulk_create(
        [WatchlistEntity(watchlist=watchlist, entity_id=pk) for pk in entity_ids]
    )
    return watchlist


def _lock(*, watchlist: Watchlist, actor: User, expected_version: int | None) -> Watchlist:
    locked = (
        Watchlist.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=watchlist.pk)
    )
    _may_manage(user=actor, watchlist=locked)
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    return locked


@transaction.atomic
def watchlist_update(
    *,
    watchlist: Watchlist,
    actor: User,
    expected_version: int | None = None,
    name: str | None = None,
    query: str | None = None,
    params: Any = None,
    entities: Iterable[Any] | None = None,
    paused: bool | None = None,
    email_digest: bool | None = None,
) -> Watchlist:
    """Rename, pause or resume, opt in or out of the digest, or change what is watched (a
    search stays a search, an entity list an entity list)."""
    locked = _lock(watchlist=watchlist, actor=actor, expected_version=expected_version)
    team = locked.team
    fields = ["version", "updated_at"]
    if name is not None:
        locked.name = _clean_name(name)
        fields.append("name")
    is_search = locked.kind == Watchlist.Kind.SEARCH
    if (query is not None or params is not None) and not is_search:
        field = "query" if query is not None else "params"
        raise ValidationError({field: "An entity watchlist has no search; change its entities."})
    if entities is not None and is_search:
        raise ValidationError({"entities": "A saved search has no entities; change its query."})
    if query is not None or params is not None:
        locked.query, locked.params = clean_search(
            user=actor,
            team=team,
            query=locked.query if query is None else query,
            params=locked.params if params is None else params,
        )
        fields += ["query", "params"]
    if entities is not None:
        ids = _clean_entities(user=actor, team=team, entities=entities)
        if not ids:
            raise ValidationError({"entities": "Pick at least one entity."})
        WatchlistEntity.objects.filter(watchlist=locked).delete()
        WatchlistEntity.objects.bulk_create(
            [WatchlistEntity(watchlist=locked, entity_id=pk) for pk in ids]
        )
    if paused is not None:
        locked.paused = bool(paused)
        fields.append("paused")
    if email_digest is not None:
        locked.email_digest = bool(email_digest)
        fields.append("email_digest")
    locked.version = F("version") + 1
    locked.save(update_fields=fields)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def watchlist_delete(
    *, watchlist: Watchlist, actor: User, expected_version: int | None = None
) -> None:
    """Delete the watchlist and its hits; the notifications already sent stay."""
    _lock(watchlist=watchlist, actor=actor, expected_version=expected_version).delete()
