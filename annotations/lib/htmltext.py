"""Turn a fetched news page into clean article text, metadata and safe HTML.

trafilatura does the hard part (finding the article among navigation, banners, related
links and comments). This module pins down what the rest of NewsNotes relies on: `text`
is canonical (one paragraph per line, NFC) because annotations store character offsets
into it, and `html` is sanitised by nh3 because it is rendered inside the app.
"""

from __future__ import annotations

import codecs
import copy
import html as html_lib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import lxml.html
import nh3
import trafilatura
from lxml import etree
from trafilatura.settings import Document as TrafilaturaDocument

from annotations.lib.trailers import drop_trailers

__all__ = [
    "ExtractedArticle",
    "ExtractionError",
    "decode_html",
    "extract_article",
    "sanitize_html",
]


@dataclass(frozen=True)
class ExtractedArticle:
    text: str  # paragraphs separated by "\n", stripped, NFC-normalised
    title: str
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None  # timezone-aware; UTC if the page gives no offset
    language: str = ""  # ISO 639-1 if known
    site_name: str = ""
    url: str = ""  # canonical URL if present
    html: str = ""  # main content, sanitised by sanitize_html()


class ExtractionError(ValueError):
    """The input is not an HTML page with article text; the message says what was wrong."""


# --------------------------------------------------------------------------- sanitising

ALLOWED_TAGS = frozenset(
    {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li"}
    | {"em", "strong", "b", "i", "a"}
)
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# Tags whose content is never prose: drop them together with their content rather than
# letting nh3 keep the inner text (script source, CSS, form option lists...).
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math"}
    | {"textarea", "select", "button", "title", "head"}
)


def sanitize_html(html: str, *, base_url: str | None = None) -> str:
    """Reduce HTML to the small set of tags NewsNotes renders; everything else is removed.

    Event handlers, styles and every attribute except a[href] are dropped, hrefs are
    limited to http/https/mailto (so javascript: and data: links disappear), and links get
    rel="noopener noreferrer nofollow". Relative links are resolved against `base_url`
    when it is given and dropped otherwise, since they would point into NewsNotes itself.
    """
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={"a": {"href"}},
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative=("rewrite_with_base", base_url) if base_url else "deny",
        strip_comments=True,
    ).strip()


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Browsers (WHATWG Encoding) read these labels as windows-1252; so must we, or curly quotes
# in the 0x80-0x9F range turn into invisible C1 control characters.
_WINDOWS_1252_ALIASES = frozenset({"latin_1", "iso8859-1", "ascii"})
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MAX_NOISE_RATIO = 0.02  # real pages have next to no control characters or U+FFFD


def decode_html(body: bytes, charset: str | None) -> str:
    """Decode a page: BOM, then the declared charset, then <meta charset>, then UTF-8.

    A candidate is used only if it decodes the whole body without errors; the last resort
    is UTF-8 with replacement characters. Raises ExtractionError for binary content (NUL
    bytes, or a decoded result that is mostly control or replacement characters).
    """
    for encoding in _candidate_encodings(body, charset):
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        break
    else:
        text = body.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    _refuse_binary(text)
    return text


def _candidate_encodings(body: bytes, declared: str | None) -> Iterable[str]:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            yield encoding  # a byte order mark overrides any label, as in browsers
    for label in (declared, _sniffed_charset(body)):
        name = _python_encoding(label)
        if name:
            yield name
    yield "utf-8"


