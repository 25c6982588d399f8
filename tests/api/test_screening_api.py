"""POST /api/screenings/, GET /api/screenings/{id}/ and .../results.csv: the shapes, a 400
naming the field for every list that cannot be screened, and 404 across teams."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.services.entities import entity_create, mention_create
from tests.api.conftest import client_for
from tests.factories import make_article

TEXT = "Kirby said 8,000 North Korean troops are in Kursk, and Zelensky agreed."


@pytest.fixture
def world(team_a, team_b, alice, carol):
    article = make_article(team=team_a, text=TEXT, published_at=datetime(2024, 11, 1, tzinfo=UTC))
    kirby = entity_create(team=team_a, name="John Kirby", kind="PERSON", aliases=["Kirby"])
    zelensky = entity_create(team=team_a, name="Volodymyr Zelensky", kind="PERSON")
    mention_create(article_id=article.pk, entity=kirby, start=0, end=5, actor=alice)
    entity_create(team=team_b, name="Rafael Grossi", kind="PERSON")
    return {"article": article, "kirby": kirby, "zelensky": zelensky}


def post(user, data, capture, fmt="json"):
    with capture(execute=True):
        return client_for(user).post("/api/screenings/", data, format=fmt)


def test_screen_a_json_list_and_read_the_results(
    world, team_a, alice, django_capture_on_commit_callbacks
):
    names = ["Kirby", "Volodymyr Zelenskyy", "Nobody Atall"]
    response = post(alice, {"team": team_a.pk, "names": names}, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["name_count"] == 3
    assert created["status"] in {"queued", "succeeded"}

    body = client_for(alice).get(f"/api/screenings/{created['id']}/").json()
    assert (body["status"], body["done"], body["total"]) == ("succeeded", 3, 3)
    assert body["summary"] == {"exact": 0, "alias": 1, "fuzzy": 1, "none": 1}
    items = body["results"]["items"]
    assert [(r["position"], r["match_kind"]) for r in items] == [
        (1, "alias"),
        (2, "fuzzy"),
        (3, "none"),
    ]
    kirby = items[0]
    assert kirby["entity"] == {
        "id": world["kirby"].pk,
        "name": "John Kirby",
        "url": f"/entities/{world['kirby'].pk}/",
    }
    assert (kirby["article_count"], kirby["claim_count"]) == (1, 0)
    assert kirby["first_seen"].startswith("2024-11-01")
    assert items[2]["entity"] is None

    fuzzy = client_for(alice).get(f"/api/screenings/{created['id']}/", {"match": "fuzzy"})
    assert [r["name"] for r in fuzzy.json()["results"]["items"]] == ["Volodymyr Zelenskyy"]
    page = client_for(alice).get(f"/api/screenings/{created['id']}/", {"offset": 1, "limit": 1})
    assert page.json()["results"]["count"] == 3
    assert [r["position"] for r in page.json()["results"]["items"]] == [2]

    listed = client_for(alice).get("/api/screenings/").json()["results"]
    assert [s["id"] for s in listed] == [created["id"]]


def test_bare_list_and_one_team_default(world, alice, django_capture_on_commit_callbacks):
    response = post(alice, ["John Kirby"], django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content


def test_upload_a_csv_file_and_download_the_csv(
    world, team_a, alice, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(
        "suspects.csv", b"id,Full Name\n1,John Kirby\n2,=HYPERLINK(1)\n", content_type="text/csv"
    )
    response = post(
        alice, {"team": team_a.pk, "file": upload}, django_capture_on_commit_callbacks, "multipart"
    )
    assert response.status_code == 202, response.content
    screening = response.json()
    assert (screening["title"], screening["name_count"]) == ("suspects.csv", 2)

    download = client_for(alice).get(f"/api/screenings/{screening['id']}/results.csv")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [(r["position"], r["name"], r["match_kind"]) for r in rows] == [
        ("1", "John Kirby", "exact"),
        ("2", "'=HYPERLINK(1)", "none"),  # a formula is guarded
    ]
    assert rows[0]["entity_id"] == str(world["kirby"].pk)
    assert (rows[0]["score"], rows[0]["article_count"]) == ("1.000", "1")
    assert rows[0]["first_seen"].startswith("2024-11-01")


@pytest.mark.parametrize(
    ("data", "fmt", "field", "message"),
    [
        ({"names": []}, "json", "names", "no names"),
        ({"names": ["", " "]}, "json", "names", "no names"),
        ({"names": [f"N{i}" for i in range(5001)]}, "json", "names", "At most 5,000"),
        ({"names": ["x" * 301]}, "json", "names", "longer than 300"),
        ({"names": [{"a": 1}]}, "json", "names", "not text"),
        ({"names": 42}, "json", "names", "list of names"),
        ({"names": ["Kim\x00"]}, "json", "names", "NUL"),
        ({"names": "Kim\nKir\x00by"}, "json", "names", "Name 2 contains the NUL"),
        ({"names": ["Kim"], "title": "a\x00"}, "json", "title", "Null characters"),
        ({}, "json", "names", "Give the names"),
        ({"title": "t" * 201, "names": ["a"]}, "json", "title", ""),
        ({"file": ("list.csv", b"id,country\n1,KP\n")}, "multipart", "file", "no name column"),
        ({"file": ("list.txt", b"\x00\x01\x02\x03binary")}, "multipart", "file", "binary"),
        ({"file": ("list.txt", b"Kim\xe9")}, "multipart", "file", "not UTF-8"),
        ({"file": ("list.txt", b"\n\n")}, "multipart", "file", "no names"),
        ({"file": ("big.txt", b"a\n" * (2**19 + 1))}, "multipart", "file", "larger than"),
    ],
)
def test_bad_lists_are_a_400_naming_the_field(world, team_a, alice, data, fmt, field, message):
    data = {"team": team_a.pk, **data}
    if "file" in data:
        name, content = data["file"]
        data["file"] = SimpleUploadedFile(name, content)
    response = client_for(alice).post("/api/screenings/", data, format=fmt)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors
    assert message in str(errors[field])


def test_a_user_of_two_teams_must_name_one(world, team_a, team_b, alice):
    from tests.conftest import MembershipFactory

    MembershipFactory(team=team_b, user=alice, role="analyst")
    response = client_for(alice).post("/api/screenings/", {"names": ["Kirby"]}, format="json")
    assert response.status_code == 400
    assert "team" in response.json()["errors"]


def test_another_team_gets_404_and_cannot_screen_into_it(
    world, team_a, team_b, alice, carol, django_capture_on_commit_callbacks
):
    screening = post(
        alice, {"team": team_a.pk, "names": ["Kirby"]}, django_capture_on_commit_callbacks
    ).json()
    carols = client_for(carol)
    for path in (
        f"/api/screenings/{screening['id']}/",
        f"/api/screenings/{screening['id']}/results.csv",
    ):
        assert carols.get(path).status_code == 404
    assert carols.post(f"/api/screenings/{screening['id']}/rerun/").status_code == 404
    assert carols.get("/api/screenings/").json()["results"] == []
    into_a = carols.post("/api/screenings/", {"team": team_a.pk, "names": ["Kirby"]}, format="json")
    assert into_a.status_code == 400
    assert "team" in into_a.json()["errors"]


def test_rerun(world, team_a, alice, django_capture_on_commit_callbacks):
    screening = post(
        alice, {"team": team_a.pk, "names": ["Jon Kirby"]}, django_capture_on_commit_callbacks
    ).json()
    entity_create(team=team_a, name="Jon Kirby", kind="PERSON")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(f"/api/screenings/{screening['id']}/rerun/")
    assert response.status_code == 202
    body = client_for(alice).get(f"/api/screenings/{screening['id']}/").json()
    assert [r["match_kind"] for r in body["results"]["items"]] == ["exact", "fuzzy"]


def test_bad_query_parameters(world, team_a, alice, django_capture_on_commit_callbacks):
    screening = post(
        alice, {"team": team_a.pk, "names": ["Kirby"]}, django_capture_on_commit_callbacks
    ).json()
    for params, field in [({"match": "maybe"}, "match"), ({"limit": "0"}, "limit")]:
        response = client_for(alice).get(f"/api/screenings/{screening['id']}/", params)
        assert response.status_code == 400
        assert field in response.json()["errors"]
