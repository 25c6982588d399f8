"""``{{ text|markdown }}``: a comment's Markdown as sanitised HTML (``lib/markdown.py``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from annotations.lib.markdown import markdown_html

register = template.Library()


@register.filter
def markdown(text: str | None) -> SafeString:
    # nh3 has sanitised the HTML: only the allow-listed tags, attributes and URL schemes.
    return mark_safe(markdown_html(text or ""))  # noqa: S308
