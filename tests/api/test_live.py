"""Live updates: the polling endpoint on every database, the Server-Sent Events stream on
PostgreSQL under the ASGI server (LISTEN/NOTIFY delivers only on commit, so those tests use the
``asgi_server`` fixture, which is transactional)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from annotations.api import live, livehub
from annotations.models import MAX_ID, Annotation, Event
from annotations.services import annotations as annotation_services
from annotations.services import history
from annotations.services.articles import article_update_text
from annotations.services.tokens import token_create
from tests.sse import SSEReader, session_cookie

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="LISTEN/NOTIFY needs PostgreSQL; CI's PostgreSQL pass runs this (SQLite pages poll)",
)


def make(article, author, n: int = 0, **fields) -> Annotation:
    start = 10 * n
    return annotation_services.annotation_create(
        article=article, author=author, start=start, end=start + 8, **fields
    )


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def listen_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [livehub.APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def streams_open(server, expected: int, wait: float = 3.0) -> int:
    """The subscriptions of the server's hub, once there are ``expected`` (or after ``wait``)."""
    deadline = time.monotonic() + wait
    while True:
        count = server.call(lambda: livehub.hub().streams)
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


# --- Polling: GET /api/articles/{id}/events/?after=N ---


def test_events_after_an_id(api, article, alice, bob) -> None:
    first = make(article, alice, 0)
    after = last_event_id()
    second = make(article, alice, 1)
    annotation_services.reply_create(annotation=first, author=bob, text="Source?")

    response = api(bob).get(f"/api/articles/{article.pk}/events/", {"after": after})

    assert response.status_code == 200
    events = response.json()["events"]
    assert [(e["kind"], e["annotation"]) for e in events] == [
        ("annotation.created", second.pk),
        ("reply.created", first.pk),
    ]
    assert all(e["id"] > after for e in events)
    assert events[0]["actor"]["username"] == "alice"
    assert response.json()["last"] == events[-1]["id"]


def test_events_hide_someone_elses_private_annotation(api, article, alice, bob) -> None:
    private = make(article, alice, 0, visibility=Annotation.Visibility.PRIVATE, comment="mine")
    annotation_services.annotation_update(annotation=private, actor=alice, comment="still mine")
    shared = make(article, alice, 1)

    seen_by_bob = api(bob).get(f"/api/articles/{article.pk}/events/").json()["events"]
    seen_by_alice = api(alice).get(f"/api/articles/{article.pk}/events/").json()["events"]

    assert private.pk not in {e["annotation"] for e in seen_by_bob}
    assert shared.pk in {e["annotation"] for e in seen_by_bob}
    assert [e["kind"] for e in seen_by_alice if e["annotation"] == private.pk] == [
        "annotation.created",
        "annotation.updated",
    ]


def test_events_of_a_deleted_annotation(api, article, alice, bob) -> None:
    """Its deletion still reaches teammates (so the card leaves their page); nothing else
    about it does, and a private one's deletion reaches nobody but its author."""
    shared = make(article, alice, 0)
    private = make(article, alice, 1, visibility=Annotation.Visibility.PRIVATE)
    after = last_event_id()
    annotation_services.annotation_delete(annotation=shared, actor=alice)
    annotation_services.annotation_delete(annotation=private, actor=alice)

    bob_events = api(bob).get(f"/api/articles/{article.pk}/events/").json()["events"]
    alice_events = api(alice).get(f"/api/articles/{article.pk}/events/", {"after": after})

    assert [(e["kind"], e["annotation"]) for e in bob_events] == [("annotation.deleted", shared.pk)]
    assert [(e["kind"], e["annotation"]) for e in alice_events.json()["events"]] == [
        ("annotation.deleted", shared.pk),
        ("annotation.deleted", private.pk),
    ]


def test_events_are_404_across_teams(api, article, alice, carol) -> None:
    make(article, alice, 0)
    assert api(carol).get(f"/api/articles/{article.pk}/events/").status_code == 404
    response = api(carol).get(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_event_names_the_tab_that_caused_it_to_its_actor_only(api, article, alice, bob) -> None:
    """A write sent with X-Client-Id (api.js sends the tab's id) gives its events that id,
    which the actor's pages receive (so that tab skips them) and nobody else does."""
    after = last_event_id()
    tab = "2b0c2f5e-0f5e-4c55-9a4e-6a3c1f1d2e7b"
    created = api(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 8},
        HTTP_X_CLIENT_ID=tab,
    )
    assert created.status_code == 201
    api(alice).post("/api/replies/", {"annotation": created.json()["id"], "text": "No tab id"})

    mine = api(alice).get(f"/api/articles/{article.pk}/events/", {"after": after}).json()
    theirs = api(bob).get(f"/api/articles/{article.pk}/events/", {"after": after}).json()

    assert [(e["kind"], e["client"]) for e in mine["events"]] == [
        ("annotation.created", tab),
        ("reply.created", None),
    ]
    assert [e["client"] for e in theirs["events"]] == [None, None]
    assert Event.objects.get(pk=mine["events"][0]["id"]).client == tab


