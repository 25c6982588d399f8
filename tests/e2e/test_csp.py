"""Every page under the Content-Security-Policy, in Chromium: the header is sent, and no page
(its scripts run, its data blocks read, a token created, a team switched) raises a violation."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from annotations.models import Annotation, Entity, Membership, Mention
from annotations.services.annotations import annotation_create, annotation_delete
from annotations.services.tokens import token_create
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, TeamFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page: Page) -> Page:
    page.add_init_script(RECORD_VIOLATIONS)
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            messages.append(message.text)

    page.on("console", on_console)
    page.csp_console = messages
    return page


def _visit(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, (url, policy)
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the modules run, the reader draws, polling starts
    return _violations(page)


def _violations(page: Page) -> list[str]:
    found = page.evaluate("() => window.__cspViolations")
    return [*found, *page.csp_console]


@pytest.fixture
def desk(team_a, alice, article, tags_a):
    """alice owns team A (every page open to her) and belongs to a second team; the seed
    article has a mention, a claim and a trashed annotation; alice has an API token."""
    Membership.objects.filter(team=team_a, user=alice).update(role=Membership.Role.OWNER)
    MembershipFactory(team=TeamFactory(name="Desk C", slug="desk-c"), user=alice)
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    start = article.text.index("John Kirby")
    Mention.objects.create(
        article=article,
        entity=kirby,
        start=start,
        end=start + 10,
        text="John Kirby",
        label="person",
    )
    claim_at = article.text.index("the US believes")
    annotation_create(
        article=article,
        author=alice,
        start=claim_at,
        end=claim_at + 15,
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
    )
    doomed = annotation_create(article=article, author=alice, start=0, end=5)
    annotation_delete(annotation=doomed, actor=alice)
    token_create(user=alice, name="nightly", expires_at=timezone.now() + timezone.timedelta(days=9))
    return {"article": article, "kirby": kirby}


def test_the_detector_sees_an_inline_script(watched, live_server):
    # The listener and the console watch do catch a violation, so an empty list means none.
    assert _visit(watched, f"{live_server.url}/login/") == []
    watched.expect_problem(r"Content Security Policy directive 'script-src")  # provoked here
    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    watched.wait_for_timeout(200)
    assert any("script-src" in v for v in _violations(watched))
    assert watched.evaluate("() => window.x") is None


def test_signed_out_pages_raise_no_violation(watched, live_server):
    for path in ("/login/", "/accounts/password-reset/", "/api/docs/"):
        assert _visit(watched, f"{live_server.url}{path}") == [], path
    # Swagger UI rendered from its split script, under the policy.
    watched.goto(f"{live_server.url}/api/docs/")
    # (The first schema generation takes seconds.)
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text(
        "NewsNotes API", timeout=30_000
    )
    expect(watched.locator(".opblock").first).to_be_visible()
    assert _violations(watched) == []


def test_every_signed_in_page_raises_no_violation(watched, live_server, desk):
    sign_in(watched, live_server, "alice")
    article, kirby = desk["article"], desk["kirby"]
    pages = [
        "/",
        f"/articles/{article.pk}/",
        "/import/",
        "/entities/",
        f"/entities/{kirby.pk}/",
        "/review/",
        "/dashboard/",
        "/agreement/",
        "/screening/",
        "/trash/",
        "/accounts/tokens/",
        "/team/",
        "/feeds/",
        "/api/docs/",
    ]
    for path in pages:
        assert _visit(watched, f"{live_server.url}{path}") == [], path
        assert watched.js_errors == [], path

    # The reader drew its highlights and cards (generated styles and all).
    watched.goto(f"{live_server.url}/articles/{article.pk}/")
    expect(watched.locator("[data-annotation-id], .card, article").first).to_be_visible()
    # The trash restores through its module, no longer an inline script.
    watched.goto(f"{live_server.url}/trash/")
    watched.get_by_role("button", name="Restore").click()
    expect(watched.get_by_role("link", name="Restored: open")).to_be_visible()
    assert Annotation.objects.filter(deleted_at__isnull=True).count() == 2
    # The team switcher submits from its module, no longer an onchange attribute.
    watched.goto(f"{live_server.url}/")
    expect(watched.get_by_role("link", name="North Korean troops in Kursk")).to_be_visible()
    desk_c = str(Membership.objects.get(user__username="alice", team__slug="desk-c").team_id)
    watched.get_by_label("Team").select_option(value=desk_c)
    watched.wait_for_load_state("load")
    expect(watched.get_by_label("Team")).to_have_value(desk_c)
    expect(watched.get_by_role("link", name="North Korean troops in Kursk")).to_have_count(0)
    assert _violations(watched) == []


def test_the_tokens_page_creates_shows_once_and_revokes(watched, live_server, desk):
    sign_in(watched, live_server, "alice")
    watched.goto(f"{live_server.url}/accounts/tokens/")
    rows = watched.locator("#token-list tbody tr")
    expect(rows).to_have_count(1)
    watched.get_by_label("Name").fill("laptop export")
    watched.get_by_label("Expires").select_option(label="in 30 days")
    watched.get_by_role("button", name="Create token").click()
    key = watched.locator("#token-key")
    expect(key).to_have_text(re.compile(r"^nn_\S{40,}$"))
    expect(rows).to_have_count(2)
    secret = key.text_content()
    answer = watched.request.get(
        f"{live_server.url}/api/me/", headers={"Authorization": f"Token {secret}"}
    )
    assert answer.json()["username"] == "alice"

    watched.reload()
    expect(watched.get_by_text(secret or "-")).to_have_count(0)  # shown once only
    watched.get_by_role("button", name="Revoke laptop export").click()
    expect(rows).to_have_count(1)
    gone = watched.request.get(
        f"{live_server.url}/api/me/", headers={"Authorization": f"Token {secret}"}
    )
    assert gone.status == 401
    assert _violations(watched) == []
