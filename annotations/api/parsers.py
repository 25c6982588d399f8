"""Request parsers with bounds. DRF's JSONParser hands the body to ``json.load``, which raises
``RecursionError`` (a 500) on a body of ten thousand nested brackets; this one parses with
orjson and refuses more than MAX_DEPTH levels of nesting, anywhere in the body, as a 400."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

# No NewsNotes request nests deeper than about six levels (a W3C annotation's selector inside
# its target); 32 leaves room for clients' extra fields and stays far from any recursion limit.
MAX_DEPTH = 32


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels deep (iterative,
    so checking a hostile value cannot itself recurse too deeply)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _stdlib_loads(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, NaN
        raise ParseError(f"JSON parse error - {exc}") from None


class BoundedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            message = str(exc)
            if "recursion" in message.lower():
                raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.") from None
            if "64-bit" not in message:
                raise ParseError(f"JSON parse error - {message}") from None
            # orjson stops at 64-bit integers; the standard parser reads any, so that a huge id
            # gets the serializer's error naming its field.
            data = _stdlib_loads(raw)
        if json_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON nested more than {MAX_DEPTH} levels deep.")
        return data


class BoundedJSONLDParser(BoundedJSONParser):
    """W3C Web Annotation JSON-LD bodies (``application/ld+json``)."""

    media_type = "application/ld+json"