def test_a_malformed_client_id_is_ignored(api, article, alice) -> None:
    created = api(alice).post(
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 8},
        HTTP_X_CLIENT_ID="x" * 65,
    )
    assert created.status_code == 201
    assert Event.objects.get(annotation_id=created.json()["id"]).client == ""


# --- Event ids are bounded the same way on both endpoints ---

OUT_OF_RANGE = ["-5", "99999999999999999999", str(MAX_ID + 1), "1e3", "seven", ""]


@pytest.mark.parametrize("after", OUT_OF_RANGE)
def test_events_refuse_an_after_out_of_range(api, article, alice, after) -> None:
    response = api(alice).get(f"/api/articles/{article.pk}/events/", {"after": after})
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["status"], body["code"], list(body["errors"])) == (400, "invalid", ["after"])


@pytest.mark.parametrize("after", OUT_OF_RANGE)
def test_stream_refuses_an_after_out_of_range(article, alice, after) -> None:
    client = Client()
    client.force_login(alice)
    response = client.get(f"/api/articles/{article.pk}/stream/", {"after": after})
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["status"], body["code"], list(body["errors"])) == (400, "invalid", ["after"])
    events = client.get(f"/api/articles/{article.pk}/events/", {"after": after}).json()
    assert body["errors"] == events["errors"]  # the same words on both endpoints


