"""Parsing of request parameters that are not a serializer's: whole numbers within the range a
database key holds, refused with a 400 that names the parameter."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError

from annotations.models import MAX_ID

# Enough digits for any 64-bit id; longer input is refused before int() reads it.
_MAX_DIGITS = 20
_WHOLE = re.compile(r"-?[0-9]+")


def int_field(data: Any, name: str, *, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """``data[name]`` as a whole number from ``minimum`` to ``maximum``."""
    raw = data[name]
    text = str(raw).strip()
    if len(text) > _MAX_DIGITS:
        raise ValidationError({name: f"A whole number from {minimum} to {maximum}."})
    # ASCII digits only: int() would also read "٣" and "1_000".
    if not _WHOLE.fullmatch(text):
        raise ValidationError({name: "A whole number."})
    value = int(text)
    if not minimum <= value <= maximum:
        raise ValidationError({name: f"A whole number from {minimum} to {maximum}."})
    return value
