"""Password-reset requests: how many may be asked for, and how the e-mail leaves.

Django's own views do the rest (a one-time link signed with the user's password hash, valid
``PASSWORD_RESET_TIMEOUT`` seconds). Two limits, neither of which says whether an address
belongs to an account:

* per client address (an IPv6 /64): ``ADDRESS_REQUESTS`` requests per ``WINDOW`` seconds, then a
  429 with ``Retry-After``, whatever the e-mail addresses asked for;
* per e-mail address: ``EMAIL_REQUESTS`` e-mails per ``WINDOW``, counted for unknown addresses
  exactly as for known ones; past it the page answers as always and sends nothing, so nobody can
  flood a mailbox and the answer reveals nothing.

The e-mail goes through the task queue (``tasks.send_email``), so the answer takes as long
for an address with an account as for one without, and a slow mail server holds no request.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from annotations.lib.client_address import address_bucket, client_address
from annotations.services.sign_in import Refusal

ADDRESS_REQUESTS = 5
EMAIL_REQUESTS = 3
WINDOW = 60 * 60


def _key(kind: str, value: str) -> str:
    return f"password-reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def _count(key: str, limit: int) -> tuple[bool, int]:
    """Counts one request in a fixed window; (still within the limit, seconds left)."""
    now = time.time()
    state = cache.get(key)
    if not state or state["start"] + WINDOW <= now:
        state = {"count": 0, "start": now}
    left = int(state["start"] + WINDOW - now) + 1
    if state["count"] >= limit:
        return False, left
    state["count"] += 1
    cache.set(key, state, left)
    return True, left


def reset_refusal(request: HttpRequest) -> Refusal | None:
    """Counts a reset request from this client; a Refusal once its address is over the limit."""
    allowed, left = _count(
        _key("address", address_bucket(client_address(request))), ADDRESS_REQUESTS
    )
    if allowed:
        return None
    minutes = -(-left // 60)
    return Refusal(
        retry_after=left,
        message=(
            "Too many password-reset requests from your network; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}."
        ),
    )


def reset_allowed_for_email(email: str) -> bool:
    """Counts a reset e-mail to this address; False once it has had its share this hour."""
    allowed, _ = _count(_key("email", email.strip().lower()), EMAIL_REQUESTS)
    return allowed
