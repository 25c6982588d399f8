"""Every role by endpoint by method, cross-team ids included.

Roles: owner (olga), analyst (alice, who wrote the annotation), reviewer (bob), viewer (victor)
in team A; outsider (carol, team B); anonymous. Ids in URLs that belong to another team answer
404, never 403; ids in bodies that the user cannot see are "does not exist" (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from annotations.models import Annotation, Entity, Job, Mention, Tag
from annotations.services.annotations import annotation_create, annotation_submit
from tests.api.conftest import client_for

ROLES = ("owner", "analyst", "reviewer", "viewer", "outsider", "anonymous")


@dataclass
class World:
    article: Any
    annotation: Any
    private: Any
    tag: Any
    unused_tag: Any
    entity: Any
    other_entity: Any
    mention: Any
    job: Any
    membership: Any


@pytest.fixture
def world(article, alice, bob, olga, victor, carol, team_a, tags_a) -> World:
    start = article.text.index("John Kirby")
    annotation = annotation_create(
        article=article, author=alice, start=start, end=start + 10, tags=[tags_a["source"]]
    )
    annotation = annotation_submit(annotation=annotation, actor=alice)
    private = annotation_create(
        article=article, author=alice, start=0, end=5, visibility=Annotation.Visibility.PRIVATE
    )
    entity = Entity.objects.create(team=team_a, name="John Kirby", kind="PERSON")
    other = Entity.objects.create(team=team_a, name="Kirby", kind="PERSON")
    mention = Mention.objects.create(
        article=article, entity=other, start=start + 5, end=start + 10, text="Kirby", label="PERSON"
    )
    unused = Tag.objects.create(team=team_a, name="Spare", slug="spare")
    job = Job.objects.create(team=team_a, kind=Job.Kind.ANALYZE)
    return World(
        article=article,
        annotation=annotation,
        private=private,
        tag=tags_a["claim"],
        unused_tag=unused,
        entity=entity,
        other_entity=other,
        mention=mention,
        job=job,
        membership=victor.memberships.get(),
    )


def users(alice, bob, olga, victor, carol) -> dict[str, Any]:
    return {
        "owner": olga,
        "analyst": alice,
        "reviewer": bob,
        "viewer": victor,
        "outsider": carol,
        "anonymous": None,
    }


READ = {
    "owner": 200,
    "analyst": 200,
    "reviewer": 200,
    "viewer": 200,
    "outsider": 404,
    "anonymous": 401,
}
LIST = {**READ, "outsider": 200}
ANNOTATE = {
    "owner": 201,
    "analyst": 201,
    "reviewer": 403,
    "viewer": 403,
    "outsider": 400,
    "anonymous": 401,
}
EDIT_OWN = {
    "owner": 200,
    "analyst": 200,
    "reviewer": 403,
    "viewer": 403,
    "outsider": 404,
    "anonymous": 401,
}

# (name, method, url(world), body(world), expected status by role)
CASES: list[tuple[str, str, Any, Any, dict[str, int]]] = [
    ("articles list", "get", lambda w: "/api/articles/", None, LIST),
    ("article detail", "get", lambda w: f"/api/articles/{w.article.pk}/", None, READ),
    ("article revisions", "get", lambda w: f"/api/articles/{w.article.pk}/revisions/", None, READ),
    (
        "article revision 1",
        "get",
        lambda w: f"/api/articles/{w.article.pk}/revisions/1/",
        None,
        READ,
    ),
    (
        "article jsonld",
        "get",
        lambda w: f"/api/articles/{w.article.pk}/annotations.jsonld",
        None,
        READ,
    ),
    (
        "article create",
        "post",
        lambda w: "/api/articles/",
        lambda w: {"team": w.article.team_id, "title": "T", "text": "Putin said so."},
        {**ANNOTATE},
    ),
    (
        "article edit",
        "patch",
        lambda w: f"/api/articles/{w.article.pk}/",
        lambda w: {"title": "Retitled"},
        EDIT_OWN,
    ),
    (
        "article analyze",
        "post",
        lambda w: f"/api/articles/{w.article.pk}/analyze/",
        None,
        {**EDIT_OWN, "owner": 202, "analyst": 202},
    ),
    (
        "import url",
        "post",
        lambda w: "/api/articles/import-url/",
        lambda w: {"team": w.article.team_id, "url": "https://news.invalid/x"},
        {**ANNOTATE, "owner": 202, "analyst": 202},
    ),
    ("annotations list", "get", lambda w: "/api/annotations/", None, LIST),
    ("annotation detail", "get", lambda w: f"/api/annotations/{w.annotation.pk}/", None, READ),
    (
        "private annotation of another member",
        "get",
        lambda w: f"/api/annotations/{w.private.pk}/",
        None,
        {**READ, "owner": 404, "reviewer": 404, "viewer": 404},
    ),
    (
        "annotation create",
        "post",
        lambda w: "/api/annotations/",
        lambda w: {"article": w.article.pk, "start": 0, "end": 3, "tags": [w.tag.pk]},
        ANNOTATE,
    ),
    (
        "annotation edit",
        "patch",
        lambda w: f"/api/annotations/{w.annotation.pk}/",
        lambda w: {"comment": "Checked."},
        EDIT_OWN,
    ),
    (
        "annotation delete",
        "delete",
        lambda w: f"/api/annotations/{w.annotation.pk}/",
        None,
        {**EDIT_OWN, "owner": 204, "analyst": 204},
    ),
    (
        "review create",
        "post",
        lambda w: "/api/reviews/",
        lambda w: {"annotation": w.annotation.pk, "verdict": "approve"},
        {
            "owner": 201,
            "analyst": 403,
            "reviewer": 201,
            "viewer": 403,
            "outsider": 400,
            "anonymous": 401,
        },
    ),
    ("reviews list", "get", lambda w: "/api/reviews/", None, LIST),
    (
        "reply create",
        "post",
        lambda w: "/api/replies/",
        lambda w: {"annotation": w.annotation.pk, "text": "Which briefing?"},
        {
            "owner": 201,
            "analyst": 201,
            "reviewer": 201,
            "viewer": 403,
            "outsider": 400,
            "anonymous": 401,
        },
    ),
    ("replies list", "get", lambda w: "/api/replies/", None, LIST),
    ("tags list", "get", lambda w: "/api/tags/", None, LIST),
    ("tag detail", "get", lambda w: f"/api/tags/{w.tag.pk}/", None, READ),
    (
        "tag create",
        "post",
        lambda w: "/api/tags/",
        lambda w: {
            "team": w.article.team_id,
            "name": "Rumour",
            "kind": "claim",
            "colour": "#123456",
        },
        {
            "owner": 201,
            "analyst": 403,
            "reviewer": 403,
            "viewer": 403,
            "outsider": 400,
            "anonymous": 401,
        },
    ),
    (
        "tag edit",
        "patch",
        lambda w: f"/api/tags/{w.tag.pk}/",
        lambda w: {"colour": "#000000"},
        {
            "owner": 200,
            "analyst": 403,
            "reviewer": 403,
            "viewer": 403,
            "outsider": 404,
            "anonymous": 401,
        },
    ),
    (
        "tag delete",
        "delete",
        lambda w: f"/api/tags/{w.unused_tag.pk}/",
        None,
        {
            "owner": 204,
            "analyst": 403,
            "reviewer": 403,
            "viewer": 403,
            "outsider": 404,
            "anonymous": 401,
        },
    ),
    ("entities list", "get", lambda w: "/api/entities/", None, LIST),
    ("entity detail", "get", lambda w: f"/api/entities/{w.entity.pk}/", None, READ),
    ("entity card", "get", lambda w: f"/api/entities/{w.entity.pk}/card/", None, READ),
    (
        "entity edit",
        "patch",
        lambda w: f"/api/entities/{w.entity.pk}/",
        lambda w: {"description": "Spokesman"},
        EDIT_OWN,
    ),
    (
        "entity merge",
        "post",
        lambda w: f"/api/entities/{w.entity.pk}/merge/",
        lambda w: {"others": [w.other_entity.pk]},
        EDIT_OWN,
    ),
    (
        "entity split",
        "post",
        lambda w: f"/api/entities/{w.other_entity.pk}/split/",
        lambda w: {"mentions": [w.mention.pk], "name": "Kirby (2)", "kind": "PERSON"},
        {**EDIT_OWN, "owner": 201, "analyst": 201},
    ),
    ("mentions list", "get", lambda w: "/api/mentions/", None, LIST),
    ("mention detail", "get", lambda w: f"/api/mentions/{w.mention.pk}/", None, READ),
    (
        "mention relink",
        "patch",
        lambda w: f"/api/mentions/{w.mention.pk}/",
        lambda w: {"entity": w.entity.pk},
        EDIT_OWN,
    ),
    ("mention reject", "post", lambda w: f"/api/mentions/{w.mention.pk}/reject/", None, EDIT_OWN),
    ("jobs list", "get", lambda w: "/api/jobs/", None, LIST),
    ("job detail", "get", lambda w: f"/api/jobs/{w.job.pk}/", None, READ),
    ("teams list", "get", lambda w: "/api/teams/", None, LIST),
    ("team detail", "get", lambda w: f"/api/teams/{w.article.team_id}/", None, READ),
    ("memberships list", "get", lambda w: "/api/memberships/", None, LIST),
    (
        "membership change role",
        "patch",
        lambda w: f"/api/memberships/{w.membership.pk}/",
        lambda w: {"role": "analyst"},
        {
            "owner": 200,
            "analyst": 403,
            "reviewer": 403,
            "viewer": 403,
            "outsider": 404,
            "anonymous": 401,
        },
    ),
    (
        "membership add",
        "post",
        lambda w: "/api/memberships/",
        lambda w: {"team": w.article.team_id, "username": "carol", "role": "viewer"},
        {
            "owner": 201,
            "analyst": 403,
            "reviewer": 403,
            "viewer": 403,
            "outsider": 400,
            "anonymous": 401,
        },
    ),
    ("users list", "get", lambda w: "/api/users/", None, LIST),
    ("me", "get", lambda w: "/api/me/", None, {**LIST}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_permission_matrix(
    world, alice, bob, olga, victor, carol, role, name, method, url, body, expected
):
    user = users(alice, bob, olga, victor, carol)[role]
    client = client_for(user)
    payload = body(world) if body else None
    response = getattr(client, method)(url(world), payload, format="json")
    assert response.status_code == expected[role], (name, role, response.content[:300])
    if response.status_code >= 400:
        data = response.json()
        assert set(data) >= {"status", "code", "detail", "errors"}
        assert data["status"] == response.status_code


@pytest.mark.parametrize(
    "url",
    [
        "/api/articles/",
        "/api/annotations/",
        "/api/entities/",
        "/api/tags/",
        "/api/mentions/",
        "/api/jobs/",
        "/api/memberships/",
        "/api/users/",
        "/api/replies/",
        "/api/reviews/",
    ],
)
def test_outsider_lists_show_nothing_of_another_team(world, carol, url):
    data = client_for(carol).get(url).json()
    rows = data["results"]
    team_a = world.article.team_id
    assert all(row.get("team", None) != team_a for row in rows)
    if url in {"/api/users/", "/api/memberships/"}:
        assert {r.get("username") or r["user"]["username"] for r in rows} == {"carol"}
    elif url != "/api/tags/":
        assert rows == []


def test_private_annotation_is_absent_from_teammates_lists(world, bob, alice):
    def ids(user):
        response = client_for(user).get("/api/annotations/", {"article": world.article.pk})
        return {row["id"] for row in response.json()["results"]}

    assert world.private.pk in ids(alice)
    assert world.private.pk not in ids(bob)