def _sniffed_charset(body: bytes) -> str | None:
    head = body[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _python_encoding(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name == "utf-7":
        return None  # never honoured by browsers; a classic filter-evasion trick
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return None  # a real UTF-16 page starts with a BOM, handled separately
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


def _refuse_binary(text: str) -> None:
    if "\x00" in text:
        raise ExtractionError("the content is binary, not HTML (it contains NUL bytes)")
    noise = len(_NOT_TEXT.findall(text[:100_000]))
    if text and noise > max(8, _MAX_NOISE_RATIO * min(len(text), 100_000)):
        raise ExtractionError("the content is binary or in an unknown encoding, not HTML")


# --------------------------------------------------------------------------- extraction


_MARKUP = re.compile(r"<[a-zA-Z!?/]")


def extract_article(html: str | bytes, *, url: str | None = None) -> ExtractedArticle:
    """Find the article in a page and return its text, metadata and sanitised HTML.

    `url` (where the page came from) helps trafilatura with relative links and metadata
    and is used as `url` when the page has no canonical URL. Raises ExtractionError if the
    input is binary or has no article text.
    """
    if isinstance(html, bytes):
        source = decode_html(html, None)  # refuses binary content itself
    else:
        _refuse_binary(html)
        source = html
    if not source.strip():
        raise ExtractionError("no article text found: the HTML is empty")
    # Input without any markup (a text/plain page) would only make trafilatura's loader
    # log an error and give up.
    tree = _parse(source) if _MARKUP.search(source) else None
    if tree is None:
        return _plain_text_article(source, url)
    language = _page_language(tree)  # read first: trafilatura prunes the tree it is given
    document = _trafilatura_document(tree, url)
    lines, content_html = _main_content(document, source)
    lines = drop_trailers(lines)  # "Read The Rest at :" and the like (lib/trailers.py)
    if not lines:
        raise ExtractionError("no article text found in the HTML")
    if document is None:  # trafilatura found no text, but the page may still have metadata
        fresh = _parse(source)  # parsed once above, so never None here
        document = trafilatura.extract_metadata(
            fresh if fresh is not None else source, default_url=url, date_config=_date_params()
        )
    canonical = _clean(document.url) or (url or "")
    return ExtractedArticle(
        text="\n".join(lines),
        title=_clean(document.title),
        authors=_authors(document.author),
        published_at=_parse_date(document.date),
        language=language,
        site_name=_clean(document.sitename),
        url=canonical,
        html=_nfc(sanitize_html(content_html, base_url=url or canonical or None)),
    )


def _trafilatura_document(
    tree: lxml.html.HtmlElement, url: str | None
) -> TrafilaturaDocument | None:
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        include_formatting=True,  # keeps <em>/<strong> for the html field
        include_links=True,
        include_tables=True,
        include_images=False,
        date_extraction_params=_date_params(),
    )
    return document if isinstance(document, TrafilaturaDocument) else None


def _main_content(document: TrafilaturaDocument | None, source: str) -> tuple[list[str], str]:
    """Lines of text and matching HTML, from trafilatura or else from the visible body."""
    if document is not None and _text_lines(document.body):
        _drop_repeated_headline(document.body, _clean(document.title))
        return _text_lines(document.body), _body_to_html(document.body)
    # trafilatura gave up (typically very short pages): use the visible body text.
    lines = _fallback_lines(source)
    return lines, "".join(f"<p>{html_lib.escape(line)}</p>" for line in lines)


def _plain_text_article(source: str, url: str | None) -> ExtractedArticle:
    # Paragraphs are separated by blank lines; single newlines are hard wrapping.
    paragraphs = [_clean(block) for block in re.split(r"\n\s*\n", source)]
    lines = drop_trailers([paragraph for paragraph in paragraphs if paragraph])
    if not lines:
        raise ExtractionError("no article text found in the HTML")
    return ExtractedArticle(
        text="\n".join(lines),
        title="",
        url=url or "",
        html="".join(f"<p>{html_lib.escape(line)}</p>" for line in lines),
    )


def _parse(source: str) -> lxml.html.HtmlElement | None:
    # trafilatura's loader copes with encoding declarations inside str input and other
    # quirks that make lxml.html.fromstring() raise.
    return trafilatura.load_html(source)


def _date_params() -> dict[str, object]:
    # trafilatura's defaults plus a full timestamp with offset instead of just the day.
    return {
        "original_date": True,  # publication, not last-modified
        "extensive_search": True,
        "max_date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    }


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _clean(value: str | None) -> str:
    """Collapse whitespace and NFC-normalise a metadata string."""
    return _nfc(" ".join((value or "").split()))


def _authors(value: str | None) -> list[str]:
    # trafilatura joins several authors with "; ".
    names = (_clean(name) for name in (value or "").split(";"))
    return list(dict.fromkeys(name for name in names if name))


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def _page_language(tree: lxml.html.HtmlElement) -> str:
    """ISO 639-1 code from <html lang>, Content-Language or og:locale; "" when unknown."""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath(
            "//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
            "='content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ]
    for candidate in candidates:
        code = re.split(r"[-_,;\s]", (candidate or "").strip().lower(), maxsplit=1)[0]
        if _LANGUAGE_CODE.match(code):
            return code
    return ""


# --------------------------------------------------------------------------- trafilatura XML

# trafilatura's internal XML: block elements become lines of `text`.
_BLOCK_TAGS = frozenset({"p", "head", "quote", "list", "item", "table", "row", "code", "div"})


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._parts: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self._parts.append(text)

    def end_line(self) -> None:
        line = _clean("".join(self._parts))
        if line:
            self.lines.append(line)
        self._parts = []


def _text_lines(body: etree._Element) -> list[str]:
    out = _Lines()
    out.add(body.text)
    for child in body:
        _walk_text(child, out)
    out.end_line()
    return out.lines


def _walk_text(node: etree._Element, out: _Lines) -> None:
    if not isinstance(node.tag, str):  # comments and processing instructions
        out.add(node.tail)
        return
    block = node.tag in _BLOCK_TAGS
    if block or node.tag == "lb":
        out.end_line()
    if node.tag == "cell" and node.getprevious() is not None:
        out.add(" | ")
    out.add(node.text)
    for child in node:
        _walk_text(child, out)
    if block:
        out.end_line()
    out.add(node.tail)


def _drop_repeated_headline(body: etree._Element, title: str) -> None:
    # The headline is kept in `title`; repeating it as the first line of `text` would make
    # analysts annotate it twice.
    first = body[0] if len(body) else None
    if (
        first is not None
        and first.tag == "head"
        and title
        and _clean("".join(first.itertext())).casefold() == title.casefold()
    ):
        body.text = (body.text or "") + (first.tail or "")  # remove() takes the tail along
        body.remove(first)


def _body_to_html(body: etree._Element) -> str:
    """Map trafilatura's XML vocabulary onto HTML (sanitize_html has the final word)."""
    tree = copy.deepcopy(body)
    for row in list(tree.iter("row")):
        _flatten_row(row)
    for node in tree.iter():
        if isinstance(node.tag, str):
            _to_html_tag(node)
    inner = [html_lib.escape(tree.text or "")]
    inner += [etree.tostring(child, encoding="unicode", method="html") for child in tree]
    return "".join(inner)


def _flatten_row(row: etree._Element) -> None:
    # Table tags are not rendered; keep each row readable as one "a | b | c" paragraph,
    # matching the line it becomes in `text`.
    cells = [_clean("".join(cell.itertext())) for cell in row.iter("cell")]
    tail = row.tail
    row.clear()
    row.text, row.tail = " | ".join(cells), tail


_RENDITIONS = {"#b": "strong", "#i": "em"}
_TAG_MAP = {"quote": "blockquote", "item": "li", "lb": "br", "row": "p", "code": "p"}


def _to_html_tag(node: etree._Element) -> None:
    tag, rend, target = node.tag, node.get("rend", ""), node.get("target")
    node.attrib.clear()
    if tag == "head":
        level = rend[1:] if re.fullmatch(r"h[1-6]", rend) else "2"
        node.tag = f"h{level}"
    elif tag == "list":
        node.tag = "ol" if rend == "ol" else "ul"
    elif tag == "hi":
        node.tag = _RENDITIONS.get(rend, "span")
    elif tag == "ref":
        node.tag = "a"
        if target:
            node.set("href", target)
    elif tag in _TAG_MAP:
        node.tag = _TAG_MAP[tag]
    elif tag not in ALLOWED_TAGS:
        node.tag = "span"  # unknown vocabulary: keep the words, drop the element


# --------------------------------------------------------------------------- fallback

_BOILERPLATE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "select", "textarea", "nav", "header", "footer", "aside", "menu", "dialog", "figure",
)  # fmt: skip
_BOILERPLATE_MARKERS = re.compile(
    r"cookie|consent|gdpr|banner|\bnav|menu|breadcrumb|footer|header|sidebar|related|"
    r"share|social|newsletter|subscribe|promo|advert|\bads?\b|comment|popup|modal|"
    r"masthead|navigation|complementary|contentinfo|dialog|search",
    re.I,
)
_FALLBACK_BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li"}
    | {"blockquote", "pre", "tr", "dt", "dd", "br", "table", "ul", "ol"}
)


def _fallback_lines(source: str) -> list[str]:
    tree = _parse(source)
    if tree is None:
        return []
    bodies = tree.xpath("//body")
    root = bodies[0] if bodies else tree
    _strip_boilerplate(root)
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag in _FALLBACK_BLOCKS:
            node.tail = "\n" + (node.tail or "")
            node.text = "\n" + (node.text or "")
    return [line for line in (_clean(raw) for raw in root.text_content().split("\n")) if line]


def _strip_boilerplate(root: lxml.html.HtmlElement) -> None:
    doomed = [node for node in root.iter() if _is_boilerplate(node)]
    for node in doomed:
        parent = node.getparent()
        if parent is not None:
            node.drop_tree()  # keeps the tail text, which belongs to the parent


def _is_boilerplate(node: etree._Element) -> bool:
    if not isinstance(node.tag, str):
        return True  # comments, processing instructions
    if node.tag in _BOILERPLATE_TAGS:
        return True
    marker = " ".join(node.get(name, "") for name in ("class", "id", "role", "aria-label"))
    return bool(marker.strip()) and bool(_BOILERPLATE_MARKERS.search(marker))
