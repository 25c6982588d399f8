from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotations.models import ApiToken
from annotations.services.tokens import token_create, token_digest

_keys: dict[int, str] = {}


def client_for(user) -> APIClient:
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
def api():
    return client_for


# The seeded team of the API-wide passes, shared by test_schemathesis and test_hostile_input.
from tests.api.world import api_world  # noqa: E402, F401
