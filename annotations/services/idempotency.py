"""Idempotency-Key records: the first POST with a key claims it, its response is stored when
it completes, and a failed attempt releases the key so that a retry may run again."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from annotations.models import IdempotencyKey

MAX_KEY_CHARS = 200


@transaction.atomic
def idempotency_key_claim(*, user: Any, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The record for ``(user, key)`` and whether this call created it. A concurrent first
    request loses the race on the unique constraint and gets the winner's record."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint), True
    except IntegrityError:
        return IdempotencyKey.objects.get(user=user, key=key), False


@transaction.atomic
def idempotency_key_complete(
    *, record: IdempotencyKey, status_code: int, response: Any
) -> IdempotencyKey:
    """Store the first response, to be replayed to every retry with the same key."""
    record.status_code = status_code
    record.response = response
    record.save(update_fields=["status_code", "response"])
    return record


@transaction.atomic
def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget a key whose request failed, so that the client may retry it."""
    IdempotencyKey.objects.filter(pk=record.pk, status_code__isnull=True).delete()
