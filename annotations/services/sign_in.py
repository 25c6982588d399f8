"""Sign-in with a password, for the login page and ``POST /api/auth/token/`` alike: who may try
now, and what a failure costs. The counters live in Django's cache, shared by every worker.

The policy (docs/architecture.md, "Security defaults"; OWASP's authentication and credential
stuffing cheat sheets, and its "device cookies" scheme):

* **Per account, a back-off, never a lock.** The first ``FREE_FAILURES`` wrong passwords cost
  nothing; each one after that makes the account wait ``BASE_DELAY`` seconds, doubling up to
  ``MAX_DELAY`` (5 s, 10 s, 20 s ... 15 min). During the wait every attempt is refused with a
  429 and ``Retry-After`` before the password is looked at, so the wait cannot be used to test
  passwords, and refused attempts cost nothing more. A success clears the count; so does a day
  without failures. An unknown username is counted exactly like a known one.
* **Known devices are exempt from the account's back-off.** A browser that signed in as the
  user gets a signed, long-lived cookie naming them; a script that already holds one of the
  user's valid API tokens is known the same way. Their attempts are counted in a bucket of
  their own (the same back-off), so strangers guessing the password slow down only strangers.
* **Per address, a higher limit.** ``ADDRESS_FAILURES`` failures from one address (an IPv6
  /64) in ``ADDRESS_WINDOW`` seconds refuse every sign-in from it, known device or not, until
  the window ends. It stops one machine guessing across many accounts, and is high enough that
  an office behind one NAT does not lock itself out with ordinary typos.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from annotations.lib.client_address import address_bucket, client_address
from annotations.services.tokens import token_from_header

FREE_FAILURES = 5
BASE_DELAY = 5
MAX_DELAY = 15 * 60
ACCOUNT_MEMORY = 24 * 60 * 60
ADDRESS_FAILURES = 50
ADDRESS_WINDOW = 15 * 60

DEVICE_COOKIE = "newsnotes_device"
DEVICE_MAX_AGE = 365 * 24 * 60 * 60
_DEVICE_SALT = "annotations.sign_in.device"


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before its password is checked, and for how long."""

    retry_after: int
    message: str


class SignInRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _key(kind: str, value: str) -> str:
    # Hashed: usernames and addresses may hold anything, and cache keys must not.
    return f"sign-in:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def _delay(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY, BASE_DELAY * 2 ** min(failures - FREE_FAILURES, 30)))


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# --- Who is asking ---


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the account named, the address it comes from, and the bucket its
    failures go to (the account's, or a known device's own)."""

    username: str
    address: str
    device: str | None = None

    @property
    def bucket(self) -> str:
        if self.device:
            return _key("device", self.device)
        return _key("account", self.username)

    @property
    def address_key(self) -> str:
        return _key("address", self.address)


def attempt_for(request: HttpRequest, username: str) -> Attempt:
    name = normalize_username(username)
    return Attempt(
        username=name,
        address=address_bucket(client_address(request)),
        device=known_device(request, name),
    )


def known_device(request: HttpRequest, username: str) -> str | None:
    """The device id of a browser that signed in as ``username`` before (the signed cookie), or
    of a client presenting one of that user's valid API tokens; else None."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if raw:
        try:
            value = signing.loads(raw, salt=_DEVICE_SALT, max_age=DEVICE_MAX_AGE)
        except signing.BadSignature:
            value = None
        if isinstance(value, dict) and value.get("u") == username and value.get("n"):
            return f"cookie:{value['n']}"
    token = token_from_header(request)
    if token is not None and normalize_username(token.user.get_username()) == username:
        return f"token:{token.pk}"
    return None


def remember_device(request: HttpRequest, response: HttpResponse, user: Any) -> None:
    """After a successful sign-in on the page: the signed cookie that makes this browser a known
    device for ``user`` (kept, with its id, if it already was)."""
    name = normalize_username(user.get_username())
    device = known_device(request, name)
    nonce = device.removeprefix("cookie:") if device and device.startswith("cookie:") else None
    value = signing.dumps({"u": name, "n": nonce or secrets.token_urlsafe(12)}, salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- The counters ---


def sign_in_refusal(attempt: Attempt) -> Refusal | None:
    """A Refusal if this attempt must wait, else None. Reads only; checks no password."""
    now = _now()
    address = cache.get(attempt.address_key)
    if address and address["failures"] >= ADDRESS_FAILURES:
        wait = int(address["start"] + ADDRESS_WINDOW - now) + 1
        if wait > 0:
            return Refusal(
                retry_after=wait,
                message=(
                    f"Too many failed sign-ins from your network; try again in {_in_words(wait)}."
                ),
            )
    state = cache.get(attempt.bucket)
    if state and state["until"] > now:
        wait = int(state["until"] - now) + 1
        return Refusal(
            retry_after=wait,
            message=(
                "Too many failed sign-ins for this account; "
                f"try again in {_in_words(wait)}, or reset your password."
            ),
        )
    return None


def sign_in_failed(attempt: Attempt) -> None:
    now = _now()
    state = cache.get(attempt.bucket) or {"failures": 0, "until": 0.0}
    failures = state["failures"] + 1
    cache.set(
        attempt.bucket, {"failures": failures, "until": now + _delay(failures)}, ACCOUNT_MEMORY
    )
    address = cache.get(attempt.address_key)
    if not address or address["start"] + ADDRESS_WINDOW <= now:
        address = {"failures": 0, "start": now}
    address["failures"] += 1
    remaining = int(address["start"] + ADDRESS_WINDOW - now) + 1
    cache.set(attempt.address_key, address, remaining)


def sign_in_succeeded(attempt: Attempt) -> None:
    # Only the bucket that proved the password is cleared: a known device's success does not
    # hand strangers a fresh set of free attempts on the account.
    cache.delete(attempt.bucket)


def sign_in_authenticate(*, request: HttpRequest, username: str, password: str) -> Any:
    """The user for this username and password, or None (a failure, counted); raises
    SignInRefused, without checking the password, while the attempt must wait."""
    attempt = attempt_for(request, username)
    refusal = sign_in_refusal(attempt)
    if refusal is not None:
        raise SignInRefused(refusal)
    user = authenticate(request, username=username, password=password)
    if user is None:
        sign_in_failed(attempt)
        return None
    sign_in_succeeded(attempt)
    return user


def sign_in_reset_account(username: str) -> None:
    """Ends the account's back-off (after a password reset through its e-mail)."""
    cache.delete(_key("account", normalize_username(username)))
