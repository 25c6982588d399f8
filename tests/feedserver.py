"""A news site with feeds on the loopback interface, for the feed and archive tests and the
feeds benchmark: nothing leaves the machine.

``FeedSite`` serves ``/feeds/<name>.xml`` (RSS 2.0, with an ETag: a request that sends it back
in If-None-Match gets a 304), ``/articles/<slug>`` (an article page) and ``/broken.xml`` (500).
Tests change ``site.feeds`` and ``site.pages`` as they go; ``site.hits`` counts requests by
path. The fetcher reaches it at ``http://127.0.0.1:<port>/...`` only with the loopback setting
(``URLFETCH_ALLOW_LOOPBACK``, env ``NEWSNOTES_URLFETCH_ALLOW_LOOPBACK``) that production refuses.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def article_html(slug: str, *, title: str = "", paragraphs: int = 4) -> str:
    title = title or f"Talks on {slug.replace('-', ' ')} resume in Geneva"
    body = "".join(
        f"<p>Paragraph {n} of the report on {escape(slug)}: the delegations of Ruritania and "
        f"Freedonia met again on Tuesday, a spokesman for the ministry said, and the talks on "
        f"the border crossings went on until late in the evening without a statement.</p>"
        for n in range(1, paragraphs + 1)
    )
    return (
        f"<!doctype html><html lang='en'><head><title>{escape(title)}</title>"
        f"<meta name='author' content='Ana Reporter'></head><body><article>"
        f"<h1>{escape(title)}</h1>{body}</article></body></html>"
    )


def rss(*, title: str, items: list[tuple[str, str, str]]) -> str:
    """RSS 2.0 with items (guid, link, title)."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<guid isPermaLink='false'>{escape(guid)}</guid>"
        f"<pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate></item>"
        for guid, link, t in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{escape(title)}</title><link>http://{HOST}/</link>"
        f"<description>Test feed</description>{entries}</channel></rss>"
    )


@dataclass
class FeedSite:
    port: int = 0
    feeds: dict[str, str] = field(default_factory=dict)  # path -> RSS document
    pages: dict[str, str] = field(default_factory=dict)  # path -> HTML
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def add_feed(self, name: str, slugs: list[str], *, title: str = "") -> str:
        """A feed listing an article page per slug (pages added too); returns its URL."""
        items = []
        for slug in slugs:
            path = f"/articles/{slug}"
            self.pages.setdefault(path, article_html(slug))
            items.append((f"urn:{slug}", self.url(path), slug.replace("-", " ")))
        self.feeds[f"/feeds/{name}.xml"] = rss(title=title or f"{name} news", items=items)
        return self.url(f"/feeds/{name}.xml")


def _handler(site: FeedSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            with site.lock:
                site.hits[path] += 1
            if path in site.feeds:
                body = site.feeds[path].encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    with site.lock:
                        site.not_modified[path] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._send(200, body, "application/rss+xml; charset=utf-8", etag=etag)
            elif path in site.pages:
                self._send(200, site.pages[path].encode(), "text/html; charset=utf-8")
            elif path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/articles/" + next(iter(site.pages), "x")[10:])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/broken.xml":
                self._send(500, b"oops", "text/plain")
            else:
                self._send(404, b"not here", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str, etag: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(site: FeedSite | None = None) -> Iterator[FeedSite]:
    site = site or FeedSite()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, name="feed-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
