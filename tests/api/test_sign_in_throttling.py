"""Password guessing on /api/auth/token/ and /login/: one policy (services/sign_in.py), keyed on
the real client address, per account with a back-off, per address with a higher limit, and
known devices exempt from the account's back-off."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotations.services import sign_in
from annotations.services.tokens import token_create

# The counters live in the database cache, so each test's rollback clears them.
PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/auth/token/"


@pytest.fixture
def clock(monkeypatch):
    """sign_in's clock, moved by hand."""

    class Clock:
        now = 1_800_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    c = Clock()
    monkeypatch.setattr(sign_in, "_now", lambda: c.now)
    return c


@pytest.fixture
def generous_rate(settings):
    """The token endpoint's overall rate (10 a minute) out of the way of the counters."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"},
    }


def _token(client: APIClient, username: str, password: str, **extra: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, **extra)


def _login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


# --- The real client address ---


def test_a_new_x_forwarded_for_each_time_does_not_escape_the_throttle(alice):
    client = APIClient()
    statuses = [
        _token(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(30)
    ]
    assert statuses[:5] == [400] * 5
    first = statuses.index(429)
    assert set(statuses[first:]) == {429}
    right = _token(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.250")
    assert right.status_code == 429
    assert "token" not in right.json()
    assert int(right["Retry-After"]) > 0


def test_the_token_rate_limit_counts_the_socket_address_not_the_forwarded_header(db):
    # A different (unknown) account each time, so only the per-address rate can stop them.
    client = APIClient()
    statuses = [
        _token(client, f"nobody{i}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429, 429]


def test_behind_a_proxy_each_client_address_has_its_own_rate(db, settings):
    settings.NEWSNOTES_PROXY_COUNT = 1
    client = APIClient()
    # The proxy appends the client's address; what the client wrote before it is ignored.
    statuses = [
        _token(
            client, f"nobody{i}", "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.9, 203.0.113.{i % 2}"
        ).status_code
        for i in range(22)
    ]
    assert statuses.count(429) == 2  # the 11th of each of the two clients
    assert statuses[:20] == [400] * 20


# --- Per account: a back-off, shared by the page and the token endpoint ---


def test_failures_back_off_exponentially_and_then_allow_again(alice, clock, generous_rate):
    client = APIClient()
    for _ in range(5):
        assert _token(client, "alice", "wrong").status_code == 400
    waits = []
    for _ in range(10):
        refused = _token(client, "alice", "wrong")
        assert refused.status_code == 429
        waits.append(int(refused["Retry-After"]))
        assert "this account" in refused.json()["detail"]
        clock.advance(waits[-1])
        assert _token(client, "alice", "wrong").status_code == 400
    assert waits == [6, 11, 21, 41, 81, 161, 321, 641, 901, 901]
    # Refusals cost nothing: asking again during the wait does not lengthen it.
    for _ in range(5):
        assert int(_token(client, "alice", "wrong")["Retry-After"]) == 901


def test_the_right_password_is_refused_during_the_wait_and_accepted_after(
    alice, clock, generous_rate
):
    client = APIClient()
    for _ in range(5):
        _token(client, "alice", "wrong")
    refused = _token(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert "token" not in refused.json()
    clock.advance(6)
    accepted = _token(client, "alice", PASSWORD)
    assert accepted.status_code == 200
    assert accepted.json()["token"]
    # A success clears the count: five more mistakes before any wait.
    assert [_token(client, "alice", "wrong").status_code for _ in range(5)] == [400] * 5


def test_the_login_page_and_the_token_endpoint_share_the_count(alice):
    for _ in range(5):
        _token(APIClient(), "alice", "wrong")
    page = _login(Client(), "alice", PASSWORD)
    assert page.status_code == 429
    assert "_auth_user_id" not in page.client.session
    assert int(page["Retry-After"]) > 0
    assert b"Too many failed sign-ins for this account" in page.content


def test_login_page_failures_count_for_the_token_endpoint(alice):
    for _ in range(5):
        assert _login(Client(), "alice", "wrong").status_code == 200
    assert _token(APIClient(), "alice", PASSWORD).status_code == 429


def test_an_unknown_account_is_throttled_exactly_like_a_known_one(alice, generous_rate):
    answers = {}
    for name in ("alice", "nobody"):
        client = APIClient()
        statuses = [_token(client, name, "wrong").status_code for _ in range(6)]
        refused = _token(client, name, "wrong")
        answers[name] = (statuses, refused.status_code, refused.json()["detail"])
    assert answers["alice"] == answers["nobody"]


# --- Known devices ---


def test_a_known_browser_signs_in_while_strangers_are_backed_off(alice):
    browser = Client()
    assert _login(browser, "alice", PASSWORD).status_code == 302
    assert sign_in.DEVICE_COOKIE in browser.cookies
    browser.post("/logout/")
    for _ in range(8):  # a stranger guessing alice's password
        _login(Client(), "alice", "wrong")
    assert _login(Client(), "alice", PASSWORD).status_code == 429  # strangers wait
    assert _login(browser, "alice", PASSWORD).status_code == 302  # alice's browser does not


def test_a_known_browsers_own_mistakes_back_off_only_that_browser(alice, bob):
    browser = Client()
    _login(browser, "alice", PASSWORD)
    browser.post("/logout/")
    for _ in range(5):
        _login(browser, "alice", "wrong")
    assert _login(browser, "alice", PASSWORD).status_code == 429
    assert _login(Client(), "alice", PASSWORD).status_code == 302


def test_the_device_cookie_is_for_one_user_and_cannot_be_forged(alice, bob):
    browser = Client()
    _login(browser, "alice", PASSWORD)
    browser.post("/logout/")
    for _ in range(6):
        _login(Client(), "bob", "wrong")
    # alice's device cookie does not make the browser a known device for bob.
    assert _login(browser, "bob", PASSWORD).status_code == 429
    forged = Client()
    forged.cookies[sign_in.DEVICE_COOKIE] = '{"u": "bob", "n": "x"}'
    assert _login(forged, "bob", PASSWORD).status_code == 429


def test_a_script_holding_a_valid_token_is_a_known_device(alice, carol):
    _, key = token_create(user=alice, name="cron")
    for _ in range(6):
        _token(APIClient(), "alice", "wrong")
    assert _token(APIClient(), "alice", PASSWORD).status_code == 429
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _token(script, "alice", PASSWORD).status_code == 200
    # Someone else's token makes nobody a known device for alice.
    _, carols = token_create(user=carol, name="cron")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {carols}")
    assert _token(other, "alice", PASSWORD).status_code == 429


# --- Per address ---


def test_one_address_is_stopped_after_fifty_failures_across_accounts(alice):
    browser = Client()
    _login(browser, "alice", PASSWORD)
    browser.post("/logout/")
    for i in range(sign_in.ADDRESS_FAILURES):
        assert _login(Client(), f"user{i}", "wrong").status_code == 200
    refused = _login(browser, "alice", PASSWORD)  # a known device too
    assert refused.status_code == 429
    assert b"from your network" in refused.content
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    assert _login(elsewhere, "alice", PASSWORD).status_code == 302


def test_ipv6_clients_are_counted_per_64_network():
    from annotations.lib.client_address import address_bucket

    assert address_bucket("2001:db8:1:2:aaaa::1") == address_bucket("2001:db8:1:2:ffff::9")
    assert address_bucket("2001:db8:1:2::1") != address_bucket("2001:db8:1:3::1")
    assert address_bucket("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_bucket("192.0.2.1") != address_bucket("192.0.2.2")
