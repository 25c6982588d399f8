"""Boilerplate trailers: the lines that scraped articles end with and that are not the article.

"Read The Rest at :", "More on the war in Ukraine at :", "Read more", "Subscribe to our
newsletter", a dangling "Source:" with nothing after it... They are dropped from the end of an
imported page's text (``htmltext.extract_article``); the page itself, as fetched, is what an
archive keeps. Only trailing lines go, one after another from the end, and never the last
line standing: a sentence in the middle of an article is never touched.
"""

from __future__ import annotations

import re

__all__ = ["drop_trailers", "is_trailer"]

# A trailer is short; a real last paragraph that happens to match is longer than this.
MAX_TRAILER_CHARS = 100

_TRAILERS = re.compile(
    r"""^(?:
        # "Read The Rest at :", "Read more", "Read the full story here", "Continue reading"
        (?:read|see)\s+(?:the\s+)?(?:rest|more|full\s+(?:story|article|report))\b.*
      | continue\s+reading\b.*
      | (?:subscribe|sign\s+up)\s+(?:to|for)\s+(?:our|the)\s+newsletters?\b.*
      | (?:follow|like)\s+us\s+on\b.*
      | share\s+this\s+(?:article|story)\b.*
      | click\s+here\b.*
      | (?:all\s+rights\s+reserved|advertisement)\W*
      # a short line ending in a colon with nothing after it: "Source:", "More on X at :"
      | [^.!?]{0,80}:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_trailer(line: str) -> bool:
    stripped = " ".join(line.split())
    return bool(stripped) and len(stripped) <= MAX_TRAILER_CHARS and bool(_TRAILERS.match(stripped))


def drop_trailers(lines: list[str]) -> list[str]:
    """``lines`` without the boilerplate lines at their end (at least one line is kept)."""
    end = len(lines)
    while end > 1 and (not lines[end - 1].strip() or is_trailer(lines[end - 1])):
        end -= 1
    return lines[:end]
