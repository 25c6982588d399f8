"""The admin saves teams, memberships, outlets, entities and tags through their services: their
rules show as form errors (a 200, not a 500), and deletes they refuse are refused on the
confirmation page. The read-only pages delete nothing.

``admin_client`` is pytest-django's client, signed in as a superuser who is in no team.
"""

from __future__ import annotations

from typing import Any

import pytest

from annotations.models import (
    Annotation,
    AnnotationVersion,
    ArchiveRecord,
    ArticleRevision,
    ArticleSubmission,
    Entity,
    EntityKey,
    Event,
    Feed,
    FeedItem,
    IdempotencyKey,
    Job,
    Membership,
    Mention,
    Notification,
    Outlet,
    PeriodicLease,
    Reply,
    Review,
    Tag,
    Team,
)
from annotations.services.annotations import annotation_create
from annotations.services.teams import DEFAULT_TAGS
from tests.factories import UserFactory

OWNER, ANALYST = Membership.Role.OWNER, Membership.Role.ANALYST


def url(model: type, view: str, pk: int | None = None) -> str:
    base = f"/admin/annotations/{model._meta.model_name}/"
    if pk is not None:
        return f"{base}{pk}/{view}/"
    return f"{base}{view}/" if view else base


def members(*rows: dict[str, Any], stored: int = 0) -> dict[str, str]:
    """The team page's membership inline: ``stored`` rows already saved, then new ones."""
    data = {
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(stored),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"memberships-{i}-{key}": str(value) for key, value in row.items()})
    return data


def member_row(membership: Membership, **changes: Any) -> dict[str, Any]:
    row = {
        "id": membership.pk,
        "team": membership.team_id,
        "user": membership.user_id,
        "role": membership.role,
    }
    return row | changes


def form_errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {
        field: list(errors) for field, errors in response.context["adminform"].form.errors.items()
    }


def inline_errors(response: Any) -> list[str]:
    assert response.status_code == 200, response.status_code
    formset = response.context["inline_admin_formsets"][0].formset
    rows = [message for form in formset.errors for errors in form.values() for message in errors]
    return [*formset.non_form_errors(), *rows]


def role(user: Any, team: Team) -> str | None:
    return Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()


# --- Teams -------------------------------------------------------------------------------


def test_team_add_refuses_a_taken_slug_then_creates_the_team_with_its_members(
    admin_client, team_a, alice
):
    taken = admin_client.post(url(Team, "add"), {"name": "Desk A2", "slug": "desk-a", **members()})
    assert form_errors(taken) == {"slug": ["A team with the slug 'desk-a' already exists."]}

    data = {"name": "Desk C", "slug": "desk-c", **members({"user": alice.pk, "role": OWNER})}
    assert admin_client.post(url(Team, "add"), data).status_code == 302
    team = Team.objects.get(slug="desk-c")
    assert Tag.objects.filter(team=team).count() == len(DEFAULT_TAGS)
    assert role(alice, team) == OWNER


def test_team_change_refuses_a_taken_slug(admin_client, team_a, team_b):
    data = {"name": "Desk A", "slug": "desk-b", **members()}
    response = admin_client.post(url(Team, "change", team_a.pk), data)
    assert form_errors(response) == {"slug": ["A team with the slug 'desk-b' already exists."]}
    assert Team.objects.get(pk=team_a.pk).slug == "desk-a"


def test_team_page_keeps_an_owner_and_passes_ownership_on_in_one_save(
    admin_client, team_a, olga, alice
):
    olgas, alices = olga.memberships.get(), alice.memberships.get()
    page = url(Team, "change", team_a.pk)
    form = {"name": "Desk A", "slug": "desk-a"}

    demoted = admin_client.post(
        page, form | members(member_row(olgas, role=ANALYST), member_row(alices), stored=2)
    )
    assert inline_errors(demoted) == ["A team keeps at least one owner."]
    removed = admin_client.post(
        page, form | members(member_row(olgas, DELETE="on"), member_row(alices), stored=2)
    )
    assert inline_errors(removed) == ["A team keeps at least one owner."]
    assert role(olga, team_a) == OWNER

    swapped = admin_client.post(
        page,
        form | members(member_row(olgas, role=ANALYST), member_row(alices, role=OWNER), stored=2),
    )
    assert swapped.status_code == 302
    assert (role(olga, team_a), role(alice, team_a)) == (ANALYST, OWNER)


