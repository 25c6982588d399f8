"""Comments and replies in Markdown, rendered on the server and sanitised.

markdown-it-py (CommonMark, the parser rich already depends on) renders with raw HTML turned
off, so ``<script>`` in a comment is text; nh3 (Rust's ammonia) then keeps only the tags a
comment needs, only http(s) and mailto links, and gives every link
``rel="noopener noreferrer nofollow"``. The API sends the result beside the source text
(``comment_html``, ``text_html``); pages insert only this sanitised HTML, never the source.
Why on the server: one renderer and one sanitiser for every surface (pages, API, exports can
follow), and no third-party JavaScript in the pages.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "s", "hr"}
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # commonmark with html off: raw HTML blocks and inline tags are escaped, not passed on.
    # No images (a comment must not make the reader's browser fetch anything), no tables or
    # headings (a comment is a few lines in a sidebar).
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.disable(["image", "heading", "lheading", "html_block", "html_inline"])
    parser.enable("strikethrough")
    return parser


# A one-line comment without any of these is one paragraph of plain text: the reader's list
# of 1,000 annotations then skips the parser for most of them.
_MARKUP = re.compile(r"[\\`*_~\[\]()<>&#!|=\n]|^\s*(?:[-+]|\d+[.)])\s|https?:|www\.|@")


@lru_cache(maxsize=1024)
def markdown_html(text: str) -> str:
    """Sanitised HTML for a comment's Markdown ("" for an empty comment)."""
    if not text.strip():
        return ""
    if not _MARKUP.search(text):
        return f"<p>{html.escape(text.strip(), quote=False)}</p>"
    rendered = _parser().render(text)
    return nh3.clean(
        rendered,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
