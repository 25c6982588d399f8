"""``{{ value|json_data:"element-id" }}``: Django's ``json_script``, the same output, faster.

``json_script`` escapes ``<``, ``>`` and ``&`` with ``str.translate``, which leaves CPython's
fast path at the first character it must widen and then maps every later character through a
dict. The reader embeds ~900 kB of annotations whose rendered comments are full of ``<p>``: that
took ~145 ms, most of the page's server time. Three ``str.replace`` calls do the same escapes
in ~3 ms (bench/ui_render.py; tests/test_json_data.py checks the output is identical).
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(is_safe=True)
def json_data(value: Any, element_id: str) -> SafeString:
    data = (
        json.dumps(value, cls=DjangoJSONEncoder)
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(data),  # noqa: S308 - escaped above exactly as json_script escapes
    )
