"""API tokens: named, hashed, expiring, revocable; each user sees only their own."""

from __future__ import annotations

import hashlib
import importlib
import types
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.models import ApiToken
from annotations.services.tokens import atoken_user, token_create, token_user

PASSWORD = "correct-horse-battery"


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_created_token_shows_its_key_once_and_stores_only_its_hash(alice):
    client = _session(alice)
    created = client.post("/api/tokens/", {"name": "nightly export"})
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith("nn_")
    assert len(key) >= 40
    assert body["name"] == "nightly export"
    assert body["expires_at"] is None
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.digest, stored.hint, stored.name}
    listed = client.get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["nightly export"]
    assert "key" not in listed[0]
    assert key.startswith(listed[0]["hint"])
    assert _bearer(key).get("/api/me/").json()["username"] == "alice"


def test_users_see_and_revoke_only_their_own_tokens(alice, carol):
    mine, _ = token_create(user=alice, name="mine")
    theirs, their_key = token_create(user=carol, name="theirs")
    client = _session(alice)
    assert [t["id"] for t in client.get("/api/tokens/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/tokens/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/tokens/{theirs.pk}/").status_code == 404
    assert _bearer(their_key).get("/api/me/").status_code == 200


def test_a_revoked_token_stops_working_at_once(alice):
    token, key = token_create(user=alice, name="laptop")
    client = _bearer(key)
    assert client.get("/api/me/").status_code == 200
    assert _session(alice).delete(f"/api/tokens/{token.pk}/").status_code == 204
    refused = client.get("/api/me/")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_refused(alice):
    soon = timezone.now() + timedelta(hours=1)
    token, key = token_create(user=alice, name="short", expires_at=soon)
    assert _bearer(key).get("/api/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _bearer(key).get("/api/me/").status_code == 401
    listed = _session(alice).get("/api/tokens/").json()["results"]
    assert listed[0]["expired"] is True


def test_expiry_must_be_in_the_future_and_a_name_is_needed(alice):
    client = _session(alice)
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert (
        "expires_at"
        in client.post("/api/tokens/", {"name": "x", "expires_at": past}).json()["errors"]
    )
    assert "name" in client.post("/api/tokens/", {"name": "  "}).json()["errors"]
    assert ApiToken.objects.count() == 0


def test_a_token_cannot_mint_more_tokens_but_can_list_and_revoke(alice):
    token, key = token_create(user=alice, name="script")
    client = _bearer(key)
    assert client.post("/api/tokens/", {"name": "more"}).status_code == 403
    assert client.get("/api/tokens/").status_code == 200
    assert client.delete(f"/api/tokens/{token.pk}/").status_code == 204
    assert ApiToken.objects.count() == 0


def test_last_used_is_recorded_at_most_once_a_minute(alice):
    token, key = token_create(user=alice, name="script")
    assert token.last_used_at is None
    client = _bearer(key)
    client.get("/api/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/me/")
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/me/")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_the_password_endpoint_returns_a_new_named_token_each_time(alice):
    client = APIClient()
    first = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD}).json()
    second = client.post(
        "/api/auth/token/",
        {"username": "alice", "password": PASSWORD, "name": "ci", "expires_at": None},
        format="json",
    ).json()
    assert first["token"] != second["token"]
    assert first["name"] == "script"
    expires = datetime.fromisoformat(first["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=29) < expires - timezone.now() <= timedelta(days=30)
    assert second["name"] == "ci"
    assert second["expires_at"] is None
    for answer in (first, second):
        assert _bearer(answer["token"]).get("/api/me/").json()["username"] == "alice"


def test_a_stale_token_in_the_header_does_not_block_getting_a_new_one(alice):
    client = _bearer("nn_revoked-long-ago")
    answer = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 200


def test_token_user_works_from_sync_and_async_code(alice, django_user_model):
    _, key = token_create(user=alice, name="stream")
    assert token_user(key) == alice
    assert token_user("nn_nonsense") is None
    assert async_to_sync(atoken_user)(key) == alice
    assert async_to_sync(atoken_user)("nn_nonsense") is None
    django_user_model.objects.filter(pk=alice.pk).update(is_active=False)
    assert token_user(key) is None


def test_the_migration_moves_drf_tokens_hashed(alice):
    migration = importlib.import_module("annotations.migrations.0007_api_tokens")
    legacy = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone, user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [legacy, timezone.now(), alice.pk]
        )
    migration.move_legacy_tokens(apps, types.SimpleNamespace(connection=connection))
    moved = ApiToken.objects.get(user=alice)
    assert moved.digest == hashlib.sha256(legacy.encode()).hexdigest()
    assert _bearer(legacy).get("/api/me/").json()["username"] == "alice"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0


def test_the_readmes_form_encoded_request_gets_a_token(alice):
    # curl -d username=... -d password=... sends a form, not JSON.
    answer = Client().post(
        "/api/auth/token/",
        "username=alice&password=correct-horse-battery",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert _bearer(answer.json()["token"]).get("/api/me/").json()["username"] == "alice"
