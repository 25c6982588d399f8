"""Live updates between teammates: two people on one article see each other's work within two
seconds, without reloading. The pages are served as in production, by the ASGI server
(``asgi_server``): on PostgreSQL they use Server-Sent Events woken by LISTEN/NOTIFY (and this
test checks they did, through one LISTEN connection); on SQLite they poll."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, expect

from annotations.api import livehub
from annotations.models import Annotation
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


def listen_connections() -> int:
    """The server's LISTEN connections (one per process, however many streams)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [livehub.APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def streams_open(server: Any, expected: int, wait: float = 5.0) -> int:
    """The streams the server's hub follows, once there are ``expected`` (or after ``wait``)."""
    deadline = time.monotonic() + wait
    while True:
        count = server.call(lambda: livehub.hub().streams)
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


class Reader:
    """One person's browser tab on one article (``tab()`` opens another, signed in alike)."""

    def __init__(
        self,
        browser: Browser | None,
        server: Any,
        username: str,
        article_id: int,
        context: BrowserContext | None = None,
    ):
        if context is None:
            assert browser is not None
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(10_000)
            context.add_init_script(RECORD_EVENTS)
        self.context: BrowserContext = context
        self.requests: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.server, self.username, self.article_id = server, username, article_id
        if browser is not None:
            sign_in(self.page, server, username)
        self.page.goto(f"{server.url}/articles/{article_id}/")
        # Locator waits, not wait_for_function: the pages' CSP forbids evaluating strings.
        expect(self.page.locator("html")).to_have_attribute("data-ready", "true")
        # The transport is running: the stream is open, or the first poll has gone out.
        expect(self.page.locator("html")).to_have_attribute("data-live", re.compile(r".+"))

    def tab(self) -> Reader:
        return Reader(None, self.server, self.username, self.article_id, context=self.context)

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
def readers(browser: Browser, asgi_server: Any) -> Iterator[list[Reader]]:
    # Closing a browser ends its streams at once (the server reports the disconnect).
    opened: list[Reader] = []
    yield opened
    for reader in opened:
        reader.context.close()
    if POSTGRESQL:
        assert streams_open(asgi_server, 0) == 0, "a stream outlived its browser"


def test_teammates_see_each_others_work_within_two_seconds(
    browser, asgi_server, readers, article, alice, bob, carol, team_b
):
    other_article = make_article(team=team_b, text="Carol's own article.", title="Desk B")
    alice_r = Reader(browser, asgi_server, "alice", article.pk)
    readers.append(alice_r)
    bob_r = Reader(browser, asgi_server, "bob", article.pk)
    readers.append(bob_r)
    carol_r = Reader(browser, asgi_server, "carol", other_article.pk)
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
            # Server-Sent Events only, all three streams woken through one LISTEN connection.
            assert streamed
            assert polled == []
        else:
            assert streamed == []
            assert polled
    if POSTGRESQL:
        assert streams_open(asgi_server, 3) == 3
        assert listen_connections() == 1

    for reader in (alice_r, bob_r, carol_r):
        assert reader.errors == []
    print(  # the measured delivery times, shown with -s
        f"\nlive ({expected_mode}) delivery: "
        + ", ".join(f"{step} {seconds * 1000:.0f} ms" for step, seconds in latency.items())
    )


def test_the_writers_tab_is_not_sent_its_own_change_but_other_tabs_are(
    browser, asgi_server, readers, article, alice, bob
):
    """alice annotates in one tab: that tab shows the card from its own request and does not
    fetch it again when the event comes back; her other tab and bob's page receive it."""
    writer = Reader(browser, asgi_server, "alice", article.pk)
    readers.append(writer)
    other_tab = writer.tab()
    bob_r = Reader(browser, asgi_server, "bob", article.pk)
    readers.append(bob_r)
    page = writer.page
    page.keyboard.press("t")  # focus the article text, select its first five characters
    page.keyboard.press("Control+Home")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("a")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("1")
    started = time.monotonic()
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    claim = Annotation.objects.get(article=article).pk
    expect(writer.card(claim)).to_be_visible()

    for reader in (other_tab, bob_r):
        within_deadline(
            started, lambda ms, r=reader: expect(r.card(claim)).to_be_visible(timeout=ms)
        )
    # By now the event has reached the writer's tab as well (it polls as often, or streams
    # from the same hub); give it one more polling period all the same.
    page.wait_for_timeout(1500)
    # (Its own panel may read the new annotation's history; it does not re-read the annotation.)
    one = re.compile(rf"/api/annotations/{claim}/(\?|$)")
    refetched = [u for u in writer.requests if one.search(u)]
    assert refetched == [], "the writer's tab reloaded its own annotation"
    assert writer.received() == []
    assert [e["annotation"] for e in other_tab.received()] == [claim]
    # Her other tab is told which tab made it (hers, not its own), and applies it.
    tab_id = "import('/static/annotations/api.js').then((module) => module.CLIENT_ID)"
    assert [e["client"] for e in other_tab.received()] == [page.evaluate(tab_id)]
    assert other_tab.page.evaluate(tab_id) != page.evaluate(tab_id)
    assert any(one.search(u) for u in other_tab.requests)
    assert bob_r.received()[0]["client"] is None  # the tab id is alice's business
    for reader in (writer, other_tab, bob_r):
        assert reader.errors == []