def test_team_page_refuses_to_move_a_membership_to_another_user(admin_client, team_a, alice):
    erin = UserFactory(username="erin")
    data = {"name": "Desk A", "slug": "desk-a"}
    data |= members(member_row(alice.memberships.get(), user=erin.pk), stored=1)
    response = admin_client.post(url(Team, "change", team_a.pk), data)
    assert inline_errors(response) == [
        "A membership keeps its user and team; remove it and add another."
    ]
    assert role(erin, team_a) is None


# --- Memberships -------------------------------------------------------------------------


def test_membership_add_refuses_a_second_membership_and_adds_a_new_member(
    admin_client, team_a, alice
):
    twice = {"team": team_a.pk, "user": alice.pk, "role": Membership.Role.REVIEWER}
    response = admin_client.post(url(Membership, "add"), twice)
    assert form_errors(response) == {"user": ["alice is already a member of Desk A."]}
    assert role(alice, team_a) == ANALYST

    erin = UserFactory(username="erin")
    new = {"team": team_a.pk, "user": erin.pk, "role": Membership.Role.VIEWER}
    assert admin_client.post(url(Membership, "add"), new).status_code == 302
    assert role(erin, team_a) == Membership.Role.VIEWER


def test_membership_change_keeps_the_last_owner(admin_client, team_a, olga, alice):
    owner = olga.memberships.get()
    response = admin_client.post(url(Membership, "change", owner.pk), {"role": ANALYST})
    assert form_errors(response) == {"role": ["A team keeps at least one owner."]}
    assert role(olga, team_a) == OWNER

    analyst = alice.memberships.get()
    response = admin_client.post(url(Membership, "change", analyst.pk), {"role": OWNER})
    assert response.status_code == 302
    assert role(alice, team_a) == OWNER


