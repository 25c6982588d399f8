"""Live updates between teammates: two people on one article see each other's work within two
seconds, without reloading. On PostgreSQL the pages use Server-Sent Events woken by
LISTEN/NOTIFY (and this test checks they did); on SQLite they poll."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, expect

from annotations.api import live
from tests.e2e.conftest import sign_in
from tests.factories import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POSTGRESQL = connection.vendor == "postgresql"
DEADLINE = 2.0  # seconds from the write to the teammate's screen

FETCH = """async ([method, url, body]) => {
    const csrf = decodeURIComponent((document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "");
    const response = await fetch(url, {
        method, credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRFToken": csrf},
        body: body === null ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {status: response.status, data: text ? JSON.parse(text) : null};
}"""

# Every batch of events the reader applies, kept for the assertions below.
RECORD_EVENTS = """
window.__liveEvents = [];
document.addEventListener("newsnotes:events", (e) => window.__liveEvents.push(...e.detail));
"""


def call(page: Page, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    result = page.evaluate(FETCH, [method, url, body])
    return result


def live_connections(expected: int, wait: float = 5.0) -> int:
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


class Reader:
    """One person's browser on one article."""

    def __init__(self, browser: Browser, live_server: Any, username: str, article_id: int):
        self.context: BrowserContext = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(10_000)
        self.context.add_init_script(RECORD_EVENTS)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        sign_in(self.page, live_server, username)
        self.page.goto(f"{live_server.url}/articles/{article_id}/")
        self.page.wait_for_function("document.documentElement.dataset.ready === 'true'")
        # The transport is running: the stream is open, or the first poll has gone out.
        self.page.wait_for_function("document.documentElement.dataset.live !== undefined")

    @property
    def mode(self) -> str:
        return self.page.evaluate("document.documentElement.dataset.live")

    def card(self, annotation_id: int) -> Any:
        return self.page.locator(f'li.card[data-id="{annotation_id}"]')

    def received(self) -> list[dict[str, Any]]:
        return self.page.evaluate("window.__liveEvents")

    def call(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        return call(self.page, method, url, body)


def within_deadline(started: float, check: Callable[[float], None]) -> float:
    """Run ``check(timeout_ms)`` with what is left of DEADLINE since ``started``; return the
    seconds it took from ``started``."""
    left = max(0.0, started + DEADLINE - time.monotonic())
    check(left * 1000)
    return time.monotonic() - started


@pytest.fixture
def readers(browser: Browser) -> Iterator[list[Reader]]:
    # Closing a browser ends its stream within a second or so (live.CLIENT_CHECK_SECONDS),
    # LISTEN connection included.
    opened: list[Reader] = []
    yield opened
    for reader in opened:
        reader.context.close()
    if POSTGRESQL:
        assert live_connections(0) == 0, "a stream outlived its browser"


def test_teammates_see_each_others_work_within_two_seconds(
    browser, live_server, readers, article, alice, bob, carol, team_b
):
    other_article = make_article(team=team_b, text="Carol's own article.", title="Desk B")
    alice_r = Reader(browser, live_server, "alice", article.pk)
    readers.append(alice_r)
    bob_r = Reader(browser, live_server, "bob", article.pk)
    readers.append(bob_r)
    carol_r = Reader(browser, live_server, "carol", other_article.pk)
    readers.append(carol_r)
    expected_mode = "sse" if POSTGRESQL else "poll"
    assert (alice_r.mode, bob_r.mode, carol_r.mode) == (expected_mode,) * 3
    text = article.text
    latency: dict[str, float] = {}

    # 1. alice annotates; bob's sidebar shows the card.
    started = time.monotonic()
    created = alice_r.call(
        "POST",
        "/api/annotations/",
        {"article": article.pk, "start": 0, "end": 24, "exact": text[:24], "comment": "Live"},
    )
    assert created["status"] == 201, created
    claim = created["data"]["id"]
    latency["annotation"] = within_deadline(
        started, lambda ms: expect(bob_r.card(claim)).to_be_visible(timeout=ms)
    )
    expect(bob_r.card(claim)).to_contain_text("Live")

    # 2. bob (a reviewer) replies; alice's card counts the reply.
    started = time.monotonic()
    reply = bob_r.call("POST", "/api/replies/", {"annotation": claim, "text": "Which briefing?"})
    assert reply["status"] == 201, reply
    latency["reply"] = within_deadline(
        started, lambda ms: expect(alice_r.card(claim)).to_contain_text("1 reply", timeout=ms)
    )

    # 3. alice submits it for review; bob's card says so.
    started = time.monotonic()
    submitted = alice_r.call("POST", f"/api/annotations/{claim}/submit/")
    assert submitted["status"] == 200, submitted
    latency["submit"] = within_deadline(
        started,
        lambda ms: expect(bob_r.card(claim).locator(".badge.review-submitted")).to_be_visible(
            timeout=ms
        ),
    )

    # 4. bob approves; alice's review badge changes.
    started = time.monotonic()
    review = bob_r.call(
        "POST", "/api/reviews/", {"annotation": claim, "verdict": "approve", "note": ""}
    )
    assert review["status"] == 201, review
    latency["verdict"] = within_deadline(
        started,
        lambda ms: expect(alice_r.card(claim).locator(".badge.review-approved")).to_have_text(
            "Approved", timeout=ms
        ),
    )

    # 5. alice's private note never reaches bob; her next shared one does.
    private = alice_r.call(
        "POST",
        "/api/annotations/",
        {"article": article.pk, "start": 30, "end": 50, "visibility": "private"},
    )
    assert private["status"] == 201, private
    started = time.monotonic()
    shared = alice_r.call(
        "POST", "/api/annotations/", {"article": article.pk, "start": 60, "end": 80}
    )
    assert shared["status"] == 201, shared
    within_deadline(
        started,
        lambda ms: expect(bob_r.card(shared["data"]["id"])).to_be_visible(timeout=ms),
    )
    expect(bob_r.card(private["data"]["id"])).to_have_count(0)
    bob_heard = {e["annotation"] for e in bob_r.received()}
    assert private["data"]["id"] not in bob_heard
    assert {claim, shared["data"]["id"]} <= bob_heard
    expect(alice_r.card(private["data"]["id"])).to_be_visible()  # she sees her own

    # 6. carol, of another team, received nothing and may not listen in.
    assert carol_r.received() == []
    for path in ("events/?after=0", "stream/"):
        refused = carol_r.call("GET", f"/api/articles/{article.pk}/{path}")
        assert refused["status"] == 404, (path, refused)
        assert refused["data"]["code"] == "not_found"

    # 7. The pages used the transport this database offers.
    for reader in (alice_r, bob_r):
        streamed = [u for u in reader.requests if f"/api/articles/{article.pk}/stream/" in u]
        polled = [u for u in reader.requests if f"/api/articles/{article.pk}/events/" in u]
        if POSTGRESQL:
            # Server-Sent Events only, each stream a LISTEN connection on the server.
            assert streamed
            assert polled == []
        else:
            assert streamed == []
            assert polled
    if POSTGRESQL:
        assert live_connections(3) == 3

    for reader in (alice_r, bob_r, carol_r):
        assert reader.errors == []
    print(  # the measured delivery times, shown with -s
        f"\nlive ({expected_mode}) delivery: "
        + ", ".join(f"{step} {seconds * 1000:.0f} ms" for step, seconds in latency.items())
    )
