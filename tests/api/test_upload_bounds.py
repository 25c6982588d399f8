"""File imports through the API: small answers to large broken files, one upload limit for every
file import, and the export streamed under ASGI as under WSGI."""

from __future__ import annotations

import json
import warnings

import pytest
from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient

from annotations.models import Reply, Review
from annotations.services.tokens import token_create
from tests.api.conftest import client_for
from tests.services.test_export_streaming import seed


def jsonl_upload(content: bytes, name: str = "articles.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-ndjson")


def test_a_file_of_a_million_broken_lines_answers_small(team_a, alice):
    # The hostile file of the report, a fifth of it: 200,000 broken lines in 1 MB.
    content = b"{oo}\n" * 200_000
    response = client_for(alice).post(
        "/api/articles/import-jsonl/",
        {"team": team_a.pk, "file": jsonl_upload(content)},
        format="multipart",
    )
    assert response.status_code == 200
    assert len(response.content) < 20_000
    report = response.json()
    assert (report["error_count"], report["errors_truncated"]) == (200_000, True)
    assert [error["line"] for error in report["errors"]] == list(range(1, 101))
    assert report["errors"][0]["message"].startswith("malformed JSON")
    assert (report["created"], report["lines"]) == (0, 200_000)


def test_an_annotation_import_answers_small_too(team_a, alice):
    content = b"start,end,exact,article_url\r\n" + b"1,2\r\n" * 5000
    response = client_for(alice).post(
        f"/api/teams/{team_a.pk}/import-annotations/",
        {"format": "csv", "file": jsonl_upload(content, "a.csv")},
        format="multipart",
    )
    assert response.status_code == 200
    report = response.json()
    assert (report["error_count"], report["errors_truncated"], len(report["errors"])) == (
        5000,
        True,
        100,
    )
    assert report["errors"][0] == {"row": 2, "message": "2 cells where the header has 4 columns"}


def test_the_annotation_import_takes_the_upload_limit_not_the_body_limit(team_a, alice, settings):
    assert settings.NEWSNOTES_MAX_BODY_BYTES < 3 * 2**20 < settings.NEWSNOTES_MAX_UPLOAD_BYTES
    content = b"{oops\n" * (3 * 2**20 // 6)  # 3 MB: over the API's 2 MB body limit
    response = client_for(alice).post(
        f"/api/teams/{team_a.pk}/import-annotations/",
        {"format": "jsonl", "file": jsonl_upload(content)},
        format="multipart",
    )
    assert response.status_code == 200, response.content[:200]
    assert response.json()["error_count"] == 3 * 2**20 // 6


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/teams/{team}/import-annotations/", {"format": "jsonl"}),
        ("/api/articles/import-jsonl/", {"team": "{team}"}),
    ],
)
def test_every_file_import_refuses_a_body_over_the_upload_limit(
    team_a, alice, settings, path, fields
):
    settings.NEWSNOTES_MAX_UPLOAD_BYTES = 2**20
    data = {name: value.format(team=team_a.pk) for name, value in fields.items()}
    response = client_for(alice).post(
        path.format(team=team_a.pk),
        {**data, "file": jsonl_upload(b"{}\n" * 2**19)},
        format="multipart",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_an_ordinary_api_body_keeps_the_smaller_limit(team_a, alice, settings):
    settings.NEWSNOTES_MAX_BODY_BYTES = 1000
    response = client_for(alice).post("/api/annotations/", {"comment": "x" * 2000}, format="json")
    assert response.status_code == 413


def test_the_schema_documents_the_bounded_error_lists():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for name in ("ImportReport", "AnnotationImportReport"):
        properties = schema["components"]["schemas"][name]["properties"]
        assert {"errors", "error_count", "errors_truncated"} <= set(properties)
        assert "first 100 errors" in properties["errors"]["description"]


@pytest.mark.django_db(transaction=True)
def test_the_export_streams_under_asgi_as_under_wsgi(team_a, alice, dave):
    seed(team_a, [alice, dave], 120)
    _, key = token_create(user=alice, name="tests")
    expected = client_for(alice).get(f"/api/teams/{team_a.pk}/export/?format=jsonld").getvalue()
    client = AsyncClient()
    with warnings.catch_warnings():
        # Django warns when it must read a sync iterator whole to serve it under ASGI.
        warnings.simplefilter("error")
        response = async_to_sync(client.get)(
            f"/api/teams/{team_a.pk}/export/?format=jsonld",
            headers={"Authorization": f"Token {key}"},
        )
        assert response.status_code == 200, response.content
        assert response.streaming
        body = async_to_sync(_read)(response)
    assert body == expected
    # The collection counts the annotations Alice may see, their replies and their verdicts.
    visible = [
        a for a in team_a.annotations.all() if a.visibility != "private" or a.author == alice
    ]
    discussion = (
        Reply.objects.filter(annotation__in=visible).count()
        + Review.objects.filter(annotation__in=visible).count()
    )
    assert json.loads(body)["total"] == len(visible) + discussion


async def _read(response) -> bytes:
    return b"".join([piece async for piece in response.streaming_content])
