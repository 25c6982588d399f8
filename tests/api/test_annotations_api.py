from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Annotation, Entity, Reply, Review
from annotations.services.annotations import (
    annotation_create,
    annotation_submit,
    reply_create,
    review_create,
)
from tests.api.conftest import client_for

QUOTE = "the US believes the soldiers spent several weeks"


def _span(article, quote=QUOTE):
    start = article.text.index(quote)
    return start, start + len(quote)


def test_create_returns_the_annotation_with_an_etag(article, alice, tags_a):
    start, end = _span(article)
    response = client_for(alice).post(
        "/api/annotations/",
        {
            "article": article.pk,
            "start": start,
            "end": end,
            "exact": QUOTE,
            "tags": [tags_a["claim"].pk],
        },
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["exact"] == QUOTE
    assert data["tags"] == [
        {
            "id": tags_a["claim"].pk,
            "name": "Claim",
            "slug": "claim",
            "colour": "#D55E00",
            "kind": "claim",
        }
    ]
    assert data["author"]["username"] == "alice"
    assert response["ETag"] == '"1"'


def test_bad_exact_is_a_400_naming_the_field(article, alice):
    start, end = _span(article)
    response = client_for(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": start, "end": end, "exact": "nope"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["exact"]


def test_selector_outside_the_text_is_a_400(article, alice):
    response = client_for(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": 5, "end": len(article.text) + 1},
        format="json",
    )
    assert response.status_code == 400
    assert "end" in response.json()["errors"]


def test_stale_if_match_returns_412_and_changes_nothing(article, alice):
    annotation = annotation_create(article=article, author=alice, start=0, end=5, comment="v1")
    client = client_for(alice)
    first = client.patch(
        f"/api/annotations/{annotation.pk}/", {"comment": "v2"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert first.status_code == 200
    assert first["ETag"] == '"2"'
    stale = client.patch(
        f"/api/annotations/{annotation.pk}/", {"comment": "v3"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert stale.json()["current_version"] == 2
    annotation.refresh_from_db()
    assert (annotation.comment, annotation.version) == ("v2", 2)
    stale_delete = client.delete(f"/api/annotations/{annotation.pk}/", HTTP_IF_MATCH='"1"')
    assert stale_delete.status_code == 412
    assert Annotation.objects.filter(pk=annotation.pk).exists()


def test_stale_article_revision_returns_412_and_changes_nothing(article, alice):
    client = client_for(alice)
    ok = client.patch(
        f"/api/articles/{article.pk}/",
        {"text": article.text + " Updated."},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    stale = client.patch(
        f"/api/articles/{article.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    article.refresh_from_db()
    assert article.title != "X"


def test_idempotency_key_makes_a_retried_post_return_the_same_annotation(article, alice):
    client = client_for(alice)
    body = {"article": article.pk, "start": 0, "end": 5}
    first = client.post("/api/annotations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    retry = client.post("/api/annotations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Annotation.objects.count() == 1
    other = client.post(
        "/api/annotations/", {**body, "end": 6}, format="json", HTTP_IDEMPOTENCY_KEY="k-123"
    )
    assert other.status_code == 400
    assert "Idempotency-Key" in other.json()["errors"]


def test_failed_create_frees_its_idempotency_key(article, alice):
    client = client_for(alice)
    bad = client.post(
        "/api/annotations/",
        {"article": article.pk, "start": 5, "end": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-9",
    )
    assert bad.status_code == 400
    good = client.post(
        "/api/annotations/",
        {"article": article.pk, "start": 5, "end": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-9",
    )
    assert good.status_code == 400  # same body, same answer: the key was not burnt on a failure


def _seed_many(article, alice, bob, tags_a, n):
    kirby = Entity.objects.create(team=article.team, name="John Kirby", kind="PERSON")
    text_len = len(article.text)
    for i in range(n):
        start = (i * 7) % (text_len - 20)
        a = annotation_create(
            article=article,
            author=alice,
            start=start,
            end=start + 10,
            tags=[tags_a["claim"], tags_a["figure"]] if i % 2 else [tags_a["source"]],
            attributed_to_entity=kirby if i % 3 == 0 else None,
        )
        if i % 4 == 0:
            reply_create(annotation=a, author=bob, text="?")
        if i % 5 == 0:
            annotation_submit(annotation=a, actor=alice)
            review_create(annotation=a, reviewer=bob, verdict="approve")


@pytest.mark.parametrize("n", [3, 60])
def test_listing_an_articles_annotations_runs_a_constant_number_of_queries(
    article, alice, bob, tags_a, n, django_assert_max_num_queries
):
    _seed_many(article, alice, bob, tags_a, n)
    client = client_for(alice)
    # auth (token + user), the page, its tags: whatever the count.
    with django_assert_max_num_queries(4):
        response = client.get("/api/annotations/", {"article": article.pk, "page_size": 1000})
    results = response.json()["results"]
    assert len(results) == n
    first = results[0]
    assert {"tags", "author", "reply_count", "review_state"} <= set(first)
    assert sum(r["reply_count"] for r in results) == Reply.objects.count()
    assert sum(r["review_state"] == "approved" for r in results) == Review.objects.count()


def test_thousand_annotations_list_in_four_queries(article, alice, bob, tags_a):
    _seed_many(article, alice, bob, tags_a, 1000)
    client = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/annotations/", {"article": article.pk, "page_size": 1000})
    assert len(response.json()["results"]) == 1000
    assert len(queries) <= 4, [q["sql"][:120] for q in queries]
    starts = [r["start"] for r in response.json()["results"]]
    assert starts == sorted(starts)  # reading order


def test_page_size_is_capped(article, alice, bob, tags_a):
    response = client_for(alice).get("/api/annotations/", {"page_size": 100000})
    assert response.status_code == 200


def test_filters(article, alice, bob, tags_a):
    a = annotation_create(
        article=article,
        author=alice,
        start=0,
        end=5,
        tags=[tags_a["claim"]],
        comment="check figure",
    )
    b = annotation_create(
        article=article,
        author=alice,
        start=10,
        end=20,
        tags=[tags_a["source"]],
        assessment="disputed",
    )
    annotation_submit(annotation=b, actor=alice)
    review_create(annotation=b, reviewer=bob, verdict="dispute", note="Which source?")
    client = client_for(alice)

    def ids(**params):
        return {r["id"] for r in client.get("/api/annotations/", params).json()["results"]}

    assert ids(tag="claim") == {a.pk}
    assert ids(tag=str(tags_a["source"].pk)) == {b.pk}
    assert ids(assessment="disputed") == {b.pk}
    assert ids(review_state="disputed") == {b.pk}
    assert ids(q="figure") == {a.pk}
    assert ids(author=alice.pk) == {a.pk, b.pk}
    assert ids(article=article.pk, created_after="2000-01-01T00:00:00Z") == {a.pk, b.pk}
    bad = client.get("/api/annotations/", {"assessment": "probably"})
    assert bad.status_code == 400
    assert "assessment" in bad.json()["errors"]


def test_user_strings_are_returned_as_data(article, alice):
    payload = '<script>alert("x")</script> & <b>bold</b>'
    client = client_for(alice)
    created = client.post(
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 5, "comment": payload},
        format="json",
    )
    assert created.json()["comment"] == payload
    assert created["Content-Type"] == "application/json"


def test_oversize_body_gets_413_in_the_error_shape(article, alice, settings):
    settings.NEWSNOTES_MAX_BODY_BYTES = 1000
    response = client_for(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 5, "comment": "x" * 2000},
        format="json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_comment_over_the_limit_is_a_400(article, alice, settings):
    settings.NEWSNOTES_MAX_COMMENT_CHARS = 10
    response = client_for(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 5, "comment": "x" * 11},
        format="json",
    )
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]


def test_token_endpoint_is_throttled(alice, settings):
    from django.core.cache import cache

    cache.clear()
    client = client_for(None)
    statuses = [
        client.post(
            "/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json"
        ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 400
    assert 429 in statuses
    cache.clear()


def test_token_endpoint_gives_a_working_token(alice):
    from django.core.cache import cache

    cache.clear()
    response = client_for(None).post(
        "/api/auth/token/",
        {"username": "alice", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "alice"


def test_session_writes_need_csrf(article, alice):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(
        "/api/annotations/", {"article": article.pk, "start": 0, "end": 5}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_suggestion_accept_and_reject(article, alice):
    from annotations.services.analysis import nlp_user

    bot = nlp_user()
    source = Annotation.objects.create(
        team=article.team,
        article=article,
        start=0,
        end=5,
        exact=article.text[:5],
        author=bot,
        origin="model",
        suggestion_state="pending",
    )
    claim = Annotation.objects.create(
        team=article.team,
        article=article,
        start=10,
        end=20,
        exact=article.text[10:20],
        author=bot,
        origin="model",
        suggestion_state="pending",
        attributed_to=source,
    )
    client = client_for(alice)
    accepted = client.post(f"/api/annotations/{claim.pk}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["suggestion_state"] == "accepted"
    assert accepted.json()["author"]["username"] == "alice"
    source.refresh_from_db()
    assert source.suggestion_state == "accepted"
    again = client.post(f"/api/annotations/{claim.pk}/reject/")
    assert again.status_code == 400
    assert "suggestion_state" in again.json()["errors"]


def test_replies_reviews_and_claims_filter_by_annotation_id(article, alice, bob):
    # Annotation has a field called "exact": a naive FK filter would compare quotes.
    source = annotation_create(article=article, author=alice, start=0, end=5)
    claim = annotation_create(article=article, author=alice, start=10, end=20, attributed_to=source)
    other = annotation_create(article=article, author=alice, start=30, end=40)
    reply_create(annotation=source, author=bob, text="on source")
    reply_create(annotation=other, author=bob, text="on other")
    annotation_submit(annotation=source, actor=alice)
    review_create(annotation=source, reviewer=bob, verdict="approve")
    client = client_for(bob)
    replies = client.get("/api/replies/", {"annotation": source.pk}).json()["results"]
    assert [r["text"] for r in replies] == ["on source"]
    reviews = client.get("/api/reviews/", {"annotation": source.pk}).json()["results"]
    assert [r["annotation"] for r in reviews] == [source.pk]
    claims = client.get("/api/annotations/", {"attributed_to": source.pk}).json()["results"]
    assert [c["id"] for c in claims] == [claim.pk]
