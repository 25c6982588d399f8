"""Template filters for the oversight pages (review queue, dashboard, agreement)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def figure(value: float | None, places: int = 2) -> str:
    """An agreement figure to ``places`` decimals, with a true minus sign; "—" if undefined."""
    if value is None:
        return "—"
    text = f"{float(value):.{int(places)}f}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else "\u2212" + text[1:]
    return text


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, in words: "just now" within a minute, else "5 minutes ago"."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"