@pytest.mark.parametrize("last_event_id", ["10" + "0" * 22, "-1", str(MAX_ID + 1), "abc"])
def test_stream_refuses_a_last_event_id_out_of_range(article, alice, last_event_id) -> None:
    client = Client()
    client.force_login(alice)
    response = client.get(
        f"/api/articles/{article.pk}/stream/", headers={"Last-Event-ID": last_event_id}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Last-Event-ID"]


def test_the_largest_id_is_accepted(api, article, alice) -> None:
    response = api(alice).get(f"/api/articles/{article.pk}/events/", {"after": MAX_ID})
    assert response.status_code == 200
    assert response.json() == {"events": [], "last": MAX_ID}


# --- The stream's guards, on every database ---


def test_stream_refuses_anonymous_requests(article) -> None:
    response = Client().get(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_stream_refuses_a_bad_token(article) -> None:
    response = Client().get(
        f"/api/articles/{article.pk}/stream/", headers={"Authorization": "Token nope"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid or expired token."


def test_stream_is_get_only(article, alice) -> None:
    client = Client()
    client.force_login(alice)
    response = client.post(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_under_wsgi_there_is_no_stream_and_the_page_polls(article, alice) -> None:
    """runserver and the test server speak WSGI, where an async stream would be buffered
    whole: the stream says so and the reader page polls, on every database."""
    client = Client()
    client.force_login(alice)
    response = client.get(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_stream"
    page = client.get(f"/articles/{article.pk}/")
    assert page.context["reader_data"]["live"] == "poll"


@pytest.mark.parametrize("setting", ["auto", "sse", "poll"])
def test_a_page_from_a_wsgi_node_streams_when_the_deployment_says_so(
    article, alice, settings, setting
) -> None:
    """NEWSNOTES_LIVE=sse: a load balancer sends streams to ASGI nodes, so pages rendered by
    WSGI nodes stream too (on PostgreSQL; SQLite always polls)."""
    settings.LIVE_TRANSPORT = setting
    client = Client()
    client.force_login(alice)
    live = client.get(f"/articles/{article.pk}/").context["reader_data"]["live"]
    streams = setting == "sse" and connection.vendor == "postgresql"
    assert live == ("sse" if streams else "poll")


def test_stream_under_asgi_accepts_a_token(asgi_server, article, alice) -> None:
    token = token_create(user=alice, name="tests")[1]
    reader = SSEReader(f"{asgi_server.url}/api/articles/{article.pk}/stream/", token=token)
    try:
        if connection.vendor == "postgresql":
            assert reader.response.status == 200
            assert next(reader.frames()) == {"retry": "2000"}
        else:
            assert reader.response.status == 404
            assert json.loads(reader.response.read())["code"] == "no_stream"
    finally:
        reader.close()


# --- The stream on PostgreSQL, under the ASGI server ---


@postgresql_only
def test_stream_delivers_a_committed_change_within_two_seconds(asgi_server, article, alice, bob):
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    reader = SSEReader(url, cookie=session_cookie(bob))
    try:
        assert reader.response.status == 200
        assert reader.response.getheader("Content-Type") == "text/event-stream"
        assert reader.response.getheader("Cache-Control") == "no-cache"
        assert reader.response.getheader("X-Accel-Buffering") == "no"
        assert next(reader.frames()) == {"retry": "2000"}
        # Once the stream has said hello, the hub LISTENs.

        started = time.monotonic()
        private = make(article, alice, 0, visibility=Annotation.Visibility.PRIVATE)
        shared = make(article, alice, 1, comment="Kirby, not the Pentagon")  # commits: NOTIFY
        frame = reader.next_event()
        latency = time.monotonic() - started

        data = json.loads(frame["data"])
        assert (data["kind"], data["annotation"]) == ("annotation.created", shared.pk)
        assert data["annotation"] != private.pk  # bob never hears of alice's private note
        assert frame["id"] == str(data["id"])
        assert data["actor"]["username"] == "alice"
        assert latency < 2.0, f"delivered after {latency:.3f} s"
        print(f"\nSSE delivery: {latency * 1000:.0f} ms from the write")

        annotation_services.reply_create(annotation=shared, author=bob, text="Which briefing?")
        assert reader.next_data()["kind"] == "reply.created"
    finally:
        reader.close()


@postgresql_only
def test_stream_resumes_after_last_event_id(asgi_server, article, alice, bob):
    """The browser reconnects with Last-Event-ID (and the URL's original ?after=); the larger
    counts, and nothing up to it is sent again."""
    first = make(article, alice, 0)
    seen = last_event_id()
    second = make(article, alice, 1)
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after=0"
    reader = SSEReader(url, cookie=session_cookie(bob), last_event_id=seen)
    try:
        data = reader.next_data()
        assert data["annotation"] == second.pk != first.pk
        third = make(article, alice, 2)
        assert reader.next_data()["annotation"] == third.pk
    finally:
        reader.close()


@postgresql_only
def test_stream_keeps_alive_and_ends(asgi_server, article, bob, monkeypatch) -> None:
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setattr(live, "LIFETIME_SECONDS", 1.5)
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    started = time.monotonic()
    reader = SSEReader(url, cookie=session_cookie(bob))
    try:
        body = reader.response.read().decode()  # until the server ends the stream
    finally:
        reader.close()
    assert 1.5 <= time.monotonic() - started < 5
    assert body.startswith("retry: 2000\n\n")
    assert ": keepalive\n\n" in body
    assert streams_open(asgi_server, 0) == 0


@postgresql_only
def test_a_client_that_leaves_is_forgotten_at_once(asgi_server, article, bob) -> None:
    """The server reports the disconnect and Django cancels the response: the subscription
    goes within moments, not at the next keep-alive."""
    reader = SSEReader(
        f"{asgi_server.url}/api/articles/{article.pk}/stream/", cookie=session_cookie(bob)
    )
    assert next(reader.frames()) == {"retry": "2000"}
    assert streams_open(asgi_server, 1) == 1
    reader.close()
    assert streams_open(asgi_server, 0, wait=2) == 0


@postgresql_only
def test_stream_sends_an_event_that_commits_after_a_later_one(
    asgi_server, article, alice, bob
) -> None:
    """Sequence order is not commit order: an event whose transaction commits after a later
    id was sent still arrives (without an ``id:``, so Last-Event-ID stays the highest)."""
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    reader = SSEReader(url, cookie=session_cookie(bob))
    assert next(reader.frames()) == {"retry": "2000"}
    inserted, release = threading.Event(), threading.Event()
    slow: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                row = history.event(
                    team_id=article.team_id, article_id=article.pk, kind="article.note", actor=alice
                )
                slow.append(row.pk)
                inserted.set()
                release.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert inserted.wait(5)
        fast = history.event(
            team_id=article.team_id, article_id=article.pk, kind="article.note", actor=bob
        )
        assert fast.pk > slow[0]
        frame = reader.next_event()
        assert frame["id"] == str(fast.pk)
        release.set()
        thread.join(5)
        late = reader.next_event()
        assert json.loads(late["data"])["id"] == slow[0]
        assert "id" not in late
    finally:
        release.set()
        thread.join(5)
        reader.close()


@postgresql_only
def test_stream_sends_every_event_of_a_bulk_change(asgi_server, article, alice, bob) -> None:
    """An edit of the text re-anchors every annotation in one transaction: each of its events
    is notified, and the stream, which reads the ids it hears of, sends them all."""
    annotations = [make(article, alice, n) for n in range(3)]
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    reader = SSEReader(url, cookie=session_cookie(bob))
    try:
        assert next(reader.frames()) == {"retry": "2000"}
        article_update_text(article=article, text="UPDATED: " + article.text, actor=alice)
        received = [reader.next_data() for _ in annotations]
        assert {(e["kind"], e["annotation"]) for e in received} == {
            ("annotation.reanchored", a.pk) for a in annotations
        }
    finally:
        reader.close()


@postgresql_only
def test_stream_echoes_the_tab_id_to_its_actor_only(asgi_server, api, article, alice, bob) -> None:
    after = last_event_id()
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={after}"
    alices = SSEReader(url, cookie=session_cookie(alice))
    bobs = SSEReader(url, cookie=session_cookie(bob))
    try:
        for reader in (alices, bobs):
            assert next(reader.frames()) == {"retry": "2000"}
        created = api(alice).post(
            "/api/annotations/",
            {"article": article.pk, "start": 0, "end": 8},
            HTTP_X_CLIENT_ID="tab-1",
        )
        assert created.status_code == 201
        mine, theirs = alices.next_data(), bobs.next_data()
        assert mine["annotation"] == theirs["annotation"] == created.json()["id"]
        assert (mine["client"], theirs["client"]) == ("tab-1", None)
        assert mine["actor"]["username"] == theirs["actor"]["username"] == "alice"
    finally:
        alices.close()
        bobs.close()


@postgresql_only
def test_the_hub_reconnects_when_its_connection_drops(asgi_server, article, alice, bob) -> None:
    """A killed LISTEN connection comes back (with back-off), and a change committed while it
    was down still reaches the open stream."""
    url = f"{asgi_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    reader = SSEReader(url, cookie=session_cookie(bob), timeout=10)
    try:
        assert next(reader.frames()) == {"retry": "2000"}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                [livehub.APPLICATION_NAME],
            )
        during = make(article, alice, 0)  # likely before the hub is back
        assert reader.next_data()["annotation"] == during.pk
        after = make(article, alice, 1)
        assert reader.next_data()["annotation"] == after.pk
        assert asgi_server.call(lambda: livehub.hub().connects) == 2
        assert listen_connections() == 1
    finally:
        reader.close()


# --- The hub's bounded queue ---


def test_a_stream_that_does_not_keep_up_is_dropped() -> None:
    """Its queue holds QUEUE_LIMIT messages; one more drops it (the stream ends, and the
    browser reconnects and reads what it missed from the table) instead of buffering."""

    async def scenario() -> tuple[bool, int, bool, int]:
        hub = livehub.Hub(asyncio.get_running_loop())
        slow = livehub.Subscription(hub, 7, user=None, last=0)
        quick = livehub.Subscription(hub, 7, user=None, last=0)
        hub.channels[7] = {slow, quick}
        message = livehub.Message(((1, "{}"),))
        for _ in range(livehub.QUEUE_LIMIT):
            slow.push(message)
            quick.push(message)
            quick.take()
        before = slow.dropped
        slow.push(message)
        quick.push(message)
        return before, len(slow.messages), slow.dropped, hub.streams

    before, waiting, dropped, streams = asyncio.run(scenario())
    assert (before, waiting, dropped, streams) == (False, 0, True, 1)


def test_a_dropped_stream_stuck_writing_is_cancelled(monkeypatch) -> None:
    """A client that reads nothing blocks its stream in a write (the server's buffer is
    full); once dropped, its request is cancelled after DROP_GRACE_SECONDS, which closes the
    connection. A stream that ended by itself is left alone."""
    monkeypatch.setattr(livehub, "DROP_GRACE_SECONDS", 0.05)

    async def scenario() -> tuple[bool, bool]:
        hub = livehub.Hub(asyncio.get_running_loop())
        stuck = livehub.Subscription(hub, 7, user=None, last=0)
        ended = livehub.Subscription(hub, 7, user=None, last=0)
        stuck.task = asyncio.create_task(asyncio.sleep(10))  # a write that never completes
        ended.task = asyncio.create_task(asyncio.sleep(10))
        stuck.drop()
        ended.drop()
        ended.close()  # its stream noticed the drop and ended
        await asyncio.sleep(0.2)
        result = stuck.task.cancelled(), ended.task.cancelled()
        ended.task.cancel()
        return result

    assert asyncio.run(scenario()) == (True, False)
