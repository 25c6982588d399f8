"""Password reset with Django's views: the whole flow through the e-mail outbox, limits per
client address and per e-mail address, and one answer for known and unknown addresses."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from annotations.services import sign_in

RESET_URL = "/accounts/password-reset/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def _ask(client: Client, email: str):
    return client.post(RESET_URL, {"email": email})


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_login_page_links_to_the_reset(client):
    page = client.get("/login/")
    assert b"Forgot your password?" in page.content
    assert f'href="{RESET_URL}"'.encode() in page.content


def test_the_whole_flow_sets_a_new_password(alice):
    client = Client()
    asked = _ask(client, "alice@example.org")
    assert asked.status_code == 302
    assert asked["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "alice" in message.body

    form = client.get(_link(message), follow=True)
    assert form.status_code == 200
    assert b"Choose a new password" in form.content
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password-reset/complete/"

    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password("correct-horse-battery")
    # The link works once.
    again = Client().get(_link(message), follow=True)
    assert b"has been used, has expired" in again.content
    assert Client().post(
        "/login/", {"username": "alice", "password": NEW_PASSWORD}
    ).status_code == (302)


def test_known_and_unknown_addresses_get_the_same_answer(alice):
    known = _ask(Client(), "alice@example.org")
    unknown = _ask(Client(), "nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert Client().get(known["Location"]).content == Client().get(unknown["Location"]).content
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_one_address_is_limited_and_told_when_to_come_back(alice):
    client = Client()
    statuses = [_ask(client, f"someone{i}@example.org").status_code for i in range(5)]
    assert statuses == [302] * 5
    refused = _ask(client, "alice@example.org")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert b"Too many password-reset requests" in refused.content
    assert mail.outbox == []
    # Another client address is not affected.
    assert _ask(Client(REMOTE_ADDR="192.0.2.9"), "alice@example.org").status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("email", ["alice@example.org", "nobody@example.org"])
def test_one_mailbox_gets_at_most_three_mails_an_hour_answered_as_usual(alice, email):
    answers = [_ask(Client(REMOTE_ADDR=f"192.0.2.{i}"), email)["Location"] for i in range(1, 6)]
    assert answers == ["/accounts/password-reset/sent/"] * 5
    assert len(mail.outbox) == (3 if email.startswith("alice") else 0)


def test_a_new_password_ends_the_accounts_sign_in_back_off(alice):
    for _ in range(6):
        Client().post("/login/", {"username": "alice", "password": "wrong"})
    assert Client().post("/login/", {"username": "alice", "password": "x"}).status_code == 429
    client = Client()
    _ask(client, "alice@example.org")
    form = client.get(_link(mail.outbox[0]), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    signed_in = Client().post("/login/", {"username": "alice", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert sign_in.DEVICE_COOKIE in signed_in.cookies
