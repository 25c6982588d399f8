from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations.models import Membership
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def olga(team_a):
    """Team A's owner."""
    user = UserFactory(username="olga")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.OWNER)
    return user


@pytest.fixture
def victor(team_a):
    """Team A's viewer."""
    user = UserFactory(username="victor")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.VIEWER)
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return client_for
