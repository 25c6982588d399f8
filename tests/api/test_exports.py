"""GET /api/teams/{id}/export/ and POST /api/teams/{id}/import-annotations/."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from annotations.api.activity_serializers import ANNOTATION_EXPORT_FORMATS
from annotations.formats import FORMATS
from annotations.models import Annotation
from tests.api.conftest import client_for
from tests.jsonld_schema import problems
from tests.services.test_exports import build_story, normal, same_articles


@pytest.fixture
def story(team_a, alice, bob, dave):
    return build_story(team_a, analyst=alice, reviewer=bob, other=dave)


@pytest.fixture
def mirror(team_b, carol):
    return same_articles(team_b)


def url(team, action: str = "export") -> str:
    return f"/api/teams/{team.pk}/{action}/"


def download(user, team, fmt: str) -> bytes:
    response = client_for(user).get(url(team), {"format": fmt})
    assert response.status_code == 200
    return response.getvalue()


def upload(team, user, fmt: str, content: bytes):
    file = SimpleUploadedFile(f"export.{fmt}", content, content_type="application/octet-stream")
    return client_for(user).post(
        url(team, "import-annotations"), {"file": file, "format": fmt}, format="multipart"
    )


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension"),
    [
        ("csv", "text/csv", "csv"),
        ("jsonl", "application/x-ndjson", "jsonl"),
        ("jsonld", "application/ld+json", "jsonld"),
        ("spacy", "application/x-ndjson", "spacy.jsonl"),
    ],
)
def test_export_is_a_file_download(story, alice, team_a, fmt, media_type, extension):
    response = client_for(alice).get(url(team_a), {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    today = timezone.now().date().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="newsnotes-desk-a-{today}.{extension}"'
    )
    assert response.streaming  # written as it is read, never whole in memory
    assert b"".join(response.streaming_content)


def test_export_jsonld_iris_are_the_sites(story, alice, team_a):
    doc = json.loads(download(alice, team_a, "jsonld"))
    assert doc["id"] == f"http://testserver/api/teams/{team_a.pk}/export/?format=jsonld"
    # The annotations and the three approvals (their "assessing" items).
    assert doc["total"] == len(story.exported) + 3


def test_team_collection_is_valid_under_the_w3c_schema(story, alice, team_a):
    doc = json.loads(download(alice, team_a, "jsonld"))
    assert problems(doc, definition="collectionDocument") == []
    # Every annotation alice may see is in the page that was checked, the private one included.
    items = doc["first"]["items"]
    assert len(items) == doc["total"] == len(story.exported) + 3
    assert any("audience" in item for item in items)


@pytest.mark.parametrize("query", [{"format": "xlsx"}, {}, {"format": ""}])
def test_unknown_format_is_a_400_naming_format(story, alice, team_a, query):
    response = client_for(alice).get(url(team_a), query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["format"]


def test_another_teams_export_is_404(story, carol, team_a):
    assert client_for(carol).get(url(team_a), {"format": "csv"}).status_code == 404
    assert client_for(carol).get(url(team_a), {"format": "xlsx"}).status_code == 404


def test_export_needs_authentication(team_a):
    assert client_for(None).get(url(team_a), {"format": "csv"}).status_code == 401


def test_viewers_export_what_they_see(story, team_a, victor):
    rows = [json.loads(line) for line in download(victor, team_a, "jsonl").decode().splitlines()]
    # alice's private note is hers alone.
    assert len(rows) == len(story.exported) - 1
    assert {row["visibility"] for row in rows} == {"team"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_round_trips_through_the_api(story, mirror, alice, carol, team_a, team_b, fmt):
    exported = download(alice, team_a, fmt)
    response = upload(team_b, carol, fmt, exported)
    assert response.status_code == 200, response.json()
    created = 3 if fmt == "spacy" else len(story.exported)
    report = response.json()
    assert report == {
        "format": fmt,
        "records": 2 if fmt == "spacy" else created,
        "created": created,
        "skipped": 0,
        "errors": [],
        "error_count": 0,
        "errors_truncated": False,
        "annotation_ids": report["annotation_ids"],
        "notes_created": 0,
    }
    assert sorted(report["annotation_ids"]) == sorted(
        Annotation.objects.filter(team=team_b).values_list("pk", flat=True)
    )
    if fmt != "spacy":
        again = download(carol, team_b, fmt).decode()
        assert normal(fmt, again) == normal(fmt, exported.decode())
    repeated = upload(team_b, carol, fmt, exported).json()
    assert (repeated["created"], repeated["skipped"]) == (0, created)


def test_import_reports_bad_rows(mirror, carol, team_b):
    content = b"start,end,exact,article_url\r\n0,5,Crowd,https://nowhere.example/\r\n"
    response = upload(team_b, carol, "csv", content)
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "row": 2,
            "message": "article: The team has no article with the URL "
            "https://nowhere.example/; import the article first.",
        }
    ]


def test_unreadable_file_is_a_400_naming_file(mirror, carol, team_b):
    response = upload(team_b, carol, "jsonld", b"\x00\x01binary")
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["This is a binary file, not text."]}


def test_import_needs_file_and_a_known_format(mirror, carol, team_b):
    response = client_for(carol).post(
        url(team_b, "import-annotations"), {"format": "xlsx"}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file", "format"}


@pytest.mark.parametrize("persona", ["victor", "bob"])
def test_viewers_and_reviewers_may_not_import(story, team_a, persona, request):
    user = request.getfixturevalue(persona)
    response = upload(team_a, user, "jsonl", b"")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_owners_may_import(story, team_a, olga, alice):
    exported = download(alice, team_a, "jsonl")
    response = upload(team_a, olga, "jsonl", exported)
    assert response.status_code == 200
    # Olga does not see alice's private note, so she imports a copy of it as her own.
    assert (response.json()["created"], response.json()["skipped"]) == (1, 6)


def test_import_into_another_team_is_404(story, carol, team_a):
    assert upload(team_a, carol, "csv", b"start,end,exact\r\n").status_code == 404


def test_the_serializer_offers_the_services_formats():
    assert tuple(ANNOTATION_EXPORT_FORMATS) == FORMATS
