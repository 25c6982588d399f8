"""What the schemathesis pass (test_schemathesis.py) found, pinned down one by one: bad input is
a 400 naming the field, never a 500; every error is in the one error shape; and the schema
documents the errors each operation can give."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from annotations.models import Annotation, Entity, Membership
from annotations.services.annotations import annotation_create
from tests.api.conftest import client_for

ERROR_KEYS = {"status", "code", "detail", "errors"}


@pytest.fixture
def claim(article, alice):
    return annotation_create(article=article, author=alice, start=0, end=5)


@pytest.mark.parametrize(
    "path", ["/api/articles/1.5/", "/api/articles/1/revisions/x/", "/api/nothing/"]
)
def test_an_api_path_no_route_matches_is_a_404_in_the_error_shape(path, alice):
    response = client_for(alice).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == ERROR_KEYS


def test_other_paths_keep_django_s_404_page(alice):
    response = client_for(alice).get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_malformed_cursor_is_a_400_naming_it(alice):
    response = client_for(alice).get("/api/annotations/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize("fmt", ["multipart", "form", "json"])
def test_idempotency_key_works_with_every_body_format(fmt, article, alice):
    client = client_for(alice)
    body = {"article": article.pk, "start": 0, "end": 5}
    if fmt == "form":
        request = {"data": urlencode(body), "content_type": "application/x-www-form-urlencoded"}
    else:
        request = {"data": body, "format": fmt}
    first = client.post("/api/annotations/", **request, HTTP_IDEMPOTENCY_KEY=fmt)
    retry = client.post("/api/annotations/", **request, HTTP_IDEMPOTENCY_KEY=fmt)
    assert first.status_code == retry.status_code == 201, first.content
    assert first.json()["id"] == retry.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"


def test_adding_a_member_without_a_role_makes_an_analyst(olga, carol, team_a):
    response = client_for(olga).post(
        "/api/memberships/", {"team": team_a.pk, "username": "carol"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Membership.objects.get(team=team_a, user=carol).role == Membership.Role.ANALYST


@pytest.mark.parametrize("name", ["outlet", "entity"])
def test_an_id_filter_beyond_a_database_key_is_a_400(name, alice):
    response = client_for(alice).get("/api/articles/", {name: "9" * 30})
    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_merging_an_id_beyond_a_database_key_is_a_400(alice, team_a):
    entity = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    response = client_for(alice).post(
        f"/api/entities/{entity.pk}/merge/", {"others": [10**30]}, format="json"
    )
    assert response.status_code == 400
    assert "others.0" in response.json()["errors"]


def test_an_if_match_of_other_digits_is_a_412(claim, alice):
    response = client_for(alice).patch(
        f"/api/annotations/{claim.pk}/", {"comment": "x"}, format="json", HTTP_IF_MATCH='"²"'
    )
    assert response.status_code == 412


def test_an_owner_cannot_make_someone_else_s_annotation_private(claim, olga):
    response = client_for(olga).patch(
        f"/api/annotations/{claim.pk}/", {"visibility": "private"}, format="json"
    )
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.visibility == Annotation.Visibility.TEAM


def test_the_author_can_make_their_annotation_private(claim, alice):
    response = client_for(alice).patch(
        f"/api/annotations/{claim.pk}/", {"visibility": "private"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["visibility"] == "private"


def test_a_non_numeric_id_to_undelete_is_a_404(alice):
    assert client_for(alice).post("/api/annotations/abc/undelete/").status_code == 404


def test_the_w3c_collection_is_served_as_json_ld(article, claim, alice):
    response = client_for(alice).get(f"/api/articles/{article.pk}/annotations.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )


def test_the_article_url_is_a_string_that_may_be_empty(article, alice):
    assert client_for(alice).get(f"/api/articles/{article.pk}/").json()["url"] == ""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "format" not in schema["components"]["schemas"]["Article"]["properties"]["url"]


def test_the_schema_documents_the_errors_of_each_operation() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            parameters = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            expected = {"401"}
            if method != "get":
                expected |= {"400", "403"}
            if any(where == "path" for where, _ in parameters):
                expected.add("404")
            if ("header", "If-Match") in parameters:
                expected.add("412")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for code in expected:
                assert responses[code]["content"]["application/json"]["schema"] == error
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert "429" in token


def test_a_utf16_json_lines_upload_is_a_400_naming_file(alice, team_a):
    content = '{"text": "Kirby said so."}\n'.encode("utf-16")
    file = SimpleUploadedFile("articles.jsonl", content, content_type="application/x-ndjson")
    response = client_for(alice).post(
        "/api/articles/import-jsonl/", {"team": team_a.pk, "file": file}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["The file is UTF-16 text; save it as UTF-8."]}
