"""Live updates: the polling endpoint on every database, the Server-Sent Events stream on
PostgreSQL (LISTEN/NOTIFY delivers only on commit, so those tests use ``transactional_db``)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client, RequestFactory

from annotations.api import live
from annotations.models import Annotation, Event
from annotations.services import annotations as annotation_services
from annotations.services import history

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


def live_connections(expected: int, wait: float = 3.0) -> int:
    """The LISTEN connections the streams hold, once there are ``expected`` of them (or after
    ``wait`` seconds): a closed connection's backend leaves pg_stat_activity a moment later."""
    deadline = time.monotonic() + wait
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                [live.APPLICATION_NAME],
            )
            count = cursor.fetchone()[0]
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


# --- The stream's guards, on every database ---


def test_stream_refuses_anonymous_requests(article) -> None:
    response = Client().get(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_stream_is_get_only(article, alice) -> None:
    client = Client()
    client.force_login(alice)
    response = client.post(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_stream_accepts_an_api_token(api, article, alice) -> None:
    response = api(alice).get(f"/api/articles/{article.pk}/stream/")
    try:
        if connection.vendor == "postgresql":
            assert response.status_code == 200
            assert response.streaming
        else:
            assert response.json()["code"] == "no_stream"
    finally:
        response.close()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite answers no_stream")
def test_stream_on_sqlite_tells_the_page_to_poll(article, alice) -> None:
    client = Client()
    client.force_login(alice)
    response = client.get(f"/api/articles/{article.pk}/stream/")
    assert response.status_code == 404
    assert response.json()["code"] == "no_stream"


# --- The stream on PostgreSQL ---


class SSEReader:
    """Reads Server-Sent Events frames from a live server over a real HTTP connection."""

    def __init__(self, url: str, *, cookie: str = "", last_event_id: int | None = None):
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        headers = {"Accept": "text/event-stream", "Cookie": cookie}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", f"{parts.path}?{parts.query}", headers=headers)
        self.response = self.conn.getresponse()

    def frames(self) -> Iterator[dict[str, str]]:
        """Each frame as {field: value}; comments come as {":": text}."""
        frame: dict[str, str] = {}
        while True:
            line = self.response.readline().decode()
            if not line:
                return
            line = line.rstrip("\n")
            if not line:
                if frame:
                    yield frame
                frame = {}
            elif line.startswith(":"):
                yield {":": line[1:].strip()}
            else:
                field, _, value = line.partition(":")
                frame[field] = value.removeprefix(" ")

    def next_event(self) -> dict[str, str]:
        for frame in self.frames():
            if frame.get("event") == "annotation":
                return frame
        raise AssertionError("the stream ended")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def streams_end():
    """A stream notices that its client left (within CLIENT_CHECK_SECONDS, not at the next
    keep-alive 15 s later) and closes its LISTEN connection."""
    assert live_connections(0) == 0
    yield
    assert live_connections(0, wait=5) == 0, "a stream outlived its client"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("streams_end")
def test_stream_delivers_a_committed_change_within_two_seconds(live_server, article, alice, bob):
    url = f"{live_server.url}/api/articles/{article.pk}/stream/?after={last_event_id()}"
    reader = SSEReader(url, cookie=session_cookie(bob))
    try:
        assert reader.response.status == 200
        assert reader.response.getheader("Content-Type") == "text/event-stream"
        assert reader.response.getheader("Cache-Control") == "no-cache"
        assert reader.response.getheader("X-Accel-Buffering") == "no"
        assert next(reader.frames()) == {"retry": "2000"}
        # Once the stream has said hello, the view has LISTENed.

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
        assert json.loads(reader.next_event()["data"])["kind"] == "reply.created"
    finally:
        reader.close()


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("streams_end")
def test_stream_resumes_after_last_event_id(live_server, article, alice, bob):
    first = make(article, alice, 0)
    seen = last_event_id()
    second = make(article, alice, 1)
    url = f"{live_server.url}/api/articles/{article.pk}/stream/?after=0"
    reader = SSEReader(url, cookie=session_cookie(bob), last_event_id=seen)
    try:
        data = json.loads(reader.next_event()["data"])
        assert data["annotation"] == second.pk != first.pk
    finally:
        reader.close()


@pytest.fixture
def quick_keepalive(monkeypatch):
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.2)


def open_stream(user, article, after: int = 0):
    request = RequestFactory().get(f"/api/articles/{article.pk}/stream/", {"after": after})
    request.user = user
    return live.article_stream(request, article.pk)


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("quick_keepalive")
def test_stream_keeps_alive_ends_and_closes_its_connection(article, bob, monkeypatch) -> None:
    monkeypatch.setattr(live, "LIFETIME_SECONDS", 1.5)
    response = open_stream(bob, article, after=last_event_id())
    assert live_connections(1) == 1
    started = time.monotonic()
    body = b"".join(response.streaming_content).decode()
    response.close()

    assert 1.5 <= time.monotonic() - started < 5
    assert body.startswith("retry: 2000\n\n")
    assert ": keepalive\n\n" in body
    assert live_connections(0) == 0


def test_client_gone_notices_a_closed_socket() -> None:
    ours, theirs = socket.socketpair()
    try:
        assert not live.client_gone(ours)
        theirs.sendall(b"x")  # something to read is not a departure
        assert not live.client_gone(ours)
        theirs.close()
        ours.recv(1)
        assert live.client_gone(ours)
    finally:
        ours.close()
    assert live.client_gone(ours)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_stream_closed_early_closes_its_connection(article, bob) -> None:
    response = open_stream(bob, article)
    assert live_connections(1) == 1
    response.close()  # the client left before the first byte
    assert live_connections(0) == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("quick_keepalive")
def test_stream_sends_an_event_that_commits_after_a_later_one(article, alice, bob) -> None:
    """Sequence order is not commit order: an event whose transaction commits after a later
    id was sent still arrives (without an ``id:``, so Last-Event-ID stays the highest)."""
    response = open_stream(bob, article, after=last_event_id())
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"retry: 2000\n\n"
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
        frames = b""
        while b"event: annotation" not in frames:
            frames += next(chunks)
        assert f"id: {fast.pk}\n".encode() in frames
        release.set()
        thread.join(5)
        late = b""
        while b"event: annotation" not in late:
            late += next(chunks)
        assert f'"id":{slow[0]}'.encode() in late
        assert b"id: " not in late
    finally:
        release.set()
        thread.join(5)
        response.close()
    assert live_connections(0) == 0
