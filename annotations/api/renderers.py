"""JSON rendering with orjson: the annotation list of a long article is several hundred
kilobytes, and the standard library's encoder was a quarter of the request's CPU time."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default  # lazy strings, Decimals, querysets ... as DRF would


def _default(value: Any) -> Any:
    return _fallback(value)


def _plain(data: Any) -> Any:
    """``data`` with its pre-rendered JSON (orjson fragments, as the annotation list's rows
    are) decoded, for the standard library's encoder."""
    return orjson.loads(orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS))


class FastJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        # Indented output only when a client asks for it (Accept: ...; indent=2).
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            return super().render(_plain(data), accepted_media_type, renderer_context)
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