def test_deleting_the_last_owner_is_refused(admin_client, team_a, olga, alice):
    owner, analyst = olga.memberships.get(), alice.memberships.get()
    response = admin_client.post(url(Membership, "delete", owner.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "A team keeps at least one owner." in response.content.decode()
    both = {"action": "delete_selected", "_selected_action": [owner.pk, analyst.pk], "post": "yes"}
    admin_client.post(url(Membership, ""), both)
    assert (role(olga, team_a), role(alice, team_a)) == (OWNER, ANALYST)

    response = admin_client.post(url(Membership, "delete", analyst.pk), {"post": "yes"})
    assert response.status_code == 302
    assert role(alice, team_a) is None


# --- Outlets -----------------------------------------------------------------------------


def test_outlet_add_keeps_the_domain_of_a_pasted_url_and_refuses_it_twice(admin_client):
    data = {"name": "Reuters", "domain": "https://www.Reuters.com/world/"}
    assert admin_client.post(url(Outlet, "add"), data).status_code == 302
    assert Outlet.objects.get().domain == "reuters.com"

    again = {"name": "Reuters wire", "domain": "reuters.com"}
    response = admin_client.post(url(Outlet, "add"), again)
    assert form_errors(response) == {"domain": ["Reuters already has the domain reuters.com."]}
    assert Outlet.objects.count() == 1


def test_outlet_change_cleans_the_name(admin_client):
    outlet = Outlet.objects.create(name="Yonhap", domain="yna.co.kr")
    data = {"name": "Yonhap   News  Agency", "domain": "yna.co.kr"}
    assert admin_client.post(url(Outlet, "change", outlet.pk), data).status_code == 302
    assert Outlet.objects.get(pk=outlet.pk).name == "Yonhap News Agency"


# --- Entities ----------------------------------------------------------------------------


def entity_form(**values: Any) -> dict[str, Any]:
    fields = {"description": "", "wikidata_id": "", "gazetteer_id": "", "aliases": "[]"}
    return fields | values


def test_entity_add_cleans_the_name_and_the_aliases(admin_client, team_a):
    data = entity_form(
        team=team_a.pk,
        name="John   Kirby",
        kind=Entity.Kind.PERSON,
        aliases='["Kirby", "kirby", "John  Kirby", "Admiral Kirby"]',
    )
    assert admin_client.post(url(Entity, "add"), data).status_code == 302
    entity = Entity.objects.get(team=team_a)
    assert (entity.name, entity.aliases) == ("John Kirby", ["Kirby", "Admiral Kirby"])


def test_entity_change_refuses_a_taken_or_malformed_wikidata_id(admin_client, team_a):
    Entity.objects.create(team=team_a, name="Vladimir Putin", kind="PERSON", wikidata_id="Q7747")
    putin = Entity.objects.create(team=team_a, name="Putin", kind="PERSON")
    page = url(Entity, "change", putin.pk)

    taken = admin_client.post(page, entity_form(name="Putin", kind="PERSON", wikidata_id="Q7747"))
    assert form_errors(taken) == {
        "wikidata_id": ["Vladimir Putin already has this id; merge the two instead."]
    }
    malformed = admin_client.post(
        page, entity_form(name="Putin", kind="PERSON", wikidata_id="7747")
    )
    assert form_errors(malformed) == {"wikidata_id": ["A Wikidata id looks like Q7747."]}
    assert Entity.objects.get(pk=putin.pk).wikidata_id == ""


def test_entity_is_not_deleted_while_mentions_name_it(admin_client, article):
    kirby = Entity.objects.create(team=article.team, name="John Kirby", kind="PERSON")
    Mention.objects.create(article=article, entity=kirby, start=0, end=5, text="x", label="PERSON")
    response = admin_client.post(url(Entity, "delete", kirby.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "1 mention and 0 annotations point to this entity" in response.content.decode()
    assert Entity.objects.filter(pk=kirby.pk).exists()

    # One that nothing points to goes, with its resolution keys (rows of a read-only page).
    unused = Entity.objects.create(team=article.team, name="Sergei Shoigu", kind="PERSON")
    EntityKey.objects.create(team=article.team, key="name:PERSON:sergei shoigu", entity=unused)
    assert admin_client.post(url(Entity, "delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not EntityKey.objects.filter(entity_id=unused.pk).exists()


# --- Tags --------------------------------------------------------------------------------


def tag_form(**values: Any) -> dict[str, Any]:
    fields = {"colour": "#123456", "kind": Tag.Kind.CLAIM, "description": "", "position": "9"}
    return fields | values


def test_tag_add_refuses_a_taken_slug_and_cleans_the_name(admin_client, team_a):
    taken = admin_client.post(url(Tag, "add"), tag_form(team=team_a.pk, name="Claim", slug="claim"))
    assert form_errors(taken) == {"slug": ["The team already has a tag 'claim'."]}

    data = tag_form(team=team_a.pk, name="Troop   numbers", slug="troops")
    assert admin_client.post(url(Tag, "add"), data).status_code == 302
    assert Tag.objects.get(team=team_a, slug="troops").name == "Troop numbers"


def test_tag_change_refuses_a_colour_that_is_not_hex(admin_client, tags_a):
    claim = tags_a["claim"]
    data = tag_form(name="Claim", slug="claim", colour="red")
    response = admin_client.post(url(Tag, "change", claim.pk), data)
    assert form_errors(response) == {"colour": ["Give a colour as #rrggbb, such as #D55E00."]}
    assert Tag.objects.get(pk=claim.pk).colour == claim.colour


def test_tag_in_use_is_not_deleted(admin_client, article, alice, tags_a):
    annotation_create(article=article, author=alice, start=0, end=5, tags=[tags_a["claim"]])
    response = admin_client.post(url(Tag, "delete", tags_a["claim"].pk), {"post": "yes"})
    assert response.status_code == 200
    assert "1 annotation uses this tag; retag them first." in response.content.decode()
    assert Tag.objects.filter(pk=tags_a["claim"].pk).exists()

    unused = tags_a["context"]
    assert admin_client.post(url(Tag, "delete", unused.pk), {"post": "yes"}).status_code == 302
    assert not Tag.objects.filter(pk=unused.pk).exists()


# --- Read-only pages ---------------------------------------------------------------------

READ_ONLY = [
    Annotation,
    ArchiveRecord,
    Feed,
    FeedItem,
    PeriodicLease,
    AnnotationVersion,
    ArticleRevision,
    ArticleSubmission,
    EntityKey,
    Event,
    IdempotencyKey,
    Job,
    Mention,
    Notification,
    Reply,
    Review,
]


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.model_name)
def test_read_only_pages_delete_nothing(admin_client, article, alice, model):
    annotation_create(article=article, author=alice, start=0, end=5)  # an annotation, a version,
    # an event and the article's first revision
    row = model.objects.first()
    pk = row.pk if row is not None else 1
    assert admin_client.get(url(model, "delete", pk)).status_code == 403
    assert admin_client.post(url(model, "delete", pk), {"post": "yes"}).status_code == 403
    listing = admin_client.get(url(model, ""))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    if row is not None:
        action = {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
        admin_client.post(url(model, ""), action)
        assert model.objects.filter(pk=pk).exists()
