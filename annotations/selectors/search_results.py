"""Search results as the page and the API show them: each snippet as plain text with the
spans to highlight (code point offsets into the snippet), and the link into the reader that
scrolls to the hit (``#t-<start>-<end>`` for a passage of the text, ``#a-<id>`` for an
annotation and its discussion)."""

from __future__ import annotations

from typing import Any

from annotations.models import Article
from annotations.selectors.search import Hit, SearchResults
from annotations.selectors.search_engines import MARK_END, MARK_START


def split_snippet(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without its marks, and the [start, end) of each marked span."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    at, start = 0, None
    for ch in marked:
        if ch == MARK_START:
            start = at
        elif ch == MARK_END:
            if start is not None and at > start:
                spans.append((start, at))
            start = None
        else:
            text.append(ch)
            at += 1
    return "".join(text), spans


def _text_span(text: str, snippet: str, spans: list[tuple[int, int]]) -> str:
    """The reader anchor of the first highlighted word of an article hit, in its text."""
    if not spans:
        return ""
    word = snippet[spans[0][0] : spans[0][1]]
    at = text.casefold().find(word.casefold())
    return f"#t-{at}-{at + len(word)}" if at >= 0 else ""


def hit_dict(hit: Hit, texts: dict[int, str] | None = None) -> dict[str, Any]:
    """``texts``: the article hits' texts by id (read here when not given)."""
    snippet, spans = split_snippet(hit.snippet)
    fields = dict(hit.fields)
    if hit.kind == "entity":
        url = f"/entities/{hit.id}/"
    elif hit.kind == "article":
        if texts is None:
            texts = _texts([hit.id])
        url = f"/articles/{hit.id}/" + _text_span(texts.get(hit.id, ""), snippet, spans)
    elif hit.kind == "annotation":
        url = f"/articles/{hit.article_id}/#a-{hit.id}"
    else:
        url = f"/articles/{hit.article_id}/#a-{fields['annotation']}"
    return {
        "kind": hit.kind,
        "id": hit.id,
        "article": hit.article_id,
        "rank": round(hit.rank, 6),
        "snippet": snippet,
        "highlights": [list(span) for span in spans],
        "url": url,
        **fields,
    }


def _texts(ids: list[int]) -> dict[int, str]:
    return dict(Article.objects.filter(pk__in=ids).values_list("pk", "text"))


def results_dict(results: SearchResults) -> dict[str, Any]:
    """``count`` is at most MAX_COUNT; ``capped`` says there were more ("1,000+")."""
    found = results.kinds.get("article")
    texts = _texts([h.id for h in found.hits]) if found and found.hits else {}
    return {
        "query": results.query,
        "also_searched": results.also_searched,
        "results": {
            kind: {
                "count": found.count,
                "capped": found.capped,
                "hits": [hit_dict(h, texts) for h in found.hits],
            }
            for kind, found in results.kinds.items()
        },
        "facets": results.facets,
    }
