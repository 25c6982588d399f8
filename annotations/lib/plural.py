"""Counts with their nouns: "1 article", "2 articles" (Django's ngettext)."""

from __future__ import annotations

from django.utils.translation import ngettext


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``counted(1, "article")`` → "1 article"; ``counted(3, "reply", "replies")``."""
    return f"{count:,} {ngettext(singular, plural or f'{singular}s', count)}"


def noun(count: int, singular: str, plural: str | None = None) -> str:
    """The noun alone, for lists: ``noun(len(cols), "column")``."""
    return ngettext(singular, plural or f"{singular}s", count)
