from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotations.models import ApiToken, Membership
from annotations.services.tokens import token_create, token_digest
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def olga(team_a):  # type: ignore[no-untyped-def]
    """Team A's owner."""
    user = UserFactory(username="olga")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def victor(team_a):  # type: ignore[no-untyped-def]
    """Team A's viewer."""
    user = UserFactory(username="victor")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.VIEWER)
    return user


_keys: dict[int, str] = {}


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    if user is not None:
        # One key per user for the whole test, like the one-per-user tokens of before.
        key = _keys.get(user.pk)
        if key is None or not ApiToken.objects.filter(digest=token_digest(key)).exists():
            _, key = token_create(user=user, name="tests")
            _keys[user.pk] = key
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    return client_for
