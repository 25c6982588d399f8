"""Who manages a team: its owners, and site staff holding Django's model permission (the
admin's own rule, which its pages check before they call the services)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from annotations.models import Tag
from annotations.services.teams import tag_create
from tests.factories import UserFactory


def test_staff_with_the_permission_manage_any_team_and_members_need_the_owner_role(
    team_a, alice, olga
):
    staff = UserFactory(username="sam", is_staff=True)
    with pytest.raises(PermissionDenied):
        tag_create(actor=staff, team=team_a, name="Rumour")
    staff.user_permissions.add(Permission.objects.get(codename="add_tag"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached per instance
    assert tag_create(actor=staff, team=team_a, name="Rumour").team == team_a

    with pytest.raises(PermissionDenied):
        tag_create(actor=alice, team=team_a, name="Hearsay")  # an analyst
    tag_create(actor=olga, team=team_a, name="Hearsay")  # the owner
    assert set(
        Tag.objects.filter(team=team_a, name__in=["Rumour", "Hearsay"]).values_list(
            "name", flat=True
        )
    ) == {"Rumour", "Hearsay"}
