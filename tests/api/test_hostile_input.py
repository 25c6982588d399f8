"""The hostile-input table: every JSON operation of the API schema gets the same malformed and
oversized inputs, and each must answer a 4xx in the API's error shape, never a 5xx.

The operations come from the schema the app serves (so a new endpoint is covered the day it is
added); the ids in paths point at a seeded team's objects, so that the input reaches the
serializers and services rather than stopping at a 404. Each request runs in a savepoint that
is rolled back, so every case starts from the same seeded state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.world import OWNER_TOKEN

ERROR_KEYS = {"status", "code", "detail", "errors"}
HUGE = "9" * 5000
DEEP = "[" * 10_000 + "]" * 10_000  # 20 kB


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in {"post", "put", "patch"}:
                found.append((method, path, operation))
    return found


def _json_properties(operation: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body.get("properties", {})


OPERATIONS = _operations()
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _hostile_bodies(operation: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    yield "deep nesting", DEEP.encode()
    yield "deep object", ('{"a":' * 5000 + "1" + "}" * 5000).encode()
    yield "not JSON", b"{'single': quotes}"
    yield "NaN", b'{"x": NaN}'
    yield "bad UTF-8", b'{"x": "\xff\xfe"}'
    yield "a list", b"[1, 2, 3]"
    for name, spec in _json_properties(operation, SCHEMA).items():
        kind = spec.get("type")
        nested = "[" * 2000 + "1" + "]" * 2000
        yield f"{name}: deep nesting inside the field", f'{{"{name}": {nested}}}'.encode()
        yield f"{name}: an object", json.dumps({name: {"$gt": 1}}).encode()
        if kind == "integer" or kind is None:
            yield f"{name}: 5,000 digits", f'{{"{name}": {HUGE}}}'.encode()
            yield f"{name}: beyond 64 bits", json.dumps({name: 2**64}).encode()
            yield f"{name}: negative", json.dumps({name: -(2**63) - 1}).encode()
        if kind == "string" or kind is None:
            yield f"{name}: NUL", json.dumps({name: "e\u0000"}).encode()
            yield f"{name}: lone surrogate", f'{{"{name}": "\\ud800"}}'.encode()
        if kind == "array":
            yield f"{name}: NUL item", json.dumps({name: ["e\u0000"]}).encode()
            yield f"{name}: huge item", json.dumps({name: [2**70]}).encode()
            yield f"{name}: 100,000 items", json.dumps({name: [1] * 100_000}).encode()


def _path(path: str, world: dict[str, Any]) -> str:
    parts = path.strip("/").split("/")
    ids = world["ids"].get(parts[1], [1]) if len(parts) > 1 else [1]
    return path.replace("{id}", str(ids[0])).replace("{number}", "1")


@pytest.fixture
def owner(api_world) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {OWNER_TOKEN}")
    return client


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS],
)
def test_every_json_operation_refuses_hostile_bodies_with_a_4xx(
    method, path, operation, owner, api_world
):
    url = _path(path, api_world)
    content_type = "application/ld+json" if path.endswith(".jsonld") else "application/json"
    failures = []
    for label, body in _hostile_bodies(operation):
        with transaction.atomic():
            response = getattr(owner, method)(url, data=body, content_type=content_type)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code}")
        elif response.status_code >= 400 and set(response.json()) != ERROR_KEYS:
            failures.append(f"{label}: not the error shape: {response.content[:200]!r}")
    assert failures == []


@pytest.mark.parametrize("value", [HUGE, "-1", "1e5", "0x10", "٣"])
def test_ids_in_paths_and_queries_are_bounded(owner, api_world, value):
    article = api_world["ids"]["articles"][0]
    for url in [
        f"/api/articles/{article}/events/?after={value}",
        f"/api/annotations/?article={value}",
        f"/api/annotations/trash/?team={value}",
        f"/api/mentions/?article={value}",
    ]:
        response = owner.get(url)
        assert response.status_code == 400, url
        assert set(response.json()) == ERROR_KEYS


def test_an_if_match_of_thousands_of_digits_is_a_400_on_every_conditional_write(owner, api_world):
    annotation = api_world["ids"]["annotations"][0]
    article = api_world["ids"]["articles"][0]
    for method, url, body in [
        ("patch", f"/api/annotations/{annotation}/", {"comment": "x"}),
        ("delete", f"/api/annotations/{annotation}/", None),
        ("post", f"/api/annotations/{annotation}/withdraw/", None),
        ("patch", f"/api/articles/{article}/", {"title": "x"}),
    ]:
        response = getattr(owner, method)(url, body, format="json", HTTP_IF_MATCH=f'"{HUGE}"')
        assert response.status_code == 400, url
        assert "If-Match" in response.json()["errors"]


def test_entity_aliases_with_nul_are_a_400_naming_them(owner, api_world):
    entity = api_world["ids"]["entities"][0]
    response = owner.patch(f"/api/entities/{entity}/", {"aliases": ["e\u0000"]}, format="json")
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"]
