"""OPML 2.0, the file format feed readers exchange subscription lists in.

Written and read with lxml. The reader refuses what an XML attack needs: a DOCTYPE (no
entity is ever defined, so none can expand: no "billion laughs"), external entities and
network access (``resolve_entities=False``, ``no_network=True``: no XXE), and files over
``MAX_OPML_BYTES``. Refusals are ValidationErrors naming ``file``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from lxml import etree

MAX_OPML_BYTES = 1024 * 1024


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str


def opml_write(*, title: str, feeds: list[OpmlFeed]) -> bytes:
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for feed in feeds:
        etree.SubElement(
            body,
            "outline",
            type="rss",
            text=feed.title or feed.url,
            title=feed.title,
            xmlUrl=feed.url,
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def opml_read(data: bytes, *, max_feeds: int) -> list[OpmlFeed]:
    """The feeds of an OPML file (outlines with an ``xmlUrl``, nested or not), in order,
    without repeats; at most ``max_feeds``."""
    if len(data) > MAX_OPML_BYTES:
        raise ValidationError(
            {"file": f"The OPML file is larger than {MAX_OPML_BYTES // 1024} KB."}
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationError({"file": f"This is not an OPML file: {exc}"}) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValidationError({"file": "OPML files with a DOCTYPE are refused."})
    if root.tag != "opml":
        raise ValidationError({"file": f"This is not an OPML file (its root is <{root.tag!s}>)."})
    feeds: dict[str, OpmlFeed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url or url in feeds:
            continue
        if len(feeds) >= max_feeds:
            raise ValidationError({"file": f"The OPML file lists more than {max_feeds} feeds."})
        text = (outline.get("text") or "").strip()
        title = (outline.get("title") or "").strip() or (text if text != url else "")
        feeds[url] = OpmlFeed(url=url, title=title[:300])
    return list(feeds.values())
